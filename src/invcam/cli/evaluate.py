"""``invcam eval``, ``invcam baseline`` and ``invcam bench``: argument parsing around
:mod:`invcam.metrics_extra`, :mod:`invcam.baselines` and :mod:`invcam.bench`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from invcam.cli import args as cli_args
from invcam.errors import InvcamError

_LOCAL_FORMATS = {"misreg_median_px": ".3f", "misreg_p95_px": ".3f", "misreg_windows": "d",
                  "psnr_mu_low": ".2f", "psnr_mu_mid": ".2f", "psnr_mu_high": ".2f",
                  "top_ratio": ".3f"}


def _format_scores(scores: dict) -> str:
    """The whole-image metrics on one line, the local ones (metrics_local) on a second."""
    parts = [f"{k} {v:.4f}" for k, v in scores.items()
             if k not in ("unavailable", "scale", *_LOCAL_FORMATS)]
    local = [f"{k} {format(scores[k], spec)}" for k, spec in _LOCAL_FORMATS.items()
             if k in scores]
    lines = ["  ".join(parts)] + (["  ".join(local)] if local else [])
    lines += [f"{name}: unavailable ({why})" for name, why in scores["unavailable"].items()]
    return "\n".join(lines)


def _cmd_eval(args: argparse.Namespace) -> None:
    from invcam.metrics_extra import evaluate_files

    scores = evaluate_files(args.pred, args.gt, optional=not args.no_optional)
    print(json.dumps(scores, indent=1) if args.json else _format_scores(scores))


def add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="compare a predicted HDR image with the ground truth")
    p.add_argument("pred", help="predicted linear HDR image (.exr or .hdr)")
    p.add_argument("gt", help="ground-truth linear HDR image (.exr or .hdr)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--no-optional", action="store_true",
                   help="skip the optional metrics (JOD, LPIPS)")
    p.set_defaults(func=_cmd_eval)


def _cmd_baseline(args: argparse.Namespace) -> None:
    from invcam.baselines import run_baseline, write_baseline

    suffix = Path(args.out).suffix.lower()
    if suffix not in (".exr", ".hdr"):
        raise InvcamError(f"-o {args.out}: the output must be an .exr or .hdr file")
    result = run_baseline(args.method, args.stack, args.tool)
    side = write_baseline(args.out, result, str(args.stack))
    how = f", focus fusion: {result.info['fusion']}" if "fusion" in result.info else ""
    note = f" ({result.info['note']})" if "note" in result.info else ""
    print(f"wrote {args.out} ({result.method}: {len(result.images)} images{how}, "
          f"{result.wall_s:.1f} s){note}; details in {side}")


def add_baseline(sub: argparse._SubParsersAction) -> None:
    from invcam.baselines import METHODS
    from invcam.baselines.focus import TOOLS

    p = sub.add_parser("baseline", help="run a classical HDR / all-in-focus pipeline")
    p.add_argument("method", metavar="METHOD", help=f"one of: {', '.join(METHODS)}")
    p.add_argument("stack", help="stack folder (images + optional stack.json)")
    p.add_argument("-o", "--out", required=True, help="output image (.exr or .hdr)")
    p.add_argument("--tool", default="auto", metavar="|".join(TOOLS),
                   help="focus fusion for focus-stack and two-stage: enfuse + "
                        "align_image_stack, the OpenCV fallback, or auto (enfuse if "
                        "installed); default auto")
    p.set_defaults(func=_cmd_baseline)


def _bench_options(args: argparse.Namespace):
    from invcam.bench.options import METHODS, BenchOptions, scenes_for
    from invcam.synth import list_scenes

    known = {name for name, _ in list_scenes()}
    scenes = scenes_for(args.set, args.scenes)
    bad = [s for s in scenes if s not in known]
    if bad:
        raise InvcamError(f"unknown scene {bad[0]!r} (see invcam synth --list)")
    bad = [m for m in args.methods if m not in METHODS]
    if bad:
        raise InvcamError(f"unknown method {bad[0]!r} (valid: {', '.join(METHODS)})")
    return BenchOptions(
        scenes=scenes, methods=tuple(args.methods),
        size=cli_args.size(args.size) if args.size else None, seed=args.seed,
        minutes=args.minutes if args.minutes is not None else 3.0, iters=args.iters,
        tool=args.tool, threads=args.threads, optional=not args.no_optional,
        real_count=args.real_count, real_holdouts=args.real_holdouts)


def _cmd_bench(args: argparse.Namespace) -> None:
    import os

    import torch

    from invcam.io.outdir import output_folder

    opts = _bench_options(args)
    out = Path(args.out)
    torch.set_num_threads(opts.threads or len(os.sched_getaffinity(0)))
    with output_folder(out, [Path(args.real)] if args.real else [], args.force, owns=()):
        _run_bench(args, opts, out)
    print(f"wrote {out / 'table.md'}, {out / 'results.json'} and the compare_*.png pictures")


def _run_bench(args: argparse.Namespace, opts, out: Path) -> None:
    from invcam.bench.run import run_real_bench, run_synthetic

    if args.real:
        results = run_real_bench(args.real, opts, out)
        m = results["real"]["mean_psnr"]
        print(f"held-out PSNR: ours {m['ours']:.2f} dB, Debevec {m['debevec']:.2f} dB")
    else:
        run_synthetic(opts, out)


def add_bench(sub: argparse._SubParsersAction) -> None:
    from invcam.bench.options import METHODS, SCENE_SETS, TEST_SCENES, TUNING_SCENES

    p = sub.add_parser("bench", help="our fit against the classical baselines, with tables")
    p.add_argument("-o", "--out", required=True, help="output folder")
    p.add_argument("--set", default="tuning", choices=list(SCENE_SETS),
                   help=f"scene set: tuning ({' '.join(TUNING_SCENES)}; the default), test "
                        f"({' '.join(TEST_SCENES)}; never tuned on) or all")
    p.add_argument("--scenes", nargs="+", default=None, metavar="SCENE",
                   help="synthetic scenes (an explicit list overrides --set)")
    p.add_argument("--methods", nargs="+", default=list(METHODS), metavar="METHOD",
                   help=f"subset of: {' '.join(METHODS)} (default: all)")
    p.add_argument("--size", default=None, help="HxW (default: each scene's own; with "
                   "--real: resize the photos)")
    p.add_argument("--seed", type=cli_args.seed, default=0, help="synthesis seed")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=cli_args.minutes,
                        help="budget of each of our fits (default 3)")
    budget.add_argument("--iters", type=cli_args.iterations,
                        help="iterations of each of our fits instead")
    p.add_argument("--tool", default="auto", help="focus fusion: auto, enfuse or opencv")
    p.add_argument("--threads", type=cli_args.threads, default=None,
                   help="CPU threads (default: all)")
    p.add_argument("--no-optional", action="store_true", help="skip JOD and LPIPS")
    p.add_argument("--real", metavar="STACK", help="real bracket: held-out exposure check")
    p.add_argument("--real-count", type=cli_args.count, default=5,
                   help="--real: consecutive exposures used around the middle (default 5)")
    p.add_argument("--real-holdouts", type=cli_args.count, default=3,
                   help="--real: middle exposures held out in turn (default 3)")
    p.add_argument("--force", action="store_true", help="write into a non-empty folder")
    p.set_defaults(func=_cmd_bench)
