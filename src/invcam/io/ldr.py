"""Display-referred (LDR) photos: PNG, JPEG, TIFF; 8 or 16 bit; RGB or grey.

Images are returned as ``(H, W, 3)`` arrays in camera value units scaled to [0, 1].
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from invcam.errors import InvcamError
from invcam.io.atomic import write_with
from invcam.photometry import to_unit

LDR_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def read_ldr_raw(path: str | os.PathLike) -> np.ndarray:
    """Read a photo as its stored integers, ``(H, W, 3)`` uint8 or uint16, RGB order.

    Grey images are repeated to 3 channels; an alpha channel is dropped.
    """
    path = Path(path)
    if not path.is_file():
        raise InvcamError(f"{path}: no such file")
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
        img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    except OSError as exc:
        raise InvcamError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except cv2.error as exc:
        why = ("its header claims more than 2^30 pixels" if "MAX_IMAGE_PIXELS" in str(exc)
               else "OpenCV could not decode it")
        raise InvcamError(f"{path}: not a readable image ({why})") from None
    if img is None:
        raise InvcamError(f"{path}: not a readable image (corrupt or unsupported format)")
    if img.dtype not in (np.uint8, np.uint16):
        raise InvcamError(f"{path}: unsupported sample type {img.dtype} (need 8 or 16 bit)")
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=-1)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    elif img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    else:
        raise InvcamError(f"{path}: unsupported channel count {img.shape[2]}")
    return np.ascontiguousarray(img)


def read_ldr(path: str | os.PathLike) -> np.ndarray:
    """Read a photo as ``(H, W, 3)`` float32 in [0, 1]."""
    return to_unit(read_ldr_raw(path))


def quantize(image: np.ndarray, bits: int = 8) -> np.ndarray:
    """Round [0, 1] floats to uint8 (bits=8) or uint16 (bits=16)."""
    if bits not in (8, 16):
        raise ValueError("bits must be 8 or 16")
    dtype = np.uint8 if bits == 8 else np.uint16
    top = np.iinfo(dtype).max
    return np.clip(np.rint(np.asarray(image) * top), 0, top).astype(dtype)


def write_ldr(path: str | os.PathLike, image: np.ndarray, bits: int = 8) -> None:
    """Atomically write an RGB image; float input in [0, 1] is quantized to ``bits``."""
    image = np.asarray(image)
    if image.dtype.kind == "f":
        image = quantize(image, bits)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)

    def _write(tmp: Path) -> None:
        if not cv2.imwrite(str(tmp), image):
            raise OSError(f"OpenCV could not encode {path}")

    write_with(path, _write)
