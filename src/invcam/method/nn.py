"""Small network building blocks shared by the scene and camera models."""

from __future__ import annotations

from torch import nn


def mlp(in_dim: int, hidden: int, layers: int, out_dim: int,
        zero_last: bool = False) -> nn.Sequential:
    """A ReLU MLP with ``layers`` hidden layers of width ``hidden``.

    ``zero_last`` initialises the output layer to zero, so the MLP starts as the constant 0
    (used for residuals that must start at the identity).
    """
    dims = [in_dim] + [hidden] * layers
    mods: list[nn.Module] = []
    for a, b in zip(dims[:-1], dims[1:], strict=True):
        mods += [nn.Linear(a, b), nn.ReLU(inplace=True)]
    last = nn.Linear(dims[-1], out_dim)
    if zero_last:
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
    mods.append(last)
    return nn.Sequential(*mods)
