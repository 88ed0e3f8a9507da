"""Helpers for the model tests."""

from __future__ import annotations

import numpy as np

from invcam.metrics import hdr_metrics


def best_input_psnr_mu(res) -> float:
    """PSNR-mu of the best single input, linearized with the true CRF and exposure time."""
    best = -np.inf
    for im, entry in zip(res.images, res.entries, strict=True):
        lin = res.camera.crf.inverse(im.astype(np.float64) / 255.0) / entry["exposure"]
        best = max(best, hdr_metrics(lin + 1e-12, res.radiance)["psnr_mu"])
    return best
