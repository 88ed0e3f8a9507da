"""The photometric vocabulary every layer shares: luminance weights, pixel-value
thresholds, pixel scaling and how an exposure time is written.

A leaf module (numpy only), so that io, motion, metrics, the method and synth use one
definition of each.
"""

from __future__ import annotations

import numpy as np

from invcam.errors import InvcamError

REC709_Y = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
"""Rec. 709 (ITU-R BT.709) luminance weights of linear RGB."""

CLIPPED = 1.0 - 0.5 / 255.0
"""A pixel value (in [0, 1]) at or above this is clipped: it only says "at least this
bright" (the top 8-bit code)."""

UNUSABLE = (0.02, 0.98)
"""Pixel values below the first or above the second are too dark or too bright to measure
with (registration, optical flow, a fit's evidence of an image)."""

SATURATED = 0.99
"""An image's pixel is saturated if any channel is at or above this fraction of full scale
(``invcam info``'s statistics)."""

UNDEREXPOSED = 0.01
"""... and underexposed if every channel is at or below this fraction."""


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 luminance ``(...)`` of linear ``(..., 3)`` RGB."""
    return np.asarray(rgb) @ REC709_Y


def to_unit(values: np.ndarray) -> np.ndarray:
    """uint8 / uint16 / float pixel values (any shape) as float32 in [0, 1]: integers
    scaled by their full scale, floats clipped, NaN to 0."""
    values = np.asarray(values)
    if values.dtype in (np.uint8, np.uint16):
        return values.astype(np.float32) / float(np.iinfo(values.dtype).max)
    if not np.issubdtype(values.dtype, np.floating):
        raise InvcamError(f"expected uint8, uint16 or float pixels, got dtype {values.dtype}")
    return np.clip(np.nan_to_num(values.astype(np.float32)), 0.0, 1.0)


def format_exposure(seconds: float | None) -> str:
    """An exposure time as photographers write it.

    >>> format_exposure(1 / 1024), format_exposure(0.3), format_exposure(32.0)
    ('1/1024 s', '0.3 s', '32 s')
    >>> format_exposure(None)
    '?'
    """
    if seconds is None:
        return "?"
    if seconds < 1:
        inverse = 1.0 / seconds
        if abs(inverse - round(inverse)) <= 1e-3 * inverse:
            return f"1/{round(inverse)} s"
    return f"{seconds:.4g} s"
