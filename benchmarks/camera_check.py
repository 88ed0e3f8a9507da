"""The truth scene through a fit's learned camera: is the camera or the scene wrong?

For a synthetic stack (its ``gt/`` holds radiance, depth and scene.json) and a fit of it:
the fit's atlas is replaced by the true irradiance (scaled to the fit's units), and every
input is rendered again through the fit's own deformation D, PSFs and response. Where the
true scene through the learned camera matches an input worse than the fit's own scene does,
the fit has traded a camera error for a scene error. Also printed: the learned response
against the true one, and each image's learned PSF radius per depth layer against the
synthetic circle of confusion.

    .venv/bin/python benchmarks/camera_check.py STACK FIT

(``FIT`` holds ``model.pt`` and ``radiance.exr``.) Dev diagnostic; 6q.2 of the
experiments notebook.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from truth import read_truth

from invcam.io.checkpoint import load_checkpoint
from invcam.io.hdr import read_hdr_image
from invcam.io.ldr import read_ldr
from invcam.method.camera import patch_grid
from invcam.method.camera.blur import psf_rms
from invcam.method.encodings import sample_grid
from invcam.method.state import model_from_checkpoint
from invcam.metrics import align_scale
from invcam.synth.optics import disc_kernel
from invcam.synth.sensor import CRF

BANDS = ((0.0, 0.05), (0.05, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 0.97), (0.97, 1.01))
"""Bands of the observed value (of 1) in which the renders are compared."""
CODES = (2, 5, 12, 35, 100, 200, 245, 253)
"""8-bit codes at which the learned response is compared with the true one."""


def render(model, index: int, sharp) -> np.ndarray:
    """Image ``index`` rendered with the scene model ``sharp`` (a ``sharp_log2``):
    ``(H, W, 3)`` values in [0, 1]."""
    model.sharp_log2 = sharp
    with torch.no_grad():
        x = model.render_blurry_log2(index) + model.log2_exposures()[index]
        return model.tonemap(x).numpy()


def truth_scene(model, truth: np.ndarray):
    """A ``sharp_log2`` that reads the true irradiance ``(H, W, 3)`` (in the fit's units,
    reference view) at D's atlas coordinates, bilinearly in linear values."""
    grid = torch.from_numpy(truth.astype(np.float32)).permute(2, 0, 1)[None]

    def sharp(p: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
        v = sample_grid(grid, model.deformation(p, index))
        return torch.log2(v.clamp_min(1e-30))
    return sharp


def band_table(obs: np.ndarray, own: np.ndarray, true: np.ndarray) -> None:
    """Mean and RMS error in 8-bit codes of both renders, per band of the observation."""
    lum = obs.mean(-1)
    for lo, hi in BANDS:
        m = (lum >= lo) & (lum < hi)
        if m.mean() < 0.002:
            continue
        d_own, d_true = (own - obs)[m] * 255, (true - obs)[m] * 255
        print(f"| {lo:.2f}-{hi:.2f} | {m.mean() * 100:.1f} % | {d_own.mean():+.2f} / "
              f"{np.sqrt((d_own ** 2).mean()):.2f} | {d_true.mean():+.2f} / "
              f"{np.sqrt((d_true ** 2).mean()):.2f} |")


def response_table(model, crf: CRF, scale: float) -> None:
    """The learned response at the exposures where the true one gives ``CODES``."""
    print("| true code | learned (R, G, B) |\n|---|---|")
    for code in CODES:
        x_true = crf.inverse(np.full((1, 3), code / 255.0))[0]
        x = torch.tensor(np.log2(x_true / scale)[None], dtype=torch.float32)
        with torch.no_grad():
            v = model.tonemap(x)[0].numpy() * 255
        print(f"| {code} | {', '.join(f'{c:.1f}' for c in v)} |")


def disc_rms(radius: float) -> float:
    """RMS radius in pixels of the synthesis' anti-aliased disc of ``radius``."""
    k = torch.from_numpy(disc_kernel(radius))
    return float(psf_rms(patch_grid(k.shape[0]), k.flatten()))


def psf_table(model, meta: dict, depth: np.ndarray) -> None:
    """Median learned PSF RMS radius per image and depth layer (reference view) against
    the RMS of the true disc."""
    rms = [model.psf_rms_map(i).numpy() for i in range(model.num_images)]
    print("| depth m | pixels | learned / true RMS px per image |\n|---|---|---|")
    for layer in meta["defocus"]["layers"]:
        m = (depth >= layer["near_m"]) & (depth < layer["far_m"])
        if m.mean() < 0.01:
            continue
        cells = ", ".join(f"{np.median(r[m]):.2f} / {disc_rms(c):.2f}"
                          for r, c in zip(rms, layer["coc_px"], strict=True))
        print(f"| {layer['near_m']:.2f}-{layer['far_m']:.4g} | {m.mean() * 100:.1f} % | "
              f"{cells} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stack", type=Path)
    ap.add_argument("fit", type=Path, help="the fit's folder (model.pt, radiance.exr)")
    args = ap.parse_args()
    meta, gt, depth = read_truth(args.stack)
    scale = align_scale(read_hdr_image(args.fit / "radiance.exr"), gt)
    model = model_from_checkpoint(load_checkpoint(args.fit / "model.pt"))
    own, true = type(model).sharp_log2.__get__(model), truth_scene(model, gt / scale)
    for i, image in enumerate(meta["images"]):
        obs = read_ldr(args.stack / image["file"])
        print(f"\nimage {i} ({image['file']}): render - observed, mean / RMS in codes\n"
              "| observed | pixels | fit's scene | true scene |\n|---|---|---|---|")
        band_table(obs, render(model, i, own), render(model, i, true))
    print()
    response_table(model, CRF(meta["crf"]["name"], meta["crf"]["params"]), scale)
    print()
    psf_table(model, meta, depth)


if __name__ == "__main__":
    main()
