"""Where a fit's local misregistration comes from, window by window, on a synthetic stack.

The windows and shifts are those of ``invcam eval``'s misregistration (median / p95 px).
Each window is labelled from the stack's ``gt/`` (depth, scene.json): the image that sees
its depth layer sharpest (the smallest CoC radius of the truth's defocus model) and
whether the window lies at one depth or on a depth boundary (the 90th / 10th percentile
of its depth over ``--boundary``). Prints the median / p95 shift per label, and writes a
map of the windows (green under 0.3 px, orange under 1 px, red beyond) over the truth.

    .venv/bin/python benchmarks/misreg_breakdown.py STACK FIT/radiance.exr -o map.png

A region at one depth that reads well at the true geometry but not in the fit points at
the learned geometry; a boundary that reads badly even at the true geometry points at
what the forward model cannot render there (defocus across an occlusion).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from truth import read_truth

from invcam.io.hdr import read_hdr_image
from invcam.metrics import align_scale
from invcam.metrics_local import LOG_FLOOR, WINDOW, local_shift_windows
from invcam.photometry import luminance


def sharpest_image(depth: float, layers: list[dict]) -> int:
    """Index of the image with the smallest CoC at ``depth`` (m); -1 outside the layers."""
    for layer in layers:
        if layer["near_m"] - 1e-6 <= depth <= layer["far_m"] + 1e-6:
            return int(np.argmin(layer["coc_px"]))
    return -1


def label_windows(corners: np.ndarray, depth: np.ndarray, layers: list[dict],
                  boundary: float) -> tuple[np.ndarray, np.ndarray]:
    """Per window ``(N,)``: the sharpest image of its median depth and whether it lies
    on a depth boundary."""
    sharp, edge = [], []
    for y, x in corners:
        d = depth[y:y + WINDOW, x:x + WINDOW]
        sharp.append(sharpest_image(float(np.median(d)), layers))
        edge.append(np.percentile(d, 90) / max(np.percentile(d, 10), 1e-9) > boundary)
    return np.asarray(sharp), np.asarray(edge)


def summary(name: str, mag: np.ndarray) -> str:
    """One table row: label, windows, median and p95 shift, share over 0.5 px."""
    return (f"| {name} | {len(mag)} | {np.median(mag):.2f} | {np.percentile(mag, 95):.2f} "
            f"| {np.mean(mag > 0.5):.2f} |")


def draw(gt_lum: np.ndarray, corners: np.ndarray, mag: np.ndarray, path: Path) -> None:
    """The windows over the log truth: green < 0.3 px, orange < 1 px, red beyond."""
    floor = LOG_FLOOR * float(np.percentile(gt_lum, 99.9))  # the measure's own log floor
    log = np.log(gt_lum + floor)
    grey = np.clip(255 * (log - log.min()) / max(np.ptp(log), 1e-9), 0, 255)
    vis = cv2.cvtColor(grey.astype(np.uint8), cv2.COLOR_GRAY2BGR)
    for (y, x), m in zip(corners, mag, strict=True):
        colour = (0, 255, 0) if m < 0.3 else (0, 200, 255) if m < 1.0 else (0, 0, 255)
        cv2.rectangle(vis, (int(x) + 4, int(y) + 4),
                      (int(x) + WINDOW - 4, int(y) + WINDOW - 4), colour, 1 + (m >= 0.3))
    cv2.imwrite(str(path), vis)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stack", type=Path, help="a synthetic stack (with gt/)")
    ap.add_argument("radiance", type=Path, help="the fit's radiance.exr")
    ap.add_argument("--boundary", type=float, default=1.02,
                    help="depth ratio (90th / 10th percentile) that makes a boundary")
    ap.add_argument("-o", "--out", type=Path, default=None, help="map PNG to write")
    args = ap.parse_args()
    meta, gt, depth = read_truth(args.stack)
    layers = meta["defocus"]["layers"]
    pred = read_hdr_image(args.radiance)
    gt_lum = luminance(np.asarray(gt, np.float64))
    pred_lum = luminance(np.asarray(pred, np.float64) * align_scale(pred, gt))
    corners, shifts = local_shift_windows(pred_lum, gt_lum)
    mag = np.hypot(shifts[:, 0], shifts[:, 1])
    sharp, edge = label_windows(corners, depth, layers, args.boundary)
    print("| windows | n | median px | p95 px | share > 0.5 px |\n|---|---|---|---|---|")
    print(summary("all", mag))
    for kind, where in (("one depth", ~edge), ("boundary", edge)):
        print(summary(kind, mag[where]))
        for i in np.unique(sharp[where]):
            name = f"image {i}" if i >= 0 else "no layer of the defocus model"
            print(summary(f"{kind}, sharpest in {name}", mag[where & (sharp == i)]))
    if args.out is not None:
        draw(gt_lum, corners, mag, args.out)


if __name__ == "__main__":
    main()
