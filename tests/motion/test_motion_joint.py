"""Joint registration of a static stack: all nearby pairs' matches in one least squares."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invcam.motion.joint import nearby_pairs, placed_images, solve_similarities


def similarity(scale: float, angle_deg: float, tx: float, ty: float) -> np.ndarray:
    """``(3, 3)`` similarity: zoom, rotation (degrees) and shift in pixels."""
    c, s = np.cos(np.radians(angle_deg)) * scale, np.sin(np.radians(angle_deg)) * scale
    return np.array([[c, -s, tx], [s, c, ty], [0.0, 0.0, 1.0]])


def moved(mat: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ mat[:2, :2].T + mat[:2, 2]


def matches_of(truth: np.ndarray, pairs, rng, count: int = 40, noise: float = 0.0,
               region: tuple[float, float] = (0.0, 900.0)):
    """Matches ``(x_i, x_j)`` with ``T_i x_i = T_j x_j`` (truth: image -> reference)."""
    out = {}
    for i, j in pairs:
        ref = rng.uniform(region[0], region[1], (count, 2))
        xi = moved(np.linalg.inv(truth[i]), ref) + rng.normal(0, noise, (count, 2))
        xj = moved(np.linalg.inv(truth[j]), ref) + rng.normal(0, noise, (count, 2))
        out[(i, j)] = (xi, xj)
    return out


@settings(max_examples=20, deadline=None)
@given(st.floats(0.97, 1.03), st.floats(-0.5, 0.5), st.floats(-3, 3), st.floats(-3, 3))
def test_exact_matches_give_the_exact_similarities(scale, angle, tx, ty):
    truth = np.stack([similarity(scale, angle, tx, ty), np.eye(3),
                      similarity(1 / scale, -angle, ty, tx)])
    rng = np.random.default_rng(0)
    mats, placed = solve_similarities(matches_of(truth, nearby_pairs(3), rng), 3, 1)
    assert placed.all()
    assert np.allclose(mats, truth, atol=1e-8)


def test_a_second_pair_halves_the_error_of_a_poorly_matched_image():
    """Image 0 has 15 noisy matches bunched in one corner with the reference; its matches
    with image 2 (well tied to the reference) pull it towards the truth."""
    truth = np.stack([similarity(1.03, 0.3, -2.2, 1.0), np.eye(3),
                      similarity(0.976, 0.15, -1.8, 1.6)])
    grid = np.stack(np.meshgrid(np.linspace(50, 850, 9), np.linspace(30, 570, 7)), -1)
    grid = grid.reshape(-1, 2)
    errors = {"chain": [], "joint": []}
    for seed in range(20):
        rng = np.random.default_rng(seed)
        direct = matches_of(truth, [(0, 1)], rng, 15, 0.8, (0.0, 250.0))
        others = {**matches_of(truth, [(0, 2)], rng, 15, 0.8),
                  **matches_of(truth, [(1, 2)], rng, 300, 0.6)}
        for name, matches in (("chain", direct), ("joint", {**direct, **others})):
            mats, _ = solve_similarities(matches, 3, 1)
            gap = moved(np.linalg.inv(mats[0]), grid) - moved(np.linalg.inv(truth[0]), grid)
            errors[name].append(np.median(np.linalg.norm(gap, axis=1)))
    assert np.mean(errors["joint"]) < 0.5 * np.mean(errors["chain"])


def test_an_image_without_a_pair_to_the_reference_is_not_placed():
    truth = np.stack([similarity(1.02, 0.0, 1.0, 0.0), np.eye(3), np.eye(3),
                      similarity(0.98, 0.1, 0.0, 2.0)])
    rng = np.random.default_rng(1)
    mats, placed = solve_similarities(matches_of(truth, [(0, 1), (2, 3)], rng), 4, 1)
    assert placed.tolist() == [True, True, False, False]
    assert np.allclose(mats[0], truth[0]) and np.allclose(mats[2:], np.eye(3))
    assert placed_images([(0, 1), (1, 2)], 4, 0).tolist() == [True, True, True, False]
    assert nearby_pairs(4) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]


def _noisy_matches(count: int, noise: float, box: tuple[float, float], seed: int = 0):
    """Matches of image 1 to image 0 (a 2 px shift), ``count`` points uniform in the
    top-left ``box`` (w, h) of a 300 x 450 frame, image-1 points off by ``noise`` px."""
    rng = np.random.default_rng(seed)
    p0 = rng.uniform(0, 1, (count, 2)) * box
    p1 = p0 + [2.0, 0.0] + rng.normal(0, noise, (count, 2))
    return {(0, 1): (p0, p1)}


def test_similarity_spread_follows_the_noise_the_count_and_the_layout_of_matches():
    from invcam.motion.joint import similarity_spread

    size, whole = (300, 450), (450.0, 300.0)

    def spread(count, noise, box=whole):
        return similarity_spread(_noisy_matches(count, noise, box), 2, 0, size)[1]

    base = spread(400, 0.5)
    assert 0.01 < base < 0.1  # about 0.5 px / sqrt(400) x a few
    assert spread(400, 1.0) == pytest.approx(2 * base, rel=0.15)  # twice the noise
    assert spread(1600, 0.5) == pytest.approx(base / 2, rel=0.15)  # four times the matches
    assert spread(400, 0.5, (100.0, 70.0)) > 3 * base  # bunched in a corner
    unplaced = similarity_spread({}, 2, 0, size)
    assert unplaced[0] == 0.0 and np.isnan(unplaced[1])


def test_one_solve_gives_the_same_transforms_and_spread_as_the_two_calls():
    from invcam.motion.joint import similarity_spread, solve_with_spread

    matches = _noisy_matches(200, 0.5, (450.0, 300.0))
    mats, placed, spread = solve_with_spread(matches, 2, 0, (300, 450))
    alone, alone_placed = solve_similarities(matches, 2, 0)
    np.testing.assert_array_equal(mats, alone)
    np.testing.assert_array_equal(placed, alone_placed)
    np.testing.assert_array_equal(spread, similarity_spread(matches, 2, 0, (300, 450)))
