"""Blur generator (paper Sec. 3.2, Eq. 4-6): a learned, spatially varying PSF per image.

For a patch centre p_c in image i, the offset network O gives n x n offsets Delta P
(bounded to a disc of radius s pixels) and the weight network W gives n x n weights
(softmax: non-negative, summing to 1). The blurry irradiance is the weighted sum of the
sharp irradiance at P' = P + Delta P, in the linear domain (Eq. 6).

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 3.2, Eq. 4-6.
    - R. L. Cook. "Stochastic Sampling in Computer Graphics." ACM TOG 5(1), 1986
      (the jittered taps).
"""

from __future__ import annotations

import torch
from torch import nn

from invcam.config import ModelConfig
from invcam.method.encodings import positional_encoding, sample_grid
from invcam.method.nn import mlp


def patch_grid(n: int, device=None, dtype=None) -> torch.Tensor:
    """The initial sampling patch P around its centre: ``(n*n, 2)`` pixel offsets (x, y)."""
    r = torch.arange(n, device=device, dtype=dtype) - (n - 1) / 2
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    return torch.stack([xx.flatten(), yy.flatten()], dim=-1)


def bounded_offsets(raw: torch.Tensor, radius: float) -> torch.Tensor:
    """Map raw ``(..., K, 2)`` outputs to offsets inside a disc of ``radius`` pixels.

    ``s * tanh(|v|) * v / |v|``: direction kept, length below s (paper Fig. 3).
    """
    norm = torch.sqrt((raw * raw).sum(dim=-1, keepdim=True) + 1e-12)
    return raw * (radius * torch.tanh(norm) / norm)


def blur_irradiance(r: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Eq. 6: ``r' = sum_x r(x) w(x)``.

    Args:
        r: ``(B, N, K, C)`` sharp linear irradiance at the K = n*n patch samples.
        weights: ``(B, N, K)`` PSF weights.

    Returns:
        ``(B, N, C)`` blurry irradiance.
    """
    return (r * weights[..., None]).sum(dim=-2)


def psf_rms(taps: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """RMS radius of PSFs: ``(..., K, 2)`` tap positions relative to the patch centre
    (P + dP, pixels) and ``(..., K)`` weights -> ``(...)`` pixels."""
    return ((weights * (taps * taps).sum(-1)).sum(-1) + 1e-12).sqrt()


def jitter_taps(taps: torch.Tensor, radius: torch.Tensor, amount: float,
                gen: torch.Generator | None = None) -> torch.Tensor:
    """Jittered sampling of the PSF (Cook, "Stochastic sampling in computer graphics",
    1986): each tap ``(..., K, 2)`` moves by an independent uniform offset in
    ``[-a, a]^2``, ``a = amount * radius`` (``(...)`` the PSF's RMS radius in pixels, not
    differentiated).

    The n x n taps of Eq. 6 see the sharp irradiance only at n^2 points, so detail between
    them is unconstrained by a defocused image and the atlas can fill it with blotches that
    the taps alias away. In expectation over the jitter each tap becomes a small box, the
    kernel a continuous one, and that detail is seen (and blurred) as a real disc blurs it.
    A sharp PSF (radius ~ 0) is left where it is.
    """
    if amount <= 0:
        return taps
    u = torch.rand(taps.shape, generator=gen, device=taps.device, dtype=taps.dtype)
    return taps + (2.0 * u - 1.0) * (amount * radius.detach())[..., None, None]


def antithetic_jitter(taps: torch.Tensor, weights: torch.Tensor, radius: torch.Tensor,
                      amount: float, gen: torch.Generator | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """Antithetic variates (Hammersley and Morton, 1956) of :func:`jitter_taps`: each tap
    ``(..., K, 2)`` is used twice, moved by +e and by -e (one offset e drawn per tap), at
    half its weight ``(..., K)``. Returns ``(..., 2K, 2)`` taps and ``(..., 2K)`` weights.

    The same box kernel in expectation as :func:`jitter_taps`, but where the irradiance is
    locally linear the two halves' errors cancel and the render does not vary. The render's
    variance adds to the expected squared colour error, and at a high-contrast edge the fit
    would pay for it with a sharper PSF and a softer atlas than the truth.
    """
    offsets = jitter_taps(torch.zeros_like(taps), radius, amount, gen)
    return torch.cat([taps + offsets, taps - offsets], -2), torch.cat([weights, weights], -1) / 2


class BlurGenerator(nn.Module):
    """O(p_c) and W(p_c) of Eq. 4-5, per image.

    ``cfg.blur == "grid"``: one coarse per-image grid holding the 2K offset and K weight
    channels (fast preset). ``"mlp"``: an MLP on (gamma(x, y), image code) (paper).

    ``cfg.blur_envelope`` > 0 adds a Gaussian envelope to W: tap k's logit gets
    ``-beta |P_k|^2`` (P_k its place in the n x n patch), beta a per-image grid of learned
    precisions. Under Adam a logit moves about one learning rate per step, so a softmax
    started sharp (a large centre logit) needs thousands of steps to widen where the image
    is defocused. beta moves in log2 steps at its own rate: a PSF starts sharp, as the
    image in focus needs, and widens or sharpens within a few hundred steps; the free
    logits still shape it.

    Args:
        cfg: model configuration.
        num_images: B.
        size: ``(H, W)`` in pixels.
    """

    def __init__(self, cfg: ModelConfig, num_images: int, size: tuple[int, int]):
        super().__init__()
        self.kind = cfg.blur
        self.n = cfg.blur_n
        self.radius = cfg.blur_radius
        k = self.n * self.n
        init = torch.zeros(3 * k)
        init[2 * k + k // 2] = cfg.blur_center_logit
        self.register_buffer("init_raw", init)
        self.envelope = float(cfg.blur_envelope)
        self.register_buffer("patch_sq", (patch_grid(self.n) ** 2).sum(-1), persistent=False)
        h, w = size
        gh, gw = max(2, round(h / cfg.blur_cell)), max(2, round(w / cfg.blur_cell))
        if self.envelope > 0:
            self.log_envelope = nn.Parameter(torch.zeros(num_images, 1, gh, gw))
        if cfg.blur == "grid":
            self.table = nn.Parameter(torch.zeros(num_images, 3 * k, gh, gw))
        elif cfg.blur == "mlp":
            self.codes = nn.Parameter(torch.randn(num_images, cfg.code_dim) * 0.1)
            self.net = mlp(2 * 9 + cfg.code_dim, cfg.mlp_hidden // 2, 2, 3 * k, zero_last=True)
        else:
            raise ValueError(f"unknown blur kind {cfg.blur!r}")

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        """Optimizer groups: ``blur`` (the grids, ``lr_blur``), ``envelope``
        (``lr_blur_envelope``) and ``mlp`` (the paper's networks and codes, ``lr_mlp``)."""
        groups = {"blur": [], "envelope": [], "mlp": []}
        if self.kind == "grid":
            groups["blur"].append(self.table)
        else:
            groups["mlp"] += [self.codes, *self.net.parameters()]
        if self.envelope > 0:
            groups["envelope"].append(self.log_envelope)
        return groups

    def raw(self, p: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
        """Raw outputs at patch centres ``(S, N, 2)`` of images ``index`` -> ``(S, N, 3K)``."""
        if self.kind == "grid":
            out = sample_grid(self.table if index is None else self.table[index], p)
        else:
            codes = self.codes if index is None else self.codes[index]
            codes = codes[:, None, :].expand(-1, p.shape[1], -1)
            out = self.net(torch.cat([positional_encoding(p, 4), codes], dim=-1))
        return out + self.init_raw

    def forward(self, p: torch.Tensor,
                index: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """PSF at patch centres ``p`` (``(S, N, 2)`` normalized) of images ``index``.

        ``index`` ``(S,)``: None means all B images in order.

        Returns:
            offsets ``(S, N, K, 2)`` in pixels (|offset| < s), weights ``(S, N, K)``.
        """
        raw = self.raw(p, index)
        k = self.n * self.n
        offsets = bounded_offsets(raw[..., : 2 * k].unflatten(-1, (k, 2)), self.radius)
        logits = raw[..., 2 * k :]
        if self.envelope > 0:
            logits = logits - self.precision(p, index)[..., None] * self.patch_sq
        return offsets, torch.softmax(logits, dim=-1)

    def precision(self, p: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
        """Precision beta ``(S, N)`` of the Gaussian envelope at ``p`` ``(S, N, 2)``:
        ``envelope * 2^b``, b a learned per-image grid starting at 0."""
        grid = self.log_envelope if index is None else self.log_envelope[index]
        return self.envelope * torch.exp2(sample_grid(grid, p)[..., 0])
