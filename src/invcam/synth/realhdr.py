"""Scenes from real HDR radiance maps (``../shared/data/hdr/``) with hand-made depth layouts.

The radiance maps have no depth (except the Beachball render), so each gets a plausible
piecewise layout drawn on the source image in normalised coordinates: a background depth,
then regions painted in order (polygons at one depth, or floors whose ``1/depth`` is
linear in the row, as for a ground plane seen by a level camera). A region may be keyed
on luminance ("only the pixels darker than T times the median"), which snaps depth edges
to the real silhouettes against a bright sky or window. Images are cropped to the
requested aspect ratio about a chosen centre, then resized. All files were checked to be
stored upright (increasing-Y line order, sky at the top).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from invcam.errors import InvcamError
from invcam.io.hdr import read_exr_channels, read_hdr_image
from invcam.photometry import REC709_Y
from invcam.synth.procedural import SKY, outdoor_view, rgb
from invcam.synth.textures import Canvas, mottle


def data_dir() -> Path:
    """Folder of the shared data: ``$INVCAM_DATA`` or ``<repo>/../shared/data``."""
    env = os.environ.get("INVCAM_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def hdr_path(name: str) -> Path:
    """Path of a file in the shared ``hdr/`` folder; InvcamError if it is missing."""
    path = data_dir() / "hdr" / name
    if not path.is_file():
        raise InvcamError(f"scene data {name} not found in {path.parent} (set INVCAM_DATA)")
    return path


@dataclass(frozen=True)
class Region:
    """A depth region on the source image (normalised ``(x, y)`` polygon vertices).

    Constant depth ``near``, or a floor from ``far`` at the polygon's top row to ``near``
    at the image bottom. ``darker`` keeps only pixels below ``darker`` times the median
    luminance (silhouettes against bright backgrounds).
    """

    polygon: list[tuple[float, float]]
    near: float
    far: float | None = None
    darker: float | None = None


@dataclass(frozen=True)
class RealLayout:
    """A real radiance map plus its depth layout and crop centre ``(cx, cy)``."""

    file: str
    background: float
    regions: list[Region] = field(default_factory=list)
    centre: tuple[float, float] = (0.5, 0.5)


def _region_mask(region: Region, lum: np.ndarray) -> np.ndarray:
    """Boolean ``(H, W)`` mask of a region on a source image with relative luminance ``lum``."""
    h, w = lum.shape
    mask = np.zeros((h, w), dtype=np.uint8)
    pts = np.array([[x * (w - 1), y * (h - 1)] for x, y in region.polygon], dtype=np.int32)
    cv2.fillPoly(mask, [pts], 1)
    if region.darker is not None:
        keyed = (lum < region.darker).astype(np.uint8)
        mask &= cv2.medianBlur(keyed * 255, 5) // 255
    return mask.astype(bool)


def layout_depth(layout: RealLayout, radiance: np.ndarray) -> np.ndarray:
    """Depth ``(H, W)`` float32 of a source ``(H, W, 3)`` radiance map from its layout."""
    h, w = radiance.shape[:2]
    lum = radiance @ REC709_Y
    lum = lum / max(float(np.median(lum)), 1e-9)
    depth = np.full((h, w), layout.background, dtype=np.float32)
    rows = np.arange(h, dtype=np.float32)[:, None] / (h - 1)
    for region in layout.regions:
        mask = _region_mask(region, lum)
        if region.far is None:
            depth[mask] = region.near
            continue
        top = min(y for _, y in region.polygon)
        t = np.clip((rows - top) / max(1.0 - top, 1e-6), 0.0, 1.0)
        inv = 1.0 / region.far + t * (1.0 / region.near - 1.0 / region.far)
        depth = np.where(mask, np.broadcast_to(1.0 / inv, (h, w)), depth).astype(np.float32)
    return depth


def crop_box(shape: tuple[int, int], size: tuple[int, int], centre: tuple[float,
             float]) -> tuple[int, int, int, int]:
    """Largest ``(y0, y1, x0, x1)`` window of ``shape`` with ``size``'s aspect, near ``centre``."""
    h, w = shape
    th, tw = size
    ch, cw = (h, round(h * tw / th)) if w * th >= h * tw else (round(w * th / tw), w)
    y0 = int(np.clip(round(centre[1] * h - ch / 2), 0, h - ch))
    x0 = int(np.clip(round(centre[0] * w - cw / 2), 0, w - cw))
    return y0, y0 + ch, x0, x0 + cw


def fit(radiance: np.ndarray, depth: np.ndarray, size: tuple[int, int],
        centre: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Crop ``(H, W, 3)`` radiance and ``(H, W)`` depth to ``size``'s aspect, then resize.

    Radiance uses area averaging when shrinking and bilinear when enlarging (no ringing);
    depth uses nearest neighbour so occlusion edges stay step edges.
    """
    y0, y1, x0, x1 = crop_box(depth.shape, size, centre)
    rad, dep = radiance[y0:y1, x0:x1], depth[y0:y1, x0:x1]
    th, tw = size
    interp = cv2.INTER_AREA if th <= rad.shape[0] else cv2.INTER_LINEAR
    rad = np.maximum(cv2.resize(rad, (tw, th), interpolation=interp), 0.0)
    dep = cv2.resize(dep, (tw, th), interpolation=cv2.INTER_NEAREST)
    return rad.astype(np.float32), dep.astype(np.float32)


def load_real(layout: RealLayout, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Radiance ``(H, W, 3)`` and depth ``(H, W)`` of a real map at ``size = (H, W)``."""
    radiance = np.maximum(read_hdr_image(hdr_path(layout.file)), 0.0)
    return fit(radiance, layout_depth(layout, radiance), size, layout.centre)


DESK = RealLayout("ScanLines_Desk.exr", 3.0, [
    Region([(0, 0.54), (0.7, 0.487), (0.71, 0.31), (0.85, 0.31), (0.85, 0.48), (1, 0.545),
            (1, 0.68), (0.85, 0.61), (0.7, 0.57), (0, 0.62)], 2.2, darker=6.0),
    Region([(0, 0.605), (0.7, 0.56), (0.85, 0.605), (1, 0.665), (1, 1), (0, 1)], 0.9, far=2.0),
], centre=(0.5, 0.545))

TREE = RealLayout("ScanLines_Tree.exr", 80.0, [
    Region([(0.33, 0), (0.75, 0), (0.75, 0.2), (1, 0.1), (1, 0.48), (0.9, 0.55), (0.9, 0.8),
            (0.13, 0.8), (0.15, 0.5), (0.3, 0.35)], 6.0, darker=20.0),
    Region([(0, 0), (0.22, 0), (0.22, 0.75), (0, 0.75)], 9.0, darker=20.0),
    Region([(0, 0.77), (0.15, 0.735), (0.3, 0.725), (0.4, 0.72), (0.5, 0.73), (0.6, 0.745),
            (0.75, 0.77), (0.9, 0.78), (1, 0.785), (1, 1), (0, 1)], 1.3, far=6.0),
], centre=(0.5, 0.64))

BONITA = RealLayout("MultiResolution_Bonita.exr", SKY, [
    Region([(0, 0.532), (1, 0.532), (1, 1), (0, 1)], 300.0, far=4000.0),
    Region([(0.2, 0.665), (0.22, 0.63), (0.33, 0.595), (0.6, 0.59), (0.85, 0.555),
            (1, 0.55), (1, 0.67), (0.2, 0.67)], 2500.0, darker=0.6),
    Region([(0, 0.93), (1, 0.73), (1, 1), (0, 1)], 6.0, far=60.0, darker=0.6),
], centre=(0.5, 0.66))

MTTAM = RealLayout("ScanLines_MtTamWest.exr", SKY, [
    Region([(0, 0.36), (1, 0.36), (1, 0.8), (0, 0.8)], 250.0, far=3000.0, darker=20.0),
    Region([(0, 0.295), (0.02, 0.26), (0.06, 0.245), (0.1, 0.225), (0.125, 0.21), (0.145, 0.215),
            (0.17, 0.245), (0.2, 0.31), (0.215, 0.335), (0.22, 0.43), (0.235, 0.48),
            (0.26, 0.55), (0.285, 0.62), (0.28, 0.64), (0, 0.64)], 6.0, darker=3.0),
    Region([(0.6, 0.72), (0.62, 0.7), (0.75, 0.65), (0.85, 0.63), (0.9, 0.6), (1, 0.57),
            (1, 0.82), (0.6, 0.8)], 12.0),
    Region([(0, 0.62), (0.48, 0.62), (0.49, 0.695), (0.6, 0.705), (0.61, 0.785), (0.7, 0.79),
            (0.78, 0.8), (0.86, 0.795), (1, 0.81), (1, 1), (0, 1)], 1.6, far=4.0),
])


def beachball(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The Beachball CG frame (RGBA + real Z depth) composited into a sunlit room.

    The ball's Z (scene units 9 to 10.9) is scaled by 0.2 to metres (a 0.4 m beach ball
    about 2 m away); the room (wall at 6 m, window, floor) is procedural.
    """
    c = Canvas(h, w, depth=6.0)
    light = 0.02 + np.exp(-2.0 * c.x) * (1.1 - 0.5 * c.y)
    plaster = mottle(h, w, rng, h / 8, 0.1) * mottle(h, w, rng, 2, 0.05, 2)
    wall = rgb(0.5, 0.45, 0.38) * plaster[..., None]
    c.paint(np.ones((h, w)), wall * light[..., None], 6.0)
    outdoor_view(c, rng, (0.04, 0.1, 0.3, 0.55), 6.0)
    floor = c.ground(0.72, 1.2, 6.0)
    boards = rgb(0.4, 0.3, 0.2) * (0.8 * mottle(h, w, rng, h / 40, 0.25, 3))[..., None]
    c.paint(c.rect(-0.1, 0.72, 1.1, 1.1), boards * (light[..., None] + 0.02), floor)
    c.paint(c.ellipse(0.62, 0.93, 0.3, 0.05), rgb(0.0005, 0.0005, 0.0005), floor)
    rgba, z = _ball_frame(h, w)
    alpha = rgba[..., 3]
    c.radiance = rgba[..., :3] + (1.0 - alpha[..., None]) * c.radiance
    c.depth = np.where((alpha >= 0.5) & (z > 1.0), 0.2 * z, c.depth).astype(np.float32)
    return c.radiance, c.depth


def _ball_frame(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """The ball's premultiplied RGBA ``(H, W, 4)`` and Z ``(H, W)``, placed right of centre."""
    ch = read_exr_channels(hdr_path("Beachball_singlepart.0001.exr"))
    rgba = np.stack([ch["R"], ch["G"], ch["B"], ch["A"]], axis=-1)
    ys, xs = np.nonzero(ch["A"] > 0)
    rgba, z = rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], ch["Z"]
    z = z[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    s = 0.88 * min(h / rgba.shape[0], 0.6 * w / rgba.shape[1])
    bh, bw = max(1, round(rgba.shape[0] * s)), max(1, round(rgba.shape[1] * s))
    small = cv2.resize(rgba, (bw, bh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    zs = cv2.resize(z, (bw, bh), interpolation=cv2.INTER_NEAREST)
    out, zout = np.zeros((h, w, 4), np.float32), np.full((h, w), 50.0, np.float32)
    y0, x0 = (h - bh) // 2, min(w - bw, int(0.62 * w - bw / 2))
    out[y0 : y0 + bh, x0 : x0 + bw] = np.clip(small, 0.0, [np.inf, np.inf, np.inf, 1.0])
    zout[y0 : y0 + bh, x0 : x0 + bw] = zs
    return out, zout
