"""The ``invcam`` command: parse arguments, call the library, write outputs.

Each verb lives in a small ``_cmd_<verb>`` function; the work is done elsewhere.
Errors the user can fix are InvcamError: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # OpenCV's own warnings are not for users

from invcam import __version__
from invcam.allocator import keep_heap
from invcam.cli import args as cli_args
from invcam.cli.batch import add_batch
from invcam.cli.evaluate import add_baseline, add_bench, add_eval
from invcam.cli.fit import add_fit, add_render
from invcam.cli.report import add_report
from invcam.errors import InvcamError, OptionError


def _cmd_synth(args: argparse.Namespace) -> None:
    from invcam.synth import list_scenes, write_synth

    if args.list:
        for name, desc in list_scenes():
            print(f"{name:14s} {desc}")
        return
    if args.out is None:
        raise InvcamError("synth needs an output folder (or --list)")
    size = cli_args.size(args.size) if args.size else None
    if args.video:
        out = _synth_video(args, size)
    elif video_only := [f for f, v in (("--frames", args.frames), ("--motion", args.motion),
                                       ("--all-in-focus", args.all_in_focus),
                                       ("--stops", args.stops)) if v]:
        flag = video_only[0]
        raise InvcamError(f"{flag} needs --video (it sets up a synthetic video)")
    else:
        out = write_synth(
            args.out, scene=args.scene, layout=args.layout, size=size, seed=args.seed,
            bits=args.bits, force=args.force, preview=args.preview, jpeg=args.jpeg,
        )
    print(f"wrote {out}")


def _synth_video(args: argparse.Namespace, size: tuple[int, int] | None):
    """``invcam synth OUT --video``: check the flags that do not apply, write the clip."""
    from invcam.synth.video_output import write_video_synth

    if args.layout is not None:
        raise InvcamError(f"--layout {args.layout} cannot be combined with --video")
    if args.bits != 8:
        raise InvcamError(f"--bits {args.bits}: video frames are 8-bit")
    if args.jpeg is not None:
        raise InvcamError("--jpeg applies to stacks, not to --video")
    return write_video_synth(
        args.out, scene=args.scene, size=size,
        frames=30 if args.frames is None else args.frames, seed=args.seed,
        motion=args.motion or "pan", force=args.force, preview=args.preview,
        all_in_focus=args.all_in_focus, stops=args.stops,
    )


def _cmd_info(args: argparse.Namespace) -> None:
    from invcam.io.stack_checks import exposure_disagreements, useless
    from invcam.io.stack_report import describe_stack
    from invcam.io.video import load_input

    stack, notes = load_input(args.stack)
    print(describe_stack(stack))
    for note in notes:
        print(f"note: {note}")
    for i in useless(stack):
        print(f"warning: {stack.images[i].file} shows nothing usable (saturated or black); "
              "a fit leaves it out")
    for line in exposure_disagreements(stack):
        print(f"warning: {line}")


def _add_synth(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="synthesize a focus/exposure stack or video with ground truth")
    p.add_argument("out", nargs="?", help="output folder (the stack; ground truth in OUT/gt)")
    p.add_argument("--scene", default="demo", help="scene name (see --list); default: demo")
    p.add_argument("--layout", default=None,
                   choices=["all", "diagonal", "focus", "exposure", "dynamic", "drift"],
                   help="which focus/exposure settings to shoot (default: diagonal); dynamic: "
                        "an all-in-focus exposure bracket with an object moving between shots; "
                        "drift: the same with the camera drifting 2 px per shot and the object "
                        "moving 1/60 of the width")
    p.add_argument("--size", default=None,
                   help="HxW in pixels (default: the scene's own; 270x480 with --video)")
    p.add_argument("--seed", type=cli_args.seed, default=0, help="random seed (deterministic)")
    p.add_argument("--bits", type=int, default=8, choices=[8, 16], help="PNG bit depth")
    p.add_argument("--jpeg", type=int, default=None, metavar="Q",
                   help="store the images as JPEG of quality Q (1-100; 0: PNG); default: the "
                        "scene's own (fence and text: 90, the others PNG)")
    p.add_argument("--video", action="store_true",
                   help="write a video instead: frames with a camera pan, parallax, a moving "
                        "object, a focus sweep and a short/middle/long exposure cycle")
    p.add_argument("--frames", type=cli_args.count, default=None,
                   help="number of video frames, at least 2 (with --video; default: 30)")
    p.add_argument("--motion", default=None,
                   metavar="{pan,translate,static,object,slide,drift}",
                   help="video motion (with --video; default: pan): pan with zoom, parallax "
                        "and a moving object; translate: the whole image shifts 2 px right, "
                        "1 px down per frame; static: nothing moves; object: only the object; "
                        "slide: translate and the object; drift: translate and the object "
                        "moving 1/60 of the width per frame")
    p.add_argument("--all-in-focus", action="store_true",
                   help="with --video: every frame in focus (no focus sweep)")
    p.add_argument("--stops", type=cli_args.spacing, default=None, metavar="EV",
                   help="with --video: EV between the short, middle and long exposures "
                        "(default: the scene's own bracket spacing, 2 or 3)")
    p.add_argument("--preview", action="store_true", help="also write OUT/preview.png")
    p.add_argument("--force", action="store_true", help="replace a non-empty OUT")
    p.add_argument("--list", action="store_true", help="list the scenes and exit")
    p.set_defaults(func=_cmd_synth)


def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="describe and validate a stack folder or a video")
    p.add_argument("stack", help="folder of images (optional stack.json) or a video file")
    p.set_defaults(func=_cmd_info)


def build_parser() -> argparse.ArgumentParser:
    parser = cli_args.Parser(
        prog="invcam",
        description="Recover all-in-focus HDR irradiance from focus/exposure stacks.",
    )
    parser.add_argument("--version", action="version", version=f"invcam {__version__}")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for add in (_add_synth, _add_info, add_fit, add_render, add_report, add_eval, add_baseline,
                add_bench, add_batch):
        add(sub)
    return parser


def _phrased(exc: InvcamError) -> str:
    """The error's message; a library parameter's name becomes the flag that sets it
    (``blur_of`` -> ``--blur-of``)."""
    if isinstance(exc, OptionError):
        return exc.phrased(lambda name: "--" + name.replace("_", "-"))
    return str(exc)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``invcam`` console script; returns the exit code."""
    if not sys.warnoptions:  # library warnings are not for users (python -W shows them)
        warnings.simplefilter("ignore")
    keep_heap()  # large per-iteration temporaries reused, not mapped anew (allocator.py)
    try:
        args = build_parser().parse_args(argv)
        args.func(args)
    except InvcamError as exc:
        print(f"invcam: error: {_phrased(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("invcam: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
