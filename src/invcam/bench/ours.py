"""Our method inside the benchmark: ``invcam fit`` (fast preset) through the library."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from invcam.bench.options import BenchOptions


def fit_config(opts: BenchOptions):
    """The fast preset with the benchmark's budget (``iters`` wins over ``minutes``)."""
    from invcam.config import preset
    from invcam.fit import replace_budget

    if opts.iters is not None:
        return replace_budget(preset("fast"), opts.iters, None)
    return replace_budget(preset("fast"), None, opts.minutes)


def fit_arrays(images: torch.Tensor, exposures: list, reference: int, opts: BenchOptions,
               stack=None):
    """Fit ``(B, H, W, 3)`` images in [0, 1]; returns the FitResult. With ``stack``, the
    registration and the static/dynamic decision are made as ``invcam fit`` makes them."""
    from invcam.fit import fit

    cfg, prior = fit_config(opts), None
    if stack is not None:
        from invcam.motion.prior import plan_motion

        prior, cfg, _ = plan_motion(stack, reference, "auto", cfg)
    return fit(images, exposures, cfg, reference, prior=prior)


def run_ours(stack_dir: Path, out: Path, opts: BenchOptions) -> tuple[Path, float, dict]:
    """Fit the stack in ``stack_dir`` and write the usual fit outputs into ``out``.

    Returns:
        ``(radiance.exr path, wall seconds of load + fit + write, info)``.
    """
    from invcam.fit import make_state_of
    from invcam.io.checkpoint import save_checkpoint
    from invcam.io.fit_outputs import write_fit_outputs
    from invcam.io.stack import load_images, load_stack

    start = time.perf_counter()
    stack = load_stack(stack_dir)
    images = torch.from_numpy(load_images(stack))
    result = fit_arrays(images, [im.exposure for im in stack.images], stack.reference, opts,
                        stack)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"stack": str(stack.root), "files": [im.file for im in stack.images]}
    save_checkpoint(out / "model.pt", make_state_of(result), meta)
    write_fit_outputs(out, result, stack, {"device": "cpu",
                                           "threads": torch.get_num_threads()})
    info = {"preset": "fast", "iterations": result.iterations, "fit_s": result.wall_s,
            "threads": torch.get_num_threads()}
    return out / "radiance.exr", time.perf_counter() - start, info
