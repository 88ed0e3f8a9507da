"""Synthetic video and the dynamic layout: frames, exposure cycle, true motion, files, CLI."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from invcam.cli import main
from invcam.errors import InvcamError
from invcam.io.hdr import read_exr_channels, read_hdr_image
from invcam.io.ldr import read_ldr_raw
from invcam.io.stack import load_stack
from invcam.photometry import REC709_Y as LUMA
from invcam.synth.scenes import SCENES
from invcam.synth.video import synthesize_dynamic, synthesize_video

SMALL = (48, 64)


@pytest.fixture(scope="module")
def translate():
    return synthesize_video("demo", SMALL, frames=8, seed=1, motion="translate")


@pytest.fixture(scope="module")
def pan():
    return synthesize_video("demo", (96, 128), frames=7, seed=2, motion="pan")


@pytest.fixture(scope="module")
def dynamic():
    return synthesize_dynamic("demo", (72, 108), seed=3)


def sample(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Bilinear samples ``(N, 3)`` of ``image`` at points ``xy`` ``(N, 2)``."""
    m = xy.astype(np.float32)
    return cv2.remap(image, m[:, :1].copy(), m[:, 1:].copy(), cv2.INTER_LINEAR)[:, 0]


def tracking_error(result, t: int, mask: np.ndarray, depth=None) -> tuple[float, float]:
    """Median relative colour error when reference pixels ``mask`` are followed into frame
    ``t`` with the recorded motion (at their true depth, or ``depth``), and median travel."""
    ys, xs = np.nonzero(mask)
    xy = np.stack([xs, ys], axis=1).astype(np.float64)
    moved = result.plan.frame_coords(t, xy, result.depth[ys, xs] if depth is None else depth)
    ref = result.radiance[result.reference][ys, xs]
    diff = np.abs(sample(result.radiance[t], moved) - ref).sum(axis=1) / ref.sum(axis=1)
    return float(np.median(diff)), float(np.median(np.linalg.norm(moved - xy, axis=1)))


def test_frames_sizes_dtypes_and_ground_truth(translate):
    assert len(translate.frames) == len(translate.radiance) == len(translate.entries) == 8
    for image, truth in zip(translate.frames, translate.radiance, strict=True):
        assert image.shape == (*SMALL, 3) and image.dtype == np.uint8
        assert truth.shape == (*SMALL, 3) and truth.dtype == np.float32
        assert np.isfinite(truth).all() and truth.min() > 0
    assert translate.depth.shape == SMALL and translate.depth.min() > 0
    again = synthesize_video("demo", SMALL, frames=8, seed=1, motion="translate")
    assert all(np.array_equal(a, b) for a, b in zip(translate.frames, again.frames, strict=True))


def test_exposure_cycle_reference_and_focus_sweep(translate):
    entries = translate.entries
    exposures = [e["exposure"] for e in entries]
    short, mid, long_ = exposures[:3]
    assert mid / short == pytest.approx(4.0) and long_ / mid == pytest.approx(4.0)  # 2 stops
    assert exposures == [(short, mid, long_)[t % 3] for t in range(8)]
    refs = [t for t, e in enumerate(entries) if e.get("role") == "reference"]
    assert refs == [translate.reference] and exposures[refs[0]] == mid
    assert abs(refs[0] - 3.5) <= 1.5 and [e["frame"] for e in entries] == list(range(8))
    focus = [e["focus_distance"] for e in entries]
    near, _, far = SCENES["demo"].focus
    assert focus[0] == pytest.approx(near) and focus[-1] == pytest.approx(far)
    assert np.all(np.diff(focus) > 0)


def test_translate_ground_truth_frames_are_shifted_copies(translate):
    ref = translate.radiance[translate.reference]
    shifts = translate.plan.shifts
    window = cv2.createHanningWindow(SMALL[::-1], cv2.CV_64F)
    assert np.array_equal(shifts[translate.reference], [0, 0]) and np.abs(shifts).max() >= 6
    for t, truth in enumerate(translate.radiance):
        dx, dy = (int(v) for v in shifts[t])
        assert (dx, dy) == tuple(shifts[t])
        rolled = np.roll(ref, (dy, dx), axis=(0, 1))
        np.testing.assert_allclose(truth[10:-10, 12:-12], rolled[10:-10, 12:-12], rtol=1e-5)
        log_ref, log_t = (np.log(im @ LUMA + 1e-4).astype(np.float64) for im in (ref, truth))
        (px, py), _ = cv2.phaseCorrelate(log_ref, log_t, window)
        assert abs(px - dx) < 0.5 and abs(py - dy) < 0.5
    assert np.all(translate.plan.zooms == 1.0) and translate.plan.object_path is None


def test_pan_near_layer_moves_more_than_far_layer(pan):
    kernel = np.ones((5, 5), np.uint8)
    near = cv2.erode((pan.depth < 1.3).astype(np.uint8), kernel).astype(bool)  # the red ball
    far = cv2.erode((np.abs(pan.depth - 6.0) < 0.5).astype(np.uint8), kernel).astype(bool)
    assert near.sum() > 200 and far.sum() > 200
    err_near, travel_near = tracking_error(pan, 0, near)
    err_far, travel_far = tracking_error(pan, 0, far)
    assert err_near < 0.06 and err_far < 0.06  # the recorded motion explains both
    assert travel_near > travel_far + 5.0  # parallax
    assert tracking_error(pan, 0, near, depth=6.0)[0] > 0.2  # moving like the wall is wrong
    assert tracking_error(pan, 0, far, depth=1.1)[0] > 0.2
    assert pan.plan.zooms.min() < 1.0 < pan.plan.zooms.max()


def test_pan_object_moves_relative_to_the_background(pan):
    plan, ref = pan.plan, pan.reference
    centres = plan.object_centres()
    for t in (0, len(pan.frames) - 1):
        background = plan.frame_coords(t, centres[ref], plan.object_depth)  # if it stood still
        assert np.linalg.norm(centres[t] - background) > plan.object_radius
        yy, xx = np.mgrid[-8:9, -8:9].reshape(2, -1)
        offsets = np.stack([xx, yy], axis=1)[np.hypot(xx, yy) < 0.6 * plan.object_radius]
        truth = sample(pan.radiance[ref], centres[ref] + offsets)
        follow = sample(pan.radiance[t], centres[t] + plan.zooms[t] * offsets)
        still = sample(pan.radiance[t], background + plan.zooms[t] * offsets)
        rel = [np.median(np.abs(s - truth).sum(1) / truth.sum(1)) for s in (follow, still)]
        assert rel[0] < 0.05 and rel[1] > 0.3


def test_ground_truth_units_noise_free_all_in_focus():
    res = synthesize_video("demo", SMALL, frames=3, seed=4, motion="translate", noise=False,
                           bits=16, all_in_focus=True)
    for t in range(3):
        value = res.frames[t] / 65535.0
        ok = (value > 0.02) & (value < 0.98)
        assert ok.mean() > 0.3
        rel = np.abs(res.linear_input(t) - res.radiance[t]) / res.radiance[t]
        assert np.median(rel[ok]) < 1e-3 and rel[ok].max() < 0.02


def object_mask(result, t: int, grow: float = 0.0) -> np.ndarray:
    h, w = result.plan.size
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy = result.plan.object_centres()[t]
    return np.hypot(xx - cx, yy - cy) <= result.plan.object_radius + grow


def test_dynamic_layout_object_differs_background_agrees(dynamic):
    assert len(dynamic.frames) == 3 and dynamic.reference == 1 and dynamic.focus is None
    files = [e["file"] for e in dynamic.entries]
    assert files == ["img_00.png", "img_01.png", "img_02.png"]
    assert all("focus_distance" not in e and "frame" not in e for e in dynamic.entries)
    stops = SCENES["demo"].stops
    ex = [e["exposure"] for e in dynamic.entries]
    assert ex[1] / ex[0] == pytest.approx(2**stops) and ex[2] / ex[1] == pytest.approx(2**stops)
    assert np.all(dynamic.plan.shifts == 0) and np.all(dynamic.plan.zooms == 1)
    lin = [dynamic.linear_input(i) for i in range(3)]
    unclipped = [(f > 8) & (f < 247) for f in dynamic.frames]
    moving = object_mask(dynamic, 0, 3) | object_mask(dynamic, 1, 3) | object_mask(dynamic, 2, 3)
    for i in (0, 2):
        rel = np.abs(lin[i] - lin[1]) / np.maximum(lin[1], 1e-9)
        both = unclipped[i] & unclipped[1]
        assert np.median(rel[both & ~moving[..., None]]) < 0.05  # background: noise only
        gone = (object_mask(dynamic, i) & ~object_mask(dynamic, 1, 3))[..., None]
        assert np.median(rel[both & gone]) > 0.3  # where the object was in one shot only


def test_dynamic_layout_ghosts_in_a_debevec_merge(dynamic):
    response = dynamic.camera.crf.inverse(np.repeat(np.arange(256)[:, None] / 255.0, 3, axis=1))
    response = np.maximum(response, 1e-9).astype(np.float32)[:, None, ::-1]  # BGR order
    bgr = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in dynamic.frames]
    times = dynamic.exposures.astype(np.float32)
    merged = cv2.createMergeDebevec().process(bgr, times, response.copy())[..., ::-1]
    truth = dynamic.radiance[1]
    rel = np.abs(merged @ LUMA - truth @ LUMA) / (truth @ LUMA)
    moving = object_mask(dynamic, 0) | object_mask(dynamic, 1) | object_mask(dynamic, 2)
    still = ~(object_mask(dynamic, 0, 4) | object_mask(dynamic, 1, 4) | object_mask(dynamic, 2, 4))
    assert np.median(rel[moving]) > 5 * np.median(rel[still])


def test_cli_video_writes_the_folder(tmp_path, capsys):
    out = tmp_path / "clip"
    assert main(["synth", str(out), "--video", "--frames", "6", "--size", "48x64",
                 "--preview"]) == 0
    frames = [f"frame_{t:05d}.png" for t in range(6)]
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == sorted([*frames, "gt", "preview.png", "stack.json", "video.json",
                            "video.mp4"])
    gt_names = sorted(p.name for p in (out / "gt").iterdir() if not p.name.startswith("."))
    assert gt_names == ["crf.csv", "depth.exr", "frames", "motion.json", "radiance.exr",
                        "scene.json"]
    entries = json.loads((out / "stack.json").read_text())["images"]
    assert [e["file"] for e in entries] == frames
    assert all(read_ldr_raw(out / f).shape == (48, 64, 3) for f in frames)
    stack = load_stack(out)
    assert len(stack) == 6 and stack.reference == 1
    sidecar = json.loads((out / "video.json").read_text())
    assert set(sidecar) == {"exposures", "reference"} and sidecar["reference"] == 1
    assert sidecar["exposures"] == [e["exposure"] for e in entries]
    motion = json.loads((out / "gt" / "motion.json").read_text())
    assert motion["reference"] == 1 and len(motion["frames"]) == 6 and motion["motion"] == "pan"
    assert {"shift_xy", "zoom", "object_center_xy"} <= set(motion["frames"][0])
    truths = [read_hdr_image(out / "gt" / "frames" / f"{t:05d}.exr") for t in range(6)]
    assert np.array_equal(read_hdr_image(out / "gt" / "radiance.exr"), truths[1])
    assert list(read_exr_channels(out / "gt" / "depth.exr")) == ["Y"]
    cap = cv2.VideoCapture(str(out / "video.mp4"))
    count = 0
    while cap.read()[0]:
        count += 1
    cap.release()
    assert count == 6
    assert "wrote" in capsys.readouterr().out


def test_cli_dynamic_layout_writes_a_stack(tmp_path):
    out = tmp_path / "dyn"
    assert main(["synth", str(out), "--layout", "dynamic", "--size", "48x64", "--seed", "3"]) == 0
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == ["gt", "img_00.png", "img_01.png", "img_02.png", "stack.json"]
    assert (out / "gt" / "motion.json").is_file() and (out / "gt" / "crf.csv").is_file()
    stack = load_stack(out)
    assert len(stack) == 3 and stack.reference == 1
    truth = synthesize_dynamic("demo", SMALL, seed=3).radiance[1]
    assert np.array_equal(read_hdr_image(out / "gt" / "radiance.exr"), truth)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"frames": 1}, "frames must be"),
    ({"motion": "spin"}, "unknown motion 'spin'"),
    ({"size": (20, 30)}, "too small for a video"),
    ({"frames": 40, "motion": "translate"}, "too small for 40 frames of translate"),
    ({"exposure_cycle_stops": 0.0}, "stops"),
    ({"scene": "nowhere"}, "unknown scene"),
])
def test_bad_arguments_raise_one_line(kwargs, match):
    args = {"size": SMALL, "frames": 4, **kwargs}
    with pytest.raises(InvcamError, match=match) as info:
        synthesize_video(**args)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("argv", "match"), [
    (["--video", "--frames", "1"], "frames must be"),
    (["--video", "--motion", "spin"], "unknown motion"),
    (["--video", "--size", "20x30"], "too small"),
    (["--video", "--size", "47x64"], "must be even"),
    (["--frames", "4"], "--frames needs --video"),
    (["--all-in-focus"], "--all-in-focus needs --video"),
    (["--stops", "3"], "--stops needs --video"),
    (["--video", "--stops", "0"], "spacing in stops"),
    (["--video", "--layout", "all"], "cannot be combined"),
    (["--video", "--bits", "16"], "8-bit"),
    (["--layout", "drift", "--jpeg", "90"], "not to --layout drift"),
    (["--layout", "dynamic", "--jpeg", "90"], "not to --layout dynamic"),
])
def test_cli_bad_arguments(tmp_path, capsys, argv, match):
    assert main(["synth", str(tmp_path / "x"), "--size", "48x64", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("invcam: error:") and match in err and "\n" not in err
    assert not (tmp_path / "x").exists()


def test_static_motion_keeps_every_frame_identical():
    res = synthesize_video("demo", SMALL, frames=4, seed=0, motion="static")
    assert all(np.array_equal(r, res.radiance[0]) for r in res.radiance)
    assert res.plan.object_centres() is None


def test_slide_moves_the_camera_as_translate_and_the_object_as_object(tmp_path):
    """``slide``: the camera's shifts are translate's, the object's path is object's, so
    the object moves against a background that moves too; ``--all-in-focus`` is recorded."""
    size = (96, 128)
    slide, translate, obj = (synthesize_video("demo", size, frames=6, seed=1, motion=m)
                             for m in ("slide", "translate", "object"))
    np.testing.assert_array_equal(slide.plan.shifts, translate.plan.shifts)
    np.testing.assert_array_equal(slide.plan.object_path, obj.plan.object_path)
    assert np.abs(slide.plan.shifts).max() >= 4
    centres = slide.plan.object_centres()
    drift = centres - centres[slide.reference] - slide.plan.shifts
    assert np.linalg.norm(drift[-1]) > 5  # it moves relative to the background
    out = tmp_path / "clip"
    assert main(["synth", str(out), "--video", "--frames", "4", "--size", "48x64",
                 "--motion", "slide", "--all-in-focus"]) == 0
    scene = json.loads((out / "gt" / "scene.json").read_text())
    assert scene["motion"] == "slide" and scene["all_in_focus"] is True
    assert scene["exposure_stops"] == 2.0  # demo's own bracket spacing
    assert all("focus_distance" not in e
               for e in json.loads((out / "stack.json").read_text())["images"])


def test_drift_layout_moves_the_camera_2px_and_the_object_a_sixtieth_of_the_width(tmp_path):
    """``--layout drift``: the issue's moving bracket. The camera shifts (2, 1) px per shot,
    the object moves 1/60 of the width per shot against the background, and every shot is
    in focus; the layout is recorded."""
    size = (96, 180)
    drift = synthesize_dynamic("demo", size, seed=2, layout="drift")
    assert len(drift.frames) == 3 and drift.reference == 1 and drift.focus is None
    np.testing.assert_array_equal(drift.plan.shifts, [[-2, -1], [0, 0], [2, 1]])
    own = drift.plan.object_centres() - drift.plan.shifts  # the object's own motion
    step = np.diff(own, axis=0)
    np.testing.assert_allclose(step[:, 0], size[1] / 60, rtol=1e-6)
    assert np.all(np.abs(step[:, 1]) < 1.0)
    assert drift.meta["layout"] == "drift" and drift.meta["motion"] == "drift"
    out = tmp_path / "drift"
    assert main(["synth", str(out), "--layout", "drift", "--size", "48x64"]) == 0
    frames = json.loads((out / "gt" / "motion.json").read_text())["frames"]
    assert [f["shift_xy"] for f in frames] == [[-2.0, -1.0], [0.0, 0.0], [2.0, 1.0]]
    assert json.loads((out / "gt" / "scene.json").read_text())["layout"] == "drift"
    with pytest.raises(InvcamError, match="unknown moving layout"):
        synthesize_dynamic("demo", size, layout="diagonal")


def test_a_clip_s_exposure_cycle_follows_the_scene_s_bracket_unless_told():
    """The short exposure of a bars clip (3-stop scene) sees its sky as its still bracket
    does; ``--stops`` sets the spacing."""
    own = synthesize_video("bars", (96, 144), frames=3, seed=0, motion="static",
                           all_in_focus=True)
    assert own.meta["exposure_stops"] == 3.0
    np.testing.assert_allclose(own.exposures[2] / own.exposures[0], 64.0)
    two = synthesize_video("bars", (96, 144), frames=3, seed=0, motion="static",
                           exposure_cycle_stops=2.0, all_in_focus=True)
    np.testing.assert_allclose(two.exposures[2] / two.exposures[0], 16.0)
    sky = own.radiance[0] @ LUMA > np.quantile(own.radiance[0] @ LUMA, 0.95)
    clipped = [np.mean(r.frames[0][sky].max(axis=1) >= 255) for r in (own, two)]
    assert clipped[0] < 0.2 < clipped[1]
