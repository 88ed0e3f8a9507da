"""Exposure time from a photo's EXIF header (``exifread``).

Only the header is read (parsing stops at the ``ExposureTime`` tag), not the pixels.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator

import exifread

_TAG = "EXIF ExposureTime"


@contextlib.contextmanager
def _quiet_exifread() -> Iterator[None]:
    """Silence exifread's log lines ("File format not recognized.") for the block."""
    logger = logging.getLogger("exifread")
    old = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = old


def read_exposure_time(path: str | os.PathLike) -> float | None:
    """Return the EXIF ``ExposureTime`` of ``path`` in seconds, or None.

    None means the file has no EXIF block, no such tag, an unusable value (zero,
    negative, not finite) or a header exifread cannot parse; the pixels are not checked
    here. A missing or unreadable file also gives None (the pixel reader reports it).
    """
    try:
        with _quiet_exifread(), open(path, "rb") as fh:
            tags = exifread.process_file(fh, details=False, stop_tag="ExposureTime")
        value = float(tags[_TAG].values[0])
    # exifread raises assorted errors on malformed headers; none of them is fatal here.
    except Exception:
        return None
    if not math.isfinite(value) or not 1e-7 <= value <= 1e5:  # io.stack.EXPOSURE_RANGE
        return None
    return value
