"""The one forward model of the imaging process (paper Fig. 2).

    pixel patch P around p_c --O, W--> P' = P + dP, weights w          (Eq. 4-5)
    P' --D--> atlas coordinates Q --A--> sharp irradiance R            (Eq. 1-2)
    r' = sum w * R (linear domain)                                      (Eq. 6)
    c_hat = T(log2 r' + log2 dt)                                        (Eq. 9)

At inference the camera model is dropped: A(D(x, y, i_ref)) is the all-in-focus HDR
irradiance in the reference image's geometry.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Fig. 2, Eq. 1-9.
"""

from __future__ import annotations

import torch
from torch import nn

from invcam.config import ModelConfig
from invcam.method.camera import BlurGenerator, ToneMapper, blur_irradiance, patch_grid
from invcam.method.camera.blur import antithetic_jitter, jitter_taps, psf_rms
from invcam.method.camera.lens import LensBlur
from invcam.method.scene import Atlas, Deformation
from invcam.method.shapes import check_shapes


class ImagingModel(nn.Module):
    """Scene model + camera model + per-image exposure times.

    Args:
        cfg: model configuration.
        size: ``(H, W)`` of every image in pixels.
        log2_exposures: ``(B,)`` initial log2 exposure times (seconds).
        reference: index of the reference image (its geometry and exposure anchor).
        learn_exposure: learn the exposure times (unknown), else keep them fixed.
        exposure_bound: learned exposures stay within +- this many stops of the reference.
        atlas_bounds: the atlas domain ``(x0, y0, x1, y1)`` in the reference's normalized
            coordinates (None: the reference view; wider for a moving camera).
    """

    def __init__(self, cfg: ModelConfig, size: tuple[int, int], log2_exposures: torch.Tensor,
                 reference: int, learn_exposure: bool = False, exposure_bound: float = 6.0,
                 atlas_bounds: tuple[float, float, float, float] | None = None):
        super().__init__()
        b = int(log2_exposures.shape[0])
        self.size = tuple(size)
        self.reference = reference
        self.centered = cfg.blur_centered
        self.antithetic = cfg.blur_jitter_antithetic
        self.bound = exposure_bound
        self.learn_exposure = learn_exposure
        self.deformation = Deformation(cfg, b, size, reference)
        self.atlas = Atlas(cfg, size, atlas_bounds)
        self.blur = (LensBlur(cfg, b, size, self.atlas.bounds) if cfg.blur == "lens"
                     else BlurGenerator(cfg, b, size))
        self.tonemap = ToneMapper(cfg.tone_hidden, cfg.tone_slope,
                                  linear=cfg.response == "linear")
        self.register_buffer("patch", patch_grid(cfg.blur_n))
        self.register_buffer("exposure_base", log2_exposures.float().clone())
        rel = (log2_exposures - log2_exposures[reference]) / exposure_bound
        self.exposure_raw = nn.Parameter(torch.atanh(rel.clamp(-0.999, 0.999)).float(),
                                         requires_grad=learn_exposure)
        mask = torch.ones(b)
        mask[reference] = 0.0
        self.register_buffer("exposure_mask", mask)

    @property
    def device(self) -> torch.device:
        """Where the model's tensors are."""
        return self.patch.device

    @property
    def num_images(self) -> int:
        """B, the number of images the model was fitted to."""
        return int(self.exposure_base.shape[0])

    def param_groups(self) -> dict[str, list[nn.Parameter]]:
        """The trainable parameters by optimizer group (``OptimConfig``'s rates): each
        part declares its own; the tone mapper and the exposure times are ``tone``."""
        groups: dict[str, list[nn.Parameter]] = {}
        parts = (self.atlas.param_groups(), self.deformation.param_groups(),
                 self.blur.param_groups(),
                 {"tone": [*self.tonemap.parameters(), self.exposure_raw]})
        for part in parts:
            for name, params in part.items():
                groups.setdefault(name, []).extend(params)
        return groups

    def log2_exposures(self) -> torch.Tensor:
        """``(B,)`` log2 exposure times; learned ones bounded to +-bound stops of the reference."""
        if not self.learn_exposure:
            return self.exposure_base
        rel = self.bound * torch.tanh(self.exposure_raw) * self.exposure_mask
        return self.exposure_base[self.reference] + rel

    def normalize(self, xy: torch.Tensor) -> torch.Tensor:
        """Pixel coordinates (x, y), pixel centres at +0.5, -> [-1, 1] (align_corners=False)."""
        h, w = self.size
        return xy * torch.tensor([2.0 / w, 2.0 / h], device=xy.device, dtype=xy.dtype) - 1.0

    def sharp_log2(self, p: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
        """Scene model: ``(S, N, 2)`` normalized points -> ``(S, N, 3)`` log2 irradiance."""
        return self.atlas(self.deformation(p, index))

    def psf(self, centers: torch.Tensor,
            index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The PSF at patch centres ``(S, N, 2)`` (pixels) of images ``index`` ``(S,)``.

        Returns:
            taps ``(S, N, K, 2)``: P + dP relative to the centre, in pixels (moved so that
            their weighted centroid is 0 when ``blur_centered``: a shift belongs to D, and a
            shifted PSF of the reference image would shift the all-in-focus output; the
            ``"lens"`` blur's discs are centred by construction);
            weights ``(S, N, K)``.
        """
        if isinstance(self.blur, LensBlur):  # discs at the scene's depth there
            q = self.deformation(self.normalize(centers), index)
            return self.blur(self.atlas.unit(q), index)
        offsets, weights = self.blur(self.normalize(centers), index)
        taps = self.patch + offsets
        if self.centered:
            taps = taps - (weights[..., None] * taps).sum(-2, keepdim=True)
        return taps, weights

    def forward(self, centers: torch.Tensor, index: torch.Tensor | None = None,
                jitter: float = 0.0, gen: torch.Generator | None = None
                ) -> dict[str, torch.Tensor]:
        """Render blurry LDR colours at patch centres.

        Args:
            centers: ``(S, N, 2)`` pixel coordinates (x, y) of patch centres.
            index: ``(S,)`` image of each row; None means all B images in order.
            jitter: training only: the taps' random jitter, a multiple of the PSF's RMS
                radius (:func:`~invcam.method.camera.blur.jitter_taps`, or in antithetic
                pairs when ``blur_jitter_antithetic``; 0: none).
            gen: random generator of the jitter.

        Returns:
            ``color`` ``(S, N, 3)`` in (0, 1); ``x`` ``(S, N, 3)`` the tone mapper's input;
            ``psf_rms`` ``(S, N)`` the PSF's RMS radius in pixels.
        """
        check_shapes(centers=(centers, "S N 2"), index=(index, "S"))
        s, n, _ = centers.shape
        if index is None:
            index = torch.arange(s, device=centers.device)
        taps, weights = self.psf(centers, index)                          # Eq. 4-5
        radius = psf_rms(taps, weights)
        if self.antithetic and jitter > 0:
            taps, weights = antithetic_jitter(taps, weights, radius, jitter, gen)
        else:
            taps = jitter_taps(taps, radius, jitter, gen)
        pos = self.normalize(centers[:, :, None, :] + taps).reshape(s, -1, 2)
        log2r = self.sharp_log2(pos, index)                               # Eq. 1-2
        r = torch.exp2(log2r.reshape(s, n, -1, 3))
        r_blur = blur_irradiance(r, weights)                              # Eq. 6
        x = torch.log2(r_blur.clamp_min(1e-30)) + self.log2_exposures()[index][:, None, None]
        return {"color": self.tonemap(x), "x": x,                         # Eq. 9
                "psf_rms": radius}

    def _lattice(self, stride: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """Pixel centres ``xs`` ``(W',)``, ``ys`` ``(H',)`` of pixels ``stride // 2``,
        ``stride // 2 + stride``, ... of each axis (every pixel when ``stride`` is 1)."""
        h, w = self.size
        dev = self.device
        xs = torch.arange(stride // 2, w, stride, device=dev, dtype=torch.float32) + 0.5
        ys = torch.arange(stride // 2, h, stride, device=dev, dtype=torch.float32) + 0.5
        return xs, ys

    def _tiles(self, rows: int):
        """Row tiles of pixel centres: yields ``(y0, y1, (1, T, 2) pixel coordinates)``."""
        yield from _row_tiles(*self._lattice(), rows)

    @torch.no_grad()
    def render_log2(self, index: int, rows_per_tile: int = 64) -> torch.Tensor:
        """All-in-focus log2 irradiance in image ``index``'s view, ``(H, W, 3)``, in tiles.

        Memory is bounded by the tile size at any resolution.
        """
        h, w = self.size
        out = torch.empty(h, w, 3, device=self.device)
        idx = torch.tensor([index], device=self.device)
        for y0, y1, xy in self._tiles(rows_per_tile):
            out[y0:y1] = self.sharp_log2(self.normalize(xy), idx).reshape(y1 - y0, w, 3)
        return out

    @torch.no_grad()
    def render_blurry_log2(self, index: int, rows_per_tile: int = 32) -> torch.Tensor:
        """log2 of image ``index``'s blurry irradiance r' (Eq. 6), ``(H, W, 3)``, in tiles."""
        return self._render_forward(index, "x", 1, rows_per_tile) - self.log2_exposures()[index]

    @torch.no_grad()
    def render_image(self, index: int, stride: int = 1, rows_per_tile: int = 32) -> torch.Tensor:
        """Image ``index`` as the camera records it (its geometry, PSF, exposure and
        response, Eq. 1-9): ``(H', W', 3)`` display values in (0, 1) at the pixels
        :meth:`_lattice` ``(stride)`` names, in tiles."""
        return self._render_forward(index, "color", stride, rows_per_tile)

    def _render_forward(self, index: int, key: str, stride: int, rows: int) -> torch.Tensor:
        """Output ``key`` of :meth:`forward` for image ``index`` on the lattice of
        ``stride``: ``(H', W', 3)``."""
        xs, ys = self._lattice(stride)
        out = torch.empty(len(ys), len(xs), 3, device=self.device)
        idx = torch.tensor([index], device=self.device)
        for y0, y1, xy in _row_tiles(xs, ys, rows):
            out[y0:y1] = self(xy, idx)[key].reshape(y1 - y0, len(xs), 3)
        return out

    @torch.no_grad()
    def psf_rms_map(self, index: int, rows_per_tile: int = 64) -> torch.Tensor:
        """RMS radius in pixels of image ``index``'s learned PSF at every pixel, ``(H, W)``."""
        h, w = self.size
        out = torch.empty(h, w, device=self.device)
        idx = torch.tensor([index], device=self.device)
        for y0, y1, xy in self._tiles(rows_per_tile):
            out[y0:y1] = psf_rms(*self.psf(xy, idx)).reshape(y1 - y0, w)
        return out

    @torch.no_grad()
    def render_atlas(self, rows_per_tile: int = 64) -> torch.Tensor:
        """The atlas itself, log2 irradiance over its whole domain at the reference's pixel
        pitch: ``(Ha, Wa, 3)``, in tiles (a moving camera's atlas is larger than one view)."""
        h, w = self.size
        x0, y0, x1, y1 = self.atlas.bounds
        wa, ha = max(1, round((x1 - x0) * w / 2)), max(1, round((y1 - y0) * h / 2))
        dev = self.device
        xs = x0 + (torch.arange(wa, device=dev) + 0.5) * (x1 - x0) / wa
        ys = y0 + (torch.arange(ha, device=dev) + 0.5) * (y1 - y0) / ha
        out = torch.empty(ha, wa, 3, device=dev)
        for r0, r1, q in _row_tiles(xs, ys, rows_per_tile):
            out[r0:r1] = self.atlas(q).reshape(r1 - r0, wa, 3)
        return out

    def render_irradiance(self, index: int | None = None) -> torch.Tensor:
        """All-in-focus linear HDR irradiance ``(H, W, 3)`` (default: the reference view)."""
        return torch.exp2(self.render_log2(self.reference if index is None else index))

    @torch.no_grad()
    def crf_table(self, lo: float, hi: float, steps: int = 256) -> tuple[torch.Tensor, ...]:
        """The learned response on a grid: ``(steps,)`` log2 exposures, ``(steps, 3)`` values."""
        x = torch.linspace(lo, hi, steps, device=self.device)
        return x, self.tonemap(x[:, None].expand(-1, 3))


def _row_tiles(xs: torch.Tensor, ys: torch.Tensor, rows: int):
    """Tiles of ``rows`` rows of the grid ``xs`` ``(W,)`` x ``ys`` ``(H,)``: yields
    ``(r0, r1, (1, T, 2) coordinates (x, y))``."""
    for r0 in range(0, ys.shape[0], rows):
        yy, xx = torch.meshgrid(ys[r0 : r0 + rows], xs, indexing="ij")
        yield r0, r0 + yy.shape[0], torch.stack([xx, yy], dim=-1).reshape(1, -1, 2)
