"""Fixture for the model tests: a tiny synthetic stack with ground truth."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from invcam.synth import synthesize


@pytest.fixture(scope="session")
def tiny_stack():
    """A 48x64 diagonal synth stack: (images (B, H, W, 3) float, exposures, ref, synth result)."""
    res = synthesize("demo", layout="diagonal", size=(48, 64), seed=3)
    images = np.stack([im.astype(np.float32) / 255.0 for im in res.images])
    exposures = [e["exposure"] for e in res.entries]
    ref = next(i for i, e in enumerate(res.entries) if e.get("role") == "reference")
    return torch.from_numpy(images), exposures, ref, res
