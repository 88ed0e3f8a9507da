"""The single-view oracle of a synthetic stack (issue: faithful on unseen scenes).

What the best possible fit could give where only one image sees the scene: the truth
everywhere, except at pixels that exactly one image sees unclipped; there, that image's
own value, brought back to irradiance through the *true* response and exposure time and
resampled into the reference geometry with the *true* breathing and shake. Its PSNR-mu
bounds what a scene allows when its brightest parts are seen once.
"""

from __future__ import annotations

import cv2
import numpy as np

CLIPPED = 0.98
"""Pixel values (of 1) at or above which an image is taken as clipped."""


def into_reference(image: np.ndarray, record: dict, interp: int) -> np.ndarray:
    """Resample an input ``(H, W, ...)`` into the reference view with the true geometry of
    its scene.json ``record``: ``from_reference``, the ``(2, 3)`` OpenCV map from reference
    to shot pixels (or, for stacks without it, breathing alone about the centre)."""
    h, w = image.shape[:2]
    from_ref = record.get("from_reference")
    if from_ref is None:
        m = record["magnification"]
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        from_ref = [[m, 0.0, (1 - m) * cx], [0.0, m, (1 - m) * cy]]
    mat = np.asarray(from_ref, dtype=np.float64)
    return cv2.warpAffine(image, mat, (w, h), flags=interp | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT)


def seen_by(result) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per image of a :class:`~invcam.synth.SynthResult`, in the reference view: the
    ``(H, W)`` mask of pixels it sees unclipped and its ``(H, W, 3)`` linear values."""
    records = result.meta["images"]
    seen, value = [], []
    for i, image in enumerate(result.images):
        unit = image.astype(np.float32) / float(np.iinfo(image.dtype).max)
        ok = (unit.max(axis=-1) < CLIPPED).astype(np.float32)
        lin = result.linear_input(i).astype(np.float32)
        seen.append(into_reference(ok, records[i], cv2.INTER_NEAREST) > 0.5)
        value.append(into_reference(lin, records[i], cv2.INTER_CUBIC).clip(0))
    return seen, value


def single_view_oracle(result, views=None) -> tuple[np.ndarray, float]:
    """The oracle ``(H, W, 3)`` of a :class:`~invcam.synth.SynthResult` and the fraction
    of pixels seen unclipped by exactly one image; ``views``: :func:`seen_by` of it when
    the caller has it already."""
    seen, value = views or seen_by(result)
    once = np.sum(seen, axis=0) == 1
    oracle = result.radiance.astype(np.float32).copy()
    for ok, lin in zip(seen, value, strict=True):
        pick = once & ok
        oracle[pick] = lin[pick]
    return oracle, float(once.mean())


def top_ratio_seen(pred: np.ndarray, gt: np.ndarray, seen: list[np.ndarray]
                   ) -> tuple[float, float]:
    """The top-band ratio (:func:`invcam.metrics_local.top_ratio`) over the top-band
    pixels that at least one image sees unclipped (``seen``: the masks of
    :func:`seen_by`), and the share of the top band that no image sees (its irradiance
    is only bounded from below, so no fit can know it)."""
    from invcam.metrics_local import band_masks, top_ratio

    top = band_masks(gt)["high"]
    unseen = top & ~np.any(seen, axis=0)
    return (top_ratio(pred, gt, top & ~unseen),
            float(unseen.sum() / max(int(top.sum()), 1)))
