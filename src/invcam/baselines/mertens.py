"""Exposure fusion with OpenCV (display-referred).

OpenCV's ``createMergeMertens``.

Exposure fusion blends the photos directly into a display image, weighting each pixel
by contrast, saturation and well-exposedness; it recovers no radiance and needs no
exposure times. It is written to EXR like the other baselines, but its values are
display-referred (roughly [0, 1]): compare it with radiance maps only after scale
alignment and normalization, in the mu-law domain (PSNR-mu / SSIM-mu), and read its
linear-domain scores with that in mind.

References:
    - T. Mertens, J. Kautz, F. Van Reeth. "Exposure Fusion." Pacific Graphics 2007.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from invcam.baselines.common import (
    BaselineResult,
    bgr_to_rgb,
    need_images,
    stack_notes,
    to_bgr8,
)
from invcam.io.stack import Stack


def mertens_2007(stack: Stack) -> BaselineResult:
    """OpenCV Mertens et al. (2007) exposure fusion of all images, ``(H, W, 3)`` >= 0."""
    start = time.perf_counter()
    need_images(stack, "mertens")
    fused = cv2.createMergeMertens().process([to_bgr8(r) for r in stack.raw])
    image = bgr_to_rgb(np.maximum(fused, 0)).astype(np.float32)
    info = {"tool": f"opencv {cv2.__version__}", "display_referred": True, **stack_notes(stack)}
    return BaselineResult("mertens", image, [im.file for im in stack.images],
                          time.perf_counter() - start, info)
