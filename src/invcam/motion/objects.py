"""A moving object as one region of coherent flow, for ``--motion auto``.

The block tests of :mod:`invcam.motion.decide` judge each 16 px block on its own. An
object that is seen well only in a pair that is mostly clipped or black (a dark object
in the short exposure, beside a clipped table in the long one) gives few blocks that
pass them: its blocks are partly uncovered, its inside is flat, and at its occluding
edge warping leaves what one image uncovers and the other does not see
(docs/experiments, 6p.15). Taken as a whole, the same object is one connected region
whose pixels share one displacement, well above the defocus flow, and warping by the flow
explains most of the region's difference.

A region *moves as an object* when, over the pixels unclipped in both images whose
residual flow exceeds the block test's threshold (``decide.MOVING_PX``), an 8-connected
group of at least ``OBJECT_AREA`` blocks' worth of pixels

- has a median flow of at least ``OBJECT_SPEED`` times that threshold;
- is coherent: at least ``COHERENT`` of its pixels' flow is within
  ``max(1 px, 0.3 |median|)`` of the median (defocus flow points every way);
- is textured along its flow: the RMS grey gradient along the median flow is at least
  ``ALONG`` times that across it (stripes parallel to the flow let it slide along them
  and still match: the aperture problem);
- and warping by the flow divides the median absolute difference of its normalized grey
  levels by at least the block test's factor (``decide.EXPLAINED``) and lowers it by
  ``OBJECT_GAIN`` grey levels (medians: robust to the strip that the object uncovers).
"""

from __future__ import annotations

import cv2
import numpy as np

OBJECT_SPEED = 2.0
"""Median flow of an object region, as a multiple of the block threshold: a region is not
the tail of a static stack's defocus flow, whose pixels are just above the threshold."""
OBJECT_AREA = 2
"""Smallest object region, in blocks of ``BLOCK`` x ``BLOCK`` pixels."""
COHERENT = 0.7
"""Fraction of an object region's pixels that must move with its median flow."""
ALONG = 1.0 / 3.0
"""Least ratio of the grey gradient along a flow to that across it, for an object region
and (``decide``'s checked test) for a moving block."""
OBJECT_GAIN = 2.0
"""Grey levels (of 255) by which warping must lower an object region's median difference."""


def grey_gradients(grey: np.ndarray) -> np.ndarray:
    """``(H, W, 2)`` Sobel gradients (x, y) of a grey image ``(H, W)``, grey levels per px."""
    g = grey.astype(np.float32)
    return np.stack([cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1)], -1) / 8


def textured_along(grad: np.ndarray, flow: np.ndarray) -> bool:
    """Whether pixels with gradients ``(N, 2)`` are textured along the flow vector ``(2,)``:
    the RMS gradient along it is at least ``ALONG`` times that across it (else the flow
    may slide along an edge or stripes: the aperture problem)."""
    u = flow / max(float(np.linalg.norm(flow)), 1e-9)
    along = np.sqrt(np.mean((grad @ u) ** 2))
    across = np.sqrt(np.mean((grad @ np.array([-u[1], u[0]], np.float32)) ** 2))
    return bool(along >= ALONG * across)


def region_moves(flow: np.ndarray, grad: np.ndarray, still: np.ndarray, moved: np.ndarray,
                 slow_px: float, explained: float) -> bool:
    """Whether one region moves as an object: its ``(N, 2)`` flow vectors and grey
    gradients, and its pixels' ``(N,)`` absolute differences before (``still``) and after
    (``moved``) warping; ``slow_px`` and ``explained`` are the block test's flow threshold
    and factor."""
    median = np.median(flow, axis=0)
    speed = float(np.linalg.norm(median))
    if speed < OBJECT_SPEED * slow_px:
        return False
    near = np.linalg.norm(flow - median, axis=1) < max(1.0, 0.3 * speed)
    e0, e1 = float(np.median(still)), float(np.median(moved))
    return bool(near.mean() >= COHERENT and textured_along(grad, median)
                and e0 >= explained * e1 and e0 - e1 >= OBJECT_GAIN)


def moving_object(grad: np.ndarray, flow: np.ndarray, covered: np.ndarray,
                  still: np.ndarray, moved: np.ndarray, block: int, slow_px: float,
                  explained: float) -> int:
    """Size in blocks of the largest region that moves as an object (0 when none does).

    Args:
        grad: ``(H, W, 2)`` gradients of the pair's first normalized grey frame
            (:func:`grey_gradients`).
        flow: ``(H, W, 2)`` residual flow of a pair after its global registration.
        covered: ``(H, W)`` bool, pixels unclipped in both images.
        still, moved: ``(H, W)`` absolute differences of the normalized grey images
            before and after warping by ``flow``.
        block, slow_px, explained: the block tests' block side (pixels), flow threshold
            (pixels) and factor (``decide.BLOCK``, ``MOVING_PX``, ``EXPLAINED``).
    """
    fast = covered & (np.linalg.norm(flow, axis=-1) > slow_px)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fast.astype(np.uint8),
                                                               connectivity=8)
    largest, cell = 0, block * block
    for k in range(1, count):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < OBJECT_AREA * cell or area // cell <= largest:
            continue
        sel = labels == k
        if region_moves(flow[sel], grad[sel], still[sel], moved[sel], slow_px, explained):
            largest = area // cell
    return largest


__all__ = ["grey_gradients", "moving_object", "region_moves", "textured_along"]
