"""Camera RAW files (DNG, CR2/CR3, NEF, ARW, RAF, ORF, RW2) through ``rawpy`` (LibRaw).

A RAW file is demosaiced to 16-bit RGB with the camera's white balance, without
auto-brightening, without a gamma curve and without LibRaw's per-file adjustment of the
white level (``adjust_maximum_thr``, which would scale each image of a bracket
differently), so its values stay linear in the light that
reached the sensor (up to the white level): a fit of RAW input uses the fixed linear
response (``--response linear``, the default for RAW).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from invcam.errors import InvcamError

RAW_SUFFIXES = (".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2")


def is_raw(path: str | os.PathLike) -> bool:
    """True for a file name with a camera RAW suffix."""
    return Path(path).suffix.lower() in RAW_SUFFIXES


def read_raw(path: str | os.PathLike) -> np.ndarray:
    """Demosaic a RAW file to linear ``(H, W, 3)`` uint16 RGB (see the module doc)."""
    try:
        import rawpy
    except ImportError as exc:
        raise InvcamError(f"{path}: reading camera RAW needs rawpy "
                          "(pip install 'invcam[raw]')") from exc
    try:
        with rawpy.imread(str(path)) as raw:
            rgb = raw.postprocess(use_camera_wb=True, no_auto_bright=True, gamma=(1, 1),
                                  output_bps=16, user_flip=0, adjust_maximum_thr=0.0)
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        raise InvcamError(f"{path}: not a readable camera RAW file "
                          f"({type(exc).__name__}: {exc})") from None
    return np.ascontiguousarray(rgb)


def raw_settings(path: str | os.PathLike) -> tuple[float | None, float | None, float | None]:
    """Exposure time (s), ISO and f-number that LibRaw reads from a RAW file's own
    metadata (formats exifread cannot parse, such as CR3 or RAF); None where absent."""
    try:
        import rawpy

        with rawpy.imread(str(path)) as raw:
            other = raw.other
    except Exception:  # no rawpy, or a file LibRaw cannot open: nothing to add
        return None, None, None

    def positive(value: float) -> float | None:
        return float(value) if value and value > 0 else None

    return positive(other.shutter_speed), positive(other.iso_speed), positive(other.aperture)


__all__ = ["RAW_SUFFIXES", "is_raw", "raw_settings", "read_raw"]
