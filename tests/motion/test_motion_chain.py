"""Chaining adjacent flows to the reference frame (the deformation's starting point)."""

from __future__ import annotations

import numpy as np
from motion_helpers import crop, expose, interior, texture

from invcam.motion.chain import (
    chained_correspondence,
    filled_flow,
    moving_regions,
    pixel_grid,
    temporal_fill,
    warp_points,
)
from invcam.motion.flow import FlowPair
from invcam.motion.prior import fill_untrusted
from invcam.motion.register import adjacent_registrations, chain_to_reference
from invcam.synth import synthesize_video

STEP = (2, 1)  # content moves by (dx, dy) px per frame


def _frames(count: int = 4, size=(48, 64)):
    """A textured scene panned by STEP per frame, exposures cycling 4x apart."""
    pad = 16
    big = texture(size[0] + 2 * pad, size[1] + 2 * pad, seed=2)
    times = [1.0, 0.25, 1.0, 0.25][:count]
    frames = [expose(crop(big, pad - STEP[0] * t, pad - STEP[1] * t, *size), 0.8 * times[t])
              for t in range(count)]
    return frames, times


def test_chained_correspondence_recovers_a_pan_to_the_reference():
    frames, times = _frames()
    eye = np.repeat(np.eye(3)[None], len(frames), axis=0)   # no global registration
    corr, valid = chained_correspondence(frames, times, 1, eye)
    grid = pixel_grid(frames[0].shape[:2])
    for t in range(len(frames)):
        want = grid - np.array(STEP, dtype=np.float32) * (t - 1)
        ok = interior(valid[t], 10)
        err = np.abs(interior(corr[t], 10) - interior(want, 10))[ok]
        assert ok.mean() > 0.8 and np.median(err) < 0.3, t


def test_filled_flow_fills_holes_from_trusted_neighbours():
    flow = np.zeros((32, 32, 2), np.float32)
    flow[..., 0] = 3.0
    valid = np.ones((32, 32), bool)
    valid[12:20, 12:20] = False
    flow[~valid] = 50.0  # garbage where untrusted
    filled, known = filled_flow(FlowPair(flow=flow, valid=valid))
    assert known.all() and np.allclose(filled[..., 0], 3.0, atol=1e-3)


def test_warp_points_applies_a_homography():
    mat = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]])
    xy = np.array([[[0.5, 0.5]]], np.float32)
    assert np.allclose(warp_points(mat, xy), [[[2.5, -0.5]]])


def _link(flow_xy, valid, size=(64, 64)):
    flow = np.zeros((*size, 2), np.float32)
    flow[...] = np.asarray(flow_xy, np.float32)
    return FlowPair(flow, valid, covered=valid.copy())


def test_temporal_fill_lends_a_moving_region_s_motion_and_leaves_the_still_scene():
    """A link blind over a moving patch (black in its frame) takes the patch's local motion
    from the next link in time, carried at constant velocity and added to its own global
    motion, inside the patch's edge; a blind patch of the still scene, and scattered flow
    errors of the neighbour, are left to the spatial fill."""
    size = (64, 64)
    glob = np.zeros((*size, 2), np.float32)
    glob[...] = (2.0, 1.0)  # the camera: 2 px right, 1 down per frame
    blind = np.ones(size, bool)
    blind[16:40, 16:40] = False         # the object, black in this frame
    blind[48:60, 4:16] = False          # a clipped patch of the still scene
    seen = _link((2.0, 1.0), np.ones(size, bool))
    seen.flow[16:40, 21:45] = (7.0, 1.0)  # the object one frame later: 5 px further right
    seen.flow[50:52, 6:8] = (9.0, 5.0)    # a scattered flow error
    first, second = temporal_fill([_link((2.0, 1.0), blind), seen], [glob, glob],
                                  signs=[1.0, 1.0], sources=[0, 1])
    inner = np.s_[20:34, 20:34]
    np.testing.assert_allclose(first.flow[inner], np.broadcast_to((7.0, 1.0), (14, 14, 2)))
    assert first.valid[inner].all()
    assert not first.valid[16, 16:40].any()      # the object's edge row: not lent
    assert not first.valid[48:60, 4:16].any()    # the still scene: left to filled_flow
    assert second.valid.all() and np.array_equal(second.flow, seen.flow)


def test_temporal_fill_leaves_a_hole_whose_own_link_sees_the_object_move():
    """A partly clipped object whose link still sees it move around the hole is filled
    from that link's own trusted flow (its spatial fill), not from a neighbour's motion
    carried at constant velocity (which errs where the object's path bends)."""
    size = (64, 64)
    glob = np.zeros((*size, 2), np.float32)
    blind = np.ones(size, bool)
    blind[22:34, 22:34] = False      # clipped inside the object
    own = _link((0.0, 0.0), blind)
    own.flow[12:44, 12:44] = (6.0, 0.0)  # ... which the link sees moving around the hole
    seen = _link((0.0, 0.0), np.ones(size, bool))
    seen.flow[12:44, 12:44] = (6.0, 3.0)  # the neighbour: the path turns
    first, _ = temporal_fill([own, seen], [glob, glob], signs=[1.0, 1.0], sources=[0, 1])
    assert not first.valid[22:34, 22:34].any()
    assert np.array_equal(first.flow, own.flow)


def test_moving_regions_keeps_coherent_objects_only():
    local = np.zeros((64, 64, 2), np.float32)
    local[10:30, 10:30] = (4.0, 0.0)                  # an object: coherent
    rng = np.random.default_rng(0)
    local[40:60, 40:60] = rng.normal(0, 5, (20, 20, 2))  # noise: points every way
    local[5:7, 50:52] = (6.0, 0.0)                    # too small
    regions = moving_regions(local, np.ones((64, 64), bool))
    assert regions[13:27, 13:27].all() and not regions[10, 10:30].any()
    assert not regions[40:60, 40:60].any() and not regions[5:7, 50:52].any()


def test_a_moving_ball_black_in_the_short_frames_is_chained_at_its_own_speed():
    """A bars clip (3-stop exposure cycle) whose ball is black in every short frame: the
    chain must not let the ball follow the background through those frames (it did: 10 px
    off after three frames), but carry the ball's motion from the frames that see it."""
    clip = synthesize_video("bars", (120, 180), frames=6, seed=0, motion="slide",
                            all_in_focus=True)
    frames, times = clip.frames, [e["exposure"] for e in clip.entries]
    regs = adjacent_registrations(frames, times, fallback=False)  # as a moving fit does
    steps = fill_untrusted(np.asarray([r.matrix for r in regs]),
                           np.asarray([r.method == "features" for r in regs]))
    mats = chain_to_reference(steps, clip.reference)
    corr, _ = chained_correspondence(frames, times, clip.reference, mats)
    centres = clip.plan.object_centres()
    grid = pixel_grid(frames[0].shape[:2])
    for t in range(len(frames)):
        inside = np.linalg.norm(grid - 0.5 - centres[t], axis=-1) < clip.plan.object_radius - 3
        want = grid[inside] - centres[t] + centres[clip.reference]
        assert np.median(np.linalg.norm(corr[t][inside] - want, axis=-1)) < 2.0, t
