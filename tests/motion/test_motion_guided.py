"""Guided matching: a page of a few repeated glyphs, where Lowe's ratio test keeps few."""

from __future__ import annotations

import cv2
import numpy as np

from invcam.motion.guided import guided_pairs, guided_registration
from invcam.motion.register import estimate_transform

CENTRE = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])


def glyph_page(height: int, width: int, kinds: int, seed: int = 0) -> np.ndarray:
    """``(H, W)`` float32 page: 15-px glyphs, ``kinds`` distinct ones, on a 20 x 18 px grid."""
    rng = np.random.default_rng(seed)
    glyphs = [cv2.resize((rng.random((5, 5)) > 0.5).astype(np.float32), (15, 15),
                         interpolation=cv2.INTER_NEAREST) for _ in range(kinds)]
    page = np.zeros((height, width), np.float32)
    for y in range(0, height - 15, 20):
        for x in range(0, width - 15, 18):
            page[y:y + 15, x:x + 15] = glyphs[rng.integers(kinds)]
    return 0.1 + 0.6 * page


def corner_error(m: np.ndarray, truth: np.ndarray, height: int, width: int) -> float:
    """Largest displacement (px) of the frame corners between two ``(3, 3)`` transforms."""
    pts = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], float)
    return float(np.abs((pts @ m.T)[:, :2] - (pts @ truth.T)[:, :2]).max())


def test_guided_matching_keeps_the_repeated_glyphs_and_places_them():
    h, w = 240, 360
    page = glyph_page(h, w, kinds=6)
    cv_m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), 0.4, 1.02)
    cv_m[:, 2] += (1.3, -0.7)
    moved = cv2.warpAffine(page, cv_m, (w, h), flags=cv2.INTER_CUBIC)
    a, b = (np.repeat(np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)[..., None], 3, axis=2)
            for x in (page, moved))
    truth = CENTRE @ np.vstack([cv_m, [0, 0, 1]]) @ np.linalg.inv(CENTRE)
    first = estimate_transform(a, b, None, None, fallback=False, channels=False)
    assert first.method == "features"
    guided = guided_registration(a, b, None, None, first)
    assert guided.inliers > 5 * first.inliers  # the ratio test drops most repeated glyphs
    assert corner_error(guided.matrix, truth, h, w) < 0.05
    assert corner_error(guided.matrix, truth, h, w) < corner_error(first.matrix, truth, h, w)


def test_guided_pairs_take_the_candidate_near_the_prediction():
    pa = np.array([[10.0, 10.0], [50.0, 50.0]])
    da = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    # b: a twin of keypoint 0's descriptor far away (it would fail a global ratio test)
    pb = np.array([[12.0, 11.0], [80.0, 80.0], [52.5, 50.0], [53.0, 50.0]])
    db = np.array([[1.0, 0.05], [1.0, 0.0], [0.1, 1.0], [0.0, 0.9]], np.float32)
    shift = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    ia, ib = guided_pairs(pa, da, pb, db, shift)
    # keypoint 0 -> its only candidate within 4 px; keypoint 1 has two near-equal
    # candidates there and fails the ratio test
    assert ia.tolist() == [0] and ib.tolist() == [0]


def test_guided_registration_leaves_a_registration_without_features_alone():
    a = np.full((60, 80, 3), 128, np.uint8)
    first = estimate_transform(a, a, None, None, fallback=False, channels=False)
    assert guided_registration(a, a, None, None, first) is first
