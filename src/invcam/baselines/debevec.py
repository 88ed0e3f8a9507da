"""Exposure-bracket HDR merges with OpenCV, ignoring focus: Debevec and Robertson.

OpenCV's ``createCalibrateDebevec`` / ``createMergeDebevec`` and
``createCalibrateRobertson`` / ``createMergeRobertson``.

Both recover the camera response from all images, then merge them into one radiance map.
The images are used as they are: no alignment, so defocus and focus breathing between
them pass straight into the merge. Both need known exposure times.

Pixels saturated in every image carry no information; OpenCV's Debevec weights (never
zero) still place them near the shortest exposure's saturation level, while Robertson's
weights (the exposure time squared) place them near the *longest* exposure's, which
leaves dark holes in the brightest regions. That is how these merges behave; nothing
here repairs it.

References:
    - P. E. Debevec, J. Malik. "Recovering High Dynamic Range Radiance Maps from
      Photographs." SIGGRAPH 1997.
    - M. A. Robertson, S. Borman, R. L. Stevenson. "Dynamic Range Improvement Through
      Multiple Exposures." ICIP 1999.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from invcam.baselines.common import (
    BaselineResult,
    bgr_to_rgb,
    known_exposures,
    stack_notes,
    to_bgr8,
)
from invcam.io.stack import Stack


def finite(hdr: np.ndarray) -> np.ndarray:
    """A merged image with NaN / negative values set to 0 and +inf to the largest finite.

    OpenCV's recovered response can hold NaN for a level no pixel used (seen with
    Robertson on small images); such pixels would poison every metric.
    """
    good = np.isfinite(hdr)
    top = float(hdr[good].max()) if good.any() else 0.0
    return np.clip(np.where(good, hdr, np.where(np.isposinf(hdr), top, 0.0)), 0, None)


def calibrate_merge_debevec(images_bgr: list[np.ndarray],
                            times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Debevec & Malik calibration and merge of 8-bit BGR images ``(H, W, 3)``.

    Returns:
        ``(radiance, response)``: ``(H, W, 3)`` float32 linear RGB, and the recovered
        inverse response ``(256, 3)`` RGB: pixel value z -> exposure ``E * t``.
    """
    times = np.asarray(times, dtype=np.float32)
    response = cv2.createCalibrateDebevec().process(images_bgr, times)
    hdr = cv2.createMergeDebevec().process(images_bgr, times, response)
    return bgr_to_rgb(finite(hdr)), response.reshape(256, 3)[:, ::-1].copy()


def apply_response(radiance: np.ndarray, exposure: float, response: np.ndarray) -> np.ndarray:
    """Predict a photo: ``radiance * exposure`` through the inverse of ``response``.

    Args:
        radiance: ``(H, W, 3)`` linear RGB from :func:`calibrate_merge_debevec`.
        exposure: exposure time in seconds.
        response: ``(256, 3)`` pixel value -> ``E * t`` table.

    Returns:
        ``(H, W, 3)`` display values in [0, 1] (the table inverted by interpolation,
        after forcing it non-decreasing).
    """
    x = radiance.astype(np.float64) * exposure
    out = np.empty_like(x)
    levels = np.arange(256, dtype=np.float64) / 255.0
    for c in range(3):
        table = np.maximum.accumulate(response[:, c].astype(np.float64))
        out[..., c] = np.interp(x[..., c], table, levels)
    return out


def debevec_1997(stack: Stack) -> BaselineResult:
    """OpenCV Debevec & Malik (1997) response calibration + radiance merge of all images."""
    start = time.perf_counter()
    times = known_exposures(stack, "debevec")
    radiance, _ = calibrate_merge_debevec([to_bgr8(r) for r in stack.raw], times)
    return BaselineResult("debevec", radiance.astype(np.float32),
                          [im.file for im in stack.images], time.perf_counter() - start,
                          {"tool": f"opencv {cv2.__version__}", **stack_notes(stack)})


def robertson_1999(stack: Stack) -> BaselineResult:
    """OpenCV Robertson et al. (1999) response calibration + radiance merge of all images."""
    start = time.perf_counter()
    times = known_exposures(stack, "robertson")
    images = [to_bgr8(r) for r in stack.raw]
    response = cv2.createCalibrateRobertson().process(images, times)
    hdr = cv2.createMergeRobertson().process(images, times, response)
    radiance = bgr_to_rgb(finite(hdr)).astype(np.float32)
    return BaselineResult("robertson", radiance, [im.file for im in stack.images],
                          time.perf_counter() - start,
                          {"tool": f"opencv {cv2.__version__}", **stack_notes(stack)})
