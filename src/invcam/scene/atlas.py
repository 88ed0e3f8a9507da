"""Irradiance atlas A(q) (paper Eq. 2): 2-D atlas coordinate -> log2 linear irradiance."""

from __future__ import annotations

import torch
from torch import nn

from invcam.config import ModelConfig
from invcam.encodings import DenseGrid2D, positional_encoding
from invcam.nn import mlp


class Atlas(nn.Module):
    """The atlas network. Predicts ``log2 r`` so that irradiance ``r = 2^out > 0``.

    ``cfg.atlas == "grid"``: dense multi-resolution grids + a small MLP (fast preset).
    ``cfg.atlas == "pe"``: positional encoding + a ReLU MLP, as in the paper.

    Args:
        cfg: model configuration.
        size: ``(H, W)`` of the images in pixels (grid resolution and aspect).
    """

    def __init__(self, cfg: ModelConfig, size: tuple[int, int]):
        super().__init__()
        self.kind = cfg.atlas
        self.margin = cfg.atlas_margin
        self.pe_frequencies = cfg.pe_frequencies
        if cfg.atlas == "grid":
            finest = round(max(size) * cfg.grid_finest_scale * cfg.atlas_margin)
            self.encoding = DenseGrid2D(size, cfg.grid_levels, cfg.grid_features,
                                        cfg.grid_base, finest)
            in_dim = self.encoding.out_dim
        elif cfg.atlas == "pe":
            self.encoding = None
            in_dim = 2 * (1 + 2 * cfg.pe_frequencies)
        else:
            raise ValueError(f"unknown atlas kind {cfg.atlas!r}")
        self.net = mlp(in_dim, cfg.atlas_hidden, cfg.atlas_layers, 3)
        self.bias = nn.Parameter(torch.zeros(3))

    def encode(self, q: torch.Tensor) -> torch.Tensor:
        """``(S, N, 2)`` atlas coordinates -> ``(S, N, D)`` features."""
        q = q / self.margin
        if self.encoding is not None:
            return self.encoding(q)
        return positional_encoding(q, self.pe_frequencies)

    def forward(self, q: torch.Tensor) -> torch.Tensor:
        """``(S, N, 2)`` atlas coordinates -> ``(S, N, 3)`` log2 irradiance."""
        feats = self.encode(q)
        out = self.net(feats.reshape(-1, feats.shape[-1]))
        return out.reshape(*q.shape[:-1], 3) + self.bias
