"""Per-image geometry of a fitted static stack against the synthetic truth.

For each image: whether the joint feature registration placed it (else D starts it at
the identity and its similarity learns faster), and the error in pixels of where D puts
a 7 x 9 grid of its pixels in the reference view, with D's learned similarity and with
D's start alone.

    .venv/bin/python benchmarks/geometry_check.py STACK FIT/model.pt
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from invcam.app.render import load_model
from invcam.io.stack import load_stack
from invcam.motion.joint import frame_grid


def grid_errors(model, images: list[dict]) -> list[np.ndarray]:
    """Per image, ``(63,)`` distances (px) between D's and the true reference position."""
    h, w = model.size
    pix = frame_grid((h, w))
    out = []
    with torch.no_grad():
        p = model.normalize(torch.tensor(pix, dtype=torch.float32))[None]
        for i, image in enumerate(images):
            q = model.deformation(p, torch.tensor([i]))[0].numpy()
            placed = (q + 1) / 2 * np.array([w, h])
            shot_to_ref = np.linalg.inv(np.vstack([image["from_reference"], [0, 0, 1]]))
            truth = (shot_to_ref @ np.c_[pix - 0.5, np.ones(len(pix))].T).T[:, :2] + 0.5
            out.append(np.linalg.norm(placed - truth, axis=1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stack", type=Path)
    ap.add_argument("model", type=Path)
    args = ap.parse_args()
    images = json.loads((args.stack / "gt" / "scene.json").read_text())["images"]
    stack = load_stack(args.stack)
    model = load_model(args.model)
    learned = grid_errors(model, images)
    faster = model.deformation.sim_rate[:, 0] > 1.0  # not placed by the registration
    with torch.no_grad():
        model.deformation.similarity.zero_()
    registered = grid_errors(model, images)
    print("| image | exposure s | focus m | start | D: median / max px | "
          "D's start (registration, or the identity): median / max px |")
    print("|---|---|---|---|---|---|")
    for i, image in enumerate(images):
        step = ("reference" if i == stack.reference else
                "identity" if bool(faster[i]) else "registered")
        a, b = learned[i], registered[i]
        print(f"| {i} | {image['exposure']:.4g} | {image['focus_distance']} | {step} | "
              f"{np.median(a):.2f} / {a.max():.2f} | {np.median(b):.2f} / {b.max():.2f} |")


if __name__ == "__main__":
    main()
