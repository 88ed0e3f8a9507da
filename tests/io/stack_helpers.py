"""Shared helpers for the stack tests: tiny stacks built in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from invcam.synth.realhdr import data_dir

DATA = data_dir()  # $INVCAM_DATA or ../shared/data
REAL = DATA / "real"


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    """Write an ``(H, W, 3)`` RGB or ``(H, W)`` grey uint8/uint16 array with OpenCV."""
    img = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    assert cv2.imwrite(str(path), img)
    return path


def flat(value: int, size: tuple[int, int] = (4, 6), dtype=np.uint8) -> np.ndarray:
    """A uniform ``(H, W, 3)`` image."""
    return np.full((*size, 3), value, dtype=dtype)


def make_stack(
    folder: Path, images: dict[str, np.ndarray], spec: object = None
) -> Path:
    """Write ``images`` (name -> array) into ``folder`` and ``spec`` as stack.json.

    ``spec`` may be a JSON-able object, a raw string (written as is) or None (no file).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in images.items():
        write_rgb(folder / name, arr)
    if spec is not None:
        text = spec if isinstance(spec, str) else json.dumps(spec)
        (folder / "stack.json").write_text(text)
    return folder
