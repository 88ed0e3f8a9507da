"""The test set of synthetic scenes: bars, fence, speculars, text; shake, JPEG, new CRFs."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest

from invcam.io.ldr import read_ldr_raw
from invcam.io.stack import load_images, load_stack
from invcam.photometry import REC709_Y as LUMA
from invcam.synth import list_scenes, synthesize, write_synth
from invcam.synth.scenes import SCENES, build_scene, scenes_in
from invcam.synth.sensor import CRF_FAMILIES, make_crf
from invcam.synth.shake import rigid_matrix, warp_shot
from invcam.synth.testscenes import BARS_WALL_M

TEST = ("bars", "fence", "speculars", "text")
TINY = (48, 72)


def build(name: str, size=TINY, seed: int = 0):
    return build_scene(SCENES[name], size, np.random.default_rng(seed))


def test_catalogue_splits_tuning_and_test_scenes():
    assert scenes_in("test") == TEST
    assert {"demo", "studio", "window", "city", "desk", "tree"} <= set(scenes_in("tuning"))
    listed = dict(list_scenes())
    assert all(listed[n].startswith("[test] ") for n in TEST)
    assert listed["studio"].startswith("[tuning] ")
    assert all(SCENES[n].shake == (0.5, 2.0) and SCENES[n].breathing[1] <= 0.03 for n in TEST)


@pytest.mark.parametrize("name", TEST)
def test_test_scene_is_finite_positive_layered_and_deterministic(name):
    radiance, depth = build(name)
    assert radiance.shape == (*TINY, 3) and radiance.dtype == np.float32
    assert np.isfinite(radiance).all() and radiance.min() > 0 and (depth > 0).all()
    again, _ = build(name)
    other, _ = build(name, seed=1)
    assert np.array_equal(radiance, again) and not np.array_equal(radiance, other)
    near, mid, far = SCENES[name].focus
    assert depth.min() < near * 1.3 and depth.max() > far * 0.9
    lum = radiance @ LUMA
    bright_far = lum[depth > mid * 1.5].max()
    dark_near = np.percentile(lum[depth < near * 1.3], 99)
    assert bright_far > 3 * dark_near  # the diagonal layout: bright things far, dark near


def _open_sky(radiance, depth):
    """Sky pixels not touched by the bars' anti-aliased edges."""
    lum = radiance @ LUMA
    sky = depth > 1000
    return sky & (lum > 0.9 * np.median(lum[sky]))


def test_bars_sky_to_wall_ratio_and_dark_bars():
    radiance, depth = build("bars", (240, 360))
    lum = radiance @ LUMA
    wall = np.median(lum[depth == BARS_WALL_M])
    ratio = np.percentile(lum[_open_sky(radiance, depth)], [1, 99]) / wall
    assert ratio[0] >= 40 and ratio[1] <= 65
    bars = np.isclose(depth, BARS_WALL_M - 0.1) & (lum < 0.1 * wall)
    assert bars.sum() > 100  # about 3 px wide at 240 rows
    assert np.median(lum[bars]) / wall == pytest.approx(0.05, rel=0.2)


def test_bars_sky_clips_in_middle_and_long_exposures_only():
    res = synthesize("bars", "diagonal", TINY, seed=0)
    sky = _open_sky(res.radiance, res.depth)
    sky = cv2.erode(sky.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    long_, mid, short = (im[sky].max(axis=-1) for im in res.images)  # near, middle, far focus
    assert (mid == 255).mean() > 0.98 and (long_ == 255).mean() > 0.98
    assert (short < 250).mean() > 0.99


def test_speculars_glints_are_unclipped_only_in_the_short_exposure():
    res = synthesize("speculars", "diagonal", (96, 144), seed=0)
    lum = res.radiance @ LUMA
    glints = lum > 20 * np.median(lum)
    assert 4 <= glints.sum() < 0.01 * glints.size  # small: a few pixels each
    long_, mid, short = (im[glints].max(axis=-1) for im in res.images)
    assert short.max() < 250
    assert (mid == 255).all() and long_.max() == 255


def test_text_has_high_contrast_edges():
    radiance, depth = build("text", (240, 360))
    lum = radiance @ LUMA
    step = np.maximum(lum[:, 1:], lum[:, :-1]) / np.minimum(lum[:, 1:], lum[:, :-1])
    assert (step > 10).sum() > 800  # letters, bars, star spokes: > 10:1 from pixel to pixel
    for lo, hi in ((0.7, 1.0), (1.8, 2.2), (4.0, 4.3)):  # chart, poster, screen
        band = (depth[:, 1:] > lo) & (depth[:, 1:] < hi)
        assert (step[band] > 10).sum() > 100, (lo, hi)


def test_shake_is_bounded_seeded_and_leaves_the_reference_alone():
    res = synthesize("fence", "all", (32, 48), seed=4, jpeg=0)
    again = synthesize("fence", "all", (32, 48), seed=4, jpeg=0)
    records = res.meta["images"]
    assert [r["shake"] for r in records] == [r["shake"] for r in again.meta["images"]]
    max_px = 2.0 * math.hypot(32, 48) / math.hypot(600, 900)
    for rec in records:
        k = rec["shake"]
        assert abs(k["rotation_deg"]) <= 0.5 and math.hypot(*k["shift_px"]) <= max_px + 1e-9
        if rec["reference"]:
            assert k["rotation_deg"] == 0 and k["shift_px"] == [0.0, 0.0]
            assert np.allclose(rec["from_reference"], [[1, 0, 0], [0, 1, 0]])
        elif rec["focus_index"] != 1:
            assert 0.02 <= abs(rec["magnification"] - 1) <= 0.03 + 1e-12
    assert sum(abs(r["shake"]["rotation_deg"]) > 0.01 for r in records) >= 6


def test_warp_is_non_negative_and_within_the_source_range():
    img = np.full((40, 60, 3), 0.01, np.float32)
    img[:, 30:] = 60.0  # a bright sky next to a dark wall
    out = warp_shot(img, rigid_matrix(0.4, (1.3, -0.7), (40, 60)))
    assert out.min() >= 0.01 - 1e-6 and out.max() <= 60.0 + 1e-4
    assert warp_shot(img, rigid_matrix(0.0, (0.0, 0.0), (40, 60))) is img


@pytest.mark.parametrize("name", ["film_strong", "phone"])
def test_new_response_curves_are_anchored_and_strictly_increasing(name):
    _, curve, params = CRF_FAMILIES[name]
    x = np.linspace(0.0, 1.0, 100001)
    for p in params:
        y = curve(x, **p)
        assert y[0] == pytest.approx(0.0, abs=1e-12) and y[-1] == pytest.approx(1.0, abs=1e-12)
        assert np.all(np.diff(y) > 0)
    grid = np.array([[0.01] * 3, [0.18] * 3, [0.7] * 3])
    for other in ("film", "srgb"):
        assert np.abs(make_crf(name)(grid) - make_crf(other)(grid)).max() > 0.02


def test_jpeg_stack_is_written_as_jpg_and_loads(tmp_path):
    out = write_synth(tmp_path / "t", scene="text", size=(32, 48), seed=1)
    files = [e["file"] for e in json.loads((out / "stack.json").read_text())["images"]]
    assert files == ["img_00.jpg", "img_01.jpg", "img_02.jpg"]
    assert all((out / f).read_bytes()[:2] == b"\xff\xd8" for f in files)
    meta = json.loads((out / "gt" / "scene.json").read_text())
    assert meta["file_format"] == {"format": "jpeg", "jpeg_quality": 90}
    assert [r["file"] for r in meta["images"]] == files and meta["split"] == "test"
    stack = load_stack(out)
    assert [im.file for im in stack.images] == files
    res = synthesize("text", "diagonal", (32, 48), seed=1)
    for image, entry in zip(res.images, res.entries, strict=True):  # what a reader sees
        assert np.array_equal(read_ldr_raw(out / entry["file"]), image)
    assert load_images(stack).shape == (3, 32, 48, 3)
    png = write_synth(tmp_path / "p", scene="text", size=(32, 48), jpeg=0)
    assert (png / "img_00.png").is_file()
