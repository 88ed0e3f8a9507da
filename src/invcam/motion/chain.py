"""Dense correspondence of every frame to the reference frame, by chaining adjacent flows.

For a frame t before the reference, ``corr_t(x) = corr_{t+1}(x + f_{t->t+1}(x))``; after it,
the backward flows ``f_{t->t-1}`` are chained the same way. Where a link fails its checks
(occlusion, clipping, flow error), the neighbour's correspondence is read through the
global registration between the two frames instead, and where even that is unknown the
frame's global registration to the reference stands in. The result starts the
deformation network D at the data's motion (moving objects and parallax included)
instead of at a global warp.

A frame that is black or clipped over a moving object (the short exposure of a cycle)
has no trusted flow there, and the spatial fill gives the object the background's
motion: over a 12-frame clip the object drifted 10-18 px off. Before chaining, each link
therefore borrows, where it is blind, the local motion of a coherent moving region of
the neighbouring link in time, carried at constant velocity (:func:`temporal_fill`).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from invcam.motion.flow import FlowPair, consistent_flow


def pixel_grid(size: tuple[int, int]) -> np.ndarray:
    """``(H, W, 2)`` float32 pixel-centre coordinates (x, y) = (j + 0.5, i + 0.5)."""
    h, w = size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack([xs + 0.5, ys + 0.5], axis=-1)


def warp_points(mat: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Apply a ``(3, 3)`` homography to ``(..., 2)`` points."""
    ph = xy @ mat[:2, :2].T.astype(np.float32) + mat[:2, 2].astype(np.float32)
    den = xy @ mat[2, :2].astype(np.float32) + np.float32(mat[2, 2])
    return ph / den[..., None]


def _sample(field: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Bilinearly read ``(H, W, C)`` ``field`` at pixel-centre coords ``(H, W, 2)``."""
    mx, my = xy[..., 0] - 0.5, xy[..., 1] - 0.5
    out = cv2.remap(field.astype(np.float32), mx, my, cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT, borderValue=np.nan)
    return out.reshape(*xy.shape[:2], -1)


def filled_flow(link: FlowPair, sigma: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """The flow with its untrusted pixels filled from trusted ones nearby (normalized
    convolution with a Gaussian of ``sigma`` px): clipping in one exposure leaves holes
    that the surrounding motion fills well. Returns ``(H, W, 2)`` and where it is known."""
    weight = link.valid.astype(np.float32)
    den = cv2.GaussianBlur(weight, (0, 0), sigma)
    num = cv2.GaussianBlur(link.flow * weight[..., None], (0, 0), sigma)
    smooth = num / np.maximum(den, 1e-6)[..., None]
    return np.where(link.valid[..., None], link.flow, smooth), den > 0.02


def chain_step(corr_next: np.ndarray, valid_next: np.ndarray, link: FlowPair,
               to_next: np.ndarray, fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One link of the chain, for frame t next to frame ``next``.

    ``corr_t(x) = corr_next(x + flow(x))`` where the flow is trusted or can be filled from
    trusted neighbours (:func:`filled_flow`); elsewhere ``corr_next(to_next(x))`` with
    ``to_next`` ``(3, 3)`` the global registration t -> next, so the next frame's local
    motion (parallax, moving objects) is inherited;
    the global registration ``fallback`` ``(H, W, 2)`` where neither is known.

    Returns:
        ``corr_t`` ``(H, W, 2)`` and ``valid_t`` ``(H, W)`` (False where the fallback is used).
    """
    grid = pixel_grid(link.flow.shape[:2])
    flow, known = filled_flow(link)
    target = np.where(known[..., None], grid + flow, warp_points(to_next, grid))
    corr = _sample(corr_next, target)
    ok = _sample(valid_next[..., None].astype(np.float32), target)[..., 0]
    valid = (np.nan_to_num(ok) > 0.5) & np.isfinite(corr).all(-1)
    return np.where(valid[..., None], corr, fallback), valid


def chained_correspondence(frames: Sequence[np.ndarray], exposures: Sequence[float | None],
                           reference: int, transforms: np.ndarray,
                           forward: Sequence[FlowPair] | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Where each pixel of each frame lies in the reference frame.

    Args:
        frames: B RGB frames ``(H, W, 3)`` in time order.
        exposures: B exposure times (None where unknown).
        reference: index of the reference frame.
        transforms: ``(B, 3, 3)`` global frame -> reference registrations (pixels).
        forward: the flows t -> t + 1 if already computed (``adjacent_flows``); the links
            before the reference reuse them instead of computing them again.

    Returns:
        ``(B, H, W, 2)`` float32 reference pixel coords, and ``(B, H, W)`` bool: True where
        the whole chain of flows passed its checks (elsewhere the registration is used).
    """
    grid = pixel_grid(frames[0].shape[:2])
    corr = np.stack([warp_points(m, grid) for m in transforms])
    valid = np.zeros(corr.shape[:3], dtype=bool)
    valid[reference] = True
    before = list(range(reference - 1, -1, -1))
    after = list(range(reference + 1, len(frames)))
    step = {t: np.linalg.inv(transforms[t + 1 if t < reference else t - 1]) @ transforms[t]
            for t in before + after}
    in_time = before[::-1] + after  # link t sits between t and t + 1 before, t - 1 and t after
    found = [_link(frames, exposures, t, reference, forward) for t in in_time]
    moves = [warp_points(step[t], grid) - grid for t in in_time]
    signs = [1.0 if t < reference else -1.0 for t in in_time]
    links = dict(zip(in_time, temporal_fill(found, moves, signs, in_time), strict=True))
    for t in before + after:
        nxt = t + 1 if t < reference else t - 1
        corr[t], valid[t] = chain_step(corr[nxt], valid[nxt], links[t], step[t], corr[t])
    return corr, valid


def _link(frames, exposures, t: int, reference: int, forward) -> FlowPair:
    """The flow from frame t towards the reference (t -> t + 1 before it, t -> t - 1 after)."""
    nxt = t + 1 if t < reference else t - 1
    if forward is not None and nxt == t + 1:
        return forward[t]
    return consistent_flow(frames[t], frames[nxt], exposures[t], exposures[nxt], plateaus=True)


TEMPORAL_REACH = 1
"""Links searched on each side for a moving region (:func:`temporal_fill`): in a
short/middle/long cycle, each link blind over an object has a neighbour that sees it."""
LOCAL_PX = 2.0
"""Local motion (px beyond the global registration) a neighbouring link must show at a
pixel for :func:`temporal_fill` to lend it: the static scene is left to the spatial fill."""


def temporal_fill(links: Sequence[FlowPair], moves: Sequence[np.ndarray],
                  signs: Sequence[float], sources: Sequence[int],
                  reach: int = TEMPORAL_REACH) -> list[FlowPair]:
    """Links in time order, each with its untrusted pixels that move locally in a
    neighbouring link taken from the nearest such link in time (constant velocity): where
    a frame is black or clipped over a moving object, its motion comes from the
    neighbouring frames that see it, not from the background around it.

    ``moves``: per link, the ``(H, W, 2)`` displacement of its global registration;
    ``signs``: +1 for a link forward in time, -1 backward; ``sources``: each link's source
    frame. A point at x in link k's source frame is read in link j's where it will be (or
    was) at constant velocity, ``y = x + (sources[j] - sources[k]) * velocity_j(y)``.
    Borrowed pixels count as trusted in the chain's spatial fill, which spreads them a few
    px over the object's edge (tried without: the bars slide clip's worst frame 27.0 dB
    instead of 27.7, its ball's edge following the background).
    """
    grid = pixel_grid(links[0].flow.shape[:2])
    regions = [moving_regions(lk.flow - m, lk.valid) for lk, m in zip(links, moves, strict=True)]
    out = []
    for k, link in enumerate(links):
        flow, valid = link.flow.copy(), link.valid.copy()
        blind = ~(link.valid if link.covered is None else link.covered)
        # where the link's own spatial fill already shows local motion, it knows better
        own, known = filled_flow(link)
        blind &= ~(known & (np.linalg.norm(own - moves[k], axis=-1) > LOCAL_PX))
        for d in sorted(range(-reach, reach + 1), key=abs)[1:]:
            j = k + d
            if not 0 <= j < len(links):
                continue
            local, ok = _carried(links[j].flow - moves[j], regions[j], signs[j] * links[j].flow,
                                 sources[j] - sources[k], grid)
            take = blind & ~valid & ok
            flow[take] = signs[k] * signs[j] * local[take] + moves[k][take]
            valid |= take
        out.append(FlowPair(flow, valid, link.source, link.target, link.covered))
    return out


def _carried(local: np.ndarray, region: np.ndarray, velocity: np.ndarray, frames: int,
             grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A link's local motion ``(H, W, 2)`` and its moving ``region`` ``(H, W)``, read where
    each pixel's point lies ``frames`` frames later at the link's forward ``velocity``."""
    where = grid
    for _ in range(3):  # fixed point of y = x + frames * velocity(y)
        where = grid + frames * np.nan_to_num(_sample(velocity, where))
    # where the iteration has not settled (a point beside the region, which it reaches
    # at one step and leaves at the next), nothing is carried
    settled = np.linalg.norm(grid + frames * _sample(velocity, where) - where, axis=-1) < 1.0
    carried = _sample(local, where)
    ok = np.nan_to_num(_sample(region.astype(np.float32)[..., None], where)[..., 0]) > 0.5
    return np.nan_to_num(carried), ok & settled & np.isfinite(carried).all(-1)


OBJECT_AREA = 256
"""Fewest pixels of a region of local motion that :func:`temporal_fill` lends (a 16 px
block): scattered flow errors of the still scene are not lent."""
COHERENT = 0.7
"""Fraction of such a region that must move within ``max(1, 0.3 |median|)`` px of its
median local motion (an object moves as one; flow errors point every way)."""


def moving_regions(local: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool: trusted pixels whose local motion ``(H, W, 2)`` exceeds
    ``LOCAL_PX`` and that belong to a connected region of at least ``OBJECT_AREA``
    pixels moving coherently, 3 px inside its edge (an object's edge is left to the
    still scene's fill: lent there, a smooth deformation carries the object's motion
    onto the background around it)."""
    fast = valid & (np.linalg.norm(local, axis=-1) > LOCAL_PX)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fast.astype(np.uint8),
                                                               connectivity=8)
    keep = np.zeros(count, bool)
    for k in range(1, count):
        if stats[k, cv2.CC_STAT_AREA] < OBJECT_AREA:
            continue
        vectors = local[labels == k]
        median = np.median(vectors, axis=0)
        near = np.linalg.norm(vectors - median, axis=1) < max(1.0, 0.3 * np.linalg.norm(median))
        keep[k] = near.mean() >= COHERENT
    inner = cv2.erode((keep[labels] & fast).astype(np.uint8), np.ones((7, 7), np.uint8))
    return inner.astype(bool)


__all__ = ["chain_step", "chained_correspondence", "moving_regions", "pixel_grid",
           "temporal_fill", "warp_points"]
