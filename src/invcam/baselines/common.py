"""What every classical baseline shares: its result type and stack checks.

Images go to OpenCV as 8-bit BGR (its HDR calibration and merge functions take 8-bit
input only); 16-bit stacks are rounded to 8 bit, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from invcam.errors import InvcamError
from invcam.io.stack import Stack


@dataclass
class BaselineResult:
    """A baseline's output.

    ``image`` is ``(H, W, 3)`` float32 RGB: linear irradiance up to scale, except for
    display-referred methods (``info["display_referred"]``), whose values are for display.
    ``images`` names the input files used; ``info`` says which tools ran and anything
    worth knowing.
    """

    method: str
    image: np.ndarray
    images: list[str]
    wall_s: float = 0.0
    info: dict = field(default_factory=dict)


def to_bgr8(raw: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` uint8/uint16 RGB as contiguous uint8 BGR (16 bit is rounded)."""
    if raw.dtype == np.uint16:
        raw = np.clip(np.rint(raw.astype(np.float32) / 257.0), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(raw[..., ::-1])


def bgr_to_rgb(image: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` BGR as contiguous RGB."""
    return np.ascontiguousarray(image[..., ::-1])


def stack_notes(stack: Stack) -> dict:
    """Facts about the input worth recording (16-bit input rounded for OpenCV)."""
    bits = sorted({im.bit_depth for im in stack.images})
    return {"input_bits": bits[-1], "rounded_to_8_bit": bits[-1] > 8}


def short_list(items: list[str], show: int = 4) -> str:
    """``a, b, c, d, ... (16 in all)`` for messages that must stay on one line."""
    if len(items) <= show:
        return ", ".join(items)
    return f"{', '.join(items[:show])}, ... ({len(items)} in all)"


def need_images(stack: Stack, method: str, count: int = 2) -> None:
    """Raise InvcamError unless ``stack`` has at least ``count`` images."""
    if len(stack.images) < count:
        raise InvcamError(f"{method} needs at least {count} images; {stack.root} has "
                          f"{len(stack.images)}")


def known_exposures(stack: Stack, method: str) -> np.ndarray:
    """Exposure times ``(B,)`` float32; InvcamError if any is unknown or all are equal."""
    need_images(stack, method)
    missing = [im.file for im in stack.images if im.exposure is None]
    if missing:
        raise InvcamError(f"{method} needs known exposure times (stack.json or EXIF "
                          f"ExposureTime); unknown for {short_list(missing)}")
    times = np.array([im.exposure for im in stack.images], dtype=np.float32)
    if np.unique(times).size < 2:
        raise InvcamError(f"{method} needs at least 2 different exposure times; every image "
                          f"of {stack.root} has {times[0]:g} s")
    return times


def exposure_groups(stack: Stack) -> list[tuple[float, list[int]]]:
    """Image indices grouped by equal exposure time, shortest first: ``[(t, [i, ...])]``.

    Unknown exposures form no group (callers check :func:`known_exposures` first).
    """
    groups: dict[float, list[int]] = {}
    for i, im in enumerate(stack.images):
        if im.exposure is not None:
            groups.setdefault(float(im.exposure), []).append(i)
    return sorted(groups.items())


def group_reference(stack: Stack, members: list[int]) -> int:
    """The image of ``members`` to fuse onto: the stack's reference itself, else the one
    with the reference's ``focus_distance``, else the middle member."""
    ref = stack.reference
    if ref in members:
        return ref
    focus = stack.images[ref].meta.get("focus_distance")
    same = [i for i in members if focus is not None
            and stack.images[i].meta.get("focus_distance") == focus]
    return same[0] if same else members[(len(members) - 1) // 2]
