"""From frames to the fit's :class:`MotionPrior`: registration to the
reference frame (the deformation's starting point), the atlas domain covering every view,
and adjacent-frame optical flow for the flow loss (paper Eq. 11)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from invcam.motion.chain import chained_correspondence
from invcam.motion.flow import FlowPair, adjacent_flows
from invcam.motion.joint import joint_matches, solve_with_spread
from invcam.motion.register import (
    adjacent_steps,
    chain_to_reference,
    union_bounds,
)

BASE_SHIFT_PX = 4.0
"""Centre displacement (pixels) above which a static stack's atlas covers every view."""
BASE_ROTATION_DEG = 1.0
"""Rotation (degrees) above which a static stack's atlas covers every view."""

@dataclass
class MotionPrior:
    """Motion estimated from the frames.

    Attributes:
        transforms: ``(B, 3, 3)`` homographies from image i's normalized coordinates to the
            reference image's (the deformation's fixed base), or None (identity).
        bounds: atlas domain ``(x0, y0, x1, y1)`` in the reference's normalized
            coordinates covering every view, or None (the reference view).
        pairs: ``(P, 2)`` image indices (a, b) of the flow fields, or None (no flow loss).
        flows: ``(P, H, W, 2)`` float16 optical flow in pixels: pixel x of image a matches
            x + flow(x) in image b.
        valid: ``(P, H, W)`` bool, where the flow passed its checks (unclipped,
            forward-backward consistent).
        correspondence: ``(B, H, W, 2)`` float32 where each pixel of image i lies in the
            reference image (pixel coords), from chained flows; starts D's residual.
        registered: ``(B,)`` bool, whether a trusted registration placed image i (its
            similarity then learns at ``lr_similarity``, else at
            ``lr_similarity_unregistered``), or None (all placed).
        spread: ``(B,)`` float32 px, how tightly the feature matches pin each placed
            image (:func:`~invcam.motion.joint.similarity_spread`; NaN where not placed),
            or None (not measured).
    """

    transforms: torch.Tensor | None = None
    bounds: tuple[float, float, float, float] | None = None
    pairs: torch.Tensor | None = None
    flows: torch.Tensor | None = None
    valid: torch.Tensor | None = None
    correspondence: torch.Tensor | None = None
    registered: torch.Tensor | None = None
    spread: torch.Tensor | None = None

    def to(self, device: torch.device) -> MotionPrior:
        """A copy whose tensors are on ``device`` (the fit samples flows where the model is)."""
        moved = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return MotionPrior(**{k: v.to(device) if isinstance(v, torch.Tensor) else v
                              for k, v in moved.items()})



def pixel_to_normalized(size: tuple[int, int]) -> np.ndarray:
    """``(3, 3)`` map from pixel coords (centres at +0.5) to normalized [-1, 1] coords."""
    h, w = size
    return np.array([[2.0 / w, 0.0, -1.0], [0.0, 2.0 / h, -1.0], [0.0, 0.0, 1.0]])


def normalized_transforms(pixel_mats: np.ndarray, size: tuple[int, int]) -> torch.Tensor:
    """``(B, 3, 3)`` frame -> reference maps in pixels -> the same maps in normalized coords."""
    n = pixel_to_normalized(size)
    mats = n @ np.asarray(pixel_mats, dtype=np.float64) @ np.linalg.inv(n)
    return torch.from_numpy(mats / mats[:, 2:3, 2:3]).float()


def normalized_bounds(pixel_box: tuple[float, float, float, float], size: tuple[int, int]
                      ) -> tuple[float, float, float, float]:
    """A box ``(x0, y0, x1, y1)`` in reference pixels -> normalized coords, never smaller
    than the reference view itself."""
    h, w = size
    x0, y0, x1, y1 = pixel_box
    return (min(-1.0, 2 * x0 / w - 1), min(-1.0, 2 * y0 / h - 1),
            max(1.0, 2 * x1 / w - 1), max(1.0, 2 * y1 / h - 1))


def stack_flows(pairs: list[FlowPair]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Flow pairs -> ``(P, 2)`` indices, ``(P, H, W, 2)`` float16 flows, ``(P, H, W)`` masks."""
    index = torch.tensor([[p.source, p.target] for p in pairs], dtype=torch.long)
    flows = torch.from_numpy(np.stack([p.flow for p in pairs]).astype(np.float16))
    valid = torch.from_numpy(np.stack([p.valid for p in pairs]).astype(bool))
    return index, flows, valid


def estimate_prior(stack, reference: int, model: str = "similarity",
                   flows: bool = True, steps: np.ndarray | None = None) -> MotionPrior:
    """Registration, atlas bounds, chained correspondence and (for the flow loss) adjacent
    flows of a stack's frames (``stack.raw``).

    Args:
        stack: a :class:`~invcam.io.stack.Stack` whose images are frames in time order.
        reference: index of the reference frame.
        model: "similarity" or "homography" for the registration.
        flows: keep every adjacent flow for the flow loss; False computes only the ones
            the chain needs and leaves ``pairs``/``flows``/``valid`` None.
        steps: the adjacent registrations (:func:`~invcam.motion.register.adjacent_steps`)
            when the caller has them already.
    """
    frames, size = list(stack.raw), tuple(stack.size)
    exposures = [im.exposure for im in stack.images]
    if steps is None:
        steps = adjacent_steps(frames, exposures, model)
    mats = chain_to_reference(steps, reference)
    last = len(frames) if flows else reference + 1
    forward = adjacent_flows(frames[:last], exposures[:last])
    corr, _ = chained_correspondence(frames, exposures, reference, mats, forward)
    box = union_bounds(mats, size)
    seen = corr.reshape(-1, 2)
    box = (min(box[0], float(seen[:, 0].min())), min(box[1], float(seen[:, 1].min())),
           max(box[2], float(seen[:, 0].max())), max(box[3], float(seen[:, 1].max())))
    prior = MotionPrior(transforms=normalized_transforms(mats, size),
                        bounds=normalized_bounds(box, size), correspondence=torch.from_numpy(corr))
    if flows:
        prior.pairs, prior.flows, prior.valid = stack_flows(forward)
    return prior


def camera_moved(mats: np.ndarray, size: tuple[int, int]) -> bool:
    """True when a frame -> reference transform ``(B, 3, 3)`` moves the image centre by more
    than ``BASE_SHIFT_PX`` or turns it by more than ``BASE_ROTATION_DEG``: then the atlas
    is widened to cover every view (focus breathing and a tripod's shake stay within the
    reference view's margin)."""
    h, w = size
    centre = np.array([w / 2.0, h / 2.0, 1.0])
    moved = np.einsum("bij,j->bi", mats, centre)
    shift = np.linalg.norm(moved[:, :2] / moved[:, 2:] - centre[:2], axis=1)
    angle = np.degrees(np.abs(np.arctan2(mats[:, 1, 0] - mats[:, 0, 1],
                                         mats[:, 0, 0] + mats[:, 1, 1])))
    return bool(np.any(shift > BASE_SHIFT_PX) or np.any(angle > BASE_ROTATION_DEG))


def fill_untrusted(steps: np.ndarray, trusted: np.ndarray) -> np.ndarray:
    """``steps`` ``(B - 1, 3, 3)`` with each untrusted one replaced by the mean of the
    nearest trusted steps before and after it (one if only one exists; the identity if
    none): a camera moves smoothly, and an ECC fallback between a mostly clipped frame
    and its neighbour can be tens of pixels off (frames of an exposure cycle share
    little, so in a video most steps may be untrusted)."""
    trusted = np.asarray(trusted, dtype=bool)
    good = np.flatnonzero(trusted)
    out = np.array(steps, dtype=np.float64, copy=True)
    for t in np.flatnonzero(~trusted):
        near = [good[good < t][-1:], good[good > t][:1]]
        picks = np.concatenate(near)
        out[t] = np.mean(steps[picks], axis=0) if len(picks) else np.eye(3)
    return out


def static_prior(mats: np.ndarray, size: tuple[int, int], registered: np.ndarray,
                 spread: np.ndarray | None = None) -> MotionPrior:
    """The prior of a static stack from its images' registrations to the reference
    ``mats`` ``(B, 3, 3)`` (:func:`~invcam.motion.joint.joint_registration`): D's fixed
    base (D's similarity refines it, at ``OptimConfig.lr_similarity``), and an atlas domain
    covering every view when the camera moved (:func:`camera_moved`). Images not
    ``registered`` ``(B,)`` bool start at the identity and their similarity learns faster
    (``OptimConfig.lr_similarity_unregistered``). ``spread`` ``(B,)`` px: how tightly
    each is pinned (:func:`~invcam.motion.joint.similarity_spread`), for
    ``OptimConfig.similarity_hold_spread``."""
    registered = np.asarray(registered, bool)
    mats = np.where(registered[:, None, None], mats, np.eye(3))
    flags = torch.from_numpy(registered)
    pinned = None if spread is None else torch.as_tensor(spread, dtype=torch.float32)
    if np.allclose(mats, np.eye(3)):
        return MotionPrior(registered=flags, spread=pinned)
    bounds = normalized_bounds(union_bounds(mats, size), size) if camera_moved(mats, size) \
        else None
    return MotionPrior(transforms=normalized_transforms(mats, size), bounds=bounds,
                       registered=flags, spread=pinned)


def registered_prior(stack, reference: int, known: dict | None = None) -> MotionPrior:
    """:func:`static_prior` of a stack (``raw`` frames) from the joint registration of its
    images (:mod:`invcam.motion.joint`), with each image's spread; ``known``: pair
    registrations already made."""
    frames, exposures = list(stack.raw), [im.exposure for im in stack.images]
    matches = joint_matches(frames, exposures, reference, known)
    size = tuple(stack.size)
    mats, placed, spread = solve_with_spread(matches, len(frames), reference, size)
    return static_prior(mats, size, placed, spread)


__all__ = ["MotionPrior", "estimate_prior", "normalized_bounds", "normalized_transforms",
           "registered_prior", "static_prior"]
