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

The scene is moving when more than ``MOVING_FRACTION`` of the measured blocks (and at
least ``MIN_BLOCKS``) move in some pair of neighbouring images that has at least
``MIN_MEASURED`` of its blocks measured; a pair that is mostly clipped or black decides
nothing, and a stack with no such pair is taken as static.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from invcam.motion.ecc import to_opencv
from invcam.motion.exposure import normalize_pair
from invcam.motion.flow import consistent_flow

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
MIN_MEASURED = 0.05
"""A pair with fewer measured blocks than this fraction (mostly clipped or black in one
of the two images) decides nothing: its few flow vectors are too unreliable."""


@dataclass(frozen=True)
class MotionDecision:
    """What ``--motion auto`` chose and the figures behind it.

    ``moving_fraction``: the largest fraction, over the pairs, of measured blocks that
    move; ``largest_px``: the largest median residual flow of a moving block in that
    pair (0 when none moves); ``measured``: the smallest fraction of blocks that could be
    measured in a pair; ``pairs``: how many pairs were compared.
    """

    mode: str
    moving_fraction: float
    largest_px: float
    measured: float
    pairs: int

    def describe(self) -> str:
        """One line for the user: the decision and its figures."""
        return (f"motion: {self.mode} ({100 * self.moving_fraction:.1f} % of the measured "
                f"blocks move after global registration, threshold "
                f"{100 * MOVING_FRACTION:.1f} %; largest residual {self.largest_px:.1f} px; "
                f"{self.pairs} image pair(s))")

    def to_dict(self) -> dict:
        """JSON-able record (fit.json)."""
        return {"mode": self.mode, "moving_fraction": self.moving_fraction,
                "largest_px": self.largest_px, "measured_fraction": self.measured,
                "pairs": self.pairs, "threshold": MOVING_FRACTION, "block_px": BLOCK}


def _warp_to(a: np.ndarray, step: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Frame ``a`` resampled into the geometry of the frame that ``step`` maps it to."""
    h, w = size
    return cv2.warpPerspective(np.ascontiguousarray(a), to_opencv(step), (w, h),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def block_motion(a: np.ndarray, b: np.ndarray, step: np.ndarray, t_a: float | None,
                 t_b: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-block residual motion of ``a`` against ``b`` after the global transform ``step``.

    Args:
        a, b: ``(H, W, 3)`` frames (uint8 or float in [0, 1]).
        step: ``(3, 3)`` pixel-centre transform mapping ``a``'s coordinates to ``b``'s.

    Returns:
        ``moving`` ``(Hb, Wb)`` bool and ``median`` ``(Hb, Wb)`` float (the median residual
        flow magnitude, NaN for blocks with under half their pixels measured).
    """
    h, w = b.shape[:2]
    warped = _warp_to(a, step, (h, w))
    pair = consistent_flow(warped, b, t_a, t_b)
    a_n, b_n, _ = normalize_pair(warped, b, t_a, t_b)
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    b_back = cv2.remap(b_n.astype(np.float32), gx + pair.flow[..., 0],
                       gy + pair.flow[..., 1], cv2.INTER_LINEAR)
    still = np.abs(a_n.astype(np.float32) - b_n)
    moved = np.abs(a_n.astype(np.float32) - b_back)
    hb, wb = h // BLOCK, w // BLOCK
    moving = np.zeros((hb, wb), bool)
    median = np.full((hb, wb), np.nan)
    for i in range(hb):
        for j in range(wb):
            cell = np.s_[i * BLOCK:(i + 1) * BLOCK, j * BLOCK:(j + 1) * BLOCK]
            valid = pair.valid[cell]
            if valid.mean() < 0.5:
                continue
            median[i, j] = np.linalg.norm(np.median(pair.flow[cell][valid], axis=0))
            e0, e1 = still[cell][valid].mean(), moved[cell][valid].mean()
            moving[i, j] = (median[i, j] > MOVING_PX and e0 >= EXPLAINED * e1
                            and e0 - e1 >= MIN_GAIN)
    return moving, median


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
    worst, largest, least, dynamic = 0.0, 0.0, 1.0, False
    for t, step in enumerate(steps):
        if trusted is not None and not trusted[t]:
            continue
        moving, median = block_motion(frames[t], frames[t + 1], step,
                                      exposures[t], exposures[t + 1])
        measured = np.isfinite(median)
        least = min(least, float(measured.mean()))
        if measured.mean() < MIN_MEASURED:
            continue
        count = int(moving.sum())
        frac = count / int(measured.sum())
        dynamic |= frac > MOVING_FRACTION and count >= MIN_BLOCKS
        if frac >= worst:
            worst = frac
            largest = float(median[moving].max()) if count else 0.0
    return MotionDecision("dynamic" if dynamic else "static", worst, largest, least,
                          len(steps))


__all__ = ["MotionDecision", "block_motion", "detect_motion", "working_size"]
