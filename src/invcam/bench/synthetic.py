"""Synthetic benchmark: scenes x methods, each result scored like ``invcam eval`` does.

Per scene (see :mod:`invcam.bench.scenes` for the inputs each method gets):
``ours`` fits the 3-image diagonal stack; ``two-stage`` gets all 9 images of the
``all`` layout; ``debevec``, ``robertson`` and ``mertens`` the diagonal 3; ``focus-stack``
the 3 focus images of the middle exposure. Every result is written to
``DIR/scenes/<scene>/results/<method>.exr`` (ours: ``.../ours/radiance.exr``), then read
back and scored against the ground truth with :func:`invcam.metrics_extra.evaluate_files`,
the function behind ``invcam eval``.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from invcam.baselines import run_baseline, write_baseline
from invcam.bench.options import BenchOptions
from invcam.bench.ours import run_ours
from invcam.bench.scenes import SceneInputs, prepare_scene
from invcam.metrics_extra import evaluate_files
from invcam.synth.scenes import get_spec


def _log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def run_method(method: str, inputs: SceneInputs, folder: Path, opts: BenchOptions) -> dict:
    """Run one method on its inputs; returns ``{pred, gt, images, wall_s, info}``."""
    stack_dir = inputs.stack_for(method)
    if method == "ours":
        pred, wall, info = run_ours(stack_dir, folder / "ours", opts)
        from invcam.io.stack import load_stack

        files = [im.file for im in load_stack(stack_dir).images]
    else:
        start = time.perf_counter()
        result = run_baseline(method, stack_dir, opts.tool)
        pred = folder / "results" / f"{method}.exr"
        write_baseline(pred, result, str(stack_dir))
        wall, info, files = time.perf_counter() - start, result.info, result.images
    return {"pred": str(pred), "gt": str(inputs.gt_for(method)), "stack": str(stack_dir),
            "images": len(files), "files": files, "wall_s": wall, "info": info}


def bench_scene(scene: str, out: Path, opts: BenchOptions) -> dict:
    """Synthesize, run every method and score it; returns the scene's results entry."""
    folder = out / "scenes" / scene
    if folder.exists():  # only with --force: the output folder was not empty
        shutil.rmtree(folder)
    inputs = prepare_scene(folder, scene, opts.size, opts.seed)
    if not inputs.gt_identical:
        _log(f"{scene}: the diagonal and all layouts have different ground truths; "
             "each method is scored against its own layout's")
    methods: dict[str, dict] = {}
    for method in opts.methods:
        _log(f"{scene}: {method} ...")
        record = run_method(method, inputs, folder, opts)
        scores = evaluate_files(record["pred"], record["gt"], opts.optional)
        record["unavailable"] = scores.pop("unavailable")
        record["metrics"] = scores
        methods[method] = record
        _log(f"{scene}: {method} PSNR-mu {scores['psnr_mu']:.2f} dB in {record['wall_s']:.1f} s")
    return {"set": get_spec(scene).split, "gt_identical": inputs.gt_identical,
            "inputs": {k: str(v) for k, v in inputs.stacks.items()},
            "methods": methods}
