"""Every script in benchmarks/ still imports what it uses and parses its arguments (a
rename in the package must not leave a benchmark that fails only when run by hand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted(p for p in (Path(__file__).resolve().parents[1] / "benchmarks").glob("*.py")
                 if '__name__ == "__main__"' in p.read_text(encoding="utf-8"))
# (fitrun.py and oracle.py are modules the scripts import: covered through them)


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_shows_its_help(script):
    run = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-500:]
    assert "usage:" in run.stdout
