"""Mertens exposure fusion (OpenCV) on a tiny synthetic diagonal stack."""

from __future__ import annotations

import numpy as np
from baseline_helpers import input_scores, psnr_mu

from invcam.baselines import run_baseline


def test_mertens_is_display_referred(synth_stacks):
    folder, _ = synth_stacks["diagonal"]
    result = run_baseline("mertens", folder)
    assert result.info["display_referred"] is True
    assert result.image.min() >= 0 and result.image.max() < 2  # display values
    assert np.isfinite(result.image).all()


def test_mertens_beats_its_worst_input(synth_stacks):
    folder, res = synth_stacks["diagonal"]
    assert psnr_mu(run_baseline("mertens", folder).image, res) > min(input_scores(res))


def test_mertens_shows_what_the_longest_exposure_clips(synth_stacks):
    """Exposure fusion takes each region from an input that exposes it well: less clipped
    white than the longest exposure, and detail where that exposure is clipped."""
    folder, res = synth_stacks["diagonal"]
    fused = run_baseline("mertens", folder).image.max(axis=-1)
    times = [e["exposure"] for e in res.entries]
    longest = res.images[int(np.argmax(times))].max(axis=-1) / 255.0
    clipped = longest >= 0.99
    assert clipped.mean() > 0.1  # the stack tests something
    assert np.mean(fused >= 0.99) < 0.5 * clipped.mean()
    assert fused[clipped].std() > 0.05 > longest[clipped].std()
