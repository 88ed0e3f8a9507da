"""A fit's speed with and without ``allocator.keep_heap``, alternated in one run.

Each round runs ``invcam fit STACK --iters N`` twice in fresh processes: as shipped, and
with ``keep_heap`` replaced by a no-op (glibc's own malloc behaviour). Reports, per run,
the fit's own seconds (from its ``fit.json``), the wall seconds, the child's minor page
faults and the largest peak resident memory of the children so far, and checks that both
wrote the same radiance.

Usage:
    .venv/bin/python benchmarks/allocator_bench.py --iters 300 --threads 2 --rounds 2 \
        -o /tmp/alloc
(the stack: ``invcam synth`` of the demo scene, written to OUT/stack unless --stack).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from fitrun import invcam

_MAIN = "import importlib, sys; m = importlib.import_module('invcam.cli.main'); "
_OFF = _MAIN + "m.keep_heap = lambda: False; sys.exit(m.main(sys.argv[1:]))"
_ON = _MAIN + "sys.exit(m.main(sys.argv[1:]))"


def one_fit(code: str, stack: Path, out: Path, iters: int, threads: int) -> dict:
    """One ``invcam fit`` in a fresh interpreter: its seconds, page faults and memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, "fit", str(stack), "-o", str(out),
                    "--iters", str(iters), "--threads", str(threads), "--force"],
                   capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads((out / "fit.json").read_text())
    return {"fit_s": round(report["wall_s"], 1), "wall_s": round(wall, 1),
            "minor_faults": after.ru_minflt - before.ru_minflt,
            "peak_rss_mb": round(after.ru_maxrss / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--stack", type=Path, help="a stack folder (default: the demo scene)")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    stack = args.stack or args.out / "stack"
    if args.stack is None:
        invcam("synth", str(stack), "--force")
    rows = []
    for r in range(args.rounds):
        for name, code in (("glibc default", _OFF), ("keep_heap", _ON)):
            row = {"round": r, "allocator": name,
                   **one_fit(code, stack, args.out / name.replace(" ", "_"), args.iters,
                             args.threads)}
            rows.append(row)
            print(json.dumps(row), flush=True)
        same = filecmp.cmp(args.out / "glibc_default" / "radiance.exr",
                           args.out / "keep_heap" / "radiance.exr", shallow=False)
        print(f"round {r}: radiance identical: {same}", flush=True)
    (args.out / "allocator.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
