"""The simulated camera: layouts, ground-truth units, breathing, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from invcam.synth import synthesize
from invcam.synth.layouts import FAR, LONG, MID, NEAR, SHORT

SMALL = (48, 72)


@pytest.fixture(scope="module")
def stacks() -> dict:
    layouts = ("all", "diagonal", "focus", "exposure")
    return {lay: synthesize("demo", lay, SMALL, seed=3) for lay in layouts}


@pytest.mark.parametrize(("layout", "count"),
                         [("all", 9), ("diagonal", 3), ("focus", 3), ("exposure", 3)])
def test_layout_image_count_and_single_reference(stacks, layout, count):
    res = stacks[layout]
    assert len(res.images) == len(res.entries) == count
    assert all(img.shape == (*SMALL, 3) and img.dtype == np.uint8 for img in res.images)
    refs = [e for e in res.entries if e.get("role") == "reference"]
    assert len(refs) == 1
    assert refs[0]["exposure"] == res.camera.exposures[MID]
    assert [e["file"] for e in res.entries] == [f"img_{i:02d}.png" for i in range(count)]
    settings = {(e.get("focus_distance"), e["exposure"]) for e in res.entries}
    assert len(settings) == count  # no duplicate shots


def test_layouts_cover_the_intended_settings(stacks):
    cam = stacks["all"].camera
    pairs = {(s.focus, s.exposure) for s in stacks["all"].shots}
    assert pairs == {(f, e) for f in (NEAR, MID, FAR) for e in (SHORT, MID, LONG)}
    diag = stacks["diagonal"].shots
    assert len({s.focus for s in diag}) == len({s.exposure for s in diag}) == 3
    by_focus = {s.focus: s.exposure for s in diag}
    assert by_focus[FAR] == SHORT and by_focus[NEAR] == LONG  # bright far regions seen sharp
    focus = stacks["focus"].entries
    assert {e["exposure"] for e in focus} == {cam.exposures[MID]}
    assert sorted(e["focus_distance"] for e in focus) == sorted(cam.focus)
    expo = stacks["exposure"].entries
    assert all("focus_distance" not in e for e in expo)  # all in focus
    assert sorted(e["exposure"] for e in expo) == sorted(cam.exposures)


def test_exposures_are_two_to_three_stops_apart_and_focus_ordered(stacks):
    cam = stacks["all"].camera
    short, mid, long_ = cam.exposures
    assert 2.0 <= np.log2(mid / short) <= 3.0
    assert np.log2(long_ / mid) == pytest.approx(np.log2(mid / short))
    assert cam.focus[NEAR] < cam.focus[MID] < cam.focus[FAR]


def test_magnification_one_for_reference_and_one_to_three_percent_otherwise(stacks):
    res = stacks["all"]
    records = res.meta["images"]
    for rec, shot in zip(records, res.shots, strict=True):
        if shot.focus == MID:
            assert rec["magnification"] == 1.0
        else:
            assert 0.01 - 1e-9 <= abs(rec["magnification"] - 1.0) <= 0.03 + 1e-9
    assert all(r["magnification"] == 1.0 for r in stacks["exposure"].meta["images"])


def test_unclipped_values_invert_to_ground_truth_radiance():
    """CRF^-1(value) / exposure == GT radiance within quantization, for noise-free shots."""
    res = synthesize("demo", "exposure", (60, 90), seed=0, bits=8, noise=False)
    crf, used = res.camera.crf, 0
    for img, entry in zip(res.images, res.entries, strict=True):
        t = entry["exposure"]
        value = img.astype(np.float64) / 255.0
        ok = (img > 0) & (img < 255)
        predicted = crf(res.radiance.astype(np.float64) * t)
        assert np.abs(predicted - value)[ok].max() <= 0.5 / 255 + 1e-5
        # the other way round: the GT lies in the radiance interval the stored value stands for
        lower = crf.inverse(np.clip(value - 0.5 / 255, 0, 1)) / t
        upper = crf.inverse(np.clip(value + 0.5 / 255, 0, 1)) / t
        rad, tol = res.radiance[ok], 1e-4 * res.radiance[ok] + 1e-9
        assert ((lower[ok] - tol <= rad) & (rad <= upper[ok] + tol)).all()
        mid = crf.inverse(value) / t
        assert np.median(np.abs(mid[ok] - rad) / rad) < 0.01
        used += ok.sum()
    assert used > 0.5 * res.radiance.size * 3  # most pixels are unclipped somewhere


def test_clipping_at_both_ends_needs_the_whole_bracket():
    res = synthesize("demo", "exposure", (60, 90), seed=0, noise=False)
    short, _, long_ = res.images
    assert (long_ == 255).mean() > 0.02  # the long exposure clips the brightest parts
    assert (short < 8).mean() > 0.01  # and the short one leaves the darkest near black
    assert (short == 255).mean() < (long_ == 255).mean()


def test_same_seed_same_stack_different_seed_differs():
    a = synthesize("demo", "diagonal", SMALL, seed=7)
    b = synthesize("demo", "diagonal", SMALL, seed=7)
    c = synthesize("demo", "diagonal", SMALL, seed=8)
    assert all(np.array_equal(x, y) for x, y in zip(a.images, b.images, strict=True))
    assert np.array_equal(a.radiance, b.radiance) and a.meta == b.meta
    assert any(not np.array_equal(x, y) for x, y in zip(a.images, c.images, strict=True))


def test_focus_changes_sharpness_where_the_scene_is():
    """Near focus keeps the near ball sharp; far focus keeps the far wall sharp."""
    res = synthesize("demo", "focus", (200, 300), seed=0, noise=False)
    near_img, _, far_img = (img.astype(np.float32).mean(axis=2) for img in res.images)
    depth = res.depth

    def detail(img, mask):
        lap = np.abs(np.diff(img, 2, axis=1))[:, :-0 or None]
        return lap[mask[:, 1:-1]].mean()

    near_mask = depth < 1.3
    wall_mask = (depth > 5.5) & (depth < 7)
    assert detail(near_img, near_mask) > 1.3 * detail(far_img, near_mask)
    assert detail(far_img, wall_mask) > 1.3 * detail(near_img, wall_mask)
