"""Dense flow between frames: direction, accuracy, exposure changes, occlusion checks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from motion_helpers import expose, interior, shifted_pair, texture

from invcam.errors import InvcamError
from invcam.motion import (
    adjacent_flows,
    consistent_flow,
    dense_flow,
    normalize_pair,
    unusable_mask,
)


def test_flow_of_a_frame_to_itself_is_zero():
    frame = expose(texture(48, 64, seed=4), 1.0)
    pair = consistent_flow(frame, frame)
    assert pair.flow.shape == (48, 64, 2) and pair.flow.dtype == np.float32
    assert pair.valid.mean() > 0.9
    assert np.abs(pair.flow[pair.valid]).max() < 0.05


@pytest.mark.parametrize("size", [(48, 64), (120, 160)])
def test_shift_gives_its_flow(size):
    lin_a, lin_b = shifted_pair(*size, dx=3, dy=-2, seed=5)
    a_n, b_n, _ = normalize_pair(expose(lin_a, 1.0), expose(lin_b, 1.0))
    flow = dense_flow(a_n, b_n)
    med = np.median(interior(flow).reshape(-1, 2), axis=0)
    assert np.abs(med - [3.0, -2.0]).max() < 0.3
    # Direction: sampling b at x + flow(x) gives back a.
    ys, xs = np.mgrid[0:size[0], 0:size[1]].astype(np.float32)
    errs = []
    for sign in (1.0, -1.0):
        back = cv2.remap(b_n, xs + sign * flow[..., 0], ys + sign * flow[..., 1],
                         cv2.INTER_LINEAR)
        errs.append(np.median(np.abs(interior(back).astype(int) - interior(a_n).astype(int))))
    assert errs[0] <= 3 and errs[1] > 10


def test_shift_across_a_4x_exposure_change():
    lin_a, lin_b = shifted_pair(120, 160, dx=3, dy=-2, seed=6)
    for times in [(0.25, 1.0), (None, None)]:
        pair = consistent_flow(expose(lin_a, 0.25), expose(lin_b, 1.0), *times)
        flow = pair.flow[pair.valid]
        assert pair.valid.mean() > 0.5
        assert np.abs(np.median(flow, axis=0) - [3.0, -2.0]).max() < 0.3
        assert np.percentile(np.abs(flow - [3.0, -2.0]), 90) < 0.5


def test_shift_between_sharp_and_defocused_float_frames():
    lin_a, lin_b = shifted_pair(120, 160, dx=3, dy=-2, seed=12)
    blurred = cv2.GaussianBlur(lin_b, (0, 0), 1.5)  # defocus in b
    a = expose(lin_a, 1.0).astype(np.float32) / 255.0  # float input in [0, 1]
    pair = consistent_flow(a, expose(blurred, 0.5))
    assert pair.valid.mean() > 0.5
    assert np.abs(np.median(pair.flow[pair.valid], axis=0) - [3.0, -2.0]).max() < 0.3


def test_pixels_leaving_the_frame_or_clipped_are_invalid():
    lin_a, lin_b = shifted_pair(48, 64, dx=3, dy=-2, seed=7)
    a = expose(lin_a, 1.0)
    a[20:26, 20:30] = 255  # saturated patch in a
    pair = consistent_flow(a, expose(lin_b, 1.0))
    assert not pair.valid[:, -3:].any() and not pair.valid[:2].any()
    assert not pair.valid[20:26, 20:30].any()


def _moving_square() -> tuple[np.ndarray, np.ndarray]:
    """A textured square moving 8 px right over a static textured background, 96 x 128."""
    background = texture(96, 128, seed=8)
    square = texture(32, 32, seed=9, cell=3)[..., ::-1]
    a, b = background.copy(), background.copy()
    a[32:64, 40:72] = square
    b[32:64, 48:80] = square
    return expose(a, 1.0), expose(b, 1.0)


def test_forward_backward_check_flags_occlusion():
    a, b = _moving_square()
    pair = consistent_flow(a, b)
    occluded = pair.valid[34:62, 74:78]  # background of a covered by the square in b
    assert occluded.mean() < 0.25
    far = np.ones((96, 128), bool)
    far[20:76, 28:92] = False  # background away from the square
    assert pair.valid[far].mean() > 0.85
    inside = pair.flow[36:60, 44:68][pair.valid[36:60, 44:68]]
    assert np.abs(np.median(inside, axis=0) - [8.0, 0.0]).max() < 0.5


def test_points_follow_the_flow():
    lin_a, lin_b = shifted_pair(48, 64, dx=2, dy=1, seed=10)
    pair = consistent_flow(expose(lin_a, 1.0), expose(lin_b, 1.0))
    src, dst = pair.points()
    assert len(src) == pair.valid.sum() and src.shape[1] == 2
    assert np.all(src % 1.0 == 0.5)  # pixel centres
    assert np.abs(np.median(dst - src, axis=0) - [2.0, 1.0]).max() < 0.3


def test_adjacent_flows_over_a_sequence():
    big = texture(96, 128, seed=11)
    offsets = [(0, 0), (2, 1), (4, 1), (5, 3)]  # top-left corners: frame t shows big[o_t + x]
    frames = [expose(big[16 + oy:64 + oy, 16 + ox:80 + ox], t)
              for (ox, oy), t in zip(offsets, [1.0, 0.25, 1.0, 0.25], strict=True)]
    pairs = adjacent_flows(iter(frames), [1.0, 0.25, 1.0, 0.25])
    assert [(p.source, p.target) for p in pairs] == [(0, 1), (1, 2), (2, 3)]
    for p, (o0, o1) in zip(pairs, zip(offsets, offsets[1:], strict=False), strict=True):
        expect = [o0[0] - o1[0], o0[1] - o1[1]]
        assert np.abs(np.median(p.flow[p.valid], axis=0) - expect).max() < 0.3
    two = adjacent_flows(frames, None, step=2)
    assert [(p.source, p.target) for p in two] == [(0, 2), (1, 3)]
    with pytest.raises(InvcamError, match="exposure times"):
        adjacent_flows(frames, [1.0, 1.0])
    with pytest.raises(InvcamError, match="step"):
        adjacent_flows(frames, None, step=0)


def test_dense_flow_rejects_mismatched_frames():
    with pytest.raises(InvcamError, match="differ in size"):
        dense_flow(np.zeros((16, 16), np.uint8), np.zeros((16, 20), np.uint8))
    with pytest.raises(InvcamError, match="at least 8"):
        dense_flow(np.zeros((4, 16), np.uint8), np.zeros((4, 16), np.uint8))


def _film(linear: np.ndarray, t: float) -> np.ndarray:
    """uint8 frame through a film-like response (shoulder and toe), not the gamma 2.2
    that the exposure normalization assumes."""
    x = np.clip(linear * t, 0.0, None)
    v = np.clip(x / (x + 0.18) * 1.18, 0.0, 1.0) ** (1 / 2.2)
    v = v * v * (3 - 2 * v) * 0.5 + v * 0.5
    return np.rint(np.clip(v, 0.0, 1.0) * 255.0).astype(np.uint8)


def test_plateaus_keep_the_flow_beside_clipped_regions_true():
    """A 6-stop pair through a film-like response, a bright patch clipped in the long frame
    and shadows black in the short one: held within what both frames measure, the trusted
    flow within 20 px of those regions is right to 0.1 px (without: about 0.2 px, dragged
    along the edges of the plateau one frame has and the other lacks)."""
    h, w, pad = 120, 160, 16
    big = texture(h + 2 * pad, w + 2 * pad, seed=0)
    yy, xx = np.mgrid[0:h + 2 * pad, 0:w + 2 * pad]
    big[(np.abs(xx - 115) < 30) & (np.abs(yy - 68) < 25)] *= 40.0
    a, b = big[pad:pad + h, pad:pad + w], big[pad - 1:pad - 1 + h, pad - 2:pad - 2 + w]
    long_, short = _film(a, 1.0), _film(b, 1 / 64)
    unusable = unusable_mask(long_) | unusable_mask(short)
    near = interior(cv2.distanceTransform((~unusable).astype(np.uint8), cv2.DIST_L2, 5) < 20)
    errors = {}
    for plateaus in (False, True):
        pair = consistent_flow(long_, short, 1.0, 1 / 64, plateaus=plateaus)
        err = np.linalg.norm(interior(pair.flow) - np.array([2.0, 1.0]), axis=-1)
        errors[plateaus] = np.median(err[near & interior(pair.valid)])
    assert errors[True] < 0.1 < errors[False]
