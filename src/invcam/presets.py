"""Named presets: the fit configurations a user picks by name (``invcam fit --preset``).

Each preset is written out here as its own entry, naming every setting that defines it
(the architecture kinds, the loss weightings, the rates and budget); the remaining fields
keep the dataclass defaults of :mod:`invcam.config`, documented there. :func:`departures`
lists every field in which two presets differ (the README's table is generated from it).
"""

from __future__ import annotations

import dataclasses

from invcam.config import FitConfig, LossConfig, ModelConfig, OptimConfig
from invcam.errors import InvcamError

FLOW_WEIGHT = 0.0
"""Default lambda_f of a fit to a moving scene. The paper uses 100, decaying to 0
(``--flow-weight 100``); here D already starts at the chained optical flow, and the flow
loss on top lowered PSNR-mu in the ablation (docs/experiments/), so it is off."""
RIGIDITY_WEIGHT = 0.01
"""Default weight of the rigidity regularizer on D's learned parts for moving scenes."""
DEFORM_CELL = 8
"""Pixels per cell of D's residual grid for moving scenes (objects need a finer field)."""
MOVING_CENTER_LOGIT = 5.0
"""Initial centre logit of the per-image PSFs (``ModelConfig.blur_center_logit``) of a
moving fit: 94 % of a 3 x 3 PSF's weight at its centre instead of fast's 48 %. A frame in
focus barely constrains its own PSF, so it stays near its start and the atlas sharpens
against it: in the in-focus 12-frame tuning clips the learned PSFs ended at 0.5-0.7 px
RMS (the truth is 0; 0.3-0.5 px from the sharp start), and the output frames rang at
high-contrast edges. Started sharp, every 12-frame tuning clip gained 0.5-2.5 dB, a
focus sweep included (docs/experiments/, 6u)."""

FAST = FitConfig(
    preset="fast",
    model=ModelConfig(atlas="grid", deform="global", blur="grid", blur_centered=True,
                      blur_jitter=0.45, blur_center_logit=2.0, response="learn"),
    loss=LossConfig(color_relative=1.0, focus_weight=1.0, color_robust=0.03,
                    deform_prior=0.01),
    optim=OptimConfig(iters=2000, batch=8192, lr_grid=1e-1, lr_mlp=1e-2, lr_deform=1e-3,
                      lr_similarity=1e-4, lr_blur=3e-3, lr_tone=1e-2, lr_final=0.05,
                      warmup=0.02),
)

PAPER = FitConfig(
    preset="paper",
    model=ModelConfig(atlas="pe", atlas_hidden=256, atlas_layers=8, deform="mlp",
                      blur="mlp", mlp_layers=6, blur_centered=False, blur_jitter=0.0),
    loss=LossConfig(color_relative=0.0, focus_weight=0.0, color_robust=0.0, deform_prior=0.0),
    optim=OptimConfig(iters=150_000, batch=30_000, lr_grid=1e-4, lr_mlp=1e-4,
                      lr_tone=1e-4, lr_deform=1e-4, lr_similarity=1e-4,
                      lr_blur=1e-4, lr_final=1.0, warmup=0.0),
)

MOVING = FitConfig(
    preset="moving",
    model=ModelConfig(atlas="grid", deform="grid", deform_cell=DEFORM_CELL, blur="grid",
                      blur_centered=True, blur_jitter=0.45,
                      blur_center_logit=MOVING_CENTER_LOGIT, response="learn"),
    loss=LossConfig(color_relative=0.0, focus_weight=0.0, color_robust=0.0,
                    deform_prior=0.01, flow=FLOW_WEIGHT, rigidity=RIGIDITY_WEIGHT),
    optim=OptimConfig(iters=2000, batch=8192, lr_grid=1e-1, lr_mlp=1e-2, lr_deform=1e-3,
                      lr_similarity=1e-4, lr_blur=3e-3, lr_tone=1e-2, lr_final=0.05,
                      warmup=0.02),
)
"""``fast`` for a moving scene: what :func:`moving_config` makes of ``fast`` (a test checks
it): a residual grid on D, rigidity, PSFs that start sharp, and the paper's plain colour
loss."""


PRESETS: dict[str, FitConfig] = {"fast": FAST, "paper": PAPER, "moving": MOVING}
"""The presets by name."""

DESCRIPTIONS: dict[str, str] = {
    "fast": "grid encodings and per-image grids, relative, focus-weighted and robust "
            "colour loss, one similarity per image; 2000 iterations (the default)",
    "paper": "the paper's MLPs, positional encoding, plain MSE, Adam at 1e-4, "
             "150 000 iterations of 30 000 points",
    "moving": "fast for moving scenes: an 8 px residual grid on D, rigidity, PSFs that "
              "start sharp, the plain colour loss (what --motion dynamic applies to fast)",
}
"""One line per preset, shown by ``invcam fit --help``."""


def preset(name: str, **optim_overrides) -> FitConfig:
    """Preset ``name`` with optimizer fields replaced (None values are ignored)."""
    if name not in PRESETS:
        raise InvcamError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
    cfg = PRESETS[name]
    changes = {k: v for k, v in optim_overrides.items() if v is not None}
    return dataclasses.replace(cfg, optim=dataclasses.replace(cfg.optim, **changes))


def preset_help() -> str:
    """The presets with their descriptions, for ``--preset``'s help."""
    return "; ".join(f"{name}: {text}" for name, text in DESCRIPTIONS.items())


def moving_config(cfg: FitConfig, flow: float | None = None,
                  rigidity: float | None = None) -> FitConfig:
    """``cfg`` set up for a moving scene, as :data:`MOVING` is ``fast`` set up: flow-loss
    and rigidity weights (given ones, else the config's own if set, else the defaults
    above), a residual grid for D (a static stack's ``"global"`` D gets one) of at most
    ``DEFORM_CELL`` px cells, and the paper's plain colour loss: the relative and focus
    weightings, which help static stacks, lowered PSNR-mu on dynamic stacks; the robust
    colour loss lowers the worst frame of both video clips and the window bracket
    (experiments 6q.1), and is off. The PSF
    jitter (``ModelConfig.blur_jitter``) stays: it helped there too. A grid blur
    generator's PSFs start sharp (:data:`MOVING_CENTER_LOGIT`); the paper's MLP blur is
    left as the paper has it."""
    loss = cfg.loss
    flow = flow if flow is not None else (loss.flow or FLOW_WEIGHT)
    rigidity = rigidity if rigidity is not None else (loss.rigidity or RIGIDITY_WEIGHT)
    model = cfg.model
    if model.deform in ("global", "grid"):
        model = dataclasses.replace(model, deform="grid",
                                    deform_cell=min(model.deform_cell, DEFORM_CELL))
    if model.blur == "grid":
        model = dataclasses.replace(model, blur_center_logit=MOVING_CENTER_LOGIT)
    loss = dataclasses.replace(loss, flow=flow, rigidity=rigidity, color_relative=0.0,
                               focus_weight=0.0, color_robust=0.0)
    return dataclasses.replace(cfg, model=model, loss=loss)


def departures(base: str = "paper", other: str = "fast") -> list[tuple[str, object, object]]:
    """``(section.field, value in base, value in other)`` for every field in which preset
    ``other`` differs from ``base``, in the dataclasses' order."""
    rows = []
    a, b = PRESETS[base], PRESETS[other]
    for section in ("model", "loss", "optim"):
        pa, pb = getattr(a, section), getattr(b, section)
        for f in dataclasses.fields(pa):
            va, vb = getattr(pa, f.name), getattr(pb, f.name)
            if va != vb:
                rows.append((f"{section}.{f.name}", va, vb))
    return rows


def departures_table(base: str = "paper", other: str = "fast") -> str:
    """:func:`departures` as a markdown table (the README's)."""
    lines = [f"| field | `{base}` | `{other}` |", "|---|---|---|"]
    lines += [f"| `{name}` | {va!r} | {vb!r} |" for name, va, vb in departures(base, other)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(departures_table())
