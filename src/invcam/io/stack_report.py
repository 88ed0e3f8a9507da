"""``invcam info``: a human-readable report of a loaded stack (see ``invcam.io.stack``)."""

from __future__ import annotations

import math

from invcam.io.stack import Stack
from invcam.photometry import format_exposure

WARN_FRACTION = 0.99  # warn about an image this much saturated or underexposed


def describe_stack(stack: Stack) -> str:
    """A human-readable report of ``stack``: summary, one row per image, warnings."""
    lines = _summary_lines(stack) + [""] + _table_lines(stack) + [""]
    lines += exif_notes(stack) + warning_lines(stack)
    lines.append(f"ok: {len(stack)} image{'s' if len(stack) != 1 else ''}, valid stack")
    return "\n".join(lines)


def _summary_lines(stack: Stack) -> list[str]:
    ims = stack.images
    depths = sorted({im.bit_depth for im in ims})
    bits = " and ".join(map(str, depths)) + " bit"
    if len(depths) > 1:
        bits += " (mixed, all scaled to [0, 1])"
    greys = sum(im.grey for im in ims)
    colour = "grey" if greys == len(ims) else "RGB" if not greys else f"RGB, {greys} grey"
    if stack.linear:
        colour += ", camera RAW (linear; the fit's response is linear by default)"
    ref = ims[stack.reference]
    lines = [
        f"stack      {stack.root}  (from {stack.source})",
        f"images     {len(ims)}, {_hw(stack.size)} (H×W), {bits}, {colour}",
        f"exposures  {_exposure_summary(stack)}",
        f"reference  #{stack.reference} {ref.file} ({stack.reference_rule})",
    ]
    resized = [im.file for im in ims if im.original_size != stack.size]
    if resized:
        lines.append(f"resized    {len(resized)} image(s) to {_hw(stack.size)} (INTER_AREA)")
    if stack.unlisted:
        shown = ", ".join(stack.unlisted[:5]) + (", ..." if len(stack.unlisted) > 5 else "")
        lines.append(f"not listed {len(stack.unlisted)} image(s) in the folder, ignored: {shown}")
    return lines


def _exposure_summary(stack: Stack) -> str:
    known = [im for im in stack.images if im.exposure is not None]
    if not known:
        return f"unknown for all {len(stack)} images (the fit will learn them)"
    sources = ", ".join(sorted({im.exposure_source for im in known}))
    times = [im.exposure for im in known]
    span = format_exposure(min(times))
    if max(times) > min(times):
        span += f" to {format_exposure(max(times))}, {math.log2(max(times) / min(times)):.1f} stops"
    if len(known) == len(stack):
        return f"known for all {len(stack)} ({sources}): {span}"
    rest = len(stack) - len(known)
    return f"known for {len(known)} of {len(stack)} ({sources}): {span}; the fit will learn {rest}"


def _table_lines(stack: Stack) -> list[str]:
    width = max(4, *(len(im.file) for im in stack.images))
    ref = stack.images[stack.reference].exposure
    rows = [f"  #  {'file':<{width}}  {'exposure':>10}  {'EV':>5}  {'ISO':>5}  {'f/':>5}  "
            f"{'source':<10}  bits   sat%  dark%  notes"]
    for i, im in enumerate(stack.images):
        notes = [f"{k}={v}" for k, v in im.meta.items()]
        if im.original_size != stack.size:
            notes.append(f"resized from {_hw(im.original_size)}")
        if im.exif_time is not None and im.exposure is not None \
                and abs(im.exposure / im.exif_time - 1) > 1e-6:
            notes.append(f"time {format_exposure(im.exif_time)} at ISO {_num(im.iso)} "
                         f"f/{_num(im.fnumber)}")
        ev = f"{math.log2(im.exposure / ref):+.1f}" if im.exposure and ref else "?"
        mark = "*" if i == stack.reference else " "
        rows.append(
            f"{i:>3}{mark} {im.file:<{width}}  {format_exposure(im.exposure):>10}  {ev:>5}  "
            f"{_num(im.iso):>5}  {_num(im.fnumber):>5}  "
            f"{im.exposure_source:<10}  {im.bit_depth:>4}  {100 * im.saturated:5.1f}  "
            f"{100 * im.underexposed:5.1f}  {' '.join(notes)}".rstrip()
        )
    return rows


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def exif_notes(stack: Stack) -> list[str]:
    """``note:`` lines on the EXIF settings: missing ISO or f-number, varying aperture."""
    exif = [im for im in stack.images if im.exif_time is not None]
    lines = []
    for key, name in (("iso", "ISO"), ("fnumber", "f-number")):
        missing = [im.file for im in exif if getattr(im, key) is None]
        if missing and len(missing) < len(exif):
            lines.append(f"note: EXIF has no {name} for {', '.join(missing)}: taken as the "
                         "stack's usual one")
    stops = {im.fnumber for im in exif if im.fnumber is not None}
    if len(stops) > 1:
        lines.append(f"note: the f-number varies (f/{min(stops):g} to f/{max(stops):g}): it is "
                     "counted in the exposure, and depth of field differs between the images")
    return lines


def warning_lines(stack: Stack) -> list[str]:
    """``warning: ...`` lines for images that are almost all saturated or all black."""
    lines = []
    for im in stack.images:
        if im.saturated >= WARN_FRACTION:
            lines.append(f"warning: {im.file} is {100 * im.saturated:.1f}% saturated")
        if im.underexposed >= WARN_FRACTION:
            lines.append(f"warning: {im.file} is {100 * im.underexposed:.1f}% black (underexposed)")
    return lines


def _hw(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"
