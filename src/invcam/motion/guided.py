"""Guided feature matching: matches re-found near where a first registration puts them.

Lowe's ratio test compares a keypoint's best match with its second best over the whole
other image. Where a scene repeats itself (the glyphs of a page of text, the links of a
fence, a row of windows) the second best is nearly as close, and most true matches are
dropped: a pair of differently focused images of a page may keep 20 of its few hundred
keypoints, and a similarity solved from 20 matches, each biased by the two images'
different defocus, is a pixel off at the frame edges. Once a first registration is known,
the competition can be restricted to the keypoints of the other image within a few pixels
of the predicted place ("guided matching", Hartley & Zisserman, Sec. 11.6, step (v)):
repeats farther away no longer compete, and the pair keeps two to three times as many
matches.

References:
    R. Hartley, A. Zisserman. "Multiple View Geometry in Computer Vision", 2nd ed.,
    Cambridge University Press, 2004. Algorithm 11.4 (guided matching).
"""

from __future__ import annotations

import numpy as np

from invcam.motion.exposure import normalize_pair, unusable_mask
from invcam.motion.register import (
    Registration,
    detect,
    one_to_one,
    trusted_features,
)

GUIDE_PX = 4.0
"""Search radius (px) around the place a first registration predicts."""
GUIDE_RATIO = 0.9
"""Ratio test among the candidates within ``GUIDE_PX``: looser than Lowe's 0.8, since the
repeats farther away no longer compete and RANSAC still checks every match."""
CHUNK = 1024
"""Keypoints of a compared with all of b's at once (bounds the distance table's memory)."""


def guided_pairs(pa: np.ndarray, da: np.ndarray, pb: np.ndarray, db: np.ndarray,
                 matrix: np.ndarray, radius: float = GUIDE_PX,
                 ratio: float = GUIDE_RATIO) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(N,)`` into a's and b's keypoints of the matches whose b keypoint lies
    within ``radius`` px of ``matrix`` ``(3, 3)`` applied to the a keypoint and passes the
    ratio test against the other candidates there (one candidate passes alone).

    Args:
        pa, pb: ``(Na, 2)``, ``(Nb, 2)`` keypoint positions; da, db: their descriptors.
    """
    moved = np.c_[pa, np.ones(len(pa))] @ matrix.T
    moved = moved[:, :2] / moved[:, 2:]
    ia, ib = [], []
    for start in range(0, len(pa), CHUNK):
        near = np.linalg.norm(moved[start:start + CHUNK, None] - pb[None], axis=2) <= radius
        for row in np.flatnonzero(near.any(axis=1)):
            cand = np.flatnonzero(near[row])
            dist = np.linalg.norm(db[cand] - da[start + row], axis=1)
            order = np.argsort(dist)
            if len(cand) == 1 or dist[order[0]] < ratio * dist[order[1]]:
                ia.append(start + row)
                ib.append(cand[order[0]])
    ia, ib = np.asarray(ia, dtype=int), np.asarray(ib, dtype=int)
    keep = one_to_one(ib)
    return ia[keep], ib[keep]


def guided_registration(a: np.ndarray, b: np.ndarray, t_a: float | None, t_b: float | None,
                        first: Registration, model: str = "similarity") -> Registration:
    """``first`` (a feature registration of frame ``a`` to ``b``, ``(H, W, 3)`` each, with
    exposure times ``t_a``, ``t_b``) refitted from guided matches of grey SIFT keypoints;
    ``first`` itself when that keeps no more RANSAC inliers or is not trusted, and for a
    registration that is not by grey features (ECC, identity, colour channels)."""
    if first.method != "features" or first.by_channel:
        return first
    clip_a, clip_b = unusable_mask(a), unusable_mask(b)
    a_n, b_n, _ = normalize_pair(a, b, t_a, t_b, clipped=(clip_a, clip_b))
    pa, da = detect(a_n, ~clip_a)
    pb, db = detect(b_n, ~clip_b)
    if da is None or db is None:
        return first
    ia, ib = guided_pairs(pa, da, pb, db, first.matrix)
    found, inliers = trusted_features(pa[ia], pb[ib], model, a_n.shape)
    if found is None or inliers <= first.inliers:
        return first
    return found


__all__ = ["GUIDE_PX", "GUIDE_RATIO", "guided_pairs", "guided_registration"]
