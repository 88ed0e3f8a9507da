"""Fixture for the model tests: a tiny synthetic stack with ground truth."""

from __future__ import annotations

import pytest
from fit_helpers import synth_stack


@pytest.fixture(scope="session")
def tiny_stack():
    """A 48x64 diagonal synth stack: (images (B, H, W, 3) float, exposures, ref, synth result)."""
    return synth_stack((48, 64))
