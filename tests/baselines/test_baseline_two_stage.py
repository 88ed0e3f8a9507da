"""The paper's two-stage comparison: focus-stack per exposure, then Debevec."""

from __future__ import annotations

import numpy as np
import pytest
from baseline_helpers import input_scores, psnr_mu

from invcam.baselines import run_baseline
from invcam.baselines.focus import missing_programs


@pytest.mark.parametrize("tool", ["opencv", "enfuse"])
def test_two_stage_beats_its_worst_input(synth_stacks, tool):
    if tool == "enfuse" and missing_programs():
        pytest.skip("enfuse / align_image_stack not installed")
    folder, res = synth_stacks["all"]
    result = run_baseline("two-stage", folder, tool)
    assert len(result.images) == 9 and np.isfinite(result.image).all()
    groups = result.info["groups"]
    assert [g["exposure"] for g in groups] == sorted(res.camera.exposures)
    assert all(len(g["images"]) == 3 and g["fusion"] == result.info["fusion"] for g in groups)
    ref_focus = next(e for e in res.entries if e.get("role") == "reference")["focus_distance"]
    onto = {e["file"]: e["focus_distance"] for e in res.entries}
    assert all(onto[g["onto"]] == ref_focus for g in groups)  # fused in reference geometry
    assert psnr_mu(result.image, res) > min(input_scores(res))
