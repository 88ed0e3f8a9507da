"""The report tests' fitted folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from invcam.cli import main
from invcam.synth import write_synth


@pytest.fixture(scope="session")
def fitted(tmp_path_factory) -> Path:
    """A tiny diagonal stack fitted for 600 iterations (writes report.html): enough for
    the defocused image's far PSF to widen, which the "as seen" check needs."""
    base = tmp_path_factory.mktemp("report")
    stack = write_synth(base / "stack", size=(96, 144), seed=4)
    out = base / "fit"
    assert main(["fit", str(stack), "-o", str(out), "--iters", "600"]) == 0
    return out
