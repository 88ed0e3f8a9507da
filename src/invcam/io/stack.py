"""The stack reader: a folder of photos of one scene, plus an optional ``stack.json``.

Format (``stack.json`` is optional)::

    {"images": [{"file": "a.png", "exposure": 0.25, "focus_distance": 1.5},
                {"file": "b.png", "exposure": 1.0, "role": "reference"}]}

* ``exposure`` is the exposure time in seconds. Omitted: taken from the file's EXIF
  (time x ISO / f-number^2, in seconds at the stack's usual ISO and f-number; see
  :func:`invcam.io.exif.relative_exposures`) if present, else unknown. ``null``:
  unknown, EXIF is not consulted.
  Unknown exposures are learned by the fit.
* Other keys per image are kept, unchecked, in ``StackImage.meta``.
* Without ``stack.json``: every PNG/JPEG/TIFF in the folder (not in sub-folders, not
  hidden), sorted by name, exposures from EXIF.
* The reference image: the one with ``"role": "reference"``; else the middle known
  exposure (sorted by time, lower middle for an even count); else the middle image.

Every problem with the input raises InvcamError with a one-line message naming the file
or key at fault. Pixels are read once, by ``load_stack``, and kept as stored integers.
``describe_stack`` (the ``invcam info`` report) is in ``invcam.io.stack_report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from invcam.errors import InvcamError
from invcam.io.exif import ExposureSettings, read_exposure_settings, relative_exposures
from invcam.io.ldr import LDR_SUFFIXES, read_ldr_raw
from invcam.io.raw import RAW_SUFFIXES, is_raw, read_raw
from invcam.io.stack_json import Entry, parse_stack_json
from invcam.photometry import SATURATED, UNDEREXPOSED

PHOTO_SUFFIXES = LDR_SUFFIXES + RAW_SUFFIXES

__all__ = ["Stack", "StackImage", "choose_reference", "describe_pixels", "image_stats",
           "load_images", "load_stack"]

STACK_JSON = "stack.json"
"""Exposure times (seconds) accepted: 100 ns to about a day."""


@dataclass(frozen=True)
class StackImage:
    """One photo of a stack (metadata only; pixels are in ``Stack.raw``).

    ``exposure`` is seconds or None (unknown); ``exposure_source`` is ``"stack.json"``,
    ``"exif"``, ``"sidecar"`` (a video's ``clip.json``), ``"exposure-cycle"``
    (an exposure cycle) or ``"unknown"``. ``original_size`` is the stored ``(H, W)``,
    which differs from ``Stack.size`` only if the stack was loaded with ``resize=True``.
    ``grey`` means all three channels are identical. ``saturated``/``underexposed`` are
    pixel fractions.
    """

    file: str
    path: Path
    exposure: float | None
    exposure_source: str
    meta: dict
    bit_depth: int
    original_size: tuple[int, int]
    grey: bool
    saturated: float
    underexposed: float
    iso: float | None = None
    """EXIF ISO speed, when the exposure came from EXIF and it says."""
    fnumber: float | None = None
    """EXIF f-number, likewise."""
    exif_time: float | None = None
    """EXIF exposure time (s); ``exposure`` also counts ISO and f-number against the
    stack's usual ones (:func:`invcam.io.exif.relative_exposures`)."""


@dataclass(frozen=True)
class Stack:
    """A validated stack: B images of one size ``(H, W)``.

    ``raw[i]`` is image i as stored, ``(H, W, 3)`` uint8 or uint16 RGB, read-only (after
    resizing, if any). ``source`` is ``"stack.json"``, ``"folder"`` or (a video file,
    :func:`invcam.io.video.load_video`) ``"video"``; ``unlisted`` names
    the images in the folder that ``stack.json`` leaves out (they are not loaded).
    ``reference_rule`` says why ``reference`` was chosen.
    """

    root: Path
    images: tuple[StackImage, ...]
    size: tuple[int, int]
    reference: int
    reference_rule: str
    source: str
    unlisted: tuple[str, ...] = ()
    raw: tuple[np.ndarray, ...] = field(default=(), repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def linear(self) -> bool:
        """True for camera RAW input (linear values: the fit's default response is linear)."""
        return bool(self.images) and is_raw(self.images[0].path)

    @property
    def exposures_known(self) -> bool:
        """True if every image has a known exposure time."""
        return all(im.exposure is not None for im in self.images)

    @property
    def exposures(self) -> np.ndarray:
        """Exposure times in seconds, ``(B,)`` float64, NaN where unknown."""
        return np.array([np.nan if im.exposure is None else im.exposure for im in self.images])


def image_stats(raw: np.ndarray) -> tuple[float, float]:
    """Saturated and underexposed pixel fractions of ``(H, W, C)`` uint8/uint16 ``raw``.

    Saturated: any channel >= 0.99 of full scale; underexposed: all channels <= 0.01.
    """
    top = float(np.iinfo(raw.dtype).max)
    brightest = raw.max(axis=-1)
    saturated = float(np.mean(brightest >= SATURATED * top))
    underexposed = float(np.mean(brightest <= UNDEREXPOSED * top))
    return saturated, underexposed


def choose_reference(exposures: list[float | None], roles: list[object]) -> tuple[int, str]:
    """Index of the reference image and the rule that chose it (see the module doc)."""
    marked = [i for i, role in enumerate(roles) if role == "reference"]
    if marked:
        return marked[0], "role"
    known = sorted((e, i) for i, e in enumerate(exposures) if e is not None)
    if known:
        return known[(len(known) - 1) // 2][1], "middle exposure"
    return (len(exposures) - 1) // 2, "middle image"


def load_stack(path: str | Path, resize: bool = False) -> Stack:
    """Read and validate the stack in folder ``path``, reading every image once.

    Images of different sizes are an error unless ``resize`` is true: then each is
    resized (cv2.INTER_AREA) to the reference image's size and ``original_size`` records
    the stored one.
    """
    root = _check_folder(Path(path))
    json_path = root / STACK_JSON
    if json_path.exists():
        entries = parse_stack_json(json_path, root)
        listed = {e.path.resolve() for e in entries}
        unlisted = tuple(p.name for p in _list_images(root) if p.resolve() not in listed)
        source = "stack.json"
    else:
        entries = [Entry(p.name, p, None, None, {}) for p in _list_images(root)]
        unlisted, source = (), "folder"
        if not entries:
            suffixes = ", ".join(PHOTO_SUFFIXES)
            raise InvcamError(f"{root}: no images found (expected {suffixes} or a {STACK_JSON})")
    _check_not_mixed(entries)
    entries = _with_exif(entries)
    roles = [e.meta.get("role") for e in entries]
    ref, rule = choose_reference([e.exposure for e in entries], roles)
    images, raws = _read_pixels(entries, ref, resize)
    return Stack(root, images, raws[ref].shape[:2], ref, rule, source, unlisted, raws)


def _check_not_mixed(entries: list[Entry]) -> None:
    """RAW (linear) and processed photos cannot share a response curve: refuse a mix."""
    kinds = {is_raw(e.path) for e in entries}
    if len(kinds) > 1:
        raw = next(e.file for e in entries if is_raw(e.path))
        other = next(e.file for e in entries if not is_raw(e.path))
        raise InvcamError(f"the stack mixes camera RAW ({raw}) and processed photos "
                          f"({other}); use one kind")


def load_images(stack: Stack, dtype: type = np.float32) -> np.ndarray:
    """All images of ``stack`` as one ``(B, H, W, 3)`` float array in [0, 1]."""
    out = np.empty((len(stack), *stack.size, 3), dtype=dtype)
    for i, raw in enumerate(stack.raw):
        np.multiply(raw, 1.0 / np.iinfo(raw.dtype).max, out=out[i], casting="unsafe")
    return out


def _check_folder(root: Path) -> Path:
    if not root.exists():
        raise InvcamError(f"stack folder {root} does not exist")
    if not root.is_dir():
        raise InvcamError(f"{root} is not a folder (a stack is a folder of images)")
    return root


def _list_images(root: Path) -> list[Path]:
    """The photos directly in ``root``, sorted by name; hidden files are skipped."""
    return sorted(
        p for p in root.iterdir()
        if p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def _with_exif(entries: list[Entry]) -> list[Entry]:
    """Entries that ask EXIF get its time, ISO and f-number, and as exposure the time
    scaled to their usual ISO and f-number (:func:`invcam.io.exif.relative_exposures`)."""
    ask = [i for i, e in enumerate(entries) if e.source is None]
    settings = [read_exposure_settings(entries[i].path) for i in ask]
    out = list(entries)
    for i, shot, seconds in zip(ask, settings, relative_exposures(settings), strict=True):
        out[i] = replace(entries[i], exposure=seconds, settings=shot,
                         source="unknown" if seconds is None else "exif")
    return out


def _read_pixels(
    entries: list[Entry], ref: int, resize: bool
) -> tuple[tuple[StackImage, ...], tuple[np.ndarray, ...]]:
    """Read every image (the reference first) and check or fix its size."""
    images: list[StackImage | None] = [None] * len(entries)
    raws: list[np.ndarray | None] = [None] * len(entries)
    size = None
    for i in [ref] + [j for j in range(len(entries)) if j != ref]:
        entry = entries[i]
        raw = read_raw(entry.path) if is_raw(entry.path) else read_ldr_raw(entry.path)
        stored = raw.shape[:2]
        size = size or stored
        if stored != size:
            if not resize:
                raise InvcamError(
                    f"{entry.file} is {_hw(stored)} but the reference {entries[ref].file} is "
                    f"{_hw(size)} (H×W); all images of a stack must have the same size"
                )
            raw = cv2.resize(raw, (size[1], size[0]), interpolation=cv2.INTER_AREA)
        raw.setflags(write=False)
        raws[i] = raw
        images[i] = describe_pixels(entry, raw, stored)
    return tuple(images), tuple(raws)


def describe_pixels(entry: Entry, raw: np.ndarray, stored: tuple[int, int]) -> StackImage:
    saturated, underexposed = image_stats(raw)
    shot = entry.settings or ExposureSettings()
    grey = bool(
        np.array_equal(raw[..., 0], raw[..., 1])
        and np.array_equal(raw[..., 1], raw[..., 2])
    )
    return StackImage(
        file=entry.file, path=entry.path, exposure=entry.exposure,
        exposure_source=entry.source or "unknown", meta=entry.meta,
        bit_depth=8 * raw.dtype.itemsize, original_size=tuple(stored), grey=grey,
        saturated=saturated, underexposed=underexposed, iso=shot.iso, fnumber=shot.fnumber,
        exif_time=shot.time,
    )


def _hw(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"

