"""Where a fit loses, depth layer by depth layer, against what each input alone gives.

For a synthetic stack (its ``gt/`` holds radiance, depth and scene.json): per depth layer
of the truth's defocus model, the PSNR-mu of the fit and of every input image alone,
linearized with the true response, divided by its exposure and resampled into the
reference view with the true geometry (the best a method that picks, per place, one
image can do there). Also the fit's PSNR-mu split into luminance and colour parts.

    .venv/bin/python benchmarks/layer_check.py STACK FIT/radiance.exr

A layer where the fit is below the input that sees it in focus points at the model
(geometry, blur, response), not at the data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from oracle import into_reference
from truth import read_truth

from invcam.io.hdr import read_hdr_image
from invcam.io.ldr import read_ldr
from invcam.metrics import mu_law, psnr, scale_to_truth
from invcam.synth.sensor import CRF


def input_alone(stack: Path, image: dict, crf: CRF, gt: np.ndarray) -> np.ndarray:
    """mu-law of one input through the true inverse response and geometry, ``(H, W, 3)``."""
    linear = (crf.inverse(read_ldr(stack / image["file"])) / image["exposure"])
    warped = into_reference(linear.astype(np.float32), image, cv2.INTER_CUBIC)
    return mu_law(scale_to_truth(warped, gt)[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stack", type=Path)
    ap.add_argument("radiance", type=Path, help="the fit's radiance.exr")
    ap.add_argument("--min-share", type=float, default=0.01,
                    help="smallest share of the pixels a layer needs to be listed")
    args = ap.parse_args()
    meta, gt, depth = read_truth(args.stack)
    pred, truth = scale_to_truth(read_hdr_image(args.radiance), gt)
    fit_mu, gt_mu = mu_law(pred), mu_law(truth)
    crf = CRF(meta["crf"]["name"], meta["crf"]["params"])
    alone = [input_alone(args.stack, im, crf, gt) for im in meta["images"]]
    err = fit_mu - gt_mu
    lum = err.mean(-1, keepdims=True)
    print(f"fit PSNR-mu {psnr(fit_mu, gt_mu):.2f} (luminance part "
          f"{10 * np.log10(1 / (lum ** 2).mean()):.2f}, colour part "
          f"{10 * np.log10(1 / ((err - lum) ** 2).mean()):.2f})")
    names = [f"img{i}" for i in range(len(alone))]
    print("| depth m | pixels | CoC px per image | fit | " + " | ".join(names) + " |")
    print("|---|---|---|---|" + "---|" * len(names))
    for layer in meta["defocus"]["layers"]:
        mask = (depth >= layer["near_m"]) & (depth < layer["far_m"])
        if mask.mean() < args.min_share:
            continue
        coc = ", ".join(f"{c:.2f}" for c in layer["coc_px"])
        cells = " | ".join(f"{psnr(a[mask], gt_mu[mask]):.2f}" for a in alone)
        print(f"| {layer['near_m']:.2f}-{layer['far_m']:.4g} | {mask.mean() * 100:.1f} % | "
              f"{coc} | {psnr(fit_mu[mask], gt_mu[mask]):.2f} | {cells} |")
    cells = " | ".join(f"{psnr(a, gt_mu):.2f}" for a in alone)
    print(f"| all | 100 % | | {psnr(fit_mu, gt_mu):.2f} | {cells} |")


if __name__ == "__main__":
    main()
