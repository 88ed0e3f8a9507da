"""Drawing helpers for procedural scenes: a radiance+depth canvas, shapes, noise, shading.

Shapes are placed in normalised coordinates (``x`` across the width, ``y`` down the
height, both in ``[0, 1]``) so a scene looks the same at any size; radii are fractions of
the image height so discs stay round. Coverage masks are ``(H, W)`` float32 in ``[0, 1]``
with about one pixel of anti-aliasing.
"""

from __future__ import annotations

import cv2
import numpy as np


class Canvas:
    """An all-in-focus scene under construction: ``radiance`` ``(H, W, 3)``, ``depth`` ``(H, W)``.

    Shapes are painted back to front (painter's algorithm). A pixel takes the depth of the
    shape covering at least half of it; colour is blended by coverage.
    """

    def __init__(self, h: int, w: int, depth: float = 10.0):
        self.h, self.w = h, w
        self.y = ((np.arange(h, dtype=np.float32) + 0.5) / h)[:, None]
        self.x = ((np.arange(w, dtype=np.float32) + 0.5) / w)[None, :]
        self.radiance = np.zeros((h, w, 3), dtype=np.float32)
        self.depth = np.full((h, w), depth, dtype=np.float32)

    def paint(self, cover: np.ndarray, colour, depth) -> None:
        """Blend ``colour`` (``(3,)`` or ``(H, W, 3)``) over the canvas where ``cover`` > 0."""
        cover = np.asarray(cover, dtype=np.float32)
        colour = np.asarray(colour, dtype=np.float32)
        self.radiance += cover[..., None] * (colour - self.radiance)
        self.depth = np.where(cover >= 0.5, np.asarray(depth, dtype=np.float32), self.depth)

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Coverage of the axis-aligned rectangle ``[x0, x1] x [y0, y1]``."""
        dx = np.minimum(self.x - x0, x1 - self.x) * self.w
        dy = np.minimum(self.y - y0, y1 - self.y) * self.h
        return np.clip(np.minimum(dx, dy) + 0.5, 0.0, 1.0)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, angle: float = 0.0) -> np.ndarray:
        """Coverage of an ellipse; ``rx``, ``ry`` are fractions of the height, ``angle`` radians."""
        dx, dy = (self.x - cx) * self.w, (self.y - cy) * self.h
        c, s = np.cos(angle), np.sin(angle)
        u, v = (c * dx + s * dy) / (rx * self.h), (-s * dx + c * dy) / (ry * self.h)
        rho = np.sqrt(u * u + v * v)
        return np.clip((1.0 - rho) * min(rx, ry) * self.h + 0.5, 0.0, 1.0)

    def disc(self, cx: float, cy: float, r: float) -> np.ndarray:
        """Coverage of a disc of radius ``r`` (fraction of the height)."""
        return self.ellipse(cx, cy, r, r)

    def polygon(self, points: list[tuple[float, float]]) -> np.ndarray:
        """Coverage of a polygon given as normalised ``(x, y)`` vertices."""
        mask = np.zeros((self.h, self.w), dtype=np.uint8)
        pts = np.array([[x * self.w * 16, y * self.h * 16] for x, y in points], dtype=np.int32)
        cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=4)
        return mask.astype(np.float32) / 255.0

    def sphere(self, cx: float, cy: float, r: float) -> tuple[np.ndarray, np.ndarray]:
        """Coverage and unit normals ``(H, W, 3)`` (x right, y down, z to the camera) of a ball."""
        dx = (self.x - cx) * self.w / (r * self.h)
        dy = (self.y - cy) * self.h / (r * self.h)
        rho = np.maximum(np.sqrt(dx * dx + dy * dy), 1.0)  # outside the ball: unit radial
        dx, dy = dx / rho, dy / rho
        nz = np.sqrt(np.clip(1.0 - dx * dx - dy * dy, 0.0, 1.0))
        normals = np.stack(np.broadcast_arrays(dx, dy, nz), axis=-1)
        return self.disc(cx, cy, r), normals

    def ground(self, y_horizon: float, d_bottom: float, d_far: float) -> np.ndarray:
        """Depth ``(H, W)`` of a floor seen from above its plane: ``1/d`` linear in the row.

        Rows at or above ``y_horizon`` get ``d_far``; the bottom row gets ``d_bottom``.
        """
        t = np.clip((self.y - y_horizon) / (1.0 - y_horizon), 0.0, 1.0)
        inv = 1.0 / d_far + t * (1.0 / d_bottom - 1.0 / d_far)
        return np.broadcast_to(1.0 / inv, (self.h, self.w)).astype(np.float32)


def fbm(h: int, w: int, rng: np.random.Generator, cell: float, octaves: int = 4,
        gain: float = 0.55) -> np.ndarray:
    """Fractal value noise ``(H, W)`` float32 with zero mean and unit standard deviation.

    ``cell`` is the coarsest feature size in pixels; each octave halves it (Perlin,
    "An image synthesizer", SIGGRAPH 1985, with bicubic value noise instead of gradients).
    """
    out = np.zeros((h, w), dtype=np.float32)
    amp = 1.0
    for _ in range(octaves):
        c = max(cell, 1.0)
        gh, gw = int(h / c) + 4, int(w / c) + 4
        grid = rng.standard_normal((gh, gw)).astype(np.float32)
        up = cv2.resize(grid, (int(gw * c), int(gh * c)), interpolation=cv2.INTER_CUBIC)
        out += amp * up[:h, :w]
        amp *= gain
        cell /= 2.0
    return (out - out.mean()) / max(float(out.std()), 1e-6)


def mottle(h: int, w: int, rng: np.random.Generator, cell: float, amount: float,
           octaves: int = 4) -> np.ndarray:
    """Positive multiplicative texture ``exp(amount * fbm)`` ``(H, W)``: never zero or negative."""
    return np.exp(amount * fbm(h, w, rng, cell, octaves))


def lambert(normals: np.ndarray, light: tuple[float, float, float],
            ambient: float = 0.02) -> np.ndarray:
    """Diffuse shading ``ambient + max(0, n . l)`` for ``(H, W, 3)`` normals; returns ``(H, W)``."""
    lv = np.asarray(light, dtype=np.float32)
    lv = lv / np.linalg.norm(lv)
    return ambient + np.maximum(normals @ lv, 0.0)


def highlight(normals: np.ndarray, light: tuple[float, float, float],
              power: float = 60.0) -> np.ndarray:
    """Blinn-Phong specular lobe ``max(0, n . h) ** power`` (viewer along +z); ``(H, W)``."""
    lv = np.asarray(light, dtype=np.float32)
    half = lv / np.linalg.norm(lv) + np.array([0.0, 0.0, 1.0], dtype=np.float32)
    half /= np.linalg.norm(half)
    return np.power(np.maximum(normals @ half, 0.0), power)


def stripes(coord: np.ndarray, period: float, duty: float = 0.5) -> np.ndarray:
    """Anti-aliased square wave of ``coord`` (pixels) with the given period: 1 on, 0 off."""
    phase = np.mod(coord, period)
    on = period * duty
    inside = np.minimum(phase, on - phase)  # distance to the nearer edge, >= 0 when on
    outside = -np.minimum(phase - on, period - phase)  # negative distance when off
    signed = np.where(phase < on, inside, outside)
    return np.clip(signed + 0.5, 0.0, 1.0).astype(np.float32)


def checker(canvas: Canvas, period_px: float) -> np.ndarray:
    """Anti-aliased checkerboard ``(H, W)`` in ``{0, 1}`` with squares of ``period_px`` pixels."""
    sx = stripes(canvas.x * canvas.w, 2 * period_px)
    sy = stripes(canvas.y * canvas.h, 2 * period_px)
    return (sx * sy + (1 - sx) * (1 - sy)).astype(np.float32)
