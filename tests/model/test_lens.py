"""The thin-lens blur (``model.blur = "lens"``): discs whose radius follows one shared depth."""

from __future__ import annotations

import pytest
import torch

from invcam.config import ModelConfig
from invcam.method.camera import patch_grid
from invcam.method.camera.blur import psf_rms
from invcam.method.camera.lens import LensBlur, circle_of_confusion, disc_taps
from invcam.method.imaging import ImagingModel


def test_circle_of_confusion_grows_with_distance_from_focus_and_stays_bounded():
    rho = torch.linspace(-3.0, 3.0, 61)[None]
    one, zero = torch.ones(1, 1), torch.zeros(1, 1)
    c = circle_of_confusion(rho, 0.5 * one, 2.0 * one, zero, 5.0)[0]
    assert c[35].item() < 1e-6                               # rho = phi: sharp
    assert torch.allclose(c[40], c[30])                     # symmetric about the focus
    assert (c[36:].diff() > 0).all() and (c[:35].diff() < 0).all()
    assert abs(c[36].item() - 0.2) < 1e-3                   # a |rho - phi| = 2 * 0.1
    assert c.max() < 5.0                                    # below the bound
    floor = circle_of_confusion(rho, 0.5 * one, 2.0 * one, 0.3 * one, 5.0)[0]
    assert abs(floor[35].item() - 0.3) < 1e-3 and (floor >= c).all()
    assert (circle_of_confusion(rho, 0.5 * one, 2.0 * one, 0.3 * one, 0.0) == 0).all()


def test_disc_taps_spread_the_patch_over_the_disc():
    patch = patch_grid(3)
    radius = torch.tensor([[0.0, 1.5, 3.0]])
    taps = disc_taps(radius, patch)
    assert taps.shape == (1, 3, 9, 2)
    assert taps[0, 0].abs().max() == 0.0
    assert torch.allclose(taps[0, 2, :, 0].unique(), torch.tensor([-2.0, 0.0, 2.0]))
    assert (taps.norm(dim=-1) <= radius[..., None] + 1e-6).all()       # inside the disc
    rms = psf_rms(taps, torch.full((1, 3, 9), 1 / 9))
    assert torch.allclose(rms, radius * (2 / 3) * (4 / 3) ** 0.5, atol=1e-5)


def test_lens_psf_is_sharp_where_the_depth_is_the_images_focus():
    cfg = ModelConfig(blur="lens", lens_cell=4, blur_radius=1e4)
    lens = LensBlur(cfg, 3, (16, 24), (-1.0, -1.0, 1.0, 1.0))
    assert lens.depth.shape == (1, 1, 4, 6)
    assert torch.allclose(lens.focus.detach(), torch.tensor([-1.0, 0.0, 1.0]))
    with torch.no_grad():
        lens.depth.fill_(1.0)                               # the third image's focus
        lens.log_floor.fill_(-20.0)
    u = torch.rand(3, 10, 2) * 2 - 1
    taps, weights = lens(u, torch.arange(3))
    assert taps.shape == (3, 10, 9, 2) and torch.allclose(weights.sum(-1), torch.ones(3, 10))
    rms = psf_rms(taps, weights)
    assert rms[2].max() < 1e-5                               # in focus
    assert torch.allclose(rms[0], 2 * rms[1], rtol=1e-4)     # twice as far from focus
    rms.sum().backward()
    assert lens.depth.grad.abs().sum() > 0 and lens.focus.grad.abs().sum() > 0


def test_imaging_model_with_lens_blur_reads_depth_in_atlas_coordinates():
    torch.manual_seed(0)
    model = ImagingModel(ModelConfig(blur="lens", lens_cell=4), (16, 24), torch.zeros(2), 0)
    with torch.no_grad():                                   # depth: left half 1, right half -1
        model.blur.depth[..., :3] = 1.0
        model.blur.depth[..., 3:] = -1.0
        model.blur.log_floor.fill_(-20.0)
        model.blur.log_aperture.fill_(0.0)                  # 1 px per unit of depth
    left, right = torch.tensor([[[2.0, 8.0]]]), torch.tensor([[[22.0, 8.0]]])
    for centre, sharp in ((left, 1), (right, 0)):           # image 1 focuses at +1, 0 at -1
        rms = [psf_rms(*model.psf(centre, torch.tensor([i]))).item() for i in range(2)]
        assert rms[sharp] < 1e-4 and rms[1 - sharp] > 1.0
    groups = model.param_groups()
    assert set(map(id, groups["lens"])) == set(map(id, model.blur.parameters()))
    out = model(torch.rand(2, 32, 2) * 16, jitter=0.45, gen=torch.Generator().manual_seed(0))
    assert out["color"].shape == (2, 32, 3) and torch.isfinite(out["color"]).all()


def test_lens_start_and_bound_scale_with_the_image_size():
    cfg = ModelConfig(blur="lens", lens_aperture=1.5, blur_radius=5.0)
    small = LensBlur(cfg, 3, (240, 360), (-1.0, -1.0, 1.0, 1.0))
    large = LensBlur(cfg, 3, (600, 900), (-1.0, -1.0, 1.0, 1.0))
    tiny = LensBlur(cfg, 3, (16, 24), (-1.0, -1.0, 1.0, 1.0))
    assert torch.allclose(small.log_aperture.exp(), torch.full((3,), 1.5))
    assert torch.allclose(large.log_aperture.exp(), torch.full((3,), 3.75))
    assert (small.radius, large.radius, tiny.radius) == (5.0, 12.5, 5.0)
    assert large.depth.shape == (1, 1, 75, 112)


@pytest.mark.slow
def test_a_lens_fit_learns_the_scenes_depth_order_and_beats_the_best_input():
    """80x120 demo stack (near, middle and far focus), 300 iterations (~17 s)."""
    import cv2
    import numpy as np
    from fit_helpers import best_input_psnr_mu, fast_config, synth_stack

    from invcam.method.fit import fit
    from invcam.metrics import hdr_metrics
    from invcam.overrides import override
    from invcam.presets import preset

    images, exposures, ref, res = synth_stack((80, 120))
    cfg = fast_config(300, override(preset("fast"), "model.blur=lens"))
    out = fit(images, exposures, cfg, ref)
    pred = out.model.render_irradiance().numpy()
    assert hdr_metrics(pred, res.radiance)["psnr_mu"] > best_input_psnr_mu(res) + 1.0
    focus = out.model.blur.focus.detach()
    assert focus[0] < focus[1] < focus[2]          # image 0 focused nearest, image 2 farthest
    rho = out.model.blur.depth.detach()[0, 0].numpy()
    inverse = cv2.resize((1 / res.depth).astype(np.float32), rho.shape[::-1],
                         interpolation=cv2.INTER_AREA)
    assert np.corrcoef(inverse.ravel(), rho.ravel())[0, 1] < -0.6   # near: rho by phi_0
