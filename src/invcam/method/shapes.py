"""Run-time shape checks at the method's public entry points (kornia's habit).

A spec names each dimension: a letter binds a size (the same letter must agree across the
tensors of one call), a number fixes it, ``*`` accepts any leading dimensions::

    >>> import torch
    >>> check_shapes(centers=(torch.zeros(2, 5, 2), "S N 2"), index=(torch.zeros(2), "S"))
    {'S': 2, 'N': 5}
    >>> check_shapes(centers=(torch.zeros(2, 5, 3), "S N 2"))
    Traceback (most recent call last):
    ...
    ValueError: centers must have shape (S, N, 2), got (2, 5, 3): dimension 2 is 3, not 2
"""

from __future__ import annotations

import torch


def _match(name: str, shape: tuple[int, ...], spec: str, sizes: dict[str, int]) -> None:
    dims = spec.split()
    wanted = f"({', '.join(dims)})"
    if dims and dims[0] == "*":
        dims = dims[1:]
        shape = shape[len(shape) - len(dims):] if len(shape) >= len(dims) else shape
    if len(shape) != len(dims):
        raise ValueError(f"{name} must have shape {wanted}, got {tuple(shape)}")
    for axis, (dim, size) in enumerate(zip(dims, shape, strict=True)):
        expected = int(dim) if dim.isdigit() else sizes.setdefault(dim, int(size))
        if size != expected:
            what = dim if not dim.isdigit() else axis
            raise ValueError(f"{name} must have shape {wanted}, got {tuple(shape)}: "
                             f"dimension {what} is {size}, not {expected}")


def check_shapes(**named: tuple[torch.Tensor | None, str]) -> dict[str, int]:
    """Check each ``name=(tensor, spec)`` (None tensors are skipped); returns the sizes the
    letters bound. Raises ValueError naming the first tensor that does not fit."""
    sizes: dict[str, int] = {}
    for name, (tensor, spec) in named.items():
        if tensor is not None:
            _match(name, tuple(tensor.shape), spec, sizes)
    return sizes
