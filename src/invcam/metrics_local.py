"""Local metrics that show registration and highlight failures of a prediction.

Both start from the global scale alignment of :mod:`invcam.metrics` (``s * pred ~ gt``).

**Local misregistration** (:func:`misregistration`): the log of the Rec. 709 luminance of
the scaled prediction and of the truth (floored at ``LOG_FLOOR`` times the truth's 99.9th
percentile) is cut into ``WINDOW`` x ``WINDOW`` px windows with 50% overlap (the images are
reflect-padded so windows reach the borders). Windows whose truth is flat or clipped are
skipped: the mean minimum eigenvalue of the structure tensor of the smoothed log truth must
reach ``TEXTURE_MIN`` (natural-log units per px, squared) and at most ``CLIP_MAX`` of the
window may sit at the truth's maximum. Each kept window's translation is found by
enhanced correlation coefficient maximization (ECC, OpenCV ``findTransformECC`` with
``MOTION_TRANSLATION``) of the truth window against the prediction cut ``MARGIN`` px larger,
so no content leaves the window as it moves (the edge bias of small-window correlation).

A blur difference would otherwise read as a shift: in log units a linear blur moves a
high-contrast edge towards its dark side (by ~1.3 sigma for a 1:100 edge). So for each
window the sharper of the two images is blurred, in linear units, by the Gaussian sigma
that maximizes the ECC correlation (candidates ``BLUR_CANDIDATES``, refined by
``BLUR_STEP``), and the shift of that best match is kept. Both log images are then smoothed
by ``SMOOTH_SIGMA`` px to keep ECC's bilinear interpolation unbiased. Reported: median and
95th percentile of the shift magnitudes (px) and the number of windows; NaN and 0 windows
when none is textured (an image smaller than a window). At most ``MAX_WINDOWS`` windows are
used, spread evenly over the textured ones, so a 600x900 image takes about a second.
Shifts beyond ``MARGIN`` px are not measured reliably. Calibration: see
``benchmarks/misregistration_calibration.py`` and docs/results.md.

**Per-band accuracy** (:func:`band_metrics`): PSNR-mu (the mu-law of :mod:`invcam.metrics`
on the normalized pair) over the pixels whose true luminance is below the 10th percentile,
between the 10th and 90th, and above the 90th; and the median ratio of the scaled
predicted to the true luminance over the top band, in linear units before any clipping
(a 1.5x too bright highlight reads 1.5). Empty bands give NaN.

References
----------
- G. D. Evangelidis and E. Z. Psarakis, "Parametric image alignment using enhanced
  correlation coefficient maximization", IEEE TPAMI 30(10):1858-1865, 2008.
- M. Guizar-Sicairos, S. T. Thurman and J. R. Fienup, "Efficient subpixel image
  registration algorithms", Optics Letters 33(2):156-158, 2008 (upsampled cross-correlation;
  tried, and not used: on 32 px windows it reads sub-pixel shifts too small).

References:
    - G. D. Evangelidis, E. Z. Psarakis. "Parametric Image Alignment Using Enhanced
      Correlation Coefficient Maximization." IEEE PAMI 30(10), 2008.
"""

from __future__ import annotations

import cv2
import numpy as np

from invcam.metrics import align_scale, mu_law, psnr, scale_to_truth
from invcam.photometry import luminance

WINDOW = 32  # px, side of a registration window
STRIDE = WINDOW // 2
MARGIN = 8  # px the prediction window extends beyond the truth window
PAD = 10  # px more around it, room for the matching blur
SMOOTH_SIGMA = 1.0  # px, Gaussian smoothing of both log images
TEXTURE_MIN = 1e-3  # mean min eigenvalue of the log-luminance structure tensor
CLIP_MAX = 0.1  # largest share of a window at the truth's maximum
LOG_FLOOR = 1e-4  # times the truth's 99.9th percentile
BLUR_CANDIDATES = (0.5, 1.0, 1.5, 2.0, 3.0, -0.5, -1.0, -2.0)  # > 0 blurs truth, < 0 pred
BLUR_STEP = 0.25
MAX_WINDOWS = 400
ECC_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 50, 1e-4)


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a float32 ``(H, W)`` image (``sigma <= 0``: unchanged)."""
    if sigma <= 0:
        return x
    return cv2.GaussianBlur(x, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def _log_image(lum: np.ndarray, blur_sigma: float, floor: float) -> np.ndarray:
    """Smoothed log of ``lum`` ``(H, W)`` after a linear Gaussian blur of ``blur_sigma``."""
    return _blur(np.log(np.maximum(_blur(lum, blur_sigma), floor)), SMOOTH_SIGMA)


def texture_windows(log_gt: np.ndarray, clipped: np.ndarray) -> list[tuple[int, int]]:
    """Top-left corners ``(y, x)`` of the textured, unclipped windows of a padded image.

    ``log_gt`` ``(H, W)`` float32 is the smoothed log truth padded by ``MARGIN + PAD`` on
    every side, ``clipped`` ``(H, W)`` bool marks its pixels at the truth's maximum; the
    corners are in the unpadded image, spread evenly to at most ``MAX_WINDOWS``.
    """
    pad = MARGIN + PAD
    # OpenCV's value is 4x the mean min eigenvalue of the (central difference) tensor
    eig = cv2.cornerMinEigenVal(log_gt, WINDOW, 3) / 4.0
    share = cv2.boxFilter(clipped.astype(np.float32), -1, (WINDOW, WINDOW))
    h, w = log_gt.shape[0] - 2 * pad, log_gt.shape[1] - 2 * pad
    half = WINDOW // 2
    corners = [(y, x) for y in range(0, h - WINDOW + 1, STRIDE)
               for x in range(0, w - WINDOW + 1, STRIDE)
               if eig[y + pad + half, x + pad + half] >= TEXTURE_MIN
               and share[y + pad + half, x + pad + half] <= CLIP_MAX]
    if len(corners) > MAX_WINDOWS:
        keep = np.linspace(0, len(corners) - 1, MAX_WINDOWS).round().astype(int)
        corners = [corners[i] for i in keep]
    return corners


def _ecc(template: np.ndarray, moving: np.ndarray, start: np.ndarray) -> tuple[float, np.ndarray]:
    """ECC translation ``(dx, dy)`` of ``template`` ``(n, n)`` inside ``moving``
    ``(n + 2 MARGIN, n + 2 MARGIN)``, from ``start``; correlation ``-inf`` if it fails."""
    warp = np.array([[1, 0, MARGIN + start[0]], [0, 1, MARGIN + start[1]]], np.float32)
    try:
        cc, warp = cv2.findTransformECC(template, moving, warp, cv2.MOTION_TRANSLATION,
                                        ECC_CRITERIA, None, 1)
    except cv2.error:  # no convergence: flat or uncorrelated content
        return -np.inf, start
    return float(cc), warp[:, 2] - MARGIN


def _matched_shift(gt: np.ndarray, pred: np.ndarray, floor: float,
                   sigma: float, start: np.ndarray) -> tuple[float, np.ndarray]:
    """ECC of crops ``(n + 2 (MARGIN + PAD),) * 2`` with the truth (``sigma > 0``) or the
    prediction (``sigma < 0``) blurred by ``|sigma|`` px in linear units."""
    inner = slice(MARGIN + PAD, -(MARGIN + PAD))
    outer = slice(PAD, -PAD)
    a = _log_image(gt, max(sigma, 0.0), floor)[inner, inner]
    b = _log_image(pred, max(-sigma, 0.0), floor)[outer, outer]
    return _ecc(np.ascontiguousarray(a), np.ascontiguousarray(b), start)


def window_shift(gt: np.ndarray, pred: np.ndarray, floor: float) -> np.ndarray:
    """Shift ``(dx, dy)`` in px of one window (crops as in :func:`_matched_shift`, linear
    luminance) at the blur difference that correlates best."""
    tried = {0.0: _matched_shift(gt, pred, floor, 0.0, np.zeros(2))}
    start = tried[0.0][1]
    for sigma in BLUR_CANDIDATES:
        tried[sigma] = _matched_shift(gt, pred, floor, sigma, start)
    best = max(tried, key=lambda s: tried[s][0])
    for sigma in (best - BLUR_STEP, best + BLUR_STEP):
        if sigma not in tried:
            tried[sigma] = _matched_shift(gt, pred, floor, sigma, tried[best][1])
    return tried[max(tried, key=lambda s: tried[s][0])][1]


def local_shift_windows(pred_lum: np.ndarray, gt_lum: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Top-left corners ``(N, 2)`` (y, x in px) of the textured ``WINDOW`` x ``WINDOW``
    windows and their shifts ``(N, 2)`` (dx, dy in px) of ``pred_lum`` against ``gt_lum``,
    both ``(H, W)`` linear luminance on the same scale."""
    floor = float(LOG_FLOOR * np.percentile(gt_lum, 99.9)) or 1e-12
    pad = MARGIN + PAD
    gt, pred = (cv2.copyMakeBorder(np.asarray(x, np.float32), pad, pad, pad, pad,
                                   cv2.BORDER_REFLECT) for x in (gt_lum, pred_lum))
    clipped = gt >= gt.max() * (1 - 1e-6)
    size = WINDOW + 2 * pad
    corners = texture_windows(_log_image(gt, 0.0, floor), clipped)
    shifts = [window_shift(gt[y:y + size, x:x + size], pred[y:y + size, x:x + size], floor)
              for y, x in corners]
    return (np.asarray(corners, np.int64).reshape(-1, 2),
            np.asarray(shifts, np.float64).reshape(-1, 2))


def local_shifts(pred_lum: np.ndarray, gt_lum: np.ndarray) -> np.ndarray:
    """Shifts ``(N, 2)`` (dx, dy in px) of the textured windows of ``pred_lum`` against
    ``gt_lum``, both ``(H, W)`` linear luminance on the same scale."""
    return local_shift_windows(pred_lum, gt_lum)[1]


def misregistration(pred: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    """Median and 95th percentile shift (px) and window count of linear ``(H, W, 3)``
    ``pred`` against ``gt`` after the global scale alignment."""
    scaled = np.asarray(pred, np.float64) * align_scale(pred, gt)
    shifts = local_shifts(luminance(scaled), luminance(np.asarray(gt, np.float64)))
    if len(shifts) == 0:
        return {"misreg_median_px": float("nan"), "misreg_p95_px": float("nan"),
                "misreg_windows": 0}
    mag = np.hypot(shifts[:, 0], shifts[:, 1])
    return {"misreg_median_px": float(np.median(mag)),
            "misreg_p95_px": float(np.percentile(mag, 95)), "misreg_windows": len(mag)}


def band_masks(gt: np.ndarray) -> dict[str, np.ndarray]:
    """``(H, W)`` masks of the low, mid and high bands of ``gt``'s true luminance."""
    lum = luminance(np.asarray(gt, np.float64))
    lo, hi = np.percentile(lum, [10.0, 90.0])
    return {"low": lum < lo, "mid": (lum >= lo) & (lum <= hi), "high": lum > hi}


def band_metrics(pred: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    """PSNR-mu per true-luminance band and the top band's median predicted/true ratio
    of linear ``(H, W, 3)`` ``pred`` against ``gt``."""
    p, g = scale_to_truth(pred, gt)
    masks = band_masks(gt)
    scores = {f"psnr_mu_{name}": psnr(mu_law(p[m]), mu_law(g[m])) if m.any()
              else float("nan") for name, m in masks.items()}
    scores["top_ratio"] = top_ratio(pred, gt, masks["high"])
    return scores


def top_ratio(pred: np.ndarray, gt: np.ndarray, where: np.ndarray) -> float:
    """Median predicted / true luminance of linear ``(H, W, 3)`` ``pred`` (scaled by
    :func:`~invcam.metrics.align_scale`) against ``gt`` over the ``(H, W)`` mask
    ``where`` (the top band in :func:`band_metrics`); NaN when nothing is left."""
    lum_p = luminance(np.asarray(pred, np.float64) * align_scale(pred, gt))
    lum_g = luminance(np.asarray(gt, np.float64))
    ok = where & (lum_g > 0)
    return float(np.median(lum_p[ok] / lum_g[ok])) if ok.any() else float("nan")


def local_metrics(pred: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    """:func:`misregistration` and :func:`band_metrics` of ``(H, W, 3)`` ``pred``, ``gt``."""
    return {**misregistration(pred, gt), **band_metrics(pred, gt)}
