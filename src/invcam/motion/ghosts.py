"""Moving objects seen in a static fit's own renders: the check behind ``--motion auto``'s
second look.

A static fit places each image by one global warp and a residual grid held near it. Where
an object moved between shots, no single scene explains every image: the fit renders a
ghost (the object half in each place), and an image's render differs from its pixels over
the object's area. Where the scene is static and the fit is merely not yet sharp (or too
sharp, where an image is strongly defocused), a blur of the render or of the image
explains the difference, and what is left follows fine texture at a few times the image's
typical residual. :func:`find_ghosts` looks for the first kind: a connected group of
blocks whose residual, unexplained by blur, is many times the image's median and large
against the block's own texture.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

BLOCK = 8
"""Block side in pixels of the (about 360-pixel-wide) lattice the check works on."""
BLUR_SIGMAS = (1.0, 2.0, 4.0)
"""Gaussian blurs (lattice pixels) that may explain a difference (:func:`unexplained`)."""


@dataclass(frozen=True)
class GhostCheck:
    """What :func:`find_ghosts` found."""

    moving: bool
    """True when some image has a ghost group of at least ``threshold`` blocks."""
    largest: int
    """Blocks in the largest ghost group over all images."""
    image: int
    """The image holding it (-1: none)."""
    threshold: int
    """Blocks a group needs to count as a moving object."""
    blocks: int
    """Blocks in one image's lattice (the scale of ``largest``)."""

    def to_dict(self) -> dict:
        return {"checked": True, **asdict(self)}

    def describe(self) -> str:
        what = "a moving object" if self.moving else "no moving object"
        where = f" in image {self.image}" if self.image >= 0 else ""
        return (f"static fit's renders: {what} (largest unexplained group {self.largest} "
                f"blocks{where}, {self.threshold} needed)")


def unexplained(observed: np.ndarray, rendered: np.ndarray) -> np.ndarray:
    """``(H, W)`` the largest channel's absolute difference of ``observed`` and
    ``rendered`` (``(H, W, 3)`` in [0, 1]), at each pixel the least over either one
    Gaussian-blurred by ``BLUR_SIGMAS`` px: a render that is only too sharp or too soft
    (an image's blur not yet learned, a strong defocus) is explained; a ghost is not."""
    diff = np.abs(rendered - observed).max(-1)
    for sigma in BLUR_SIGMAS:
        soft_r = cv2.GaussianBlur(rendered, (0, 0), sigma)
        soft_o = cv2.GaussianBlur(observed, (0, 0), sigma)
        diff = np.minimum(diff, np.abs(soft_r - observed).max(-1))
        diff = np.minimum(diff, np.abs(rendered - soft_o).max(-1))
    return diff


def block_features(observed: np.ndarray, rendered: np.ndarray, block: int = BLOCK
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-block residual, texture and validity of one image.

    Args:
        observed, rendered: ``(H, W, 3)`` display values in [0, 1] at the same pixels.

    Returns:
        ``(Gh, Gw)`` arrays: the mean over the block's usable pixels of
        :func:`unexplained` (grey levels of 255); the block's mean gradient magnitude of
        the observed grey image (grey levels per pixel); and whether more than half of its
        pixels are usable (neither clipped nor black in the image, nor clipped in the
        render).
    """
    observed, rendered = observed.astype(np.float32), rendered.astype(np.float32)
    usable = ((observed.max(-1) < 0.97) & (observed.min(-1) > 0.02)
              & (rendered.max(-1) < 0.97))
    diff = unexplained(observed, rendered) * 255.0 * usable
    gy, gx = np.gradient(observed.mean(-1) * 255.0)
    texture = np.hypot(gx, gy)
    h, w = usable.shape
    gh, gw = h // block, w // block

    def blocks(x: np.ndarray) -> np.ndarray:
        return x[: gh * block, : gw * block].reshape(gh, block, gw, block).mean((1, 3))

    frac = blocks(usable.astype(np.float32))
    return blocks(diff) / np.maximum(frac, 1e-6), blocks(texture), frac > 0.5


RESIDUAL_MEDIANS = 3.0
"""A ghost block's residual is at least this many times its image's median block residual,"""
RESIDUAL_FLOOR = 10.0
"""and at least this many grey levels (of 255),"""
TEXTURE_SLACK = 2.0
"""and more than its texture (mean gradient, grey levels per pixel) plus this."""
GROUP_SHARE = 0.012
"""Share of an image's blocks that one group of ghost blocks needs to be a moving object
(16 blocks of a 30 x 45 lattice)."""


def ghost_mask(residual: np.ndarray, texture: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``(Gh, Gw)`` uint8 mask of one image's ghost blocks (:func:`block_features`'
    arrays)."""
    if not valid.any():
        return np.zeros(residual.shape, np.uint8)
    median = float(np.median(residual[valid]))
    hot = (valid & (residual > max(RESIDUAL_MEDIANS * median, RESIDUAL_FLOOR))
           & (residual > texture + TEXTURE_SLACK))
    return hot.astype(np.uint8)


def find_ghosts(observed: np.ndarray, rendered: np.ndarray, block: int = BLOCK) -> GhostCheck:
    """Whether a static fit's renders leave a moving object unexplained.

    Args:
        observed: ``(B, H, W, 3)`` the input images in [0, 1], at the pixels of
        rendered: ``(B, H, W, 3)`` the fit's renders of them
            (:func:`~invcam.method.render.render_inputs`), about 360 pixels on the long
            side.

    Returns:
        a :class:`GhostCheck`: moving when some image holds a connected group of ghost
        blocks (:func:`ghost_mask`) of at least ``GROUP_SHARE`` of its blocks.
    """
    largest, image, total = 0, -1, 1
    for b in range(observed.shape[0]):
        mask = ghost_mask(*block_features(observed[b], rendered[b], block))
        total = max(mask.size, 1)
        if mask.size == 0:  # smaller than one block: nothing to see
            continue
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        size = int(stats[1:, cv2.CC_STAT_AREA].max()) if n > 1 else 0
        if size > largest:
            largest, image = size, b
    threshold = max(4, round(GROUP_SHARE * total))
    return GhostCheck(largest >= threshold, largest, image, threshold, total)
