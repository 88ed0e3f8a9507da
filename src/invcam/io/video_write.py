"""Write a stream of RGB frames to an MP4 video (``invcam.io.video.write_video``).

Frames are encoded one at a time (never all held) into a temporary file beside the
target, which is renamed onto the target only when every frame is written.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from invcam.errors import InvcamError
from invcam.io.atomic import atomic_path

__all__ = ["write_video"]

FOURCC = "mp4v"


def write_video(path: str | os.PathLike, frames: Iterable[np.ndarray], fps: float = 10.0) -> None:
    """Atomically write ``frames``, each ``(H, W, 3)`` uint8 RGB, to the MP4 file ``path``.

    All frames must have the size of the first. MPEG-4 needs even sizes: an odd H or W is
    padded by repeating the last row or column. Raises InvcamError naming ``path`` if a
    frame is not ``(H, W, 3)`` uint8 or changes size, there are no frames, ``fps`` is not
    positive, or OpenCV cannot open the writer; no file (temporary or final) is left then.
    """
    path = Path(path)
    if not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
        raise InvcamError(f"cannot write {path}: fps must be a positive number, got {fps!r}")
    with atomic_path(path) as tmp:
        count = _stream(path, tmp, frames, float(fps))
        if count == 0:
            raise InvcamError(f"cannot write {path}: no frames to write")
        if tmp.stat().st_size == 0:
            raise InvcamError(f"cannot write {path}: OpenCV wrote an empty file")


def _stream(path: Path, tmp: Path, frames: Iterable[np.ndarray], fps: float) -> int:
    """Encode ``frames`` into ``tmp`` and return how many were written."""
    writer, size, count = None, None, 0
    try:
        for frame in frames:
            size = _check_frame(path, count, frame, size)
            if writer is None:
                writer = _open_writer(path, tmp, fps, size)
            writer.write(_to_bgr_even(frame))
            count += 1
    except cv2.error as exc:
        lines = str(exc).strip().splitlines() or ["unknown error"]
        raise InvcamError(f"cannot write {path}: OpenCV failed ({lines[-1].strip()})") from exc
    finally:
        if writer is not None:
            writer.release()
    return count


def _check_frame(
    path: Path, index: int, frame: object, size: tuple[int, int] | None
) -> tuple[int, int]:
    """Check one frame and return its ``(H, W)``, which must equal ``size`` if given."""
    ok = isinstance(frame, np.ndarray) and frame.dtype == np.uint8
    if not ok or frame.ndim != 3 or frame.shape[2] != 3 or 0 in frame.shape:
        what = f"{frame.shape} {frame.dtype}" if isinstance(frame, np.ndarray) else type(frame)
        raise InvcamError(
            f"cannot write {path}: frame {index} is {what}, expected (H, W, 3) uint8 RGB"
        )
    hw = (int(frame.shape[0]), int(frame.shape[1]))
    if size is not None and hw != size:
        raise InvcamError(
            f"cannot write {path}: frame {index} is {hw[0]}×{hw[1]} but frame 0 is "
            f"{size[0]}×{size[1]} (H×W); all frames of a video must have one size"
        )
    return hw


def _open_writer(path: Path, tmp: Path, fps: float, size: tuple[int, int]) -> cv2.VideoWriter:
    height, width = (n + n % 2 for n in size)
    fourcc = cv2.VideoWriter_fourcc(*FOURCC)
    writer = cv2.VideoWriter(str(tmp), cv2.CAP_FFMPEG, fourcc, fps, (width, height))
    if not writer.isOpened():
        writer.release()
        raise InvcamError(
            f"cannot write {path}: OpenCV could not open a {FOURCC} video writer for "
            f"{height}×{width} frames (is the suffix a video container such as .mp4?)"
        )
    return writer


def _to_bgr_even(frame: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` RGB -> BGR, edge-padded to even H and W."""
    bgr = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR)
    pad_h, pad_w = frame.shape[0] % 2, frame.shape[1] % 2
    if pad_h or pad_w:
        bgr = cv2.copyMakeBorder(bgr, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
    return bgr
