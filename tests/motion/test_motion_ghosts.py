"""``--motion auto``'s second look: ghosts of a moving object in a static fit's renders."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from motion_helpers import expose, texture

from invcam.motion.ghosts import find_ghosts, ghost_mask


def _disc_scene(cx: float, cy: float, size=(240, 360), seed: int = 0) -> np.ndarray:
    """Linear ``(H, W, 3)`` texture with a flat orange disc of radius 30 px at (cx, cy)."""
    scene = texture(*size, seed=seed)
    disc = np.zeros(size, np.float32)
    cv2.circle(disc, (int(cx), int(cy)), 30, 1.0, -1)
    disc = cv2.GaussianBlur(disc, (0, 0), 0.7)[..., None]
    return scene * (1 - disc) + disc * np.array([0.6, 0.25, 0.05], np.float32)


def _display(linear: np.ndarray, t: float = 1.0) -> np.ndarray:
    return expose(linear, t).astype(np.float32) / 255.0


@pytest.mark.parametrize("sigma", [0.8, 2.5])
def test_a_soft_render_of_a_static_scene_has_no_ghost(sigma):
    """A static fit not yet sharp (or an image's strong defocus not yet learned): renders
    ``sigma`` px softer than the images, with noise."""
    rng = np.random.default_rng(0)
    observed = np.stack([_display(_disc_scene(180, 120, seed=s)) for s in (0, 1)])
    soft = np.stack([cv2.GaussianBlur(im, (0, 0), sigma) for im in observed])
    rendered = np.clip(soft + rng.normal(0, 2 / 255, soft.shape), 0, 1).astype(np.float32)
    check = find_ghosts(observed, rendered)
    assert not check.moving
    assert check.largest < check.threshold


def test_a_disc_that_moved_leaves_a_ghost_in_the_image_that_holds_it():
    """Image 1's disc moved 20 px; a static scene renders both images with the disc half
    in each place (the average), which image 1's pixels do not hold."""
    before, after = _disc_scene(170, 120), _disc_scene(190, 120)
    observed = np.stack([_display(before), _display(after)])
    ghost = _display(0.5 * (before + after))
    rendered = np.stack([observed[0], ghost])
    check = find_ghosts(observed, rendered)
    assert check.moving
    assert check.image == 1
    assert check.largest >= check.threshold
    assert check.blocks == 30 * 45
    assert "moving object" in check.describe() and "image 1" in check.describe()


def test_residual_explained_by_texture_is_not_a_ghost():
    residual = np.full((30, 45), 2.0, np.float32)
    residual[10:20, 10:20] = 30.0
    valid = np.ones(residual.shape, bool)
    textured = np.where(residual > 2, 40.0, 1.0).astype(np.float32)
    assert ghost_mask(residual, textured, valid).sum() == 0
    assert ghost_mask(residual, np.ones_like(residual), valid).sum() == 100


def test_render_inputs_matches_the_blurry_render_at_its_lattice():
    """render_inputs at stride 3 is image b's blurry render through its exposure and
    response, at pixels 1, 4, 7, ... of each axis."""
    from invcam.method.fit_setup import build_model
    from invcam.method.render import render_inputs
    from invcam.presets import preset

    torch.manual_seed(0)
    images = torch.rand(2, 24 * 30, 3)
    model = build_model(preset("fast"), (24, 30), images, [0.5, 2.0], 0, None)
    lattice = render_inputs(model, stride=3)
    assert lattice.shape == (2, 8, 10, 3)
    with torch.no_grad():
        for b in range(2):
            full = model.tonemap(model.render_blurry_log2(b) + model.log2_exposures()[b])
            torch.testing.assert_close(lattice[b], full[1::3, 1::3], atol=1e-5, rtol=1e-4)


def test_blur_explains_a_defocus_difference_but_not_a_shift():
    """``unexplained``: a sharp pattern against its blurred copy (an image's blur not yet
    learned) is explained; against a copy shifted by 6 px (a moving object) it is not."""
    from invcam.motion.ghosts import unexplained

    rng = np.random.default_rng(0)
    cells = (rng.random((30, 45)) < 0.5).astype(np.float32)
    sharp = cv2.resize(cells, (360, 240), interpolation=cv2.INTER_NEAREST)
    sharp = np.repeat((0.1 + 0.7 * sharp)[..., None], 3, axis=2)
    blurred = cv2.GaussianBlur(sharp, (0, 0), 3.0)
    shifted = np.roll(sharp, 6, axis=1)
    plain_blur = np.abs(blurred - sharp).max(-1).mean()
    plain_shift = np.abs(shifted - sharp).max(-1).mean()
    assert unexplained(blurred, sharp).mean() < 0.25 * plain_blur
    assert unexplained(sharp, blurred).mean() < 0.25 * plain_blur
    assert unexplained(shifted, sharp).mean() > 0.5 * plain_shift


def test_an_image_smaller_than_a_block_has_no_ghost():
    tiny = np.random.default_rng(0).random((2, 6, 20, 3)).astype(np.float32)
    check = find_ghosts(tiny, 1.0 - tiny)
    assert not check.moving and check.largest == 0 and check.image == -1
