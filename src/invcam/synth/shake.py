"""Camera shake between the shots of a stack: a small rotation and shift per shot.

A test-set scene may be shot from a hand-held-ish tripod: every shot except the
reference is rotated by up to ``max_deg`` degrees about the image centre and shifted by
up to ``max_px`` pixels (at 600 x 900; scaled with the image diagonal), drawn from the
seed. The warp is applied to linear irradiance after defocus and focus breathing, so
the ground truth stays in the reference geometry. Matrices are OpenCV ``(2, 3)``
affine maps from reference-geometry pixel ``(x, y, 1)`` to the shot's pixel.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from invcam.synth.layouts import Shot

PAPER_DIAGONAL = math.hypot(600, 900)
IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def rigid_matrix(angle_deg: float, shift: tuple[float, float], size: tuple[int, int]) -> np.ndarray:
    """``(2, 3)`` map: rotate by ``angle_deg`` about the centre of ``size`` (H, W), then shift."""
    h, w = size
    mat = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), angle_deg, 1.0)
    mat[:, 2] += shift
    return mat


def draw_shakes(shots: list[Shot], shake: tuple[float, float], size: tuple[int, int],
                rng: np.random.Generator) -> list[dict]:
    """Per shot: ``{"rotation_deg", "shift_px": [dx, dy], "matrix"}``; the reference and
    every shot when ``shake`` is ``(0, 0)`` get the identity."""
    max_deg, max_px = shake
    max_px *= math.hypot(*size) / PAPER_DIAGONAL
    out = []
    for shot in shots:
        angle = rng.uniform(-max_deg, max_deg)
        radius, theta = max_px * math.sqrt(rng.uniform()), rng.uniform(0.0, 2.0 * math.pi)
        if shot.reference or (max_deg == 0 and max_px == 0):
            angle, radius = 0.0, 0.0
        shift = (radius * math.cos(theta), radius * math.sin(theta))
        out.append({"rotation_deg": angle, "shift_px": list(shift),
                    "matrix": rigid_matrix(angle, shift, size).tolist()})
    return out


def _warp(image: np.ndarray, mat: np.ndarray, flags: int) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.warpAffine(image, mat, (w, h), flags=flags, borderMode=cv2.BORDER_REFLECT)


def warp_shot(image: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Resample linear irradiance ``(H, W, 3)`` float32 through the ``(2, 3)`` map ``mat``.

    Bicubic, with its overshoot clamped to the range of each pixel's 3 x 3 source
    neighbourhood (so no negative values or dark halos next to a bright sky).
    """
    mat = np.asarray(mat, dtype=np.float64)
    if np.allclose(mat, IDENTITY):
        return image
    kernel = np.ones((3, 3), np.uint8)
    cubic = _warp(image, mat, cv2.INTER_CUBIC)
    lo = _warp(cv2.erode(image, kernel, borderType=cv2.BORDER_REFLECT), mat, cv2.INTER_LINEAR)
    hi = _warp(cv2.dilate(image, kernel, borderType=cv2.BORDER_REFLECT), mat, cv2.INTER_LINEAR)
    return np.clip(cubic, lo, hi).astype(np.float32)


def from_reference(magnification: float, shake: dict, size: tuple[int, int]) -> list:
    """The whole ``(2, 3)`` map reference pixel -> shot pixel: breathing, then shake."""
    h, w = size
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    m = magnification
    mag = np.array([[m, 0.0, (1 - m) * cx], [0.0, m, (1 - m) * cy], [0.0, 0.0, 1.0]])
    return (np.asarray(shake["matrix"]) @ mag).tolist()
