"""``invcam batch``: argument parsing and the run around :mod:`invcam.batch`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from invcam.cli import args as cli_args
from invcam.errors import InvcamError


def _settings(args: argparse.Namespace) -> list[str]:
    """The fit flags every stack of the batch gets (threads aside)."""
    budget = ["--iters", str(args.iters)] if args.iters else ["--minutes", str(args.minutes)]
    return ["--preset", args.preset, "--motion", args.motion, "--device", args.device,
            "--seed", str(args.seed), *budget]


def _check_out(out: Path, root: Path, jobs) -> None:
    """OUT may lie under ROOT, but not inside a stack, and must be a batch's or new."""
    from invcam.batch.run import STATE
    from invcam.io.outdir import INTERNAL, check_apart

    check_apart(out, [j.path for j in jobs])
    if out.exists() and not out.is_dir():
        raise InvcamError(f"output {out} is a file")
    if out.is_dir() and not (out / STATE).is_file() and any(
            p.name not in INTERNAL for p in out.iterdir()):
        raise InvcamError(f"output folder {out} is not empty and holds no {STATE}: "
                          "choose a new folder (a batch folder can be run again)")


def _pool(args: argparse.Namespace) -> tuple[int, int]:
    """``(workers, threads per fit)``: by default one fit per two cores."""
    cores = len(os.sched_getaffinity(0))
    workers = args.workers or max(1, cores // 2)
    return workers, max(1, cores // workers)


def _cmd_batch(args: argparse.Namespace) -> None:
    from invcam.batch import find_stacks, load_state, plan, run_local, run_ray, write_summary
    from invcam.batch.run import Recorder, fit_command, out_dir, save_state
    from invcam.io.outdir import check_writable, locked

    root, out = Path(args.root), Path(args.out)
    if not root.is_dir():
        raise InvcamError(f"batch root {root} is not a folder")
    jobs = find_stacks(root, exclude=out)
    if not jobs:
        raise InvcamError(f"no stacks under {root} (a stack is a folder with stack.json or "
                          "at least 2 photos, or a video file)")
    _check_out(out, root, jobs)
    check_writable(out)
    workers, threads = _pool(args)
    settings = _settings(args)
    with locked(out):
        state = load_state(out)
        targets = {j.rel: out_dir(out, j, root.resolve().name) for j in jobs}
        commands = {}
        for job in jobs:
            how = plan(job, targets[job.rel], settings, state)
            if how == "skip":
                print(f"{job.rel}: already fitted with these settings, skipped")
            else:
                commands[job.rel] = fit_command(job, targets[job.rel], settings, how, threads)
                # a batch killed now resumes this fit next time (same settings, model.pt)
                state[job.rel] = {"settings": settings, "status": "running", "run": how}
        save_state(out, state)
        how = (f"{workers} at a time" if args.engine == "local"
               else "placed by Ray")
        print(f"invcam batch: {len(commands)} of {len(jobs)} stacks to fit, engine "
              f"{args.engine}, {how}, {threads} threads each", file=sys.stderr)
        record = Recorder(out, state, targets, settings, print)
        if args.engine == "ray":
            gpus = 1 if args.device.startswith("cuda") else 0
            run_ray(commands, threads, gpus, args.address, record)
        else:
            run_local(commands, workers, record)
        table = write_summary(out, state, targets)
    failed = [r["stack"] for r in table if r["status"] != "ok"]
    print(f"wrote {out / 'summary.csv'} and {out / 'summary.html'}")
    if failed:
        raise InvcamError(f"{len(failed)} of {len(table)} stacks failed ({', '.join(failed)}); "
                          f"see {out / 'summary.csv'}")


def add_batch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="fit every stack under a folder (this machine or Ray)")
    p.add_argument("root", help="folder searched for stacks (folders with stack.json or at "
                   "least 2 photos) and videos")
    p.add_argument("-o", "--out", required=True,
                   help="output folder: each fit in OUT/<stack's path under ROOT>, plus "
                        "summary.csv, summary.html and batch.json (run again to resume)")
    p.add_argument("--engine", default="local", choices=["local", "ray"],
                   help="local (default): subprocesses on this machine; ray: Ray tasks on "
                        "a local Ray instance or the cluster at --address")
    p.add_argument("--address", default=None,
                   help="Ray cluster address (e.g. ray://head:10001 or auto)")
    p.add_argument("--workers", type=cli_args.count, default=None,
                   help="fits at a time (local; default: one per two cores)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--iters", type=cli_args.iterations, help="iterations of each fit")
    budget.add_argument("--minutes", type=cli_args.minutes, default=3.0,
                        help="time budget of each fit (default 3)")
    p.add_argument("--preset", default="fast", help="fit preset (fast or paper)")
    p.add_argument("--motion", default="auto", choices=["auto", "static", "dynamic"],
                   help="as for invcam fit (default auto)")
    p.add_argument("--device", default="cpu", help="torch device of each fit (cuda: Ray "
                   "tasks ask for one GPU each)")
    p.add_argument("--seed", type=cli_args.seed, default=0, help="random seed of each fit")
    p.set_defaults(func=_cmd_batch)
