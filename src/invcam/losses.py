"""Loss terms of the paper (Eq. 10-14)."""

from __future__ import annotations

import torch

from invcam.camera import ToneMapper
from invcam.config import LossConfig

CLIPPED = 1.0 - 0.5 / 255.0
"""Observed values at or above this are clipped: they only say "at least this bright"."""


def color_loss(pred: torch.Tensor, target: torch.Tensor, relative: float = 0.0,
               weight: torch.Tensor | None = None, censor: bool = False) -> torch.Tensor:
    """Eq. 10: mean squared error between predicted and observed colours ``(S, N, C)``.

    Args:
        relative: > 0 weights each error by ``1 / (target + relative)^2``, so that dark and
            bright observations count alike (0: plain MSE, as in the paper).
        weight: ``(S, N)`` extra weight per sample (None: 1).

        censor: a clipped observation (``target >= CLIPPED``) is a lower bound: only a
            prediction below ``CLIPPED`` is an error (a censored, Tobit-style loss).

    Weighted forms are normalised by the mean weight, so the loss keeps MSE's scale.
    """
    diff = pred - target
    if censor:
        diff = torch.where(target >= CLIPPED, (pred - CLIPPED).clamp(max=0.0), diff)
    err = diff**2
    w = None if relative <= 0 else (target + relative).reciprocal().square()
    if weight is not None:
        w = weight[..., None].expand_as(err) if w is None else w * weight[..., None]
    if w is None:
        return torch.mean(err)
    return torch.mean(err * w) / w.mean()


def focus_weight(spread: torch.Tensor, scale: float) -> torch.Tensor | None:
    """Per-sample weight ``1 / (1 + (spread / scale)^2)`` from the learned PSF's RMS radius
    ``spread`` (pixels, any shape; not differentiated): at each place the images that see
    it in focus outvote the defocused ones. None when ``scale`` is 0 (off)."""
    if scale <= 0:
        return None
    return (1.0 + (spread.detach() / scale) ** 2).reciprocal()


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
               x_range: tuple[float, float], spread: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, dict[str, float]]:
    """Eq. 14 without the flow term (added by the caller when ``cfg.flow > 0``).

    ``spread`` ``(S, N)``: the PSF's RMS radius at each sample (for ``cfg.focus_weight``).

    Returns:
        the scalar loss and a dict of the individual terms (floats, for logging).
    """
    weight = None if spread is None else focus_weight(spread, cfg.focus_weight)
    lc = color_loss(pred, target, cfg.color_relative, weight, cfg.censor_clipped)
    lw = white_balance_loss(tonemap, cfg.c0)
    lg = gradient_loss(tonemap, x_range[0], x_range[1], cfg.gradient_samples)
    loss = cfg.color * lc + cfg.white_balance * lw + cfg.gradient * lg
    return loss, {"color": lc.item(), "white_balance": lw.item(), "gradient": lg.item()}
