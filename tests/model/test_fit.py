"""End-to-end fits on a tiny synthetic stack (48x64, a few hundred iterations)."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from fit_helpers import best_input_psnr_mu, fast_config

from invcam.method.fit import FitDiverged, fit
from invcam.metrics import hdr_metrics

pytestmark = pytest.mark.slow  # every test here runs or shares a fit

ITERS = 400


def _cfg(iters=ITERS, **optim):
    return fast_config(iters, **optim)


@pytest.fixture(scope="module")
def known_fit(tiny_stack):
    images, exposures, ref, _ = tiny_stack
    return fit(images, exposures, _cfg(), ref)


@pytest.fixture(scope="module")
def unknown_fit(tiny_stack):
    images, exposures, ref, _ = tiny_stack
    return fit(images, [None] * len(exposures), _cfg(), ref)


def test_fit_beats_best_input_image(known_fit, tiny_stack):
    res = tiny_stack[3]
    pred = known_fit.model.render_irradiance().numpy()
    ours = hdr_metrics(pred, res.radiance)["psnr_mu"]
    assert ours > best_input_psnr_mu(res) + 1.0
    assert min(known_fit.train_psnr) > 30.0


def test_tonemap_monotone_and_white_balanced_after_fit(known_fit):
    x, values = known_fit.model.crf_table(-14, 14, 1024)
    assert (values[1:] - values[:-1] >= -1e-4).all()
    assert values[0].max() < 0.1 and values[-1].min() > 0.9  # black to white
    t0 = known_fit.model.tonemap(torch.zeros(1, 3)).detach()
    assert (t0 - 0.5).abs().max() < 0.02


def test_known_exposures_stay_fixed(known_fit, tiny_stack):
    exposures = torch.tensor(tiny_stack[1]).log2()
    assert torch.allclose(known_fit.model.log2_exposures(), exposures.float())


def test_withheld_exposures_are_learned_in_their_true_order(unknown_fit, tiny_stack):
    _, exposures, _, _ = tiny_stack
    learned = unknown_fit.model.log2_exposures().detach()
    assert unknown_fit.model.learn_exposure
    assert torch.argsort(learned).tolist() == sorted(range(3), key=lambda i: exposures[i])


def test_a_fit_without_exposure_times_beats_the_best_input(unknown_fit, tiny_stack):
    res = tiny_stack[3]
    pred = unknown_fit.model.render_irradiance().numpy()
    assert hdr_metrics(pred, res.radiance)["psnr_mu"] > best_input_psnr_mu(res)


def test_resume_continues_with_the_same_loss(tiny_stack):
    images, exposures, ref, _ = tiny_stack
    cfg = dataclasses.replace(_cfg(iters=60), log_every=1)
    saved = {}

    def keep(state):
        if state["iteration"] == 30:
            saved["state"] = state

    full = fit(images, exposures, cfg, ref, on_checkpoint=keep, checkpoint_every_s=0.0)
    resumed = fit(images, exposures, cfg, ref, resume=saved["state"])
    assert resumed.history[30]["iteration"] == 31
    assert resumed.iterations == full.iterations == 60
    for a, b in zip(full.history[30:], resumed.history[30:], strict=True):
        assert a["iteration"] == b["iteration"]
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)


def test_a_paused_fit_resumes_on_the_same_schedule(tiny_stack):
    """``pause_at`` stops at that share of the budget; resuming its final state continues
    the same schedule (learning rates), to the same losses as an unpaused fit."""
    images, exposures, ref, _ = tiny_stack
    cfg = dataclasses.replace(_cfg(iters=60), log_every=1)
    full = fit(images, exposures, cfg, ref)
    paused = fit(images, exposures, cfg, ref, pause_at=0.25)
    assert paused.iterations == 15 and not paused.interrupted
    resumed = fit(images, exposures, cfg, ref, resume=paused.final_state)
    assert resumed.iterations == 60
    for a, b in zip(full.history[15:], resumed.history[15:], strict=True):
        assert a["lr"] == pytest.approx(b["lr"])
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)


def test_divergence_stops_and_rolls_back(tiny_stack):
    images, exposures, ref, _ = tiny_stack
    bad = images.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(FitDiverged, match="non-finite loss"):
        fit(bad, exposures, _cfg(iters=2000), ref)
