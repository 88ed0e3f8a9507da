"""Classical baselines for all-in-focus and HDR imaging, built on OpenCV, enfuse and Hugin.

=============  ==========================================================  =============
method         what                                                        needs
=============  ==========================================================  =============
debevec        OpenCV Debevec & Malik (1997) CRF + merge, ignoring focus    exposures
robertson      OpenCV Robertson et al. (1999) CRF + merge, ignoring focus   exposures
mertens        OpenCV Mertens et al. (2007) exposure fusion (display)       2+ images
focus-stack    align_image_stack + enfuse all-in-focus fusion (or OpenCV)   one exposure
two-stage      focus-stack per exposure, then Debevec (paper Sec. 4.3)      focus x exp.
=============  ==========================================================  =============

:func:`run_baseline` loads a stack folder and runs one; :func:`write_baseline` writes
``OUT.exr`` (or ``.hdr``) and a sidecar ``OUT.json`` with what ran.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from invcam.baselines.common import BaselineResult
from invcam.baselines.debevec import debevec_1997, robertson_1999
from invcam.baselines.focus import TOOLS, focus_stack
from invcam.baselines.mertens import mertens_2007
from invcam.baselines.two_stage import two_stage
from invcam.errors import InvcamError, OptionError
from invcam.io.atomic import write_text
from invcam.io.hdr import HDR_SUFFIXES, write_hdr_image
from invcam.io.stack import Stack, load_stack

METHODS: dict[str, Callable[[Stack, str], BaselineResult]] = {
    "debevec": lambda stack, tool: debevec_1997(stack),
    "robertson": lambda stack, tool: robertson_1999(stack),
    "mertens": lambda stack, tool: mertens_2007(stack),
    "focus-stack": focus_stack,
    "two-stage": two_stage,
}


def run_baseline(method: str, stack: str | os.PathLike | Stack,
                 tool: str = "auto") -> BaselineResult:
    """Run baseline ``method`` on a stack (a folder or a loaded Stack).

    ``tool`` picks the focus-fusion implementation (``auto``, ``enfuse``, ``opencv``)
    for focus-stack and two-stage. InvcamError for an unknown method or tool, or a stack
    without what the method needs.
    """
    if method not in METHODS:
        raise InvcamError(f"unknown baseline {method!r} (valid: {', '.join(METHODS)})")
    if tool not in TOOLS:
        raise OptionError("tool", f"unknown {{option}} {tool!r} (valid: {', '.join(TOOLS)})")
    if not isinstance(stack, Stack):
        stack = load_stack(stack)
    return METHODS[method](stack, tool)


def sidecar_path(out: str | os.PathLike) -> Path:
    """``OUT.json`` beside the result image ``OUT.exr``."""
    return Path(out).with_suffix(".json")


def write_baseline(out: str | os.PathLike, result: BaselineResult, stack_root: str) -> Path:
    """Write the result image (EXR or .hdr by suffix) and its sidecar JSON; return the JSON."""
    if Path(out).suffix.lower() not in HDR_SUFFIXES:
        raise InvcamError(f"{out}: the output must be {' or '.join(HDR_SUFFIXES)}")
    write_hdr_image(out, result.image)
    report = {"method": result.method, "stack": stack_root, "images": result.images,
              "size_hw": list(result.image.shape[:2]), "wall_s": result.wall_s,
              **result.info}
    side = sidecar_path(out)
    write_text(side, json.dumps(report, indent=1) + "\n")
    return side


__all__ = ["METHODS", "BaselineResult", "run_baseline", "write_baseline"]
