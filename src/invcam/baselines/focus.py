"""All-in-focus fusion of a single-exposure focus stack, with the tools practitioners use.

- Alignment: ``align_image_stack -m --align-to-first`` (Hugin; Debian package
  ``hugin-tools``), which also fits the magnification change of refocusing.
- Fusion: ``enfuse --exposure-weight=0 --saturation-weight=0 --contrast-weight=1
  --hard-mask`` (Debian package ``enfuse``), the focus-stacking mode of Mertens, Kautz &
  Van Reeth (2007), Exposure fusion, Pacific Graphics, with enblend's multi-resolution
  spline blending (Burt & Adelson 1983).

When either program is missing (``tool="auto"``), the OpenCV fallback of
:mod:`invcam.baselines.pyramid` runs instead; ``info["fusion"]`` says which ran.
The output is in the geometry of the reference image (it is passed first).

References:
    - T. Mertens, J. Kautz, F. Van Reeth. "Exposure Fusion." Pacific Graphics 2007.
    - P. J. Burt, E. H. Adelson. "A Multiresolution Spline with Application to Image
      Mosaics." ACM TOG 2(4), 1983.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from invcam.baselines.common import BaselineResult, exposure_groups, need_images, short_list
from invcam.baselines.pyramid import ecc_align, opencv_focus_stack
from invcam.errors import InvcamError, OptionError
from invcam.io.stack import Stack
from invcam.photometry import to_unit

TOOLS = ("auto", "enfuse", "opencv")
PROGRAMS = ("align_image_stack", "enfuse")
ENFUSE_ARGS = ("--exposure-weight=0", "--saturation-weight=0", "--contrast-weight=1",
               "--hard-mask")


def missing_programs() -> list[str]:
    """The external programs of the enfuse path that are not on PATH."""
    return [p for p in PROGRAMS if shutil.which(p) is None]


def _run(cmd: list[str], cwd: Path) -> None:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InvcamError(f"{cmd[0]} failed: {exc}") from exc
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise InvcamError(f"{cmd[0]} failed (exit {done.returncode}): {last[0]}")


def _read_tiff(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """An RGB(A) TIFF as ``(H, W, 3)`` RGB and its alpha ``(H, W)`` (None without one)."""
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise InvcamError(f"cannot read {path.name} written by enfuse/align_image_stack")
    alpha = img[..., 3] if img.shape[2] == 4 else None
    return np.ascontiguousarray(img[..., 2::-1]), alpha


def _align(names: list[str], work: Path, size: tuple[int, int]) -> tuple[list[str], str]:
    """align_image_stack onto the first image; on failure keep the inputs (and say so)."""
    scale = "0" if min(size) < 400 else "1"
    try:
        _run(["align_image_stack", "-m", "--align-to-first", "-s", scale, "-a", "al_",
              *names], work)
    except InvcamError as exc:
        return names, f"align_image_stack failed, images fused unaligned ({exc})"
    return [f"al_{i:04d}.tif" for i in range(len(names))], "align_image_stack -m"


def enfuse_focus_stack(raws: list[np.ndarray], ref: int) -> tuple[np.ndarray, dict]:
    """Align (align_image_stack) and fuse (enfuse) ``(H, W, 3)`` uint8/uint16 RGB photos.

    Returns:
        the all-in-focus image in ``raws[ref]``'s geometry and dtype, and run info.
        Pixels no aligned image covers (alpha 0) are taken from the reference.
    """
    order = [ref] + [i for i in range(len(raws)) if i != ref]
    with tempfile.TemporaryDirectory(prefix="invcam-enfuse-") as tmp:
        work = Path(tmp)
        names = [f"in_{k:02d}.tif" for k in range(len(order))]
        for name, i in zip(names, order, strict=True):
            cv2.imwrite(str(work / name), np.ascontiguousarray(raws[i][..., ::-1]))
        aligned, how = _align(names, work, raws[ref].shape[:2])
        _run(["enfuse", *ENFUSE_ARGS, "-o", "fused.tif", *aligned], work)
        fused, alpha = _read_tiff(work / "fused.tif")
    fused = fused.astype(raws[ref].dtype) if fused.dtype != raws[ref].dtype else fused
    if alpha is not None:
        fused = np.where(alpha[..., None] > 0, fused, raws[ref])
    return fused, {"fusion": "enfuse", "alignment": how, "enfuse_args": list(ENFUSE_ARGS)}


def fuse_focus(raws: list[np.ndarray], ref: int, tool: str = "auto") -> tuple[np.ndarray, dict]:
    """All-in-focus fusion with enfuse (``tool`` "enfuse"), OpenCV ("opencv") or the
    first available ("auto"). InvcamError if "enfuse" is asked for and is missing."""
    if tool not in TOOLS:
        raise OptionError("tool", f"unknown {{option}} {tool!r} (valid: {', '.join(TOOLS)})")
    missing = missing_programs()
    if tool == "enfuse" and missing:
        raise OptionError("tool", f"{{option}} enfuse: {' and '.join(missing)} not found on PATH "
                          "(apt-get install enfuse hugin-tools, or use {option} opencv)")
    if tool == "opencv" or missing:
        fused, info = opencv_focus_stack(raws, ref)
        if missing:
            info["note"] = f"{', '.join(missing)} not installed: used the OpenCV fallback"
        return fused, info
    return enfuse_focus_stack(raws, ref)


def check_single_exposure(stack: Stack, method: str) -> None:
    """InvcamError if ``stack`` has more than one known exposure time."""
    groups = exposure_groups(stack)
    if len(groups) > 1:
        times = short_list([f"{t:g} s" for t, _ in groups])
        raise InvcamError(f"{method} needs a single-exposure focus stack; {stack.root} has "
                          f"{len(groups)} exposure times ({times}); use two-stage for "
                          "focus x exposure stacks")


def focus_stack(stack: Stack, tool: str = "auto") -> BaselineResult:
    """All-in-focus fusion of a single-exposure stack onto its reference image.

    The result is the fused photo as [0, 1] camera values (not linearized: a focus stack
    has one exposure, so there is no response to recover).
    """
    start = time.perf_counter()
    need_images(stack, "focus-stack")
    check_single_exposure(stack, "focus-stack")
    fused, info = fuse_focus(list(stack.raw), stack.reference, tool)
    info = {**info, "display_referred": True}
    return BaselineResult("focus-stack", to_unit(fused), [im.file for im in stack.images],
                          time.perf_counter() - start, info)


__all__ = ["TOOLS", "check_single_exposure", "ecc_align", "focus_stack", "fuse_focus",
           "missing_programs"]
