"""Deformation network D(x, y, i) -> q (paper Eq. 1).

A learned per-image similarity transform (absorbs focus breathing and small camera
motion), optionally plus a residual field that starts at zero, so an aligned stack starts
at the identity. The reference image's similarity is fixed to the identity: the atlas is
laid out in the reference image's geometry.

Kinds (``ModelConfig.deform``):

- ``"global"``: the similarity alone (on top of a fixed base homography from
  registration). A static stack's default: content that only one image sees cannot be
  moved by a local warp, because the warp is set by all of that image's content.
- ``"grid"``: plus a per-image coarse residual grid (moving scenes and parallax).
- ``"mlp"``: plus the paper's residual MLP.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 3.1, Eq. 1.
"""

from __future__ import annotations

import torch
from torch import nn

from invcam.config import ModelConfig
from invcam.method.encodings import positional_encoding, sample_grid
from invcam.method.nn import mlp


def apply_similarity(p: torch.Tensor, params: torch.Tensor, aspect: torch.Tensor) -> torch.Tensor:
    """Apply per-image similarities to normalized pixel coordinates.

    Args:
        p: ``(B, N, 2)`` points (x, y) in [-1, 1].
        params: ``(B, 4)``: log scale, angle (radians), tx, ty (normalized units).
        aspect: ``(2,)`` = (W, H) / max(H, W): makes rotation isotropic in pixels.

    Returns:
        ``(B, N, 2)`` transformed points.
    """
    scale = torch.exp(params[:, 0])[:, None, None]
    cos, sin = torch.cos(params[:, 1])[:, None], torch.sin(params[:, 1])[:, None]
    x, y = (p * aspect).unbind(-1)
    rot = torch.stack([cos * x - sin * y, sin * x + cos * y], dim=-1)
    return rot * scale / aspect + params[:, None, 2:]


def apply_homography(p: torch.Tensor, mats: torch.Tensor) -> torch.Tensor:
    """Apply per-image 3x3 homographies: ``(B, N, 2)`` points, ``(B, 3, 3)`` -> ``(B, N, 2)``."""
    ph = torch.cat([p, torch.ones_like(p[..., :1])], dim=-1) @ mats.transpose(1, 2)
    return ph[..., :2] / ph[..., 2:]


class Deformation(nn.Module):
    """D(x, y, i): fixed base homography, then a learned similarity, plus a residual.

    The base (identity unless :meth:`set_base` is called) is the registration estimated
    from the data for moving cameras: it maps image i's normalized coordinates to the
    reference image's. The learned similarity refines it; the residual ("grid" or "mlp")
    absorbs parallax and moving objects.

    Args:
        cfg: model configuration.
        num_images: B.
        size: ``(H, W)`` in pixels.
        reference: index of the image whose similarity stays the identity.
    """

    def __init__(self, cfg: ModelConfig, num_images: int, size: tuple[int, int], reference: int):
        super().__init__()
        h, w = size
        self.kind = cfg.deform
        self.similarity = nn.Parameter(torch.zeros(num_images, 4))
        mask = torch.ones(num_images, 1)
        mask[reference] = 0.0
        self.register_buffer("sim_mask", mask)
        self.register_buffer("sim_rate", torch.ones(num_images, 1))
        self.register_buffer("aspect", torch.tensor([w, h], dtype=torch.float32) / max(h, w))
        self.register_buffer("base", torch.eye(3).repeat(num_images, 1, 1))
        self.register_buffer("dense", None)
        self.register_buffer("anchor", None, persistent=False)
        self.register_buffer("blind", None, persistent=False)
        if cfg.deform == "global":
            pass
        elif cfg.deform == "grid":
            gh, gw = max(2, round(h / cfg.deform_cell)), max(2, round(w / cfg.deform_cell))
            self.residual = nn.Parameter(torch.zeros(num_images, 2, gh, gw))
        elif cfg.deform == "mlp":
            self.codes = nn.Parameter(torch.randn(num_images, cfg.code_dim) * 0.1)
            self.net = mlp(2 * 9 + cfg.code_dim, cfg.mlp_hidden, cfg.mlp_layers, 2, zero_last=True)
        else:
            raise ValueError(f"unknown deformation kind {cfg.deform!r}")

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        """Optimizer groups: ``similarity`` (``lr_similarity``), ``deform`` (the residual
        grid, ``lr_deform``) and ``mlp`` (the paper's network and codes, ``lr_mlp``)."""
        groups = {"similarity": [self.similarity], "deform": [], "mlp": []}
        if self.kind == "grid":
            groups["deform"].append(self.residual)
        elif self.kind == "mlp":
            groups["mlp"] += [self.codes, *self.net.parameters()]
        return groups

    def set_base(self, mats: torch.Tensor) -> None:
        """Set the ``(B, 3, 3)`` base homographies (normalized image i -> reference coords)."""
        with torch.no_grad():
            self.base.copy_(mats.to(self.base))

    def set_dense(self, disp: torch.Tensor) -> None:
        """Set the fixed per-pixel displacement field ``(B, 2, H, W)`` (normalized units):
        the motion measured by chained optical flow, which D adds to its base warp so
        that moving objects and parallax keep sharp edges the coarse residual cannot."""
        self.dense = disp.to(self.base).contiguous()

    def set_anchor(self, weight: torch.Tensor, blind: torch.Tensor | None = None) -> None:
        """Set the ``(B, 1, H, W)`` weights in [0, 1] of the prior that holds the residual
        (1 where nothing but this image sees the scene, or this image sees nothing
        there), and where each image has no evidence ``blind`` ``(B, 1, H, W)`` (None: the
        weights); both are averaged onto the residual grid's cells."""
        if self.kind != "grid":
            return
        cells = self.residual.shape[-2:]
        pool = torch.nn.functional.adaptive_avg_pool2d
        self.anchor = pool(weight.float(), cells).to(self.base).contiguous()
        self.blind = self.anchor if blind is None else \
            pool(blind.float(), cells).to(self.base).contiguous()

    def set_rate(self, rate: torch.Tensor) -> None:
        """Set the ``(B,)`` multipliers of each image's similarity step: the parameter is
        stored divided by it, so Adam's steps (of about the learning rate) move image i's
        similarity ``rate[i]`` times as far."""
        with torch.no_grad():
            self.similarity.mul_(self.sim_rate / rate.reshape(-1, 1).to(self.sim_rate))
            self.sim_rate.copy_(rate.reshape(-1, 1).to(self.sim_rate))

    def similarity_params(self) -> torch.Tensor:
        """``(B, 4)`` similarity parameters, the reference's forced to zero."""
        return self.similarity * self.sim_rate * self.sim_mask

    def offset(self, p: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Residual field at ``p``: ``(S, N, 2)`` for images ``index`` ``(S,)`` -> ``(S, N, 2)``
        (the ``"global"`` kind has none: :meth:`forward` does not call this)."""
        if self.kind == "grid":
            return sample_grid(self.residual[index], p)
        codes = self.codes[index][:, None, :].expand(-1, p.shape[1], -1)
        return self.net(torch.cat([positional_encoding(p, 4), codes], dim=-1))

    def forward(self, p: torch.Tensor, index: torch.Tensor | None = None,
                measured: bool = True) -> torch.Tensor:
        """Eq. 1: atlas coordinates q of points ``p``.

        Args:
            p: ``(S, N, 2)`` normalized pixel coordinates.
            index: ``(S,)`` image of each group; None means all B images in order.
            measured: include the fixed dense field measured by optical flow (False: only
                the parts that are learned, e.g. for a regularizer on them).

        Returns:
            ``(S, N, 2)`` atlas coordinates.
        """
        if index is None:
            index = torch.arange(self.similarity.shape[0], device=p.device)
        sim = self.similarity_params()[index]
        q = apply_similarity(apply_homography(p, self.base[index]), sim, self.aspect)
        if measured and self.dense is not None:
            q = q + sample_grid(self.dense[index], p)
        if self.kind == "global":
            return q
        return q + self.offset(p, index)
