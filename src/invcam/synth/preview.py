"""Contact sheet of a synthesized stack: labelled thumbnails plus ground truth and depth.

For the ``all`` layout, rows are focus settings (near to far) and columns exposures
(short to long); other layouts give one row in stack order. A last row shows the ground
truth radiance (the display mapping of :mod:`invcam.display`) and the depth.
"""

from __future__ import annotations

import cv2
import numpy as np

from invcam.display import display_map
from invcam.photometry import format_exposure
from invcam.synth.layouts import Shot

TILE_W = 300
GAP = 4


def label(tile: np.ndarray, lines: list[str]) -> np.ndarray:
    """Write text lines in white on a darkened band in the tile's top-left corner."""
    out = tile.copy()
    scale = max(0.4, tile.shape[1] / 650)
    font = cv2.FONT_HERSHEY_SIMPLEX
    step = int(22 * scale / 0.45)
    width = max(cv2.getTextSize(t, font, scale, 1)[0][0] for t in lines) + 8
    band = out[: step * len(lines) + 6, :width]
    band[:] = (band * 0.35).astype(np.uint8)
    for i, text in enumerate(lines):
        org = (4, step * (i + 1) - 2)
        cv2.putText(out, text, org, font, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def thumb(image: np.ndarray, width: int) -> np.ndarray:
    """An ``(h, width, 3)`` uint8 thumbnail of a uint8/uint16 ``(H, W, 3)`` image."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    h, w = image.shape[:2]
    size = (width, max(1, round(h * width / w)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if width < w else cv2.INTER_NEAREST)


def display_uint8(radiance: np.ndarray) -> np.ndarray:
    """Display ``(H, W, 3)`` radiance as uint8 (:func:`invcam.display.display_map`)."""
    return (display_map(radiance) * 255 + 0.5).astype(np.uint8)


def depth_image(depth: np.ndarray) -> np.ndarray:
    """Colour-coded ``1/depth`` (near = warm) as ``(H, W, 3)`` uint8 RGB."""
    inv = 1.0 / depth
    span = max(float(inv.max() - inv.min()), 1e-9)
    grey = ((inv - inv.min()) / span * 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(grey, cv2.COLORMAP_TURBO), cv2.COLOR_BGR2RGB)


def tile_grid(tiles: list[list[np.ndarray | None]], th: int, tw: int) -> np.ndarray:
    """Assemble rows of equal-size tiles (None = blank) with gaps, on dark grey."""
    rows, cols = len(tiles), max(len(r) for r in tiles)
    sheet = np.full((rows * (th + GAP) + GAP, cols * (tw + GAP) + GAP, 3), 40, np.uint8)
    for r, row in enumerate(tiles):
        for c, tile in enumerate(row):
            if tile is not None:
                y, x = GAP + r * (th + GAP), GAP + c * (tw + GAP)
                sheet[y : y + th, x : x + tw] = tile[:th, :tw]
    return sheet


def contact_sheet(images: list[np.ndarray], shots: list[Shot], exposures, focus, layout: str,
                  radiance: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """The preview sheet as an ``(h, w, 3)`` uint8 RGB image."""
    tiles = []
    for img, s in zip(images, shots, strict=True):
        where = "all in focus" if s.focus is None else f"focus {focus[s.focus]:g} m"
        lines = [format_exposure(exposures[s.exposure]), where]
        lines += ["REFERENCE"] if s.reference else []
        tiles.append(label(thumb(img, TILE_W), lines))
    th = tiles[0].shape[0]
    grid = [tiles[r * 3 : r * 3 + 3] for r in range(3)] if layout == "all" else [tiles]
    gt = label(thumb(display_uint8(radiance), TILE_W), ["ground truth (tone-mapped)"])
    dep = label(thumb(depth_image(depth), TILE_W), ["depth (near = red)"])
    grid.append([gt, dep])
    return tile_grid(grid, th, TILE_W)
