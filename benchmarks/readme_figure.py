"""The README's first picture: a stack's inputs, then invcam's all-in-focus HDR result.

    .venv/bin/python benchmarks/readme_figure.py demo_out/stack demo_out/fit \
        -o docs/img/result.jpg

Each input is shown as the camera recorded it (its focus and exposure in the label); the
result is ``fit/radiance.exr`` through the display mapping of ``invcam.display``, and the
truth (``stack/gt/radiance.exr``, when present) through the same mapping with the same
scale, so the two can be compared.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from invcam.display import display_map, display_map_params
from invcam.io.hdr import read_hdr_image
from invcam.io.ldr import write_ldr
from invcam.io.stack import load_images, load_stack
from invcam.metrics import align_scale
from invcam.photometry import format_exposure
from invcam.synth.preview import label

TILE_W = 300
GAP = 6


def _tile(image: np.ndarray, lines: list[str]) -> np.ndarray:
    """``(h, TILE_W, 3)`` uint8 thumbnail of a ``(H, W, 3)`` image in [0, 1], labelled."""
    h, w = image.shape[:2]
    thumb = cv2.resize(image, (TILE_W, round(h * TILE_W / w)), interpolation=cv2.INTER_AREA)
    return label((np.clip(thumb, 0, 1) * 255 + 0.5).astype(np.uint8), lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stack", type=Path)
    ap.add_argument("fit", type=Path)
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args()
    stack = load_stack(args.stack)
    images = load_images(stack)
    tiles = []
    for im, pixels in zip(stack.images, images, strict=True):
        focus = im.meta.get("focus_distance")
        where = f", focus {focus:g} m" if isinstance(focus, (int, float)) else ""
        tiles.append(_tile(pixels, [f"input {im.file}", f"{format_exposure(im.exposure)}{where}"]))
    pred = read_hdr_image(args.fit / "radiance.exr")
    truth_path = args.stack / "gt" / "radiance.exr"
    params = display_map_params(pred)
    tiles.append(_tile(display_map(pred, params=params), ["invcam: all in focus, HDR"]))
    if truth_path.is_file():
        truth = read_hdr_image(truth_path)
        shown = display_map(truth * (1.0 / align_scale(pred, truth)), params=params)
        tiles.append(_tile(shown, ["ground truth"]))
    th = max(t.shape[0] for t in tiles)
    sheet = np.full((th + 2 * GAP, len(tiles) * (TILE_W + GAP) + GAP, 3), 40, np.uint8)
    for k, tile in enumerate(tiles):
        x = GAP + k * (TILE_W + GAP)
        sheet[GAP:GAP + tile.shape[0], x:x + TILE_W] = tile
    write_ldr(args.out, sheet.astype(np.float32) / 255.0)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
