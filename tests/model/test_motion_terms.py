"""Moving scenes in the model: base homographies, a wider atlas, flow loss (Eq. 11),
rigidity of D, and the blur-grid smoothness prior."""

from __future__ import annotations

import torch

from invcam.config import LossConfig, ModelConfig
from invcam.method.imaging import ImagingModel
from invcam.method.losses import extra_terms, flow_loss, flow_term, grid_smoothness, rigidity_term
from invcam.method.scene import Atlas
from invcam.method.scene.deformation import apply_homography
from invcam.motion.prior import MotionPrior

SIZE = (24, 32)


def _model(b: int = 2, bounds=None) -> ImagingModel:
    return ImagingModel(ModelConfig(), SIZE, torch.zeros(b), 0, atlas_bounds=bounds)


def _prior(shift_px: float) -> MotionPrior:
    """One pair (0 -> 1) whose flow is a constant horizontal shift, valid everywhere."""
    flows = torch.zeros(1, *SIZE, 2, dtype=torch.float16)
    flows[..., 0] = shift_px
    return MotionPrior(pairs=torch.tensor([[0, 1]]), flows=flows,
                       valid=torch.ones(1, *SIZE, dtype=torch.bool))


def test_flow_loss_zero_for_identity_on_static_pair_and_positive_for_shift():
    model, gen = _model(), torch.Generator().manual_seed(0)
    assert flow_term(model, _prior(0.0), 256, gen).item() == 0.0
    shifted = flow_term(model, _prior(3.0), 256, gen).item()
    assert abs(shifted - (3.0 * 2 / SIZE[1]) ** 2) < 1e-6  # 3 px in normalized units


def test_flow_loss_ignores_invalid_correspondences():
    q = torch.zeros(4, 2)
    q_match = torch.tensor([[0.0, 0.0], [0.0, 0.0], [5.0, 0.0], [5.0, 0.0]])
    valid = torch.tensor([True, True, False, False])
    assert flow_loss(q, q_match, valid).item() == 0.0
    assert flow_loss(q, q_match).item() > 0.0


def test_flow_loss_vanishes_when_deformation_follows_the_motion():
    """Image 1 shifted by +3 px relative to image 0: a base translation of -3 px undoes it."""
    model, gen = _model(), torch.Generator().manual_seed(0)
    mats = torch.eye(3).repeat(2, 1, 1)
    mats[1, 0, 2] = -3.0 * 2 / SIZE[1]
    model.deformation.set_base(mats)
    assert flow_term(model, _prior(3.0), 256, gen).item() < 1e-10


def test_rigidity_zero_for_similarity_and_positive_for_shear():
    model, gen = _model(), torch.Generator().manual_seed(0)
    with torch.no_grad():
        model.deformation.similarity[1] = torch.tensor([0.05, 0.1, 0.02, -0.01])
    assert rigidity_term(model, 512, gen).item() < 1e-6
    mats = torch.eye(3).repeat(2, 1, 1)
    mats[1, 0, 1] = 0.2  # shear
    model.deformation.set_base(mats)
    assert rigidity_term(model, 512, gen).item() > 1e-3


def test_apply_homography_translates_and_scales():
    p = torch.tensor([[[0.5, -0.5]]])
    mats = torch.tensor([[[2.0, 0.0, 0.1], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]])
    assert torch.allclose(apply_homography(p, mats), torch.tensor([[[1.1, -1.0]]]))


def test_wider_atlas_keeps_pixel_resolution_and_renders_its_domain():
    narrow = Atlas(ModelConfig(), SIZE)
    wide = Atlas(ModelConfig(), SIZE, bounds=(-1.0, -1.0, 3.0, 1.0))
    assert wide.encoding.grids[-1].shape[-1] >= 2 * narrow.encoding.grids[-1].shape[-1] - 1
    model = _model(bounds=(-1.0, -1.0, 3.0, 1.0))
    assert tuple(model.render_atlas().shape) == (SIZE[0], 2 * SIZE[1], 3)


def test_blur_smoothness_is_zero_for_constant_grids_only():
    assert grid_smoothness(torch.ones(2, 3, 4, 5)).item() == 0.0
    assert grid_smoothness(torch.randn(2, 3, 4, 5)).item() > 0.0


def test_extra_terms_weights_and_flow_decay():
    model, gen = _model(), torch.Generator().manual_seed(0)
    cfg = LossConfig(flow=100.0, rigidity=0.0)
    start, terms = extra_terms(model, cfg, _prior(2.0), 0.0, gen)
    end, _ = extra_terms(model, cfg, _prior(2.0), 1.0, gen)
    assert set(terms) == {"flow"} and start.item() > 0.0 and end.item() == 0.0
    none, empty = extra_terms(model, LossConfig(), None, 0.5, gen)
    assert none is None and empty == {}
