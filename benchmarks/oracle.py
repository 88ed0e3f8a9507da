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


def _to_reference(image: np.ndarray, from_ref: list, interp: int) -> np.ndarray:
    """Sample an image at the shot pixel of each reference pixel (``(2, 3)`` OpenCV map)."""
    h, w = image.shape[:2]
    mat = np.asarray(from_ref, dtype=np.float64)
    return cv2.warpAffine(image, mat, (w, h), flags=interp | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT)


def single_view_oracle(result) -> tuple[np.ndarray, float]:
    """The oracle ``(H, W, 3)`` of a :class:`~invcam.synth.SynthResult` and the fraction
    of pixels seen unclipped by exactly one image."""
    size = result.radiance.shape[:2]
    records = result.meta["images"]
    seen, value = [], []
    for i, image in enumerate(result.images):
        unit = image.astype(np.float32) / float(np.iinfo(image.dtype).max)
        ok = (unit.max(axis=-1) < CLIPPED).astype(np.float32)
        from_ref = records[i].get("from_reference")
        if from_ref is None:  # tuning scenes: breathing only, about the centre
            m = records[i]["magnification"]
            cx, cy = (size[1] - 1) / 2.0, (size[0] - 1) / 2.0
            from_ref = [[m, 0.0, (1 - m) * cx], [0.0, m, (1 - m) * cy]]
        lin = result.linear_input(i).astype(np.float32)
        seen.append(_to_reference(ok, from_ref, cv2.INTER_NEAREST) > 0.5)
        value.append(_to_reference(lin, from_ref, cv2.INTER_CUBIC).clip(0))
    count = np.sum(seen, axis=0)
    once = count == 1
    oracle = result.radiance.astype(np.float32).copy()
    for ok, lin in zip(seen, value, strict=True):
        pick = once & ok
        oracle[pick] = lin[pick]
    return oracle, float(once.mean())
