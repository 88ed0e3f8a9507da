"""Global registration: similarity / homography recovery, fallbacks, chaining, bounds."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
from motion_helpers import crop, expose, texture

from invcam.errors import InvcamError
from invcam.motion import (
    estimate_homography,
    estimate_transform,
    joint_registration,
    register_to_reference,
    union_bounds,
)
from invcam.motion.register import one_to_one
from invcam.synth import synthesize

# OpenCV index coordinates (pixel centres at integers) -> pixel-centre coordinates (+0.5).
CENTRE = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])


def corners(m: np.ndarray, height: int, width: int) -> np.ndarray:
    """The frame corners ``(4, 2)`` mapped by ``m`` ``(3, 3)``."""
    pts = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], float)
    out = pts @ m.T
    return out[:, :2] / out[:, 2:]


def corner_error(m: np.ndarray, truth: np.ndarray, height: int, width: int) -> float:
    """Largest corner displacement (px) between two ``(3, 3)`` transforms."""
    return float(np.abs(corners(m, height, width) - corners(truth, height, width)).max())


def warped_pair(height: int, width: int, cv_matrix: np.ndarray, seed: int,
                t_a: float = 1.0, t_b: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames ``a``, ``b = warp(a)`` (OpenCV ``(3, 3)`` matrix) and the pixel-centre truth."""
    lin = texture(height, width, seed=seed)
    size = (width, height)
    if np.allclose(cv_matrix[2], [0, 0, 1]):
        lin_b = cv2.warpAffine(lin, cv_matrix[:2], size, flags=cv2.INTER_CUBIC)
    else:
        lin_b = cv2.warpPerspective(lin, cv_matrix, size, flags=cv2.INTER_CUBIC)
    truth = CENTRE @ cv_matrix @ np.linalg.inv(CENTRE)  # b(truth x) = a(x)
    return expose(lin, t_a), expose(np.clip(lin_b, 0, None), t_b), truth


def similarity(height: int, width: int) -> np.ndarray:
    """Shift (4, -3) px, 2 % zoom and 1 degree rotation about the centre, OpenCV ``(3, 3)``."""
    m = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), 1.0, 1.02)
    m[:, 2] += (4.0, -3.0)
    return np.vstack([m, [0.0, 0.0, 1.0]])


@pytest.mark.parametrize("times", [(1.0, 1.0), (0.25, 1.0), (None, None)])
def test_similarity_is_recovered_across_exposures(times):
    t_a, t_b = (0.25, 1.0) if times[0] is None else times
    a, b, truth = warped_pair(120, 160, similarity(120, 160), seed=20, t_a=t_a, t_b=t_b)
    reg = estimate_transform(a, b, *times)
    assert reg.method == "features" and reg.inliers >= 20
    assert corner_error(reg.matrix, truth, 120, 160) < 0.5
    assert corner_error(np.eye(3), truth, 120, 160) > 4  # the test can fail


def test_pixel_centre_convention():
    """A 1.25x zoom about OpenCV's origin is a zoom about (0.5, 0.5) with centres at +0.5."""
    zoom = np.diag([1.25, 1.25, 1.0])
    a, b, truth = warped_pair(120, 160, zoom, seed=21)
    m = estimate_homography(a, b)
    assert truth[0, 2] == pytest.approx(-0.125) and truth[1, 2] == pytest.approx(-0.125)
    assert np.abs(m - truth).max() < 0.06
    assert np.abs(m - zoom).max() > 0.08  # OpenCV's own convention would be off


def test_homography_is_recovered():
    persp = np.array([[1.01, 0.02, 3.0], [-0.01, 0.99, -2.0], [2e-4, -1e-4, 1.0]])
    a, b, truth = warped_pair(120, 160, persp, seed=22, t_a=0.25)
    m = estimate_homography(a, b, 0.25, 1.0, model="homography")
    assert corner_error(m, truth, 120, 160) < 0.5
    sim = estimate_homography(a, b, 0.25, 1.0, model="similarity")
    assert corner_error(sim, truth, 120, 160) > corner_error(m, truth, 120, 160)


def test_ecc_takes_over_when_features_are_scarce():
    big = texture(80, 96, seed=20, cell=16)  # smooth: SIFT finds a handful of matches
    a = expose(crop(big, 16, 16, 48, 64), 0.25)
    b = expose(crop(big, 13, 18, 48, 64), 1.0)  # b(x + (3, -2)) = a(x)
    reg = estimate_transform(a, b, 0.25, 1.0, channels=False)
    assert reg.method == "ecc" and "feature matches" in reg.reason
    truth = np.array([[1.0, 0.0, 3.0], [0.0, 1.0, -2.0], [0.0, 0.0, 1.0]])
    assert corner_error(reg.matrix, truth, 48, 64) < 0.5
    # The three channels of this colour texture hold enough features together.
    by_channel = estimate_transform(a, b, 0.25, 1.0)
    assert by_channel.method == "features" and by_channel.by_channel
    assert corner_error(by_channel.matrix, truth, 48, 64) < 0.5


def test_identity_with_a_reason_when_everything_fails(caplog):
    flat = np.full((48, 64, 3), 120, np.uint8)
    with caplog.at_level(logging.WARNING, logger="invcam.motion.register"):
        reg = estimate_transform(flat, flat)
    assert reg.method == "identity" and np.array_equal(reg.matrix, np.eye(3))
    assert "ECC" in reg.reason and "identity" in caplog.text


def _three_frames() -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """Three 96 x 128 crops of one texture at known offsets, 4x exposures apart."""
    big = texture(160, 200, seed=24)
    offsets = [(30, 30), (36, 26), (43, 23)]  # frame t pixel x shows big at x + offset
    frames = [expose(crop(big, ox, oy, 96, 128), t)
              for (ox, oy), t in zip(offsets, [1.0, 0.25, 1.0], strict=True)]
    return frames, offsets


@pytest.mark.parametrize("reference", [0, 1, 2])
def test_register_to_reference_chains_shifts(reference):
    frames, offsets = _three_frames()
    out = register_to_reference(frames, [1.0, 0.25, 1.0], reference)
    assert out.shape == (3, 3, 3) and np.allclose(out[reference], np.eye(3))
    ref = np.array(offsets[reference], float)
    for m, off in zip(out, offsets, strict=True):
        truth = np.eye(3)
        truth[:2, 2] = np.array(off, float) - ref
        assert corner_error(m, truth, 96, 128) < 0.3


def test_register_to_reference_rejects_bad_input():
    frames, _ = _three_frames()
    with pytest.raises(InvcamError, match="out of range"):
        register_to_reference(frames, None, 3)
    with pytest.raises(InvcamError, match="exposure times"):
        register_to_reference(frames, [1.0], 0)
    with pytest.raises(InvcamError, match="unknown registration model"):
        estimate_homography(frames[0], frames[1], model="affine")


def test_union_bounds():
    shifts = [(0.0, 0.0), (5.0, -3.0), (-4.0, 2.5)]
    mats = np.repeat(np.eye(3)[None], 3, axis=0)
    mats[:, :2, 2] = shifts
    assert union_bounds(np.eye(3), (48, 64)) == (0.0, 0.0, 64.0, 48.0)
    assert union_bounds(mats, (48, 64)) == pytest.approx((-4.0, -3.0, 69.0, 50.5))
    zoom = np.diag([2.0, 2.0, 1.0])
    assert union_bounds(zoom[None], (10, 20)) == pytest.approx((0.0, 0.0, 40.0, 20.0))
    with pytest.raises(InvcamError, match="infinity"):
        union_bounds(np.array([[1.0, 0, 0], [0, 1, 0], [0, -1, 1]]), (48, 64))


def test_one_to_one_drops_every_match_of_a_shared_keypoint():
    keep = one_to_one(np.array([3, 1, 3, 0, 3, 7]))
    assert keep.tolist() == [False, True, False, True, False, True]
    assert one_to_one(np.zeros(0, int)).shape == (0,)


def test_many_to_one_matches_do_not_lose_an_image():
    """bars (test set) at 300x450: most of the long exposure's ratio-test matches go to
    one keypoint of the reference; kept, RANSAC fits a zero-scale similarity to them and
    the image is left at the identity, pixels off. One-to-one matches place it."""
    res = synthesize("bars", layout="diagonal", size=(300, 450), seed=0)
    records = res.meta["images"]
    mats, placed = joint_registration(list(res.images), [r["exposure"] for r in records], 1)
    assert placed.all()
    truth = np.vstack([np.asarray(records[0]["from_reference"]), [0.0, 0.0, 1.0]])
    ref_to_shot = CENTRE @ truth @ np.linalg.inv(CENTRE)
    assert corner_error(mats[0] @ ref_to_shot, np.eye(3), 300, 450) < 1.0


def test_an_image_clipped_in_grey_is_placed_by_its_colour_channels():
    """speculars (test set) at 300x450: the near-focused long exposure clips the white
    table and the red curtain in some channel, so its grey image shares too few
    features with any other image and it was left at the identity, pixels off. Its
    green and blue channels still see the texture there."""
    res = synthesize("speculars", layout="diagonal", size=(300, 450), seed=0)
    records = res.meta["images"]
    times = [r["exposure"] for r in records]
    grey = estimate_transform(res.images[0], res.images[1], times[0], times[1],
                              fallback=False)
    assert grey.method == "features" and "colour channels" in grey.reason
    mats, placed = joint_registration(list(res.images), times, 1)
    assert placed.all()
    truth = np.vstack([np.asarray(records[0]["from_reference"]), [0.0, 0.0, 1.0]])
    ref_to_shot = CENTRE @ truth @ np.linalg.inv(CENTRE)
    assert corner_error(mats[0] @ ref_to_shot, np.eye(3), 300, 450) < 1.5
