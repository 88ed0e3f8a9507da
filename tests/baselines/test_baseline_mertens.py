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
