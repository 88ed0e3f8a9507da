"""Registration, the static/dynamic decision and the fit's configuration, before a fit."""

from __future__ import annotations

import numpy as np

from invcam.config import FitConfig
from invcam.motion.decide import MotionDecision, detect_motion
from invcam.motion.prior import (
    MotionPrior,
    estimate_prior,
    fill_untrusted,
    registered_prior,
)
from invcam.motion.register import adjacent_registrations
from invcam.presets import moving_config


def plan_motion(stack, reference: int, mode: str, cfg: FitConfig, flow: float | None = None,
                rigidity: float | None = None
                ) -> tuple[MotionPrior, FitConfig, MotionDecision | None]:
    """Registration, the static/dynamic decision and the config of a fit.

    Args:
        stack: a :class:`~invcam.io.stack.Stack` (images in order; ``raw`` frames).
        mode: ``"auto"`` (decided by :func:`~invcam.motion.decide.detect_motion`),
            ``"static"`` or ``"dynamic"``.
        flow, rigidity: a dynamic fit's weights (None: :func:`moving_config`'s defaults).

    Returns:
        the prior (static: the registration only), the config (:func:`moving_config`
        applied when dynamic) and the decision (None unless ``mode`` is ``"auto"``).
    """
    frames, exposures = list(stack.raw), [im.exposure for im in stack.images]
    if mode == "static":
        return registered_prior(stack, reference), cfg, None
    # Only feature matches with RANSAC are trusted: an ECC warp between frames that share
    # little (one mostly clipped) can be far off. Motion is not judged from an untrusted
    # step, a static fit places its images without it, and a moving one fills it in.
    regs = adjacent_registrations(frames, exposures, fallback=False)
    steps = np.asarray([r.matrix for r in regs]).reshape(-1, 3, 3)
    trusted = [r.method == "features" for r in regs]
    decision = None
    if mode == "auto":
        decision = detect_motion(frames, exposures, steps, trusted)
        mode = decision.mode
    if mode == "static":
        known = {(t, t + 1): r for t, r in enumerate(regs)}
        return registered_prior(stack, reference, known), cfg, decision
    cfg = moving_config(cfg, flow, rigidity)
    prior = estimate_prior(stack, reference, flows=cfg.loss.flow > 0,
                           steps=fill_untrusted(steps, np.asarray(trusted)))
    return prior, cfg, decision
