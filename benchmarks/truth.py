"""A synthetic stack's ground truth, as ``invcam synth`` writes it under ``gt/``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from invcam.io.hdr import read_hdr_image


def read_truth(stack: Path) -> tuple[dict, np.ndarray, np.ndarray]:
    """``gt/scene.json`` (dict), ``gt/radiance.exr`` ``(H, W, 3)`` and ``gt/depth.exr``
    ``(H, W)`` in metres of a synthetic stack."""
    gt = stack / "gt"
    depth = read_hdr_image(gt / "depth.exr")
    return (json.loads((gt / "scene.json").read_text()), read_hdr_image(gt / "radiance.exr"),
            depth[..., 0] if depth.ndim == 3 else depth)
