"""Debevec and Robertson merges (OpenCV) on a tiny synthetic diagonal stack."""

from __future__ import annotations

import numpy as np
from baseline_helpers import (
    input_scores,
    linearize,
    psnr_mu,
    psnr_mu_where,
    unclipped_somewhere,
)

from invcam.baselines import run_baseline
from invcam.baselines.common import to_bgr8
from invcam.baselines.debevec import apply_response, calibrate_merge_debevec
from invcam.io.stack import load_stack


def test_debevec_beats_its_worst_input(synth_stacks):
    folder, res = synth_stacks["diagonal"]
    result = run_baseline("debevec", folder)
    assert result.image.shape == (*res.radiance.shape[:2], 3)
    assert np.isfinite(result.image).all() and result.image.dtype == np.float32
    assert result.images == [e["file"] for e in res.entries]
    assert psnr_mu(result.image, res) > min(input_scores(res))


def test_robertson_beats_its_worst_input_where_any_input_saw(synth_stacks):
    # OpenCV's Robertson merge puts pixels clipped in every input near the *longest*
    # exposure's level (dark holes in highlights), so it is compared where some input
    # is unclipped; on the whole image it falls below the worst true-CRF input here.
    folder, res = synth_stacks["diagonal"]
    result = run_baseline("robertson", folder)
    assert np.isfinite(result.image).all() and result.image.min() >= 0
    seen = unclipped_somewhere(res)
    inputs = [psnr_mu_where(linearize(res, im / 255.0, e["exposure"]), res, seen)
              for im, e in zip(res.images, res.entries, strict=True)]
    assert psnr_mu_where(result.image, res, seen) > min(inputs)


def test_debevec_response_predicts_an_input_it_merged(synth_stacks):
    folder, _ = synth_stacks["all"]
    stack = load_stack(folder)
    times = np.array([im.exposure for im in stack.images], dtype=np.float32)
    images = [to_bgr8(r) for r in stack.raw]
    radiance, response = calibrate_merge_debevec(images, times)
    assert response.shape == (256, 3)
    i = stack.reference
    predicted = apply_response(radiance, float(times[i]), response)
    photo = stack.raw[i] / 255.0
    assert predicted.shape == photo.shape and predicted.min() >= 0 and predicted.max() <= 1
    assert np.mean(np.abs(predicted - photo)) < 0.05
