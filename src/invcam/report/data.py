"""What a fit's ``report.html`` shows, gathered from its output folder (and its model and
stack, when they are there): the HDR result encoded for the page, the inputs, the renders
"as image i saw it", the plots, the loss curve and the settings.

The HDR image travels as 16-bit log2 codes, little-endian, base64:
``x = 2 ** (lo + code / 65535 * (hi - lo))``; the page scales and tone-maps it itself.
"""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import cv2
import numpy as np

from invcam.display import display_map, display_map_params, shown_images
from invcam.errors import InvcamError
from invcam.io.hdr import read_exr

MAX_SIDE = 1200  # pixels of the HDR image in the page
THUMB_SIDE = 480  # pixels of inputs, renders and frames
MAX_FRAMES = 60


def _fit_side(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` ``(H, W, C)`` shrunk (INTER_AREA) so that its longer side is <= ``side``."""
    h, w = image.shape[:2]
    k = side / max(h, w)
    if k >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * k)), max(1, round(h * k))),
                      interpolation=cv2.INTER_AREA)


def encode_hdr(radiance: np.ndarray, side: int = MAX_SIDE) -> dict:
    """``(H, W, 3)`` linear HDR, shrunk to at most ``side`` pixels, -> the page's log2
    codes (see the module doc), plus the exposure that puts its log-average at mid-grey
    (the slider's 0 EV)."""
    image = _fit_side(np.asarray(radiance, np.float32), side)
    top = float(image.max())
    if not np.isfinite(image).all() or top <= 0:
        raise InvcamError("the result has no positive finite values to show")
    hi = float(np.log2(top))
    positive = image[image > 0]
    lo = max(float(np.log2(positive.min())), hi - 24.0)
    codes = (np.log2(np.maximum(image, 2.0 ** lo)) - lo) / max(hi - lo, 1e-6) * 65535.0
    data = np.round(codes).astype("<u2").tobytes()
    scale, _ = display_map_params(image)
    return {"width": image.shape[1], "height": image.shape[0], "lo": lo, "hi": hi,
            "base_ev": float(np.log2(scale)), "codes": base64.b64encode(data).decode("ascii")}


def png_uri(image: np.ndarray) -> str:
    """``(H, W, 3)`` RGB display values in [0, 1] (or uint8) as a data: URI."""
    rgb = np.asarray(image)
    if rgb.dtype != np.uint8:
        rgb = np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise InvcamError("could not encode a picture of the report")
    return "data:image/png;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def file_uri(path: Path) -> str | None:
    """A PNG file as a data: URI, or None when it is missing."""
    if not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def loss_curve(path: Path) -> list[list[float]]:
    """``[[iteration, loss], ...]`` from log.csv (empty when it is missing)."""
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return [[float(r["iteration"]), float(r["loss"])] for r in csv.DictReader(fh)
                if r.get("loss") not in (None, "", "nan")]


def input_picture(stack: Path, name: str) -> str | None:
    """Input photo ``name`` of the stack folder as a display PNG, or None if unreadable."""
    from invcam.io.ldr import read_ldr

    try:
        return png_uri(_fit_side(read_ldr(stack / name), THUMB_SIDE))
    except (InvcamError, OSError, cv2.error):
        return None


def seen_by(model, index: int, exposure: float, blurred: bool = True) -> str:
    """The scene as image ``index`` saw it (its geometry and exposure through the learned
    response, with its learned blur, or all in focus when not ``blurred``), as a display
    PNG, from the loaded ``model``."""
    from invcam.method.render import render_model

    image = render_model(model, exposure=exposure,
                         **({"blur_of": index} if blurred else {"frame": index}))
    return png_uri(_fit_side(image, THUMB_SIDE))


def _load_model(path: Path):
    """The fitted model in ``path``, or None when it is missing or unreadable (the
    report then shows no renders)."""
    from invcam.app.render import load_model

    try:
        return load_model(path)
    except InvcamError:
        return None


def frame_pictures(frames: Path) -> list[str]:
    """The per-frame HDR results of a moving scene, tone-mapped with one display scale."""
    paths = sorted(frames.glob("*.exr"))
    if len(paths) > MAX_FRAMES:
        paths = [paths[round(k)] for k in np.linspace(0, len(paths) - 1, MAX_FRAMES)]
    if not paths:
        return []
    params = display_map_params(read_exr(paths[len(paths) // 2]))
    return [png_uri(_fit_side(display_map(read_exr(p), params=params), THUMB_SIDE))
            for p in paths]


def gather(out: Path) -> dict:
    """Everything the report of the fit in ``out`` shows."""
    try:
        report = json.loads((out / "fit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvcamError(f"{out}: no readable fit.json (is it a fit's output folder?)") from exc
    stack = Path(report.get("stack", ""))
    model = _load_model(out / "model.pt")
    images = []
    files = [im.get("file") for im in report.get("images", [])]
    ref = files.index(report["reference"]) if report.get("reference") in files else 0
    shown = shown_images(len(files), ref, most=12)
    for i, im in enumerate(report.get("images", [])):
        entry = {k: im.get(k) for k in ("file", "exposure_s", "focus_distance", "train_psnr")}
        if i in shown:
            t = float(im["exposure_s"])
            entry["input"] = input_picture(stack, im["file"]) if stack.is_dir() else None
            entry["seen"] = seen_by(model, i, t) if model is not None else None
            entry["sharp"] = seen_by(model, i, t, False) if model is not None else None
        images.append(entry)
    return {"hdr": encode_hdr(read_exr(out / "radiance.exr")), "images": images,
            "crf": file_uri(out / "crf.png"), "blur": file_uri(out / "blur.png"),
            "loss": loss_curve(out / "log.csv"), "frames": frame_pictures(out / "frames"),
            "fit": {k: v for k, v in report.items() if k != "images"}}


__all__ = ["encode_hdr", "gather", "loss_curve", "png_uri"]
