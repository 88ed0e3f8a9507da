"""Quality and speed of `invcam fit` on synthetic scenes (issue: fit and render).

For each scene: synthesize a 3-image diagonal stack (600x900 by default), fit it with
the `fast` preset in a separate process (`invcam fit --minutes M`), and score the
all-in-focus HDR result against gt/radiance.exr next to two references on the same
images: the best single input (linearized with the *true* CRF, an upper bound for any
single shot) and a plain OpenCV Debevec merge of the 3 images.

Usage:
    .venv/bin/python benchmarks/fit_bench.py --scenes studio window desk tree \
        --size 600x900 --minutes 3 -o bench_out
Writes bench_out/fit_bench.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fitrun import timed_fit

from invcam.baselines import run_baseline
from invcam.io.hdr import read_hdr_image
from invcam.metrics import hdr_metrics
from invcam.synth import synthesize, write_synth


def best_input(scene: str, size, seed: int) -> float:
    """PSNR-mu of the best input image, linearized with the true CRF and exposure."""
    res = synthesize(scene, layout="diagonal", size=size, seed=seed)
    scores = [hdr_metrics(res.linear_input(i) + 1e-12, res.radiance)["psnr_mu"]
              for i in range(len(res.images))]
    return max(scores)


def run_scene(scene: str, size, minutes: float, out: Path, seed: int) -> dict:
    stack_dir, fit_dir = out / scene / "stack", out / scene / "fit"
    write_synth(stack_dir, scene=scene, layout="diagonal", size=size, seed=seed, force=True)
    run = timed_fit(stack_dir, fit_dir, minutes)
    gt = read_hdr_image(stack_dir / "gt" / "radiance.exr")
    ours = hdr_metrics(read_hdr_image(fit_dir / "radiance.exr"), gt)
    debevec = run_baseline("debevec", stack_dir).radiance
    return {"scene": scene, "ours": ours, "debevec": hdr_metrics(debevec, gt),
            "best_input_psnr_mu": best_input(scene, size, seed), **run}


def table(rows: list[dict]) -> str:
    lines = ["| scene | ours PSNR-μ | ours SSIM-μ | ours PSNR-L | Debevec PSNR-μ "
             "| best input PSNR-μ | iterations | wall (s) | peak mem (MB) |", "|" + "---|" * 9]
    for r in rows:
        o = r["ours"]
        lines.append(f"| {r['scene']} | {o['psnr_mu']:.2f} | {o['ssim_mu']:.3f} "
                     f"| {o['psnr_l']:.2f} "
                     f"| {r['debevec']['psnr_mu']:.2f} | {r['best_input_psnr_mu']:.2f} "
                     f"| {r['iterations']} | {r['wall_s']:.0f} | {r['peak_memory_mb']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", nargs="+", default=["studio", "window", "desk", "tree"])
    ap.add_argument("--size", default="600x900")
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--out", default="bench_out")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    out = Path(args.out)
    rows = []
    for scene in args.scenes:
        rows.append(run_scene(scene, size, args.minutes, out, args.seed))
        print(json.dumps(rows[-1]), flush=True)
    (out / "fit_bench.json").write_text(json.dumps(rows, indent=1))
    print(table(rows))


if __name__ == "__main__":
    main()
