"""Fitting moving scenes: a synthetic video with a known translation, and the CLI for
video files (outputs, render --frame, bad input)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from invcam.cli import main
from invcam.io.hdr import read_hdr_image
from invcam.io.ldr import read_ldr
from invcam.io.stack import load_stack
from invcam.method.fit import fit, replace_budget
from invcam.motion.prior import estimate_prior
from invcam.presets import moving_config, preset

pytestmark = pytest.mark.slow  # every test here runs or shares a fit


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """An 8-frame 48x64 synthetic video translating 2 px right and 1 px down per frame."""
    out = tmp_path_factory.mktemp("video") / "clip"
    assert main(["synth", str(out), "--video", "--frames", "8", "--size", "48x64",
                 "--motion", "translate"]) == 0
    return out


def test_fitted_deformation_recovers_the_translation(video):
    torch.set_num_threads(1)
    stack = load_stack(video)
    prior = estimate_prior(stack, stack.reference)
    cfg = moving_config(replace_budget(preset("fast"), 150, None))
    cfg = dataclasses.replace(cfg, optim=dataclasses.replace(cfg.optim, batch=2048))
    images = torch.from_numpy(np.stack(stack.raw))
    result = fit(images, [im.exposure for im in stack.images], cfg, stack.reference,
                 prior=prior)
    truth = json.loads((video / "gt" / "motion.json").read_text())["frames"]
    model, (h, w) = result.model, result.model.size
    centre = model.normalize(torch.tensor([[[w / 2, h / 2]]]))
    ref = model.deformation(centre, torch.tensor([stack.reference]))[0, 0]
    for t, frame in enumerate(truth):
        q = model.deformation(centre, torch.tensor([t]))[0, 0]
        moved = ((q - ref) * torch.tensor([w / 2, h / 2])).tolist()
        # a point at p in frame t is at p - shift_t in the reference frame
        assert np.allclose(moved, [-v for v in frame["shift_xy"]], atol=1.0), (t, moved)
    assert min(result.train_psnr) > 25.0


@pytest.fixture(scope="module")
def fitted_video(video, tmp_path_factory):
    out = tmp_path_factory.mktemp("vfit") / "fit"
    assert main(["fit", str(video / "video.mp4"), "-o", str(out), "--iters", "20",
                 "--threads", "1", "--frames", "1:7", "--flow-weight", "100",
                 "--motion", "dynamic"]) == 0
    return out


def test_auto_motion_calls_a_pure_camera_translation_static(video, tmp_path, capsys):
    """The whole image shifts: the global registration explains it, no local motion is
    left, and the video still gets its per-frame outputs."""
    out = tmp_path / "fit"
    assert main(["fit", str(video / "video.mp4"), "-o", str(out), "--iters", "10",
                 "--threads", "1"]) == 0
    report = json.loads((out / "fit.json").read_text())
    assert report["motion"] == "static" and report["motion_requested"] == "auto"
    assert report["motion_decision"]["moving_fraction"] <= 0.005
    assert report["frames_written"] == 8
    assert "motion: static" in capsys.readouterr().err


def test_video_fit_writes_frames_preview_video_and_atlas(fitted_video):
    out = fitted_video
    frames = sorted((out / "frames").glob("*.exr"))
    assert [f.name for f in frames] == [f"{t:05d}.exr" for t in range(6)]
    assert read_hdr_image(frames[0]).shape == (48, 64, 3)
    assert (out / "preview.mp4").stat().st_size > 0
    atlas = read_hdr_image(out / "atlas.exr")
    assert atlas.shape[0] >= 48 and atlas.shape[1] > 64  # the pan widens the atlas
    report = json.loads((out / "fit.json").read_text())
    assert report["motion"] == "dynamic" and report["frames_written"] == 6
    assert report["config"]["loss"]["flow"] == 100.0  # --flow-weight
    assert report["config"]["loss"]["rigidity"] == 0.01  # the default
    assert "flow" in json.loads((out / "fit.json").read_text())["final_losses"]
    assert {p.name for p in out.glob(".*")} == {".invcam-manifest.json"}


def test_render_frame_and_its_errors(fitted_video, tmp_path):
    png = tmp_path / "f2.png"
    assert main(["render", str(fitted_video / "model.pt"), "--frame", "2", "--ev", "0",
                 "-o", str(png)]) == 0
    assert read_ldr(png).shape == (48, 64, 3)
    assert main(["render", str(fitted_video / "model.pt"), "--frame", "6", "--ev", "0",
                 "-o", str(png)]) == 2


def test_frames_outside_the_video_is_one_line_error(video, tmp_path, capsys):
    code = main(["fit", str(video / "video.mp4"), "-o", str(tmp_path / "x"), "--frames",
                 "4:20", "--iters", "5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "8" in err[0]


def test_a_video_report_has_a_frame_slider_over_every_frame(fitted_video):
    page = (fitted_video / "report.html").read_text()
    start = page.index('id="data">') + len('id="data">')
    data = json.loads(page[start:page.index("</script>", start)].replace("<\\/", "</"))
    assert len(data["frames"]) == 6 and all(f.startswith("data:image/png") for f in data["frames"])
    assert 'id="frame"' in page and 'max="5"' in page
