"""Throughput of ``invcam batch`` on this machine: stacks per hour, local engine against
Ray on a local instance, the same stacks and fit budget in one run.

    .venv/bin/python benchmarks/batch_bench.py --stacks 3 --size 600x900 --minutes 1 \
        -o /tmp/bench/batch

Each engine fits the same synthetic stacks (tuning scenes, diagonal layout) into its own
folder; the wall time covers the whole batch (process start, registration, fit, outputs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SCENES = ("studio", "window", "desk", "tree")


def invcam(*args: str) -> int:
    return subprocess.run([sys.executable, "-m", "invcam.cli", *args]).returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stacks", type=int, default=3)
    ap.add_argument("--size", default="600x900")
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args()
    root = args.out / "stacks"
    for k in range(args.stacks):
        scene = SCENES[k % len(SCENES)]
        if not (root / f"{k:02d}_{scene}").is_dir():
            invcam("synth", str(root / f"{k:02d}_{scene}"), "--scene", scene, "--size", args.size)
    rows = []
    for engine in ("local", "ray"):
        start = time.monotonic()
        code = invcam("batch", str(root), "-o", str(args.out / f"fits_{engine}"),
                      "--minutes", str(args.minutes), "--engine", engine)
        wall = time.monotonic() - start
        rows.append({"engine": engine, "exit": code, "stacks": args.stacks,
                     "wall_s": round(wall, 1),
                     "stacks_per_hour": round(3600 * args.stacks / wall, 1)})
        print(json.dumps(rows[-1]), flush=True)
    print("| engine | stacks | wall (s) | stacks per hour |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['stacks']} | {r['wall_s']} | {r['stacks_per_hour']} |")
    ratio = rows[0]["wall_s"] / rows[1]["wall_s"]
    print(f"local / ray wall-time ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
