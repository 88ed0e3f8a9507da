"""Global registration of differently exposed and focused frames: similarity or homography.

Conventions: every transform is a ``(3, 3)`` float64 matrix ``M`` acting on homogeneous
pixel coordinates ``(x, y, 1)`` with pixel ``(i, j)`` (row, column) centred at
``(j + 0.5, i + 0.5)``; a frame of ``W x H`` pixels covers ``[0, W] x [0, H]``.
:func:`estimate_homography` returns ``M`` mapping frame ``a`` to frame ``b``:
``b(M x) ~ a(x)``. (This is the pixel-centre convention of :mod:`invcam.method.imaging`; OpenCV
puts pixel centres at integers, so its keypoints and ECC warps are shifted by 0.5 here.)

Features are SIFT keypoints on exposure-normalized grey images (see
:func:`invcam.motion.exposure.normalize_pair`), away from clipped pixels, matched with
Lowe's ratio test and fitted with RANSAC. With too few, each colour channel is matched
on its own (a channel can see texture where another clips) and the matches are pooled.
With too few still, ECC (see
:mod:`invcam.motion.ecc`) runs coarse to fine; if that fails too the identity is
returned and the reason logged.

References:
    - D. G. Lowe. "Distinctive Image Features from Scale-Invariant Keypoints." IJCV
      60(2), 2004.
    - M. A. Fischler, R. C. Bolles. "Random Sample Consensus." Comm. ACM 24(6), 1981.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from invcam.errors import InvcamError
from invcam.motion.ecc import ecc_transform
from invcam.motion.exposure import normalize_pair, unusable_mask

log = logging.getLogger(__name__)
MODELS = ("similarity", "homography")
MIN_INLIERS = {"similarity": 12, "homography": 16}  # fewer: ECC is more accurate
RATIO = 0.8
RANSAC_PX = 1.5


@dataclass(frozen=True)
class Registration:
    """A transform ``matrix`` ``(3, 3)`` float64 (a -> b) and how it was obtained.

    ``method`` is ``"features"``, ``"ecc"`` or ``"identity"``; ``inliers`` counts RANSAC
    inliers (0 otherwise); ``reason`` says why a fallback ran ("" when none did);
    ``points``: for features, the inlier matches ``(N, 2)`` in a and ``(N, 2)`` in b;
    ``by_channel``: the features were matched per colour channel (:func:`channel_matches`).
    """

    matrix: np.ndarray
    method: str
    inliers: int = 0
    reason: str = ""
    points: tuple[np.ndarray, np.ndarray] | None = None
    by_channel: bool = False


def detect(grey: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """SIFT keypoints ``(N, 2)`` pixel-centre (x, y) and descriptors of ``(H, W)`` uint8 grey.

    Keypoints lie on ``usable`` ``(H, W)`` bool pixels, eroded by 2 px so that edges of
    clipped regions (spurious in a normalized pair) are not used.
    """
    mask = cv2.erode(usable.astype(np.uint8) * 255, np.ones((5, 5), np.uint8))
    # Precise upscaling: without it OpenCV's keypoints sit 0.25 px off (x -> 2x + 0.5).
    sift = cv2.SIFT_create(nfeatures=4000, contrastThreshold=0.02, enable_precise_upscale=True)
    keys, desc = sift.detectAndCompute(grey, mask)
    pts = np.array([k.pt for k in keys], dtype=np.float64).reshape(-1, 2) + 0.5
    return pts, desc


def match_points(a_n: np.ndarray, b_n: np.ndarray, usable_a: np.ndarray,
                 usable_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ratio-test SIFT matches: pixel-centre points ``(N, 2)`` in a and ``(N, 2)`` in b."""
    pa, da = detect(a_n, usable_a)
    pb, db = detect(b_n, usable_b)
    if da is None or db is None or len(pa) < 2 or len(pb) < 2:
        return np.zeros((0, 2)), np.zeros((0, 2))
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(da, db, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    ia = np.array([m.queryIdx for m in good], dtype=int)
    ib = np.array([m.trainIdx for m in good], dtype=int)
    keep = one_to_one(ib)
    return pa[ia[keep]].reshape(-1, 2), pb[ib[keep]].reshape(-1, 2)


def one_to_one(train: np.ndarray) -> np.ndarray:
    """``(N,)`` bool: the matches whose keypoint in b no other match claims.

    Lowe's ratio test is one-sided: many keypoints of a can pass it towards one keypoint
    of b (a degenerate or repeated structure). Those matches are ambiguous and are all
    dropped; left in, RANSAC can fit a zero-scale "similarity" that sends them all to that
    one point with many "inliers", and the pair is lost.
    """
    return np.bincount(train)[train] == 1


def fit_matches(src: np.ndarray, dst: np.ndarray, model: str) -> tuple[np.ndarray | None, int]:
    """RANSAC fit of ``model`` to matched points ``(N, 2)``: ``(3, 3)`` matrix and inliers."""
    if len(src) < MIN_INLIERS[model]:
        return None, 0
    s, d = src.astype(np.float32), dst.astype(np.float32)
    if model == "similarity":
        m, inl = cv2.estimateAffinePartial2D(s, d, method=cv2.RANSAC,
                                             ransacReprojThreshold=RANSAC_PX,
                                             maxIters=4000, confidence=0.999, refineIters=20)
        m = None if m is None else np.vstack([m, [0.0, 0.0, 1.0]])
    else:
        m, inl = cv2.findHomography(s, d, cv2.RANSAC, RANSAC_PX, maxIters=4000,
                                    confidence=0.999)
    count = 0 if inl is None else int(inl.sum())
    return (None if m is None else np.asarray(m, dtype=np.float64)), count


def plausible(m: np.ndarray | None, size: tuple[int, int]) -> bool:
    """True for a finite transform that keeps frame corners in front and scale in [1/3, 3]."""
    if m is None or not np.all(np.isfinite(m)):
        return False
    h, w = size
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64)
    if np.any(corners @ m[2] <= 1e-6 * abs(m[2, 2])):
        return False
    det = np.linalg.det(m[:2, :2] / m[2, 2])
    return 1.0 / 9.0 < det < 9.0


def channel_matches(a: np.ndarray, b: np.ndarray, t_a: float | None, t_b: float | None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Feature matches ``(N, 2)``, ``(N, 2)`` of each colour channel on its own, pooled.

    A long exposure often clips one channel only (a red curtain, a white table whose
    blue stays below the top code); the grey image counts such pixels as clipped, while
    the other channels still see their texture. Each channel is normalized as a grey
    image with its own clipping mask.
    """
    pooled_a, pooled_b = [np.zeros((0, 2))], [np.zeros((0, 2))]
    for c in range(3):
        a_c = np.repeat(np.asarray(a)[..., c:c + 1], 3, axis=2)
        b_c = np.repeat(np.asarray(b)[..., c:c + 1], 3, axis=2)
        clip_a, clip_b = unusable_mask(a_c), unusable_mask(b_c)
        if clip_a.all() or clip_b.all():
            continue
        a_n, b_n, _ = normalize_pair(a_c, b_c, t_a, t_b, clipped=(clip_a, clip_b))
        src, dst = match_points(a_n, b_n, ~clip_a, ~clip_b)
        pooled_a.append(src)
        pooled_b.append(dst)
    return np.concatenate(pooled_a), np.concatenate(pooled_b)


def trusted_features(src: np.ndarray, dst: np.ndarray, model: str, size: tuple[int, int],
             by_channel: bool = False) -> tuple[Registration | None, int]:
    """RANSAC ``model`` of matches ``(N, 2)`` -> ``(N, 2)`` as a feature Registration
    with its inlier points (None with too few inliers or an implausible transform), and
    the inlier count; ``by_channel``: the matches came from :func:`channel_matches`."""
    m, inliers = fit_matches(src, dst, model)
    if inliers < MIN_INLIERS[model] or not plausible(m, size):
        return None, inliers
    m = m / m[2, 2]
    moved = np.c_[src, np.ones(len(src))] @ m.T
    keep = np.linalg.norm(moved[:, :2] / moved[:, 2:] - dst, axis=1) <= RANSAC_PX
    reason = "too few grey feature matches; colour channels matched" if by_channel else ""
    return Registration(m, "features", inliers, reason, (src[keep], dst[keep]),
                        by_channel), inliers


def estimate_transform(a: np.ndarray, b: np.ndarray, t_a: float | None = None,
                       t_b: float | None = None, model: str = "similarity",
                       fallback: bool = True, channels: bool = True) -> Registration:
    """Transform from frame ``a`` to frame ``b`` with the method used; see module docstring.

    Args:
        a, b: ``(H, W, 3)`` RGB frames, uint8 or float in [0, 1], same size.
        t_a, t_b: exposure times in seconds, or None when unknown.
        model: ``"similarity"`` (shift, rotation, uniform zoom) or ``"homography"``.
        fallback: run ECC when features fail (False: the identity at once, for callers
            that trust feature matches only).
        channels: match each colour channel when the grey features are too few.
    """
    if model not in MODELS:
        raise InvcamError(f"unknown registration model {model!r}; use one of {MODELS}")
    clip_a, clip_b = unusable_mask(a), unusable_mask(b)
    a_n, b_n, _ = normalize_pair(a, b, t_a, t_b, clipped=(clip_a, clip_b))
    size = a_n.shape
    usable_a, usable_b = ~clip_a, ~clip_b
    src, dst = match_points(a_n, b_n, usable_a, usable_b)
    found, inliers = trusted_features(src, dst, model, size)
    if found is None and channels and np.ndim(a) == 3:  # grey clips where any channel does
        found = trusted_features(*channel_matches(a, b, t_a, t_b), model, size, by_channel=True)[0]
    if found is not None:
        return found
    reason = (f"{len(src)} feature matches, {inliers} RANSAC inliers "
              f"(need {MIN_INLIERS[model]})")
    if not fallback:
        return Registration(np.eye(3), "identity", 0, reason)
    m, why = ecc_transform(a_n, b_n, usable_a, usable_b, model)
    if m is not None and plausible(m, size):
        return Registration(m / m[2, 2], "ecc", 0, reason)
    reason = f"{reason}; ECC: {why or 'implausible transform'}"
    log.warning("registration fell back to the identity: %s", reason)
    return Registration(np.eye(3), "identity", 0, reason)


def estimate_homography(a: np.ndarray, b: np.ndarray, t_a: float | None = None,
                        t_b: float | None = None, model: str = "similarity") -> np.ndarray:
    """``(3, 3)`` float64 ``M`` mapping pixel-centre coords ``(x, y, 1)`` of ``a`` to ``b``.

    ``b(M x) ~ a(x)``, ``M[2, 2] = 1``. Features + RANSAC, then ECC, then the identity
    (logged); :func:`estimate_transform` also returns which one and why.
    """
    return estimate_transform(a, b, t_a, t_b, model).matrix


def adjacent_registrations(frames: Sequence[np.ndarray],
                           exposures: Sequence[float | None] | None,
                           model: str = "similarity",
                           fallback: bool = True) -> list[Registration]:
    """:func:`estimate_transform` of each neighbouring pair ``t -> t + 1`` (``B - 1``).

    Args:
        frames: ``B`` RGB frames ``(H, W, 3)``, in order.
        exposures: ``B`` exposure times in seconds (entries may be None), or None.
        model, fallback: see :func:`estimate_transform`.
    """
    count = len(frames)
    times = [None] * count if exposures is None else list(exposures)
    if len(times) != count:
        raise InvcamError(f"{count} frames but {len(times)} exposure times")
    return [estimate_transform(frames[t], frames[t + 1], times[t], times[t + 1], model,
                               fallback) for t in range(count - 1)]


def adjacent_steps(frames: Sequence[np.ndarray], exposures: Sequence[float | None] | None,
                   model: str = "similarity") -> np.ndarray:
    """``(B - 1, 3, 3)`` transforms mapping frame t's pixel coords to frame t + 1's
    (:func:`adjacent_registrations`; a failed pair contributes the identity, logged)."""
    regs = adjacent_registrations(frames, exposures, model)
    return np.asarray([r.matrix for r in regs], dtype=np.float64).reshape(-1, 3, 3)


def chain_to_reference(steps: np.ndarray, reference: int) -> np.ndarray:
    """Chain adjacent ``steps`` ``(B - 1, 3, 3)`` (t -> t + 1) into ``(B, 3, 3)`` transforms
    mapping each frame's pixel coords to the reference frame's (identity for it)."""
    count = len(steps) + 1
    if not 0 <= reference < count:
        raise InvcamError(f"reference {reference} is out of range for {count} frames")
    out = np.repeat(np.eye(3)[None], count, axis=0)
    for t in range(reference - 1, -1, -1):
        out[t] = out[t + 1] @ steps[t]
    for t in range(reference + 1, count):
        out[t] = out[t - 1] @ np.linalg.inv(steps[t - 1])
    return out / out[:, 2:3, 2:3]


def register_to_reference(frames: Sequence[np.ndarray],
                          exposures: Sequence[float | None] | None, reference: int,
                          model: str = "similarity") -> np.ndarray:
    """``(B, 3, 3)`` transforms mapping each frame's pixel coords to the reference frame's.

    Args:
        frames: ``B`` RGB frames ``(H, W, 3)`` of a video, in order.
        exposures: ``B`` exposure times in seconds (entries may be None), or None.
        reference: index of the reference frame (it gets the identity).
        model: see :func:`estimate_transform`.

    Adjacent frames are registered (``t -> t + 1``, :func:`adjacent_steps`) and chained,
    which tolerates camera motion too large for matching distant frames directly; errors
    accumulate along the chain. A failed pair contributes the identity (logged).
    """
    if not 0 <= reference < len(frames):
        raise InvcamError(f"reference {reference} is out of range for {len(frames)} frames")
    return chain_to_reference(adjacent_steps(frames, exposures, model), reference)


def union_bounds(transforms: np.ndarray, size: tuple[int, int],
                 ) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` box, in reference pixel coords, of all frames mapped there.

    Args:
        transforms: ``(B, 3, 3)`` (or ``(3, 3)``) frame -> reference transforms.
        size: ``(H, W)`` of every frame; its corners are ``(0, 0)`` .. ``(W, H)`` (pixel
            edges, pixel-centre convention), so the identity gives ``(0, 0, W, H)``.
    """
    mats = np.asarray(transforms, dtype=np.float64).reshape(-1, 3, 3)
    h, w = size
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64)
    mapped = np.einsum("bij,kj->bki", mats, corners)
    if np.any(mapped[..., 2] <= 0):
        raise InvcamError("a transform maps frame corners to infinity; check the registration")
    xy = mapped[..., :2] / mapped[..., 2:]
    x0, y0 = xy.reshape(-1, 2).min(axis=0)
    x1, y1 = xy.reshape(-1, 2).max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)
