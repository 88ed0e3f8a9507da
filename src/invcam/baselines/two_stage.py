"""The paper's two-stage comparison (Sec. 4.3): focus-stack per exposure, then an HDR merge.

1. For each exposure time, the images of that exposure (one per focus setting) are
   fused into one all-in-focus LDR image (:func:`invcam.baselines.focus.fuse_focus`:
   align_image_stack + enfuse, or the OpenCV fallback), each onto the image that has
   the reference's focus setting, so all fused images share the reference geometry.
2. The all-in-focus LDR images are merged with Debevec & Malik (1997)
   (:func:`invcam.baselines.debevec.calibrate_merge_debevec`).

The paper used learned fusion (MFF-GAN, U2Fusion, FusionDN) and Photomatix; this is the
same pipeline built from classical, freely available tools. It needs a focus x exposure
grid, e.g. the 3 focus x 3 exposure ``all`` layout of ``invcam synth``: at least 2
exposure times, each with at least 2 images. Images are grouped by their ``exposure``.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 4.3 (the two-stage comparison).
    - P. E. Debevec, J. Malik. "Recovering High Dynamic Range Radiance Maps from
      Photographs." SIGGRAPH 1997.
    - T. Mertens, J. Kautz, F. Van Reeth. "Exposure Fusion." Pacific Graphics 2007 (enfuse's
      focus-stacking weights).
"""

from __future__ import annotations

import time

import numpy as np

from invcam.baselines.common import (
    BaselineResult,
    exposure_groups,
    group_reference,
    known_exposures,
    short_list,
    stack_notes,
    to_bgr8,
)
from invcam.baselines.debevec import calibrate_merge_debevec
from invcam.baselines.focus import fuse_focus
from invcam.errors import InvcamError
from invcam.io.stack import Stack


def check_grid(stack: Stack) -> list[tuple[float, list[int]]]:
    """The exposure groups of ``stack``; InvcamError unless it is a focus x exposure grid."""
    known_exposures(stack, "two-stage")
    groups = exposure_groups(stack)
    small = [f"{t:g} s" for t, members in groups if len(members) < 2]
    if small:
        raise InvcamError(
            f"two-stage needs several focus settings per exposure (a focus x exposure grid, "
            f"e.g. invcam synth --layout all); {stack.root} has a single image at "
            f"{short_list(small)}")
    return groups


def two_stage(stack: Stack, tool: str = "auto") -> BaselineResult:
    """Focus-stack each exposure group, then merge the fused images with Debevec."""
    start = time.perf_counter()
    groups = check_grid(stack)
    fused, times, runs = [], [], []
    for t, members in groups:
        ref = group_reference(stack, members)
        image, info = fuse_focus([stack.raw[i] for i in members], members.index(ref), tool)
        fused.append(to_bgr8(image))
        times.append(t)
        runs.append({"exposure": t, "images": [stack.images[i].file for i in members],
                     "onto": stack.images[ref].file, **info})
    radiance, _ = calibrate_merge_debevec(fused, np.array(times, dtype=np.float32))
    info = {"fusion": runs[0]["fusion"], "merge": "opencv debevec", "groups": runs,
            **stack_notes(stack)}
    return BaselineResult("two-stage", radiance.astype(np.float32),
                          [im.file for im in stack.images], time.perf_counter() - start, info)
