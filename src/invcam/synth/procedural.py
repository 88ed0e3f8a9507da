"""Procedural scenes: all-in-focus linear radiance ``(H, W, 3)`` and depth ``(H, W)`` in metres.

Each builder takes ``(h, w, rng)`` and paints far to near on a :class:`Canvas`. Radiance
is in arbitrary linear units (the stack generator rescales it to an exposure); every
scene mixes light sources or windows, deep shadows, texture at several scales and colour,
with a dynamic range well above 1000:1.
"""

from __future__ import annotations

import numpy as np

from invcam.synth.textures import Canvas, checker, fbm, highlight, lambert, mottle, stripes

SKY = 1.0e4  # "infinity" in metres: 1/d = 1e-4 diopter


def rgb(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float32)


def _glow(c: Canvas, cx: float, cy: float, r: float) -> np.ndarray:
    """Soft halo ``(H, W)`` around a light: ``1 / (1 + (dist / r)^2)``, ``r`` a height fraction."""
    d2 = ((c.x - cx) * c.w) ** 2 + ((c.y - cy) * c.h) ** 2
    return 1.0 / (1.0 + d2 / (r * c.h) ** 2)


def smoothstep(a: float, b: float, v: np.ndarray) -> np.ndarray:
    """Hermite step from 0 (``v <= a``) to 1 (``v >= b``)."""
    t = np.clip((v - a) / (b - a), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _above(v: np.ndarray, line: np.ndarray, px: float) -> np.ndarray:
    """Anti-aliased coverage of ``v > line`` where one unit of ``v`` spans ``px`` pixels."""
    return np.clip((v - line) * px + 0.5, 0.0, 1.0)


def outdoor_view(c: Canvas, rng: np.random.Generator, box: tuple[float, float, float, float],
                 level: float) -> None:
    """Daylight seen through a window ``box = (x0, y0, x1, y1)``: sky, clouds, hills, trees.

    ``level`` is the radiance of the sky near the horizon; hills and trees are darker.
    """
    x0, y0, x1, y1 = box
    h, w = c.h, c.w
    cover = c.rect(x0, y0, x1, y1)
    v = (c.y - y0) / (y1 - y0)
    sky = rgb(0.45, 0.62, 1.0) * (0.6 + 0.4 * np.clip(v, 0, 1))[..., None]
    cloud = smoothstep(0.3, 1.4, fbm(h, w, rng, h / 5, 5) + 0.4 * fbm(h, w, rng, h / 2, 1))
    c.paint(cover, level * (sky + (rgb(1.1, 1.1, 1.1) - sky) * cloud[..., None]), SKY)
    ridge = 0.55 + 0.05 * np.sin(7 * c.x + 1) + 0.03 * fbm(1, w, rng, w / 10, 3)
    haze = rgb(0.45, 0.55, 0.6) * mottle(h, w, rng, h / 30, 0.15)[..., None]
    c.paint(cover * _above(v, ridge, (y1 - y0) * h), 0.35 * level * haze, 900.0)
    tops = 0.75 + 0.04 * fbm(1, w, rng, w / 40, 3) + 0.02 * np.sin(25 * c.x)
    trees = rgb(0.18, 0.32, 0.1) * mottle(h, w, rng, h / 80, 0.35, 3)[..., None]
    c.paint(cover * _above(v, tops, (y1 - y0) * h), 0.12 * level * trees, 60.0)


def demo(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Small test scene: checker wall with a sunny window, a striped box, a red ball."""
    c = Canvas(h, w, depth=6.0)
    light = np.exp(-3.0 * c.x) * (1.1 - 0.6 * c.y) + 0.004
    wall = rgb(0.35, 0.42, 0.55) * (0.55 + 0.45 * checker(c, h / 14))[..., None]
    wall *= (mottle(h, w, rng, h / 6, 0.12) * mottle(h, w, rng, 3, 0.08, 2))[..., None]
    c.paint(np.ones((h, w)), wall * light[..., None], 6.0)
    outdoor_view(c, rng, (0.05, 0.08, 0.33, 0.5), 1.6)
    bars = np.maximum(c.rect(0.185, 0.08, 0.195, 0.5), c.rect(0.05, 0.285, 0.33, 0.295))
    c.paint(bars, rgb(0.02, 0.015, 0.01), 6.0)
    floor = c.ground(0.68, 1.2, 6.0)
    grain = stripes(c.x * w + 6 * fbm(h, w, rng, h / 10), w / 25)
    wood = rgb(0.5, 0.3, 0.15) * (0.7 + 0.3 * grain)[..., None]
    c.paint(c.rect(0, 0.68, 1, 1), wood * (0.6 * light[..., None] + 0.01), floor)
    c.paint(c.ellipse(0.5, 0.9, 0.28, 0.06), rgb(0.0006, 0.0005, 0.0004), floor)
    label = 0.4 + 0.6 * stripes(c.y * h, h / 30)
    c.paint(c.rect(0.56, 0.3, 0.78, 0.78), rgb(0.9, 0.7, 0.1) * (label * light)[..., None], 2.5)
    cover, n = c.sphere(0.36, 0.68, 0.2)
    key = (-0.7, -0.6, 0.5)
    ball = rgb(0.8, 0.08, 0.05) * lambert(n, key, 0.005)[..., None]
    c.paint(cover, ball + 60.0 * highlight(n, key, 300)[..., None], 1.2 - 0.15 * n[..., 2])
    return c.radiance, c.depth


def _studio_set(c: Canvas, rng: np.random.Generator) -> None:
    """Backdrop paper, softbox on a stand and the wooden table top of the studio."""
    h, w = c.h, c.w
    pool = np.exp(-(((c.x - 0.55) / 0.3) ** 2 + ((c.y - 0.35) / 0.35) ** 2)) + 0.002
    grain = mottle(h, w, rng, h / 5, 0.1) * mottle(h, w, rng, 2, 0.06, 2)
    c.paint(np.ones((h, w)), rgb(0.5, 0.46, 0.42) * (grain * pool)[..., None], 4.5)
    glow = 1 - 0.5 * np.abs(c.x - 0.08) / 0.06
    c.paint(c.rect(0.02, -0.1, 0.14, 0.2), rgb(0.95, 0.97, 1.0) * (30.0 * glow)[..., None], 3.5)
    c.paint(c.rect(0.075, 0.2, 0.085, 0.62), rgb(0.01, 0.01, 0.01), 3.5)
    rings = c.y * h + 8 * fbm(h, w, rng, h / 3, 3) + 2 * fbm(h, w, rng, 6, 2)
    wood = rgb(0.45, 0.24, 0.11) * (0.6 + 0.4 * stripes(rings, h / 40, 0.4))[..., None]
    fall = 0.1 + 0.9 * np.exp(-(((c.x - 0.5) / 0.4) ** 2))
    c.paint(c.rect(-0.1, 0.62, 1.1, 1.1), wood * fall[..., None], c.ground(0.62, 0.9, 2.6))


def studio(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Still life: softbox, glazed vase, red ball, candle flame, a book, deep table shadows."""
    c = Canvas(h, w)
    _studio_set(c, rng)
    key = (-0.8, -0.5, 0.6)
    floor = c.ground(0.62, 0.9, 2.6)
    for sx, sy, rx in ((0.8, 0.64, 0.12), (0.57, 0.8, 0.12)):
        c.paint(c.ellipse(sx, sy, rx, 0.03), rgb(0.0008, 0.0006, 0.0005), floor)
    body, n = c.sphere(0.72, 0.47, 0.16)
    neck = c.rect(0.695, 0.22, 0.745, 0.4)
    glaze = rgb(0.1, 0.25, 0.6) * (0.75 + 0.25 * stripes(c.y * h, h / 45))[..., None]
    vase = glaze * lambert(n, key, 0.01)[..., None] + 15 * highlight(n, key, 400)[..., None]
    c.paint(np.maximum(body, neck), vase, 2.2 - 0.1 * n[..., 2])
    cover, n = c.sphere(0.47, 0.72, 0.11)
    ball = rgb(0.75, 0.06, 0.04) * lambert(n, key, 0.005)[..., None]
    c.paint(cover, ball + 40 * highlight(n, key, 500)[..., None], 1.6 - 0.08 * n[..., 2])
    wax = rgb(0.8, 0.78, 0.7) * (0.15 + 0.2 * (c.x > 0.9))[..., None]
    c.paint(c.rect(0.88, 0.5, 0.92, 0.8), wax, 1.35)
    c.radiance += rgb(1.0, 0.55, 0.2) * 0.05 * _glow(c, 0.9, 0.46, 0.04)[..., None]
    c.paint(c.ellipse(0.9, 0.46, 0.01, 0.03), rgb(1.0, 0.65, 0.25) * 60.0, 1.35)
    book = c.polygon([(0.0, 0.8), (0.3, 0.77), (0.36, 1.0), (0.0, 1.0)])
    lines = stripes(c.x * w + 3 * fbm(h, w, rng, 4, 1), w / 90, 0.6)
    text = 1 - 0.6 * stripes(c.y * h, h / 60, 0.3) * lines
    c.paint(book, rgb(0.15, 0.35, 0.12) * (0.3 + 0.3 * text)[..., None], 1.0)
    return c.radiance, c.depth


def _window_room(c: Canvas, rng: np.random.Generator) -> None:
    """Wallpapered wall lit by the window, the window with its frame, sill and sunny floor."""
    h, w = c.h, c.w
    lit = 0.0005 + 0.12 * np.exp(-(((c.x - 0.58) / 0.25) ** 2)) * (1.1 - c.y) ** 2
    diamonds = np.abs(np.sin(np.pi * c.x * w / (h / 12)) * np.sin(np.pi * c.y * h / (h / 12)))
    paper = (0.75 + 0.25 * stripes(c.x * w, w / 30, 0.2)) * (0.8 + 0.2 * diamonds)
    c.paint(np.ones((h, w)), rgb(0.6, 0.5, 0.32) * (paper * lit)[..., None], 3.2)
    outdoor_view(c, rng, (0.36, 0.1, 0.8, 0.62), 0.25)
    frame = np.zeros((h, w), dtype=np.float32)
    for box in ((0.34, 0.08, 0.82, 0.1), (0.34, 0.62, 0.82, 0.64), (0.34, 0.08, 0.36, 0.64),
                (0.8, 0.08, 0.82, 0.64), (0.575, 0.1, 0.585, 0.62), (0.36, 0.355, 0.8, 0.365)):
        frame = np.maximum(frame, c.rect(*box))
    c.paint(frame, rgb(0.012, 0.01, 0.008), 3.1)
    c.paint(c.rect(0.32, 0.64, 0.84, 0.67), rgb(0.7, 0.65, 0.55) * 0.4, 3.0)
    planks = stripes((c.x - 0.55) * w / np.maximum(c.y - 0.7, 0.02), w / 8, 0.92)
    boards = rgb(0.4, 0.25, 0.12) * (0.5 + 0.5 * planks * mottle(h, w, rng, 5, 0.2, 2))[..., None]
    sun = c.polygon([(0.45, 0.78), (0.85, 0.78), (1.0, 0.98), (0.52, 0.98)])
    shade = 0.0005 + 0.04 * np.exp(-(((c.x - 0.6) / 0.3) ** 2)) + 0.4 * sun
    c.paint(c.rect(-0.1, 0.75, 1.1, 1.1), boards * shade[..., None], c.ground(0.75, 1.1, 3.2))


def window(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Dim interior facing a sunlit window, with a house plant close to the camera."""
    c = Canvas(h, w)
    _window_room(c, rng)
    chair = c.polygon([(0.88, 0.5), (1.0, 0.46), (1.0, 1.0), (0.9, 1.0), (0.86, 0.72)])
    weave = 0.0006 * mottle(h, w, rng, 2, 0.3, 2) * (0.7 + 0.3 * checker(c, h / 150))
    c.paint(chair, rgb(0.5, 0.3, 0.3) * weave[..., None], 1.8)
    pot = c.polygon([(0.04, 0.82), (0.22, 0.82), (0.2, 1.0), (0.06, 1.0)])
    c.paint(pot, rgb(0.5, 0.2, 0.08) * (0.001 + 0.01 * (c.x > 0.14))[..., None], 0.95)
    veins = 1 - 0.3 * stripes(c.x * w + c.y * h, h / 80, 0.2)
    for _ in range(28):
        ang = rng.uniform(-2.6, -0.5)
        length = rng.uniform(0.12, 0.3)
        cx = 0.13 + 0.8 * length * np.cos(ang) / 1.5
        cy = 0.82 + 0.8 * length * np.sin(ang)
        leaf = c.ellipse(cx, cy, length * 0.5, length * 0.12, ang)
        tone = rng.uniform(0.5, 1.2) * (0.004 + 0.06 * np.clip(cx - 0.15, 0, 1))
        c.paint(leaf, rgb(0.12, 0.4, 0.08) * (tone * veins)[..., None], rng.uniform(0.8, 1.05))
    return c.radiance, c.depth


def _buildings(c: Canvas, rng: np.random.Generator, depth: float, top: tuple[float, float],
               cell: float, lit: float, gap: float) -> None:
    """A row of buildings at ``depth`` m, with a grid of randomly lit windows of ``cell`` H."""
    h, w = c.h, c.w
    px, py = c.x * w / (cell * h), c.y * h / (cell * h)
    grid = stripes(px * 10, 10, 0.5) * stripes(py * 10, 10, 0.45)
    bricks = rgb(0.6, 0.55, 0.6) * (0.0015 * mottle(h, w, rng, 3, 0.3, 2))[..., None]
    x = rng.uniform(-0.05, 0.0)
    while x < 1.0:
        bw = rng.uniform(0.06, 0.14)
        y0 = rng.uniform(*top)
        on = rng.random((int(1 / cell) + 2, int(w / (cell * h)) + 2)) < lit
        glow = on[py.astype(int).clip(0, on.shape[0] - 1), px.astype(int).clip(0, on.shape[1] - 1)]
        tint = rgb(1.0, 0.75, 0.4) * rng.uniform(0.5, 1.0)
        windows = tint * (0.5 * grid * glow * (c.y > y0 + cell))[..., None]
        c.paint(c.rect(x, y0, x + bw, 1.1), bricks + windows, depth)
        x += bw + rng.uniform(0.0, gap)


def city(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Night street: dark sky, lit windows at three depths, sodium lamps, neon, a railing."""
    c = Canvas(h, w, depth=SKY)
    sky = rgb(0.004, 0.006, 0.016) + rgb(0.02, 0.012, 0.006) * np.exp(-(1 - c.y) * 4)[..., None]
    c.paint(np.ones((h, w)), sky * mottle(h, w, rng, h / 4, 0.1)[..., None], SKY)
    _buildings(c, rng, 400.0, (0.22, 0.38), 0.012, 0.35, 0.0)
    _buildings(c, rng, 80.0, (0.3, 0.5), 0.022, 0.4, 0.12)
    facade = rgb(0.006, 0.005, 0.004) * (1 + 0.3 * checker(c, h / 60))[..., None]
    c.paint(c.rect(0.72, 0.0, 1.1, 1.1), facade, 15.0)
    c.paint(c.rect(0.76, 0.35, 0.97, 0.42), rgb(1.0, 0.1, 0.6) * 0.6, 15.0)
    shop = rgb(0.9, 0.85, 0.7) * (0.12 * (0.6 + 0.4 * stripes(c.x * w, w / 50)))[..., None]
    c.paint(c.rect(0.76, 0.5, 0.97, 0.7), shop, 15.0)
    asphalt = 0.002 * mottle(h, w, rng, 2, 0.4, 2)
    streak = 0.1 * np.exp(-(((c.x - 0.35) / 0.01) ** 2)) * (c.y > 0.75)
    road = (asphalt + streak)[..., None] * rgb(1.0, 0.7, 0.35)
    c.paint(c.rect(-0.1, 0.72, 0.72, 1.1), road, c.ground(0.72, 2.5, 400.0))
    for lx, top, d in ((0.35, 0.3, 12.0), (0.62, 0.45, 30.0)):
        pole = c.rect(lx - 0.004, top, lx + 0.004, 0.9 - 0.1 * (d > 20))
        c.paint(pole, rgb(0.001, 0.001, 0.001), d)
        c.radiance += rgb(1.0, 0.6, 0.25) * 0.03 * _glow(c, lx, top, 0.015)[..., None]
        c.paint(c.disc(lx, top, 0.012), rgb(1.0, 0.7, 0.3) * 40.0, d)
    rail = np.maximum(c.rect(-0.1, 0.8, 1.1, 0.815), c.rect(-0.1, 0.95, 1.1, 0.96))
    rail = np.maximum(rail, c.rect(0, 0.8, 1, 1.1) * stripes(c.x * w, w / 14, 0.08))
    metal = rgb(0.0001, 0.0001, 0.00012) + rgb(0.3, 0.2, 0.1) * 0.01 * (c.y < 0.82)[..., None]
    c.paint(rail, metal, 2.0)
    return c.radiance, c.depth
