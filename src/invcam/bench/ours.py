"""Our method inside the benchmark: ``invcam fit`` (fast preset) through the library."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from invcam.bench.options import BenchOptions


def fit_config(opts: BenchOptions):
    """The fast preset with the benchmark's budget (``iters`` wins over ``minutes``)."""
    from invcam.method.fit import replace_budget
    from invcam.presets import preset

    if opts.iters is not None:
        return replace_budget(preset("fast"), opts.iters, None)
    return replace_budget(preset("fast"), None, opts.minutes)


def run_ours(stack_dir: Path, out: Path, opts: BenchOptions) -> tuple[Path, float, dict]:
    """Fit the stack in ``stack_dir`` as ``invcam fit`` does (:func:`invcam.app.run.run_fit`:
    registration, the motion decision, the outputs) and write into ``out``.

    Returns:
        ``(radiance.exr path, wall seconds of load + fit + write, info)``.
    """
    from invcam.app.run import RunOptions, run_fit
    from invcam.io.stack import load_stack

    start = time.perf_counter()
    stack = load_stack(stack_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = run_fit(stack, out, fit_config(opts), stack.reference,
                  RunOptions(checkpoint_every_s=None))
    result = run.result
    info = {"preset": "fast", "iterations": result.iterations, "fit_s": result.wall_s,
            "threads": torch.get_num_threads()}
    return out / "radiance.exr", time.perf_counter() - start, info
