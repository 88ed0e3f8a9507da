"""Scene model: encodings, deformation (Eq. 1) and atlas (Eq. 2)."""

from __future__ import annotations

import math

import torch

from invcam.config import ModelConfig
from invcam.method.encodings import DenseGrid2D, positional_encoding
from invcam.method.encodings.grid import level_shapes
from invcam.method.scene import Atlas, Deformation
from invcam.method.scene.deformation import apply_similarity


def test_positional_encoding_shape_and_values():
    q = torch.tensor([[0.5, -0.25]])
    out = positional_encoding(q, 3)
    assert out.shape == (1, 2 * 7)
    assert torch.allclose(out[0, :2], q[0])
    assert torch.isclose(out[0, 2], torch.sin(torch.tensor(math.pi * 0.5)))


def test_level_shapes_grow_geometrically_and_keep_aspect():
    shapes = level_shapes((60, 90), levels=4, base=8, finest=64)
    assert shapes[0][1] == 8 and shapes[-1][1] == 64
    assert all(abs(h / w - 60 / 90) < 0.15 for h, w in shapes)


def test_dense_grid_reads_bilinear_values():
    grid = DenseGrid2D((2, 2), levels=1, features=1, base=2, finest=2)
    with torch.no_grad():
        grid.grids[0].copy_(torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]]))
    # cell centres of a 2x2 grid sit at +-0.5 (align_corners=False)
    q = torch.tensor([[[-0.5, -0.5], [0.5, 0.5], [0.0, 0.0]]])
    assert torch.allclose(grid(q)[0, :, 0], torch.tensor([0.0, 3.0, 1.5]))


def test_dense_grid_regrouping_matches_per_group_reads(monkeypatch):
    torch.manual_seed(0)
    grid = DenseGrid2D((20, 30), levels=3, features=2, base=4, finest=30, init_scale=1.0)
    q = torch.rand(3, 7, 2) * 2 - 1  # 21 points: not a multiple of 2 or 4 groups
    expected = torch.cat([torch.nn.functional.grid_sample(
        g.expand(3, -1, -1, -1), q[:, :, None], padding_mode="border",
        align_corners=False)[..., 0]
        for g in grid.grids], dim=1).transpose(1, 2)
    for threads in (1, 2, 4):
        monkeypatch.setattr(torch, "get_num_threads", lambda t=threads: t)
        assert torch.allclose(grid(q), expected, atol=1e-6)


def test_deformation_starts_at_identity():
    d = Deformation(ModelConfig(), num_images=3, size=(30, 40), reference=1)
    p = torch.rand(3, 20, 2) * 2 - 1
    assert torch.allclose(d(p), p, atol=1e-6)


def test_reference_similarity_is_fixed():
    d = Deformation(ModelConfig(), num_images=2, size=(30, 40), reference=0)
    with torch.no_grad():
        d.similarity.fill_(0.3)
    p = torch.rand(2, 10, 2) * 2 - 1
    q = d(p)
    assert torch.allclose(q[0], p[0], atol=1e-6)
    assert not torch.allclose(q[1], p[1], atol=1e-2)


def test_similarity_scales_about_centre_isotropically_in_pixels():
    aspect = torch.tensor([1.0, 0.5])  # W = 2H
    params = torch.tensor([[math.log(1.02), 0.0, 0.0, 0.0]])
    p = torch.tensor([[[1.0, 1.0], [0.0, 0.0]]])
    q = apply_similarity(p, params, aspect)
    assert torch.allclose(q, p * 1.02)
    rot = torch.tensor([[0.0, math.pi / 2, 0.0, 0.0]])
    # a point on the right edge (x=1, i.e. W/2 px) rotates to y = W/2 px = 2 in normalized y
    assert torch.allclose(apply_similarity(torch.tensor([[[1.0, 0.0]]]), rot, aspect),
                          torch.tensor([[[0.0, 2.0]]]), atol=1e-6)


def test_atlas_output_shape_and_bias():
    for kind in ("grid", "pe"):
        a = Atlas(ModelConfig(atlas=kind, atlas_hidden=16, atlas_layers=1), (20, 30))
        with torch.no_grad():
            a.bias.fill_(-3.0)
        out = a(torch.zeros(2, 5, 2))
        assert out.shape == (2, 5, 3)
        assert (out - -3.0).abs().max() < 1.0



def test_entry_points_check_shapes_at_run_time():
    import pytest
    import torch

    from invcam.method.encodings import sample_grid
    from invcam.method.imaging import ImagingModel
    from invcam.presets import PRESETS

    grid = torch.zeros(3, 4, 5, 6)
    assert sample_grid(grid, torch.zeros(3, 7, 2)).shape == (3, 7, 4)
    assert sample_grid(grid[:1], torch.zeros(2, 7, 2)).shape == (2, 7, 4)  # shared grid
    with pytest.raises(ValueError, match=r"q must have shape \(S, N, 2\), got \(3, 7, 3\)"):
        sample_grid(grid, torch.zeros(3, 7, 3))
    with pytest.raises(ValueError, match="grid has 3 groups, q has 2"):
        sample_grid(grid, torch.zeros(2, 7, 2))
    model = ImagingModel(PRESETS["fast"].model, (16, 24), torch.zeros(2), 0)
    assert model(torch.full((2, 5, 2), 8.0))["color"].shape == (2, 5, 3)
    with pytest.raises(ValueError, match=r"centers must have shape \(S, N, 2\)"):
        model(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="index must have shape"):
        model(torch.zeros(2, 5, 2), index=torch.zeros(3, dtype=torch.long))


def test_every_parameter_has_exactly_one_optimizer_group():
    import dataclasses

    import torch

    from invcam.method.fit import _make_optimizer
    from invcam.method.imaging import ImagingModel
    from invcam.presets import PRESETS

    for name, cfg in PRESETS.items():
        model_cfg = dataclasses.replace(cfg.model, blur_envelope=4.0)
        model = ImagingModel(model_cfg, (16, 24), torch.zeros(3), 1, learn_exposure=True)
        groups = model.param_groups()
        declared = [id(p) for params in groups.values() for p in params]
        assert sorted(declared) == sorted(id(p) for p in model.parameters()), name
        assert len(set(declared)) == len(declared), name
        rates = {g["lr"] for g in _make_optimizer(model, cfg.optim).param_groups}
        assert cfg.optim.lr_similarity in rates and cfg.optim.lr_tone in rates, name
    assert model.num_images == 3 and model.device == torch.device("cpu")
