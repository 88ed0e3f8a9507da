"""Dense optical flow between differently exposed and focused frames (paper Eq. 11).

The paper's flow loss pulls a pixel ``p`` of frame ``i`` and its flow correspondence
``p*`` in the adjacent frame to the same atlas point. Here the flow comes from OpenCV's
DIS optical flow (Kroeger et al., ECCV 2016) on exposure-normalized grey images (see
:func:`invcam.motion.exposure.normalize_pair`), and a forward-backward check keeps only
correspondences that survive both directions.

Convention: ``flow`` ``(H, W, 2)`` float32 holds ``(dx, dy)`` in pixels from frame ``a``
to frame ``b``: ``b(x + flow(x)) ~ a(x)``. A displacement does not depend on where pixel
centres sit; :meth:`FlowPair.points` returns pixel-centre coordinates, pixel ``(i, j)``
at ``(j + 0.5, i + 0.5)``.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Eq. 11 (the flow loss).
    - T. Kroeger, R. Timofte, D. Dai, L. Van Gool. "Fast Optical Flow using Dense Inverse
      Search." ECCV 2016.
    - N. Sundaram, T. Brox, K. Keutzer. "Dense Point Trajectories by GPU-Accelerated Large
      Displacement Optical Flow." ECCV 2010 (the forward-backward check).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from invcam.errors import InvcamError
from invcam.motion.exposure import normalize_pair, unusable_mask
from invcam.photometry import to_unit

# Relative part of the forward-backward tolerance (Sundaram et al., see References).
FB_RELATIVE = 0.01


@dataclass(frozen=True)
class FlowPair:
    """Flow from frame ``source`` to frame ``target`` with its reliability mask.

    ``flow`` ``(H, W, 2)`` float32 ``(dx, dy)`` pixels with ``b(x + flow(x)) ~ a(x)``;
    ``valid`` ``(H, W)`` bool marks pixels whose correspondence passed every check;
    ``covered`` ``(H, W)`` bool (or None) those that passed every check but the
    forward-backward one (unclipped in ``a``, target inside ``b`` and unclipped there).
    ``source`` / ``target`` are frame indices in a sequence (-1 when not from one).
    """

    flow: np.ndarray
    valid: np.ndarray
    source: int = -1
    target: int = -1
    covered: np.ndarray | None = None

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """Valid correspondences as pixel-centre coordinates ``(N, 2)`` (x, y) in a and b."""
        i, j = np.nonzero(self.valid)
        src = np.stack([j, i], axis=1).astype(np.float32) + 0.5
        return src, src + self.flow[i, j].astype(np.float32)


def as_grey8(image: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint8 grey from ``(H, W)`` uint8/float in [0, 1] or an ``(H, W, 3)`` RGB."""
    image = np.asarray(image)
    if image.ndim == 2 and image.dtype == np.uint8:
        return np.ascontiguousarray(image)
    unit = to_unit(image)
    if unit.ndim == 3:
        unit = unit @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.rint(unit * 255.0).astype(np.uint8)


def dis_flow(size: tuple[int, int]) -> cv2.DISOpticalFlow:
    """A DIS flow object suited to frames of ``size`` ``(H, W)``.

    The MEDIUM preset; its finest pyramid level is the full resolution for frames up to
    320 px on the long side (sub-0.01 px on textured shifts), half resolution above that
    (about 0.02 px, 4x faster). Small frames (48 x 64) work: DIS caps its pyramid depth.
    """
    dis = cv2.DISOpticalFlow_create(cv2.DISOpticalFlow_PRESET_MEDIUM)
    dis.setFinestScale(0 if max(size) <= 320 else 1)
    return dis


def dense_flow(a_grey: np.ndarray, b_grey: np.ndarray) -> np.ndarray:
    """DIS optical flow ``(H, W, 2)`` float32 from ``a_grey`` to ``b_grey``.

    Args:
        a_grey, b_grey: ``(H, W)`` grey images (uint8, or float in [0, 1]; RGB is
            converted), same size, at least 8 x 8.

    Returns:
        ``(dx, dy)`` per pixel of ``a`` with ``b(x + flow(x)) ~ a(x)``.
    """
    a8, b8 = as_grey8(a_grey), as_grey8(b_grey)
    if a8.shape != b8.shape:
        raise InvcamError(f"flow frames differ in size: {a8.shape} vs {b8.shape}")
    if min(a8.shape) < 8:
        raise InvcamError(f"flow frames must be at least 8 x 8 pixels, got {a8.shape}")
    flow = dis_flow(a8.shape).calc(a8, b8, None)
    return np.ascontiguousarray(flow, dtype=np.float32)


def target_grid(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Array-index coordinates ``(H, W)`` x and y of ``x + flow(x)`` (float32)."""
    h, w = flow.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return xs + flow[..., 0], ys + flow[..., 1]


def fb_consistent(forward: np.ndarray, backward: np.ndarray, threshold: float) -> np.ndarray:
    """``(H, W)`` bool: forward-backward check of two ``(H, W, 2)`` flows, target in frame.

    A pixel passes when its target ``x + f(x)`` lies inside ``b`` and
    ``|f(x) + g(x + f(x))|^2 < threshold^2 + FB_RELATIVE * (|f|^2 + |g|^2)``, ``g`` being
    the backward flow sampled bilinearly at the target.
    """
    h, w = forward.shape[:2]
    mx, my = target_grid(forward)
    inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
    back = cv2.remap(backward, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    err = np.sum((forward + back) ** 2, axis=2)
    scale = np.sum(forward ** 2, axis=2) + np.sum(back ** 2, axis=2)
    return inside & (err < threshold ** 2 + FB_RELATIVE * scale)


def clipped_at_target(clipped_b: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool: the target ``x + flow(x)`` touches a clipped pixel of ``b``."""
    mx, my = target_grid(flow)
    near = cv2.remap(clipped_b.astype(np.float32), mx, my, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=1.0)
    return near > 0.0


def consistent_flow(a: np.ndarray, b: np.ndarray, t_a: float | None = None,
                    t_b: float | None = None, fb_threshold: float = 1.0,
                    method: str = "auto", plateaus: bool = False) -> FlowPair:
    """Flow from ``a`` to ``b`` with a mask of trustworthy pixels.

    Args:
        a, b: ``(H, W, 3)`` RGB frames, uint8 or float in [0, 1], same size.
        t_a, t_b: exposure times in seconds, or None when unknown.
        fb_threshold: forward-backward tolerance in pixels (see :func:`fb_consistent`).
        method: exposure normalization, see :func:`normalize_pair`.
        plateaus: hold both frames within what both can measure (``normalize_pair``):
            the flows of a moving fit use it; ``--motion auto`` was validated without.

    Returns:
        A :class:`FlowPair`; ``valid`` excludes pixels clipped in ``a``, pixels whose
        target touches a clipped pixel of ``b`` or leaves ``b``, and pixels failing the
        forward-backward check (occlusions, disocclusions, flow errors); ``covered``
        excludes only the first two.
    """
    if fb_threshold <= 0:
        raise InvcamError(f"fb_threshold must be positive, got {fb_threshold}")
    clip_a, clip_b = unusable_mask(a), unusable_mask(b)
    a_n, b_n, _ = normalize_pair(a, b, t_a, t_b, method=method, clipped=(clip_a, clip_b),
                                 plateaus=plateaus)
    forward = dense_flow(a_n, b_n)
    backward = dense_flow(b_n, a_n)
    covered = ~clip_a & ~clipped_at_target(clip_b, forward)
    valid = fb_consistent(forward, backward, fb_threshold) & covered
    return FlowPair(flow=forward, valid=valid, covered=covered)


def adjacent_flows(frames: Iterable[np.ndarray], exposures: Sequence[float | None] | None,
                   step: int = 1, fb_threshold: float = 1.0) -> list[FlowPair]:
    """Flows ``t -> t + step`` for every ``t`` of a sequence of ``B`` frames.

    Args:
        frames: ``B`` RGB frames ``(H, W, 3)``, uint8 or float; any iterable, read once
            (a generator that loads frames from disk keeps only ``step + 1`` in memory).
        exposures: ``B`` exposure times in seconds (entries may be None), or None.
        step: frame distance of each pair, >= 1.
        fb_threshold: see :func:`consistent_flow`.

    Returns:
        ``B - step`` :class:`FlowPair` s with ``source = t`` and ``target = t + step``.
        Flows stay float32 (about 8 bytes per pixel per pair with the mask): float16
        would lose a quarter pixel at displacements over 256 px.
    """
    if step < 1:
        raise InvcamError(f"step must be at least 1, got {step}")
    window: deque[np.ndarray] = deque(maxlen=step + 1)
    pairs: list[FlowPair] = []
    count = 0
    for t, frame in enumerate(frames):
        window.append(frame)
        count = t + 1
        if len(window) == step + 1:
            src = t - step
            t_a, t_b = (None, None) if exposures is None else _times(exposures, src, t)
            pair = consistent_flow(window[0], window[-1], t_a, t_b, fb_threshold,
                                   plateaus=True)
            pairs.append(FlowPair(pair.flow, pair.valid, source=src, target=t))
    if exposures is not None and len(exposures) != count:
        raise InvcamError(f"{count} frames but {len(exposures)} exposure times")
    return pairs


def _times(exposures: Sequence[float | None], i: int, j: int) -> tuple:
    """Exposure times of frames ``i`` and ``j``; InvcamError if the list is too short."""
    if j >= len(exposures):
        raise InvcamError(f"more frames than the {len(exposures)} exposure times given")
    return exposures[i], exposures[j]
