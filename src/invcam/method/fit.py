"""The optimisation loop (paper Sec. 3.4): takes a config, returns a result. No file I/O.

Checkpoints are handed to a callback as plain state dicts; the caller decides where
they go. Ctrl-C ends the loop early with ``result.interrupted = True``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from invcam.config import FitConfig, OptimConfig
from invcam.errors import InvcamError
from invcam.method.fit_setup import (
    build_model,
    held_images,
    psnr_from_mse,
    sample_pixels,
    train_psnr,
)
from invcam.method.imaging import ImagingModel
from invcam.method.losses import extra_terms, total_loss
from invcam.method.state import load_weights, make_state
from invcam.motion.prior import MotionPrior


@dataclass
class FitResult:
    """What a fit returns."""

    model: ImagingModel
    config: FitConfig
    iterations: int
    wall_s: float
    history: list[dict] = field(default_factory=list)
    train_psnr: list[float] = field(default_factory=list)
    interrupted: bool = False
    final_state: dict = field(default_factory=dict, repr=False)


class FitDiverged(InvcamError):
    """The loss became NaN or infinite; the model was rolled back to the last good state."""


def _make_optimizer(model: ImagingModel, cfg: OptimConfig) -> torch.optim.Adam:
    """Adam with a group per part (:meth:`ImagingModel.param_groups`): atlas grids,
    deformation, blur grids, camera, networks. Parameters keep the model's order, so a
    checkpoint's optimizer state loads into the same places."""
    lrs = {"grid": cfg.lr_grid, "deform": cfg.lr_deform, "similarity": cfg.lr_similarity,
           "blur": cfg.lr_blur, "envelope": cfg.lr_blur_envelope, "lens": cfg.lr_lens,
           "tone": cfg.lr_tone, "mlp": cfg.lr_mlp}
    order = {id(p): i for i, p in enumerate(model.parameters())}
    declared = model.param_groups()
    groups = []
    for name, lr in lrs.items():
        params = sorted((p for p in declared.get(name, []) if p.requires_grad),
                        key=lambda p: order[id(p)])
        if params:
            groups.append({"params": params, "lr": lr, "base": lr})
    try:
        return torch.optim.Adam(groups, eps=1e-15, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.Adam(groups, eps=1e-15)


def lr_factor(progress: float, cfg: OptimConfig) -> float:
    """Learning-rate multiplier at ``progress`` in [0, 1]: linear warm-up, exponential decay."""
    warm = min(1.0, progress / cfg.warmup) if cfg.warmup > 0 else 1.0
    return max(warm, 0.01) * cfg.lr_final ** min(progress, 1.0)


class _Budget:
    """Progress through the schedule, by iterations or by wall-clock minutes."""

    def __init__(self, cfg: OptimConfig, start_iter: int, start_elapsed: float):
        self.cfg = cfg
        self.t0 = time.perf_counter() - start_elapsed
        self.it = start_iter

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def progress(self) -> float:
        if self.cfg.minutes:
            return self.elapsed() / (self.cfg.minutes * 60.0)
        return self.it / max(self.cfg.iters, 1)


def make_state_of(result: FitResult) -> dict:
    """The final checkpoint of a finished fit (optimizer state included, for --resume)."""
    return result.final_state


def _finite(model: ImagingModel) -> bool:
    return all(torch.isfinite(p).all() for p in model.parameters())


def fit(images: torch.Tensor, exposures: list[float | None], cfg: FitConfig, reference: int,
        resume: dict | None = None,
        on_checkpoint: Callable[[dict], None] | None = None,
        checkpoint_every_s: float = 120.0,
        on_step: Callable[[int, float, dict], None] | None = None,
        prior: MotionPrior | None = None, pause_at: float = 1.0) -> FitResult:
    """Fit the implicit camera and scene model to a stack or the frames of a video.

    Args:
        images: ``(B, H, W, 3)`` float values in [0, 1], or uint8 (kept as 8 bit in memory;
            device is followed).
        exposures: B exposure times in seconds, or None where unknown (then learned).
        cfg: the fit configuration.
        reference: index of the reference image.
        resume: a state from an earlier checkpoint (continues its iteration and schedule).
        on_checkpoint: called with a state dict every ``checkpoint_every_s`` seconds.
        on_step: called as ``on_step(iteration, progress, row)`` after each iteration.
        prior: registration and optical flow for moving scenes (flow loss, Eq. 11).
        pause_at: stop once this fraction of the budget is spent; ``resume`` with the
            result's ``final_state`` continues the same schedule.

    Returns:
        a FitResult; ``interrupted`` is True when Ctrl-C ended the loop.
    """
    b, h, w, _ = images.shape
    flat = images.reshape(b, h * w, 3)
    loop = _start(cfg, flat, (h, w), exposures, reference, prior, resume)
    interrupted = loop.run(on_checkpoint, checkpoint_every_s, on_step, pause_at)
    final = make_state(loop.model, loop.opt, cfg, loop.budget.it, loop.budget.elapsed(),
                       loop.history, loop.gen, loop.x_range)
    return FitResult(model=loop.model, config=cfg, iterations=loop.budget.it,
                     wall_s=loop.budget.elapsed(), history=loop.history,
                     train_psnr=train_psnr(loop.model, flat) if pause_at >= 1.0 else [],
                     interrupted=interrupted,
                     final_state=final)


def _start(cfg: FitConfig, flat: torch.Tensor, size: tuple[int, int], exposures, reference: int,
           prior: MotionPrior | None, resume: dict | None) -> _Loop:
    """The loop's starting state: a fresh model, or the one in ``resume`` (whose atlas
    domain is kept, so a resumed fit never changes shape)."""
    torch.manual_seed(cfg.seed)
    prior = prior.to(flat.device) if prior is not None else None
    if resume is not None and prior is not None and resume.get("atlas_bounds"):
        prior = dataclasses.replace(prior, bounds=tuple(resume["atlas_bounds"]))
    model = build_model(cfg, size, flat, exposures, reference, prior)
    opt = _make_optimizer(model, cfg.optim)
    gen = torch.Generator(device=flat.device).manual_seed(cfg.seed)
    it, elapsed, history = 0, 0.0, []
    if resume is not None:
        load_weights(model, resume["model"])
        opt.load_state_dict(resume["optimizer"])
        gen.set_state(resume["rng"])
        it, elapsed, history = resume["iteration"], resume["elapsed"], list(resume["history"])
    loop = _Loop(model, opt, cfg, flat, gen, history, _Budget(cfg.optim, it, elapsed), prior)
    if resume is not None:
        loop.x_range = tuple(resume["x_range"])
    loop.held = held_images(cfg.optim, prior)
    if loop.held is not None:
        loop.held_at = model.deformation.similarity.detach().clone()
    loop.last_good = make_state(model, opt, cfg, it, elapsed, history, gen)
    return loop


@dataclass
class _Loop:
    """The iteration loop's state (kept together so each step stays short)."""

    model: ImagingModel
    opt: torch.optim.Optimizer
    cfg: FitConfig
    images: torch.Tensor
    gen: torch.Generator
    history: list
    budget: _Budget
    prior: MotionPrior | None = None
    last_good: dict | None = None
    x_range: tuple[float, float] = (-12.0, 12.0)
    held: torch.Tensor | None = None
    held_at: torch.Tensor | None = None

    def step(self) -> dict:
        """One iteration: sample, render, loss (Eq. 14), Adam step."""
        progress = self.budget.progress()
        factor = lr_factor(progress, self.cfg.optim)
        for g in self.opt.param_groups:
            g["lr"] = g["base"] * factor
        per_image = max(1, self.cfg.optim.batch // self.images.shape[0])
        centers, targets = sample_pixels(self.images, self.model.size[1], per_image, self.gen)
        out = self.model(centers, jitter=self.cfg.model.blur_jitter, gen=self.gen)
        loss, terms = total_loss(self.cfg.loss, out["color"], targets, self.model.tonemap,
                                 self.x_range, out["psf_rms"])
        extra, extra_values = extra_terms(self.model, self.cfg.loss, self.prior, progress,
                                          self.gen)
        if extra is not None:
            loss = loss + extra
            terms.update(extra_values)
        if not torch.isfinite(loss):
            return {"loss": float("nan")}
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self._hold(progress)
        x = out["x"].detach()
        self.x_range = (min(x.min().item() - 2.0, -4.0), max(x.max().item() + 2.0, 4.0))
        # a real PSNR of this iteration's samples (plain MSE; the colour term is weighted)
        mse = float(((out["color"].detach() - targets) ** 2).mean())
        return {"loss": loss.item(), **terms, "psnr": psnr_from_mse(mse), "lr": factor}

    def _hold(self, progress: float) -> None:
        """Put the held images' similarities back at their registration while
        ``progress`` is below ``OptimConfig.similarity_hold`` (Adam's moments still
        follow their gradients, so learning resumes smoothly)."""
        if self.held is None or progress >= self.cfg.optim.similarity_hold:
            return
        with torch.no_grad():
            self.model.deformation.similarity[self.held] = self.held_at[self.held]

    def run(self, on_checkpoint, every_s: float, on_step, until: float = 1.0) -> bool:
        """Iterate until the budget (or its fraction ``until``) is spent; returns True if
        interrupted by Ctrl-C."""
        last_ckpt = self.budget.elapsed()
        try:
            while self.budget.progress() < min(until, 1.0):
                row = self.step()
                self.budget.it += 1
                if not math.isfinite(row["loss"]):
                    self._diverged()
                self._log(row, on_step)
                if self.budget.elapsed() - last_ckpt >= every_s:
                    last_ckpt = self.budget.elapsed()
                    self._checkpoint(on_checkpoint)
        except KeyboardInterrupt:
            return True
        return False

    def _log(self, row: dict, on_step) -> None:
        row = {"iteration": self.budget.it, "time_s": round(self.budget.elapsed(), 3), **row}
        if self.budget.it % self.cfg.log_every == 0 or self.budget.it == 1:
            self.history.append(row)
        if on_step is not None:
            on_step(self.budget.it, min(self.budget.progress(), 1.0), row)

    def _checkpoint(self, on_checkpoint) -> None:
        if not _finite(self.model):
            self._diverged()
        self.last_good = make_state(self.model, self.opt, self.cfg, self.budget.it,
                                    self.budget.elapsed(), self.history, self.gen, self.x_range)
        if on_checkpoint is not None:
            on_checkpoint(self.last_good)

    def _diverged(self) -> None:
        bad = self.budget.it
        self.model.load_state_dict(self.last_good["model"])
        raise FitDiverged(f"non-finite loss at iteration {bad}; stopped and kept the last good "
                          f"checkpoint (iteration {self.last_good['iteration']})")


def replace_budget(cfg: FitConfig, iters: int | None, minutes: float | None) -> FitConfig:
    """``cfg`` with a new iteration count or time budget (None keeps the preset's)."""
    optim = cfg.optim
    if minutes is not None:
        optim = dataclasses.replace(optim, minutes=minutes)
    elif iters is not None:
        optim = dataclasses.replace(optim, iters=iters, minutes=None)
    return dataclasses.replace(cfg, optim=optim)


RETRY_RATE = 0.3
"""Learning-rate factor of the one restart after a fit diverged."""


def fit_or_retry(images: torch.Tensor, exposures: list[float | None], cfg: FitConfig,
                 reference: int, **kwargs) -> tuple[FitResult, str | None]:
    """:func:`fit`, restarted once from scratch at ``RETRY_RATE`` times every learning
    rate if it diverges (not when resuming). Returns the result and what was done (None
    when nothing had to be)."""
    try:
        return fit(images, exposures, cfg, reference, **kwargs), None
    except FitDiverged as exc:
        if kwargs.get("resume") is not None:
            raise
        note = f"{exc}; restarted from scratch with learning rates x{RETRY_RATE}"
    optim = cfg.optim
    rates = {f.name: getattr(optim, f.name) * RETRY_RATE for f in dataclasses.fields(optim)
             if f.name.startswith("lr_") and f.name != "lr_final"}
    slower = dataclasses.replace(cfg, optim=dataclasses.replace(optim, **rates))
    return fit(images, exposures, slower, reference, **kwargs), note


__all__ = ["FitDiverged", "FitResult", "build_model", "fit", "fit_or_retry"]
