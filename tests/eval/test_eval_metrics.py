"""Each metric of `invcam eval` against a value worked out by hand on a tiny image."""

from __future__ import annotations

import math

import numpy as np
import pytest

from invcam.metrics import (
    align_scale,
    hdr_metrics,
    pair_metrics,
    pu21_encode,
    pu21_psnr,
    pu21_ssim,
    scale_to_truth,
)
from invcam.metrics_extra import evaluate_images, hdr_flip


def const(value: float, size=(16, 16)) -> np.ndarray:
    return np.full((*size, 3), value, dtype=np.float64)


def test_psnr_mu_and_l_by_hand():
    # mu-law(0.01) = ln(1 + 50) / ln(5001) = 3.931826 / 8.517393 = 0.461624
    scores = pair_metrics(const(0.0), const(0.01))
    assert scores["psnr_mu"] == pytest.approx(-20 * math.log10(0.461624), abs=1e-3)  # 6.714
    assert scores["psnr_l"] == pytest.approx(40.0, abs=1e-9)  # MSE = 1e-4


def test_ssim_l_of_constant_images_by_hand():
    # no variance: SSIM = (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 * 1)^2
    expected = (2 * 0.5 * 0.25 + 1e-4) / (0.25 + 0.0625 + 1e-4)  # 0.800064
    assert pair_metrics(const(0.25), const(0.5))["ssim_l"] == pytest.approx(expected, abs=1e-6)


def test_pu21_encoding_of_known_luminances():
    v = pu21_encode(np.array([0.001, 0.005, 100.0, 10000.0, 1e6]))
    assert v[0] == v[1] == pytest.approx(0.0, abs=1e-3)  # floor 0.005 cd/m^2 -> ~0
    assert v[2] == pytest.approx(256.4, abs=0.1)  # 100 cd/m^2 -> ~256 (PU21's anchor)
    assert v[3] == v[4] == pytest.approx(595.4, abs=0.1)  # clamped at 10000 cd/m^2
    assert np.all(np.diff(pu21_encode(np.geomspace(0.005, 1e4, 50))) > 0)


def test_pu21_psnr_by_hand():
    # gt at 100 cd/m^2 (0.025 x 4000); a quarter of pred at the 0.005 floor (PU ~0):
    # MSE = 0.25 * 256.38^2  ->  PSNR = 20 log10(256 / (0.5 * 256.38)) = 6.008 dB
    g = const(0.025)
    p = g.copy()
    p[:8, :8] = 0.0
    assert pu21_psnr(p, g) == pytest.approx(6.008, abs=0.01)
    assert pu21_psnr(g, g) == math.inf


def test_pu21_ssim_of_constant_images_by_hand():
    a, b = pu21_encode(100.0), pu21_encode(10.0)  # normalized 0.025 and 0.0025
    c1 = (0.01 * 256) ** 2
    expected = (2 * a * b + c1) / (a**2 + b**2 + c1)
    assert pu21_ssim(const(0.0025), const(0.025)) == pytest.approx(expected, abs=1e-6)


def test_alignment_undoes_a_known_scale():
    rng = np.random.default_rng(0)
    gt = np.exp(rng.normal(0, 2, (24, 32, 3)))
    assert align_scale(gt * 0.37, gt) == pytest.approx(1 / 0.37, rel=1e-9)
    p, g = scale_to_truth(gt * 0.37, gt)
    assert np.allclose(p, g) and p.max() == 1.0 and g.min() >= 0
    assert hdr_metrics(gt * 0.37, gt)["psnr_mu"] > 100


def test_ground_truth_against_itself_gives_the_ideal_values():
    rng = np.random.default_rng(1)
    gt = np.exp(rng.normal(0, 2, (24, 32, 3))).astype(np.float32)
    r = evaluate_images(gt, gt, optional=False)
    assert r["psnr_mu"] == r["psnr_l"] == r["pu21_psnr"] == math.inf
    assert r["ssim_mu"] == r["ssim_l"] == r["pu21_ssim"] == pytest.approx(1.0)
    assert r["hdr_flip"] == 0.0 and r["scale"] == pytest.approx(1.0)
    assert r["unavailable"] == {}


def test_hdr_flip_grows_with_the_error():
    rng = np.random.default_rng(2)
    g = rng.random((32, 32, 3)) * 0.5
    small = hdr_flip(np.clip(g + rng.normal(0, 0.01, g.shape), 0, 1), g)
    large = hdr_flip(np.clip(g + rng.normal(0, 0.1, g.shape), 0, 1), g)
    assert hdr_flip(g, g) == 0.0
    assert 0 < small < large < 1
