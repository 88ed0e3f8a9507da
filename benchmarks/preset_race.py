"""PSNR-mu against wall time for the `fast` and `paper` presets on one scene, in one run.

Both presets fit the same synthetic diagonal stack, one after the other in this process
(same machine, same threads). Model snapshots are taken every few seconds of fit time
and scored against the ground truth after the fit, so scoring does not slow the fit.
Reports the best PSNR-mu `paper` reaches in its budget and how much sooner `fast`
first reaches it.

Usage:
    .venv/bin/python benchmarks/preset_race.py --scene studio --size 600x900 \
        --paper-minutes 20 --fast-minutes 3 -o race_out
Writes race_out/race.json and race_out/race.png.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from invcam.app.run import RunOptions, run_fit
from invcam.display import plt
from invcam.io.hdr import read_hdr_image
from invcam.io.stack import load_stack
from invcam.method.state import model_from_checkpoint
from invcam.metrics import hdr_metrics
from invcam.presets import preset
from invcam.synth import write_synth


def curve(name: str, minutes: float, every_s: float, stack_dir: Path, work: Path, gt) -> list:
    """Fit the stack with preset ``name`` for ``minutes`` (:func:`invcam.app.run.run_fit`,
    as ``invcam fit`` does); return [(fit seconds, iteration, PSNR-mu)]."""
    stack = load_stack(stack_dir)
    snaps = []
    out = work / name
    out.mkdir(parents=True, exist_ok=True)
    run = run_fit(stack, out, preset(name, minutes=minutes), stack.reference,
                  RunOptions(motion="static", checkpoint_every_s=every_s),
                  on_checkpoint=snaps.append)
    points = []
    for state in snaps:
        model = model_from_checkpoint(state)
        points.append((state["elapsed"], state["iteration"],
                       hdr_metrics(model.render_irradiance().numpy(), gt)["psnr_mu"]))
    result = run.result
    final = hdr_metrics(result.model.render_irradiance().numpy(), gt)["psnr_mu"]
    points.append((result.wall_s, result.iterations, final))
    return points


def first_reach(points: list, target: float) -> float | None:
    """Fit time at which a curve first reaches ``target`` PSNR-mu."""
    return next((t for t, _, p in points if p >= target), None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scene", default="studio")
    ap.add_argument("--size", default="600x900")
    ap.add_argument("--paper-minutes", type=float, default=20.0)
    ap.add_argument("--fast-minutes", type=float, default=3.0)
    ap.add_argument("-o", "--out", default="race_out")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    out = Path(args.out)
    stack_dir = write_synth(out / "stack", scene=args.scene, layout="diagonal", size=size,
                            seed=0, force=True)
    gt = read_hdr_image(stack_dir / "gt" / "radiance.exr")
    fast = curve("fast", args.fast_minutes, 5.0, stack_dir, out, gt)
    paper = curve("paper", args.paper_minutes, 60.0, stack_dir, out, gt)
    paper_best = max(p for _, _, p in paper)
    paper_best_t = next(t for t, _, p in paper if p == paper_best)
    fast_t = first_reach(fast, paper_best)
    summary = {"scene": args.scene, "size": size, "threads": torch.get_num_threads(),
               "paper_best_psnr_mu": paper_best, "paper_best_at_s": paper_best_t,
               "paper_iterations": paper[-1][1], "fast_reaches_it_at_s": fast_t,
               "speedup": (paper_best_t / fast_t) if fast_t else None,
               "fast_final_psnr_mu": fast[-1][2], "fast": fast, "paper": paper}
    (out / "race.json").write_text(json.dumps(summary, indent=1))
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, pts in (("fast", fast), ("paper", paper)):
        ax.plot([t for t, _, _ in pts], [p for _, _, p in pts], marker=".", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("fit wall time (s)")
    ax.set_ylabel("PSNR-μ (dB)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.savefig(out / "race.png", dpi=100)
    print(json.dumps({k: v for k, v in summary.items() if k not in ("fast", "paper")}, indent=1))


if __name__ == "__main__":
    main()
