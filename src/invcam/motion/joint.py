"""Joint registration of a static stack: one similarity per image from the feature matches
of every nearby pair at once.

Chaining adjacent registrations (:func:`~invcam.motion.register.chain_to_reference`) uses
one pair per image. When that pair shares few features (a long exposure clips much of a
near-focused image; the far wall it shares with the next image is defocused in both), its
15-30 matches, each about 0.8 px off and often bunched in one region, leave the
similarity a pixel off at the frame edges, while the same image also matches a second
neighbour. Here the matches of all pairs ``|i - j| <= reach`` are pooled and the
similarities of all images solved in one linear least-squares problem, with the
reference fixed at the identity: each inlier match ``(x_i, x_j)`` asks
``S_i x_i = S_j x_j`` in reference coordinates. This is the classic "global alignment"
of image mosaicing (Szeliski & Shum, 1997) restricted to similarities, in which the
problem is linear. Each pair's matches are first re-found near where its own RANSAC
similarity puts them (:mod:`invcam.motion.guided`): a repetitive scene (text, a fence)
keeps two to three times as many.

References:
    Szeliski, R. & Shum, H.-Y. "Creating full view panoramic image mosaics and environment
    maps." SIGGRAPH 1997.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from invcam.motion.guided import guided_registration
from invcam.motion.register import Registration, estimate_transform

REACH = 2
"""Pairs of images at most this far apart in the stack's order are matched."""


def nearby_pairs(count: int, reach: int = REACH) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j <= i + reach``, of ``count`` images."""
    return [(i, j) for i in range(count) for j in range(i + 1, min(count, i + reach + 1))]


def placed_images(pairs: Sequence[tuple[int, int]], count: int, reference: int) -> np.ndarray:
    """``(B,)`` bool: the images joined to ``reference`` by a path of ``pairs``."""
    placed = np.zeros(count, bool)
    placed[reference] = True
    grown = True
    while grown:
        grown = False
        for i, j in pairs:
            if placed[i] != placed[j]:
                placed[i] = placed[j] = grown = True
    return placed


def _rows(points: np.ndarray, column: int | None, width: int, sign: float
          ) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares rows ``(2N, width)`` and constants ``(2N,)`` of ``sign * S x`` for
    points ``(N, 2)``; ``S`` has unknowns ``(a, b, tx, ty)`` at ``column`` (None: the
    reference, ``S = I``, a constant): ``S x = (a x - b y + tx, b x + a y + ty)``."""
    n = len(points)
    rows, const = np.zeros((2 * n, width)), np.zeros(2 * n)
    x, y = points[:, 0], points[:, 1]
    if column is None:
        const[0::2], const[1::2] = sign * x, sign * y
        return rows, const
    one, zero = np.ones(n), np.zeros(n)
    rows[0::2, column:column + 4] = sign * np.stack([x, -y, one, zero], axis=1)
    rows[1::2, column:column + 4] = sign * np.stack([y, x, zero, one], axis=1)
    return rows, const


def _system(matches: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
            placed: np.ndarray, column: dict[int, int], width: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """The stacked rows ``A`` ``(2N, width)`` and constants ``c`` ``(2N,)`` of every match
    between placed images: the least-squares problem is ``A theta + c = 0``."""
    rows, consts = [np.zeros((0, width))], [np.zeros(0)]
    for (i, j), (pi, pj) in matches.items():
        if placed[i] and placed[j]:
            ri, ci = _rows(pi, column.get(i), width, 1.0)
            rj, cj = _rows(pj, column.get(j), width, -1.0)
            rows.append(ri + rj)
            consts.append(ci + cj)
    return np.concatenate(rows), np.concatenate(consts)


def _least_squares(matches, count: int, reference: int) -> tuple:
    """The joint problem solved: ``(B,)`` placed images, each placed non-reference image's
    column, the rows ``A``, constants ``c`` and the parameters (None: nothing to solve)."""
    placed = placed_images(list(matches), count, reference)
    unknown = [i for i in range(count) if placed[i] and i != reference]
    column = {i: 4 * k for k, i in enumerate(unknown)}
    if not column:
        return placed, column, None, None, None
    lhs, const = _system(matches, placed, column, 4 * len(column))
    params = np.linalg.lstsq(lhs.T @ lhs, -lhs.T @ const, rcond=None)[0]
    return placed, column, lhs, const, params


def solve_similarities(matches: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                       count: int, reference: int) -> tuple[np.ndarray, np.ndarray]:
    """The similarities mapping each image's pixel coords to the reference's.

    Args:
        matches: for pairs ``(i, j)``, inlier points ``(N, 2)`` in image i and the
            matching ``(N, 2)`` in image j (pixel-centre coords).
        count: B images; ``reference`` is fixed at the identity.

    Returns:
        ``(B, 3, 3)`` transforms (the identity for images no pair joins to the reference)
        and ``(B,)`` bool, True for the images that are placed.
    """
    solution = _least_squares(matches, count, reference)
    return _transforms(solution, count), solution[0]


def _transforms(solution: tuple, count: int) -> np.ndarray:
    """``(B, 3, 3)`` similarities of a :func:`_least_squares` solution (identity where
    not placed)."""
    _, column, _, _, params = solution
    mats = np.repeat(np.eye(3)[None], count, axis=0)
    for i, c in column.items():
        a, b, tx, ty = params[c:c + 4]
        mats[i] = [[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]]
    return mats


def frame_grid(size: tuple[int, int]) -> np.ndarray:
    """``(63, 2)`` pixel coordinates ``(x, y)``: a 7 x 9 grid over 5-95 % of a frame of
    ``size`` ``(H, W)``, rows first; where registrations are compared."""
    h, w = size
    ys, xs = np.meshgrid(np.linspace(0.05 * h, 0.95 * h, 7),
                         np.linspace(0.05 * w, 0.95 * w, 9), indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def similarity_spread(matches: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                      count: int, reference: int, size: tuple[int, int]) -> np.ndarray:
    """How well the matches pin each image down: ``(B,)`` px, the median over a 7 x 9
    grid of the frame ``size`` ``(H, W)`` of the standard deviation of where
    :func:`solve_similarities` puts the pixel, from the least-squares covariance
    ``sigma^2 (A^T A)^-1`` (sigma from the residuals). 0 for the reference, NaN for an
    image that is not placed. It ignores biases common to the matches (e.g. defocus
    that differs by depth), so the true error is often larger.
    """
    return _spread(_least_squares(matches, count, reference), size)


def solve_with_spread(matches: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                      count: int, reference: int, size: tuple[int, int]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`solve_similarities` and :func:`similarity_spread` from one least-squares
    solve: ``(B, 3, 3)`` transforms, ``(B,)`` placed, ``(B,)`` spread in px."""
    solution = _least_squares(matches, count, reference)
    return _transforms(solution, count), solution[0], _spread(solution, size)


def _spread(solution: tuple, size: tuple[int, int]) -> np.ndarray:
    """:func:`similarity_spread` of a :func:`_least_squares` solution."""
    placed, column, lhs, const, params = solution
    out = np.where(placed, 0.0, np.nan)
    if not column:
        return out
    resid = lhs @ params + const
    cov = resid @ resid / max(len(resid) - len(params), 1) * np.linalg.pinv(lhs.T @ lhs)
    x, y = frame_grid(size).T
    one, zero = np.ones_like(x), np.zeros_like(x)
    jac = np.stack([np.stack([x, -y, one, zero], 1), np.stack([y, x, zero, one], 1)], 1)
    for i, c in column.items():
        var = np.einsum("nij,jk,nik->n", jac, cov[c:c + 4, c:c + 4], jac)
        out[i] = float(np.median(np.sqrt(np.maximum(var, 0.0))))
    return out


def joint_registration(frames: Sequence[np.ndarray], exposures: Sequence[float | None],
                       reference: int, known: dict[tuple[int, int], Registration] | None = None,
                       reach: int = REACH) -> tuple[np.ndarray, np.ndarray]:
    """Similarities of a static stack's images to the reference from all nearby pairs.

    Args:
        frames: B RGB frames ``(H, W, 3)``; exposures: B times in seconds (or None).
        reference: the image fixed at the identity.
        known: feature registrations of pairs already made (e.g. the adjacent ones of the
            motion decision), reused instead of matched again.
        reach: see :func:`nearby_pairs`.

    Returns:
        ``(B, 3, 3)`` image -> reference transforms and ``(B,)`` bool: placed by trusted
        feature matches (a pair counts with enough RANSAC inliers; the others are left
        at the identity). Grey features come first; colour channels matched apart
        (:func:`~invcam.motion.register.channel_matches`) are used only for the pairs
        with an image that grey features leave unplaced, since across a large focus
        difference their matches are less precise.
    """
    matches = joint_matches(frames, exposures, reference, known, reach)
    return solve_similarities(matches, len(frames), reference)


def joint_matches(frames: Sequence[np.ndarray], exposures: Sequence[float | None],
                  reference: int, known: dict[tuple[int, int], Registration] | None = None,
                  reach: int = REACH) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """The inlier matches :func:`joint_registration` solves from (same arguments), for
    :func:`solve_similarities` and :func:`similarity_spread`."""
    known = known or {}
    pairs = nearby_pairs(len(frames), reach)
    matches = _pair_matches(frames, exposures, pairs, known, channels=False)
    placed = placed_images(list(matches), len(frames), reference)
    if not placed.all():  # colour channels, only for pairs that could place an image
        missing = [(i, j) for i, j in pairs if not (placed[i] and placed[j])]
        matches.update(_pair_matches(frames, exposures, missing, known, channels=True))
    return matches


def _pair_matches(frames: Sequence[np.ndarray], exposures: Sequence[float | None],
                  pairs: Sequence[tuple[int, int]], known: dict[tuple[int, int], Registration],
                  channels: bool) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Inlier matches of the ``pairs`` that register by features: by grey features only,
    or (``channels``) also by colour channels, then guided
    (:func:`~invcam.motion.guided.guided_registration`). A ``known`` registration is
    reused when it was made the same way."""
    matches = {}
    for i, j in pairs:
        reg = known.get((i, j))
        if reg is None or (reg.by_channel and not channels):
            reg = estimate_transform(frames[i], frames[j], exposures[i], exposures[j],
                                     fallback=False, channels=channels)
        if reg.method == "features":
            reg = guided_registration(frames[i], frames[j], exposures[i], exposures[j], reg)
            matches[(i, j)] = reg.points
    return matches
