"""Video and frame-sequence input for dynamic scenes (``--frames``, ``--exposure-cycle``).

A video (``.mp4 .mov .avi .mkv .m4v``) is decoded with OpenCV/FFmpeg into a ``Stack`` of
frames, kept as ``(H, W, 3)`` uint8 RGB in ``Stack.raw``; only the frames asked for are
decoded (others are skipped; reading stops after the last). Frame ``k`` is named
``clip.mp4#0000k`` and has ``meta == {"frame": k}``.

Optional sidecar ``clip.json`` beside ``clip.mp4``, every key optional::

    {"exposures": [0.01, null, ...], "reference": 12}   or   {"exposure_cycle": [0.25, 1, 4]}

``exposures``: one per frame of the whole video, seconds or null (unknown);
``exposure_cycle``: video frame ``k`` gets ``cycle[k % len(cycle)]``; ``reference``: a video
frame index, else ``video_reference`` chooses. ``load_input`` is the CLI's entry point.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from invcam.errors import InvcamError, OptionError
from invcam.io.stack import (
    EXPOSURE_RANGE,
    Entry,
    Stack,
    StackImage,
    describe_pixels,
    load_json,
    load_stack,
    sane_exposure,
)
from invcam.io.video_write import write_video

__all__ = ["VIDEO_SUFFIXES", "apply_exposure_cycle", "is_video", "load_input", "load_video",
           "parse_exposure_cycle", "parse_frames", "select_frames", "video_reference",
           "write_video"]

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".m4v")
SIDECAR_RULE = "sidecar reference"
EXPLICIT_RULES = ("role", SIDECAR_RULE)  # reference rules that an exposure cycle keeps
SIDECAR_KEYS = ("exposures", "exposure_cycle", "reference")
_FRAMES = re.compile(r"([0-9]*):([0-9]*)(?::([0-9]*))?")


def is_video(path: str | os.PathLike) -> bool:
    """True if ``path`` is an existing file with a video suffix (any case)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES and Path(path).is_file()


def parse_frames(text: str) -> tuple[int, int | None, int]:
    """Parse ``--frames A:B[:step]`` into ``(start, stop or None, step)``; B is exclusive."""
    spec = str(text).replace(" ", "")
    match = _FRAMES.fullmatch(spec)
    if "-" in spec:
        raise OptionError("frames", f"{{option}} {text!r}: frame numbers cannot be negative")
    if not match:
        raise OptionError("frames", f"{{option}} {text!r}: expected A:B or A:B:step, B "
                          "exclusive, A or B may be empty (0:30, 5:, 0:30:2)")
    start = int(match[1]) if match[1] else 0
    stop = int(match[2]) if match[2] else None
    step = int(match[3]) if match[3] else 1
    if step < 1:
        raise OptionError("frames", f"{{option}} {text!r}: the step must be at least 1")
    if stop is not None and stop <= start:
        raise OptionError("frames", f"{{option}} {text!r}: the end {stop} must be after the "
                          f"start {start} (the end is exclusive)")
    return start, stop, step


def parse_exposure_cycle(text: str) -> list[float]:
    """Parse ``--exposure-cycle`` seconds such as ``0.25,1,4`` or ``1/250,1/60``."""
    values = []
    for item in str(text).split(","):
        try:
            num, _, den = item.strip().partition("/")
            value = float(num) / float(den) if den else float(num)
        except (ValueError, ZeroDivisionError):
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise OptionError("exposure_cycle", f"{{option}} {text!r}: {item.strip()!r} is not "
                              "a positive number of seconds (e.g. 0.25,1,4 or 1/250,1/60)")
        values.append(value)
    return values


def video_reference(exposures: list[float | None]) -> tuple[int, str]:
    """Reference frame of a clip with per-frame ``exposures`` (seconds or None) and its rule.

    Among the frames at the median known exposure (lower middle for an even count, so a
    real value), the one nearest the clip's middle; with none known, the middle frame.
    """
    middle = (len(exposures) - 1) / 2
    known = sorted(e for e in exposures if e is not None)
    if not known:
        return (len(exposures) - 1) // 2, "middle frame"
    median = known[(len(known) - 1) // 2]
    at_median = [i for i, e in enumerate(exposures)
                 if e is not None and math.isclose(e, median, rel_tol=1e-9)]
    return min(at_median, key=lambda i: (abs(i - middle), i)), "middle median-exposure frame"


def load_video(path: str | os.PathLike, frames: str | None = None) -> Stack:
    """Decode the frames ``frames`` (``A:B[:step]``, default all) of the video ``path``.

    Returns a Stack with ``source == "video"``, ``root`` the video path, ``raw`` the frames
    as read-only ``(H, W, 3)`` uint8 RGB; exposures (else unknown) and the reference may
    come from the sidecar JSON (see the module doc).
    """
    path = Path(path)
    start, stop, step = parse_frames(frames) if frames else (0, None, 1)
    sidecar = path.with_suffix(".json")
    cap = _open_capture(path)
    try:
        indices, raws, count = _decode(cap, path, start, stop, step)
        if count is None and sidecar.is_file():  # skim the rest: the sidecar needs the count
            count = stop + sum(1 for _ in iter(cap.grab, False))
    finally:
        cap.release()
    if count == 0:
        raise InvcamError(f"{path}: no frames could be decoded from this video")
    if count is not None:
        _picked(path, frames or ":", count, "frames")
    exposures, ref_frame = _read_sidecar(sidecar, count) if sidecar.is_file() else (None, None)
    images = tuple(_frame_image(path, k, raw, exposures[k] if exposures else None)
                   for k, raw in zip(indices, raws, strict=True))
    if ref_frame in indices:
        ref, rule = indices.index(ref_frame), SIDECAR_RULE
    else:
        ref, rule = video_reference([im.exposure for im in images])
        if ref_frame is not None:
            rule += f" (the sidecar's reference frame {ref_frame} is not selected)"
    return Stack(path, images, raws[0].shape[:2], ref, rule, "video", (), tuple(raws))


def select_frames(stack: Stack, frames: str) -> Stack:
    """The images ``frames`` (``A:B[:step]``, positions in ``stack``) of ``stack``; the
    reference is kept if selected, else re-chosen by ``video_reference``."""
    picked = _picked(stack.root, frames, len(stack), _noun(stack))
    images = tuple(stack.images[i] for i in picked)
    raw = tuple(stack.raw[i] for i in picked) if stack.raw else ()
    if stack.reference in picked:
        ref, rule = picked.index(stack.reference), stack.reference_rule
    else:
        ref, rule = video_reference([im.exposure for im in images])
        rule += f" (the reference {stack.images[stack.reference].file} is not selected)"
    return replace(stack, images=images, raw=raw, reference=ref, reference_rule=rule)


def apply_exposure_cycle(stack: Stack, cycle: list[float]) -> tuple[Stack, str | None]:
    """Give image ``k`` of ``stack`` the exposure ``cycle[k % len(cycle)]`` seconds.

    Returns the new stack and a warning line if ``len(cycle)`` does not divide the image
    count, else None. A reference chosen by role or sidecar is kept; any other is
    re-chosen by ``video_reference`` from the new exposures.
    """
    count, size, noun = len(stack), len(cycle), _noun(stack)
    if size == 0 or not all(_positive(v) for v in cycle):
        raise OptionError("exposure_cycle", f"{{option}} {cycle!r}: needs one or more exposure "
                          f"times from {EXPOSURE_RANGE[0]:g} to {EXPOSURE_RANGE[1]:g} seconds")
    if size > count:
        raise OptionError("exposure_cycle", f"{{option}} has {size} values but {stack.root} "
                          f"has only {count} {noun}; the cycle must fit at least once")
    images = tuple(replace(im, exposure=float(cycle[k % size]), exposure_source="exposure-cycle")
                   for k, im in enumerate(stack.images))
    ref, rule = stack.reference, stack.reference_rule
    if rule not in EXPLICIT_RULES:
        ref, rule = video_reference([im.exposure for im in images])
    warning = None
    if count % size:
        warning = (f"exposure cycle of {size} does not divide {count} {noun}: applied from the "
                   f"first ({images[0].file}); the last cycle is partial ({count % size} of "
                   f"{size} values)")
    return replace(stack, images=images, reference=ref, reference_rule=rule), warning


def load_input(path: str | os.PathLike, frames: str | None = None,
               exposure_cycle: list[float] | str | None = None) -> tuple[Stack, list[str]]:
    """Load a video file or a stack folder, select ``frames``, apply ``exposure_cycle``.

    ``exposure_cycle`` is a list of seconds or the ``--exposure-cycle`` text. Returns the
    stack and warning lines (without a ``warning:`` prefix) for the CLI to print.
    """
    path = Path(path)
    if not path.is_dir() and path.suffix.lower() in VIDEO_SUFFIXES:
        stack = load_video(path, frames)
    elif path.is_file():
        raise InvcamError(f"{path} is not a video ({' '.join(VIDEO_SUFFIXES)}) nor a folder "
                          "of images")
    else:
        stack = load_stack(path)
        stack = select_frames(stack, frames) if frames else stack
    warnings: list[str] = []
    if exposure_cycle is not None:
        if isinstance(exposure_cycle, str):
            exposure_cycle = parse_exposure_cycle(exposure_cycle)
        known = [im for im in stack.images if im.exposure is not None]
        if known:
            sources = ", ".join(sorted({im.exposure_source for im in known}))
            warnings.append(f"the exposure cycle replaces the known exposures ({sources}) of "
                            f"{len(known)} of {len(stack)} {_noun(stack)}")
        stack, warning = apply_exposure_cycle(stack, list(exposure_cycle))
        warnings += [warning] if warning else []
    return stack, warnings


def _picked(where: Path, frames: str, count: int, noun: str) -> range:
    """The positions among ``count`` that ``frames`` selects, all of which must exist."""
    start, stop, step = parse_frames(frames)
    if start >= count or (stop or count) > count:
        raise OptionError("frames", f"{where}: {{option}} {frames} is outside the input, which has "
                          f"{count} {noun} (0 to {count - 1})")
    return range(start, stop or count, step)


def _noun(stack: Stack) -> str:
    return "frames" if stack.source == "video" else "images"


def _positive(value: object) -> bool:
    """A sane exposure time in seconds (``invcam.io.stack.EXPOSURE_RANGE``)."""
    return sane_exposure(value)


def _open_capture(path: Path) -> cv2.VideoCapture:
    if not path.is_file():
        problem = "is not a file" if path.exists() else "does not exist"
        raise InvcamError(f"video {path} {problem}")
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise InvcamError(f"{path}: cannot be decoded as a video (OpenCV/FFmpeg cannot open it)")
    return cap


def _decode(
    cap: cv2.VideoCapture, path: Path, start: int, stop: int | None, step: int
) -> tuple[list[int], list[np.ndarray], int | None]:
    """Frames ``start:stop:step`` of ``cap`` (others skipped by ``grab``): their indices,
    read-only ``(H, W, 3)`` uint8 RGB pixels, and the frame count (None if stopped at stop).
    """
    indices: list[int] = []
    frames: list[np.ndarray] = []
    index = 0
    while stop is None or index < stop:
        wanted = index >= start and (index - start) % step == 0
        ok, bgr = cap.read() if wanted else (cap.grab(), None)
        if not ok:
            return indices, frames, index
        if wanted:
            rgb = cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB if bgr.ndim == 2 else cv2.COLOR_BGR2RGB)
            rgb.setflags(write=False)
            if frames and rgb.shape != frames[0].shape:
                (h, w), (h0, w0) = rgb.shape[:2], frames[0].shape[:2]
                raise InvcamError(f"{path}: frame {index} is {h}×{w} but frame {indices[0]} is "
                                  f"{h0}×{w0} (H×W); the video changes size mid-clip")
            frames.append(rgb)
            indices.append(index)
        index += 1
    return indices, frames, None


def _frame_image(path: Path, index: int, raw: np.ndarray, exposure: float | None) -> StackImage:
    """Frame ``index`` of the video described as a stack image (the stack reader's own
    description: bit depth, grey flag, saturated and underexposed fractions)."""
    source = "unknown" if exposure is None else "sidecar"
    entry = Entry(f"{path.name}#{index:05d}", path, exposure, source, {"frame": index})
    return describe_pixels(entry, raw, tuple(raw.shape[:2]))


def _read_sidecar(sidecar: Path, count: int) -> tuple[list[float | None] | None, int | None]:
    """Per-frame exposures of the whole video (or None) and the reference frame (or None)."""
    data = load_json(sidecar)
    if not isinstance(data, dict):
        raise InvcamError(f'{sidecar}: expected an object like {{"exposures": [...]}}')
    unknown = sorted(set(data) - set(SIDECAR_KEYS))
    if unknown:
        raise InvcamError(f"{sidecar}: unknown key {unknown[0]!r} (expected "
                          f"{', '.join(SIDECAR_KEYS)})")
    if "exposures" in data and "exposure_cycle" in data:
        raise InvcamError(f'{sidecar}: give "exposures" or "exposure_cycle", not both')
    exposures = None
    for key in ("exposures", "exposure_cycle"):
        if key in data:  # "exposures" is a cycle as long as the video
            values = _sidecar_seconds(sidecar, key, data[key], nulls=key == "exposures")
            if len(values) > count or (key == "exposures" and len(values) != count):
                raise InvcamError(f'{sidecar}: "{key}" has {len(values)} values but the video '
                                  f"has {count} frames")
            exposures = [values[k % len(values)] for k in range(count)]
    ref = data.get("reference")
    if "reference" in data and (type(ref) is not int or not 0 <= ref < count):
        raise InvcamError(f'{sidecar}: "reference" must be a frame index from 0 to {count - 1}, '
                          f"got {ref!r}")
    return exposures, ref


def _sidecar_seconds(sidecar: Path, key: str, values: object, nulls: bool) -> list[float | None]:
    if not isinstance(values, list) or not values:
        raise InvcamError(f'{sidecar}: "{key}" must be a non-empty list of seconds')
    for i, value in enumerate(values):
        if not (_positive(value) or (nulls and value is None)):
            raise InvcamError(f'{sidecar}: "{key}"[{i}] must be a number of seconds from'
                              f" {EXPOSURE_RANGE[0]:g} to {EXPOSURE_RANGE[1]:g}"
                              f"{' or null' if nulls else ''}, got {value!r}")
    return [None if v is None else float(v) for v in values]
