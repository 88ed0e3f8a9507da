"""``--motion auto``'s second look: a fit decided static checks its own renders early on.

The first decision (:func:`~invcam.motion.decide.detect_motion`) reads optical flow between
registered images, which misses objects that are flat, dark in one exposure or mostly
clipped in another. A static fit of a moving scene cannot explain every image with one
scene: after a short part of its budget, its render of some image holds a ghost of the
moving object (:func:`~invcam.motion.ghosts.find_ghosts`). Then the fit starts again as a
dynamic one; otherwise it continues where it paused, on the same schedule.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import torch

from invcam.config import FitConfig
from invcam.method.fit import FitResult, fit_or_retry
from invcam.method.render import render_inputs
from invcam.motion.ghosts import GhostCheck, find_ghosts
from invcam.photometry import to_unit

MIN_ITERATIONS = 100
"""Iterations a fit needs before its renders say anything (a shorter probe is not checked)."""
LATTICE_PX = 360
"""Long side in pixels of the lattice the check renders (every k-th pixel of the images)."""


def check_renders(model, pixels: torch.Tensor) -> GhostCheck:
    """:func:`find_ghosts` on every input image against ``model``'s render of it, on a
    lattice of about ``LATTICE_PX`` pixels on the long side.

    Args:
        model: a fitted :class:`~invcam.method.imaging.ImagingModel`.
        pixels: ``(B, H, W, 3)`` the fit's input images (uint8, or float in [0, 1]).
    """
    stride = max(1, round(max(model.size) / LATTICE_PX))
    observed = to_unit(pixels[:, stride // 2 :: stride, stride // 2 :: stride].cpu().numpy())
    return find_ghosts(observed, render_inputs(model, stride).cpu().numpy())


@dataclasses.dataclass(frozen=True)
class Look:
    """The outcome of :func:`fit_with_second_look`."""

    result: FitResult
    """The fit to keep: the static fit continued, the dynamic one, or the paused probe
    (interrupted by Ctrl-C)."""
    note: str | None
    """What :func:`~invcam.method.fit.fit_or_retry` had to do (None: nothing)."""
    check: GhostCheck | None
    """What the renders showed (None: not checked, the probe being interrupted or shorter
    than ``MIN_ITERATIONS``)."""
    probe_iterations: int
    """Iterations of the static fit when it paused for the check."""
    probe_s: float
    """Seconds the static fit took until it paused, and the check (a switched fit's
    ``wall_s`` leaves them out)."""


def fit_with_second_look(pixels: torch.Tensor, exposures: list, cfg: FitConfig,
                         reference: int, prior, at: float,
                         replan: Callable[[], tuple], log: Callable[[str], None],
                         **kwargs) -> tuple[Look, tuple | None]:
    """A static fit paused at fraction ``at`` of its budget, checked, then continued or
    replaced by a dynamic fit.

    Args:
        pixels, exposures, cfg, reference, prior: the static fit's, as
            :func:`~invcam.method.fit.fit` takes them.
        replan: returns ``(prior, cfg, record)`` of a dynamic fit (called only if needed).
        kwargs: the rest of :func:`fit_or_retry`'s arguments (checkpoints, progress).

    Returns:
        the :class:`Look`, and ``replan()``'s result when the fit was switched (else None).
        A switched fit under a time budget gets what is left of it; under an iteration
        budget, all its iterations (the probe's are extra).
    """
    probe, note = fit_or_retry(pixels, exposures, cfg, reference, prior=prior, pause_at=at,
                               **kwargs)
    if probe.interrupted:
        return Look(probe, note, None, probe.iterations, probe.wall_s), None
    check, t0 = None, time.perf_counter()
    if probe.iterations >= MIN_ITERATIONS:
        check = check_renders(probe.model, pixels)
        log(check.describe())
    spent = probe.wall_s + time.perf_counter() - t0
    if check is None or not check.moving:
        result, again = fit_or_retry(pixels, exposures, probe.config, reference, prior=prior,
                                     resume=probe.final_state, **kwargs)
        return Look(result, note or again, check, probe.iterations, spent), None
    log("moving scene after all: fitting again as a dynamic scene")
    iterations = probe.iterations
    del probe  # its model and optimizer state: memory the dynamic fit needs
    d_prior, d_cfg, record = replan()
    if d_cfg.optim.minutes:
        left = max(d_cfg.optim.minutes - spent / 60.0, 0.05)
        d_cfg = dataclasses.replace(d_cfg, optim=dataclasses.replace(d_cfg.optim,
                                                                     minutes=left))
    result, again = fit_or_retry(pixels, exposures, d_cfg, reference, prior=d_prior, **kwargs)
    return Look(result, again, check, iterations, spent), (d_prior, d_cfg, record)


def second_look_due(record: dict, at: float, resume: dict | None) -> bool:
    """Whether a fit gets the second look: ``--motion auto`` decided static, the look is
    on (``0 < at < 1``) and the fit starts afresh."""
    return (record.get("motion_requested") == "auto" and record.get("motion") == "static"
            and resume is None and 0.0 < at < 1.0)  # NaN fails the comparison
