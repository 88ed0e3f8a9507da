"""Dense multi-resolution 2-D feature grids (Instant-NGP's pyramid without hashing).

Read with ``F.grid_sample``, which on the CPU parallelises over its batch dimension only,
so queries are passed as ``(S, N, 2)``: S independent groups (images, or splits of one
set of points).

References:
    - T. Müller, A. Evans, C. Schied, A. Keller. "Instant Neural Graphics Primitives with a
      Multiresolution Hash Encoding." ACM TOG 41(4), 2022.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from invcam.method.shapes import check_shapes


def sample_grid_cf(grid: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Bilinearly read a grid at normalized coordinates, channels first.

    Args:
        grid: ``(S, C, Hg, Wg)`` or ``(1, C, Hg, Wg)`` (shared by all S groups).
        q: ``(S, N, 2)`` coordinates (x, y) in [-1, 1] (``align_corners=False`` convention).

    Returns:
        ``(S, C, N)`` features; outside [-1, 1] the border value is repeated.
    """
    sizes = check_shapes(grid=(grid, "G C Hg Wg"), q=(q, "S N 2"))
    if sizes["G"] not in (1, sizes["S"]):
        raise ValueError(f"grid has {sizes['G']} groups, q has {sizes['S']}: they must agree "
                         "(or the grid has 1, shared)")
    if grid.shape[0] == 1 and q.shape[0] > 1:
        grid = grid.expand(q.shape[0], -1, -1, -1)
    out = F.grid_sample(grid, q[:, :, None, :].to(grid.dtype), mode="bilinear",
                        padding_mode="border", align_corners=False)
    return out[..., 0]


def sample_grid(grid: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """As :func:`sample_grid_cf`, returning ``(S, N, C)``."""
    return sample_grid_cf(grid, q).transpose(1, 2)


def level_shapes(size: tuple[int, int], levels: int, base: int, finest: int) -> list[tuple]:
    """Grid shapes ``(Hg, Wg)`` of a geometric pyramid from ``base`` to ``finest`` cells.

    Resolutions count cells along the longer side of ``size = (H, W)``; the other side
    follows the aspect ratio.
    """
    h, w = size
    long_side = max(h, w)
    growth = math.exp((math.log(finest) - math.log(base)) / max(levels - 1, 1))
    shapes = []
    for level in range(levels):
        res = base * growth**level
        shapes.append((max(2, round(res * h / long_side)), max(2, round(res * w / long_side))))
    return shapes


class DenseGrid2D(nn.Module):
    """A pyramid of dense feature grids over [-1, 1]^2.

    Args:
        size: ``(H, W)`` of the domain in pixels (sets the aspect ratio).
        levels: number of levels L.
        features: features per level F.
        base: coarsest resolution (cells along the longer side).
        finest: finest resolution (cells along the longer side).
    """

    def __init__(self, size: tuple[int, int], levels: int, features: int, base: int,
                 finest: int, init_scale: float = 1e-4):
        super().__init__()
        self.grids = nn.ParameterList(
            nn.Parameter(torch.empty(1, features, gh, gw).uniform_(-init_scale, init_scale))
            for gh, gw in level_shapes(size, levels, base, max(finest, base))
        )
        self.out_dim = levels * features

    def forward(self, q: torch.Tensor) -> torch.Tensor:
        """Features at ``q``: ``(S, N, 2)`` -> ``(S, N, L * F)``.

        The grids are shared by all queries, so on the CPU the S * N queries are regrouped
        into as many groups as there are threads: ``grid_sample`` parallelises over groups
        only, and S groups on fewer threads leave one idle part of the time.
        """
        s, n, _ = q.shape
        groups = 1 if q.device.type != "cpu" else max(1, torch.get_num_threads())
        q = _regroup(q, groups)
        feats = torch.cat([sample_grid_cf(g, q) for g in self.grids], dim=1)
        out = feats.transpose(1, 2).reshape(-1, self.out_dim)
        return out[: s * n].reshape(s, n, self.out_dim)


def _regroup(x: torch.Tensor, groups: int) -> torch.Tensor:
    """``(S, N, D)`` -> ``(G, M, D)``: the S * N rows split into G equal groups, padded at
    the end with copies of the first rows (their outputs are dropped)."""
    flat = x.reshape(-1, x.shape[-1])
    per = -(-flat.shape[0] // groups)
    pad = per * groups - flat.shape[0]
    if pad:
        flat = torch.cat([flat, flat[:1].expand(pad, -1)])
    return flat.reshape(groups, per, x.shape[-1])
