"""Correspondences between frames of one scene taken with different focus and exposure.

- :mod:`~invcam.motion.exposure`: bring two exposures to a common 8-bit grey brightness
  (gamma 2.2 + exposure ratio, or histogram matching) and mask unusable pixels (too dark
  or too bright to measure).
- :mod:`~invcam.motion.flow`: DIS optical flow with a forward-backward check, for the
  paper's flow loss (Eq. 11): ``b(x + flow(x)) ~ a(x)``, flow ``(H, W, 2)`` (dx, dy).
- :mod:`~invcam.motion.register`: similarity / homography from frame ``a`` to ``b``
  (features + RANSAC, ECC fallback in :mod:`~invcam.motion.ecc`) and chaining to a
  reference frame: ``M`` maps pixel coords of ``a`` to ``b``, ``b(M x) ~ a(x)``.
- :mod:`~invcam.motion.joint`: a static stack's similarities to the reference from the
  matches of all nearby pairs at once (one linear least squares).
- :mod:`~invcam.motion.prior`: :class:`~invcam.motion.prior.MotionPrior`, what a fit
  starts from (registration, flows, correspondences); :mod:`~invcam.motion.decide`:
  static or dynamic (``--motion auto``).

Pixel ``(i, j)`` has its centre at ``(x, y) = (j + 0.5, i + 0.5)`` everywhere.
"""

from invcam.motion.exposure import normalize_pair, unusable_mask
from invcam.motion.flow import FlowPair, adjacent_flows, consistent_flow, dense_flow
from invcam.motion.joint import joint_registration
from invcam.motion.register import (
    Registration,
    estimate_homography,
    estimate_transform,
    register_to_reference,
    union_bounds,
)

__all__ = [
    "FlowPair",
    "Registration",
    "adjacent_flows",
    "unusable_mask",
    "consistent_flow",
    "dense_flow",
    "estimate_homography",
    "estimate_transform",
    "joint_registration",
    "normalize_pair",
    "register_to_reference",
    "union_bounds",
]
