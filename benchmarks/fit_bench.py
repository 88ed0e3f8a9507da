"""Quality and speed of `invcam fit` on synthetic scenes (issue: fit and render).

For each scene: synthesize a 3-image diagonal stack (600x900 by default), fit it with
the `fast` preset in a separate process (`invcam fit --minutes M`), and score the
all-in-focus HDR result against gt/radiance.exr next to two references on the same
images: the best single input (linearized with the *true* CRF, an upper bound for any
single shot) and a plain OpenCV Debevec merge of the 3 images.

Usage:
    .venv/bin/python benchmarks/fit_bench.py --set tuning --size 600x900 --minutes 3 \
        -o bench_out
    .venv/bin/python benchmarks/fit_bench.py --set test ...   # the held-out test set
    # two settings at equal work, side by side (one thread each):
    .venv/bin/python benchmarks/fit_bench.py --iters 1800 --threads 1 -o a &
    .venv/bin/python benchmarks/fit_bench.py --iters 1800 --threads 1 \
        --fit-set model.blur_center_logit=5 -o b
Writes bench_out/fit_bench.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fitrun import timed_fit
from oracle import seen_by, single_view_oracle, top_ratio_seen

from invcam.baselines import run_baseline
from invcam.io.hdr import read_hdr_image
from invcam.metrics import hdr_metrics
from invcam.metrics_local import local_metrics
from invcam.synth import synthesize, write_synth
from invcam.synth.scenes import scenes_in


def references(scene: str, size, seed: int, pred) -> dict:
    """PSNR-mu of the best input image (linearized with the true CRF and exposure) and of
    the single-view oracle (benchmarks/oracle.py), with the share of pixels seen once;
    the prediction's top-band ratio over the pixels some image sees unclipped, with the
    share of the top band that no image sees."""
    res = synthesize(scene, layout="diagonal", size=size, seed=seed)
    scores = [hdr_metrics(res.linear_input(i) + 1e-12, res.radiance)["psnr_mu"]
              for i in range(len(res.images))]
    views = seen_by(res)
    oracle, once = single_view_oracle(res, views)
    ratio, unseen = top_ratio_seen(pred, res.radiance, views[0])
    return {"best_input_psnr_mu": max(scores), "seen_once": once,
            "oracle_psnr_mu": hdr_metrics(oracle + 1e-12, res.radiance)["psnr_mu"],
            "top_ratio_seen": ratio, "top_unseen": unseen}


def fit_args(args: argparse.Namespace) -> tuple[float | None, list[str]]:
    """The fit's time budget (None with ``--iters``) and its extra ``invcam fit`` flags."""
    extra = [] if args.threads is None else ["--threads", str(args.threads)]
    for assignment in args.fit_set or []:
        extra += ["--set", assignment]
    if args.iters is not None:
        return None, ["--iters", str(args.iters), *extra]
    return args.minutes, extra


def run_scene(scene: str, size, out: Path, args: argparse.Namespace) -> dict:
    seed = args.seed
    stack_dir, fit_dir = out / scene / "stack", out / scene / "fit"
    write_synth(stack_dir, scene=scene, layout="diagonal", size=size, seed=seed, force=True)
    minutes, extra = fit_args(args)
    run = timed_fit(stack_dir, fit_dir, minutes, *extra)
    gt = read_hdr_image(stack_dir / "gt" / "radiance.exr")
    pred = read_hdr_image(fit_dir / "radiance.exr")
    ours = {**hdr_metrics(pred, gt), **local_metrics(pred, gt)}
    debevec = run_baseline("debevec", stack_dir).image
    motion = json.loads((fit_dir / "fit.json").read_text()).get("motion")
    return {"scene": scene, "ours": ours, "debevec": hdr_metrics(debevec, gt),
            "motion": motion, **references(scene, size, seed, pred), **run}


def table(rows: list[dict]) -> str:
    lines = ["| scene | ours PSNR-μ | ours SSIM-μ | ours PSNR-L | misreg median / p95 px "
             "| top ratio (seen; unseen share) | PSNR-μ low / mid / high "
             "| Debevec PSNR-μ | best input PSNR-μ "
             "| single-view oracle PSNR-μ (seen once) | motion | iterations | wall (s) "
             "| peak mem (MB) |", "|" + "---|" * 14]
    for r in rows:
        o = r["ours"]
        lines.append(f"| {r['scene']} | {o['psnr_mu']:.2f} | {o['ssim_mu']:.3f} "
                     f"| {o['psnr_l']:.2f} | {o['misreg_median_px']:.3f} / "
                     f"{o['misreg_p95_px']:.3f} | {o['top_ratio']:.3f} "
                     f"({r['top_ratio_seen']:.3f}; {100 * r['top_unseen']:.0f} %) "
                     f"| {o['psnr_mu_low']:.1f} / {o['psnr_mu_mid']:.1f} / "
                     f"{o['psnr_mu_high']:.1f} "
                     f"| {r['debevec']['psnr_mu']:.2f} | {r['best_input_psnr_mu']:.2f} "
                     f"| {r['oracle_psnr_mu']:.2f} ({100 * r['seen_once']:.1f} %) "
                     f"| {r['motion']} | {r['iterations']} | {r['wall_s']:.0f} "
                     f"| {r['peak_memory_mb']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", nargs="+", default=None,
                    help="scenes (default: those of --set)")
    ap.add_argument("--set", default="tuning", choices=["tuning", "test"],
                    help="tuning: studio window desk tree; test: the held-out test set")
    ap.add_argument("--size", default="600x900")
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--iters", type=int, default=None,
                    help="a fixed number of iterations instead of --minutes (settings "
                         "compared at equal work, whatever else runs on the machine)")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads of each fit")
    ap.add_argument("--fit-set", action="append", default=None,
                    metavar="SECTION.FIELD=VALUE", help="passed to `invcam fit --set`")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--out", default="bench_out")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    out = Path(args.out)
    scenes = args.scenes or (["studio", "window", "desk", "tree"] if args.set == "tuning"
                             else list(scenes_in("test")))
    rows = []
    for scene in scenes:
        rows.append(run_scene(scene, size, out, args))
        print(json.dumps(rows[-1]), flush=True)
    (out / "fit_bench.json").write_text(json.dumps(rows, indent=1))
    print(table(rows))


if __name__ == "__main__":
    main()
