"""The object test of ``--motion auto``: a connected region of coherent flow, taken whole."""

from __future__ import annotations

import numpy as np

from invcam.motion.decide import BLOCK, EXPLAINED, MOVING_PX
from invcam.motion.objects import grey_gradients, moving_object, region_moves

ISOTROPIC = np.random.default_rng(1).normal(0.0, 5.0, (600, 2)).astype(np.float32)


def _moves(flow, still=20.0, moved=2.0, grad=ISOTROPIC, spread=None):
    n = len(grad)
    vectors = np.broadcast_to(np.asarray(flow, np.float32), (n, 2)).copy()
    if spread is not None:
        vectors += spread
    return region_moves(vectors, grad, np.full(n, still, np.float32),
                        np.full(n, moved, np.float32), MOVING_PX, EXPLAINED)


def test_a_coherent_fast_explained_textured_region_moves_and_others_do_not():
    assert _moves((9.0, 4.0))
    assert not _moves((3.0, 0.0))                                   # too slow
    assert not _moves((9.0, 4.0), moved=12.0)                       # warping does not help
    assert not _moves((9.0, 4.0), still=3.0, moved=1.1)            # 2.7x, by 1.9 levels
    angles = np.random.default_rng(0).uniform(0, 2 * np.pi, 600)
    spread = 9.0 * np.stack([np.cos(angles), np.sin(angles)], 1).astype(np.float32)
    assert not _moves((0.0, 0.0), spread=spread)                    # defocus: every way


def test_stripes_parallel_to_the_flow_are_the_aperture_problem_not_motion():
    stripes = ISOTROPIC * np.array([0.1, 1.0], np.float32)  # gradients across x-stripes
    assert not _moves((12.0, 0.0), grad=stripes)            # sliding along the stripes
    assert _moves((0.0, 12.0), grad=stripes)                # moving across them is seen


def test_moving_object_measures_the_largest_moving_region_in_blocks():
    h, w = 96, 144
    grey = np.random.default_rng(2).uniform(0, 255, (h, w)).astype(np.float32)
    flow = np.zeros((h, w, 2), np.float32)
    still, moved = np.full((h, w), 10.0, np.float32), np.full((h, w), 9.0, np.float32)
    covered = np.ones((h, w), bool)
    flow[16:48, 32:80] = (12.0, -3.0)            # a 32 x 48 px object: 6 blocks
    moved[16:48, 32:80] = 1.0
    flow[60:70, 100:110] = (12.0, 0.0)           # a small one: under OBJECT_AREA blocks
    moved[60:70, 100:110] = 1.0
    args = (BLOCK, MOVING_PX, EXPLAINED)
    assert moving_object(grey_gradients(grey), flow, covered, still, moved, *args) == 6
    covered[16:48, 32:80] = False                # clipped in one image: not measured
    assert moving_object(grey_gradients(grey), flow, covered, still, moved, *args) == 0
