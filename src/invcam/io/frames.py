"""Which images of a stack or frames of a clip to use, and their exposure times: frame
ranges ``A:B[:step]``, exposure cycles, and a clip's reference frame."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

from invcam.errors import OptionError
from invcam.io.stack import Stack
from invcam.io.stack_json import EXPOSURE_RANGE, sane_exposure

SIDECAR_RULE = "sidecar reference"
EXPLICIT_RULES = ("role", SIDECAR_RULE)  # reference rules that an exposure cycle keeps
_FRAMES = re.compile(r"([0-9]*):([0-9]*)(?::([0-9]*))?")


def parse_frames(text: str) -> tuple[int, int | None, int]:
    """Parse a frame range ``A:B[:step]`` into ``(start, stop or None, step)``; B is
    exclusive, A and B may be empty.

    >>> parse_frames("0:30"), parse_frames("5:"), parse_frames("::4")
    ((0, 30, 1), (5, None, 1), (0, None, 4))
    >>> parse_frames("8:2")
    Traceback (most recent call last):
    ...
    invcam.errors.OptionError: frames '8:2': the end 2 must be after the start 8 ...
    """
    spec = str(text).replace(" ", "")
    match = _FRAMES.fullmatch(spec)
    if "-" in spec:
        raise OptionError("frames", f"{{option}} {text!r}: frame numbers cannot be negative")
    if not match:
        raise OptionError("frames", f"{{option}} {text!r}: expected A:B or A:B:step, B "
                          "exclusive, A or B may be empty (0:30, 5:, 0:30:2)")
    start = int(match[1]) if match[1] else 0
    stop = int(match[2]) if match[2] else None
    step = int(match[3]) if match[3] else 1
    if step < 1:
        raise OptionError("frames", f"{{option}} {text!r}: the step must be at least 1")
    if stop is not None and stop <= start:
        raise OptionError("frames", f"{{option}} {text!r}: the end {stop} must be after the "
                          f"start {start} (the end is exclusive)")
    return start, stop, step


def parse_exposure_cycle(text: str) -> list[float]:
    """Parse ``--exposure-cycle`` seconds such as ``0.25,1,4`` or ``1/250,1/60``."""
    values = []
    for item in str(text).split(","):
        try:
            num, _, den = item.strip().partition("/")
            value = float(num) / float(den) if den else float(num)
        except (ValueError, ZeroDivisionError):
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise OptionError("exposure_cycle", f"{{option}} {text!r}: {item.strip()!r} is not "
                              "a positive number of seconds (e.g. 0.25,1,4 or 1/250,1/60)")
        values.append(value)
    return values


def video_reference(exposures: list[float | None]) -> tuple[int, str]:
    """Reference frame of a clip with per-frame ``exposures`` (seconds or None) and its rule.

    Among the frames at the median known exposure (lower middle for an even count, so a
    real value), the one nearest the clip's middle; with none known, the middle frame.
    """
    middle = (len(exposures) - 1) / 2
    known = sorted(e for e in exposures if e is not None)
    if not known:
        return (len(exposures) - 1) // 2, "middle frame"
    median = known[(len(known) - 1) // 2]
    at_median = [i for i, e in enumerate(exposures)
                 if e is not None and math.isclose(e, median, rel_tol=1e-9)]
    return min(at_median, key=lambda i: (abs(i - middle), i)), "middle median-exposure frame"


def select_frames(stack: Stack, frames: str) -> Stack:
    """The images ``frames`` (``A:B[:step]``, positions in ``stack``) of ``stack``; the
    reference is kept if selected, else re-chosen by ``video_reference``."""
    picked = frame_positions(stack.root, frames, len(stack), noun_of(stack))
    images = tuple(stack.images[i] for i in picked)
    raw = tuple(stack.raw[i] for i in picked) if stack.raw else ()
    if stack.reference in picked:
        ref, rule = picked.index(stack.reference), stack.reference_rule
    else:
        ref, rule = video_reference([im.exposure for im in images])
        rule += f" (the reference {stack.images[stack.reference].file} is not selected)"
    return replace(stack, images=images, raw=raw, reference=ref, reference_rule=rule)


def apply_exposure_cycle(stack: Stack, cycle: list[float]) -> tuple[Stack, str | None]:
    """Give image ``k`` of ``stack`` the exposure ``cycle[k % len(cycle)]`` seconds.

    Returns the new stack and a warning line if ``len(cycle)`` does not divide the image
    count, else None. A reference chosen by role or sidecar is kept; any other is
    re-chosen by ``video_reference`` from the new exposures.
    """
    count, size, noun = len(stack), len(cycle), noun_of(stack)
    if size == 0 or not all(sane_exposure(v) for v in cycle):
        raise OptionError("exposure_cycle", f"{{option}} {cycle!r}: needs one or more exposure "
                          f"times from {EXPOSURE_RANGE[0]:g} to {EXPOSURE_RANGE[1]:g} seconds")
    if size > count:
        raise OptionError("exposure_cycle", f"{{option}} has {size} values but {stack.root} "
                          f"has only {count} {noun}; the cycle must fit at least once")
    images = tuple(replace(im, exposure=float(cycle[k % size]), exposure_source="exposure-cycle")
                   for k, im in enumerate(stack.images))
    ref, rule = stack.reference, stack.reference_rule
    if rule not in EXPLICIT_RULES:
        ref, rule = video_reference([im.exposure for im in images])
    warning = None
    if count % size:
        warning = (f"exposure cycle of {size} does not divide {count} {noun}: applied from the "
                   f"first ({images[0].file}); the last cycle is partial ({count % size} of "
                   f"{size} values)")
    return replace(stack, images=images, reference=ref, reference_rule=rule), warning


def frame_positions(where: Path, frames: str, count: int, noun: str) -> range:
    """The positions among ``count`` that ``frames`` selects, all of which must exist."""
    start, stop, step = parse_frames(frames)
    if start >= count or (stop or count) > count:
        raise OptionError("frames", f"{where}: {{option}} {frames} is outside the input, which has "
                          f"{count} {noun} (0 to {count - 1})")
    return range(start, stop or count, step)


def noun_of(stack: Stack) -> str:
    return "frames" if stack.source == "video" else "images"
