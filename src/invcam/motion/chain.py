"""Dense correspondence of every frame to the reference frame, by chaining adjacent flows.

For a frame t before the reference, ``corr_t(x) = corr_{t+1}(x + f_{t->t+1}(x))``; after it,
the backward flows ``f_{t->t-1}`` are chained the same way. Where a link fails its checks
(occlusion, clipping, flow error), the neighbour's correspondence is read through the
global registration between the two frames instead, and where even that is unknown the
frame's global registration to the reference stands in. The result starts the
deformation network D at the data's motion (moving objects and parallax included)
instead of at a global warp.
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
    for t in list(range(reference - 1, -1, -1)) + list(range(reference + 1, len(frames))):
        nxt = t + 1 if t < reference else t - 1
        if forward is not None and nxt == t + 1:
            link = forward[t]
        else:
            link = consistent_flow(frames[t], frames[nxt], exposures[t], exposures[nxt])
        to_next = np.linalg.inv(transforms[nxt]) @ transforms[t]
        corr[t], valid[t] = chain_step(corr[nxt], valid[nxt], link, to_next, corr[t])
    return corr, valid


__all__ = ["chain_step", "chained_correspondence", "pixel_grid", "warp_points"]
