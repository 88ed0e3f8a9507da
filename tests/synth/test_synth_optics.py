"""Thin-lens defocus, layered occlusion and focus breathing."""

from __future__ import annotations

import numpy as np
import pytest

from invcam.synth import optics

H, W = 64, 96
EDGE = W // 2  # columns < EDGE: foreground object; >= EDGE: background


def two_layers(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A bright flat object at 1 m (left half) before a textured wall at 10 m (right half).

    Returns radiance ``(H, W, 3)`` and depth ``(H, W)``; the wall is a fine random
    texture (values 0.1 to 0.3) so blur is measurable as a loss of contrast.
    """
    radiance = np.empty((H, W, 3), np.float32)
    radiance[:, :EDGE] = 1.0
    radiance[:, EDGE:] = (0.1 + 0.2 * rng.random((H, W - EDGE, 1))).astype(np.float32)
    depth = np.full((H, W), 10.0, np.float32)
    depth[:, :EDGE] = 1.0
    return radiance, depth


def k_for(radius: float) -> float:
    """Thin-lens constant giving ``radius`` px between 1 m and 10 m (0.9 diopter apart)."""
    return radius / 0.9


def render(radiance, depth, k, focus):
    scene = optics.prepare_layers(radiance, depth, k, k * 0.9)
    return optics.defocus(scene, focus)[..., 0]


def edge_width(profile: np.ndarray) -> float:
    """10-90 % rise distance (px) of a monotone-ish step profile, by linear interpolation."""
    lo, hi = profile.min(), profile.max()
    p = (profile - lo) / (hi - lo)
    if p[0] > p[-1]:
        p = p[::-1]
    x = np.arange(len(p), dtype=float)
    return float(np.interp(0.9, p, x) - np.interp(0.1, p, x))


def texture_std(image: np.ndarray, cols: slice) -> float:
    return float(image[8:-8, cols].std())


def test_coc_is_zero_at_focus_and_grows_on_both_sides():
    focus, k = 2.0, 12.0
    assert optics.coc_radius(focus, focus, k) == 0.0
    near = np.linspace(0.3, focus, 50)
    far = np.linspace(focus, 500.0, 200)
    c_near, c_far = optics.coc_radius(near, focus, k), optics.coc_radius(far, focus, k)
    assert np.all(np.diff(c_near) < 0)  # closer than focus: blur shrinks toward focus
    assert np.all(np.diff(c_far) > 0)  # beyond focus: blur grows with distance
    assert optics.coc_radius(1.0, focus, k) == pytest.approx(k * 0.5)
    assert optics.coc_radius(1e9, focus, k) == pytest.approx(k * 0.5, rel=1e-6)


@pytest.mark.parametrize("radius", [0.0, 0.3, 1.0, 2.5, 6.0])
def test_disc_kernel_is_normalised_round_and_sized(radius):
    kern = optics.disc_kernel(radius)
    assert kern.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.allclose(kern, kern.T) and np.allclose(kern, kern[::-1, ::-1])
    n = kern.shape[0] // 2
    y, x = np.mgrid[-n : n + 1, -n : n + 1]
    if radius < 0.5:
        assert kern.max() == pytest.approx(1.0)  # identity
        return
    assert np.hypot(x, y)[kern > 0].max() <= radius + 0.5 + 1e-9
    if radius >= 2:  # second moment of a uniform disc (r^2/2) plus one pixel's (1/6)
        assert (kern * (x * x + y * y)).sum() == pytest.approx(radius**2 / 2 + 1 / 6, rel=0.1)


def test_in_focus_foreground_edge_stays_sharp_over_blurred_background():
    radiance, depth = two_layers(np.random.default_rng(1))
    out = render(radiance, depth, k_for(6.0), focus=1.0)
    width = edge_width(out[8:-8, EDGE - 10 : EDGE + 10].mean(axis=0))
    assert width <= 2.0
    # the foreground is untouched right up to the edge, and does not leak into the wall
    assert np.allclose(out[:, : EDGE - 1], 1.0, atol=1e-5)
    assert out[:, EDGE + 1 :].max() < 0.35
    # the wall is visibly blurred: most of its fine texture contrast is gone
    far_wall = slice(EDGE + 12, W - 8)
    assert texture_std(out, far_wall) < 0.3 * texture_std(radiance[..., 0], far_wall)


def test_blurred_foreground_spreads_over_sharp_background():
    radiance, depth = two_layers(np.random.default_rng(2))
    out = render(radiance, depth, k_for(6.0), focus=10.0)
    profile = out[8:-8, EDGE - 14 : EDGE + 14].mean(axis=0)
    assert edge_width(profile) >= 5.0  # a 6 px disc spreads the step over ~2r * 0.8
    # 2.5 px into the wall a 6 px disc still sees ~23 % foreground (a circular segment)
    wall = radiance[8:-8, EDGE + 2, 0].mean()
    assert out[8:-8, EDGE + 2].mean() > wall + 0.12
    assert out[8:-8, EDGE - 1].mean() < 0.8  # and the wall shows through its blurred rim
    far_wall = slice(EDGE + 12, W - 8)
    assert texture_std(out, far_wall) > 0.9 * texture_std(radiance[..., 0], far_wall)


@pytest.mark.parametrize("focus", [0.5, 2.0, 40.0])
def test_uniform_surfaces_stay_uniform_without_layer_seams(focus):
    """A tilted floor spans many layers; compositing must not darken the seams."""
    rows = np.linspace(0.0, 1.0, H, dtype=np.float32)[:, None]
    depth = np.broadcast_to(1.0 / (1.0 / 30.0 + rows * (1.0 - 1.0 / 30.0)), (H, W)).copy()
    radiance = np.full((H, W, 3), 0.7, np.float32)
    scene = optics.prepare_layers(radiance, depth, 8.0, 8.0)
    assert len(scene.layers) > 5
    out = optics.defocus(scene, focus)
    assert np.allclose(out, 0.7, rtol=1e-4)


def test_breathing_keeps_reference_and_stays_within_one_to_three_percent():
    diopters = [1 / 0.8, 1 / 2.0, 1 / 50.0]
    mags = optics.breathing(diopters, reference=1)
    assert mags[1] == 1.0
    assert mags[0] > 1.0 > mags[2]  # closer focus: larger image
    for m in (mags[0], mags[2]):
        assert 0.01 - 1e-12 <= abs(m - 1.0) <= 0.03 + 1e-12


def test_magnify_scales_about_the_centre():
    img = np.zeros((101, 141, 1), np.float32)
    img[50, 70 + 40] = 1.0  # 40 px right of the centre
    out = optics.magnify(img, 1.025)
    ys, xs = np.nonzero(out[..., 0] if out.ndim == 3 else out)
    weights = (out if out.ndim == 2 else out[..., 0])[ys, xs]
    assert np.average(xs, weights=weights) == pytest.approx(70 + 40 * 1.025, abs=0.05)
    assert np.average(ys, weights=weights) == pytest.approx(50, abs=0.05)
    assert optics.magnify(img, 1.0) is img
