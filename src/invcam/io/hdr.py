"""Linear HDR images: OpenEXR (``openexr`` package) and Radiance ``.hdr`` (OpenCV).

Arrays are ``(H, W, C)`` float32, RGB channel order, linear values.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import OpenEXR

from invcam.errors import InvcamError
from invcam.io.atomic import write_with

HDR_SUFFIXES = (".exr", ".hdr")


def read_exr_channels(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every channel of the first part of an EXR file as float32 ``(H, W)`` arrays.

    Interleaved groups such as ``RGBA`` are split into ``R``, ``G``, ``B``, ``A``.
    """
    path = Path(path)
    if not path.is_file():
        raise InvcamError(f"{path}: no such file")
    try:
        with OpenEXR.File(str(path), separate_channels=True) as f:
            chans = {k: np.asarray(v.pixels, dtype=np.float32) for k, v in f.channels().items()}
    except Exception as exc:  # the binding raises bare RuntimeError/ValueError
        raise InvcamError(f"{path}: not a readable EXR file ({exc})") from exc
    return chans


def read_exr(path: str | os.PathLike) -> np.ndarray:
    """Read an EXR image as ``(H, W, 3)`` float32 RGB (a single ``Y`` channel is repeated)."""
    chans = read_exr_channels(path)
    if all(c in chans for c in "RGB"):
        return np.stack([chans["R"], chans["G"], chans["B"]], axis=-1)
    if "Y" in chans:
        return np.repeat(chans["Y"][..., None], 3, axis=-1)
    raise InvcamError(f"{path}: EXR has no R, G, B or Y channels (found {sorted(chans)})")


def write_exr(path: str | os.PathLike, image: np.ndarray, half: bool = False) -> None:
    """Atomically write ``(H, W)`` or ``(H, W, 3)`` linear data to an EXR file.

    A 2-D array is stored as one ``Y`` channel (used for depth maps).
    """
    image = np.asarray(image)
    dtype = np.float16 if half else np.float32
    if image.ndim == 2:
        channels = {"Y": np.ascontiguousarray(image, dtype=dtype)}
    elif image.ndim == 3 and image.shape[2] == 3:
        channels = {c: np.ascontiguousarray(image[..., k], dtype=dtype)
                    for k, c in enumerate("RGB")}
    else:
        raise ValueError(f"write_exr expects (H, W) or (H, W, 3), got {image.shape}")
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}

    def _write(tmp: Path) -> None:
        try:
            with OpenEXR.File(header, channels) as f:
                f.write(str(tmp))
        except RuntimeError as exc:  # OpenEXR reports I/O errors (a full disk) this way
            raise OSError(f"EXR write failed, is the disk full? ({exc})") from exc

    write_with(path, _write)


def read_radiance_hdr(path: str | os.PathLike) -> np.ndarray:
    """Read a Radiance RGBE ``.hdr`` file as ``(H, W, 3)`` float32 RGB."""
    path = Path(path)
    if not path.is_file():
        raise InvcamError(f"{path}: no such file")
    bgr = cv2.imread(str(path), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
    if bgr is None:
        raise InvcamError(f"{path}: not a readable Radiance .hdr file")
    return np.ascontiguousarray(bgr[..., ::-1], dtype=np.float32)


def write_radiance_hdr(path: str | os.PathLike, image: np.ndarray) -> None:
    """Atomically write ``(H, W, 3)`` float RGB as a Radiance RGBE ``.hdr`` file."""
    bgr = np.ascontiguousarray(np.asarray(image, dtype=np.float32)[..., ::-1])

    def _write(tmp: Path) -> None:
        if not cv2.imwrite(str(tmp), bgr):
            raise OSError(f"OpenCV could not encode {path}")

    write_with(path, _write)


def read_hdr_image(path: str | os.PathLike) -> np.ndarray:
    """Read an EXR or ``.hdr`` image as ``(H, W, 3)`` float32 linear RGB, checked finite."""
    suffix = Path(path).suffix.lower()
    if suffix == ".exr":
        image = read_exr(path)
    elif suffix == ".hdr":
        image = read_radiance_hdr(path)
    else:
        raise InvcamError(f"{path}: unknown HDR format (expected {', '.join(HDR_SUFFIXES)})")
    if not np.isfinite(image).all():
        raise InvcamError(f"{path}: contains NaN or infinite values")
    return image


def write_hdr_image(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write ``(H, W, 3)`` linear RGB as EXR or ``.hdr`` according to the suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".exr":
        write_exr(path, image)
    elif suffix == ".hdr":
        write_radiance_hdr(path, image)
    else:
        raise InvcamError(f"{path}: unknown HDR format (expected {', '.join(HDR_SUFFIXES)})")
