"""Shared fixtures for model tests: tiny synthetic stacks with ground truth."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from invcam.metrics import hdr_metrics
from invcam.synth import synthesize


@pytest.fixture(autouse=True)
def _one_thread():
    """Tests run torch on one thread (a busy 2-core machine collapses with two)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def tiny_stack():
    """A 48x64 diagonal synth stack: (images (B, H, W, 3) float, exposures, ref, synth result)."""
    res = synthesize("demo", layout="diagonal", size=(48, 64), seed=3)
    images = np.stack([im.astype(np.float32) / 255.0 for im in res.images])
    exposures = [e["exposure"] for e in res.entries]
    ref = next(i for i, e in enumerate(res.entries) if e.get("role") == "reference")
    return torch.from_numpy(images), exposures, ref, res


def best_input_psnr_mu(res) -> float:
    """PSNR-mu of the best single input, linearized with the true CRF and exposure time."""
    best = -np.inf
    for im, entry in zip(res.images, res.entries, strict=True):
        lin = res.camera.crf.inverse(im.astype(np.float64) / 255.0) / entry["exposure"]
        best = max(best, hdr_metrics(lin + 1e-12, res.radiance)["psnr_mu"])
    return best
