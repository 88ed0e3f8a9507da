"""Bring two differently exposed frames to a common brightness, for flow and matching.

Frames are ``(H, W, 3)`` RGB, uint8 (0..255) or float in [0, 1]. Their response curve is
unknown, so it is guessed as a plain gamma 2.2: ``linear = value ** 2.2``. In that linear
domain two exposures of one scene differ by a gain, the exposure-time ratio when both
times are known, else measured from the luminances of pixels unclipped in both.
The brighter-exposed frame is scaled down by that gain, both are stretched by one common
factor and re-encoded with gamma 1/2.2 as 8-bit grey images, the input OpenCV's flow and
feature code wants. When the guessed curve is poor (the two normalized images still have
different intensity distributions), histogram matching of ``b`` to ``a`` is the fallback.
"""

from __future__ import annotations

import numpy as np

from invcam.errors import InvcamError
from invcam.photometry import REC709_Y, UNUSABLE, to_unit

GAMMA = 2.2
METHODS = ("auto", "gain", "histogram")
# Grey levels of mean quantile mismatch above which "auto" switches to histogram matching.
AUTO_GAP = 4.0
MIN_VALID = 16


def unusable_mask(frame: np.ndarray, low: float = UNUSABLE[0],
                 high: float = UNUSABLE[1]) -> np.ndarray:
    """``(H, W)`` bool: any channel >= ``high`` or all channels <= ``low`` (in [0, 1] units).

    ``frame`` is ``(H, W, 3)`` (or ``(H, W)`` grey), uint8 or float in [0, 1].
    """
    unit = to_unit(frame)
    if unit.ndim == 2:
        return (unit >= high) | (unit <= low)
    return (unit >= high).any(axis=2) | (unit <= low).all(axis=2)


def linear_rgb(frame: np.ndarray, gamma: float = GAMMA) -> np.ndarray:
    """The gamma-linearized frame ``(H, W, 3)`` (or grey ``(H, W)``), in [0, 1]."""
    frame = np.asarray(frame)
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] != 3):
        raise InvcamError(f"expected an (H, W, 3) RGB frame, got shape {frame.shape}")
    return to_unit(frame) ** gamma


def luminance(lin: np.ndarray) -> np.ndarray:
    """``(H, W)`` luminance of a linear frame ``(H, W, 3)`` (a grey ``(H, W)`` as it is)."""
    return lin if lin.ndim == 2 else lin @ REC709_Y


def linear_luminance(frame: np.ndarray, gamma: float = GAMMA) -> np.ndarray:
    """``(H, W)`` float32 luminance of the gamma-linearized frame ``(H, W, 3)`` (or grey
    ``(H, W)``), in [0, 1]."""
    return luminance(linear_rgb(frame, gamma))


def pair_gain(lum_a: np.ndarray, lum_b: np.ndarray, valid: np.ndarray,
              t_a: float | None = None, t_b: float | None = None) -> float:
    """Linear gain ``g`` with ``lum_b ~ g * lum_a``: ``t_b / t_a`` if both known, else measured.

    The measured gain is the median, over the 10th..90th percentiles, of the ratio of the
    two luminances' percentiles on ``valid`` ``(H, W)`` pixels: comparing distributions
    instead of pixels keeps it unbiased when the frames moved (a per-pixel median ratio
    was off by 2-4 % for 3-6 px shifts of a 48 x 64 texture). 1.0 without enough pixels.
    """
    if t_a is not None and t_b is not None:
        if not (t_a > 0 and t_b > 0):
            raise InvcamError(f"exposure times must be positive, got {t_a} and {t_b}")
        return float(t_b) / float(t_a)
    if int(valid.sum()) < MIN_VALID:
        return 1.0
    q = np.linspace(10.0, 90.0, 33)
    qa, qb = np.percentile(lum_a[valid], q), np.percentile(lum_b[valid], q)
    keep = (qa > 1e-6) & (qb > 1e-6)
    return float(np.median(qb[keep] / qa[keep])) if keep.any() else 1.0


def encode_grey(lum: np.ndarray, scale: float = 1.0, gamma: float = GAMMA) -> np.ndarray:
    """``(H, W)`` linear luminance times ``scale``, gamma-encoded, as uint8 ``(H, W)``."""
    enc = np.clip(lum * scale, 0.0, 1.0) ** (1.0 / gamma)
    return np.rint(enc * 255.0).astype(np.uint8)


def distribution_gap(a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> float:
    """Mean absolute difference (grey levels) of the quantiles of ``a`` and ``b`` on ``valid``.

    ``a``, ``b``: ``(H, W)`` uint8. A 1-D Wasserstein distance of the two intensity
    distributions: it measures photometric mismatch and is nearly blind to motion.
    """
    if int(valid.sum()) < MIN_VALID:
        return 0.0
    q = np.linspace(0.0, 100.0, 101)
    qa = np.percentile(a[valid].astype(np.float32), q)
    qb = np.percentile(b[valid].astype(np.float32), q)
    return float(np.mean(np.abs(qa - qb)))


def match_histogram(src: np.ndarray, ref: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``src`` ``(H, W)`` uint8 remapped so its histogram on ``valid`` matches ``ref``'s.

    A monotonic 256-entry lookup table from the two cumulative histograms over ``valid``;
    it is applied to every pixel. ``src`` is returned unchanged without enough valid pixels.
    """
    if int(valid.sum()) < MIN_VALID:
        return src.copy()
    cdf_src = np.cumsum(np.bincount(src[valid], minlength=256)).astype(np.float64)
    cdf_ref = np.cumsum(np.bincount(ref[valid], minlength=256)).astype(np.float64)
    cdf_src /= cdf_src[-1]
    cdf_ref /= cdf_ref[-1]
    # Midpoint of each source level's probability mass, looked up in the reference CDF.
    mid = cdf_src - 0.5 * np.diff(np.concatenate([[0.0], cdf_src]))
    ref_mid = cdf_ref - 0.5 * np.diff(np.concatenate([[0.0], cdf_ref]))
    keep = np.concatenate([[True], np.diff(ref_mid) > 0])
    lut = np.interp(mid, ref_mid[keep], np.arange(256.0)[keep])
    return np.rint(lut).astype(np.uint8)[src]


def common_scale(lum_a: np.ndarray, lum_b: np.ndarray, valid: np.ndarray) -> float:
    """Stretch factor putting the 99.5th percentile of both luminances ``(H, W)`` at 1."""
    if int(valid.sum()) < MIN_VALID:
        return 1.0
    top = float(np.percentile(np.maximum(lum_a, lum_b)[valid], 99.5))
    return 1.0 / top if top > 1e-4 else 1.0


def plateaued_luminances(lin_a: np.ndarray, lin_b: np.ndarray, gain: float,
                         gamma: float = GAMMA) -> tuple[np.ndarray, np.ndarray]:
    """The two linear frames' (:func:`linear_rgb`) ``(H, W)`` luminances at a common
    brightness, each channel held within what both frames can measure: above the brighter
    frame's ceiling (``UNUSABLE[1]``) and below the darker frame's floor (``UNUSABLE[0]``),
    both read the same flat plateau. Without this, a region clipped in the brighter frame
    is flat there and textured in the darker one, and the flow is dragged along the
    plateau's edge (on a clip whose long frames are half clipped, 4-15 % of the trusted
    flow erred > 2 px).

    ``gain``: ``lum_b ~ gain * lum_a`` (:func:`pair_gain`); ``gamma``: the one the frames
    were linearized with."""
    ceiling, floor = UNUSABLE[1] ** gamma, UNUSABLE[0] ** gamma
    if gain > 1.0:  # b is brighter: to a's units, and its ceiling with it
        lin_b, ceiling = lin_b / gain, ceiling / gain
    else:
        lin_a, ceiling = lin_a * gain, ceiling * gain
    lin_a, lin_b = np.clip(lin_a, floor, ceiling), np.clip(lin_b, floor, ceiling)
    return luminance(lin_a).astype(np.float32), luminance(lin_b).astype(np.float32)


def normalize_pair(a: np.ndarray, b: np.ndarray, t_a: float | None = None,
                   t_b: float | None = None, method: str = "auto",
                   clipped: tuple[np.ndarray, np.ndarray] | None = None,
                   plateaus: bool = False,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two differently exposed frames as 8-bit grey images of a common brightness.

    Args:
        a, b: ``(H, W, 3)`` RGB frames, uint8 or float in [0, 1], same size.
        t_a, t_b: exposure times in seconds, or None when unknown (the gain is measured).
        method: ``"gain"`` (gamma 2.2 + exposure ratio), ``"histogram"`` (gain, then
            histogram matching of ``b`` to ``a`` on valid pixels) or ``"auto"`` (gain, and
            histogram matching when the normalized distributions still differ by more
            than ``AUTO_GAP`` grey levels).
        clipped: ``(unusable_mask(a), unusable_mask(b))`` when the caller has them already.
        plateaus: hold both frames within what both can measure
            (:func:`plateaued_luminances`), for dense optical flow.

    Returns:
        ``a_n`` ``(H, W)`` uint8, ``b_n`` ``(H, W)`` uint8 and ``valid`` ``(H, W)`` bool:
        pixels unclipped (see :func:`unusable_mask`) in both frames at the same position.
    """
    if method not in METHODS:
        raise InvcamError(f"unknown normalization method {method!r}; use one of {METHODS}")
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise InvcamError(f"frames differ in size: {a.shape} vs {b.shape}")
    clip_a, clip_b = clipped if clipped is not None else (unusable_mask(a), unusable_mask(b))
    valid = ~clip_a & ~clip_b
    lin_a, lin_b = linear_rgb(a), linear_rgb(b)
    lum_a, lum_b = luminance(lin_a), luminance(lin_b)
    gain = pair_gain(lum_a, lum_b, valid, t_a, t_b)
    if plateaus:
        lum_a, lum_b = plateaued_luminances(lin_a, lin_b, gain)
    elif gain > 1.0:
        lum_b = lum_b / gain
    else:
        lum_a = lum_a * gain
    scale = common_scale(lum_a, lum_b, valid)
    a_n, b_n = encode_grey(lum_a, scale), encode_grey(lum_b, scale)
    if method == "histogram" or (method == "auto"
                                 and distribution_gap(a_n, b_n, valid) > AUTO_GAP):
        b_n = match_histogram(b_n, a_n, valid)
    return a_n, b_n, valid
