"""`invcam fit` and `invcam render` from the command line, good and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from invcam.cli import main
from invcam.io.hdr import read_hdr_image
from invcam.io.ldr import read_ldr

pytestmark = pytest.mark.slow  # every test here runs or shares a fit


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A tiny synth stack fitted through the CLI: (stack folder, output folder)."""
    root = tmp_path_factory.mktemp("cli")
    stack, out = root / "stack", root / "fit"
    assert main(["synth", str(stack), "--size", "32x48", "--seed", "1"]) == 0
    assert main(["fit", str(stack), "-o", str(out), "--iters", "60", "--threads", "1"]) == 0
    return stack, out


def test_fit_writes_every_output(fitted):
    _, out = fitted
    for name in ("radiance.exr", "radiance.hdr", "preview.png", "crf.csv", "crf.png",
                 "blur.png", "model.pt", "fit.json", "log.csv"):
        assert (out / name).stat().st_size > 0, name
    rad = read_hdr_image(out / "radiance.exr")
    assert rad.shape == (32, 48, 3) and (rad > 0).all()
    report = json.loads((out / "fit.json").read_text())
    assert report["iterations"] == 60 and len(report["images"]) == 3
    assert report["images"][0]["exposure_source"] == "stack.json"
    crf = np.loadtxt(out / "crf.csv", delimiter=",", skiprows=1)
    assert np.all(np.diff(crf[:, 2:], axis=0) >= -1e-4)
    hidden = {p.name for p in out.glob(".*")}
    assert hidden == {".invcam-manifest.json"}  # no temporary files, no lock left


def test_render_exposure_brightens_with_ev(fitted, tmp_path):
    _, out = fitted
    means = []
    for ev in (-2, 0, 2):
        img = tmp_path / f"ev{ev}.png"
        assert main(["render", str(out / "model.pt"), "-o", str(img), "--ev", str(ev)]) == 0
        means.append(read_ldr(img).mean())
    assert means[0] < means[1] < means[2]
    blurred = tmp_path / "b.png"
    assert main(["render", str(out / "model.pt"), "-o", str(blurred), "--exposure", "0.05",
                 "--blur-of", "0"]) == 0
    assert read_ldr(blurred).shape == (32, 48, 3)


def test_resume_continues_iterations(fitted, tmp_path):
    stack, out = fitted
    import shutil

    copy = tmp_path / "fit"
    shutil.copytree(out, copy)
    assert main(["fit", str(stack), "-o", str(copy), "--resume", "--iters", "80",
                 "--threads", "1"]) == 0
    assert json.loads((copy / "fit.json").read_text())["iterations"] == 80


def _err(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) >= 1
    return err[-1]


def test_fit_refuses_non_empty_output(fitted, capsys):
    stack, out = fitted
    assert main(["fit", str(stack), "-o", str(out), "--iters", "5"]) == 2
    assert "not empty" in _err(capsys)


def test_fit_needs_two_images(tmp_path, capsys):
    assert main(["synth", str(tmp_path / "s"), "--size", "32x48", "--layout", "diagonal"]) == 0
    (tmp_path / "s" / "stack.json").write_text(
        json.dumps({"images": [{"file": "img_00.png", "exposure": 0.1}]}))
    assert main(["fit", str(tmp_path / "s"), "-o", str(tmp_path / "o"), "--iters", "5"]) == 2
    assert "at least 2 images" in _err(capsys)


def test_corrupt_and_foreign_model_files(tmp_path, capsys):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a model")
    assert main(["render", str(bad), "-o", str(tmp_path / "x.png"), "--ev", "0"]) == 2
    assert "not a readable invcam model" in _err(capsys)
    torch.save({"format": 99}, bad)
    assert main(["render", str(bad), "-o", str(tmp_path / "x.png"), "--ev", "0"]) == 2
    assert "format 99 is not supported" in _err(capsys)
    assert not (tmp_path / "x.png").exists()


def test_render_rejects_bad_exposure_and_image(fitted, tmp_path, capsys):
    model = str(fitted[1] / "model.pt")
    assert main(["render", model, "-o", str(tmp_path / "x.png"), "--exposure", "-1"]) == 2
    assert "--exposure: '-1' is not an exposure time" in _err(capsys)
    assert main(["render", model, "-o", str(tmp_path / "x.png"), "--ev", "0",
                 "--blur-of", "7"]) == 2
    assert "--blur-of 7" in _err(capsys)


def test_eval_scores_the_truth_against_itself_as_perfect(fitted, capsys):
    stack, _ = fitted
    gt = str(stack / "gt" / "radiance.exr")
    assert main(["eval", gt, gt, "--json"]) == 0
    perfect = json.loads(capsys.readouterr().out)
    assert perfect["psnr_mu"] == float("inf") and perfect["ssim_mu"] == pytest.approx(1.0)


def test_eval_scores_a_fit_near_a_classical_merge(fitted, capsys):
    stack, out = fitted
    gt = str(stack / "gt" / "radiance.exr")
    assert main(["eval", str(out / "radiance.exr"), gt, "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    # tied to a baseline on the same stack: OpenCV's Debevec merge (60 iterations of ours
    # is a short fit, so within 1 dB of it)
    debevec = stack.parent / "debevec.exr"
    assert main(["baseline", "debevec", str(stack), "-o", str(debevec)]) == 0
    capsys.readouterr()
    assert main(["eval", str(debevec), gt, "--json", "--no-optional"]) == 0
    baseline = json.loads(capsys.readouterr().out)
    assert scores["psnr_mu"] > baseline["psnr_mu"] - 1.0


def test_eval_refuses_size_mismatch(fitted, tmp_path, capsys):
    from invcam.io.hdr import write_exr

    small = tmp_path / "small.exr"
    write_exr(small, np.ones((8, 8, 3), np.float32))
    assert main(["eval", str(small), str(fitted[0] / "gt" / "radiance.exr")]) == 2
    assert "size mismatch" in _err(capsys)


def test_fit_warns_about_an_all_saturated_image(tmp_path, capsys):
    import cv2

    stack = tmp_path / "s"
    assert main(["synth", str(stack), "--size", "32x48"]) == 0
    cv2.imwrite(str(stack / "img_00.png"), np.full((32, 48, 3), 255, np.uint8))
    assert main(["fit", str(stack), "-o", str(tmp_path / "o"), "--iters", "2",
                 "--threads", "1"]) == 0
    err = capsys.readouterr().err
    assert "warning: img_00.png is 100.0% saturated" in err


def test_fit_set_changes_one_config_field(fitted, tmp_path, capsys):
    stack, _ = fitted
    out = tmp_path / "set"
    assert main(["fit", str(stack), "-o", str(out), "--iters", "5", "--threads", "1",
                 "--set", "loss.deform_prior=1e-3", "--set", "model.blur_center_logit=4"]) == 0
    config = json.loads((out / "fit.json").read_text())["config"]
    assert config["loss"]["deform_prior"] == 1e-3 and config["model"]["blur_center_logit"] == 4
    bad = tmp_path / "bad"
    assert main(["fit", str(stack), "-o", str(bad), "--iters", "5",
                 "--set", "loss.deform_prio=1"]) == 2
    assert "loss.deform_prio=1" in _err(capsys) and not bad.exists()


def test_an_envelope_fit_saves_and_renders_from_its_checkpoint(fitted, tmp_path):
    stack, _ = fitted
    out = tmp_path / "env"
    assert main(["fit", str(stack), "-o", str(out), "--iters", "5", "--threads", "1",
                 "--set", "model.blur_envelope=4", "--set", "model.blur_center_logit=0"]) == 0
    state = torch.load(out / "model.pt", weights_only=False)["model"]
    assert any(k.endswith("blur.log_envelope") for k in state)
    img = tmp_path / "ev.png"
    assert main(["render", str(out / "model.pt"), "-o", str(img), "--ev", "0",
                 "--blur-of", "0"]) == 0
    assert read_ldr(img).std() > 0.01
