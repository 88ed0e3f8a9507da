"""Loss terms beyond Eq. 10-13 that need the model's geometry: flow (Eq. 11) on
precomputed correspondences, rigidity of the deformation D, smoothness of the blur grids.

``MotionPrior`` carries what the data says about motion (registration and optical flow,
computed outside the fit from the frames); the fit loop calls :func:`extra_terms` once per
iteration.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from invcam.config import LossConfig
from invcam.imaging import ImagingModel
from invcam.losses import flow_loss, grid_smoothness


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


def pixel_centers(pix: torch.Tensor, width: int,
                  dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Flat pixel indices ``(...)`` -> pixel-centre coordinates ``(..., 2)`` (x, y)."""
    return torch.stack([pix % width, torch.div(pix, width, rounding_mode="floor")],
                       dim=-1).to(dtype) + 0.5


def px_per_unit(model: ImagingModel) -> torch.Tensor:
    """``(2,)`` pixels per normalized unit in x and y (W / 2, H / 2): D's atlas offsets in
    pixels."""
    h, w = model.size
    return torch.tensor([w / 2.0, h / 2.0], device=model.patch.device)


def flow_term(model: ImagingModel, prior: MotionPrior, samples: int,
              gen: torch.Generator) -> torch.Tensor:
    """Eq. 11 on random valid correspondences: ``||D(p, a) - D(p + flow(p), b)||^2``,
    in atlas (normalized) units, averaged over the samples that passed the flow checks."""
    n_pairs, h, w, _ = prior.flows.shape
    per_pair = max(1, samples // n_pairs)
    dev = prior.flows.device
    pix = torch.randint(h * w, (n_pairs, per_pair), generator=gen, device=dev)
    flow = torch.gather(prior.flows.reshape(n_pairs, h * w, 2), 1,
                        pix[..., None].expand(-1, -1, 2)).float()
    valid = torch.gather(prior.valid.reshape(n_pairs, h * w), 1, pix)
    xy = pixel_centers(pix, w)
    q_a = model.deformation(model.normalize(xy), prior.pairs[:, 0])
    q_b = model.deformation(model.normalize(xy + flow), prior.pairs[:, 1])
    return flow_loss(q_a, q_b, valid)


def rigidity_term(model: ImagingModel, samples: int, gen: torch.Generator) -> torch.Tensor:
    """Local rigidity of D (as in layered neural atlases): the part of D's Jacobian that is
    not a similarity (shear, anisotropic stretch), relative to its similarity part.
    Measured on D's learned parts: the motion measured by optical flow (moving objects,
    parallax) is legitimately non-rigid and is left out.

    With J = [[j11, j12], [j21, j22]] in pixel units, its similarity part is
    (a, b) = ((j11 + j22) / 2, (j21 - j12) / 2) and the rest (c, d) =
    ((j11 - j22) / 2, (j12 + j21) / 2); the term is mean((c^2 + d^2) / (a^2 + b^2)).
    """
    h, w = model.size
    b = model.exposure_base.shape[0]
    per_image = max(1, samples // b)
    dev = model.patch.device
    xy = torch.rand(b, per_image, 2, generator=gen, device=dev) * torch.tensor(
        [w - 1.0, h - 1.0], device=dev) + 0.5
    pts = torch.cat([xy, xy + torch.tensor([1.0, 0.0], device=dev),
                     xy + torch.tensor([0.0, 1.0], device=dev)], dim=1)
    q = model.deformation(model.normalize(pts), measured=False)
    q = q * px_per_unit(model)
    q0, qx, qy = q.split(per_image, dim=1)
    jx, jy = qx - q0, qy - q0                       # columns dq/dx, dq/dy
    a = (jx[..., 0] + jy[..., 1]) / 2
    bb = (jx[..., 1] - jy[..., 0]) / 2
    c = (jx[..., 0] - jy[..., 1]) / 2
    d = (jy[..., 0] + jx[..., 1]) / 2
    return ((c * c + d * d) / (a * a + bb * bb + 1e-8)).mean()


def _neighbours(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The two frames each of B >= 3 frames in time order draws on, ``(B, ...)`` each from
    ``(B, ...)``: frames t - 1 and t + 1 inside the sequence; frames 1 and 2 for the first,
    B - 2 and B - 3 for the last."""
    first = torch.cat([x[1:2], x[:-2], x[-2:-1]])
    second = torch.cat([x[2:3], x[2:], x[-3:-2]])
    return first, second


def temporal_targets(q: torch.Tensor) -> torch.Tensor:
    """Where each of B >= 3 frames in time order would put its points if its motion were
    the constant-velocity blend of its neighbours': ``(B, N, 2)`` from ``(B, N, 2)``, the
    mean of frames t - 1 and t + 1 inside, the linear extrapolation of the next two (or
    previous two) at the ends."""
    first, second = _neighbours(q)
    out = 0.5 * (first + second)
    out[0], out[-1] = 2.0 * first[0] - second[0], 2.0 * first[-1] - second[-1]
    return out


def temporal_targets_seen(evidence: torch.Tensor) -> torch.Tensor:
    """``(B, N)`` how much the frames that :func:`temporal_targets` draws on see each
    point: the product of their ``(B, N)`` evidence (1 - anchor). A target drawn from
    frames that are themselves blind is not used (and a blind frame's target moving with
    its blind neighbours' would feed back without end)."""
    first, second = _neighbours(evidence)
    return first * second


def temporal_term(model: ImagingModel) -> torch.Tensor:
    """Motion from the neighbouring frames where a frame has no evidence of its own.

    At the centres of D's residual cells, where each frame's D puts them (pixels) is
    pulled towards :func:`temporal_targets` of the other frames' (not differentiated),
    where :func:`temporal_weight` says: the frame is clipped or black there
    (:func:`~invcam.fit_setup.evidence_anchor`) and the frames the target is drawn from
    are not. A moving object that a short frame shows black gets its place in that frame
    from the frames that see it, instead of from an optical flow that could not see it
    either; a camera drifting at a constant speed keeps the target where the frame's
    registration puts it. Frames are the stack's images in order (a video's time order).
    """
    deform = model.deformation
    b, _, gh, gw = deform.residual.shape
    if b < 3 or deform.anchor is None:
        return deform.residual.sum() * 0.0
    dev = deform.residual.device
    ys = (torch.arange(gh, device=dev) + 0.5) / gh * 2.0 - 1.0
    xs = (torch.arange(gw, device=dev) + 0.5) / gw * 2.0 - 1.0
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    p = torch.stack([xx, yy], dim=-1).reshape(1, -1, 2).expand(b, -1, -1)
    q = deform(p) * px_per_unit(model)
    d2 = ((q - temporal_targets(q.detach())) ** 2).sum(-1)
    return (temporal_weight(deform.anchor).reshape(b, -1) * d2).mean()


def temporal_weight(anchor: torch.Tensor) -> torch.Tensor:
    """Where :func:`temporal_term` acts: ``(B, 1, Gh, Gw)`` from the evidence anchor
    ``(B, 1, Gh, Gw)``: a frame without evidence whose target frames have it (0 for
    fewer than 3 frames)."""
    if anchor.shape[0] < 3:
        return torch.zeros_like(anchor)
    return anchor * temporal_targets_seen(1.0 - anchor)


def residual_px(model: ImagingModel) -> torch.Tensor:
    """D's learned residual grid ``(B, 2, Gh, Gw)`` in pixels (x by W/2, y by H/2)."""
    return model.deformation.residual * px_per_unit(model)[None, :, None, None]


def extra_terms(model: ImagingModel, cfg: LossConfig, prior: MotionPrior | None,
                progress: float, gen: torch.Generator) -> tuple[torch.Tensor | None, dict]:
    """The weighted sum of the enabled extra terms (None if none is enabled) and their values.

    The flow weight decays linearly from ``cfg.flow`` to 0 over the first ``cfg.flow_decay``
    of the schedule (paper Sec. 3.4: over the whole fit).
    """
    total, terms = None, {}
    parts = []
    if cfg.blur_smooth > 0 and model.blur.kind == "grid":
        parts.append(("blur_smooth", cfg.blur_smooth, grid_smoothness(model.blur.table)))
    if model.deformation.kind == "grid" and (cfg.deform_prior > 0 or cfg.deform_smooth > 0):
        res = residual_px(model)
        if cfg.deform_prior > 0:
            anchor = model.deformation.anchor
            if anchor is not None and cfg.deform_temporal > 0:  # the neighbours decide
                anchor = anchor * (1.0 - temporal_weight(anchor))
            sq = res * res if anchor is None else anchor * res * res
            parts.append(("deform_prior", cfg.deform_prior, sq.mean()))
        if cfg.deform_smooth > 0:
            parts.append(("deform_smooth", cfg.deform_smooth, grid_smoothness(res)))
    if model.deformation.kind == "grid" and cfg.deform_temporal > 0:
        parts.append(("deform_temporal", cfg.deform_temporal, temporal_term(model)))
    if cfg.flow > 0 and prior is not None and prior.flows is not None:
        weight = cfg.flow * max(0.0, 1.0 - progress / max(cfg.flow_decay, 1e-6))
        parts.append(("flow", weight, flow_term(model, prior, cfg.flow_samples, gen)))
    if cfg.rigidity > 0:
        parts.append(("rigidity", cfg.rigidity, rigidity_term(model, cfg.rigidity_samples, gen)))
    for name, weight, value in parts:
        total = weight * value if total is None else total + weight * value
        terms[name] = value.item()
    return total, terms


__all__ = ["MotionPrior", "extra_terms", "flow_term", "rigidity_term", "temporal_term"]
