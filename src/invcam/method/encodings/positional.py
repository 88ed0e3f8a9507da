"""Positional encoding gamma(q) of NeRF (Mildenhall et al. 2020), used by the paper's Eq. 2."""

from __future__ import annotations

import math

import torch


def positional_encoding(q: torch.Tensor, frequencies: int) -> torch.Tensor:
    """Encode coordinates with sines and cosines of ``frequencies`` octaves.

    Args:
        q: ``(..., D)`` coordinates, roughly in [-1, 1].
        frequencies: number of octaves F; the shortest period is ``2 / 2^(F-1)``.

    Returns:
        ``(..., D * (1 + 2F))``: ``[q, sin(2^k pi q), cos(2^k pi q)]`` for k < F.
    """
    scales = (2.0 ** torch.arange(frequencies, device=q.device, dtype=q.dtype)) * math.pi
    angles = (q[..., None, :] * scales[:, None]).flatten(-2)
    return torch.cat([q, torch.sin(angles), torch.cos(angles)], dim=-1)
