"""Setting a fit up: the model's data-driven start (exposures, irradiance level, motion),
the images whose registration is held early, and random pixel samples of the inputs; also
the per-image training PSNR of a result."""

from __future__ import annotations

import math

import torch

from invcam.config import FitConfig, OptimConfig
from invcam.method.imaging import ImagingModel
from invcam.method.init import initial_exposures, initial_log2_irradiance
from invcam.method.losses import pixel_centers, temporal_targets
from invcam.method.scene.deformation import apply_homography
from invcam.motion.prior import MotionPrior
from invcam.photometry import UNUSABLE


def _unit(values: torch.Tensor) -> torch.Tensor:
    """Pixel values as floats in [0, 1] (uint8 frames are kept as uint8 until sampled)."""
    return values.float() / 255.0 if values.dtype == torch.uint8 else values


def held_images(optim: OptimConfig, prior: MotionPrior | None) -> torch.Tensor | None:
    """``(B,)`` bool, the images whose similarity ``OptimConfig.similarity_hold`` keeps at
    their registration (placed, and pinned within ``similarity_hold_spread`` px where the
    prior measured it), or None when no image is held."""
    if optim.similarity_hold <= 0 or prior is None or prior.registered is None:
        return None
    held = prior.registered.clone()
    if prior.spread is not None:
        held &= prior.spread.to(held.device) <= optim.similarity_hold_spread  # NaN: False
    return held if bool(held.any()) else None


def build_model(cfg: FitConfig, size: tuple[int, int], images: torch.Tensor,
                exposures: list[float | None], reference: int,
                prior: MotionPrior | None = None) -> ImagingModel:
    """Create the model with a data-driven start: exposures and atlas level from the images,
    and, for moving scenes, the registration and atlas domain of ``prior``.

    Args:
        images: ``(B, H*W, 3)`` values in [0, 1] (float) or uint8.
        exposures: B exposure times in seconds, or None where unknown.
    """
    sub = _unit(images[:, :: max(1, images.shape[1] // 65536)])
    log2_t, learn = initial_exposures(sub, exposures, reference, cfg.model.tone_slope,
                                      cfg.exposure_bound)
    bounds = prior.bounds if prior is not None else None
    model = ImagingModel(cfg.model, size, log2_t, reference, learn, cfg.exposure_bound, bounds)
    with torch.no_grad():
        model.atlas.bias.copy_(initial_log2_irradiance(sub, log2_t, cfg.model.tone_slope))
    if prior is not None and prior.transforms is not None:
        model.deformation.set_base(prior.transforms)
    if prior is not None and prior.registered is not None:
        slow = cfg.optim.lr_similarity
        fast = cfg.optim.lr_similarity_unregistered / slow if slow > 0 else 1.0  # 0: frozen
        model.deformation.set_rate(torch.where(prior.registered.cpu(), 1.0, fast))
    if prior is not None and prior.correspondence is not None:
        _start_residuals(model, prior)
    if cfg.model.deform == "grid":
        blind = anchor = evidence_anchor(images, size)
        corr = prior.correspondence if prior is not None else None
        if cfg.loss.deform_steady > 0 and corr is not None:  # hold only a steady start
            anchor = anchor * steady_start(corr, cfg.loss.deform_steady).to(anchor)
        model.deformation.set_anchor(anchor, blind)
    return model.to(images.device)


def evidence_anchor(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Where D's residual has no evidence to follow: ``(B, 1, H, W)`` float, 1 where image
    i is clipped or black, or where no other image is usable (then atlas and D could
    trade any local warp there); 0 elsewhere.

    Args:
        images: ``(B, H*W, 3)`` values in [0, 1] (float) or uint8.
    """
    b = images.shape[0]
    unit = _unit(images).amax(dim=-1).reshape(b, 1, *size)
    usable = (unit > UNUSABLE[0]) & (unit < UNUSABLE[1])
    others = usable.sum(dim=0, keepdim=True) - usable.int()
    return ((~usable) | (others == 0)).float()


STEADY_ROWS = 64
"""Rows of the correspondence that :func:`steady_start` compares at a time."""


def steady_start(corr: torch.Tensor, tolerance: float) -> torch.Tensor:
    """Where each frame's chained-flow start agrees with the frames beside it in time:
    ``(B, 1, H, W)`` float, 1 where frame t's correspondence lies within ``tolerance`` px
    of the constant-velocity blend of its neighbours'
    (:func:`~invcam.method.losses.temporal_targets`), 0 elsewhere (and where it is not
    finite); all ones for fewer than three frames.

    A steady drift without parallax passes almost everywhere; a pan under parallax fails
    where a clipped frame's start is a spatial fill of the wrong depth's motion.

    Args:
        corr: ``(B, H, W, 2)`` reference pixel coordinates of each frame's pixels, in time
            order (``MotionPrior.correspondence``).
    """
    b, h, w, _ = corr.shape
    steady = torch.ones(b, 1, h, w)
    if b < 3:
        return steady
    c = corr.cpu()
    for top in range(0, h, STEADY_ROWS):  # a band of rows at a time: corr is large already
        band = c[:, top : top + STEADY_ROWS].float()
        off = torch.nan_to_num((band - temporal_targets(band)).norm(dim=-1), nan=float("inf"))
        steady[:, 0, top : top + STEADY_ROWS] = (off < tolerance).float()
    return steady


def _start_residuals(model: ImagingModel, prior: MotionPrior) -> None:
    """D's fixed dense field: the chained-flow correspondence minus the base warp."""
    h, w = model.size
    ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")
    p = model.normalize(torch.stack([xs, ys], dim=-1).reshape(1, -1, 2))
    b = prior.correspondence.shape[0]
    dense = torch.empty(b, 2, h, w)
    for i in range(b):
        based = apply_homography(p, model.deformation.base[i : i + 1])
        target = model.normalize(prior.correspondence[i].reshape(1, -1, 2).float())
        dense[i] = (target - based).reshape(h, w, 2).permute(2, 0, 1)
    model.deformation.set_dense(dense)


def sample_pixels(images: torch.Tensor, width: int, per_image: int, gen: torch.Generator):
    """Random pixels, the same number from each image.

    Returns:
        centers ``(B, M, 2)`` pixel coordinates (x, y) of pixel centres, targets ``(B, M, 3)``.
    """
    b, hw, _ = images.shape
    idx = torch.randint(hw, (b, per_image), generator=gen, device=images.device)
    targets = _unit(torch.gather(images, 1, idx[..., None].expand(-1, -1, 3)))
    centers = pixel_centers(idx, width, targets.dtype)
    return centers, targets


def psnr_from_mse(mse: float) -> float:
    return 10.0 * math.log10(1.0 / max(mse, 1e-12))


@torch.no_grad()
def train_psnr(model: ImagingModel, images: torch.Tensor, samples: int = 20000,
               seed: int = 1) -> list[float]:
    """PSNR of the re-rendered inputs on a fixed random subset of pixels, per image.

    Rendered in chunks of 4096 points so memory stays bounded for long videos.
    """
    gen = torch.Generator(device=images.device).manual_seed(seed)
    centers, targets = sample_pixels(images, model.size[1], min(samples, images.shape[1]), gen)
    sq = torch.zeros(images.shape[0], device=images.device)
    for i in range(images.shape[0]):
        for chunk in torch.arange(centers.shape[1], device=images.device).split(4096):
            color = model(centers[i : i + 1, chunk], torch.tensor([i], device=images.device))
            sq[i] += ((color["color"] - targets[i : i + 1, chunk]) ** 2).sum()
    mse = sq / (centers.shape[1] * 3)
    return [psnr_from_mse(v) for v in mse.tolist()]


__all__ = ["build_model", "sample_pixels", "train_psnr"]
