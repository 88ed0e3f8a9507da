"""Inputs that used to give made-up or non-finite results with exit 0 (issue #12, 6-11)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from reliability_helpers import SIZE, one_line_error, run, uniform
from scene_data import needs_scene_data

from invcam.io.hdr import write_exr
from invcam.io.stack import load_stack
from invcam.io.stack_checks import exposure_disagreements


def _uniform_stack(folder, values, times):
    import cv2

    folder.mkdir()
    for i, v in enumerate(values):
        cv2.imwrite(str(folder / f"im{i}.png"), uniform(v))
    spec = {"images": [{"file": f"im{i}.png", "exposure": t} for i, t in enumerate(times)]}
    (folder / "stack.json").write_text(json.dumps(spec))
    return folder


@pytest.mark.parametrize("value", [255, 0])
def test_a_stack_of_only_saturated_or_black_images_is_refused(tmp_path, capsys, value):
    stack = _uniform_stack(tmp_path / "s", [value] * 3, [0.1, 0.4, 1.6])
    code, _, err = run(["fit", stack, "-o", tmp_path / "out", "--iters", "2"], capsys)
    one_line_error(code, err, "only 0 of 3 images show anything", "im0.png")
    assert not (tmp_path / "out" / "radiance.exr").exists()


def test_a_saturated_image_is_left_out_with_a_warning(stack_copy, tmp_path, capsys):
    import cv2

    cv2.imwrite(str(stack_copy / "img_00.png"), uniform(255))
    out = tmp_path / "out"
    code, _, err = run(["fit", stack_copy, "-o", out, "--iters", "2"], capsys)
    assert code == 0, err
    assert "img_00.png is 100.0% saturated: left out of the fit" in err
    assert json.loads((out / "fit.json").read_text())["images"][0]["file"] != "img_00.png"


def test_exposure_times_in_reverse_are_named_by_info(stack_copy, capsys):
    spec = json.loads((stack_copy / "stack.json").read_text())
    times = [im["exposure"] for im in spec["images"]][::-1]
    for im, t in zip(spec["images"], times, strict=True):
        im["exposure"] = t
    (stack_copy / "stack.json").write_text(json.dumps(spec))
    code, out, _ = run(["info", stack_copy], capsys)
    assert code == 0
    assert out.count("exposure times disagree") == 2 and "img_01.png" in out


def test_a_bracket_whose_times_differ_but_brightness_does_not_is_flagged(tmp_path):
    rng = np.random.default_rng(0)
    texture = rng.integers(40, 200, (*SIZE, 3), dtype=np.uint8)
    import cv2

    folder = tmp_path / "s"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"im{i}.png"), texture)
    spec = {"images": [{"file": f"im{i}.png", "exposure": t}
                       for i, t in enumerate([0.25, 1.0, 4.0])]}
    (folder / "stack.json").write_text(json.dumps(spec))
    lines = exposure_disagreements(load_stack(folder))
    assert len(lines) == 2 and "pixels say +0.0" in lines[0]


def test_a_fit_with_contradicting_times_learns_them_and_says_so(tmp_path, stack_copy, capsys):
    spec = json.loads((stack_copy / "stack.json").read_text())
    times = [im["exposure"] for im in spec["images"]][::-1]
    for im, t in zip(spec["images"], times, strict=True):
        im["exposure"] = t
    (stack_copy / "stack.json").write_text(json.dumps(spec))
    code, _, err = run(["fit", stack_copy, "-o", tmp_path / "out", "--iters", "2"], capsys)
    assert code == 0, err
    assert "every exposure time learned from the images" in err


def test_a_diverged_fit_restarts_at_lower_rates_and_says_so(tiny_stack, tmp_path, capsys,
                                                            monkeypatch):
    import invcam.method.fit as fit_mod

    real_fit, calls = fit_mod.fit, []

    def first_diverges(images, exposures, cfg, reference, **kwargs):
        calls.append(cfg.optim.lr_grid)
        if len(calls) == 1:
            raise fit_mod.FitDiverged("non-finite loss at iteration 1")
        return real_fit(images, exposures, cfg, reference, **kwargs)

    monkeypatch.setattr(fit_mod, "fit", first_diverges)
    out = tmp_path / "out"
    code, _, err = run(["fit", tiny_stack, "-o", out, "--iters", "2"], capsys)
    assert code == 0, err
    assert calls[1] == pytest.approx(calls[0] * fit_mod.RETRY_RATE)
    assert "restarted from scratch" in json.loads((out / "fit.json").read_text())["restarted"]


@pytest.mark.parametrize("value", [1e308, 1e-300, 0, -1, "1/60", True])
def test_absurd_exposure_times_in_stack_json_are_refused(stack_copy, capsys, value):
    spec = json.loads((stack_copy / "stack.json").read_text())
    spec["images"][1]["exposure"] = value
    (stack_copy / "stack.json").write_text(json.dumps(spec))
    code, _, err = run(["info", stack_copy], capsys)
    one_line_error(code, err, "images[1]", "seconds from 1e-07 to 100000")


def test_an_absurd_exposure_cycle_is_refused(tiny_stack, tmp_path, capsys):
    code, _, err = run(["fit", tiny_stack, "-o", tmp_path / "o", "--exposure-cycle",
                        "1e-300,1", "--iters", "2"], capsys)
    one_line_error(code, err, "--exposure-cycle")


@pytest.mark.parametrize("flag, value", [
    ("--minutes", "-1"), ("--minutes", "inf"), ("--minutes", "nan"), ("--iters", "0"),
    ("--checkpoint-every", "0"), ("--checkpoint-every", "-5"), ("--checkpoint-every", "nan"),
    ("--threads", "-1"), ("--threads", "x"), ("--seed", "-3"), ("--flow-weight", "nan"),
    ("--rigidity", "-1"), ("--reference", "-1"), ("--second-look", "nan"),
    ("--second-look", "1"),
])
def test_every_numeric_fit_flag_is_validated(tiny_stack, tmp_path, capsys, flag, value):
    code, _, err = run(["fit", tiny_stack, "-o", tmp_path / "o", flag, value], capsys)
    one_line_error(code, err, f"argument {flag}")
    assert not (tmp_path / "o").exists()


def test_eval_refuses_a_black_or_negative_prediction_and_a_black_truth(tmp_path, capsys):
    good = np.random.default_rng(1).uniform(0.1, 2.0, (16, 16, 3))
    for name, image in [("good", good), ("zero", np.zeros_like(good)), ("neg", -good)]:
        write_exr(tmp_path / f"{name}.exr", image)
    for pred, truth, word in [("zero", "good", "black"), ("neg", "good", "negative"),
                              ("good", "zero", "black")]:
        code, _, err = run(["eval", tmp_path / f"{pred}.exr", tmp_path / f"{truth}.exr"], capsys)
        one_line_error(code, err, word, f"{'ground truth' if truth == 'zero' else 'prediction'}")


def test_eval_refuses_images_too_small_for_ssim(tmp_path, capsys):
    write_exr(tmp_path / "a.exr", np.ones((6, 6, 3)))
    code, _, err = run(["eval", tmp_path / "a.exr", tmp_path / "a.exr"], capsys)
    one_line_error(code, err, "too small")


def _edited(tiny_fit, tmp_path, edit):
    data = torch.load(tiny_fit / "model.pt", weights_only=True)
    edit(data)
    path = tmp_path / "model.pt"
    torch.save(data, path)
    return path


@pytest.mark.parametrize("edit, word", [
    (lambda d: d["model"]["atlas.bias"].fill_(float("nan")), "not finite"),
    (lambda d: d.__setitem__("size", [20000, 30000]), "beyond what invcam renders"),
    (lambda d: d.__setitem__("size", "big"), "size"),
    (lambda d: d.__setitem__("reference", 7), "reference 7"),
    (lambda d: d.__setitem__("config", "fast"), "config"),
    (lambda d: d.__setitem__("atlas_bounds", [1, 1, 0, 0]), "atlas_bounds"),
])
def test_a_damaged_or_edited_model_is_refused_before_rendering(tiny_fit, tmp_path, capsys,
                                                               edit, word):
    path = _edited(tiny_fit, tmp_path, edit)
    code, _, err = run(["render", path, "-o", tmp_path / "r.png", "--ev", "0"], capsys)
    one_line_error(code, err, word, "model.pt")
    assert not (tmp_path / "r.png").exists()


def test_a_copied_stack_resumes_fine(tiny_fit, tiny_stack, tmp_path, capsys):
    """The identity is the content, not the folder: a copy of the stack may resume."""
    copy = shutil.copytree(tiny_stack, tmp_path / "copy")
    out = shutil.copytree(tiny_fit, tmp_path / "fit")
    code, _, err = run(["fit", copy, "-o", out, "--resume", "--iters", "5"], capsys)
    assert code == 0, err


def test_a_film_curve_bracket_with_right_times_is_not_flagged(tmp_path):
    """A correct bracket through a film-like S-curve, whose toe compresses the measured
    stops of one pair to about a quarter, keeps its given times."""
    from invcam.synth import write_synth

    needs_scene_data("tree")
    write_synth(tmp_path / "tree", scene="tree", layout="diagonal", size=(150, 225), seed=0,
                force=True)
    assert exposure_disagreements(load_stack(tmp_path / "tree")) == []
