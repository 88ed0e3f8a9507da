"""Test-set scenes, part 1: ``bars`` (a room with a barred window) and ``fence``.

The test set is kept apart from the tuning scenes of :mod:`invcam.synth.procedural`:
these builders share no scene code with them (only the low-level :class:`Canvas`,
noise and shading helpers of :mod:`invcam.synth.textures`), and no default of the
method is ever chosen on them. Each builder takes ``(h, w, rng)`` and returns linear
radiance ``(H, W, 3)`` float32 and depth ``(H, W)`` float32 in metres. Bright things
are far and dark things near, so the 3-image ``diagonal`` layout (near focus + long
exposure, middle + middle, far focus + short exposure) sees each sharp and exposed.
"""

from __future__ import annotations

import numpy as np

from invcam.photometry import REC709_Y
from invcam.synth.textures import Canvas, fbm, lambert, mottle, stripes

INFINITY_M = 1.0e4  # sky depth
BARS_WALL_M = 5.0  # the far wall and its window
BARS_SKY_RATIO = 52.0  # sky radiance over the wall's median, 40-65 with the cloud texture
BAR_REFLECTANCE = 0.05  # window bars, relative to the wall
BAR_WIDTH = 3.0 / 240.0  # of the height: 3 px at 240 rows, scaling with the size


def col(r: float, g: float, b: float) -> np.ndarray:
    """An RGB triple ``(3,)`` float32."""
    return np.array([r, g, b], dtype=np.float32)


def luma(rgb: np.ndarray) -> float:
    """Rec. 709 luminance of a ``(3,)`` colour."""
    return float(rgb @ REC709_Y)


def grain(c: Canvas, rng: np.random.Generator, coarse: float, fine: float) -> np.ndarray:
    """Two-scale multiplicative material texture ``(H, W)`` around 1 (plaster, paper)."""
    return mottle(c.h, c.w, rng, c.h / 6, coarse) * mottle(c.h, c.w, rng, 1.5, fine, 2)


def _room_wall(c: Canvas, rng: np.random.Generator) -> float:
    """Plaster back wall, brightest beside the window; returns its median luminance."""
    paint = col(0.74, 0.69, 0.6)
    light = 0.5 + 0.5 * np.exp(-(((c.x - 0.3) / 0.5) ** 2) - ((c.y - 0.35) / 0.8) ** 2)
    c.paint(np.ones((c.h, c.w)), paint * (grain(c, rng, 0.06, 0.05) * light)[..., None],
            BARS_WALL_M)
    skirting = c.rect(-0.1, 0.8, 1.1, 0.83)
    c.paint(skirting, col(0.55, 0.52, 0.48) * 0.7, BARS_WALL_M - 0.02)
    return float(np.median(c.radiance @ REC709_Y))


def _window(c: Canvas, rng: np.random.Generator, wall: float) -> None:
    """Window in the far wall: cloudy sky at ``BARS_SKY_RATIO`` x the wall, roofs, bars."""
    x0, y0, x1, y1 = 0.12, 0.1, 0.44, 0.55
    sky_rgb = col(0.82, 0.9, 1.08)
    clouds = 1.0 + 0.08 * np.tanh(fbm(c.h, c.w, rng, c.h / 7, 4))
    sky = sky_rgb / luma(sky_rgb) * (BARS_SKY_RATIO * wall) * clouds[..., None]
    c.paint(c.rect(x0, y0, x1, y1), sky, INFINITY_M)
    roofs = np.full((1, c.w), 0.5, dtype=np.float32)
    for _ in range(9):  # gabled roofs of the houses across the street
        rx, rw, top = rng.uniform(x0 - 0.04, x1), rng.uniform(0.04, 0.09), rng.uniform(0.36, 0.46)
        gable = top + 0.8 * np.abs(c.x - rx) * c.w / c.h
        roofs = np.minimum(roofs, np.where(np.abs(c.x - rx) < rw, gable, 1.0))
    tiles = col(0.5, 0.36, 0.3) * (6.0 * wall * mottle(c.h, c.w, rng, 2, 0.25, 2))[..., None]
    c.paint(c.rect(x0, y0, x1, y1) * (c.y > roofs), tiles, 300.0)
    frame = col(0.8, 0.78, 0.74) * 0.75 * wall / 0.7
    t = 0.015
    for box in ((x0 - t, y0 - t, x1 + t, y0), (x0 - t, y1, x1 + t, y1 + 2 * t),
                (x0 - t, y0, x0, y1), (x1, y0, x1 + t, y1)):
        c.paint(c.rect(*box), frame, BARS_WALL_M - 0.05)
    bw, metal = BAR_WIDTH, col(0.3, 0.31, 0.33) / luma(col(0.3, 0.31, 0.33))
    dx = bw * c.h / c.w
    for bx in np.linspace(x0, x1, 6)[1:-1]:
        c.paint(c.rect(bx - dx / 2, y0, bx + dx / 2, y1), metal * BAR_REFLECTANCE * wall,
                BARS_WALL_M - 0.1)
    for by in (0.25, 0.4):
        c.paint(c.rect(x0, by - bw / 2, x1, by + bw / 2), metal * BAR_REFLECTANCE * wall,
                BARS_WALL_M - 0.1)


def _pinboard(c: Canvas, rng: np.random.Generator) -> None:
    """Cork pinboard at 2 m with pinned notes, a photo and coloured pins."""
    cork = col(0.55, 0.38, 0.22) * (grain(c, rng, 0.1, 0.3) * 0.55)[..., None]
    c.paint(c.rect(0.5, 0.14, 0.95, 0.66), col(0.28, 0.17, 0.09) * 0.4, 2.02)
    c.paint(c.rect(0.515, 0.165, 0.935, 0.635), cork, 2.0)
    writing = stripes(c.y * c.h, c.h / 40, 0.35) * (0.6 + 0.4 * (fbm(c.h, c.w, rng, 3, 2) > 0))
    for i in range(4):
        nx, ny = 0.54 + 0.1 * i + rng.uniform(-0.01, 0.01), 0.2 + rng.uniform(0.0, 0.2)
        note = c.polygon([(nx, ny), (nx + 0.08, ny + 0.005), (nx + 0.078, ny + 0.2),
                          (nx - 0.003, ny + 0.195)])
        paper = col(0.9, 0.88, 0.8) if i % 2 else col(0.95, 0.9, 0.45)
        ink = 1.0 - 0.8 * writing * c.rect(nx + 0.01, ny + 0.03, nx + 0.07, ny + 0.18)
        c.paint(note, paper * (0.5 * ink)[..., None], 1.99)
        c.paint(c.disc(nx + 0.04, ny + 0.012, 0.008), col(0.8, 0.1, 0.1) * 0.4, 1.98)
    photo = np.stack([mottle(c.h, c.w, rng, c.h / 30, 0.5) for _ in range(3)], axis=-1)
    c.paint(c.rect(0.6, 0.44, 0.72, 0.6), 0.25 * photo * col(0.6, 0.7, 0.5), 1.99)


def _desk_and_card(c: Canvas, rng: np.random.Generator) -> None:
    """Dark desk top in the foreground, a mug at 0.95 m and a printed card at 0.85 m."""
    d = c.ground(0.74, 0.8, 2.4)
    rings = c.x * c.w * 0.3 + 6 * fbm(c.h, c.w, rng, c.h / 8, 3)
    wood = col(0.42, 0.26, 0.14) * (0.08 * (0.7 + 0.3 * stripes(rings, c.h / 30, 0.45)))[..., None]
    c.paint(c.rect(-0.1, 0.74, 1.1, 1.1), wood, d)
    u = np.clip((c.x - 0.2) / 0.07, -1.0, 1.0)
    normals = np.stack(np.broadcast_arrays(u, 0 * c.y, np.sqrt(1 - u * u)), axis=-1)
    glaze = col(0.15, 0.25, 0.5) * (0.12 * lambert(normals, (-0.5, -0.3, 0.8), 0.05))[..., None]
    c.paint(c.rect(0.13, 0.64, 0.27, 0.9), glaze, 0.95)
    card = c.polygon([(0.6, 0.55), (0.86, 0.57), (0.84, 0.95), (0.62, 0.93)])
    print_ = 0.5 + 0.5 * stripes(c.x * c.w + c.y * c.h, c.h / 25, 0.4)
    dots = c.disc(0.73, 0.7, 0.06)
    art = col(0.85, 0.4, 0.2) * print_[..., None] * (1 - dots[..., None]) + dots[..., None] * col(
        0.2, 0.5, 0.8)
    c.paint(card, art * (0.16 * mottle(c.h, c.w, rng, 2, 0.08, 2))[..., None], 0.85)


def bars(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Room with three depth layers and a barred window (sky 40-65x the wall, bars 0.05x)."""
    c = Canvas(h, w, depth=BARS_WALL_M)
    wall = _room_wall(c, rng)
    _window(c, rng, wall)
    _pinboard(c, rng)
    _desk_and_card(c, rng)
    return c.radiance, c.depth


def _landscape(c: Canvas, rng: np.random.Generator) -> None:
    """Bright sky, hazy hills, a tree line and a sunlit field receding to the horizon."""
    sky = col(0.5, 0.68, 1.0) * (6.0 + 4.0 * c.y)[..., None]
    puffs = np.clip(fbm(c.h, c.w, rng, c.h / 5, 5) - 0.3, 0.0, None)
    c.paint(np.ones((c.h, c.w)), sky + col(10.0, 10.0, 10.5) * puffs[..., None], INFINITY_M)
    hills = 0.42 + 0.04 * np.sin(5 * c.x + 2) + 0.02 * fbm(1, c.w, rng, c.w / 8, 3)
    c.paint(np.clip((c.y - hills) * c.h + 0.5, 0, 1), col(0.45, 0.55, 0.6) * 3.5, 2000.0)
    crowns = 0.49 - 0.03 * np.abs(np.sin(40 * c.x)) + 0.01 * fbm(1, c.w, rng, c.w / 60, 2)
    leaves = col(0.2, 0.32, 0.12) * (1.2 * mottle(c.h, c.w, rng, c.h / 90, 0.4, 3))[..., None]
    c.paint(np.clip((c.y - crowns) * c.h + 0.5, 0, 1), leaves, 300.0)
    depth = c.ground(0.5, 1.0, 300.0)
    rows = stripes(c.x * c.w + (c.x - 0.5) * c.w * 40 * (c.y - 0.5), c.w / 30, 0.5)
    field = col(0.75, 0.65, 0.3) * ((2.2 + 0.6 * rows) * mottle(c.h, c.w, rng, 3, 0.2, 3))[
        ..., None]
    c.paint(c.rect(-0.1, 0.5, 1.1, 1.1), field, depth)


def _chain_link(c: Canvas, rng: np.random.Generator) -> None:
    """Chain-link fence at 7 m: a diamond mesh of thin dark wires, posts and a top rail."""
    u, v = (c.x * c.w + c.y * c.h) / np.sqrt(2), (c.x * c.w - c.y * c.h) / np.sqrt(2)
    period, wire = 0.035 * c.h, 0.0025 * c.h
    mesh = np.maximum(stripes(u, period, wire / period), stripes(v, period, wire / period))
    area = c.rect(-0.1, 0.22, 1.1, 0.72)
    steel = col(0.3, 0.31, 0.3) * (0.35 * mottle(c.h, c.w, rng, 2, 0.2, 2))[..., None]
    c.paint(area * mesh, steel, 7.0)
    c.paint(c.rect(-0.1, 0.21, 1.1, 0.225), steel * 1.5, 6.95)
    for px in (0.17, 0.58, 0.97):
        u = np.clip((c.x - px) / 0.01, -1, 1)
        shade = 0.15 + 0.6 * np.clip(-u + 0.3, 0, 1)
        c.paint(c.rect(px - 0.01, 0.19, px + 0.01, 0.75), col(0.4, 0.41, 0.42) * shade[..., None],
                6.9)


def _foliage(c: Canvas, rng: np.random.Generator) -> None:
    """Shaded grass close to the camera and a leafy branch at 1.2-1.5 m."""
    blades = stripes(c.x * c.w + 4 * fbm(c.h, c.w, rng, c.h / 20, 2), c.h / 120, 0.5)
    grass = col(0.2, 0.35, 0.1) * ((0.05 + 0.06 * blades) * mottle(c.h, c.w, rng, 4, 0.3, 2))[
        ..., None]
    c.paint(c.rect(-0.1, 0.8, 1.1, 1.1), grass, c.ground(0.8, 1.0, 3.0))
    veins = 1.0 - 0.35 * stripes(c.x * c.w - c.y * c.h, c.h / 60, 0.15)
    for _ in range(22):
        ang, size = rng.uniform(-0.4, 1.2), rng.uniform(0.07, 0.12)
        cx, cy = rng.uniform(0.66, 1.02), rng.uniform(0.5, 1.0)
        tone = rng.uniform(0.04, 0.12) * (1.0 + 4.0 * (rng.random() < 0.15))
        leaf = col(0.15, 0.35, 0.08) * (tone * veins)[..., None]
        c.paint(c.ellipse(cx, cy, size, size * 0.35, ang), leaf, rng.uniform(1.2, 1.5))


def fence(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Chain-link fence at 7 m against a bright sky and sunlit fields, shaded leaves near."""
    c = Canvas(h, w, depth=INFINITY_M)
    _landscape(c, rng)
    _chain_link(c, rng)
    _foliage(c, rng)
    return c.radiance, c.depth
