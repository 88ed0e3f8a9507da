"""The scene catalogue: procedural dynamic range, real HDR maps, depth layouts."""

from __future__ import annotations

import numpy as np
import pytest
from scene_data import needs_scene_data

from invcam.photometry import REC709_Y as LUMA
from invcam.synth import list_scenes
from invcam.synth.realhdr import crop_box
from invcam.synth.scenes import SCENES, build_scene, dynamic_range

PROCEDURAL = [n for n, s in SCENES.items() if s.data is None]
REAL = [n for n, s in SCENES.items() if s.data is not None]


def build(name: str, size=None):
    spec = SCENES[name]
    return build_scene(spec, size or spec.size, np.random.default_rng(0))


def test_catalogue_has_demo_three_procedural_and_the_real_maps():
    names = [n for n, _ in list_scenes()]
    assert names[0] == "demo" and len(PROCEDURAL) >= 4
    assert {"desk", "tree", "bonita", "mttam", "beachball"} <= set(REAL)
    assert all(desc and "\n" not in desc for _, desc in list_scenes())
    assert SCENES["demo"].size == (200, 300)
    assert all(SCENES[n].size == (600, 900) for n in names if n != "demo")


@pytest.mark.parametrize("name", PROCEDURAL)
def test_procedural_scene_has_thousand_to_one_range_and_depth_layers(name):
    radiance, depth = build(name)
    assert dynamic_range(radiance) >= 1000
    assert radiance.min() > 0  # deep shadows are dark, not black
    levels = np.unique(np.round(np.log(depth), 1))
    assert len(levels) >= 4  # several depth planes, not a flat card
    spec = SCENES[name]
    assert depth.min() < spec.focus[0] * 1.3 and depth.max() > spec.focus[2] * 0.9


@pytest.mark.parametrize("name", PROCEDURAL)
def test_procedural_scene_is_size_independent(name):
    big, big_depth = build(name, (120, 180))
    small, small_depth = build(name, (60, 90))
    half = big.reshape(60, 2, 90, 2, 3).mean(axis=(1, 3))
    lum_big, lum_small = np.log(half @ LUMA), np.log(small @ LUMA)
    assert np.median(np.abs(lum_big - lum_small)) < 0.3  # same picture, not a re-draw
    assert np.median(np.abs(np.log(big_depth[::2, ::2]) - np.log(small_depth))) < 0.05


@pytest.mark.parametrize("name", REAL)
def test_real_scene_loads_with_a_layered_depth(name):
    needs_scene_data(name)
    radiance, depth = build(name, (60, 90))
    assert radiance.shape == (60, 90, 3) and depth.shape == (60, 90)
    assert np.isfinite(radiance).all() and (depth > 0).all()
    assert dynamic_range(radiance) > 50
    assert depth.max() / depth.min() > 2  # objects in front of a background
    assert (depth < SCENES[name].focus[1] * 1.5).mean() > 0.05


@pytest.mark.parametrize(("name", "bright_top"), [
    ("tree", True), ("mttam", True), ("desk", True), ("bonita", False),  # dusk sky ~ sea
])
def test_real_scene_is_upright(name, bright_top):
    needs_scene_data(name)
    radiance, depth = build(name, (60, 90))
    lum = radiance @ LUMA
    if bright_top:  # sky or window above, ground or desk below
        assert np.median(lum[:15]) > 2 * np.median(lum[-15:])
    assert np.median(depth[:15]) > 2 * np.median(depth[-15:])  # ground near, background far


def test_beachball_uses_the_real_z_channel():
    needs_scene_data("beachball")
    radiance, depth = build("beachball", (120, 180))
    ball = (depth > 1.7) & (depth < 2.3)  # Z 9..10.9 scene units, times 0.2
    assert ball.mean() > 0.2
    assert np.ptp(depth[ball]) > 0.2  # a round ball, not a flat disc


@pytest.mark.parametrize(("shape", "size", "centre", "box"), [
    ((874, 644), (600, 900), (0.5, 0.5), (222, 651, 0, 644)),
    ((732, 1214), (600, 900), (0.5, 0.5), (0, 732, 58, 1156)),
    ((100, 100), (50, 50), (0.9, 0.1), (0, 100, 0, 100)),
    ((100, 200), (100, 100), (0.0, 0.5), (0, 100, 0, 100)),
])
def test_crop_box_keeps_aspect_and_stays_inside(shape, size, centre, box):
    assert crop_box(shape, size, centre) == box
