"""All-in-focus fusion written with OpenCV: the fallback when enfuse is not installed.

- Alignment: ECC (Evangelidis & Psarakis 2008, ``cv2.findTransformECC``) with an affine
  warp onto the reference image, which corrects the magnification change of refocusing.
- Fusion: Laplacian pyramid (Burt & Adelson 1983) with per-pixel hard selection of the
  coefficient with the largest local contrast, as in the focus-stacking mode of
  Mertens et al. (2007) / enfuse ``--contrast-weight=1 --hard-mask``; the coarsest
  level is averaged.

References:
    - G. D. Evangelidis, E. Z. Psarakis. "Parametric Image Alignment Using Enhanced
      Correlation Coefficient Maximization." IEEE PAMI 30(10), 2008.
    - P. J. Burt, E. H. Adelson. "The Laplacian Pyramid as a Compact Image Code." IEEE
      Trans. Communications 31(4), 1983.
    - T. Mertens, J. Kautz, F. Van Reeth. "Exposure Fusion." Pacific Graphics 2007.
"""

from __future__ import annotations

import cv2
import numpy as np

from invcam.photometry import to_unit


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image.astype(np.float32), cv2.COLOR_RGB2GRAY)


def ecc_align(images: list[np.ndarray], ref: int) -> tuple[list[np.ndarray], list[bool]]:
    """Warp float ``(H, W, 3)`` images onto ``images[ref]`` with an affine ECC fit.

    Returns:
        the warped images (the reference unchanged; borders replicated) and, per image,
        whether ECC converged (an image whose fit fails is kept as it is).
    """
    h, w = images[ref].shape[:2]
    template = _grey(images[ref])
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 200, 1e-6)
    out, ok = [], []
    for i, image in enumerate(images):
        if i == ref:
            out.append(image)
            ok.append(True)
            continue
        warp = np.eye(2, 3, dtype=np.float32)
        try:
            _, warp = cv2.findTransformECC(template, _grey(image), warp, cv2.MOTION_AFFINE,
                                           criteria, None, 5)
        except cv2.error:
            out.append(image)
            ok.append(False)
            continue
        out.append(cv2.warpAffine(image, warp, (w, h), flags=cv2.INTER_LINEAR
                                  | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE))
        ok.append(True)
    return out, ok


def _laplacian_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    pyr, cur = [], image
    for _ in range(levels):
        down = cv2.pyrDown(cur)
        up = cv2.pyrUp(down, dstsize=(cur.shape[1], cur.shape[0]))
        pyr.append(cur - up)
        cur = down
    pyr.append(cur)
    return pyr


def _contrast(band: np.ndarray) -> np.ndarray:
    """Local contrast of a Laplacian band ``(h, w, 3)``: 3x3 mean of |band| summed over RGB."""
    return cv2.blur(np.abs(band).sum(axis=-1), (3, 3))


def laplacian_focus_fusion(images: list[np.ndarray], levels: int | None = None) -> np.ndarray:
    """Fuse aligned float ``(H, W, 3)`` images into one all-in-focus ``(H, W, 3)`` image.

    At each Laplacian level the coefficient of the image with the largest local
    contrast is taken (hard mask); the coarsest Gaussian level is the mean.
    """
    h, w = images[0].shape[:2]
    if levels is None:
        levels = int(max(1, min(6, np.floor(np.log2(min(h, w) / 8)))))
    pyrs = [_laplacian_pyramid(im.astype(np.float32), levels) for im in images]
    fused = []
    for lvl in range(levels):
        bands = np.stack([p[lvl] for p in pyrs])
        pick = np.argmax(np.stack([_contrast(b) for b in bands]), axis=0)
        fused.append(np.take_along_axis(bands, pick[None, ..., None], axis=0)[0])
    cur = np.mean([p[levels] for p in pyrs], axis=0)
    for band in reversed(fused):
        cur = cv2.pyrUp(cur, dstsize=(band.shape[1], band.shape[0])) + band
    return cur


def opencv_focus_stack(raws: list[np.ndarray], ref: int) -> tuple[np.ndarray, dict]:
    """ECC-align ``(H, W, 3)`` uint8/uint16 photos onto ``raws[ref]`` and fuse them.

    Returns:
        the fused image, same dtype as the input, and info about the run.
    """
    top = float(np.iinfo(raws[0].dtype).max)
    aligned, ok = ecc_align([to_unit(r) for r in raws], ref)
    fused = laplacian_focus_fusion(aligned)
    out = np.clip(np.rint(fused * top), 0, top).astype(raws[0].dtype)
    failed = [i for i, good in enumerate(ok) if not good]
    return out, {"fusion": "opencv-laplacian", "alignment": "opencv-ecc-affine",
                 "alignment_failed": failed}
