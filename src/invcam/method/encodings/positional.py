"""Positional encoding gamma(q) of NeRF (Mildenhall et al. 2020), used by the paper's Eq. 2.

References:
    - B. Mildenhall, P. P. Srinivasan, M. Tancik, J. T. Barron, R. Ramamoorthi, R. Ng.
      "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis." ECCV 2020.
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Eq. 2.
"""

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

    >>> q = torch.tensor([[0.5, -1.0]])
    >>> positional_encoding(q, 7).shape  # the paper's 7 octaves of 2-D points
    torch.Size([1, 30])
    >>> positional_encoding(torch.tensor([0.5]), 2).round(decimals=4) + 0.0  # q, sin, cos
    tensor([ 0.5000,  1.0000,  0.0000,  0.0000, -1.0000])
    """
    scales = (2.0 ** torch.arange(frequencies, device=q.device, dtype=q.dtype)) * math.pi
    angles = (q[..., None, :] * scales[:, None]).flatten(-2)
    return torch.cat([q, torch.sin(angles), torch.cos(angles)], dim=-1)
