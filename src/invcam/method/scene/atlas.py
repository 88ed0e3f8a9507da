"""Irradiance atlas A(q) (paper Eq. 2): 2-D atlas coordinate -> log2 linear irradiance.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 3.1, Eq. 2.
    - T. Müller, A. Evans, C. Schied, A. Keller. "Instant Neural Graphics Primitives with a
      Multiresolution Hash Encoding." ACM TOG 41(4), 2022 (the grid encoding).
"""

from __future__ import annotations

import torch
from torch import nn

from invcam.config import ModelConfig
from invcam.method.encodings import DenseGrid2D, positional_encoding
from invcam.method.nn import mlp


class Atlas(nn.Module):
    """The atlas network. Predicts ``log2 r`` so that irradiance ``r = 2^out > 0``.

    ``cfg.atlas == "grid"``: dense multi-resolution grids + a small MLP (fast preset).
    ``cfg.atlas == "pe"``: positional encoding + a ReLU MLP, as in the paper.

    Args:
        cfg: model configuration.
        size: ``(H, W)`` of the images in pixels (grid resolution and aspect).
        bounds: ``(x0, y0, x1, y1)`` the atlas domain in the reference image's normalized
            coordinates (default ``(-1, -1, 1, 1)``: the reference view). A moving camera
            needs the union of all views; resolution per pixel stays the same.
    """

    def __init__(self, cfg: ModelConfig, size: tuple[int, int],
                 bounds: tuple[float, float, float, float] | None = None):
        super().__init__()
        self.kind = cfg.atlas
        self.margin = cfg.atlas_margin
        self.pe_frequencies = cfg.pe_frequencies
        x0, y0, x1, y1 = bounds or (-1.0, -1.0, 1.0, 1.0)
        self.bounds = (float(x0), float(y0), float(x1), float(y1))
        half = torch.tensor([(x1 - x0) / 2, (y1 - y0) / 2])
        self.register_buffer("q_center", torch.tensor([(x0 + x1) / 2, (y0 + y1) / 2]),
                             persistent=False)
        self.register_buffer("q_half", half, persistent=False)
        if cfg.atlas == "grid":
            span = (size[0] * (y1 - y0) / 2, size[1] * (x1 - x0) / 2)
            finest = round(max(span) * cfg.grid_finest_scale * cfg.atlas_margin)
            self.encoding = DenseGrid2D(span, cfg.grid_levels, cfg.grid_features,
                                        cfg.grid_base, finest)
            in_dim = self.encoding.out_dim
        elif cfg.atlas == "pe":
            self.encoding = None
            in_dim = 2 * (1 + 2 * cfg.pe_frequencies)
        else:
            raise ValueError(f"unknown atlas kind {cfg.atlas!r}")
        self.net = mlp(in_dim, cfg.atlas_hidden, cfg.atlas_layers, 3)
        self.bias = nn.Parameter(torch.zeros(3))

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        """Optimizer groups: ``grid`` (the dense grids, ``OptimConfig.lr_grid``) and ``mlp``
        (the decoder and bias, ``lr_mlp``)."""
        grid = list(self.encoding.parameters()) if self.encoding is not None else []
        return {"grid": grid, "mlp": [*self.net.parameters(), self.bias]}

    def unit(self, q: torch.Tensor) -> torch.Tensor:
        """``(S, N, 2)`` atlas coordinates -> [-1, 1]^2 over the atlas domain (the grids
        of other fields over the scene read it; ``encode`` also divides by the margin)."""
        return (q - self.q_center) / self.q_half

    def encode(self, q: torch.Tensor) -> torch.Tensor:
        """``(S, N, 2)`` atlas coordinates -> ``(S, N, D)`` features."""
        q = (q - self.q_center) / (self.q_half * self.margin)
        if self.encoding is not None:
            return self.encoding(q)
        return positional_encoding(q, self.pe_frequencies)

    def forward(self, q: torch.Tensor) -> torch.Tensor:
        """``(S, N, 2)`` atlas coordinates -> ``(S, N, 3)`` log2 irradiance."""
        feats = self.encode(q)
        out = self.net(feats.reshape(-1, feats.shape[-1]))
        return out.reshape(*q.shape[:-1], 3) + self.bias
