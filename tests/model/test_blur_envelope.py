"""The PSF's Gaussian envelope (ModelConfig.blur_envelope): starts sharp, moves fast."""

from __future__ import annotations

import math

import pytest
import torch

from invcam.config import ModelConfig, OptimConfig, config_from_dict, config_to_dict
from invcam.method.camera import BlurGenerator, patch_grid
from invcam.method.camera.blur import psf_rms
from invcam.presets import PRESETS


@pytest.mark.parametrize("kind", ["grid", "mlp"])
def test_envelope_sets_the_initial_centre_weight(kind):
    beta = 4.0
    gen = BlurGenerator(ModelConfig(blur=kind, blur_envelope=beta, blur_center_logit=0.0),
                        num_images=2, size=(40, 60))
    _, weights = gen(torch.rand(2, 30, 2) * 2 - 1)
    centre = 1.0 / (1.0 + 4 * math.exp(-beta) + 4 * math.exp(-2 * beta))  # |P|^2: 0, 1, 2
    assert torch.allclose(weights[..., 4], torch.full((2, 30), centre), atol=1e-6)
    assert torch.allclose(weights[..., 0], weights[..., 8])  # symmetric corners


def _fit_psf(cfg: ModelConfig, target: torch.Tensor, steps: int) -> torch.Tensor:
    """Adam on the generator's weights towards ``target`` ``(K,)`` at the fit's rates;
    returns the RMS radius (px) of the resulting PSF."""
    gen = BlurGenerator(cfg, num_images=1, size=(40, 60))
    opt = OptimConfig()
    groups = [{"params": [gen.table], "lr": opt.lr_blur}]
    if cfg.blur_envelope > 0:
        groups.append({"params": [gen.log_envelope], "lr": opt.lr_blur_envelope})
    adam = torch.optim.Adam(groups)
    p = torch.zeros(1, 16, 2)
    for _ in range(steps):
        adam.zero_grad()
        _, w = gen(p)
        ((w - target) ** 2).sum().backward()
        adam.step()
    with torch.no_grad():
        return psf_rms(patch_grid(3), gen(p)[1]).mean()


def test_a_sharp_envelope_widens_in_a_hundred_steps():
    """A defocused image needs a wide PSF: from the same sharp start (about 93 % at the
    centre), the envelope gets there and a large centre logit does not."""
    wide = torch.full((9,), 1.0 / 9.0)
    target_rms = psf_rms(patch_grid(3), wide)
    with_envelope = _fit_psf(ModelConfig(blur_envelope=4.0, blur_center_logit=0.0), wide, 150)
    logit_only = _fit_psf(ModelConfig(blur_center_logit=5.0), wide, 150)
    assert with_envelope > 0.7 * target_rms
    assert logit_only < 0.45 * target_rms


def test_the_envelope_sharpens_to_a_delta():
    delta = torch.zeros(9)
    delta[4] = 1.0
    assert _fit_psf(ModelConfig(blur_envelope=4.0, blur_center_logit=0.0), delta, 300) < 0.1


def test_paper_preset_and_old_files_have_no_envelope():
    assert PRESETS["paper"].model.blur_envelope == 0.0
    data = {**config_to_dict(PRESETS["fast"]), "version": 1}  # written before the envelope
    del data["model"]["blur_envelope"]
    assert config_from_dict(data).model.blur_envelope == 0.0
    gen = BlurGenerator(ModelConfig(blur_envelope=0.0), num_images=1, size=(40, 60))
    assert not hasattr(gen, "log_envelope")
