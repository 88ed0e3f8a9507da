"""Tone mapper T (paper Sec. 3.3, Eq. 7-9): log2 exposure -> pixel value, per channel.

``T_c(x) = sigmoid(a_c * x + b_c + g_c(x))`` with ``x = log2 r' + log2 dt`` and g_c a
small MLP whose output layer starts at zero. At initialisation the curve is the
plausible film-like response ``sigmoid(a * x)`` (T(0) = 0.5, about 10 stops from
black to white) rather than an arbitrary one: a bad initial curve is a known cause of
all-white or broken HDR results in this family of methods.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 3.3, Eq. 7-9.
"""

from __future__ import annotations

import torch
from torch import nn

INPUT_SCALE = 1.0 / 8.0
"""Inputs are scaled by this before the MLP so that +-8 stops map to +-1."""


class ToneMapper(nn.Module):
    """Three per-channel MLPs evaluated in parallel.

    Args:
        hidden: width of each channel's MLP (two hidden layers).
        slope: initial slope a of the response in log2 units.
        channels: C (3 for RGB).
        linear: fix the response to the clipped linear ``min(0.5 * 2^x, 1)`` (linear
            input such as camera RAW); the MLPs are then unused.
    """

    def __init__(self, hidden: int = 16, slope: float = 0.8, channels: int = 3,
                 linear: bool = False):
        super().__init__()
        if linear:
            self.forward = self._linear  # type: ignore[method-assign]
        self.slope = nn.Parameter(torch.full((channels,), float(slope)))
        self.offset = nn.Parameter(torch.zeros(channels))
        self.w1 = nn.Parameter(torch.randn(channels, hidden))
        self.b1 = nn.Parameter(torch.randn(channels, hidden) * 0.5)
        self.w2 = nn.Parameter(torch.randn(channels, hidden, hidden) / hidden**0.5)
        self.b2 = nn.Parameter(torch.zeros(channels, hidden))
        self.w3 = nn.Parameter(torch.zeros(channels, hidden))
        self.b3 = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Eq. 9: ``(..., C)`` log2 exposures -> ``(..., C)`` values in (0, 1)."""
        s = x * INPUT_SCALE
        h = torch.relu(s[..., None] * self.w1 + self.b1)
        h = torch.relu(torch.einsum("...ch,chk->...ck", h, self.w2) + self.b2)
        g = (h * self.w3).sum(-1) + self.b3
        return torch.sigmoid(self.slope * x + self.offset + g)

    @staticmethod
    def _linear(x: torch.Tensor) -> torch.Tensor:
        """The fixed clipped linear response: ``(..., C)`` -> ``(..., C)`` in [0, 1]."""
        return torch.clamp(0.5 * torch.exp2(x), max=1.0)

    def inverse(self, c: torch.Tensor, lo: float = -16.0, hi: float = 16.0,
                steps: int = 40) -> torch.Tensor:
        """Invert T per channel by bisection: ``(..., C)`` values -> log2 exposures.

        Assumes T is non-decreasing on [lo, hi] (the gradient loss keeps it so).
        """
        a = torch.full_like(c, lo)
        b = torch.full_like(c, hi)
        for _ in range(steps):
            mid = (a + b) / 2
            below = self(mid) < c
            a = torch.where(below, mid, a)
            b = torch.where(below, b, mid)
        return (a + b) / 2
