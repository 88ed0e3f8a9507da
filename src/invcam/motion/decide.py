"""Is the scene moving? ``--motion auto`` decides from the data, for folders and videos.

After a global similarity registration of each image to its neighbour (which removes
focus breathing and camera shake), the frames are reduced to at most ``WORK_SIDE`` px
(defocus and its flow noise grow with resolution) and what is left is measured block by
block (16 px) with
exposure-normalized optical flow and a forward-backward check
(:func:`invcam.motion.flow.consistent_flow`), on the pixels unclipped in both images.
Defocus makes flow noisy near edges (up to ~4 px in a block's median on the tuning
scenes) but warping by such a flow explains little of the difference between the images;
a moving object or parallax is displaced coherently, and warping by its flow removes most
of the difference. A block moves when both hold:

- the median residual flow over its measured pixels exceeds ``MOVING_PX`` (2.5 px);
- warping by the flow divides the mean absolute difference of the normalized grey
  images by at least ``EXPLAINED`` and lowers it by ``MIN_GAIN`` grey levels or more
  (static tuning stacks stay below 2x, moving ones reach 3-40x).

The forward-backward check fails on a moving object next to a clipped region: DIS's
backward flow can miss the object there while the forward flow finds it. So a second
test runs without that check: a block *moves unchecked* when at least ``COVERED`` of its
pixels are unclipped (with their target), its median flow over them exceeds
``MOVING_PX``, warping by it passes the same test as above, and it is textured in every
direction (``TEXTURE``: a flat or edge-only block's flow is not determined, and in a real
bracket such blocks passed the warp test by matching brightness alone). A rigid object
makes a connected group of such blocks; ``MIN_CLUSTER`` of them (8-connected) also make
a pair moving.

An object seen well only in a mostly clipped or black pair can fail both block tests;
a third test takes a connected region of coherent flow as a whole
(:mod:`invcam.motion.objects`).

The scene is moving when, in some pair of neighbouring images that has at least
``MIN_MEASURED`` of its blocks measured, more than ``MOVING_FRACTION`` of the measured
blocks (and at least ``MIN_BLOCKS``) move, or ``MIN_CLUSTER`` connected blocks move
unchecked, or a region moves as an object; a pair that is mostly clipped or black
decides nothing, and a stack with no such pair is taken as static.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from invcam.motion.ecc import to_opencv
from invcam.motion.exposure import normalize_pair
from invcam.motion.flow import FlowPair, consistent_flow, target_grid
from invcam.motion.objects import grey_gradients, moving_object, textured_along

WORK_SIDE = 480
"""Frames are compared at most this many pixels along their longer side: defocus, and the
flow noise it makes, grows with resolution (a 600x900 desk stack read 4.6 px of spurious
motion at full size and none at 300x450)."""
BLOCK = 16
"""Side of the blocks in pixels, at the working size."""
MOVING_PX = 2.5
"""A block's median residual flow (pixels) above which it may be moving: above the
defocus flow that some blocks of static stacks show (and that can pass the warp test
below), below the displacement of a moving object between shots."""
EXPLAINED = 2.5
"""Factor by which warping by the flow must reduce a moving block's difference."""
MIN_GAIN = 3.0
"""Grey levels (of 255) by which warping must reduce a moving block's difference."""
MOVING_FRACTION = 0.01
"""Fraction of the measured blocks that must move for the scene to be called moving."""
MIN_BLOCKS = 3
"""Fewest moving blocks that make a scene moving."""
COVERED = 0.9
"""Fraction of a block's pixels that must be unclipped (in both images) for the unchecked
test."""
TEXTURE = 1.0
"""Grey levels (of 255) per pixel: the block's gradient in its weakest direction (square
root of the smaller eigenvalue of its structure tensor) for the unchecked test."""
MIN_CLUSTER = 5
"""Connected blocks moving unchecked that make a pair moving: above the largest group in
the static stacks of the tuning set and in the real brackets of the shared data, and no
more than the smallest moving tuning stack shows (docs/results.md)."""
MIN_MEASURED = 0.05
"""A pair with fewer measured blocks than this fraction (mostly clipped or black in one
of the two images) decides nothing: its few flow vectors are too unreliable."""


@dataclass(frozen=True)
class MotionDecision:
    """What ``--motion auto`` chose and the figures behind it.

    ``moving_fraction``: the largest fraction, over the pairs, of measured blocks that
    move; ``largest_px``: the largest median residual flow of a block that moves, by
    either test, in any pair (0 when none moves); ``measured``: the smallest fraction
    of blocks that could be measured in a pair; ``pairs``: how many pairs were
    compared; ``cluster``: the largest group of connected blocks moving unchecked in a
    pair; ``object_blocks``: the largest region (in blocks) that moves as an object.
    """

    mode: str
    moving_fraction: float
    largest_px: float
    measured: float
    pairs: int
    cluster: int = 0
    object_blocks: int = 0

    def describe(self) -> str:
        """One line for the user: the decision and its figures."""
        return (f"motion: {self.mode} ({100 * self.moving_fraction:.1f} % of the measured "
                f"blocks move after global registration, threshold "
                f"{100 * MOVING_FRACTION:.1f} % and {MIN_BLOCKS} blocks; largest residual "
                f"{self.largest_px:.1f} px; "
                f"{self.cluster} connected textured blocks move, threshold {MIN_CLUSTER}; "
                f"largest region moving as one object {self.object_blocks} blocks; "
                f"{self.pairs} image pair(s))")

    def to_dict(self) -> dict:
        """JSON-able record (fit.json)."""
        return {"mode": self.mode, "moving_fraction": self.moving_fraction,
                "largest_px": self.largest_px, "measured_fraction": self.measured,
                "pairs": self.pairs, "threshold": MOVING_FRACTION, "block_px": BLOCK,
                "cluster_blocks": self.cluster, "cluster_threshold": MIN_CLUSTER,
                "object_blocks": self.object_blocks}


def _warp_to(a: np.ndarray, step: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Frame ``a`` resampled into the geometry of the frame that ``step`` maps it to."""
    h, w = size
    return cv2.warpPerspective(np.ascontiguousarray(a), to_opencv(step), (w, h),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


@dataclass(frozen=True)
class PairMotion:
    """Block-by-block residual motion of one pair.

    ``moving`` ``(Hb, Wb)`` bool: blocks that pass the checked test; ``median``
    ``(Hb, Wb)``: their median residual flow (px; NaN for blocks with under half their
    pixels measured); ``cluster``: the largest 8-connected group of blocks that move
    unchecked (see the module docstring); ``largest_px``: the largest median flow of a
    block that moves by either test (0 when none does); ``object_blocks``: the largest
    region that moves as an object (:func:`invcam.motion.objects.moving_object`).
    """

    moving: np.ndarray
    median: np.ndarray
    cluster: int
    largest_px: float
    object_blocks: int = 0


def weakest_gradient(grad: np.ndarray, weight: np.ndarray, block: int) -> np.ndarray:
    """``(Hb, Wb)`` per block of a grey image's gradients ``grad`` ``(H, W, 2)``
    (:func:`~invcam.motion.objects.grey_gradients`, grey levels per pixel): the square
    root of the smaller eigenvalue of the structure tensor averaged over the pixels where
    ``weight`` ``(H, W)`` is set; 0 where none is."""
    gx, gy = np.moveaxis(grad, -1, 0)
    hb, wb = grad.shape[0] // block, grad.shape[1] // block
    w = weight.astype(np.float32)

    def pool(x: np.ndarray) -> np.ndarray:
        x = (x * w)[:hb * block, :wb * block].reshape(hb, block, wb, block)
        return x.sum(axis=(1, 3))

    count = np.maximum(pool(np.ones_like(gx)), 1.0)
    xx, xy, yy = pool(gx * gx) / count, pool(gx * gy) / count, pool(gy * gy) / count
    half = (xx + yy) / 2.0
    smaller = half - np.sqrt(np.maximum(half ** 2 - (xx * yy - xy ** 2), 0.0))
    return np.sqrt(np.maximum(smaller, 0.0))


def _warp_test(still: np.ndarray, moved: np.ndarray) -> bool:
    """Warping by the flow explains the block: mean differences before / after."""
    e0, e1 = still.mean(), moved.mean()
    return bool(e0 >= EXPLAINED * e1 and e0 - e1 >= MIN_GAIN)


def _block_test(flow: np.ndarray, mask: np.ndarray, still: np.ndarray,
                moved: np.ndarray, grad: np.ndarray | None = None) -> tuple[float, bool]:
    """Median flow magnitude over a block's ``mask`` pixels and whether it moves; with
    the block's gradients ``grad``, only if it is also textured along that flow."""
    vector = np.median(flow[mask], axis=0)
    median = float(np.linalg.norm(vector))
    moves = median > MOVING_PX and _warp_test(still[mask], moved[mask])
    return median, moves and (grad is None or textured_along(grad[mask], vector))


def largest_cluster(blocks: np.ndarray) -> int:
    """Size of the largest 8-connected group of set blocks in ``(Hb, Wb)`` bool."""
    count, labels = cv2.connectedComponents(blocks.astype(np.uint8), connectivity=8)
    return int(np.bincount(labels.ravel())[1:].max()) if count > 1 else 0


def _differences(a: np.ndarray, b: np.ndarray, step: np.ndarray, t_a: float | None,
                 t_b: float | None) -> tuple[FlowPair, np.ndarray, np.ndarray, np.ndarray]:
    """Flow of ``a`` (warped by ``step``) to ``b``, and ``(H, W)`` maps: the normalized
    grey of ``a`` and its absolute difference from ``b`` before and after the flow."""
    h, w = b.shape[:2]
    warped = _warp_to(a, step, (h, w))
    pair = consistent_flow(warped, b, t_a, t_b)
    a_n, b_n, _ = normalize_pair(warped, b, t_a, t_b)
    b_back = cv2.remap(b_n.astype(np.float32), *target_grid(pair.flow), cv2.INTER_LINEAR)
    a_f = a_n.astype(np.float32)
    return pair, a_f, np.abs(a_f - b_n), np.abs(a_f - b_back)


def block_motion(a: np.ndarray, b: np.ndarray, step: np.ndarray, t_a: float | None,
                 t_b: float | None) -> PairMotion:
    """Per-block residual motion of ``a`` against ``b`` after the global transform ``step``.

    Args:
        a, b: ``(H, W, 3)`` frames (uint8 or float in [0, 1]).
        step: ``(3, 3)`` pixel-centre transform mapping ``a``'s coordinates to ``b``'s.
    """
    pair, a_n, still, moved = _differences(a, b, step, t_a, t_b)
    grad = grey_gradients(a_n)
    textured = weakest_gradient(grad, pair.covered, BLOCK) >= TEXTURE
    hb, wb = b.shape[0] // BLOCK, b.shape[1] // BLOCK
    moving, unchecked = np.zeros((hb, wb), bool), np.zeros((hb, wb), bool)
    median, largest = np.full((hb, wb), np.nan), 0.0
    for i in range(hb):
        for j in range(wb):
            cell = np.s_[i * BLOCK:(i + 1) * BLOCK, j * BLOCK:(j + 1) * BLOCK]
            flow, blk_still, blk_moved = pair.flow[cell], still[cell], moved[cell]
            if pair.valid[cell].mean() >= 0.5:
                median[i, j], moving[i, j] = _block_test(flow, pair.valid[cell],
                                                         blk_still, blk_moved, grad[cell])
                largest = max(largest, median[i, j] if moving[i, j] else 0.0)
            if textured[i, j] and pair.covered[cell].mean() >= COVERED:
                px, unchecked[i, j] = _block_test(flow, pair.covered[cell], blk_still,
                                                  blk_moved)
                largest = max(largest, px if unchecked[i, j] else 0.0)
    obj = moving_object(grad, pair.flow, pair.covered, still, moved, BLOCK, MOVING_PX,
                        EXPLAINED)
    return PairMotion(moving, median, largest_cluster(unchecked), largest, obj)


def working_size(frames: Sequence[np.ndarray], steps: Sequence[np.ndarray]
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Frames reduced (area averaging) to at most ``WORK_SIDE`` pixels along the longer
    side, and the ``(3, 3)`` pixel-centre transforms between them rescaled to match."""
    h, w = frames[0].shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    if scale == 1.0:
        return list(frames), list(steps)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = [cv2.resize(np.ascontiguousarray(f), size, interpolation=cv2.INTER_AREA)
             for f in frames]
    sx, sy = size[0] / w, size[1] / h
    s = np.diag([sx, sy, 1.0])
    return small, [s @ np.asarray(m) @ np.linalg.inv(s) for m in steps]


def detect_motion(frames: Sequence[np.ndarray], exposures: Sequence[float | None],
                  steps: Sequence[np.ndarray],
                  trusted: Sequence[bool] | None = None) -> MotionDecision:
    """Decide static or dynamic from adjacent pairs ``(t, t + 1)``.

    Args:
        frames: ``B`` frames ``(H, W, 3)``.
        exposures: ``B`` exposure times (entries may be None).
        steps: ``B - 1`` transforms ``(3, 3)`` mapping frame t's coordinates to t + 1's.
        trusted: per step, whether its registration is reliable (None: all are); a pair
            whose registration is not decides nothing.
    """
    frames, steps = working_size(frames, steps)
    worst, largest, least, dynamic, cluster, obj = 0.0, 0.0, 1.0, False, 0, 0
    for t, step in enumerate(steps):
        if trusted is not None and not trusted[t]:
            continue
        pm = block_motion(frames[t], frames[t + 1], step, exposures[t], exposures[t + 1])
        measured = np.isfinite(pm.median)
        least = min(least, float(measured.mean()))
        if measured.mean() < MIN_MEASURED:
            continue
        count = int(pm.moving.sum())
        frac = count / int(measured.sum())
        dynamic |= (frac > MOVING_FRACTION and count >= MIN_BLOCKS
                    or pm.cluster >= MIN_CLUSTER or pm.object_blocks > 0)
        cluster, obj = max(cluster, pm.cluster), max(obj, pm.object_blocks)
        largest = max(largest, pm.largest_px)
        worst = max(worst, frac)
    return MotionDecision("dynamic" if dynamic else "static", worst, largest, least,
                          len(steps), cluster, obj)


__all__ = ["MotionDecision", "PairMotion", "block_motion", "detect_motion",
           "largest_cluster", "weakest_gradient", "working_size"]
