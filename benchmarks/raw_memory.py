"""Peak memory of a 24-megapixel RAW bracket: three 6000x4000 DNGs (written here, as in
tests/io/test_raw.py), decoded at full size, fitted at ``--scale``.

    .venv/bin/python benchmarks/raw_memory.py --scale 0.15 --iters 200 -o /tmp/bench/raw24

Prints the fit's peak memory (fit.json ``peak_memory_mb``: the process's maximum resident
size) and its wall time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "io"))
from test_raw import write_dng  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.15)
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args()
    stack = args.out / "stack"
    stack.mkdir(parents=True, exist_ok=True)
    h, w = 4000, 6000
    yy, xx = np.mgrid[0:h, 0:w]
    scene = 0.02 + 0.06 * (np.sin(xx / 37.0) * np.sin(yy / 23.0) + 1) + 0.1 * (xx / w)
    for k, (t, gain) in enumerate([((1, 32), 1.0), ((1, 8), 4.0), ((1, 2), 16.0)]):
        if not (stack / f"shot{k}.dng").is_file():
            write_dng(stack / f"shot{k}.dng", scene * gain, t)
    fit = args.out / "fit"
    start = time.monotonic()
    code = subprocess.run([sys.executable, "-m", "invcam.cli", "fit", str(stack), "-o",
                           str(fit), "--scale", str(args.scale), "--iters", str(args.iters),
                           "--force"]).returncode
    wall = time.monotonic() - start
    report = json.loads((fit / "fit.json").read_text()) if code == 0 else {}
    print(json.dumps({"exit": code, "megapixels": h * w / 1e6, "scale": args.scale,
                      "fit_size": report.get("size"), "iterations": report.get("iterations"),
                      "peak_memory_mb": report.get("peak_memory_mb"),
                      "wall_s": round(wall, 1)}))


if __name__ == "__main__":
    main()
