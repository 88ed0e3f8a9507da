"""ECC image alignment (Evangelidis & Psarakis, PAMI 2008): the registration fallback.

ECC maximizes the correlation coefficient of the two images, so it ignores gain and
offset between exposures; it needs a start within its capture range, which a pyramid
and a phase-correlation shift provide. Transforms are ``(3, 3)`` float64 on pixel-centre
coordinates (pixel ``(i, j)`` centred at ``(j + 0.5, i + 0.5)``), mapping frame ``a``
to frame ``b``; OpenCV's warps (pixel centres at integers) are converted with ``SHIFT``.

References:
    - G. D. Evangelidis, E. Z. Psarakis. "Parametric Image Alignment Using Enhanced
      Correlation Coefficient Maximization." IEEE PAMI 30(10), 2008.
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_CC = 0.3  # lowest ECC correlation accepted
# Models run after a translation, in order of growing freedom.
ECC_STAGES = {"similarity": (cv2.MOTION_EUCLIDEAN, cv2.MOTION_AFFINE),
              "homography": (cv2.MOTION_AFFINE, cv2.MOTION_HOMOGRAPHY)}
# OpenCV coordinates (pixel centres at integers) -> ours (centres at +0.5).
SHIFT = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])


def to_centre(m: np.ndarray) -> np.ndarray:
    """``(3, 3)`` transform in OpenCV's integer-centre coordinates -> pixel-centre (+0.5)."""
    return SHIFT @ m @ np.linalg.inv(SHIFT)


def to_opencv(m: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_centre`: pixel-centre ``(3, 3)`` transform -> OpenCV's."""
    return np.linalg.inv(SHIFT) @ m @ SHIFT


def similarity_of(m: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Least-squares similarity ``(3, 3)`` to a ``(3, 3)`` affine ``m`` over a ``size`` grid."""
    h, w = size
    gx, gy = np.meshgrid(np.linspace(0, w, 5), np.linspace(0, h, 5))
    src = np.stack([gx.ravel(), gy.ravel(), np.ones(gx.size)], axis=1)
    dst = src @ m.T
    x, y, one, zero = src[:, 0], src[:, 1], src[:, 2], np.zeros(gx.size)
    lhs = np.concatenate([np.stack([x, -y, one, zero], 1), np.stack([y, x, zero, one], 1)])
    a, b, tx, ty = np.linalg.lstsq(lhs, np.concatenate([dst[:, 0], dst[:, 1]]), rcond=None)[0]
    return np.array([[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]])


def ecc_pyramid(a_n: np.ndarray, b_n: np.ndarray, usable_a: np.ndarray,
                usable_b: np.ndarray) -> list[tuple]:
    """``[(a, b, mask_a, mask_b), ...]`` finest first, halving while the short side >= 24.

    The masks are the ``(H, W)`` bool usable pixels eroded by 2 px, as uint8.
    """
    masks = [cv2.erode(m.astype(np.uint8), np.ones((5, 5), np.uint8))
             for m in (usable_a, usable_b)]
    pyr = [(a_n, b_n, *masks)]
    while len(pyr) < 5 and min(pyr[-1][0].shape) >= 48:
        ta, tb, ma, mb = pyr[-1]
        da, db = cv2.pyrDown(ta), cv2.pyrDown(tb)
        size = (da.shape[1], da.shape[0])
        pyr.append((da, db, cv2.resize(ma, size, interpolation=cv2.INTER_NEAREST),
                    cv2.resize(mb, size, interpolation=cv2.INTER_NEAREST)))
    return pyr


def phase_shift(a_n: np.ndarray, b_n: np.ndarray) -> np.ndarray:
    """``(3, 3)`` translation from ``a_n`` to ``b_n`` ``(H, W)`` by phase correlation."""
    window = cv2.createHanningWindow((a_n.shape[1], a_n.shape[0]), cv2.CV_32F)
    (dx, dy), _ = cv2.phaseCorrelate(np.float32(a_n), np.float32(b_n), window)
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def ecc_level(level: tuple, warp: np.ndarray, k: int, motion: int,
              ) -> tuple[np.ndarray | None, float]:
    """One ECC run on pyramid ``level`` ``k`` from ``warp`` (pixel-centre, finest level).

    Returns the refined ``(3, 3)`` warp (pixel-centre, finest level) and the correlation,
    or ``(None, 0.0)`` when ECC does not converge.
    """
    ta, tb, ma, mb = level
    down = np.diag([0.5 ** k, 0.5 ** k, 1.0])
    init = np.linalg.inv(SHIFT) @ down @ warp @ np.linalg.inv(down) @ SHIFT
    start = np.float32(init if motion == cv2.MOTION_HOMOGRAPHY else init[:2])
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 200, 1e-6)
    try:
        cc, found = cv2.findTransformECCWithMask(ta, tb, ma, mb, start, motion, criteria, 3)
    except cv2.error:
        return None, 0.0
    found = found if found.shape[0] == 3 else np.vstack([found, [0.0, 0.0, 1.0]])
    return np.linalg.inv(down) @ to_centre(found.astype(np.float64)) @ down, float(cc)


def ecc_run(pyr: list[tuple], warp: np.ndarray, motion: int) -> tuple[np.ndarray, float]:
    """Coarse-to-fine ECC of one ``motion`` model over ``pyr`` from ``warp`` ``(3, 3)``.

    A level that does not converge keeps the previous estimate; the returned correlation
    is the finest level's (0.0 when it did not converge).
    """
    cc = 0.0
    for k in range(len(pyr) - 1, -1, -1):
        found, cc = ecc_level(pyr[k], warp, k, motion)
        if found is not None:
            warp = found
    return warp, cc


def ecc_transform(a_n: np.ndarray, b_n: np.ndarray, usable_a: np.ndarray,
                  usable_b: np.ndarray, model: str) -> tuple[np.ndarray | None, str]:
    """Coarse-to-fine ECC from ``(H, W)`` uint8 ``a_n`` to ``b_n``: pixel-centre ``(3, 3)``.

    From two starts (identity and a phase-correlation shift), models of growing freedom
    run in turn (translation, then Euclidean + affine for a similarity or affine +
    homography), each kept when it converges (correlations of different models are not
    comparable: a translation often scores higher than the right affine); the start with
    the higher final correlation wins. A similarity is the affine projected to the
    nearest similarity. Only pixels ``usable_a`` / ``usable_b`` ``(H, W)`` bool of either
    frame are compared. ``(None, reason)`` when nothing reaches a correlation of MIN_CC.
    """
    stages = [cv2.MOTION_TRANSLATION, *ECC_STAGES[model]]
    pyr = ecc_pyramid(a_n, b_n, usable_a, usable_b)
    best, best_cc = None, 0.0
    for start in (np.eye(3), phase_shift(a_n, b_n)):
        warp, cc = start, 0.0
        for motion in stages:
            found, found_cc = ecc_run(pyr, warp, motion)
            if found_cc >= MIN_CC:
                warp, cc = found, found_cc
        if cc > best_cc:
            best, best_cc = warp, cc
    if best is None or best_cc < MIN_CC:
        return None, f"did not converge (correlation {best_cc:.2f})"
    return (similarity_of(best, a_n.shape) if model == "similarity" else best), ""
