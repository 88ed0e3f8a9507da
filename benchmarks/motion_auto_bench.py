"""`--motion auto` against forcing the mode (issue: faithful on unseen scenes).

For each scene: a moving 3-image folder (`invcam synth --layout dynamic`: an object
moves between the shots of an exposure bracket; `--layout drift`: the camera drifts 2 px
and the object moves 1/60 of the width per shot, as in the issue's moving bracket) fitted
with the default `--motion auto` and with `--motion dynamic`, scored in the reference
geometry; and the static diagonal stack, whose decision must stay static. The decision and
its figures come from each fit's fit.json.

Usage:
    .venv/bin/python benchmarks/motion_auto_bench.py --scenes bars text --size 300x450 \\
        --minutes 2 -o bench_motion
    # at equal work (the two fits of a scene differ only by the decision):
    .venv/bin/python benchmarks/motion_auto_bench.py --scenes speculars --size 600x900 \\
        --iters 1000 --threads 1 --no-static -o bench_motion
    # decisions only, every scene, four seeds (64 stacks per size):
    .venv/bin/python benchmarks/motion_auto_bench.py --decide-only --size 300x450 \\
        --scenes studio window desk tree bars fence speculars text --seeds 0 1 2 3 -o dec
    # the issue's moving bracket (small motion, drifting camera), seed 1:
    .venv/bin/python benchmarks/motion_auto_bench.py --layout drift --size 240x360 \\
        --scenes speculars --seeds 1 --iters 1500 --threads 1 --no-static -o drift
Writes OUT/motion_auto.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fitrun import invcam, timed_fit

from invcam.io.hdr import read_hdr_image
from invcam.metrics import hdr_metrics


def _score(stack: Path, fit_dir: Path) -> tuple[float, dict]:
    pred = read_hdr_image(fit_dir / "radiance.exr")
    psnr = hdr_metrics(pred, read_hdr_image(stack / "gt" / "radiance.exr"))["psnr_mu"]
    report = json.loads((fit_dir / "fit.json").read_text())
    return psnr, {"motion": report["motion"], **report.get("motion_decision", {})}


def run_scene(scene: str, size: str, minutes: float | None, out: Path,
              budget: list[str], static: bool = True, layout: str = "dynamic",
              seed: int = 0) -> dict:
    """Fit the moving stack (``layout``, ``seed``) with ``--motion auto`` and ``dynamic``
    and, if ``static``, the static stack with auto. ``budget``: extra fit arguments
    (``--iters N``)."""
    row: dict = {"scene": scene, "layout": layout, "seed": seed}
    where = out / scene / f"seed{seed}"
    moving = where / layout
    invcam("synth", str(moving), "--scene", scene, "--layout", layout, "--size", size,
           "--seed", str(seed), "--force")
    for mode in ("auto", "dynamic"):
        fit_dir = where / f"fit_{mode}"
        timed_fit(moving, fit_dir, minutes, "--motion", mode, *budget)
        row[f"moving_{mode}_psnr_mu"], row[f"moving_{mode}"] = _score(moving, fit_dir)
    if static:
        still = where / "static"
        invcam("synth", str(still), "--scene", scene, "--size", size, "--seed", str(seed),
               "--force")
        timed_fit(still, where / "fit_static", minutes, *budget)
        row["static_auto_psnr_mu"], row["static_auto"] = _score(still, where / "fit_static")
    return row


def decide_scene(scene: str, size: str, out: Path, seed: int = 0,
                 layout: str = "dynamic") -> dict:
    """The decision alone on the scene's moving (``layout``) and static stacks, as
    ``--motion auto`` makes it (only feature registrations are trusted)."""
    from invcam.io.stack import load_stack
    from invcam.motion.decide import detect_motion
    from invcam.motion.register import adjacent_registrations

    row: dict = {"scene": scene, "size": size, "seed": seed}
    for name, extra in (("moving", ["--layout", layout]), ("static", [])):
        folder = out / scene / f"seed{seed}" / name
        invcam("synth", str(folder), "--scene", scene, "--size", size, "--seed", str(seed),
               "--force", *extra)
        stack = load_stack(folder)
        frames, times = list(stack.raw), [im.exposure for im in stack.images]
        regs = adjacent_registrations(frames, times, fallback=False)
        decision = detect_motion(frames, times, [r.matrix for r in regs],
                                 [r.method == "features" for r in regs])
        row[name] = decision.to_dict()
    return row


def decide_table(rows: list[dict]) -> str:
    lines = ["| scene | size | seed | moving stack: decision | blocks moving | connected "
             "| object | largest px | static stack: decision | blocks moving | connected "
             "| object |", "|" + "---|" * 12]
    for r in rows:
        m, s = r["moving"], r["static"]
        lines.append(f"| {r['scene']} | {r['size']} | {r['seed']} | {m['mode']} "
                     f"| {100 * m['moving_fraction']:.1f} % | {m['cluster_blocks']} "
                     f"| {m['object_blocks']} | {m['largest_px']:.1f} | {s['mode']} "
                     f"| {100 * s['moving_fraction']:.1f} % | {s['cluster_blocks']} "
                     f"| {s['object_blocks']} |")
    return "\n".join(lines)


def decide_summary(rows: list[dict]) -> str:
    """Per set of scenes (tuning / test): moving stacks found, static stacks kept."""
    from invcam.synth.scenes import SCENES

    lines = []
    for split in ("tuning", "test"):
        mine = [r for r in rows if SCENES[r["scene"]].split == split]
        if mine:
            found = sum(r["moving"]["mode"] == "dynamic" for r in mine)
            kept = sum(r["static"]["mode"] == "static" for r in mine)
            lines.append(f"{split}: {found}/{len(mine)} moving stacks found, "
                         f"{kept}/{len(mine)} static stacks kept static")
    return "\n".join(lines)


def table(rows: list[dict]) -> str:
    lines = ["| scene | seed | moving: auto decides | blocks moving | auto PSNR-μ "
             "| dynamic PSNR-μ | static stack: auto decides | blocks moving |",
             "|" + "---|" * 8]
    for r in rows:
        a, s = r["moving_auto"], r.get("static_auto")
        still = (f"{s['motion']} | {100 * s['moving_fraction']:.1f} %" if s else "– | –")
        lines.append(f"| {r['scene']} | {r['seed']} | {a['motion']} "
                     f"| {100 * a['moving_fraction']:.1f} % "
                     f"| {r['moving_auto_psnr_mu']:.2f} | {r['moving_dynamic_psnr_mu']:.2f} "
                     f"| {still} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", nargs="+", default=["bars", "text"])
    ap.add_argument("--size", default="300x450")
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--iters", type=int, default=None,
                    help="fit this many iterations instead of --minutes (equal work)")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads of each fit")
    ap.add_argument("--no-static", action="store_true", help="skip the static stack's fit")
    ap.add_argument("-o", "--out", default="bench_motion")
    ap.add_argument("--decide-only", action="store_true", help="no fits: decisions only")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0],
                    help="synthesize each scene with these seeds")
    ap.add_argument("--layout", choices=["dynamic", "drift"], default="dynamic",
                    help="the moving stacks' layout (invcam synth --layout)")
    args = ap.parse_args()
    out = Path(args.out)
    if args.decide_only:
        rows = [decide_scene(scene, args.size, out, seed, args.layout)
                for scene in args.scenes for seed in args.seeds]
        (out / "motion_decisions.json").write_text(json.dumps(rows, indent=1))
        print(decide_table(rows))
        print(decide_summary(rows))
        return
    budget = ["--iters", str(args.iters)] if args.iters else []
    budget += ["--threads", str(args.threads)] if args.threads else []
    minutes = None if args.iters else args.minutes
    rows = []
    for scene in args.scenes:
        for seed in args.seeds:
            rows.append(run_scene(scene, args.size, minutes, out, budget, not args.no_static,
                                  args.layout, seed))
        print(json.dumps(rows[-1]), flush=True)
    (out / "motion_auto.json").write_text(json.dumps(rows, indent=1))
    print(table(rows))


if __name__ == "__main__":
    main()
