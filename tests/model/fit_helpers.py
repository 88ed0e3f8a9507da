"""Helpers for the model tests."""

from __future__ import annotations

import numpy as np

from invcam.metrics import hdr_metrics


def best_input_psnr_mu(res) -> float:
    """PSNR-mu of the best single input, linearized with the true CRF and exposure time."""
    best = -np.inf
    for i in range(len(res.images)):
        best = max(best, hdr_metrics(res.linear_input(i) + 1e-12, res.radiance)["psnr_mu"])
    return best
