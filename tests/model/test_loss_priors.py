"""The censored colour loss and the priors on D's residual grid."""

from __future__ import annotations

import dataclasses

import torch

from invcam.config import LossConfig
from invcam.method.fit_setup import build_model, evidence_anchor, steady_start
from invcam.method.losses import (
    CLIPPED,
    color_loss,
    extra_terms,
    follow_target,
    residual_px,
    temporal_targets,
)
from invcam.motion.prior import MotionPrior
from invcam.presets import preset


def test_censored_loss_treats_clipped_values_as_lower_bounds():
    target = torch.tensor([[[1.0, 1.0, 0.5]]])
    above = torch.tensor([[[0.999, 0.9995, 0.5]]])
    below = torch.tensor([[[0.9, 0.999, 0.5]]])
    assert color_loss(above, target, censor=True) == 0.0
    assert color_loss(above, target, censor=False) > 0.0
    expected = (0.9 - CLIPPED) ** 2 / 3
    assert torch.isclose(color_loss(below, target, censor=True), torch.tensor(expected))


def test_censored_loss_keeps_unclipped_errors():
    target = torch.tensor([[[0.2, 0.6, 0.98]]])
    pred = torch.tensor([[[0.3, 0.5, 0.99]]])
    assert torch.isclose(color_loss(pred, target, censor=True),
                         color_loss(pred, target, censor=False))


def _grid_model(size=(32, 48)):
    cfg = preset("fast")
    cfg = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, deform="grid",
                                                             deform_cell=8))
    images = torch.rand(2, size[0] * size[1], 3)
    model = build_model(cfg, size, images, [1.0, 0.25], 0)
    model.deformation.anchor = None  # the prior acts on every cell
    return model


def test_deform_prior_is_the_mean_squared_residual_in_pixels():
    model = _grid_model()
    with torch.no_grad():
        model.deformation.residual.zero_()
        model.deformation.residual[:, 0] = 2.0 / 48  # one pixel in x everywhere
    res = residual_px(model)
    assert torch.allclose(res[:, 0], torch.ones_like(res[:, 0]))
    cfg = LossConfig(deform_prior=2.0)
    gen = torch.Generator().manual_seed(0)
    total, terms = extra_terms(model, cfg, None, 0.0, gen)
    assert abs(terms["deform_prior"] - 0.5) < 1e-6  # x: 1 px^2, y: 0
    assert abs(total.item() - 1.0) < 1e-6
    cfg = LossConfig(deform_smooth=1.0)
    _, terms = extra_terms(model, cfg, None, 0.0, gen)
    assert terms["deform_smooth"] < 1e-10  # a constant field is smooth


def test_deform_prior_pulls_an_unconstrained_residual_back():
    model = _grid_model()
    with torch.no_grad():
        model.deformation.residual.normal_(0.0, 0.05)
    opt = torch.optim.Adam([model.deformation.residual], lr=1e-3)
    cfg = LossConfig(deform_prior=1.0)
    start = residual_px(model).abs().mean().item()
    for _ in range(200):
        total, _ = extra_terms(model, cfg, None, 0.0, torch.Generator())
        opt.zero_grad()
        total.backward()
        opt.step()
    assert residual_px(model).abs().mean().item() < 0.2 * start


def test_anchor_marks_places_without_evidence():
    """1 where the image is clipped or black, or where no other image is usable."""
    h, w = 4, 6
    a = torch.full((h, w, 3), 0.5)
    b = torch.full((h, w, 3), 0.5)
    a[:, :2] = 1.0          # a clipped on the left: a has nothing there, b alone sees it
    b[:, 4:] = 0.0          # b black on the right: a alone sees it
    anchor = evidence_anchor(torch.stack([a, b]).reshape(2, h * w, 3), (h, w))
    assert anchor.shape == (2, 1, h, w)
    assert anchor[0, 0, :, :2].eq(1).all() and anchor[1, 0, :, :2].eq(1).all()
    assert anchor[0, 0, :, 4:].eq(1).all() and anchor[1, 0, :, 4:].eq(1).all()
    assert anchor[:, 0, :, 2:4].eq(0).all()  # both see the middle


def test_anchor_holds_the_residual_only_where_there_is_no_evidence():
    model = _grid_model((32, 48))
    weight = torch.zeros(2, 1, 32, 48)
    weight[:, :, :, :24] = 1.0
    model.deformation.set_anchor(weight)
    with torch.no_grad():
        model.deformation.residual.fill_(2.0 / 48)  # 1 px in x and 2/3 px in y
    cfg = LossConfig(deform_prior=1.0)
    _, terms = extra_terms(model, cfg, None, 0.0, torch.Generator())
    full = (residual_px(model) ** 2).mean().item()
    assert abs(terms["deform_prior"] - full / 2) < 1e-6  # half of the cells are held


def test_temporal_targets_blend_the_neighbours_and_extrapolate_at_the_ends():
    q = torch.tensor([0.0, 1.0, 5.0, 3.0])[:, None, None].expand(-1, 1, 2)
    out = temporal_targets(q)[:, 0, 0]
    assert torch.allclose(out, torch.tensor([-3.0, 2.5, 2.0, 9.0]))


def test_a_frame_without_evidence_takes_its_motion_from_its_neighbours():
    """Frame 1 is black everywhere (anchor 1): the temporal prior moves it to the mean of
    frames 0 and 2, which see the scene, and the zero-residual prior gives way to it there;
    the frames that see the scene are left where they are."""
    size = (32, 48)
    cfg = preset("fast")
    cfg = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, deform="grid",
                                                             deform_cell=8))
    model = build_model(cfg, size, torch.rand(3, size[0] * size[1], 3), [1.0, 0.5, 0.25], 1)
    deform = model.deformation
    deform.anchor = torch.zeros_like(deform.residual[:, :1])
    deform.anchor[1] = 1.0
    px = 2.0 / size[1]
    with torch.no_grad():
        deform.residual.zero_()
        deform.residual[0, 0] = 2.0 * px
        deform.residual[2, 0] = 4.0 * px
    opt = torch.optim.Adam([deform.residual], lr=1e-3)
    loss_cfg = LossConfig(deform_prior=1.0, deform_temporal=1.0)
    for _ in range(400):
        total, terms = extra_terms(model, loss_cfg, None, 0.0, torch.Generator())
        opt.zero_grad()
        total.backward()
        opt.step()
    res = residual_px(model)[:, 0]
    assert torch.allclose(res[1], torch.full_like(res[1], 3.0), atol=0.1)
    assert torch.allclose(res[0], torch.full_like(res[0], 2.0), atol=1e-6)
    assert torch.allclose(res[2], torch.full_like(res[2], 4.0), atol=1e-6)
    assert terms["deform_temporal"] < 0.01


def _pan(b: int, size=(16, 24), step=2.0) -> torch.Tensor:
    """``(B, H, W, 2)`` correspondences of a camera panning ``step`` px per frame."""
    h, w = size
    ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")
    grid = torch.stack([xs, ys], dim=-1)
    return torch.stack([grid + torch.tensor([step * (t - 1), 0.0]) for t in range(b)])


def test_steady_start_passes_constant_motion_and_fails_a_jump():
    corr = _pan(5)
    assert steady_start(corr, 0.5).eq(1).all()  # constant velocity, the ends included
    corr[2, :8, :12] += torch.tensor([3.0, 0.0])  # a bad fill in one frame's corner
    corr[4, 10:, 20:] = float("nan")
    steady = steady_start(corr, 0.5)
    assert steady.shape == (5, 1, 16, 24)
    assert steady[2, 0, :8, :12].eq(0).all() and steady[2, 0, 8:].eq(1).all()
    assert steady[1, 0, :8, :12].eq(0).all()  # its neighbours' blend is 1.5 px off too
    assert steady[4, 0, 10:, 20:].eq(0).all() and steady[0, 0, 8:].eq(1).all()
    assert steady_start(corr[:2], 0.5).eq(1).all()  # two frames: no time to compare


def test_the_prior_holds_a_clipped_frame_only_where_its_start_is_steady():
    size, b = (16, 24), 5
    images = torch.ones(b, size[0] * size[1], 3)  # clipped everywhere: no evidence at all
    corr = _pan(b, size)
    corr[1, :, :12] += torch.tensor([4.0, 0.0])  # frame 1's left half filled 4 px off
    cfg = preset("moving")
    prior = MotionPrior(correspondence=corr)
    anchor = build_model(cfg, size, images, [1.0] * b, 0, prior).deformation.anchor
    assert anchor[1, 0, :, 2:].eq(1).all() and anchor[1, 0, :, :1].eq(0).all()
    assert anchor[3:].eq(1).all()  # frames whose blend does not draw on frame 1
    off = dataclasses.replace(cfg, loss=dataclasses.replace(cfg.loss, deform_steady=0.0))
    assert build_model(off, size, images, [1.0] * b, 0, prior).deformation.anchor.eq(1).all()


def test_follow_target_is_the_evidence_weighted_mean_of_the_frames_around():
    res = torch.arange(6.0)[:, None, None, None].expand(6, 2, 3, 4).clone()
    evidence = torch.ones(6, 1, 3, 4)
    evidence[1] = 0.0  # frame 1 sees nothing
    target = follow_target(res, evidence, 1)
    assert torch.allclose(target[2], torch.full((2, 3, 4), 3.0))  # frame 3 alone
    assert torch.allclose(target[3], torch.full((2, 3, 4), 3.0))  # (2 + 4) / 2
    assert torch.allclose(target[0], torch.zeros(2, 3, 4))  # nothing seen around it
    wide = follow_target(res, evidence, 2)  # frames 0, 2 at distance 1, frame 3 at 2 (half)
    assert torch.allclose(wide[1], torch.full((2, 3, 4), (0.0 + 2.0 + 3.0 * 0.5) / 2.5))
    assert follow_target(res, torch.zeros(6, 1, 3, 4), 3).eq(0).all()
    far = torch.zeros(6, 1, 3, 4)
    far[2] = 1.0  # frame 0's only seeing frame is two steps away: half a frame, not enough
    assert follow_target(res, far, 2)[0].eq(0).all()


def test_follow_target_matches_a_frame_by_frame_mean():
    gen = torch.Generator().manual_seed(1)
    for b, reach in ((7, 3), (4, 9), (2, 1), (1, 3)):
        res = torch.randn(b, 2, 5, 6, generator=gen)
        evidence = (torch.rand(b, 1, 5, 6, generator=gen) > 0.3) * torch.rand(b, 1, 5, 6,
                                                                                generator=gen)
        want = torch.zeros_like(res)
        for t in range(b):
            w = [(evidence[s] / abs(s - t), res[s]) for s in range(b)
                 if s != t and abs(s - t) <= reach]
            total = sum((x for x, _ in w), torch.zeros(1, 5, 6))
            mean = sum((x * r for x, r in w), torch.zeros(2, 5, 6)) / total.clamp(min=1e-6)
            want[t] = torch.where(total > 0.5, mean, 0.0)
        assert torch.allclose(follow_target(res, evidence, reach), want, atol=1e-6)


def test_a_blind_residual_follows_the_frames_that_see_the_place():
    size, b = (16, 24), 3
    images = torch.rand(b, size[0] * size[1], 3) * 0.5 + 0.25
    images[1] = 1.0  # the middle frame is clipped everywhere
    cfg = preset("moving")
    loss = dataclasses.replace(cfg.loss, rigidity=0.0, flow=0.0)  # the prior alone
    model = build_model(cfg, size, images, [1.0] * b, 0, MotionPrior(correspondence=_pan(b, size)))
    with torch.no_grad():
        model.deformation.residual[[0, 2]] = 0.05  # the seeing frames moved by the fit
    opt = torch.optim.Adam([model.deformation.residual], lr=1e-3)
    for _ in range(150):
        total, _ = extra_terms(model, loss, None, 0.0, torch.Generator())
        opt.zero_grad()
        total.backward()
        opt.step()
    moved = model.deformation.residual.detach()
    assert torch.allclose(moved[1], torch.full_like(moved[1], 0.05), atol=0.01)
    assert torch.allclose(moved[[0, 2]], torch.full_like(moved[[0, 2]], 0.05))  # free
    held = dataclasses.replace(loss, deform_follow=0)
    total, terms = extra_terms(model, held, None, 0.0, torch.Generator())
    assert terms["deform_prior"] > 0  # held at zero, the same residual costs
