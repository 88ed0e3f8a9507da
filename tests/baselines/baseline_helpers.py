"""Helpers for the baseline tests: scores of the inputs and of a result."""

from __future__ import annotations

import numpy as np

from invcam.metrics import hdr_metrics, mu_law, psnr, scale_to_truth


def linearize(res, image: np.ndarray, exposure: float) -> np.ndarray:
    """Camera values ``(H, W, 3)`` in [0, 1] -> radiance with the true CRF and exposure."""
    return res.camera.crf.inverse(np.asarray(image, np.float64)) / exposure + 1e-12


def input_scores(res, indices=None) -> list[float]:
    """PSNR-mu of each input image (or of ``indices``), linearized with the true CRF."""
    indices = range(len(res.images)) if indices is None else indices
    return [hdr_metrics(res.linear_input(i) + 1e-12, res.radiance)["psnr_mu"]
            for i in indices]


def psnr_mu(image: np.ndarray, res) -> float:
    return hdr_metrics(np.asarray(image, np.float64) + 1e-12, res.radiance)["psnr_mu"]


def psnr_mu_where(image: np.ndarray, res, mask: np.ndarray) -> float:
    """PSNR-mu over the ``(H, W)`` pixels ``mask`` only (alignment as for hdr_metrics)."""
    p, g = scale_to_truth(np.asarray(image, np.float64) + 1e-12, res.radiance)
    return psnr(mu_law(p)[mask], mu_law(g)[mask])


def unclipped_somewhere(res, level: int = 250) -> np.ndarray:
    """``(H, W)``: pixels that at least one input shows below ``level`` in every channel."""
    return np.any([(im < level).all(axis=-1) for im in res.images], axis=0)
