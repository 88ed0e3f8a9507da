"""``invcam fit`` and ``invcam render``: argument parsing around :func:`invcam.app.run.run_fit`
and :func:`invcam.app.render.render_exposure`, and the summary lines they print."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

import torch

from invcam.cli import args as cli_args
from invcam.errors import InvcamError
from invcam.presets import PRESETS, preset_help


def _threads(requested: int | None) -> int:
    """Worker threads: the request, else every core this process may use."""
    return requested or len(os.sched_getaffinity(0))


def _device(name: str) -> torch.device:
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InvcamError(f"--device {name}: CUDA is not available on this machine")
    try:
        return torch.device(name)
    except RuntimeError as exc:
        raise InvcamError(f"--device {name!r}: {exc}") from exc


def _checked(stack, args: argparse.Namespace):
    """``stack`` ready to fit (:func:`invcam.io.stack_checks.ready_to_fit`), scaled by
    ``--scale``, its changes and warnings printed; ``--response auto`` resolved."""
    from invcam.io.stack_checks import ready_to_fit, scaled

    if args.response == "auto":
        args.response = "linear" if stack.linear else "learn"
    stack, lines = ready_to_fit(scaled(stack, args.scale))
    for line in lines:
        print(f"invcam: {line}", file=sys.stderr)
    return stack


def _warn(line: str) -> None:
    print(f"invcam: warning: {line}", file=sys.stderr)


def _say(line: str) -> None:
    print(f"invcam: {line}", file=sys.stderr)


def _resume_state(out: Path, identity: dict) -> dict:
    """The checkpoint in ``out`` to resume from, refused when fitted to a stack other than
    the one of ``identity`` (:func:`invcam.io.checkpoint.stack_identity`)."""
    from invcam.io.checkpoint import check_same_stack, load_checkpoint

    state = load_checkpoint(out / "model.pt")
    note = check_same_stack(state, identity, out / "model.pt")
    if note:
        _warn(note)
    return state


def _progress_bar():
    from tqdm import tqdm

    bar = tqdm(total=1000, unit="‰", bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}",
               file=sys.stderr, disable=None)

    def on_step(it: int, progress: float, row: dict) -> None:
        if it % 10 == 0:
            bar.update(int(progress * 1000) - bar.n)
            bar.set_postfix_str(f"it {it} loss {row['loss']:.2e} PSNR {row.get('psnr', 0):.1f}")

    return bar, on_step


def _load(args: argparse.Namespace):
    """The stack or video frames, after --frames and --exposure-cycle; prints warnings."""
    from invcam.io.frames import apply_exposure_cycle, parse_exposure_cycle, select_frames
    from invcam.io.stack import load_stack
    from invcam.io.video import load_input

    if not (args.resize and Path(args.stack).is_dir()):
        stack, notes = load_input(args.stack, frames=args.frames,
                                  exposure_cycle=args.exposure_cycle)
    else:
        stack, notes = load_stack(args.stack, resize=True), []
        if args.frames:
            stack = select_frames(stack, args.frames)
        if args.exposure_cycle:
            stack, note = apply_exposure_cycle(stack, parse_exposure_cycle(args.exposure_cycle))
            notes += [note] if note else []
    for note in notes:
        print(f"invcam: {note}", file=sys.stderr)
    return _checked(stack, args)


def _cmd_fit(args: argparse.Namespace) -> None:
    from invcam.app.outputs import OUTPUT_NAMES
    from invcam.io.checkpoint import stack_identity
    from invcam.io.outdir import output_folder

    torch.set_num_threads(_threads(args.threads))
    device = _device(args.device)
    stack = _load(args)
    reference = stack.reference if args.reference is None else args.reference
    if not 0 <= reference < len(stack.images):
        last = len(stack.images) - 1
        raise InvcamError(f"--reference {reference}: the stack has images 0..{last}")
    out = Path(args.out)
    _overrides(args, _fit_config(args, None))  # a bad --set is named before any work
    if args.resume and not (out / "model.pt").is_file():
        raise InvcamError(f"--resume: there is no {out / 'model.pt'} to continue from")
    with output_folder(out, [Path(args.stack)], args.force, args.resume, OUTPUT_NAMES):
        meta = {"stack": str(stack.root), "files": [im.file for im in stack.images],
                "stack_identity": stack_identity(stack)}
        state = _resume_state(out, meta["stack_identity"]) if args.resume else None
        _fit_into(args, out, stack, reference, state, device, meta)


def _fit_config(args: argparse.Namespace, state: dict | None):
    """The fit's config: the checkpoint's (with the new budget) or the preset's."""
    from invcam.config import config_from_dict
    from invcam.method.fit import replace_budget
    from invcam.presets import preset

    if state is not None:
        return replace_budget(config_from_dict(state["config"]), args.iters, args.minutes)
    cfg = replace_budget(preset(args.preset), args.iters, args.minutes)
    return dataclasses.replace(cfg, seed=args.seed,
                               model=dataclasses.replace(cfg.model, response=args.response))


def _overrides(args: argparse.Namespace, cfg):
    """``cfg`` with the ``--set`` assignments applied, in order (last wins)."""
    from invcam.app.run import apply_overrides

    if args.set and args.resume:
        raise InvcamError("--set cannot change the config of a resumed fit")
    return apply_overrides(cfg, args.set or [])


def _fit_into(args, out: Path, stack, reference: int, state: dict | None, device,
              meta: dict) -> None:
    """Run the fit (checkpoints into ``out``, with ``meta``) and write the model and the
    outputs (:func:`invcam.app.run.run_fit`); print the summary."""
    from invcam.app.run import RunOptions, run_fit

    cfg = _fit_config(args, state)
    if state is not None:
        reference = state["reference"]
        if args.motion == "auto":  # continue as the checkpoint was fitted
            dense = state["model"].get("deformation.dense") is not None
            args.motion = "dynamic" if dense else "static"
    opts = RunOptions(motion=args.motion, flow_weight=args.flow_weight,
                      rigidity=args.rigidity, overrides=tuple(args.set or ()), device=device,
                      checkpoint_every_s=args.checkpoint_every, second_look=args.second_look)
    bar, on_step = _progress_bar()
    try:
        run = run_fit(stack, out, cfg, reference, opts, meta=meta, resume=state,
                      on_step=on_step, log=_say, warn=_warn)
    finally:
        bar.close()
    from invcam.report import write_report

    write_report(out)
    result = run.result
    psnr = ", ".join(f"{p:.1f}" for p in result.train_psnr[:12])
    more = " ..." if len(result.train_psnr) > 12 else ""
    print(f"fitted {result.iterations} iterations in {result.wall_s:.0f} s; "
          f"training PSNR per image: {psnr}{more} dB; wrote {out}")
    if result.interrupted:
        raise InvcamError(f"interrupted at iteration {result.iterations}; outputs and checkpoint "
                          f"written; continue with: invcam fit {args.stack} -o {out} --resume", 130)


def _cmd_render(args: argparse.Namespace) -> None:
    from invcam.app.render import render_exposure
    from invcam.io.hdr import HDR_SUFFIXES, write_hdr_image
    from invcam.io.ldr import LDR_SUFFIXES, write_ldr

    suffix = Path(args.out).suffix.lower()
    if suffix not in LDR_SUFFIXES + HDR_SUFFIXES:
        raise InvcamError(f"-o {args.out}: unknown image type {suffix or '(no suffix)'!r}; use "
                          f"{', '.join(LDR_SUFFIXES)} (display) or {', '.join(HDR_SUFFIXES)} "
                          "(linear HDR)")
    linear = suffix in HDR_SUFFIXES
    image = render_exposure(args.model, exposure=args.exposure, ev=args.ev, blur_of=args.blur_of,
                            frame=args.frame, linear=linear)
    (write_hdr_image if linear else write_ldr)(args.out, image)
    print(f"wrote {args.out}")


def add_fit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="fit the implicit camera model to a stack")
    p.add_argument("stack", help="stack folder (images + optional stack.json), folder of "
                   "video frames, or a video file (.mp4, .mov, .avi, .mkv, .m4v)")
    p.add_argument("-o", "--out", required=True, help="output folder")
    p.add_argument("--frames", default=None, metavar="A:B[:STEP]",
                   help="use only these frames/images (B exclusive), e.g. 0:30 or 0:60:2")
    p.add_argument("--exposure-cycle", default=None, metavar="T1,T2,...",
                   help="exposure times in seconds repeating over the frames, e.g. 0.25,1,4")
    p.add_argument("--motion", default="auto", choices=["auto", "static", "dynamic"],
                   help="static: one global warp per image; dynamic: optical flow, a local "
                        "warp, atlas over all views; auto (default): measured from the "
                        "images after global registration, decision printed")
    p.add_argument("--second-look", type=cli_args.share, default=0.15, metavar="SHARE",
                   help="with --motion auto: a fit decided static checks its renders for a "
                        "moving object after this share of its budget and, if it finds one, "
                        "starts again as a dynamic fit (default 0.15; 0: off)")
    p.add_argument("--flow-weight", type=cli_args.weight, default=None, metavar="W",
                   help="flow-loss weight (Eq. 11) at the start of a dynamic fit, decaying to 0 "
                        "(default 0: off; the paper uses 100)")
    p.add_argument("--rigidity", type=cli_args.weight, default=None, metavar="W",
                   help="rigidity regularizer weight of a dynamic fit (default 0.01; 0: off)")
    p.add_argument("--preset", default="fast", choices=list(PRESETS), metavar="NAME",
                   help=f"named configuration: {preset_help()}")
    p.add_argument("--set", action="append", default=None, metavar="SECTION.FIELD=VALUE",
                   help="set one config field after the preset and motion settings "
                        "(repeatable), e.g. model.blur_center_logit=5; fields: invcam.config")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--iters", type=cli_args.iterations, help="number of iterations")
    budget.add_argument("--minutes", type=cli_args.minutes,
                        help="fit the whole schedule into M minutes")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument("--threads", type=cli_args.threads, default=None,
                   help="CPU threads (default: all cores)")
    p.add_argument("--seed", type=cli_args.seed, default=0, help="random seed")
    p.add_argument("--reference", type=cli_args.index, default=None,
                   help="index of the image whose geometry the output takes")
    p.add_argument("--resume", action="store_true", help="continue from OUT/model.pt")
    p.add_argument("--resize", action="store_true", help="resize images to the reference size")
    p.add_argument("--scale", type=cli_args.scale, default=1.0, metavar="S",
                   help="fit the images shrunk by S in (0, 1] (e.g. 0.25 for a 24 MP RAW "
                        "bracket; decoded at full size first)")
    p.add_argument("--response", default="auto", choices=["auto", "learn", "linear"],
                   help="camera response: learn it (Eq. 9), or linear (fixed, clipped: "
                        "camera RAW); auto (default): linear for RAW, learn otherwise")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty OUT")
    p.add_argument("--checkpoint-every", type=cli_args.seconds, default=120.0, metavar="SEC",
                   help="seconds between checkpoints (default 120)")
    p.set_defaults(func=_cmd_fit)


def add_render(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="re-expose a fitted scene through the learned camera")
    p.add_argument("model", help="model.pt written by invcam fit")
    p.add_argument("-o", "--out", required=True,
                   help="output image: .png, .jpg or .tif (display values through the "
                        "learned response), or .exr or .hdr (linear: irradiance times the "
                        "exposure time)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--exposure", type=cli_args.exposure, help="exposure time in seconds")
    how.add_argument("--ev", type=cli_args.stops,
                     help="exposure in stops relative to the reference image")
    p.add_argument("--blur-of", type=cli_args.index, default=None, metavar="I",
                   help="render with image I's learned blur (and geometry)")
    p.add_argument("--frame", type=cli_args.index, default=None, metavar="T",
                   help="render all in focus in frame T's geometry (video / moving scene)")
    p.set_defaults(func=_cmd_render)
