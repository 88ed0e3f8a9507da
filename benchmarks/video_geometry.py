"""Per-frame geometry of a fitted synthetic video against its true motion.

For each frame t: the median and 90th percentile distance (px) between where D puts
the frame's pixels in the reference view and where the truth (gt/motion.json: zoom,
pan and depth-dependent parallax; the moving object by its centre) puts them, over the
static scene away from depth edges and from where the object is in the reference frame
and in frame t, and over the moving object. With ``--start``, D's
learned parts (similarity, residual grid) are zeroed first: what the registration and
the chained optical flow alone give.

    .venv/bin/python benchmarks/video_geometry.py CLIP FIT/model.pt [--start]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
import torch

from invcam.app.render import load_model
from invcam.io.hdr import read_exr


def fitted_model(path: Path, start: bool):
    model = load_model(path)
    if start:
        with torch.no_grad():
            model.deformation.similarity.zero_()
            if getattr(model.deformation, "residual", None) is not None:
                model.deformation.residual.zero_()
    return model


def placed(model, t: int, pix: np.ndarray) -> np.ndarray:
    """Reference-view pixel coordinates (OpenCV index) that D gives frame t's ``pix``."""
    h, w = model.size
    with torch.no_grad():
        p = model.normalize(torch.tensor(pix + 0.5, dtype=torch.float32))[None]
        q = model.deformation(p, torch.tensor([t]))[0].numpy()
    return (q + 1) / 2 * np.array([w, h]) - 0.5


def sample_points(clip: Path, size: tuple[int, int], motion: dict, centre: np.ndarray):
    """Reference pixels ``(N, 2)``, their parallax factors, and masks: off depth edges, on
    the moving object (``centre``: its centre in the reference frame)."""
    h, w = size
    depth = read_exr(clip / "gt" / "depth.exr")
    depth = depth[..., 0] if depth.ndim == 3 else depth
    ys, xs = np.mgrid[4:h - 4:3, 4:w - 4:3]
    ref = np.stack([xs.ravel(), ys.ravel()], -1).astype(np.float64)
    d = depth[ys.ravel(), xs.ravel()]
    gy, gx = np.gradient(np.log(np.maximum(depth, 1e-3)))
    edge = cv2.dilate((np.hypot(gx, gy) > 0.02).astype(np.uint8), np.ones((9, 9), np.uint8))
    dist = np.linalg.norm(ref - centre, axis=1)
    radius = motion["object"]["radius_px"]
    parallax = np.minimum(0.5 + 0.5 * motion["d_mid_m"] / d, 2.5) if motion["motion"] == "pan" \
        else np.ones_like(d)  # the other kinds move every depth alike
    return ref, parallax, edge.astype(bool)[ys.ravel(), xs.ravel()] | (dist < radius + 3), \
        dist < radius - 3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", type=Path)
    ap.add_argument("model", type=Path)
    ap.add_argument("--start", action="store_true", help="D's start only (no learned parts)")
    args = ap.parse_args()
    truth = args.clip / "gt" / "motion.json"
    if not truth.is_file():
        ap.error(f"{truth} not found: CLIP must be a synthetic video (invcam synth --video)")
    if not args.model.is_file():
        ap.error(f"{args.model} not found")
    motion = json.loads(truth.read_text())
    model = fitted_model(args.model, args.start)
    h, w = model.size
    obj_ref = np.array(motion["frames"][motion["reference"]]["object_center_xy"])
    ref, parallax, off, on_object = sample_points(args.clip, (h, w), motion, obj_ref)
    radius = motion["object"]["radius_px"]
    centre = np.array([(w - 1) / 2, (h - 1) / 2])
    print("| frame | static scene: median / p90 px | moving object: median px |")
    print("|---|---|---|")
    for t, f in enumerate(motion["frames"]):
        shot = f["zoom"] * (ref - centre) + centre + parallax[:, None] * np.array(f["shift_xy"])
        on_obj = ref - obj_ref + np.array(f["object_center_xy"])
        inside = np.all((shot > 2) & (shot < np.array([w - 3, h - 3])), axis=1)
        # a static point the object covers in frame t shows the object there, not itself
        hidden = np.linalg.norm(shot - np.array(f["object_center_xy"]), axis=1) \
            < radius + 3
        err = np.linalg.norm(placed(model, t, shot) - ref, axis=1)[inside & ~off & ~hidden]
        obj_in = on_object & np.all((on_obj > 2) & (on_obj < np.array([w - 3, h - 3])), axis=1)
        obj = np.linalg.norm(placed(model, t, on_obj) - ref, axis=1)[obj_in]
        print(f"| {t} | {np.median(err):.2f} / {np.percentile(err, 90):.2f} | "
              f"{np.median(obj) if obj.size else float('nan'):.2f} |")


if __name__ == "__main__":
    main()
