"""Chaining adjacent flows to the reference frame (the deformation's starting point)."""

from __future__ import annotations

import numpy as np
from motion_helpers import crop, expose, interior, texture

from invcam.motion.chain import chained_correspondence, filled_flow, pixel_grid, warp_points
from invcam.motion.flow import FlowPair

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
