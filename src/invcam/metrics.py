"""HDR image quality metrics after scale alignment (paper Sec. 4.2).

HDR irradiance is recovered only up to a global scale, so every metric first aligns
the prediction to the ground truth:

1. scale: ``s = exp(median(log gt - log pred))`` over well-exposed ground-truth pixels
   (between the 1st and 99th percentile of gt luminance), robust to outliers;
2. normalize both by the ground truth's 99.9th percentile and clip to [0, 1].

PSNR-mu / SSIM-mu are computed after mu-law tone mapping ``log(1 + mu x) / log(1 + mu)``
with mu = 5000; PSNR-L / SSIM-L on the normalized linear values.
"""

from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity

MU = 5000.0


def align_scale(pred: np.ndarray, gt: np.ndarray) -> float:
    """Robust global scale ``s`` such that ``s * pred ~ gt``; arrays ``(H, W, 3)``."""
    lum_gt = gt.mean(axis=-1)
    lo, hi = np.percentile(lum_gt, [1.0, 99.0])
    mask = (lum_gt > max(lo, 1e-12)) & (lum_gt <= hi) & (pred.mean(axis=-1) > 0)
    if mask.sum() < 16:
        mask = (lum_gt > 0) & (pred.mean(axis=-1) > 0)
    ratio = np.log(lum_gt[mask]) - np.log(pred.mean(axis=-1)[mask])
    return float(np.exp(np.median(ratio)))


def normalize_pair(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Align ``pred`` to ``gt`` by scale, then divide both by gt's 99.9th pct, clip to [0, 1]."""
    if pred.shape != gt.shape:
        raise ValueError(f"size mismatch: prediction {pred.shape} vs ground truth {gt.shape}")
    pred = pred.astype(np.float64) * align_scale(pred, gt)
    peak = float(np.percentile(gt, 99.9)) or 1.0
    return np.clip(pred / peak, 0, 1), np.clip(gt.astype(np.float64) / peak, 0, 1)


def mu_law(x: np.ndarray, mu: float = MU) -> np.ndarray:
    """mu-law tone curve ``log(1 + mu x) / log(1 + mu)`` for x in [0, 1]."""
    return np.log1p(mu * x) / np.log1p(mu)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB for data in [0, 1]."""
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM (scikit-image, Gaussian-free 7x7 window, per channel) for data in [0, 1]."""
    return float(structural_similarity(a, b, channel_axis=-1, data_range=1.0))


def hdr_metrics(pred: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    """PSNR-mu, SSIM-mu, PSNR-L, SSIM-L of ``(H, W, 3)`` linear images after alignment."""
    p, g = normalize_pair(pred, gt)
    pm, gm = mu_law(p), mu_law(g)
    return {"psnr_mu": psnr(pm, gm), "ssim_mu": ssim(pm, gm),
            "psnr_l": psnr(p, g), "ssim_l": ssim(p, g)}
