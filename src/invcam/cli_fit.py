"""``invcam fit`` and ``invcam render``: argument parsing and file writing around fit.py."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

import torch

from invcam.errors import InvcamError


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


def _check_images(stack) -> None:
    if len(stack.images) < 2:
        raise InvcamError(f"{stack.root}: a fit needs at least 2 images, found {len(stack.images)}")
    from invcam.io.stack_report import warning_lines

    for line in warning_lines(stack):
        print(f"invcam: {line}", file=sys.stderr)


def _prepare_out(out: Path, force: bool, resume: bool) -> dict | None:
    """Check OUT; return the checkpoint to resume from, if asked."""
    from invcam.io.checkpoint import load_checkpoint

    if resume:
        return load_checkpoint(out / "model.pt")
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise InvcamError(f"output folder {out} exists and is not empty (use --force or --resume)")
    out.mkdir(parents=True, exist_ok=True)
    return None


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
    from invcam.io.stack import load_stack
    from invcam.io.video import (
        apply_exposure_cycle,
        load_input,
        parse_exposure_cycle,
        select_frames,
    )

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
    _check_images(stack)
    return stack


def _pixels(stack, device: torch.device) -> torch.Tensor:
    """``(B, H, W, 3)`` pixels: 8-bit stacks stay uint8 in memory, others become float."""
    import numpy as np

    from invcam.io.stack import load_images

    if all(r.dtype == np.uint8 for r in stack.raw):
        return torch.from_numpy(np.stack(stack.raw)).to(device)
    return torch.from_numpy(load_images(stack)).to(device)


def _motion(args, stack, reference: int, cfg):
    """Registration, the static/dynamic decision (printed) and the config of the fit:
    ``(prior, cfg, record)``; ``record`` goes to fit.json."""
    from invcam.motion.prior import plan_motion

    print(f"invcam: registering {len(stack.images)} images", file=sys.stderr)
    prior, cfg, decision = plan_motion(stack, reference, args.motion, cfg, args.flow_weight,
                                       args.rigidity)
    dynamic = prior.correspondence is not None
    record = {"motion": "dynamic" if dynamic else "static", "motion_requested": args.motion}
    if decision is not None:
        print(f"invcam: {decision.describe()}", file=sys.stderr)
        record["motion_decision"] = decision.to_dict()
    if dynamic:
        print(f"invcam: moving scene: optical flow over {len(stack.images)} frames",
              file=sys.stderr)
    return prior, cfg, record


def _cmd_fit(args: argparse.Namespace) -> None:
    from invcam.config import config_from_dict, preset
    from invcam.fit import fit, make_state_of, replace_budget
    from invcam.io.checkpoint import save_checkpoint

    torch.set_num_threads(_threads(args.threads))
    device = _device(args.device)
    stack = _load(args)
    reference = stack.reference if args.reference is None else args.reference
    if not 0 <= reference < len(stack.images):
        last = len(stack.images) - 1
        raise InvcamError(f"--reference {reference}: the stack has images 0..{last}")
    out = Path(args.out)
    state = _prepare_out(out, args.force, args.resume)
    if state is not None:
        cfg = replace_budget(config_from_dict(state["config"]), args.iters, args.minutes)
        reference = state["reference"]
        if args.motion == "auto":  # continue as the checkpoint was fitted
            dense = state["model"].get("deformation.dense") is not None
            args.motion = "dynamic" if dense else "static"
    else:
        cfg = replace_budget(preset(args.preset), args.iters, args.minutes)
        cfg = dataclasses.replace(cfg, seed=args.seed)
    prior, cfg, record = _motion(args, stack, reference, cfg)
    meta = {"stack": str(stack.root), "files": [im.file for im in stack.images]}
    bar, on_step = _progress_bar()
    result = fit(_pixels(stack, device), [im.exposure for im in stack.images], cfg, reference,
                 resume=state, on_checkpoint=lambda s: save_checkpoint(out / "model.pt", s, meta),
                 checkpoint_every_s=args.checkpoint_every, on_step=on_step, prior=prior)
    bar.close()
    save_checkpoint(out / "model.pt", make_state_of(result), meta)
    _write_outputs(args, out, result, stack, device, record)


def _write_outputs(args, out: Path, result, stack, device, record: dict) -> None:
    from invcam.io.fit_outputs import write_fit_outputs

    extra = {"device": str(device), "threads": torch.get_num_threads(), **record}
    if record["motion"] == "dynamic" or stack.source == "video":
        from invcam.io.video_outputs import write_video_outputs

        extra.update(write_video_outputs(out, result.model))
    write_fit_outputs(out, result, stack, extra)
    psnr = ", ".join(f"{p:.1f}" for p in result.train_psnr[:12])
    more = " ..." if len(result.train_psnr) > 12 else ""
    print(f"fitted {result.iterations} iterations in {result.wall_s:.0f} s; "
          f"training PSNR per image: {psnr}{more} dB; wrote {out}")
    if result.interrupted:
        raise InvcamError(f"interrupted at iteration {result.iterations}; outputs and checkpoint "
                          f"written; continue with: invcam fit {args.stack} -o {out} --resume", 130)


def _cmd_render(args: argparse.Namespace) -> None:
    from invcam.io.ldr import write_ldr
    from invcam.render import render_exposure

    image = render_exposure(args.model, exposure=args.exposure, ev=args.ev, blur_of=args.blur_of,
                            frame=args.frame)
    write_ldr(args.out, image)
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
    p.add_argument("--flow-weight", type=float, default=None, metavar="W",
                   help="flow-loss weight (Eq. 11) at the start of a dynamic fit, decaying to 0 "
                        "(default 0: off; the paper uses 100)")
    p.add_argument("--rigidity", type=float, default=None, metavar="W",
                   help="rigidity regularizer weight of a dynamic fit (default 0.01; 0: off)")
    p.add_argument("--preset", default="fast", help="fast (default) or paper")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--iters", type=int, help="number of iterations")
    budget.add_argument("--minutes", type=float, help="fit the whole schedule into M minutes")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--reference", type=int, default=None,
                   help="index of the image whose geometry the output takes")
    p.add_argument("--resume", action="store_true", help="continue from OUT/model.pt")
    p.add_argument("--resize", action="store_true", help="resize images to the reference size")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty OUT")
    p.add_argument("--checkpoint-every", type=float, default=120.0, metavar="SEC",
                   help="seconds between checkpoints (default 120)")
    p.set_defaults(func=_cmd_fit)


def add_render(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="re-expose a fitted scene through the learned camera")
    p.add_argument("model", help="model.pt written by invcam fit")
    p.add_argument("-o", "--out", required=True, help="output image (.png, .jpg, .tif)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--exposure", type=float, help="exposure time in seconds")
    how.add_argument("--ev", type=float, help="exposure in stops relative to the reference image")
    p.add_argument("--blur-of", type=int, default=None, metavar="I",
                   help="render with image I's learned blur (and geometry)")
    p.add_argument("--frame", type=int, default=None, metavar="T",
                   help="render all in focus in frame T's geometry (video / moving scene)")
    p.set_defaults(func=_cmd_render)
