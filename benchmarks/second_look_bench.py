"""`--motion auto`'s two decisions on many stacks: the optical-flow decision before a fit,
and the second look, a static fit's own renders checked after 15 % of its budget.

Every stack gets both, whatever the first says (`--motion auto` itself looks again only
where the first said static), so the table shows what each finds on its own. Moving
stacks: `invcam synth --layout dynamic|drift`; static: `--layout diagonal|exposure`;
`--stacks` adds folders (real photographs, all static).

Usage:
    .venv/bin/python benchmarks/second_look_bench.py --scenes studio window --seeds 0 \\
        --size 240x360 --iters 1500 -o look
    .venv/bin/python benchmarks/second_look_bench.py --scenes --stacks \\
        ../shared/data/real/memorial ../shared/data/real/frobisher -o look_real
Writes OUT/second_look.json and prints a Markdown table and a summary per set.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from fitrun import invcam

MOVING, STATIC = ("dynamic", "drift"), ("diagonal", "exposure")


def look(folder: Path, iters: int, share: float) -> dict:
    """The flow decision and the second look of ``folder`` (``iters``: the fit's budget)."""
    from invcam.app.plan import plan_motion
    from invcam.app.run import stack_pixels
    from invcam.app.second_look import check_renders
    from invcam.io.stack import load_stack
    from invcam.method.fit import fit, replace_budget
    from invcam.presets import preset

    stack = load_stack(folder, resize=True)
    cfg = replace_budget(preset("fast"), iters, None)
    prior, planned, decision = plan_motion(stack, stack.reference, "auto", cfg)
    if decision.mode != "static":  # the look is taken of the static fit whatever flow says
        prior, planned, _ = plan_motion(stack, stack.reference, "static", cfg)
    cfg = planned
    pixels = stack_pixels(stack, "cpu")
    t0 = time.perf_counter()
    probe = fit(pixels, [im.exposure for im in stack.images], cfg, stack.reference,
                prior=prior, pause_at=share)
    t1 = time.perf_counter()
    check = check_renders(probe.model, pixels)
    return {"flow": decision.mode, **check.to_dict(), "iteration": probe.iterations,
            "probe_s": round(t1 - t0, 1), "check_s": round(time.perf_counter() - t1, 2)}


def stacks(args) -> list[tuple[str, str, Path]]:
    """``(name, truth, folder)`` of every stack to look at, synthesized as needed."""
    from invcam.synth.scenes import SCENES

    out = []
    for scene in args.scenes:
        for seed in args.seeds:
            for layout in args.layouts:
                folder = Path(args.out) / f"{scene}_{layout}_{seed}"
                if not (folder / "stack.json").exists():
                    invcam("synth", str(folder), "--scene", scene, "--layout", layout,
                           "--size", args.size, "--seed", str(seed), "--force")
                truth = "moving" if layout in MOVING else "static"
                out.append((folder.name, f"{SCENES[scene].split} {truth}", folder))
    out += [(Path(s).name, "real static", Path(s)) for s in args.stacks]
    return out


def summary(rows: list[dict]) -> str:
    lines = []
    for kind in sorted({r["set"] for r in rows}):
        mine = [r for r in rows if r["set"] == kind]
        flow = sum(r["flow"] == "dynamic" for r in mine)
        seen = sum(r["moving"] for r in mine)
        both = sum(r["flow"] == "dynamic" or r["moving"] for r in mine)
        lines.append(f"{kind}: {len(mine)} stacks; dynamic by the flow {flow}, by the look "
                     f"{seen}, by either (what auto fits) {both}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", nargs="*", default=["studio", "window"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--size", default="240x360")
    ap.add_argument("--layouts", nargs="+", default=list(MOVING + STATIC),
                    choices=list(MOVING + STATIC), help="invcam synth --layout of the stacks")
    ap.add_argument("--iters", type=int, default=1500, help="the fit's budget")
    ap.add_argument("--share", type=float, default=0.15, help="when the look is taken")
    ap.add_argument("--stacks", nargs="*", default=[], help="more (static) stack folders")
    ap.add_argument("-o", "--out", default="look")
    args = ap.parse_args()
    torch.set_num_threads(1)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    rows = []
    print("| stack | set | flow decides | look: largest group / needed | look decides |")
    print("|---|---|---|---|---|")
    for name, kind, folder in stacks(args):
        row = {"stack": name, "set": kind, **look(folder, args.iters, args.share)}
        rows.append(row)
        print(f"| {name} | {kind} | {row['flow']} | {row['largest']} / {row['threshold']} "
              f"| {'moving' if row['moving'] else 'static'} |", flush=True)
    (Path(args.out) / "second_look.json").write_text(json.dumps(rows, indent=1))
    print(summary(rows))


if __name__ == "__main__":
    main()
