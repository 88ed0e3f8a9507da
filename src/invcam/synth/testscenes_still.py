"""Test-set scenes, part 2: ``speculars`` (metal and glass glints) and ``text`` (print).

Like :mod:`invcam.synth.testscenes`, written apart from the tuning scenes: builders
``(h, w, rng) -> (radiance (H, W, 3) float32, depth (H, W) float32 metres)`` that
share only the :class:`Canvas` and texture helpers of :mod:`invcam.synth.textures`.
"""

from __future__ import annotations

import cv2
import numpy as np

from invcam.photometry import REC709_Y
from invcam.synth.testscenes import col, grain
from invcam.synth.textures import Canvas, fbm, highlight, lambert, mottle, stripes

KEY_LIGHT = (-0.55, -0.75, 0.6)  # upper left, x right, y down, z to the camera
GLINT_OVER_MEDIAN = 40.0  # peak of a glint over the scene's median luminance
WORDS = ("LIGHT", "FOCUS", "range", "exposure", "lens", "STUDIO", "print", "24 mm",
         "ISO 100", "f/2.8", "hdr", "grain", "depth", "contrast", "shutter", "NIGHT")


def glint(c: Canvas, cx: float, cy: float) -> np.ndarray:
    """Gaussian glint ``(H, W)`` with peak 1, about 3 px across at 600 rows (never < 0.6 px)."""
    sigma = max(0.002 * c.h, 0.6)
    d2 = ((c.x - cx) * c.w) ** 2 + ((c.y - cy) * c.h) ** 2
    return np.exp(-0.5 * d2 / sigma**2).astype(np.float32)


def glint_spot(c: Canvas, cx: float, cy: float, r: float) -> tuple[float, float]:
    """Where a ball at ``(cx, cy)`` of radius ``r`` (height fraction) mirrors the key light."""
    half = np.asarray(KEY_LIGHT) / np.linalg.norm(KEY_LIGHT) + np.array([0.0, 0.0, 1.0])
    half /= np.linalg.norm(half)
    return cx + half[0] * r * c.h / c.w, cy + half[1] * r


def _still_set(c: Canvas, rng: np.random.Generator) -> None:
    """Dark linen drape at 3.6 m with folds, and a slate table top receding from 0.8 m."""
    wave = np.sin(2 * np.pi * (6 * c.x + 0.15 * fbm(1, c.w, rng, c.w / 6, 2)))
    folds = 0.02 + (0.5 + 0.5 * wave) ** 2
    weave = 0.8 + 0.2 * stripes(c.x * c.w, 2.5, 0.5) * stripes(c.y * c.h, 2.5, 0.5)
    drape = col(0.35, 0.16, 0.12) * (0.09 * folds * weave * grain(c, rng, 0.1, 0.05))[..., None]
    c.paint(np.ones((c.h, c.w)), drape, 3.6)
    pool = 0.25 + np.exp(-(((c.x - 0.45) / 0.4) ** 2))
    slate = col(0.3, 0.3, 0.32) * (0.1 * pool * mottle(c.h, c.w, rng, c.h / 15, 0.25))[..., None]
    c.paint(c.rect(-0.1, 0.6, 1.1, 1.1), slate, c.ground(0.6, 0.8, 3.4))


def _bottle(c: Canvas, rng: np.random.Generator, glints: list) -> None:
    """Green glass bottle at 3 m: dark body, a window reflection streak, two glints."""
    body = c.polygon([(0.14, 0.58), (0.14, 0.3), (0.17, 0.24), (0.185, 0.12), (0.205, 0.12),
                      (0.22, 0.24), (0.25, 0.3), (0.25, 0.58)])
    u = np.clip((c.x - 0.195) / 0.055, -1, 1)
    glass = col(0.08, 0.3, 0.12) * (0.05 + 0.1 * (1 - u * u))[..., None]
    streak = np.exp(-(((c.x - 0.165) / 0.006) ** 2)) * (c.y > 0.31)
    c.paint(body, glass + col(1.0, 1.0, 0.95) * (0.35 * streak)[..., None], 3.0)
    label = c.rect(0.145, 0.4, 0.245, 0.5)
    paper = col(0.85, 0.8, 0.65) * (0.18 * (0.7 + 0.3 * stripes(c.y * c.h, c.h / 90)))[..., None]
    c.paint(label, paper * grain(c, rng, 0.05, 0.1)[..., None], 2.99)
    glints += [(0.166, 0.32, 3.0), (0.19, 0.13, 3.0)]


def _metal_ball(c: Canvas, centre: tuple[float, float, float], depth: float,
                tint: np.ndarray, brushed: np.ndarray, glints: list) -> None:
    """A shaded metal ball (chrome ornament, copper kettle) with its highlight and glint."""
    cx, cy, r = centre
    cover, n = c.sphere(cx, cy, r)
    env = 0.06 + 0.25 * np.clip(-n[..., 1], 0, 1) ** 2  # the room above mirrored
    shade = lambert(n, KEY_LIGHT, 0.05) * brushed * (0.15 + env)
    spec = 0.1 * highlight(n, KEY_LIGHT, 80)
    c.paint(cover, tint * shade[..., None] + spec[..., None], depth - 0.05 * n[..., 2] * r * 10)
    glints.append((*glint_spot(c, cx, cy, r), depth))


def _objects(c: Canvas, rng: np.random.Generator, glints: list) -> None:
    """Chrome ornament (2.8 m), copper kettle (1.8 m), orange and gingham napkin (0.9 m)."""
    _bottle(c, rng, glints)
    c.paint(c.rect(0.355, 0.52, 0.375, 0.6), col(0.05, 0.05, 0.05), 2.8)
    _metal_ball(c, (0.365, 0.45, 0.07), 2.8, col(0.9, 0.92, 0.95), np.ones((1, 1)), glints)
    brushed = 0.8 + 0.2 * stripes(c.y * c.h + 2 * fbm(c.h, c.w, rng, 3, 2), 2.0, 0.5)
    spout = c.polygon([(0.72, 0.6), (0.84, 0.46), (0.86, 0.47), (0.76, 0.66)])
    c.paint(spout, col(0.7, 0.35, 0.18) * 0.12, 1.85)
    _metal_ball(c, (0.62, 0.58, 0.16), 1.8, col(0.95, 0.55, 0.3), brushed, glints)
    c.paint(c.disc(0.62, 0.41, 0.025), col(0.1, 0.06, 0.04), 1.78)
    _metal_ball(c, (0.625, 0.4, 0.018), 1.76, col(0.9, 0.7, 0.4), np.ones((1, 1)), glints)
    check = 0.35 + 0.65 * np.maximum(stripes(c.x * c.w, c.h / 25), stripes(c.y * c.h, c.h / 25))
    cloth = col(0.6, 0.1, 0.1) * (0.05 * check * grain(c, rng, 0.05, 0.2))[..., None]
    c.paint(c.polygon([(0.55, 0.86), (1.05, 0.8), (1.05, 1.05), (0.5, 1.05)]), cloth, 0.9)
    cover, n = c.sphere(0.22, 0.84, 0.12)
    peel = 0.85 + 0.15 * np.tanh(fbm(c.h, c.w, rng, 1.5, 2))
    orange = col(0.9, 0.4, 0.05) * (0.08 * lambert(n, KEY_LIGHT, 0.05) * peel)[..., None]
    c.paint(cover, orange + (0.03 * highlight(n, KEY_LIGHT, 20))[..., None], 0.9 - 0.1 * n[..., 2])


def speculars(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Still life with small glints on metal and glass at 3, 2.8 and 1.8 m; matte things near.

    Each glint peaks at :data:`GLINT_OVER_MEDIAN` times the median luminance of the rest
    of the scene (the scene's exposure key makes them clip in all but the short exposure).
    """
    c = Canvas(h, w, depth=3.6)
    _still_set(c, rng)
    glints: list[tuple[float, float, float]] = []
    _objects(c, rng, glints)
    median = float(np.median(c.radiance @ REC709_Y))
    for gx, gy, _ in glints:
        c.radiance += (GLINT_OVER_MEDIAN * median * glint(c, gx, gy))[..., None] * col(1, 1, 0.97)
    return c.radiance, c.depth


def text_mask(c: Canvas, items: list[tuple[str, float, float, float, float]]) -> np.ndarray:
    """Coverage ``(H, W)`` of text lines ``(text, x, y, cap height, stroke)`` (height fractions).

    Rendered with OpenCV's Hershey font, anti-aliased; ``(x, y)`` is the baseline start.
    """
    mask = np.zeros((c.h, c.w), dtype=np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for text, x, y, size, stroke in items:
        scale = size * c.h / 22.0
        thick = max(1, round(stroke * c.h))
        cv2.putText(mask, text, (round(x * c.w), round(y * c.h)), font, scale, 255, thick,
                    cv2.LINE_AA)
    return mask.astype(np.float32) / 255.0


def _words(rng: np.random.Generator, n: int) -> str:
    return " ".join(rng.choice(WORDS, n))


def _brick_wall(c: Canvas, rng: np.random.Generator) -> None:
    """Painted brick wall at 4.5 m: courses with offset joints, per-brick tone, dim."""
    course = c.h / 28
    row = np.floor(c.y * c.h / course)
    joint_x = stripes(c.x * c.w + (row % 2) * course * 1.5, 3 * course, 0.94)
    joint_y = stripes(c.y * c.h, course, 0.86)
    tone = mottle(c.h, c.w, rng, course * 1.5, 0.15, 1) * grain(c, rng, 0.05, 0.12)
    light = 0.01 + 0.14 * np.exp(-(((c.x - 0.6) / 0.5) ** 2) - ((c.y - 0.1) / 0.6) ** 2)
    brick = (0.6 + 0.4 * joint_x * joint_y) * tone * light
    c.paint(np.ones((c.h, c.w)), col(0.8, 0.78, 0.74) * brick[..., None], 4.5)


def _screen(c: Canvas, rng: np.random.Generator) -> None:
    """Bright monitor at 4.2 m showing a document: black text on a white page."""
    c.paint(c.rect(0.04, 0.08, 0.34, 0.44), col(0.02, 0.02, 0.022), 4.2)
    c.paint(c.rect(0.17, 0.44, 0.21, 0.52), col(0.03, 0.03, 0.03), 4.25)
    page = col(0.95, 0.97, 1.0) * 4.0
    c.paint(c.rect(0.05, 0.1, 0.33, 0.42), page, 4.2)
    c.paint(c.rect(0.05, 0.1, 0.33, 0.13), col(0.2, 0.35, 0.8) * 1.2, 4.2)
    lines = [(_words(rng, 3), 0.07, 0.17 + 0.03 * i, 0.012, 0.0015) for i in range(8)]
    ink = text_mask(c, lines) * c.rect(0.05, 0.13, 0.33, 0.42)
    c.paint(ink, col(0.03, 0.03, 0.04), 4.2)


def _poster(c: Canvas, rng: np.random.Generator) -> None:
    """Poster at 2 m: a bold title, body text, a colour band and a barcode."""
    box = (0.42, 0.06, 0.74, 0.66)
    paper = col(0.92, 0.9, 0.85) * (0.55 * grain(c, rng, 0.04, 0.06))[..., None]
    c.paint(c.rect(*box), paper, 2.0)
    c.paint(c.rect(0.44, 0.25, 0.72, 0.33), col(0.75, 0.2, 0.1) * 0.45, 2.0)
    title = text_mask(c, [("FOCUS", 0.45, 0.15, 0.055, 0.008), ("& LIGHT", 0.47, 0.22, 0.04,
                                                                  0.006)])
    c.paint(title, col(0.02, 0.02, 0.03), 2.0)
    body = [(_words(rng, 3), 0.45, 0.38 + 0.028 * i, 0.011, 0.0015) for i in range(5)]
    c.paint(text_mask(c, body), col(0.03, 0.03, 0.03), 2.0)
    widths = rng.choice([1.0, 2.0, 3.0], 40) * 0.0016
    edges = 0.46 + np.concatenate([[0.0], np.cumsum(widths)])
    for i in range(0, len(widths), 2):
        c.paint(c.rect(edges[i], 0.55, edges[i + 1], 0.63), col(0.02, 0.02, 0.02), 2.0)


def _chart(c: Canvas) -> None:
    """Resolution chart at 0.85 m: bar groups at five frequencies and a Siemens star."""
    c.paint(c.rect(0.03, 0.5, 0.4, 0.98), col(0.9, 0.9, 0.88) * 0.22, 0.85)
    ink = np.zeros((c.h, c.w), dtype=np.float32)
    x = 0.05
    for period in (0.02, 0.014, 0.01, 0.007, 0.005):
        span = 2.5 * period
        bars_v = stripes((c.x - x) * c.w, period * c.h, 0.5) * c.rect(x, 0.53, x + span * c.h
                                                                       / c.w, 0.66)
        bars_h = stripes((c.y - 0.69) * c.h, period * c.h, 0.5) * c.rect(x, 0.69, x + 0.035,
                                                                         0.69 + span)
        ink = np.maximum(ink, np.maximum(bars_v, bars_h))
        x += 0.04
    ang = np.arctan2((c.y - 0.85) * c.h, (c.x - 0.16) * c.w)
    star = stripes(ang * 12 / np.pi * 50, 100, 0.5) * c.disc(0.16, 0.85, 0.09)
    edge = c.polygon([(0.29, 0.78), (0.37, 0.775), (0.375, 0.93), (0.295, 0.935)])
    ink = np.maximum(ink, np.maximum(star, edge))
    c.paint(ink, col(0.012, 0.012, 0.012), 0.85)


def text(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Print and fine edges at three depths: a bright screen with text (4.2 m), a poster
    with a barcode (2 m) and a resolution chart (0.85 m), in front of a brick wall."""
    c = Canvas(h, w, depth=4.5)
    _brick_wall(c, rng)
    _screen(c, rng)
    _poster(c, rng)
    desk = col(0.3, 0.22, 0.15) * (0.012 * grain(c, rng, 0.1, 0.15))[..., None]
    c.paint(c.rect(-0.1, 0.88, 1.1, 1.1), desk, c.ground(0.88, 0.8, 2.5))
    _chart(c)
    return c.radiance, c.depth
