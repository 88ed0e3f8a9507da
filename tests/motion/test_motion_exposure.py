"""Exposure normalization of frame pairs: clipping masks, gain, histogram fallback."""

from __future__ import annotations

import numpy as np
import pytest
from motion_helpers import expose, texture

from invcam.errors import InvcamError
from invcam.motion import normalize_pair, unusable_mask
from invcam.motion.exposure import linear_rgb, match_histogram, plateaued_luminances


def test_clipped_mask_marks_bright_and_dark_pixels():
    frame = np.full((2, 3, 3), 128, np.uint8)
    frame[0, 0] = (255, 100, 100)  # one channel saturated
    frame[0, 1] = (3, 4, 2)  # all channels dark
    frame[0, 2] = (3, 120, 2)  # dark in two channels only: usable
    mask = unusable_mask(frame)
    assert mask.tolist() == [[True, True, False], [False, False, False]]
    assert np.array_equal(unusable_mask(frame.astype(np.float64) / 255.0), mask)


def _hdr_scene() -> np.ndarray:
    """A linear scene with dark and bright regions: 4x exposures clip both ends."""
    lin = texture(96, 128, seed=1)
    lin[:, :32] *= 0.003  # dark strip: crushed in the short exposure
    lin[:, -32:] *= 3.0  # bright strip: saturated in the long exposure
    return lin


@pytest.mark.parametrize("known", [True, False])
def test_normalize_pair_agrees_on_valid_pixels(known):
    lin = _hdr_scene()
    a, b = expose(lin, 0.25), expose(lin, 1.0)
    raw_gap = np.abs(a.astype(int) - b.astype(int))
    times = (0.25, 1.0) if known else (None, None)
    a_n, b_n, valid = normalize_pair(a, b, *times, method="gain")
    diff = np.abs(a_n.astype(int) - b_n.astype(int))[valid]
    assert np.median(raw_gap) > 40  # the raw frames really differ
    assert valid.mean() > 0.3
    assert np.percentile(diff, 99) <= 3 and np.median(diff) <= 1
    assert not np.any(valid & (unusable_mask(a) | unusable_mask(b)))
    assert unusable_mask(b).mean() > 0.05 and unusable_mask(a).mean() > 0.05


def test_unknown_gain_in_encoded_units_is_measured():
    """Frames ``x^(1/2.2) * t``: a pure gain in the encoded domain, t^2.2 in linear."""
    enc = texture(64, 96, seed=2) ** (1 / 2.2)
    a = np.rint(np.clip(enc * 0.25, 0, 1) * 255).astype(np.uint8)
    b = np.rint(np.clip(enc * 1.0, 0, 1) * 255).astype(np.uint8)
    a_n, b_n, valid = normalize_pair(a, b)
    diff = np.abs(a_n.astype(int) - b_n.astype(int))[valid]
    assert valid.mean() > 0.2 and np.percentile(diff, 99) <= 3


def _curve_pair() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A gamma-2.2 frame and a frame of a different response curve (gamma 1.2, 2x gain)."""
    lin = texture(64, 96, seed=3)
    b = np.rint(np.clip(lin * 2.0, 0, 1) ** (1 / 1.2) * 255).astype(np.uint8)
    return expose(lin, 0.5), b, lin


def test_histogram_fallback_fixes_a_wrong_response_guess():
    a, b, _ = _curve_pair()
    results = {m: normalize_pair(a, b, 0.5, 1.0, method=m) for m in ("gain", "histogram", "auto")}
    errs = {}
    for m, (a_n, b_n, valid) in results.items():
        errs[m] = np.median(np.abs(a_n.astype(int) - b_n.astype(int))[valid])
    assert errs["gain"] > 6
    assert errs["histogram"] <= 2 and errs["auto"] == errs["histogram"]


def test_match_histogram_is_monotonic_and_matches_quantiles():
    rng = np.random.default_rng(0)
    ref = rng.integers(0, 256, (40, 50)).astype(np.uint8)
    src = (ref // 3 + 20).astype(np.uint8)
    out = match_histogram(src, ref, np.ones(src.shape, bool))
    order = np.argsort(src.ravel(), kind="stable")
    assert np.all(np.diff(out.ravel()[order].astype(int)) >= 0)
    assert np.abs(np.percentile(out, [10, 50, 90]) - np.percentile(ref, [10, 50, 90])).max() <= 4


def test_normalize_pair_rejects_bad_input():
    a = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(InvcamError, match="differ in size"):
        normalize_pair(a, np.zeros((8, 9, 3), np.uint8))
    with pytest.raises(InvcamError, match="unknown normalization"):
        normalize_pair(a, a, method="magic")
    with pytest.raises(InvcamError, match="positive"):
        normalize_pair(a, a, 0.0, 1.0)
    with pytest.raises(InvcamError, match=r"\(H, W, 3\)"):
        normalize_pair(np.zeros((8, 8, 4)), np.zeros((8, 8, 4)))


def test_plateaued_luminances_read_one_plateau_where_either_frame_cannot_measure():
    """A region clipped in the brighter frame and one black in the darker frame read the
    same flat value in both; elsewhere the pair is at a common brightness (gain 8)."""
    scene = texture(32, 32, seed=3)
    scene[:8] = 50.0     # beyond the long frame's range
    scene[-8:] = 1e-4    # below the short frame's floor
    long_, short = expose(scene, 1.0), expose(scene, 1 / 8)
    lum_long, lum_short = plateaued_luminances(linear_rgb(long_), linear_rgb(short), gain=1 / 8)
    np.testing.assert_allclose(lum_long[:8], lum_short[:8], rtol=1e-6)
    np.testing.assert_allclose(lum_long[-8:], lum_short[-8:], rtol=1e-6)
    assert np.ptp(lum_long[:8]) == 0 and np.ptp(lum_short[-8:]) == 0
    middle = np.s_[12:20]
    np.testing.assert_allclose(lum_long[middle], lum_short[middle], rtol=0.08, atol=2e-4)
