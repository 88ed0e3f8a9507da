"""Helpers for the model tests."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from invcam.method.fit import replace_budget
from invcam.metrics import hdr_metrics
from invcam.presets import preset
from invcam.synth import synthesize


def synth_stack(size: tuple[int, int], seed: int = 3):
    """A diagonal synth stack of the demo scene: (images (B, H, W, 3) float, exposures,
    ref, synth result)."""
    res = synthesize("demo", layout="diagonal", size=size, seed=seed)
    images = np.stack([im.astype(np.float32) / 255.0 for im in res.images])
    exposures = [e["exposure"] for e in res.entries]
    ref = next(i for i, e in enumerate(res.entries) if e.get("role") == "reference")
    return torch.from_numpy(images), exposures, ref, res


def fast_config(iters: int, cfg=None, **optim):
    """``cfg`` (default: the fast preset) for ``iters`` iterations at batch 4096, with
    ``optim`` fields set."""
    cfg = replace_budget(cfg if cfg is not None else preset("fast"), iters, None)
    return dataclasses.replace(cfg, optim=dataclasses.replace(cfg.optim, batch=4096, **optim))


def best_input_psnr_mu(res) -> float:
    """PSNR-mu of the best single input, linearized with the true CRF and exposure time."""
    best = -np.inf
    for i in range(len(res.images)):
        best = max(best, hdr_metrics(res.linear_input(i) + 1e-12, res.radiance)["psnr_mu"])
    return best
