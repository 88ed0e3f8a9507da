"""Fit configuration: frozen dataclasses and their versioned JSON.

The named presets are in :mod:`invcam.presets`, ``--set`` assignments in
:mod:`invcam.overrides`.

Checkpoints store ``config_to_dict(cfg)`` (plain JSON with a schema version), never
pickled classes.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Literal

from invcam.errors import InvcamError

CONFIG_VERSION = 7
"""Version of the JSON written by :func:`config_to_dict`. A new field bumps it, with a
migration in :func:`config_from_dict` that gives older files the value they were fitted
with."""


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of the scene model (Sec. 3.1) and camera model (Sec. 3.2-3.3)."""

    atlas: Literal["grid", "pe"] = "grid"
    """Atlas encoding: "grid" (dense multi-resolution 2-D grids) or "pe" (paper: Eq. 2)."""
    grid_levels: int = 8
    """Number of dense grid levels of the atlas."""
    grid_features: int = 4
    """Features per grid level."""
    grid_base: int = 16
    """Coarsest grid resolution (cells along the longer image side)."""
    grid_finest_scale: float = 1.0
    """Finest grid resolution as a multiple of the longer image side in pixels."""
    atlas_hidden: int = 64
    """Width of the atlas MLP."""
    atlas_layers: int = 1
    """Hidden layers of the atlas MLP."""
    atlas_margin: float = 1.08
    """The atlas covers [-margin, margin]^2 so deformed points slightly outside stay inside."""
    pe_frequencies: int = 7
    """Positional-encoding frequencies (paper: 7)."""
    deform: Literal["global", "grid", "mlp"] = "global"
    """Deformation D: "global" (a similarity per image on top of the registration, no
    local residual: nothing can drift where one image alone sees the scene; static
    stacks), "grid" (plus a per-image coarse residual grid, held in place by
    ``LossConfig.deform_prior`` where the images give it no evidence; moving scenes) or
    "mlp" (paper)."""
    deform_cell: int = 32
    """Pixels per cell of the per-image deformation residual grid."""
    mlp_hidden: int = 256
    """Width of the paper preset's deformation MLP; its blur MLP is half as wide (the
    atlas MLP uses ``atlas_hidden``)."""
    mlp_layers: int = 6
    """Hidden layers of the paper preset's deformation MLP (atlas uses ``atlas_layers``)."""
    code_dim: int = 16
    """Size of the learned per-image code fed to the MLP variants."""
    blur: Literal["grid", "mlp", "lens"] = "grid"
    """Blur generator networks O and W (Eq. 4-5): "grid" (per-image grids), "mlp" (paper)
    or "lens" (beyond the paper: thin-lens discs whose radius follows one learned scene
    depth shared by every image, ``camera.lens.LensBlur``)."""
    blur_cell: int = 128
    """Pixels per cell of the per-image blur grids."""
    lens_cell: int = 8
    """Pixels per cell of the ``"lens"`` blur's inverse-depth grid over the atlas."""
    lens_aperture: float = 1.0
    """Initial aperture scale of the ``"lens"`` blur: disc radius in pixels per unit of
    inverse depth at a 360 px long side, scaled with the image (the images' focus
    settings start 1 unit apart for three images)."""
    blur_n: int = 3
    """Side n of the n x n sampling patch (paper: 3)."""
    blur_radius: float = 5.0
    """Maximum offset s in pixels (paper: 5); for the ``"lens"`` blur, the largest disc
    radius at a 360 px long side, scaled with larger images."""
    blur_centered: bool = True
    """Move each PSF's taps so that their weighted centroid is the pixel itself: defocus
    blurs without shifting, and shifts are left to D (False: the paper's free offsets)."""
    blur_jitter: float = 0.45
    """While fitting, each PSF tap moves by a uniform random offset of up to this multiple
    of the PSF's RMS radius (jittered sampling: the kernel acts as a continuous one; 0: the
    paper's fixed taps). Rendering never jitters."""
    blur_jitter_antithetic: bool = False
    """Use each jitter offset twice, at +e and -e with half the tap's weight (antithetic
    variates): the same kernel in expectation, without the render's variance that the fit
    otherwise pays for at high-contrast edges with a too-sharp PSF (twice the taps)."""
    blur_center_logit: float = 2.0
    """Initial logit of the patch centre (the other taps start at 0): 2 puts 48 % of a
    3 x 3 PSF's weight at the centre, 5 puts 94 %. An image in focus barely constrains
    its own PSF (the atlas can sharpen against a wider one), so that PSF stays near its
    start; a defocused image widens its own from the data, more slowly from a sharper
    start."""
    blur_envelope: float = 0.0
    """Initial precision beta of a Gaussian envelope on the PSF's weights (tap k's logit
    gets -beta |P_k|^2, P_k its place in the patch; 4 puts 93 % of a 3 x 3 PSF's weight at
    the centre). beta is learned per image on the blur grid's cells, in log2 steps at
    ``OptimConfig.lr_blur_envelope``, so a PSF starts sharp and widens quickly where its
    image is defocused (``camera.blur.BlurGenerator``); 0: none (paper)."""
    tone_hidden: int = 16
    """Width of each per-channel tone-mapper MLP (Eq. 9)."""
    tone_slope: float = 0.8
    """Initial slope of the response in log2 exposure: T0(x) = sigmoid(slope * x)."""
    response: Literal["learn", "linear"] = "learn"
    """"learn": the tone mapper of Eq. 9; "linear": the response is fixed to the clipped
    linear curve T(x) = min(0.5 * 2^x, 1) (linear data such as demosaiced camera RAW)."""


@dataclass(frozen=True)
class LossConfig:
    """Loss weights and settings (Eq. 10-14)."""

    color: float = 1.0
    """lambda_c: colour reconstruction MSE (Eq. 10)."""
    color_relative: float = 1.0
    """Offset e of the relative colour loss: errors weighted by 1 / (observed + e)^2, so
    that a dark image constrains the atlas as much as a bright one; 0: plain MSE (paper)."""
    color_robust: float = 0.03
    """Scale delta of a robust (pseudo-Huber) colour loss on the relative error r:
    ``2 delta^2 (sqrt(1 + r^2 / delta^2) - 1)``, quadratic below delta and linear above, so
    that what the model cannot render (defocus across occlusions, compression, noise)
    pulls less on the fit; clipped observations keep their squared error. 0: MSE (paper)."""
    censor_clipped: bool = False
    """Treat clipped observations (value 1) as lower bounds instead of exact values."""
    focus_weight: float = 1.0
    """Scale s in pixels of the focus weighting of the colour loss: each sample counts
    1 / (1 + (rms / s)^2), rms being its learned PSF's radius, so the image in focus at a
    place outvotes the defocused ones there; 0: off (paper)."""
    psf_prior: float = 0.0
    """Weight of a sharp-PSF prior: the mean squared RMS radius (pixels^2) of the sampled
    PSFs, so that blur is paid for by the data. An image in focus barely constrains its
    own PSF (the atlas can sharpen against a wider one); 0: off (paper)."""
    white_balance: float = 1.0
    """lambda_w: ||T(0) - c0||^2 (Eq. 12)."""
    gradient: float = 100.0
    """lambda_g: ReLU(-dT/dx), monotone response (Eq. 13)."""
    flow: float = 0.0
    """lambda_f: flow loss (Eq. 11) at the start, decaying linearly to 0 over the fit;
    0: off (static stacks, and moving scenes by default: ``presets.FLOW_WEIGHT``; the
    paper uses 100, ``--flow-weight 100``)."""
    c0: float = 0.5
    """Value that unit exposure maps to (white balance target)."""
    gradient_samples: int = 256
    """Dense samples over the data's input range for the gradient loss."""
    flow_decay: float = 1.0
    """Fraction of the schedule over which lambda_f decays linearly to 0 (paper: the whole
    fit)."""
    flow_samples: int = 2048
    """Correspondences per iteration for the flow loss, split over the frame pairs."""
    rigidity: float = 0.0
    """Weight of the rigidity regularizer on D (non-similar part of its Jacobian); 0: off."""
    rigidity_samples: int = 1024
    """Points per iteration for the rigidity regularizer, split over the images."""
    deform_prior: float = 0.01
    """Weight of a zero-mean prior on D's learned residual grid (mean squared offset in
    pixels), on the cells where an image has no evidence for it (it is clipped or black
    there, or no other image sees the place: ``fit_setup.evidence_anchor``). There
    Adam's normalized steps take the residual back to the global and measured motion
    (registration, optical flow) instead of letting atlas and D trade a local warp;
    elsewhere the images decide. 0: off."""
    deform_steady: float = 0.5
    """Where ``deform_prior`` may hold a frame of a moving scene: only where that frame's
    chained-flow start is steady in time, within this many pixels of the constant-velocity
    blend of its neighbours' starts (``fit_setup.steady_start``). Where a frame is
    clipped, its start is a spatial fill that parallax can put pixels off; held there, it
    cost a focus-sweep pan clip 1.3 dB (experiments 6v). Needs three or more images in
    time order; 0: hold everywhere (configs before version 6)."""
    deform_follow: int = 3
    """Frames on each side whose residuals ``deform_prior`` holds a frame's residual to,
    instead of to zero: where frame t has no evidence, the prior's target is the mean of
    the residuals of frames t - k .. t + k (k this many) at the same cell, weighted by
    their evidence over their distance in time (``losses.follow_target``). The fit moves
    the frames that see a place away from their start (the atlas settles where they agree);
    a blind frame held at its own start no longer meets them there, and renders its
    clipped area from the wrong part of the atlas. Where the frames around hold half a
    frame's evidence or less, the target stays zero. 0: zero everywhere (configs before
    version 7)."""
    deform_smooth: float = 0.0
    """Weight of a smoothness prior on D's residual grid (squared neighbour differences,
    pixels): a clipped region moves with what surrounds it; 0: off."""
    deform_temporal: float = 0.0
    """Weight of a constant-velocity prior on D (squared pixels) where a frame has no
    evidence of its own (clipped or black: ``fit_setup.evidence_anchor``): there D follows
    the frames before and after it (``losses.temporal_term``); for images in time
    order (video, a moving bracket); 0: off."""
    blur_smooth: float = 0.0
    """Weight of a smoothness prior on the per-image blur grids (squared neighbour
    differences of their raw outputs); 0 turns it off. Not in the paper."""


@dataclass(frozen=True)
class OptimConfig:
    """Optimizer and budget."""

    iters: int = 2000
    """Iterations when no time budget is given."""
    minutes: float | None = None
    """Wall-clock budget; the whole schedule is fitted into it (overrides ``iters``)."""
    batch: int = 8192
    """Patch centres per iteration, split equally over the images."""
    lr_grid: float = 1e-1
    """Learning rate of the atlas grids."""
    lr_mlp: float = 1e-2
    """Learning rate of MLP, camera and exposure parameters."""
    lr_deform: float = 1e-3
    """Learning rate of the deformation's residual (grid or MLP), in normalized units."""
    lr_similarity: float = 1e-4
    """Learning rate of D's per-image similarity, in normalized units: small refinements
    of the registration it starts from (faster, it drifted by up to a pixel where an
    image is mostly defocused or clipped)."""
    lr_similarity_unregistered: float = 1e-3
    """Learning rate of the similarity of an image that no trusted registration placed
    (too few feature matches: it starts at the identity, and focus breathing and shake
    put it pixels off); the fit finds its geometry."""
    similarity_hold: float = 0.3
    """Fraction of the fit during which the similarity of each image that a trusted
    registration pinned tightly (``similarity_hold_spread``) is held there; it is learned
    (``lr_similarity``) afterwards. Early on the atlas and PSFs are coarse, and a
    registered image's similarity moves to a point off the truth that it does not leave
    (static stacks only; 0: never held)."""
    similarity_hold_spread: float = 0.06
    """Only registered images pinned at least this tightly are held (``similarity_hold``):
    the spread in pixels of where their feature matches put them
    (:func:`~invcam.motion.joint.similarity_spread`; 1e9 holds every registered image).
    A loosely pinned image can start a pixel off and must be free to move from the start."""
    lr_blur: float = 3e-3
    """Learning rate of the blur generator's per-image grids."""
    lr_lens: float = 1e-2
    """Learning rate of the ``"lens"`` blur's inverse depth, focus, aperture and floor."""
    lr_blur_envelope: float = 1e-2
    """Learning rate of the PSF envelope's log2 precision (``ModelConfig.blur_envelope``)."""
    lr_tone: float = 1e-2
    """Learning rate of the tone mapper and exposure times."""
    lr_final: float = 0.05
    """Final learning rate as a fraction of the initial one (exponential decay)."""
    warmup: float = 0.02
    """Fraction of the schedule with a linear learning-rate warm-up."""


@dataclass(frozen=True)
class FitConfig:
    """Everything that decides a fit."""

    preset: str = "fast"
    """Name of the preset this config started from."""
    model: ModelConfig = field(default_factory=ModelConfig)
    """Architecture."""
    loss: LossConfig = field(default_factory=LossConfig)
    """Loss weights."""
    optim: OptimConfig = field(default_factory=OptimConfig)
    """Optimizer and budget."""
    seed: int = 0
    """Random seed for initialisation and sampling."""
    log_every: int = 50
    """Iterations between log.csv rows."""
    exposure_bound: float = 6.0
    """Learned exposures stay within +- this many stops of the reference image."""


def config_to_dict(cfg: FitConfig) -> dict:
    """Serialize a FitConfig to plain JSON-able data with a version number."""
    return {"version": CONFIG_VERSION, **dataclasses.asdict(cfg)}


_V1_FILLS = {"model": {"blur_centered": False, "blur_jitter": 0.0, "blur_envelope": 0.0},
             "loss": {"color_relative": 0.0, "focus_weight": 0.0, "deform_prior": 0.0},
             "optim": {"lr_similarity": 1e-3, "similarity_hold": 0.0,
                       "similarity_hold_spread": 1e9}}
"""Version 1 files could lack fields added while it was current: these take the value that
reproduces how such a file was fitted (a missing field must not switch on a newer
behaviour); any other missing field takes its default, which is what those fits used."""

_SECTIONS = {"model": ModelConfig, "loss": LossConfig, "optim": OptimConfig}


def choices_of(section: type) -> dict[str, tuple[str, ...]]:
    """The ``Literal`` fields of a config section and their allowed values."""
    hints = typing.get_type_hints(section)
    return {name: typing.get_args(kind) for name, kind in hints.items()
            if typing.get_origin(kind) is Literal}


_ADDED = {3: {"loss": {"color_robust": 0.0}},
          4: {"model": {"blur_jitter_antithetic": False}, "loss": {"psf_prior": 0.0}},
          5: {"model": {"lens_cell": 8, "lens_aperture": 1.0}, "optim": {"lr_lens": 1e-2}},
          6: {"loss": {"deform_steady": 0.0}},
          7: {"loss": {"deform_follow": 0}}}
"""Fields added in each version after 2, with the values that reproduce a fit of the
version before."""


def _migrate_v1(data: dict) -> dict:
    """A version 1 config as version 2: every field of version 2 present."""
    out = {**data, "version": 2}
    for name, kind in _SECTIONS.items():
        later = {k for added in _ADDED.values() for k in added.get(name, {})}
        defaults = {k: v for k, v in dataclasses.asdict(kind()).items() if k not in later}
        out[name] = {**defaults, **_V1_FILLS[name], **data.get(name, {})}
    return out


def _migrate(data: dict, version: int) -> dict:
    """A version ``version`` (>= 2) config as the current one: each later version's new
    fields take ``_ADDED``'s values."""
    for v in range(version + 1, CONFIG_VERSION + 1):
        data = {**data, "version": v,
                **{name: {**_ADDED[v].get(name, {}), **data[name]} for name in _SECTIONS
                   if isinstance(data.get(name), dict)}}
    return data


def config_from_dict(data: dict) -> FitConfig:
    """Inverse of :func:`config_to_dict`; reads this version and migrates older ones,
    rejects newer versions, unknown fields and (in the current version) missing ones."""
    version = data.get("version")
    if version == 1 and all(isinstance(data.get(name, {}), dict) for name in _SECTIONS):
        data, version = _migrate_v1(data), 2
    if version in range(2, CONFIG_VERSION):
        data = _migrate(data, version)
    elif version != CONFIG_VERSION:
        raise InvcamError(f"config version {version!r} is not supported "
                          f"(this invcam reads versions 1 to {CONFIG_VERSION})")
    for name, kind in _SECTIONS.items():
        if not isinstance(data.get(name), dict):
            raise InvcamError(f"config does not match this invcam version: no {name} section")
        missing = sorted({f.name for f in dataclasses.fields(kind)} - set(data[name]))
        if missing:
            raise InvcamError(f"config does not match this invcam version: {name} lacks "
                              f"{', '.join(missing)}")
    for name, kind in _SECTIONS.items():
        for field_name, allowed in choices_of(kind).items():
            if data[name][field_name] not in allowed:
                raise InvcamError(f"config {name}.{field_name} is {data[name][field_name]!r}; "
                                  f"this invcam knows {', '.join(allowed)}")
    try:
        return FitConfig(
            preset=data["preset"], seed=data["seed"], log_every=data["log_every"],
            exposure_bound=data["exposure_bound"],
            **{name: kind(**data[name]) for name, kind in _SECTIONS.items()},
        )
    except (KeyError, TypeError) as exc:
        raise InvcamError(f"config does not match this invcam version: {exc}") from exc
