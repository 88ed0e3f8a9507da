"""Loss terms of the paper (Eq. 10-14)."""

from __future__ import annotations

import torch

from invcam.camera import ToneMapper
from invcam.config import LossConfig


def color_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Eq. 10: mean squared error between predicted and observed colours ``(..., C)``."""
    return torch.mean((pred - target) ** 2)


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
               x_range: tuple[float, float]) -> tuple[torch.Tensor, dict[str, float]]:
    """Eq. 14 without the flow term (added by the caller when ``cfg.flow > 0``).

    Returns:
        the scalar loss and a dict of the individual terms (floats, for logging).
    """
    lc = color_loss(pred, target)
    lw = white_balance_loss(tonemap, cfg.c0)
    lg = gradient_loss(tonemap, x_range[0], x_range[1], cfg.gradient_samples)
    loss = cfg.color * lc + cfg.white_balance * lw + cfg.gradient * lg
    return loss, {"color": lc.item(), "white_balance": lw.item(), "gradient": lg.item()}
