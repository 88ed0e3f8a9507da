"""Local metrics (invcam.metrics_local): misregistration and per-band accuracy."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.ndimage import fourier_shift, gaussian_filter

from invcam.bench.report import markdown_table
from invcam.cli import main
from invcam.io.hdr import write_exr
from invcam.metrics_local import (
    WINDOW,
    band_metrics,
    local_metrics,
    local_shift_windows,
    misregistration,
)
from invcam.photometry import luminance
from invcam.synth import synthesize

LOCAL_KEYS = ("misreg_median_px", "misreg_p95_px", "misreg_windows", "psnr_mu_low",
              "psnr_mu_mid", "psnr_mu_high", "top_ratio")


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    return synthesize("demo", "diagonal", size=(96, 128)).radiance.astype(np.float64)


def shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Exact sub-pixel shift: Fourier shift of the log image."""
    log = np.log(image)
    out = [np.fft.ifft2(fourier_shift(np.fft.fft2(log[..., c]), (dy, dx))).real
           for c in range(3)]
    return np.exp(np.stack(out, axis=-1))


def test_identical_images_read_no_shift(truth):
    r = misregistration(truth, truth * 2.5)
    assert r["misreg_windows"] >= 10
    assert r["misreg_median_px"] < 0.005 and r["misreg_p95_px"] < 0.02


@pytest.mark.parametrize("dx, dy", [(0.3, 0.0), (0.0, 0.3), (0.3 / 2**0.5, 0.3 / 2**0.5)])
def test_known_sub_pixel_shift_is_read_back(truth, dx, dy):
    r = misregistration(shifted(truth, dx, dy), truth)
    assert r["misreg_median_px"] == pytest.approx(0.3, abs=0.05)


def test_blur_is_not_read_as_a_shift(truth):
    r = misregistration(gaussian_filter(truth, (1.0, 1.0, 0)), truth)
    assert r["misreg_median_px"] < 0.1


def test_windows_say_where_a_local_shift_is(truth):
    """Only the right half is shifted by 0.5 px: the windows wholly inside it read the
    shift, those wholly in the left half read none."""
    half = truth.shape[1] // 2
    pred = truth.copy()
    pred[:, half:] = shifted(truth, 0.5, 0.0)[:, half:]
    corners, shifts = local_shift_windows(luminance(pred), luminance(truth))
    assert corners.shape == shifts.shape and len(corners) >= 10
    mag = np.hypot(shifts[:, 0], shifts[:, 1])
    left, right = corners[:, 1] + WINDOW <= half, corners[:, 1] >= half
    assert left.sum() >= 2 and right.sum() >= 2
    assert np.all(mag[left] < 0.05)
    assert np.median(mag[right]) == pytest.approx(0.5, abs=0.07)


def test_flat_or_tiny_images_have_no_windows():
    flat = np.ones((64, 64, 3))
    assert misregistration(flat, flat)["misreg_windows"] == 0
    assert math.isnan(misregistration(flat[:20, :20], flat[:20, :20])["misreg_median_px"])


def test_bands_of_identical_images_are_perfect(truth):
    r = band_metrics(truth, truth)
    assert r["psnr_mu_low"] == r["psnr_mu_mid"] == r["psnr_mu_high"] == math.inf
    assert r["top_ratio"] == 1.0
    scaled = band_metrics(truth * 0.2, truth)  # only rounding error after the alignment
    assert min(scaled["psnr_mu_low"], scaled["psnr_mu_mid"], scaled["psnr_mu_high"]) > 200


def test_too_bright_highlights_read_in_the_top_band_only(truth):
    lum = luminance(truth)
    top = lum > np.percentile(lum, 90)
    pred = truth.copy()
    pred[top] *= 1.5  # the global scale (median over 1st-99th pct) is unchanged
    r = band_metrics(pred, truth)
    assert r["top_ratio"] == pytest.approx(1.5, abs=0.02)
    assert r["psnr_mu_low"] == r["psnr_mu_mid"] == math.inf and r["psnr_mu_high"] < 40


def test_dark_band_error_reads_in_the_low_band_only(truth):
    lum = luminance(truth)
    pred = truth.copy()
    pred[lum < np.percentile(lum, 10)] *= 2.0
    r = band_metrics(pred, truth)
    assert r["psnr_mu_low"] < 40 and r["psnr_mu_mid"] == r["psnr_mu_high"] == math.inf
    assert r["top_ratio"] == pytest.approx(1.0)


def test_eval_cli_prints_the_local_metrics(truth, tmp_path, capsys):
    write_exr(tmp_path / "gt.exr", truth.astype(np.float32))
    write_exr(tmp_path / "pred.exr", shifted(truth, 0.3, 0.0).astype(np.float32) * 4)
    args = ["eval", str(tmp_path / "pred.exr"), str(tmp_path / "gt.exr"), "--no-optional"]
    assert main([*args, "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert all(k in scores for k in LOCAL_KEYS)
    assert scores["misreg_median_px"] == pytest.approx(0.3, abs=0.05)
    assert scores["top_ratio"] == pytest.approx(1.0, abs=0.05)
    assert main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("psnr_mu ") and "misreg" not in lines[0]
    assert all(k in lines[1] for k in LOCAL_KEYS)


def test_local_metrics_merge_both(truth):
    assert set(local_metrics(truth, truth)) == set(LOCAL_KEYS)


def test_bench_table_hides_the_top_ratio_of_display_referred_output():
    metrics = {"psnr_mu": 30.0, "misreg_median_px": 0.25, "misreg_p95_px": 0.5,
               "top_ratio": 1.234}
    rows = {m: {"metrics": metrics, "images": 3, "wall_s": 1.0} for m in ("ours", "mertens")}
    table = markdown_table(rows).splitlines()
    assert "misreg px" in table[0] and "top ratio" in table[0]
    assert "| 0.25 | 0.50 | 1.23 |" in table[2] and "| 0.25 | 0.50 | – |" in table[3]
