"""Response curves, sensor noise and quantization."""

from __future__ import annotations

import numpy as np
import pytest

from invcam.synth.sensor import CRF_FAMILIES, NoiseModel, capture, expose, make_crf

X = np.geomspace(1e-6, 1.0, 4000)


def on_grid(crf, x=X) -> np.ndarray:
    return crf(np.repeat(x[:, None], 3, axis=1))


@pytest.mark.parametrize("name", sorted(CRF_FAMILIES))
def test_crf_is_monotone_anchored_and_saturating(name):
    crf = make_crf(name)
    ends = crf(np.array([[0.0] * 3, [1.0] * 3, [7.0] * 3]))
    assert np.allclose(ends[0], 0.0) and np.allclose(ends[1:], 1.0)
    y = on_grid(crf)
    assert np.all(np.diff(y, axis=0) > 0)  # strictly increasing (float64 grid)
    assert 0.25 < y[np.searchsorted(X, 0.18), 0] < 0.65  # a plausible middle grey
    # smooth: no kinks bigger than the curve's own curvature on a fine linear grid
    lin = on_grid(crf, np.linspace(0.05, 0.95, 500))
    assert np.abs(np.diff(lin, 2, axis=0)).max() < 5e-4


def test_crf_families_differ_in_shape():
    curves = {n: on_grid(make_crf(n), np.array([0.01, 0.18, 0.7])) for n in CRF_FAMILIES}
    names = sorted(curves)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(curves[a] - curves[b]).max() > 0.01, (a, b)
    rgb = on_grid(make_crf("film_rgb"), np.array([0.05]))[0]
    assert np.ptp(rgb) > 0.01  # per-channel variant really differs per channel


@pytest.mark.parametrize("name", sorted(CRF_FAMILIES))
def test_crf_inverse_round_trips(name):
    crf = make_crf(name)
    x = np.geomspace(1e-4, 1.0, 200)
    back = crf.inverse(on_grid(crf, x))
    assert np.allclose(back, x[:, None], rtol=2e-3)


def test_noise_matches_shot_plus_read_model():
    noise = NoiseModel(full_well=5000.0, read=2e-3)
    rng = np.random.default_rng(0)
    for level in (0.01, 0.2):
        x = expose(np.full((200, 200, 3), level, np.float32), 1.0, noise, rng)
        expected = np.sqrt(level / noise.full_well + noise.read**2)
        assert x.std() == pytest.approx(expected, rel=0.05)
        assert x.mean() == pytest.approx(level, rel=0.01)


def test_exposure_scales_clips_and_can_be_noise_free():
    off = NoiseModel(enabled=False)
    irr = np.array([[[0.5, 2.0, 8.0]]], np.float32)
    x = expose(irr, 0.25, off, np.random.default_rng(0))
    assert np.allclose(x, [[[0.125, 0.5, 1.0]]])


@pytest.mark.parametrize("bits", [8, 16])
def test_capture_quantizes_through_the_curve(bits):
    crf = make_crf("srgb")
    irr = np.linspace(0, 2, 3 * 50, dtype=np.float32).reshape(1, 50, 3)
    img = capture(irr, 1.0, crf, NoiseModel(enabled=False), np.random.default_rng(0), bits)
    top = 2**bits - 1
    assert img.dtype == (np.uint8 if bits == 8 else np.uint16)
    assert np.abs(img / top - crf(irr)).max() <= 0.5 / top + 1e-6
    assert (img[irr >= 1.0] == top).all()
