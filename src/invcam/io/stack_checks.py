"""Checks of a stack's content before a fit: useless images and exposure times that the
pixels contradict.

An image almost entirely saturated or black tells the fit nothing: it is left out, with
a warning, and a stack with fewer than two useful images is refused. Known exposure
times are compared with the brightness ratio measured on pixels well exposed in both
images of each pair (adjacent in exposure time), gamma 2.2 assumed; a pair whose
brightness reverses, flattens or doubles the given difference (or differs by over a stop
at equal times) is reported, naming the images.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from invcam.errors import InvcamError
from invcam.io.stack import Stack, choose_reference
from invcam.motion.exposure import linear_luminance
from invcam.photometry import to_unit

USEFUL_MIN = 0.002
"""Smallest fraction of pixels neither saturated nor black for an image to be used."""
WELL_EXPOSED = (0.15, 0.92)
"""Values (fraction of full scale, every channel) trusted for the brightness ratio."""
MIN_SHARED = 0.01
"""Fraction of pixels well exposed in both images needed to compare a pair."""
TOLERANCE_STOPS = 1.0
"""Brightness difference (stops) tolerated between images given the same time."""
RATIO_RANGE = (0.1, 2.0)
"""Measured / given stops tolerated between images of different times: the response
curve (unknown here; gamma 2.2 is assumed) stretches or compresses measured stops, by
1.47x on a real JPEG bracket and to 0.22x between the two longer images of a film-curve
bracket (the tree scene: its toe holds the pixels both see), but never reverses them or
leaves them flat."""


def useless(stack: Stack) -> list[int]:
    """Indices of images with under ``USEFUL_MIN`` of their pixels neither saturated nor
    black."""
    return [i for i, im in enumerate(stack.images)
            if 1.0 - im.saturated - im.underexposed < USEFUL_MIN]


def drop_useless(stack: Stack) -> tuple[Stack, list[str]]:
    """``stack`` without its useless images, and a warning line for each left out.

    Raises InvcamError when fewer than two useful images remain.
    """
    bad = useless(stack)
    if not bad:
        return stack, []
    lines = [f"{stack.images[i].file} is {_why(stack.images[i])}: left out of the fit"
             for i in bad]
    keep = [i for i in range(len(stack)) if i not in bad]
    if len(keep) < 2:
        names = ", ".join(stack.images[i].file for i in bad)
        raise InvcamError(f"{stack.root}: only {len(keep)} of {len(stack)} images show "
                          f"anything (saturated or black: {names}); a fit needs 2")
    images = tuple(stack.images[i] for i in keep)
    if stack.reference in keep:
        ref, rule = keep.index(stack.reference), stack.reference_rule
    else:
        ref, rule = choose_reference([im.exposure for im in images], [None] * len(images))
    raw = tuple(stack.raw[i] for i in keep)
    return replace(stack, images=images, raw=raw, reference=ref, reference_rule=rule), lines


def _why(im) -> str:
    if im.saturated >= im.underexposed:
        return f"{100 * im.saturated:.1f}% saturated"
    return f"{100 * im.underexposed:.1f}% black"


def _linear(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(H, W)`` gamma-2.2 linear luminance of a stored image
    (:func:`invcam.motion.exposure.linear_luminance`) and its well-exposed mask, on a
    grid of at most ~256k pixels."""
    step = max(1, int(math.sqrt(raw.shape[0] * raw.shape[1] / 262144)))
    unit = to_unit(raw[::step, ::step])
    ok = np.all((unit > WELL_EXPOSED[0]) & (unit < WELL_EXPOSED[1]), axis=-1)
    return linear_luminance(unit), ok


def measured_stops(a: np.ndarray, b: np.ndarray) -> float | None:
    """log2 of how much brighter stored image ``b`` is than ``a`` (median ratio on pixels
    well exposed in both), or None when they share too few such pixels."""
    (la, oka), (lb, okb) = _linear(a), _linear(b)
    both = oka & okb
    if both.mean() < MIN_SHARED:
        return None
    return float(np.log2(np.median(lb[both] / np.maximum(la[both], 1e-8))))


def compared_pairs(times: list[float | None]) -> list[tuple[int, int]]:
    """The image pairs ``(a, b)`` whose brightness is compared, ``times[a] <= times[b]``:
    images of equal time one after another in order, and between each exposure time and
    the next longer one the two images nearest in order (in a video whose exposure
    cycles, neighbouring frames: frames far apart show different content where the
    camera or the scene moved)."""
    levels: dict[float, list[int]] = {}
    for i, t in enumerate(times):
        if t is not None:
            levels.setdefault(t, []).append(i)
    order = sorted(levels)
    pairs = [p for t in order for p in zip(levels[t][:-1], levels[t][1:], strict=True)]
    for short, long in zip(order[:-1], order[1:], strict=True):
        pairs.append(min(((a, b) for a in levels[short] for b in levels[long]),
                         key=lambda ab: (abs(ab[0] - ab[1]), ab)))
    return pairs


def exposure_disagreements(stack: Stack) -> list[str]:
    """One line per compared pair of images (:func:`compared_pairs`) whose brightness
    ratio contradicts their times (``TOLERANCE_STOPS``, ``RATIO_RANGE``)."""
    lines = []
    for a, b in compared_pairs([im.exposure for im in stack.images]):
        t_a, t_b = stack.images[a].exposure, stack.images[b].exposure
        given = math.log2(t_b / t_a)
        seen = measured_stops(stack.raw[a], stack.raw[b])
        if seen is None or _agree(given, seen):
            continue
        fa, fb = stack.images[a].file, stack.images[b].file
        lines.append(f"exposure times disagree with the images: {fb} is given {given:+.1f} "
                     f"stops from {fa}, but its pixels say {seen:+.1f}")
    return lines


def _agree(given: float, seen: float) -> bool:
    """Whether ``seen`` stops (measured) fit ``given`` stops (from the times)."""
    if abs(given) < 0.5 or abs(seen - given) <= 0.5:
        return abs(seen - given) <= TOLERANCE_STOPS
    return RATIO_RANGE[0] <= seen / given <= RATIO_RANGE[1]


def learn_exposures(stack: Stack) -> Stack:
    """``stack`` with every exposure time unknown (the fit learns them)."""
    images = tuple(replace(im, exposure=None, exposure_source="unknown")
                   for im in stack.images)
    return replace(stack, images=images)


def stretch_warnings(stack: Stack) -> list[str]:
    """``warning:`` lines for images that ``--resize`` stretched (aspect ratio > 1 % off)."""
    h, w = stack.size
    lines = []
    for im in stack.images:
        ho, wo = im.original_size
        if abs(math.log((wo / ho) / (w / h))) > 0.01:
            lines.append(f"warning: resizing stretches {im.file} from {ho}x{wo} to {h}x{w} "
                         "(H x W): its aspect ratio differs from the reference's")
    return lines


def scaled(stack: Stack, scale: float) -> Stack:
    """``stack`` with every image shrunk by ``scale`` in (0, 1] (INTER_AREA; a 24 MP
    RAW bracket is decoded at full size, then fitted smaller)."""
    import cv2

    if scale >= 1.0:
        return stack
    h, w = stack.size
    size = (max(16, round(h * scale)), max(16, round(w * scale)))
    raw = tuple(cv2.resize(r, (size[1], size[0]), interpolation=cv2.INTER_AREA)
                for r in stack.raw)
    return replace(stack, raw=raw, size=size)


def ready_to_fit(stack: Stack) -> tuple[Stack, list[str]]:
    """``stack`` ready to fit and the lines to show: useless images left out (InvcamError
    below 2 useful), exposure times learned where the pixels contradict them."""
    from invcam.io.stack_report import warning_lines

    if len(stack.images) < 2:
        raise InvcamError(f"{stack.root}: a fit needs at least 2 images, found {len(stack.images)}")
    lines = warning_lines(stack) + stretch_warnings(stack)
    stack, dropped = drop_useless(stack)
    lines += [f"warning: {line}" for line in dropped]
    disagree = exposure_disagreements(stack)
    lines += [f"warning: {line}" for line in disagree]
    if disagree:
        lines.append("warning: fitting with every exposure time learned from the images "
                     "instead of the given ones")
        stack = learn_exposures(stack)
    return stack, lines


__all__ = ["drop_useless", "exposure_disagreements", "learn_exposures", "measured_stops",
           "ready_to_fit", "scaled", "stretch_warnings", "useless"]
