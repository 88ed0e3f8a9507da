"""Blur generator (Eq. 4-6), tone mapper (Eq. 9) and losses (Eq. 10-13)."""

from __future__ import annotations

import torch

from invcam.config import ModelConfig
from invcam.method.camera import BlurGenerator, ToneMapper, blur_irradiance, patch_grid
from invcam.method.camera.blur import antithetic_jitter, bounded_offsets, jitter_taps
from invcam.method.losses import color_loss, focus_weight, gradient_loss, white_balance_loss


def test_patch_grid_is_centred_3x3():
    p = patch_grid(3)
    assert p.shape == (9, 2)
    assert torch.equal(p[4], torch.zeros(2))
    assert p.abs().max() == 1 and torch.allclose(p.sum(0), torch.zeros(2))


def test_zero_offsets_and_one_hot_centre_weight_is_identity():
    r = torch.rand(2, 50, 9, 3) + 0.1
    weights = torch.zeros(2, 50, 9)
    weights[..., 4] = 1.0
    assert torch.equal(blur_irradiance(r, weights), r[:, :, 4])


def test_generator_with_huge_centre_logit_and_zero_table_is_identity():
    cfg = ModelConfig(blur_center_logit=80.0)
    gen = BlurGenerator(cfg, num_images=2, size=(20, 30))
    offsets, weights = gen(torch.rand(2, 40, 2) * 2 - 1)
    assert torch.equal(offsets, torch.zeros_like(offsets))
    assert torch.allclose(weights[..., 4], torch.ones(2, 40))


def test_weights_sum_to_one_and_offsets_stay_within_s():
    cfg = ModelConfig(blur_radius=5.0)
    gen = BlurGenerator(cfg, num_images=3, size=(20, 30))
    with torch.no_grad():
        gen.table.normal_(0, 50.0)  # far outside the bounded range
    offsets, weights = gen(torch.rand(3, 100, 2) * 2 - 1)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 100), atol=1e-6)
    assert (weights >= 0).all()
    assert offsets.norm(dim=-1).max() <= 5.0 + 1e-5
    assert offsets.norm(dim=-1).max() > 4.0  # the bound is reachable


def test_bounded_offsets_keep_direction():
    raw = torch.tensor([[[3.0, 4.0]]])
    off = bounded_offsets(raw, 2.0)
    assert torch.allclose(off / off.norm(), raw / 5.0)


def test_tonemap_starts_plausible_monotone_and_mid_grey_at_zero():
    t = ToneMapper(hidden=16, slope=0.8)
    x = torch.linspace(-10, 10, 201)[:, None].expand(-1, 3)
    y = t(x).detach()
    assert torch.allclose(t(torch.zeros(1, 3)), torch.full((1, 3), 0.5))
    assert (y[1:] >= y[:-1]).all()
    assert y[0].max() < 0.01 and y[-1].min() > 0.99  # spans black to white over ~20 stops


def test_tonemap_inverse_round_trip():
    t = ToneMapper()
    x = torch.linspace(-6, 6, 13)[:, None].expand(-1, 3)
    assert torch.allclose(t.inverse(t(x).detach()), x, atol=1e-3)


def test_gradient_loss_zero_for_monotone_positive_for_decreasing():
    t = ToneMapper()
    assert gradient_loss(t, -8, 8, 64).item() == 0.0
    with torch.no_grad():
        t.slope.fill_(-0.5)
    assert gradient_loss(t, -8, 8, 64).item() > 0.01


def test_white_balance_loss_measures_distance_from_c0():
    t = ToneMapper()
    assert white_balance_loss(t, 0.5).item() < 1e-12
    with torch.no_grad():
        t.offset.fill_(1.0)
    expected = 3 * (torch.sigmoid(torch.tensor(1.0)) - 0.5) ** 2
    assert torch.isclose(white_balance_loss(t, 0.5), expected)


def test_relative_color_loss_weighs_dark_errors_more():
    target = torch.tensor([[0.05, 0.05, 0.05], [0.9, 0.9, 0.9]])
    dark_err = target + torch.tensor([[0.02, 0.02, 0.02], [0.0, 0.0, 0.0]])
    bright_err = target + torch.tensor([[0.0, 0.0, 0.0], [0.02, 0.02, 0.02]])
    # plain MSE (Eq. 10) cannot tell the two apart
    assert torch.isclose(color_loss(dark_err, target), color_loss(bright_err, target))
    rel_dark, rel_bright = color_loss(dark_err, target, 0.1), color_loss(bright_err, target, 0.1)
    ratio = ((0.9 + 0.1) / (0.05 + 0.1)) ** 2
    assert torch.isclose(rel_dark / rel_bright, torch.tensor(ratio), rtol=1e-4)
    assert color_loss(target, target, 0.1) == 0


def test_focus_weight_favours_the_sharp_image_and_scales_the_loss():
    spread = torch.tensor([[0.0, 1.0, 3.0]])
    w = focus_weight(spread, 1.0)
    assert torch.allclose(w, torch.tensor([[1.0, 0.5, 0.1]]))
    assert focus_weight(spread, 0.0) is None
    # a sample with error 0.1 in focus and one with error 0.1 out of focus
    pred, target = torch.tensor([[[0.6] * 3, [0.5] * 3]]), torch.full((1, 2, 3), 0.5)
    sharp = color_loss(pred, target, weight=torch.tensor([[1.0, 0.1]]))
    blurry = color_loss(pred.flip(1), target, weight=torch.tensor([[1.0, 0.1]]))
    assert torch.isclose(sharp / blurry, torch.tensor(10.0))


def test_robust_color_loss_is_mse_for_small_errors_and_linear_for_large_ones():
    target = torch.full((1, 1, 3), 0.5)
    small = color_loss(target + 1e-3, target, 1.0, robust=0.03)
    assert torch.isclose(small, color_loss(target + 1e-3, target, 1.0), rtol=1e-3)
    # relative error r = 0.3 / 1.5 = 0.2; pseudo-Huber 2 d^2 (sqrt(1 + r^2 / d^2) - 1) on
    # it, back on the scale of the squared error (times 1.5^2) like the MSE it replaces
    r, d = 0.3 / 1.5, 0.03
    big = color_loss(target + 0.3, target, 1.0, robust=d)
    rho = 2 * d**2 * ((1 + r**2 / d**2) ** 0.5 - 1) * 1.5**2
    assert torch.isclose(big, torch.tensor(rho), rtol=1e-4)
    doubled = color_loss(target + 0.6, target, 1.0, robust=d)
    assert 1.9 < doubled / big < 2.3  # nearly linear growth (MSE would give 4x)


def test_robust_color_loss_keeps_clipped_observations_squared():
    target = torch.tensor([[[1.0, 1.0, 1.0]]])  # clipped in every channel
    pred = target - 0.4
    assert torch.isclose(color_loss(pred, target, 1.0, robust=0.03), color_loss(pred, target, 1.0))


def test_centered_psf_has_its_centroid_on_the_pixel():
    from invcam.method.imaging import ImagingModel

    torch.manual_seed(0)
    for centered in (True, False):
        model = ImagingModel(ModelConfig(blur_centered=centered), (20, 30), torch.zeros(2), 0)
        with torch.no_grad():
            model.blur.table.normal_(0.0, 1.0)
        taps, weights = model.psf(torch.rand(2, 50, 2) * 20, torch.arange(2))
        centroid = (weights[..., None] * taps).sum(-2).norm(dim=-1)
        if centered:
            assert centroid.max() < 1e-5
        else:  # the paper's free offsets shift the PSF
            assert centroid.max() > 0.1


def test_jitter_moves_taps_within_their_box_and_leaves_sharp_psfs():
    gen = torch.Generator().manual_seed(0)
    taps = patch_grid(3).expand(2, 4000, 9, 2)
    spread = torch.tensor([0.0, 2.0])[:, None].expand(2, 4000)
    assert jitter_taps(taps, spread, 0.0, gen) is taps
    moved = jitter_taps(taps, spread, 0.5, gen) - taps
    assert moved[0].abs().max() == 0.0                      # a sharp PSF stays sharp
    assert moved[1].abs().max() <= 1.0 + 1e-6               # a = 0.5 * 2 px
    # uniform in [-1, 1]^2: zero mean, variance 1/3 per coordinate
    assert moved[1].mean().abs() < 0.02 and abs(moved[1].var().item() - 1 / 3) < 0.02


def test_jitter_changes_training_renders_only():
    from invcam.method.imaging import ImagingModel

    torch.manual_seed(0)
    model = ImagingModel(ModelConfig(blur_center_logit=0.0), (16, 24), torch.zeros(2), 0)
    with torch.no_grad():
        for p in model.atlas.parameters():
            p.normal_(0.0, 0.5)
    centers = torch.rand(2, 64, 2) * 16
    plain = model(centers)["color"]
    assert torch.equal(plain, model(centers, jitter=0.0)["color"])
    gen = torch.Generator().manual_seed(1)
    jittered = model(centers, jitter=0.5, gen=gen)
    assert (jittered["color"] - plain).abs().max() > 1e-3   # a flat PSF is jittered
    assert torch.equal(jittered["psf_rms"], model(centers)["psf_rms"])


def test_antithetic_jitter_pairs_each_offset_with_its_opposite():
    gen = torch.Generator().manual_seed(0)
    taps = patch_grid(3).expand(2, 500, 9, 2)
    weights = torch.softmax(torch.randn(2, 500, 9), -1)
    spread = torch.tensor([0.0, 2.0])[:, None].expand(2, 500)
    moved, halves = antithetic_jitter(taps, weights, spread, 0.5, gen)
    assert moved.shape == (2, 500, 18, 2) and halves.shape == (2, 500, 18)
    plus, minus = moved[..., :9, :] - taps, moved[..., 9:, :] - taps
    assert torch.equal(plus, -minus) and plus[0].abs().max() == 0.0
    assert plus[1].abs().max() <= 1.0 + 1e-6 and plus[1].abs().max() > 0.9
    assert torch.allclose(halves.sum(-1), torch.ones(2, 500))
    # the centroid of every PSF stays where it was: no shift from the jitter
    centroid = lambda t, w: (w[..., None] * t).sum(-2)  # noqa: E731
    assert torch.allclose(centroid(moved, halves), centroid(taps, weights), atol=1e-6)


def test_antithetic_jitter_renders_a_linear_scene_without_variance():
    """On a linear ramp of irradiance a pair's errors cancel: two draws give one render,
    where plain jitter gives two."""
    from invcam.method.imaging import ImagingModel

    renders = {}
    for antithetic in (False, True):
        torch.manual_seed(0)
        cfg = ModelConfig(blur_center_logit=0.0, blur_jitter_antithetic=antithetic)
        model = ImagingModel(cfg, (16, 24), torch.zeros(1), 0)
        model.sharp_log2 = lambda p, index: torch.log2(2.0 + p[..., :1]).expand(
            *p.shape[:-1], 3)
        centers = torch.rand(1, 64, 2) * torch.tensor([24.0, 16.0])
        gens = [torch.Generator().manual_seed(s) for s in (1, 2)]
        renders[antithetic] = [torch.exp2(model(centers, jitter=0.5, gen=g)["x"])
                               for g in gens]
    plain, paired = renders[False], renders[True]
    assert (plain[0] - plain[1]).abs().max() > 1e-3
    assert (paired[0] - paired[1]).abs().max() < 1e-5


def test_psf_prior_adds_the_mean_squared_radius_and_pulls_psfs_sharp():
    from invcam.config import LossConfig
    from invcam.method.losses import total_loss

    tone = ToneMapper(16, 0.8)
    pred = target = torch.full((2, 8, 3), 0.5)
    radius = torch.tensor([[0.0] * 8, [2.0] * 8], requires_grad=True)
    off, _ = total_loss(LossConfig(), pred, target, tone, (-4.0, 4.0), radius)
    on, terms = total_loss(LossConfig(psf_prior=0.1), pred, target, tone, (-4.0, 4.0), radius)
    assert abs(terms["psf_prior"] - 2.0) < 1e-6          # mean of 0 and 4 px^2
    assert abs((on - off).item() - 0.2) < 1e-6
    on.backward()
    assert radius.grad[0].abs().max() == 0.0 and (radius.grad[1] > 0).all()
