"""What the benchmark scripts share: run `invcam` in a separate process and time a fit.

Each fit runs in its own process so that its wall time and peak memory are its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

INVCAM = [sys.executable, "-m", "invcam.cli"]


def invcam(*args: str) -> None:
    """Run ``invcam ARGS`` in a new process; a failure stops the benchmark."""
    subprocess.run([*INVCAM, *args], check=True)


def timed_fit(stack: Path, out: Path, minutes: float | None, *args: str) -> dict:
    """``invcam fit STACK -o OUT --minutes M --force ARGS``: the process's wall time
    (``wall_s``, start-up and output writing included) and, from ``fit.json``, the fit's
    own time, iterations and peak memory. ``minutes`` None: the budget is in ``args``
    (``--iters N``)."""
    t0 = time.perf_counter()
    budget = [] if minutes is None else ["--minutes", str(minutes)]
    invcam("fit", str(stack), "-o", str(out), *budget, "--force", *args)
    report = json.loads((out / "fit.json").read_text())
    return {"wall_s": time.perf_counter() - t0, "fit_s": report["wall_s"],
            "iterations": report["iterations"], "peak_memory_mb": report["peak_memory_mb"]}
