"""Running ``invcam bench`` and writing its outputs.

- :func:`run_synthetic`: scenes x methods against synthetic ground truth; writes
  ``DIR/table.md``, ``DIR/results.json``, ``DIR/compare_<scene>.png`` and
  ``DIR/report.html`` (every result under one exposure slider).
- :func:`invcam.bench.real.run_real`: leave-one-exposure-out prediction on a real
  bracket without ground truth (``--real``).
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import torch

from invcam.bench.compare import compare_figure, real_figure
from invcam.bench.options import BenchOptions
from invcam.bench.real import run_real
from invcam.bench.report import mean_over_scenes, real_markdown, synthetic_markdown
from invcam.bench.synthetic import bench_scene
from invcam.io.atomic import write_text
from invcam.io.hdr import read_hdr_image
from invcam.io.ldr import read_ldr
from invcam.io.stack import load_stack
from invcam.report.bench_page import write_bench_report


def machine_info() -> dict:
    """Where the numbers were measured."""
    return {"platform": platform.platform(), "processor": platform.processor(),
            "python": platform.python_version(), "torch": torch.__version__,
            "threads": torch.get_num_threads()}


def write_json(path: Path, data: dict) -> None:
    """Atomically write ``data`` as indented JSON (non-finite numbers as Infinity/NaN)."""
    write_text(path, json.dumps(data, indent=1, default=str) + "\n")


def scene_figure(path: Path, entry: dict) -> None:
    """``compare_<scene>.png`` from a scene's results entry (files read back from disk)."""
    diag = load_stack(entry["inputs"]["diagonal"])
    inputs = [(f"input {im.file} ({im.exposure:.3g} s)", read_ldr(im.path))
              for im in diag.images]
    results, gt_path = [], None
    for name, record in entry["methods"].items():
        label = f"{name}  {record['metrics']['psnr_mu']:.2f} dB"
        results.append((label, read_hdr_image(record["pred"])))
        gt_path = gt_path or record["gt"]
    gt = read_hdr_image(gt_path or Path(entry["inputs"]["diagonal"]) / "gt" / "radiance.exr")
    compare_figure(path, inputs, results, gt)


def run_synthetic(opts: BenchOptions, out: Path) -> dict:
    """Run every scene and method of ``opts``; write the outputs after each scene."""
    results: dict = {"options": opts.to_dict(), "machine": machine_info(), "scenes": {}}
    for scene in opts.scenes:
        entry = bench_scene(scene, out, opts)
        results["scenes"][scene] = entry
        results["mean"] = mean_over_scenes(results["scenes"])
        write_json(out / "results.json", results)
        table = synthetic_markdown(results)
        write_text(out / "table.md", table)
        scene_figure(out / f"compare_{scene}.png", entry)
        write_bench_report(out, results, table)
    return results


def run_real_bench(path: str | Path, opts: BenchOptions, out: Path) -> dict:
    """``--real``: held-out exposure prediction; writes table.md, results.json and
    ``compare_real_<name>.png``."""
    real = run_real(path, opts)
    rows = []
    for r in real["holdouts"]:
        photo, ours, deb = r.pop("_images")
        rows.append([(f"{r['held_out']} ({r['exposure']:.3g} s)", photo),
                     (f"ours {r['psnr']['ours']:.2f} dB", ours),
                     (f"Debevec {r['psnr']['debevec']:.2f} dB", deb)])
    results = {"options": opts.to_dict(), "machine": machine_info(), "real": real}
    write_json(out / "results.json", results)
    write_text(out / "table.md", real_markdown(real, opts.to_dict()))
    real_figure(out / f"compare_real_{Path(real['stack']).name}.png", rows)
    return results


__all__ = ["run_real_bench", "run_synthetic"]
