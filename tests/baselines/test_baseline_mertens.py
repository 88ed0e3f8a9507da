"""Mertens exposure fusion (OpenCV) on a tiny synthetic diagonal stack."""

from __future__ import annotations

import numpy as np
from baseline_helpers import input_scores, psnr_mu

from invcam.baselines import run_baseline


def test_mertens_beats_its_worst_input_and_is_display_referred(synth_stacks):
    folder, res = synth_stacks["diagonal"]
    result = run_baseline("mertens", folder)
    assert result.info["display_referred"] is True
    assert result.radiance.min() >= 0 and result.radiance.max() < 2  # display values
    assert np.isfinite(result.radiance).all()
    assert psnr_mu(result.radiance, res) > min(input_scores(res))


def test_mertens_shows_what_the_longest_exposure_clips(synth_stacks):
    """Exposure fusion takes each region from an input that exposes it well: less clipped
    white than the longest exposure, and detail where that exposure is clipped."""
    folder, res = synth_stacks["diagonal"]
    fused = run_baseline("mertens", folder).radiance.max(axis=-1)
    times = [e["exposure"] for e in res.entries]
    longest = res.images[int(np.argmax(times))].max(axis=-1) / 255.0
    clipped = longest >= 0.99
    assert clipped.mean() > 0.1  # the stack tests something
    assert np.mean(fused >= 0.99) < 0.5 * clipped.mean()
    assert fused[clipped].std() > 0.05 > longest[clipped].std()
