"""The ``invcam`` command: parse arguments, call the library, write outputs.

Each verb lives in a small ``_cmd_<verb>`` function; the work is done elsewhere.
Errors the user can fix are InvcamError: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from invcam import __version__
from invcam.cli_eval import add_baseline, add_bench, add_eval
from invcam.cli_fit import add_fit, add_render
from invcam.errors import InvcamError


def _parse_size(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InvcamError(f"--size {text!r}: expected HxW, e.g. 600x900") from None
    if not (16 <= h <= 8192 and 16 <= w <= 8192):
        raise InvcamError(f"--size {text!r}: each side must be between 16 and 8192 pixels")
    return h, w


def _cmd_synth(args: argparse.Namespace) -> None:
    from invcam.synth import list_scenes, write_synth

    if args.list:
        for name, desc in list_scenes():
            print(f"{name:14s} {desc}")
        return
    if args.out is None:
        raise InvcamError("synth needs an output folder (or --list)")
    size = _parse_size(args.size) if args.size else None
    out = write_synth(
        args.out, scene=args.scene, layout=args.layout, size=size, seed=args.seed,
        bits=args.bits, force=args.force, preview=args.preview,
    )
    print(f"wrote {out}")


def _cmd_info(args: argparse.Namespace) -> None:
    from invcam.io.stack import describe_stack, load_stack

    stack = load_stack(args.stack)
    print(describe_stack(stack))


def _add_synth(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="synthesize a focus/exposure stack with ground truth")
    p.add_argument("out", nargs="?", help="output folder (the stack; ground truth in OUT/gt)")
    p.add_argument("--scene", default="demo", help="scene name (see --list); default: demo")
    p.add_argument("--layout", default=None,
                   choices=["all", "diagonal", "focus", "exposure"],
                   help="which focus/exposure settings to shoot (default: diagonal)")
    p.add_argument("--size", default=None, help="HxW in pixels (default: the scene's own)")
    p.add_argument("--seed", type=int, default=0, help="random seed (deterministic)")
    p.add_argument("--bits", type=int, default=8, choices=[8, 16], help="PNG bit depth")
    p.add_argument("--preview", action="store_true", help="also write OUT/preview.png")
    p.add_argument("--force", action="store_true", help="replace a non-empty OUT")
    p.add_argument("--list", action="store_true", help="list the scenes and exit")
    p.set_defaults(func=_cmd_synth)


def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="describe and validate a stack folder")
    p.add_argument("stack", help="folder of images, with optional stack.json")
    p.set_defaults(func=_cmd_info)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invcam",
        description="Recover all-in-focus HDR irradiance from focus/exposure stacks.",
    )
    parser.add_argument("--version", action="version", version=f"invcam {__version__}")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for add in (_add_synth, _add_info, add_fit, add_render, add_eval, add_baseline, add_bench):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``invcam`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except InvcamError as exc:
        print(f"invcam: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("invcam: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
