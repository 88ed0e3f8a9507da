"""One way to run a fit: plan the motion, fit, save the model, write the outputs.

``invcam fit`` (:mod:`invcam.cli.fit`), ``invcam bench`` (:mod:`invcam.bench.ours`, its
held-out exposures in :mod:`invcam.bench.real`) and the benchmark scripts (through
``invcam fit``, or this function in ``benchmarks/preset_race.py``) all fit a stack
through :func:`run_fit`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from invcam.app.second_look import fit_with_second_look, second_look_due
from invcam.config import FitConfig
from invcam.io.checkpoint import save_or_rescue, tolerant_saver
from invcam.method.fit import FitResult, fit_or_retry, make_state_of
from invcam.overrides import override


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How :func:`run_fit` plans and runs a fit, beyond the config."""

    motion: str = "auto"
    """"auto" (decided from the images), "static" or "dynamic"."""
    flow_weight: float | None = None
    """A dynamic fit's flow-loss weight (None: the moving preset's)."""
    rigidity: float | None = None
    """A dynamic fit's rigidity weight (None: the moving preset's)."""
    overrides: tuple[str, ...] = ()
    """``SECTION.FIELD=VALUE`` assignments applied after the preset and the motion plan."""
    device: str | torch.device = "cpu"
    """Where the fit runs."""
    checkpoint_every_s: float | None = 120.0
    """Seconds between checkpoints into ``out/model.pt`` (None: only at the end)."""
    second_look: float = 0.15
    """Share of the budget after which a fit that ``motion="auto"`` decided static checks
    its renders for a moving object and, if it finds one, starts again as a dynamic fit
    (:mod:`invcam.app.second_look`; 0: never)."""


@dataclasses.dataclass
class FitRun:
    """What :func:`run_fit` did: the fit's result and what fit.json records about it."""

    result: FitResult
    """What the fit returned."""
    record: dict
    """Motion decision, registration, device, threads, restarts (fit.json)."""


def apply_overrides(cfg: FitConfig, overrides: tuple[str, ...] | list[str]) -> FitConfig:
    """``cfg`` with the ``SECTION.FIELD=VALUE`` assignments applied, in order (last wins)."""
    for assignment in overrides:
        cfg = override(cfg, assignment)
    return cfg


def stack_pixels(stack, device) -> torch.Tensor:
    """``(B, H, W, 3)`` pixels: 8-bit stacks stay uint8 in memory, others become float."""
    from invcam.io.stack import load_images

    if all(r.dtype == np.uint8 for r in stack.raw):
        return torch.from_numpy(np.stack(stack.raw)).to(device)
    return torch.from_numpy(load_images(stack)).to(device)


def plan(stack, reference: int, cfg: FitConfig, opts: RunOptions,
         log: Callable[[str], None]):
    """Registration, the static/dynamic decision (logged) and the config of the fit:
    ``(prior, cfg, record)``; ``record`` goes to fit.json."""
    from invcam.app.plan import plan_motion

    log(f"registering {len(stack.images)} images")
    prior, cfg, decision = plan_motion(stack, reference, opts.motion, cfg, opts.flow_weight,
                                       opts.rigidity)
    dynamic = prior.correspondence is not None
    record = {"motion": "dynamic" if dynamic else "static", "motion_requested": opts.motion}
    if decision is not None:
        log(decision.describe())
        record["motion_decision"] = decision.to_dict()
    if prior.registered is not None:
        record["registered"] = prior.registered.tolist()
    if prior.spread is not None:  # px; None where not placed
        record["registration_spread_px"] = [round(v, 4) if math.isfinite(v) else None
                                            for v in prior.spread.tolist()]
    if dynamic:
        log(f"moving scene: optical flow over {len(stack.images)} frames")
    return prior, apply_overrides(cfg, opts.overrides), record


def run_fit(stack, out: Path, cfg: FitConfig, reference: int, opts: RunOptions = RunOptions(),
            meta: dict | None = None, resume: dict | None = None,
            on_step: Callable | None = None,
            on_checkpoint: Callable[[dict], None] | None = None,
            log: Callable[[str], None] = lambda line: None,
            warn: Callable[[str], None] = lambda line: None) -> FitRun:
    """Fit ``stack`` and write everything into the existing folder ``out``.

    Args:
        stack: a :class:`~invcam.io.stack.Stack` ready to fit.
        cfg: the fit's config before the motion plan and ``opts.overrides``.
        reference: index of the image whose geometry the outputs take.
        meta: stored with every checkpoint (stack files, identity).
        resume: a loaded checkpoint to continue from.
        on_step: progress callback of :func:`~invcam.method.fit.fit`.
        on_checkpoint: also called with each periodic checkpoint's state (snapshots).
        log: receives one-line messages (registration, the motion decision).
        warn: receives warnings (a checkpoint not saved, a restart after divergence).
    """
    meta = meta or {"stack": str(stack.root), "files": [im.file for im in stack.images]}
    base_cfg = cfg
    prior, cfg, record = plan(stack, reference, cfg, opts, log)
    every = opts.checkpoint_every_s
    saver = tolerant_saver(out / "model.pt", meta, warn) if every else None
    if saver is not None and on_checkpoint is not None:
        save_to_disk = saver

        def saver(state: dict) -> None:
            save_to_disk(state)
            on_checkpoint(state)

    pixels, exposures = stack_pixels(stack, opts.device), [im.exposure for im in stack.images]
    kwargs = {"on_checkpoint": saver, "checkpoint_every_s": every or 120.0, "on_step": on_step}
    if second_look_due(record, opts.second_look, resume):
        look, switched = fit_with_second_look(
            pixels, exposures, cfg, reference, prior, opts.second_look,
            lambda: plan(stack, reference, base_cfg, dataclasses.replace(opts, motion="dynamic"),
                         log), log, **kwargs)
        result, note = look.result, look.note
        record = _looked(record, look, switched)
    else:
        result, note = fit_or_retry(pixels, exposures, cfg, reference, resume=resume,
                                    prior=prior, **kwargs)
    if note:
        warn(note)
        record["restarted"] = note
    save_or_rescue(out / "model.pt", make_state_of(result), meta)
    record = {"device": str(opts.device), "threads": torch.get_num_threads(), **record}
    write_outputs(out, result, stack, record)
    return FitRun(result, record)


def _looked(record: dict, look, switched: tuple | None) -> dict:
    """fit.json's record after the second look: the dynamic plan's when it switched."""
    if switched is not None:
        record = {**switched[2], "motion_requested": "auto",
                  "motion_decision": record.get("motion_decision"), "motion_switched": True}
    record["second_look"] = {"iteration": look.probe_iterations,
                             "seconds": round(look.probe_s, 2),
                             **(look.check.to_dict() if look.check else {"checked": False})}
    return record


def write_outputs(out: Path, result, stack, record: dict) -> None:
    """The fit's files in ``out``: radiance, previews, curves, fit.json; per-frame outputs
    for a moving scene or a video (report.html is :mod:`invcam.report`'s, written from
    these)."""
    from invcam.app.outputs import write_fit_outputs

    extra = dict(record)
    if record.get("motion") == "dynamic" or stack.source == "video":
        from invcam.app.video_outputs import write_video_outputs

        extra.update(write_video_outputs(out, result.model))
    write_fit_outputs(out, result, stack, extra)
