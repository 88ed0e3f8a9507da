"""Video and frame-sequence input for dynamic scenes (frame ranges and exposure cycles:
:mod:`invcam.io.frames`).

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

import os
from pathlib import Path

import cv2
import numpy as np

from invcam.errors import InvcamError
from invcam.io.frames import (
    SIDECAR_RULE,
    apply_exposure_cycle,
    frame_positions,
    noun_of,
    parse_exposure_cycle,
    parse_frames,
    select_frames,
    video_reference,
)
from invcam.io.stack import Stack, StackImage, describe_pixels, load_stack
from invcam.io.stack_json import EXPOSURE_RANGE, Entry, load_json, sane_exposure
from invcam.io.video_write import write_video

__all__ = ["VIDEO_SUFFIXES", "is_video", "load_input", "load_video", "write_video"]

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".m4v")
SIDECAR_KEYS = ("exposures", "exposure_cycle", "reference")


def is_video(path: str | os.PathLike) -> bool:
    """True if ``path`` is an existing file with a video suffix (any case)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES and Path(path).is_file()


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
        frame_positions(path, frames or ":", count, "frames")
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
                            f"{len(known)} of {len(stack)} {noun_of(stack)}")
        stack, warning = apply_exposure_cycle(stack, list(exposure_cycle))
        warnings += [warning] if warning else []
    return stack, warnings


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
        if not (sane_exposure(value) or (nulls and value is None)):
            raise InvcamError(f'{sidecar}: "{key}"[{i}] must be a number of seconds from'
                              f" {EXPOSURE_RANGE[0]:g} to {EXPOSURE_RANGE[1]:g}"
                              f"{' or null' if nulls else ''}, got {value!r}")
    return [None if v is None else float(v) for v in values]
