"""How sharp could a focus stack be without deconvolution? A noise-free oracle.

For each pixel of a synthetic stack, the oracle takes the smallest circle of confusion
among the images that are neither clipped nor too dark there, and blurs the ground truth
by that disc. Its scores against the ground truth bound what merging the in-focus,
well-exposed parts of the inputs can reach (noise and the response curve aside).

    .venv/bin/python benchmarks/focus_oracle.py /tmp/bfnew/window/stack [--dark 0.02]

The stack must come from ``invcam synth`` (it reads gt/depth.exr and gt/scene.json).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from invcam.io.hdr import read_hdr_image
from invcam.io.ldr import read_ldr
from invcam.metrics import hdr_metrics
from invcam.synth.optics import coc_radius, disc_kernel


def usable_coc(stack: Path, depth: np.ndarray, dark: float, bright: float = 0.97) -> np.ndarray:
    """``(H, W)`` smallest CoC radius (pixels) among the images usable at each pixel."""
    scene = json.loads((stack / "gt" / "scene.json").read_text())
    k, cap = scene["defocus"]["k_px_m"], scene["defocus"]["max_coc_px"]
    radii = []
    for entry in json.loads((stack / "stack.json").read_text())["images"]:
        coc = np.minimum(coc_radius(depth, entry["focus_distance"], k), cap)
        peak = read_ldr(stack / entry["file"]).max(-1)
        radii.append(np.where((peak < bright) & (peak > dark), coc, cap))
    return np.min(radii, axis=0)


def oracle(gt: np.ndarray, coc: np.ndarray, step: float = 0.25) -> np.ndarray:
    """The ground truth ``(H, W, 3)`` blurred per pixel by a disc of radius ``coc``."""
    levels = np.arange(0.0, coc.max() + step, step)
    nearest = np.abs(coc[..., None] - levels).argmin(-1)
    out = np.empty_like(gt)
    for i, r in enumerate(levels):
        mask = nearest == i
        if mask.any():
            out[mask] = cv2.filter2D(gt, -1, disc_kernel(r))[mask]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", nargs="+", type=Path)
    parser.add_argument("--dark", type=float, default=0.02,
                        help="an image is unusable where its brightest channel is below this")
    args = parser.parse_args()
    for stack in args.stacks:
        gt = read_hdr_image(stack / "gt" / "radiance.exr")
        depth = read_hdr_image(stack / "gt" / "depth.exr")
        depth = depth[..., 0] if depth.ndim == 3 else depth
        coc = usable_coc(stack, depth, args.dark)
        scores = hdr_metrics(oracle(gt, coc), gt)
        print(f"{stack}: mean usable CoC {coc.mean():.2f} px, {100 * (coc > 1).mean():.0f}% "
              f"of pixels > 1 px; oracle PSNR-mu {scores['psnr_mu']:.2f} dB, "
              f"SSIM-mu {scores['ssim_mu']:.3f}")


if __name__ == "__main__":
    main()
