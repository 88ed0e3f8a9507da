"""HDR image quality metrics after scale alignment (paper Sec. 4.2).

HDR irradiance is recovered only up to a global scale, so every metric first aligns
the prediction to the ground truth (:func:`scale_to_truth`):

1. scale: ``s = exp(median(log gt - log pred))`` of the mean-RGB luminance, over
   well-exposed ground-truth pixels (between the 1st and 99th percentile of gt
   luminance), robust to outliers;
2. normalize both by the ground truth's 99.9th percentile and clip to [0, 1].

On the normalized pair ``p, g`` (``(H, W, 3)`` in [0, 1]):

- PSNR-mu / SSIM-mu: after the mu-law curve ``log(1 + mu x) / log(1 + mu)``, mu = 5000;
- PSNR-L / SSIM-L: on the linear values;
- PU21-PSNR / PU21-SSIM (Mantiuk & Azimi 2021): the normalized image is taken as
  absolute linear light with 1.0 = ``PU21_PEAK`` = 4000 cd/m^2 (a bright HDR display),
  floored at 0.005 cd/m^2, and encoded with the PU21 'banding_glare' curve, which maps
  0.005 cd/m^2 to ~0 and 100 cd/m^2 to ~256. PU21-PSNR is on the encoded R, G and B
  with peak 256; PU21-SSIM is on the encoded Rec. 709 luminance, dynamic range 256,
  Gaussian window sigma 1.5 (Wang et al. 2004).

PSNR is ``10 log10(peak^2 / MSE)`` (infinite for identical images). SSIM-mu and
SSIM-L use scikit-image's default 7x7 uniform window, averaged over the three channels.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 4.2 (alignment, mu-law metrics).
    - N. K. Kalantari, R. Ramamoorthi. "Deep High Dynamic Range Imaging of Dynamic Scenes."
      ACM TOG 36(4), 2017 (mu-law, mu = 5000).
    - R. K. Mantiuk, M. Azimi. "PU21: A Novel Perceptually Uniform Encoding for Adapting
      Existing Quality Metrics for HDR." Picture Coding Symposium 2021.
    - Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli. "Image Quality Assessment: From
      Error Visibility to Structural Similarity." IEEE TIP 13(4), 2004.
"""

from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity

from invcam.photometry import luminance

MU = 5000.0
PU21_PEAK = 4000.0  # cd/m^2 that a normalized value of 1.0 is shown at
PU21_FLOOR = 0.005  # cd/m^2, the lowest luminance PU21 encodes
PU21_CEIL = 10000.0  # cd/m^2, the highest
PU21_PARAMS = (0.353487901, 0.3734658629, 8.277049286e-05, 0.9062562627, 0.09150303166,
               0.9099517204, 596.3148142)  # 'banding_glare' fit (Mantiuk & Azimi 2021)


def align_scale(pred: np.ndarray, gt: np.ndarray) -> float:
    """Robust global scale ``s`` such that ``s * pred ~ gt``; arrays ``(H, W, 3)``."""
    lum_gt = gt.mean(axis=-1)
    lo, hi = np.percentile(lum_gt, [1.0, 99.0])
    mask = (lum_gt > max(lo, 1e-12)) & (lum_gt <= hi) & (pred.mean(axis=-1) > 0)
    if mask.sum() < 16:
        mask = (lum_gt > 0) & (pred.mean(axis=-1) > 0)
    ratio = np.log(lum_gt[mask]) - np.log(pred.mean(axis=-1)[mask])
    return float(np.exp(np.median(ratio)))


def scale_to_truth(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Align ``pred`` to ``gt`` by scale, then divide both by gt's 99.9th pct, clip to [0, 1]."""
    if pred.shape != gt.shape:
        raise ValueError(f"size mismatch: prediction {pred.shape} vs ground truth {gt.shape}")
    pred = pred.astype(np.float64) * align_scale(pred, gt)
    peak = float(np.percentile(gt, 99.9)) or 1.0
    return np.clip(pred / peak, 0, 1), np.clip(gt.astype(np.float64) / peak, 0, 1)


def mu_law(x: np.ndarray, mu: float = MU) -> np.ndarray:
    """mu-law tone curve ``log(1 + mu x) / log(1 + mu)`` for x in [0, 1]."""
    return np.log1p(mu * x) / np.log1p(mu)


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 1.0) -> float:
    """PSNR in dB, ``10 log10(peak^2 / MSE)``; data in [0, peak]."""
    mse = float(np.mean((np.asarray(a, np.float64) - b) ** 2))
    return float("inf") if mse == 0 else float(10.0 * np.log10(peak**2 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM (scikit-image, uniform 7x7 window, per channel) of ``(H, W, 3)`` data in [0, 1]."""
    return float(structural_similarity(a, b, channel_axis=-1, data_range=1.0))


def pu21_encode(y: np.ndarray) -> np.ndarray:
    """PU21 'banding_glare' encoding of absolute luminance ``y`` in cd/m^2 (any shape).

    ``V = p6 * (((p0 + p1 y^p3) / (1 + p2 y^p3))^p4 - p5)`` with ``y`` clamped to
    [0.005, 10000] cd/m^2 and ``V >= 0``; 0.005 -> ~0, 100 -> ~256, 10000 -> ~600.
    """
    p = PU21_PARAMS
    yp = np.clip(np.asarray(y, np.float64), PU21_FLOOR, PU21_CEIL) ** p[3]
    v = p[6] * (((p[0] + p[1] * yp) / (1.0 + p[2] * yp)) ** p[4] - p[5])
    return np.maximum(v, 0.0)


def pu21_psnr(p: np.ndarray, g: np.ndarray) -> float:
    """PU21-PSNR of normalized ``(H, W, 3)`` images: per RGB channel, peak 256."""
    return psnr(pu21_encode(p * PU21_PEAK), pu21_encode(g * PU21_PEAK), peak=256.0)


def pu21_ssim(p: np.ndarray, g: np.ndarray) -> float:
    """PU21-SSIM of normalized ``(H, W, 3)`` images: PU21 luminance, range 256, Gaussian 1.5."""
    a = pu21_encode(luminance(p) * PU21_PEAK)
    b = pu21_encode(luminance(g) * PU21_PEAK)
    return float(structural_similarity(a, b, data_range=256.0, gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False))


def pair_metrics(p: np.ndarray, g: np.ndarray) -> dict[str, float]:
    """The core metrics of an already normalized pair (see :func:`scale_to_truth`)."""
    pm, gm = mu_law(p), mu_law(g)
    return {"psnr_mu": psnr(pm, gm), "ssim_mu": ssim(pm, gm),
            "psnr_l": psnr(p, g), "ssim_l": ssim(p, g),
            "pu21_psnr": pu21_psnr(p, g), "pu21_ssim": pu21_ssim(p, g)}


def hdr_metrics(pred: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    """PSNR/SSIM (mu-law, linear, PU21) of ``(H, W, 3)`` linear images after alignment."""
    return pair_metrics(*scale_to_truth(pred, gt))
