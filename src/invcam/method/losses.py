"""Loss terms: the paper's (Eq. 10-14) on rendered samples, and the terms that need the
model's geometry: flow (Eq. 11) on precomputed correspondences
(:class:`~invcam.motion.prior.MotionPrior`), rigidity and priors on the deformation D,
smoothness of the blur grids. The fit loop calls :func:`total_loss` and
:func:`extra_terms` once per iteration.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 3.4, Eq. 10-14.
    - Y. Kasten, D. Ofri, O. Wang, T. Dekel. "Layered Neural Atlases for Consistent Video
      Editing." ACM TOG 40(6), 2021 (the rigidity term).
    - P. Charbonnier, L. Blanc-Feraud, G. Aubert, M. Barlaud. "Two deterministic
      half-quadratic regularization algorithms for computed imaging." ICIP 1994 (the
      pseudo-Huber function of the robust colour loss).
"""

from __future__ import annotations

import torch

from invcam.config import LossConfig
from invcam.method.camera import ToneMapper
from invcam.method.imaging import ImagingModel
from invcam.motion.prior import MotionPrior
from invcam.photometry import CLIPPED


def color_loss(pred: torch.Tensor, target: torch.Tensor, relative: float = 0.0,
               weight: torch.Tensor | None = None, censor: bool = False,
               robust: float = 0.0) -> torch.Tensor:
    """Eq. 10: mean squared error between predicted and observed colours ``(S, N, C)``.

    Args:
        relative: > 0 weights each error by ``1 / (target + relative)^2``, so that dark and
            bright observations count alike (0: plain MSE, as in the paper).
        weight: ``(S, N)`` extra weight per sample (None: 1).
        censor: a clipped observation (``target >= CLIPPED``) is a lower bound: only a
            prediction below ``CLIPPED`` is an error (a censored, Tobit-style loss).
        robust: > 0 replaces the squared (relative) error ``r^2`` of every unclipped
            observation by the pseudo-Huber ``2 robust^2 (sqrt(1 + r^2 / robust^2) - 1)``:
            equal to ``r^2`` for small errors, growing like ``|r|`` beyond ``robust``.
            Clipped observations keep ``r^2``, so an area clipped in every image is still
            pushed up as hard (0: squared errors).

    Weighted forms are normalised by the mean weight, so the loss keeps MSE's scale.
    """
    diff = pred - target
    if censor:
        diff = torch.where(target >= CLIPPED, (pred - CLIPPED).clamp(max=0.0), diff)
    err = diff**2
    w = None if relative <= 0 else (target + relative).reciprocal().square()
    if robust > 0:
        err = torch.where(target >= CLIPPED, err, pseudo_huber(err, w, robust))
    if weight is not None:
        w = weight[..., None].expand_as(err) if w is None else w * weight[..., None]
    if w is None:
        return torch.mean(err)
    return torch.mean(err * w) / w.mean()


def pseudo_huber(err: torch.Tensor, w: torch.Tensor | None, scale: float) -> torch.Tensor:
    """Pseudo-Huber (Charbonnier) of squared errors ``err`` taken on the relative scale
    ``err * w`` (``w`` None: 1), divided back by ``w``: any shape, elementwise."""
    rel = err if w is None else err * w
    rho = 2.0 * scale**2 * (torch.sqrt(1.0 + rel / scale**2) - 1.0)
    return rho if w is None else rho / w


def focus_weight(psf_rms: torch.Tensor, scale: float) -> torch.Tensor | None:
    """Per-sample weight ``1 / (1 + (psf_rms / scale)^2)`` from the learned PSF's RMS radius
    ``psf_rms`` (pixels, any shape; not differentiated): at each place the images that see
    it in focus outvote the defocused ones. None when ``scale`` is 0 (off)."""
    if scale <= 0:
        return None
    return (1.0 + (psf_rms.detach() / scale) ** 2).reciprocal()


def white_balance_loss(tonemap: ToneMapper, c0: float) -> torch.Tensor:
    """Eq. 12: ``||T(0) - c0||^2``: unit exposure maps to mid-grey in every channel."""
    zero = torch.zeros(1, 3, device=tonemap.slope.device)
    return torch.sum((tonemap(zero) - c0) ** 2)


def gradient_loss(tonemap: ToneMapper, lo: float, hi: float, samples: int) -> torch.Tensor:
    """Eq. 13: ``ReLU(-dT/dx)`` averaged over a dense grid of inputs in [lo, hi].

    The derivative is taken by finite differences between neighbouring samples, so the
    whole input range that the data reaches is covered each iteration.
    """
    x = torch.linspace(lo, hi, samples, device=tonemap.slope.device)
    t = tonemap(x[:, None].expand(-1, 3))
    slope = (t[1:] - t[:-1]) / (x[1] - x[0])
    return torch.relu(-slope).mean()


def flow_loss(q: torch.Tensor, q_match: torch.Tensor,
              valid: torch.Tensor | None = None) -> torch.Tensor:
    """Eq. 11: ``||q_p - q_p*||^2`` between atlas coordinates ``(..., 2)`` of corresponding
    pixels, averaged over the pairs where ``valid`` ``(...)`` is true (all if None)."""
    d2 = torch.sum((q - q_match) ** 2, dim=-1)
    if valid is None:
        return d2.mean()
    valid = valid.to(d2.dtype)
    return (d2 * valid).sum() / valid.sum().clamp_min(1.0)


def grid_smoothness(table: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring cells of ``(B, C, H, W)`` grids."""
    dy = table[..., 1:, :] - table[..., :-1, :]
    dx = table[..., :, 1:] - table[..., :, :-1]
    return (dy * dy).mean() + (dx * dx).mean()


def total_loss(cfg: LossConfig, pred: torch.Tensor, target: torch.Tensor, tonemap: ToneMapper,
               x_range: tuple[float, float], psf_rms: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, dict[str, float]]:
    """Eq. 14 without the flow term (added by the caller when ``cfg.flow > 0``).

    ``psf_rms`` ``(S, N)``: the PSF's RMS radius at each sample (for ``cfg.focus_weight``
    and ``cfg.psf_prior``).

    Returns:
        the scalar loss and a dict of the individual terms (floats, for logging).
    """
    weight = None if psf_rms is None else focus_weight(psf_rms, cfg.focus_weight)
    lc = color_loss(pred, target, cfg.color_relative, weight, cfg.censor_clipped,
                    cfg.color_robust)
    lw = white_balance_loss(tonemap, cfg.c0)
    lg = gradient_loss(tonemap, x_range[0], x_range[1], cfg.gradient_samples)
    loss = cfg.color * lc + cfg.white_balance * lw + cfg.gradient * lg
    terms = {"color": lc.item(), "white_balance": lw.item(), "gradient": lg.item()}
    if cfg.psf_prior > 0 and psf_rms is not None:
        lp = psf_rms.square().mean()
        loss = loss + cfg.psf_prior * lp
        terms["psf_prior"] = lp.item()
    return loss, terms


def pixel_centers(pix: torch.Tensor, width: int,
                  dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Flat pixel indices ``(...)`` -> pixel-centre coordinates ``(..., 2)`` (x, y)."""
    return torch.stack([pix % width, torch.div(pix, width, rounding_mode="floor")],
                       dim=-1).to(dtype) + 0.5


def px_per_unit(model: ImagingModel) -> torch.Tensor:
    """``(2,)`` pixels per normalized unit in x and y (W / 2, H / 2): D's atlas offsets in
    pixels."""
    h, w = model.size
    return torch.tensor([w / 2.0, h / 2.0], device=model.device)


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
    b = model.num_images
    per_image = max(1, samples // b)
    dev = model.device
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
    the constant-velocity blend of its neighbours': ``(B, ..., 2)`` from ``(B, ..., 2)``, the
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
    (:func:`~invcam.method.fit_setup.evidence_anchor`) and the frames the target is drawn from
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


def follow_target(res: torch.Tensor, evidence: torch.Tensor, reach: int) -> torch.Tensor:
    """What each frame's residual follows where it has no evidence: ``(B, 2, Gh, Gw)``,
    per frame t and cell the mean of the residuals ``res`` ``(B, 2, Gh, Gw)`` of frames
    t - ``reach`` .. t + ``reach`` (t left out), each weighted by its ``evidence``
    ``(B, 1, Gh, Gw)`` in [0, 1] over its distance in time; 0 where those weights sum to
    half a frame or less (a single frame two steps away is not enough). Frames are the
    stack's images in order."""
    b, reach = res.shape[0], min(reach, res.shape[0] - 1)
    if reach < 1:
        return torch.zeros_like(res)
    lag = torch.arange(-reach, reach + 1, dtype=res.dtype, device=res.device)
    kernel = torch.where(lag == 0, 0.0, 1.0 / lag.abs().clamp(min=1.0)).view(1, 1, -1)

    def along_time(x: torch.Tensor) -> torch.Tensor:  # (B, C, Gh, Gw): sum over frames near t
        flat = x.permute(1, 2, 3, 0).reshape(-1, 1, b)
        out = torch.nn.functional.conv1d(flat, kernel, padding=reach)
        return out.reshape(*x.shape[1:], b).permute(3, 0, 1, 2)

    total = along_time(evidence)
    mean = along_time(evidence * res) / total.clamp(min=1e-6)
    return torch.where(total > 0.5, mean, torch.zeros_like(mean))


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
            if anchor is not None and cfg.deform_follow > 0:  # the frames that see it lead
                res = res - follow_target(res.detach(), 1.0 - model.deformation.blind,
                                          cfg.deform_follow)
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
