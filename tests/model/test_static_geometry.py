"""A static fit's D leaves content that only one image sees where it is (no drift)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from invcam.method.fit import fit, replace_budget
from invcam.presets import preset

H, W = 128, 192
BARS = (60.0, 84.0, 108.0, 132.0)  # x centres (px) of the dark bars in the window
WIN = (24, 104, 44, 148)  # y0, y1, x0, x1 of the bright window (covers whole grid cells)


def _scene() -> np.ndarray:
    """``(H, W, 3)`` radiance: a textured wall, a window 40x brighter crossed by bars."""
    rng = np.random.default_rng(5)
    tex = cv2.GaussianBlur(rng.normal(size=(H, W)).astype(np.float32), (0, 0), 2.0)
    wall = 0.3 * np.exp(1.2 * tex / tex.std())
    rad = np.repeat(wall[..., None], 3, axis=2) * np.array([1.0, 0.9, 0.8], np.float32)
    y0, y1, x0, x1 = WIN
    rad[y0:y1, x0:x1] = 12.0
    xs = np.arange(W) + 0.5
    for cx in BARS:  # 2 px wide bars, anti-aliased
        cover = np.clip(1.5 - np.abs(xs - cx), 0.0, 1.0)
        rad[y0:y1] = rad[y0:y1] * (1 - cover[None, :, None]) + 0.015 * cover[None, :, None]
    return rad.astype(np.float32)


def _shift(rad: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """The scene seen by a camera moved by (dx, dy) px: content moves by (-dx, -dy)."""
    mat = np.array([[1.0, 0.0, -dx], [0.0, 1.0, -dy]], np.float32)
    return cv2.warpAffine(rad, mat, (W, H), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REFLECT).clip(0)


def _capture(rad: np.ndarray, t: float) -> np.ndarray:
    return np.round(np.clip(rad * t, 0, 1) ** (1 / 2.2) * 255) / 255


def _bar_centres(log_rad: np.ndarray) -> np.ndarray:
    """Sub-pixel x centres of the bars from the window rows' mean darkness."""
    y0, y1, x0, x1 = WIN
    profile = log_rad[y0 + 3 : y1 - 3, x0:x1].mean(axis=(0, 2))
    dark = np.clip(profile.max() - profile, 0, None)
    xs = np.arange(x0, x1) + 0.5
    out = []
    for cx in BARS:
        near = np.abs(xs - cx) <= 2.5
        out.append(float((xs[near] * dark[near]).sum() / dark[near].sum()))
    return np.array(out)


@pytest.fixture(scope="module")
def fitted():
    rad = _scene()
    ref = _capture(rad, 1.0)              # the window is clipped in the reference
    short = _capture(_shift(rad, 0.6, -0.4), 1 / 32)   # only this image sees the bars
    images = torch.from_numpy(np.stack([ref, short]).astype(np.float32))
    cfg = replace_budget(preset("fast"), 500, None)
    result = fit(images, [1.0, 1 / 32], cfg, reference=0)
    return rad, result.model.render_log2(0).numpy()


def test_window_is_clipped_in_the_reference_only():
    rad = _scene()
    y0, y1, x0, x1 = WIN
    sky = (slice(y0, y1), slice(x0 + 1, x0 + 4))
    assert _capture(rad, 1.0)[sky].min() == 1.0
    assert _capture(rad, 1 / 32)[sky].max() < 0.98


@pytest.mark.slow
def test_region_seen_by_one_image_stays_in_place(fitted):
    rad, pred_log2 = fitted
    truth = _bar_centres(np.log2(rad))
    pred = _bar_centres(pred_log2)
    assert np.abs(pred - truth).max() < 0.25, (pred, truth)


def test_static_default_has_no_local_warp():
    """The fast preset's D for a static stack is one similarity per image: no residual
    field that could move one part of an image against the rest."""
    from invcam.method.scene import Deformation

    d = Deformation(preset("fast").model, 3, (48, 64), reference=1)
    assert d.kind == "global"
    assert not any("residual" in name for name, _ in d.named_parameters())
    p = torch.rand(3, 10, 2) * 2 - 1
    with torch.no_grad():
        d.similarity[0] = torch.tensor([0.01, 0.002, 0.003, -0.004])
    q = d(p)
    assert torch.allclose(q[1], p[1], atol=1e-6)  # the reference stays the identity
    assert torch.allclose(q[2], p[2], atol=1e-6)
    assert not torch.allclose(q[0], p[0], atol=1e-3)  # image 0 is moved as a whole


def _similarity_moved(prior, **optim) -> torch.Tensor:
    """``(B,)`` how far each image's similarity moved in a 40-iteration fit of three shifted
    captures of this file's scene (reference 1) with ``prior`` and the ``optim`` settings."""
    import dataclasses

    rad = _scene()
    images = torch.from_numpy(np.stack([_capture(_shift(rad, 0.6, -0.4), 0.5),
                                        _capture(rad, 0.25),
                                        _capture(_shift(rad, -0.3, 0.2), 1 / 16)])
                              .astype(np.float32))
    cfg = replace_budget(preset("fast"), 40, None)
    cfg = dataclasses.replace(cfg, optim=dataclasses.replace(cfg.optim, **optim))
    model = fit(images, [0.5, 0.25, 1 / 16], cfg, reference=1, prior=prior).model
    return model.deformation.similarity_params().detach().abs().amax(dim=1)


@pytest.mark.parametrize("hold", [0.0, 1.0])
def test_similarity_hold_keeps_registered_images_at_their_registration(hold):
    """``OptimConfig.similarity_hold``: while it lasts, an image placed by a trusted
    registration keeps its similarity; an unplaced one learns its place meanwhile."""
    from invcam.motion.prior import MotionPrior

    moved = _similarity_moved(MotionPrior(registered=torch.tensor([False, True, True])),
                              similarity_hold=hold)
    assert moved[0] > 0  # unplaced: learned either way
    assert (moved[2] == 0) == (hold == 1.0)  # placed: held for the whole fit, or learned


def test_only_tightly_pinned_images_are_held():
    """``similarity_hold_spread``: an image whose matches pin it loosely (large spread) or
    that no registration placed (NaN) is free from the start; a tight one is held."""
    import dataclasses

    from invcam.method.fit_setup import held_images
    from invcam.motion.prior import MotionPrior

    optim = dataclasses.replace(preset("fast").optim, similarity_hold=0.3,
                                similarity_hold_spread=0.06)
    prior = MotionPrior(registered=torch.tensor([False, True, True, True]),
                        spread=torch.tensor([float("nan"), 0.0, 0.05, 0.2]))
    assert held_images(optim, prior).tolist() == [False, True, True, False]
    assert held_images(optim, dataclasses.replace(prior, spread=None)).tolist() == \
        [False, True, True, True]  # not measured: every placed image
    assert held_images(dataclasses.replace(optim, similarity_hold=0.0), prior) is None
    loose = MotionPrior(registered=torch.tensor([True, False]), spread=torch.tensor([0.3, 0.0]))
    assert held_images(optim, loose) is None  # the reference alone: nothing to hold


def test_a_loosely_pinned_image_learns_while_a_tight_one_is_held():
    """Through the fit: with the hold on for the whole fit, image 0 (spread 0.02 px) keeps
    its registration and image 2 (0.2 px) learns its place."""
    from invcam.motion.prior import MotionPrior

    prior = MotionPrior(registered=torch.tensor([True, True, True]),
                        spread=torch.tensor([0.02, 0.0, 0.2]))
    moved = _similarity_moved(prior, similarity_hold=1.0, similarity_hold_spread=0.06)
    assert moved[0] == 0 and moved[2] > 0
