"""Fixtures of the fault-injection suite: tiny stacks and one tiny fitted model.

Every test here drives the ``invcam`` command itself (``invcam.cli.main``) and checks the
exit code, the one-line error and that nothing the user had was touched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from reliability_helpers import SIZE

from invcam.cli import main
from invcam.synth import write_synth


@pytest.fixture(scope="session")
def tiny_stack(tmp_path_factory) -> Path:
    """A 3-image 32x48 synthetic stack (read-only: copy it before changing it)."""
    return write_synth(tmp_path_factory.mktemp("rel") / "stack", size=SIZE, seed=3)


@pytest.fixture()
def stack_copy(tiny_stack, tmp_path) -> Path:
    """A private copy of the tiny stack."""
    return Path(shutil.copytree(tiny_stack, tmp_path / "stack"))


@pytest.fixture(scope="session")
def tiny_fit(tiny_stack, tmp_path_factory) -> Path:
    """The output folder of a 3-iteration fit of the tiny stack (read-only)."""
    out = tmp_path_factory.mktemp("relfit") / "fit"
    assert main(["fit", str(tiny_stack), "-o", str(out), "--iters", "3"]) == 0
    return out
