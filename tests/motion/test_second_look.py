"""The second look of ``--motion auto`` in a whole fit: a static fit that renders a ghost
starts again as a dynamic one; a static scene stays static."""

from __future__ import annotations

import dataclasses
import json

import pytest

from invcam.cli import main

pytestmark = pytest.mark.slow  # whole fits


def _miss_the_motion(monkeypatch):
    """Make the first (optical-flow) decision say static, as it does for speculars' wheel."""
    import invcam.app.plan as plan_mod

    real = plan_mod.detect_motion

    def static_decision(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), mode="static")

    monkeypatch.setattr(plan_mod, "detect_motion", static_decision)


def test_a_moving_scene_the_first_decision_missed_is_fitted_as_dynamic(tmp_path, monkeypatch):
    stack, out = tmp_path / "stack", tmp_path / "fit"
    assert main(["synth", str(stack), "--layout", "dynamic", "--size", "96x144",
                 "--seed", "1"]) == 0
    _miss_the_motion(monkeypatch)
    assert main(["fit", str(stack), "-o", str(out), "--iters", "200", "--threads", "1",
                 "--second-look", "0.5", "--set", "optim.batch=4096"]) == 0
    report = json.loads((out / "fit.json").read_text())
    assert report["motion_decision"]["mode"] == "static"
    assert report["motion"] == "dynamic" and report["motion_switched"] is True
    look = report["second_look"]
    assert look["checked"] and look["moving"] and look["iteration"] == 100
    assert 0 < look["seconds"] < report["wall_s"] * 2
    assert look["largest"] >= look["threshold"]
    assert report["iterations"] == 200  # an iteration budget is the dynamic fit's own
    assert len(list((out / "frames").glob("*.exr"))) == 3


def test_a_static_stack_looked_at_again_stays_static(tmp_path):
    stack, out = tmp_path / "stack", tmp_path / "fit"
    assert main(["synth", str(stack), "--size", "96x144", "--seed", "1"]) == 0
    assert main(["fit", str(stack), "-o", str(out), "--iters", "200", "--threads", "1",
                 "--second-look", "0.5", "--set", "optim.batch=4096"]) == 0
    report = json.loads((out / "fit.json").read_text())
    assert report["motion"] == "static" and "motion_switched" not in report
    look = report["second_look"]
    assert look["checked"] and not look["moving"] and look["iteration"] == 100
    assert report["iterations"] == 200
