"""Data-driven starting values: exposure times and the atlas' irradiance level.

Both invert the tone mapper's initial curve ``T0(x) = sigmoid(a x)`` on well-exposed
pixels, so the fit starts with predictions of the right brightness (no all-white or
all-black start) and, when exposure times are unknown, in the right order.
"""

from __future__ import annotations

import math

import torch

WELL_EXPOSED = (0.04, 0.96)
"""Pixel values trusted for inversion of the initial curve."""


def inverse_initial_curve(c: torch.Tensor, slope: float) -> torch.Tensor:
    """``T0^-1(c) = logit(c) / a``: pixel values -> log2 exposure under the initial curve."""
    c = c.clamp(1e-4, 1 - 1e-4)
    return torch.log(c / (1 - c)) / slope


def _subsample(images: torch.Tensor, count: int = 65536, seed: int = 0) -> torch.Tensor:
    """The same random pixels from each image: ``(B, HW, C)`` -> ``(B, count, C)``."""
    hw = images.shape[1]
    if hw <= count:
        return images
    gen = torch.Generator(device=images.device).manual_seed(seed)
    idx = torch.randint(hw, (count,), generator=gen, device=images.device)
    return images[:, idx]


def _well(c: torch.Tensor) -> torch.Tensor:
    return (c > WELL_EXPOSED[0]) & (c < WELL_EXPOSED[1])


def relative_exposure(a: torch.Tensor, ref: torch.Tensor, slope: float) -> float:
    """Estimated log2 exposure of image ``a`` relative to ``ref`` (``(N, C)`` values each).

    Median difference of the inverted initial curve over pixels well exposed in both.
    """
    mask = _well(a) & _well(ref)
    if mask.sum() < 16:  # no overlap: compare mean brightness instead
        a, ref = a.mean(), ref.mean()
        return float(inverse_initial_curve(a, slope) - inverse_initial_curve(ref, slope))
    diff = inverse_initial_curve(a, slope) - inverse_initial_curve(ref, slope)
    return float(diff[mask].median())


def initial_exposures(images: torch.Tensor, exposures: list[float | None], reference: int,
                      slope: float, bound: float) -> tuple[torch.Tensor, bool]:
    """Starting log2 exposure times and whether they are to be learned.

    Args:
        images: ``(B, HW, 3)`` values in [0, 1].
        exposures: B times in seconds, None where unknown.

    Returns:
        ``(B,)`` log2 seconds, and True if any time was unknown (then all are learned,
        known ones starting at their value, unknown ones estimated from brightness).
    """
    if all(t is not None for t in exposures):
        return torch.tensor([math.log2(t) for t in exposures], dtype=torch.float32), False
    sub = _subsample(images)
    ref_t = exposures[reference]
    base = math.log2(ref_t) if ref_t is not None else 0.0
    out = []
    for i, t in enumerate(exposures):
        if t is not None:
            out.append(math.log2(t))
        else:
            rel = relative_exposure(sub[i], sub[reference], slope)
            out.append(base + max(-bound * 0.95, min(bound * 0.95, rel)))
    return torch.tensor(out, dtype=torch.float32), True


def initial_log2_irradiance(images: torch.Tensor, log2_t: torch.Tensor,
                            slope: float) -> torch.Tensor:
    """``(3,)`` median log2 irradiance per channel over well-exposed pixels of all images."""
    sub = _subsample(images)
    x = inverse_initial_curve(sub, slope) - log2_t.to(sub)[:, None, None]
    mask = _well(sub)
    out = []
    for c in range(sub.shape[-1]):
        vals = x[..., c][mask[..., c]]
        out.append(vals.median() if vals.numel() else x[..., c].median())
    return torch.stack(out).float()
