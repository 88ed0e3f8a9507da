"""Synthetic frames for the motion tests: textured linear scenes, shifts and exposures."""

from __future__ import annotations

import cv2
import numpy as np


def texture(height: int, width: int, seed: int = 0, cell: int = 4) -> np.ndarray:
    """``(H, W, 3)`` float32 smooth random colour texture in linear units, about [0.01, 1]."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((height // cell + 3, width // cell + 3, 3)).astype(np.float32)
    fine = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    fine = cv2.GaussianBlur(fine, (0, 0), 0.8)
    fine = (fine - fine.min()) / (fine.max() - fine.min())
    return 0.01 + 0.99 * fine ** 2


def expose(linear: np.ndarray, t: float) -> np.ndarray:
    """uint8 frame of a linear scene ``(H, W, 3)`` exposed for ``t``: ``(x t)^(1/2.2)``."""
    enc = np.clip(linear * t, 0.0, 1.0) ** (1.0 / 2.2)
    return np.rint(enc * 255.0).astype(np.uint8)


def crop(image: np.ndarray, x: int, y: int, height: int, width: int) -> np.ndarray:
    """The ``height x width`` window of ``image`` whose top-left pixel is ``(x, y)``."""
    return np.ascontiguousarray(image[y:y + height, x:x + width])


def shifted_pair(height: int, width: int, dx: int, dy: int, seed: int = 0,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Linear frames ``a``, ``b`` ``(H, W, 3)`` with ``b(x + (dx, dy)) = a(x)``."""
    pad = 16
    big = texture(height + 2 * pad, width + 2 * pad, seed)
    return crop(big, pad, pad, height, width), crop(big, pad - dx, pad - dy, height, width)


def interior(field: np.ndarray, margin: int = 8) -> np.ndarray:
    """``field`` ``(H, W, ...)`` without a ``margin``-pixel border."""
    return field[margin:-margin, margin:-margin]
