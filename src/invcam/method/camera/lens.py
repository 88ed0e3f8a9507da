"""Thin-lens PSFs tied to one scene depth (beyond the paper; ``ModelConfig.blur == "lens"``).

The paper's blur generator (Eq. 4-5) learns each image's PSF freely. Where one image alone
sees a region, nothing then ties that image's PSF to the others', and the fit can trade
blur for scene (a sharp PSF and a soft atlas). A thin lens focused at inverse distance
phi_i blurs a point at inverse depth rho into a disc of radius

    c_i = a_i |rho - phi_i|                                  (thin-lens circle of confusion)

in pixels, a_i the image's aperture scale. rho belongs to the scene: one field over the
atlas, shared by every image, so the images that see a place sharp or blurred decide its
depth, and that depth decides the PSF of every other image there.

The PSF is a disc drawn with the n x n taps of Eq. 6 spread over it (uniform weights); the
fit's jittered taps turn them into a continuous kernel.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 3.2, Eq. 4-6 (what this replaces).
    - A. P. Pentland. "A New Sense for Depth of Field." IEEE TPAMI 9(4), 1987 (the blur
      circle of a thin lens as a function of depth).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from invcam.config import ModelConfig
from invcam.method.camera.blur import patch_grid
from invcam.method.encodings import sample_grid


def circle_of_confusion(rho: torch.Tensor, focus: torch.Tensor, aperture: torch.Tensor,
                        floor: torch.Tensor, bound: float) -> torch.Tensor:
    """Disc radius in pixels: ``sqrt((a (rho - phi))^2 + f^2)``, kept below ``bound`` by
    ``bound * tanh(c / bound)``.

    Args:
        rho: ``(S, N)`` inverse depth at the samples.
        focus, aperture, floor: ``(S, 1)`` phi_i, a_i and a smallest radius f_i (pixels)
            of each row's image.
        bound: the largest radius in pixels.

    Returns:
        ``(S, N)`` radii.
    """
    c = torch.sqrt((aperture * (rho - focus)) ** 2 + floor**2)
    if bound <= 0:  # no blur allowed
        return torch.zeros_like(c)
    return bound * torch.tanh(c / bound)


def disc_taps(radius: torch.Tensor, patch: torch.Tensor) -> torch.Tensor:
    """The n x n patch ``(K, 2)`` (unit spacing) spread over discs of ``radius`` ``(S, N)``
    pixels: ``(S, N, K, 2)`` tap offsets at spacing ``2 radius / n``."""
    n = math.isqrt(patch.shape[0])
    return patch * (2.0 * radius / n)[..., None, None]


SIZE_UNIT = 360
"""Long side in pixels at which ``ModelConfig.lens_aperture`` and ``blur_radius`` hold as
given; the lens scales both with the image (defocus in pixels grows with resolution)."""


class LensBlur(nn.Module):
    """Inverse depth rho (a grid over the atlas, cells of ``cfg.lens_cell`` pixels, starting
    at 0) and per image phi_i (started evenly over [-1, 1] in image order), a_i (started at
    ``cfg.lens_aperture`` pixels per unit of rho) and f_i (started at 0.3 pixels). The
    aperture's start and the disc's bound (``cfg.blur_radius``) are scaled by the image's
    long side over :data:`SIZE_UNIT` (the bound by at least 1).

    The fit can settle in a wrong depth order (two images' phi swapped or merged, or one
    image's aperture shrunk to keep it sharp everywhere): on the project's scenes at
    600x900 the learned rho followed the true inverse depth on tree, speculars, text and
    studio (correlation 0.5-0.76) but not on bars, window or desk (experiments 6s).

    Args:
        cfg: model configuration.
        num_images: B.
        size: ``(H, W)`` in pixels.
        bounds: the atlas domain ``(x0, y0, x1, y1)`` in the reference's normalized
            coordinates (sets the depth grid's size).
    """

    kind = "lens"

    def __init__(self, cfg: ModelConfig, num_images: int, size: tuple[int, int],
                 bounds: tuple[float, float, float, float]):
        super().__init__()
        x0, y0, x1, y1 = bounds
        h, w = size
        scale = max(h, w) / SIZE_UNIT
        self.n = cfg.blur_n
        self.radius = cfg.blur_radius * max(1.0, scale)
        gh = max(2, round(h * (y1 - y0) / 2 / cfg.lens_cell))
        gw = max(2, round(w * (x1 - x0) / 2 / cfg.lens_cell))
        self.register_buffer("patch", patch_grid(self.n), persistent=False)
        self.depth = nn.Parameter(torch.zeros(1, 1, gh, gw))
        self.focus = nn.Parameter(torch.linspace(-1.0, 1.0, num_images)
                                  if num_images > 1 else torch.zeros(1))
        aperture = math.log(cfg.lens_aperture * scale)
        self.log_aperture = nn.Parameter(torch.full((num_images,), aperture))
        self.log_floor = nn.Parameter(torch.full((num_images,), math.log(0.3)))

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        """Optimizer groups: ``lens`` (``OptimConfig.lr_lens``)."""
        return {"lens": [self.depth, self.focus, self.log_aperture, self.log_floor]}

    def inverse_depth(self, u: torch.Tensor) -> torch.Tensor:
        """rho at points ``(S, N, 2)`` of the atlas domain scaled to [-1, 1]^2
        (:meth:`~invcam.method.scene.atlas.Atlas.unit`) -> ``(S, N)``."""
        return sample_grid(self.depth, u)[..., 0]

    def disc_radius(self, u: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Disc radius in pixels ``(S, N)`` of images ``index`` ``(S,)`` at points ``u``
        ``(S, N, 2)`` (as :meth:`inverse_depth` takes them)."""
        return circle_of_confusion(self.inverse_depth(u), self.focus[index, None],
                                   self.log_aperture.exp()[index, None],
                                   self.log_floor.exp()[index, None], self.radius)

    def forward(self, u: torch.Tensor,
                index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """PSF at patch centres whose atlas points are ``u`` ``(S, N, 2)`` (as
        :meth:`inverse_depth` takes them).

        Returns:
            taps ``(S, N, K, 2)`` relative to the centre in pixels, weights ``(S, N, K)``.
        """
        taps = disc_taps(self.disc_radius(u, index), self.patch)
        k = self.patch.shape[0]
        return taps, torch.full(taps.shape[:-1], 1.0 / k, device=u.device, dtype=u.dtype)
