"""Exposure settings from a photo's EXIF header (``exifread``): time, ISO, f-number.

Only the header is read, not the pixels; for camera RAW files that exifread cannot
parse (CR3, RAF, ...), LibRaw's own metadata fills the gaps. What reaches the sensor,
relative between the images of a bracket, is time x ISO / f-number^2
(:func:`relative_exposures`), so a bracket that varies ISO or aperture instead of time
is understood too.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import exifread

_TIME = ("EXIF ExposureTime", "Image ExposureTime")  # DNG may keep EXIF tags in IFD0
_ISO = ("EXIF ISOSpeedRatings", "EXIF PhotographicSensitivity", "Image ISOSpeedRatings")
_FNUMBER = ("EXIF FNumber", "Image FNumber")


@dataclass(frozen=True)
class ExposureSettings:
    """What EXIF says of one shot; None where it says nothing usable."""

    time: float | None = None
    """Exposure time in seconds."""
    iso: float | None = None
    """ISO speed (sensor gain)."""
    fnumber: float | None = None
    """Aperture f-number (light falls as its square; depth of field grows with it)."""


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


def _number(tags: dict, names: tuple[str, ...] | str, low: float, high: float) -> float | None:
    """The first of ``names`` in ``tags`` as a float within [low, high], else None."""
    for name in (names,) if isinstance(names, str) else names:
        try:
            value = float(tags[name].values[0])
        except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
            continue
        if math.isfinite(value) and low <= value <= high:
            return value
    return None


def read_exposure_settings(path: str | os.PathLike) -> ExposureSettings:
    """Exposure time, ISO and f-number from the EXIF of ``path`` (each None if absent)."""
    try:
        with _quiet_exifread(), open(path, "rb") as fh:
            tags = exifread.process_file(fh, details=False)
    # exifread raises assorted errors on malformed headers; none of them is fatal here.
    except Exception:
        tags = {}
    found = ExposureSettings(time=_number(tags, _TIME, 1e-7, 1e5),
                             iso=_number(tags, _ISO, 1.0, 1e7),
                             fnumber=_number(tags, _FNUMBER, 0.3, 1000.0))
    return _with_libraw(path, found)


def _with_libraw(path: str | os.PathLike, found: ExposureSettings) -> ExposureSettings:
    """Fill what EXIF lacked from LibRaw's metadata, for camera RAW files."""
    from invcam.io.raw import is_raw, raw_settings

    if not is_raw(path) or None not in (found.time, found.iso, found.fnumber):
        return found
    time, iso, fnumber = raw_settings(path)
    return ExposureSettings(time=found.time or time, iso=found.iso or iso,
                            fnumber=found.fnumber or fnumber)


def _usual(values: list[float | None]) -> float | None:
    """The most common known value (the smallest among equals), or None."""
    known = Counter(v for v in values if v is not None)
    if not known:
        return None
    top = max(known.values())
    return min(v for v, n in known.items() if n == top)


def relative_exposures(shots: Sequence[ExposureSettings]) -> list[float | None]:
    """Each shot's exposure in seconds at the bracket's usual ISO and f-number:
    ``time * (iso / usual_iso) * (usual_f / f) ** 2``; None without a time. A shot
    missing ISO or f-number is taken at the usual value. A bracket at one ISO and one
    aperture gets its plain exposure times."""
    iso0 = _usual([s.iso for s in shots])
    f0 = _usual([s.fnumber for s in shots])
    out: list[float | None] = []
    for s in shots:
        if s.time is None:
            out.append(None)
            continue
        gain = (s.iso / iso0) if (s.iso and iso0) else 1.0
        light = (f0 / s.fnumber) ** 2 if (s.fnumber and f0) else 1.0
        out.append(s.time * gain * light)
    return out
