"""Write what a fit produced: radiance, previews, response curve, blur maps, reports.

Every file is written atomically (temporary file + rename).
"""

from __future__ import annotations

import csv
import io
import json
import resource
from pathlib import Path

import torch

from invcam.config import config_to_dict
from invcam.display import display_map, plot_blur, plot_crf, shown_images
from invcam.io.atomic import write_text
from invcam.io.hdr import write_exr, write_radiance_hdr
from invcam.io.ldr import write_ldr
from invcam.io.stack import Stack
from invcam.method.fit import FitResult
from invcam.photometry import format_exposure

OUTPUT_NAMES = ("model.pt", "radiance.exr", "radiance.hdr", "preview.png", "crf.csv",
                "crf.png", "blur.png", "fit.json", "log.csv", "preview.mp4", "atlas.exr",
                "report.html")
"""The files a fit writes at the top of its output folder (frames/ aside): listed as
invcam's from the start, so a run killed while writing them leaves nothing foreign."""


def peak_memory_mb() -> float:
    """Peak resident memory of this process in MiB (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_crf(out: Path, result: FitResult, log2_sharp: torch.Tensor, labels: list[str]) -> None:
    """``crf.csv`` (log2 exposure, exposure, R, G, B) and ``crf.png`` with input histograms.

    The histograms place each image's pixels on the curve's input axis using the
    recovered irradiance of the reference view plus that image's log2 exposure time.
    """
    model = result.model
    sample = log2_sharp.reshape(-1, 3)[:: max(1, log2_sharp.numel() // 3 // 50000)]
    t = model.log2_exposures().detach().cpu()
    shown = shown_images(len(labels), model.reference)
    hist = [(sample + t[i]).flatten().numpy() for i in shown]
    lo = float(min(h.min() for h in hist)) - 1.0
    hi = float(max(h.max() for h in hist)) + 1.0
    x, values = model.crf_table(lo, hi, 256)
    x, values = x.cpu().numpy(), values.cpu().numpy()
    rows = [[f"{a:.5f}", f"{2.0 ** a:.6g}", *(f"{v:.6f}" for v in vs)]
            for a, vs in zip(x, values, strict=True)]
    write_text(out / "crf.csv", _csv_text(["log2_exposure", "exposure", "r", "g", "b"], rows))
    plot_crf(out / "crf.png", x, values, hist, [labels[i] for i in shown])


def write_blur(out: Path, result: FitResult, labels: list[str]) -> None:
    """``blur.png``: per image, the learned PSF's RMS radius map."""
    model = result.model
    shown = shown_images(len(labels), model.reference)
    radii = [model.psf_rms_map(i).cpu().numpy() for i in shown]
    plot_blur(out / "blur.png", radii, [labels[i] for i in shown], model.blur.radius + 1.5)


def fit_report(result: FitResult, stack: Stack, extra: dict) -> dict:
    """The contents of ``fit.json``."""
    t = result.model.log2_exposures().detach().cpu().tolist()
    last = result.history[-1] if result.history else {}
    images = [{"file": im.file, "exposure_s": 2.0**t[i], "log2_exposure_time": t[i],
               "focus_distance": im.meta.get("focus_distance"),
               "exposure_source": "learned" if result.model.learn_exposure else im.exposure_source,
               "given_exposure_s": im.exposure, "train_psnr": result.train_psnr[i]}
              for i, im in enumerate(stack.images)]
    return {"config": config_to_dict(result.config), "stack": str(stack.root.resolve()),
            "size": list(stack.size), "reference": stack.images[stack.reference].file,
            "exposures_learned": result.model.learn_exposure, "images": images,
            "iterations": result.iterations, "wall_s": round(result.wall_s, 2),
            "peak_memory_mb": round(peak_memory_mb(), 1), "final_losses": last,
            "interrupted": result.interrupted, **extra}


def write_fit_outputs(out: Path, result: FitResult, stack: Stack, extra: dict) -> None:
    """Write radiance.exr/.hdr, preview.png, crf.csv/.png, blur.png, fit.json, log.csv."""
    log2_sharp = result.model.render_log2(result.model.reference)
    radiance = torch.exp2(log2_sharp).cpu().numpy()
    write_exr(out / "radiance.exr", radiance)
    write_radiance_hdr(out / "radiance.hdr", radiance)
    write_ldr(out / "preview.png", display_map(radiance))
    labels = [f"{im.file} ({format_exposure(2.0 ** t)})" for im, t in
              zip(stack.images, result.model.log2_exposures().tolist(), strict=True)]
    write_crf(out, result, log2_sharp.cpu(), labels)
    write_blur(out, result, labels)
    report = fit_report(result, stack, extra)
    write_text(out / "fit.json", json.dumps(report, indent=1, default=float))
    if result.history:
        header = list(result.history[-1].keys())
        rows = [[r.get(k, "") for k in header] for r in result.history]
        write_text(out / "log.csv", _csv_text(header, rows))


__all__ = ["write_fit_outputs"]
