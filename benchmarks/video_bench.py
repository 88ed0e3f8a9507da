"""Moving scenes (issue: dynamic scenes and video), three parts, each in one run.

video     a 30-frame 270x480 synthetic video (camera pan + zoom with parallax, a moving
          object, focus sweep, 3-exposure cycle): `invcam fit --motion dynamic`, then mean
          per-frame PSNR-mu / SSIM-mu of frames/%05d.exr against gt/frames/%05d.exr.
ablation  the same kind of video (smaller, shorter budget): flow loss on/off x rigidity on/off.
dynamic   3-exposure stacks with a moving object (`invcam synth --layout dynamic`): ours vs
          OpenCV Debevec and Mertens in the reference geometry, and a side-by-side PNG.

Usage:
    .venv/bin/python benchmarks/video_bench.py video --minutes 12 -o bench_video
    .venv/bin/python benchmarks/video_bench.py video --scene window --size 240x360 --frames 12 \
        --motion slide --all-in-focus --iters 1500 --threads 1 -o bench_slide \
        [--fit-set loss.deform_temporal=0.03]
    .venv/bin/python benchmarks/video_bench.py ablation --size 135x240 --minutes 3 -o bench_abl
    .venv/bin/python benchmarks/video_bench.py dynamic --scenes demo studio --minutes 2 -o bench_dyn
Each part writes OUT/<part>.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from fitrun import invcam, timed_fit

from invcam.baselines import run_baseline
from invcam.display import display_map, display_map_params
from invcam.io.hdr import read_hdr_image
from invcam.io.ldr import write_ldr
from invcam.metrics import hdr_metrics


def synth(out: Path, *args: str) -> Path:
    invcam("synth", str(out), "--force", *args)
    return out


def fit(stack: Path, out: Path, minutes: float, *args: str) -> dict:
    """A moving-scene fit (``--motion dynamic``), timed: see :func:`fitrun.timed_fit`."""
    return timed_fit(stack, out, minutes, "--motion", "dynamic", *args)


def score_frames(stack: Path, fit_dir: Path) -> dict:
    """Mean per-frame metrics (each frame scale-aligned on its own, as `invcam eval` does)."""
    rows = []
    for gt_path in sorted((stack / "gt" / "frames").glob("*.exr")):
        pred = read_hdr_image(fit_dir / "frames" / gt_path.name)
        rows.append(hdr_metrics(pred, read_hdr_image(gt_path)))
    return {k: float(np.mean([r[k] for r in rows])) for k in ("psnr_mu", "ssim_mu")} | {
        "min_psnr_mu": float(min(r["psnr_mu"] for r in rows)), "frames": len(rows),
        "per_frame_psnr_mu": [round(float(r["psnr_mu"]), 2) for r in rows]}


def part_video(args) -> list[dict]:
    clip = ["--motion", args.motion, "--seed", str(args.seed)]
    clip += ["--all-in-focus"] if args.all_in_focus else []
    stack = synth(args.out / "video" / "stack", "--video", "--size", args.size,
                  "--frames", str(args.frames), "--scene", args.scene, *clip)
    budget = [] if args.iters is None else ["--iters", str(args.iters)]
    if args.threads is not None:
        budget += ["--threads", str(args.threads)]
    for assignment in args.fit_set or []:
        budget += ["--set", assignment]
    run = fit(stack, args.out / "video" / "fit", None if args.iters else args.minutes, *budget)
    return [{"part": "video", "scene": args.scene, "size": args.size, "frames": args.frames,
             "motion": args.motion, "all_in_focus": args.all_in_focus,
             "fit_set": args.fit_set or [], **run,
             **score_frames(stack, args.out / "video" / "fit")}]


VARIANTS = {"flow + rigidity": ["--flow-weight", "100", "--rigidity", "0.01"],
            "no flow (default)": ["--flow-weight", "0", "--rigidity", "0.01"],
            "no rigidity": ["--flow-weight", "100", "--rigidity", "0"],
            "neither": ["--flow-weight", "0", "--rigidity", "0"]}


def part_ablation(args) -> list[dict]:
    stack = synth(args.out / "ablation" / "stack", "--video", "--size", args.size,
                  "--frames", str(args.frames), "--scene", args.scene)
    rows = []
    for name, extra in VARIANTS.items():
        fit_dir = args.out / "ablation" / name.split(" (")[0].replace(" + ", "_and_").replace(
            " ", "_")
        run = fit(stack, fit_dir, args.minutes, *extra)
        rows.append({"part": "ablation", "variant": name, **run, **score_frames(stack, fit_dir)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def side_by_side(path: Path, images: list[np.ndarray]) -> None:
    """Tone-map every image with the ground truth's display scale and put them in a row."""
    params = display_map_params(images[-1])
    write_ldr(path, np.concatenate([display_map(im, params=params) for im in images], 1))


def part_dynamic(args) -> list[dict]:
    rows = []
    for scene in args.scenes:
        stack = synth(args.out / "dynamic" / scene / "stack", "--layout", "dynamic",
                      "--scene", scene)
        fit_dir = args.out / "dynamic" / scene / "fit"
        run = fit(stack, fit_dir, args.minutes)
        gt = read_hdr_image(stack / "gt" / "radiance.exr")
        ours = read_hdr_image(fit_dir / "radiance.exr")
        base = {m: run_baseline(m, stack).image for m in ("debevec", "mertens")}
        side_by_side(args.out / f"dynamic_{scene}.png",
                     [ours, base["debevec"], base["mertens"], gt])
        rows.append({"part": "dynamic", "scene": scene, **run, "ours": hdr_metrics(ours, gt),
                     **{m: hdr_metrics(r, gt) for m, r in base.items()}})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list[dict]) -> str:
    if rows[0]["part"] == "dynamic":
        lines = ["| scene | ours PSNR-μ | Debevec PSNR-μ | Mertens PSNR-μ | ours SSIM-μ "
                 "| Debevec SSIM-μ | Mertens SSIM-μ | wall (s) |", "|" + "---|" * 8]
        for r in rows:
            o, d, m = r["ours"], r["debevec"], r["mertens"]
            lines.append(f"| {r['scene']} | {o['psnr_mu']:.2f} | {d['psnr_mu']:.2f} "
                         f"| {m['psnr_mu']:.2f} | {o['ssim_mu']:.3f} | {d['ssim_mu']:.3f} "
                         f"| {m['ssim_mu']:.3f} | {r['wall_s']:.0f} |")
        return "\n".join(lines)
    lines = ["| run | mean PSNR-μ | min PSNR-μ | mean SSIM-μ | iterations | wall (s) "
             "| peak mem (MB) |", "|" + "---|" * 7]
    for r in rows:
        name = r["variant"] if "variant" in r else \
            f"{r.get('scene', '')} {r.get('motion', '')} {r['frames']} frames {r['size']}"
        lines.append(f"| {name} | {r['psnr_mu']:.2f} | {r['min_psnr_mu']:.2f} "
                     f"| {r['ssim_mu']:.3f} | {r['iterations']} | {r['wall_s']:.0f} "
                     f"| {r['peak_memory_mb']:.0f} |")
    frames = [r for r in rows if "per_frame_psnr_mu" in r]
    for r in frames:  # the per-frame figures, not only the mean
        lines.append(f"\nper frame PSNR-μ ({r.get('scene', '')}): "
                     + ", ".join(f"{v:.1f}" for v in r["per_frame_psnr_mu"]))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=["video", "ablation", "dynamic"])
    ap.add_argument("--size", default="270x480")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--scene", default="demo")
    ap.add_argument("--scenes", nargs="+", default=["demo", "studio", "beachball"])
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--motion", default="pan", help="video: the clip's motion (invcam synth)")
    ap.add_argument("--all-in-focus", action="store_true", help="video: no focus sweep")
    ap.add_argument("--seed", type=int, default=0, help="video: the clip's seed (invcam synth)")
    ap.add_argument("--iters", type=int, default=None, help="video: iterations, not minutes")
    ap.add_argument("--threads", type=int, default=None, help="video: CPU threads of the fit")
    ap.add_argument("--fit-set", action="append", default=None, metavar="SECTION.FIELD=VALUE",
                    help="video: passed to `invcam fit --set`")
    ap.add_argument("-o", "--out", type=Path, default=Path("bench_video"))
    args = ap.parse_args()
    parts = {"video": part_video, "ablation": part_ablation, "dynamic": part_dynamic}
    rows = parts[args.part](args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.part}.json").write_text(json.dumps(rows, indent=1))
    print(table(rows))


if __name__ == "__main__":
    main()
