"""Lens optics: thin-lens defocus (occlusion-aware, layered) and focus breathing.

All images are linear irradiance, ``(H, W, 3)`` float32; depth maps are ``(H, W)``
float32 in metres. Blur is applied in the linear domain, before the camera response
(Chen et al., "A theoretical analysis of camera response functions in image
deblurring", ECCV 2012; the paper's Sec. 3.2 makes the same choice).

Defocus follows the thin-lens model: a point at depth ``d`` seen through a lens focused
at ``d_f`` images to a disc whose radius is proportional to ``|1/d - 1/d_f|`` (the
aperture diameter times the lens-to-sensor distance, over two; e.g. Potmesil & Chakravarty,
"A lens and aperture camera model for synthetic image generation", SIGGRAPH 1981).
Occlusion is handled the way layered depth-of-field renderers do it: the scene is cut
into depth layers, each layer is blurred with its own disc, and the layers are
composited back to front with the "over" operator on premultiplied colour (Porter &
Duff 1984). Content hidden behind a nearer layer is filled in by normalized
convolution so that a blurred foreground edge turns semi-transparent over plausible
background instead of over black.

References:
    - X. Chen, F. Li, J. Yang, J. Yu. "A Theoretical Analysis of Camera Response Functions
      in Image Deblurring." ECCV 2012.
    - M. Potmesil, I. Chakravarty. "A Lens and Aperture Camera Model for Synthetic Image
      Generation." SIGGRAPH 1981.
    - T. Porter, T. Duff. "Compositing Digital Images." SIGGRAPH 1984.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

_EPS = 1e-8


def coc_radius(depth: np.ndarray | float, focus_distance: float, k: float) -> np.ndarray:
    """Circle-of-confusion radius in pixels, ``k * |1/depth - 1/focus_distance|`` (thin lens).

    ``k`` (pixel-metres) lumps aperture radius, lens-to-sensor distance and pixel pitch.
    Returns an array shaped like ``depth``: 0 at the focus distance, growing on both sides.
    """
    depth = np.asarray(depth, dtype=np.float64)
    return k * np.abs(1.0 / depth - 1.0 / focus_distance)


def disc_kernel(radius: float) -> np.ndarray:
    """Anti-aliased pillbox kernel of the given radius (pixels), normalised to sum 1.

    Each tap's weight is its approximate coverage by the disc, ``clip(r + 0.5 - dist, 0, 1)``,
    so the kernel changes continuously with ``radius``; radius < 0.5 is the identity.
    Returns a ``(2n+1, 2n+1)`` float32 array.
    """
    r = max(float(radius), 0.0)
    n = max(1, math.ceil(r + 0.5))
    y, x = np.mgrid[-n : n + 1, -n : n + 1]
    w = np.clip(r + 0.5 - np.hypot(x, y), 0.0, 1.0)
    return (w / w.sum()).astype(np.float32)


@dataclass(frozen=True)
class Layer:
    """One depth layer: a premultiplied RGBA crop of the (padded) scene.

    ``rgba`` is ``(h, w, 4)`` float32 (colour times alpha, then alpha) placed at rows
    ``y0:y0+h`` and columns ``x0:x0+w``; ``diopter`` is the layer's representative 1/depth.
    """

    diopter: float
    near: float
    far: float
    y0: int
    x0: int
    rgba: np.ndarray


def layer_edges(depth: np.ndarray, k: float, step_px: float = 0.5,
                max_layers: int = 64) -> np.ndarray:
    """Layer boundaries in diopters (1/m), ascending (far to near).

    Bins are uniform in 1/depth, so the blur radius differs by at most ``step_px`` within
    a layer for any focus setting. Returns a ``(n + 1,)`` float64 array.
    """
    inv = 1.0 / depth.astype(np.float64)
    lo, hi = float(inv.min()), float(inv.max())
    n = int(np.clip(math.ceil(k * (hi - lo) / step_px), 1, max_layers))
    edges = np.linspace(lo, hi, n + 1)
    edges[-1] = np.nextafter(hi, np.inf)
    return edges


def _box(mask: np.ndarray, margin: int) -> tuple[int, int, int, int]:
    """Bounding box ``(y0, y1, x0, x1)`` of a boolean ``(H, W)`` mask grown by ``margin``."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    return (max(rows[0] - margin, 0), min(rows[-1] + margin + 1, h),
            max(cols[0] - margin, 0), min(cols[-1] + margin + 1, w))


def _fill_hidden(rgb: np.ndarray, own: np.ndarray, hidden: np.ndarray, reach: int) -> np.ndarray:
    """Premultiplied RGBA of a layer extended behind nearer content (normalized convolution).

    ``own`` and ``hidden`` are boolean ``(h, w)`` masks: the layer's pixels and the pixels
    covered by nearer layers. Hidden pixels within ``reach`` of the layer get the layer's
    locally averaged colour and alpha 1. Returns ``(h, w, 4)`` float32.
    """
    a = own.astype(np.float32)
    size = 2 * reach + 1
    band = cv2.dilate(a, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0
    band &= hidden
    sigma = max(reach / 2.0, 1.0)
    num = cv2.GaussianBlur(rgb * a[..., None], (0, 0), sigma)
    den = cv2.GaussianBlur(a, (0, 0), sigma)
    fill = num / np.maximum(den, _EPS)[..., None]
    colour = np.where(band[..., None], fill, rgb * a[..., None])
    alpha = (own | band).astype(np.float32)
    return np.concatenate([colour, alpha[..., None]], axis=-1)


def split_layers(radiance: np.ndarray, depth: np.ndarray, edges: np.ndarray,
                 reach: int) -> list[Layer]:
    """Cut a scene into depth layers (far to near), each extended ``reach`` px behind occluders.

    ``radiance`` is ``(H, W, 3)``, ``depth`` ``(H, W)``; ``edges`` from :func:`layer_edges`.
    Empty layers are dropped.
    """
    inv = 1.0 / depth.astype(np.float64)
    index = np.clip(np.searchsorted(edges, inv, side="right") - 1, 0, len(edges) - 2)
    layers = []
    for i in range(len(edges) - 1):
        own = index == i
        if not own.any():
            continue
        y0, y1, x0, x1 = _box(own, reach)
        rgba = _fill_hidden(radiance[y0:y1, x0:x1], own[y0:y1, x0:x1],
                            index[y0:y1, x0:x1] > i, reach)
        mean = float(inv[own].mean())  # exact for objects at one depth: in focus means CoC 0
        layers.append(Layer(mean, 1.0 / edges[i + 1], 1.0 / max(edges[i], _EPS), y0, x0, rgba))
    return layers


def composite_defocus(layers: list[Layer], shape: tuple[int, int],
                      radii: list[float]) -> np.ndarray:
    """Blur each layer with its disc and composite back to front (premultiplied "over").

    ``radii[i]`` is layer ``i``'s CoC radius in pixels. Accumulated colour is divided by
    accumulated alpha, so seams between layers of one continuous surface do not darken.
    Returns ``(H, W, 3)`` float32 for ``shape = (H, W)``.
    """
    out = np.zeros((*shape, 4), dtype=np.float32)
    for layer, r in zip(layers, radii, strict=True):
        pad = math.ceil(r + 0.5)
        src = cv2.copyMakeBorder(layer.rgba, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        blurred = src if r < 0.5 else cv2.filter2D(src, -1, disc_kernel(r),
                                                   borderType=cv2.BORDER_CONSTANT)
        y0, x0 = layer.y0 - pad, layer.x0 - pad
        ys, xs = max(y0, 0), max(x0, 0)
        ye = min(y0 + blurred.shape[0], shape[0])
        xe = min(x0 + blurred.shape[1], shape[1])
        b = blurred[ys - y0 : ye - y0, xs - x0 : xe - x0]
        view = out[ys:ye, xs:xe]
        view *= 1.0 - b[..., 3:]
        view += b
    return out[..., :3] / np.maximum(out[..., 3:], _EPS)


@dataclass(frozen=True)
class LayeredScene:
    """A scene cut into depth layers once, ready to be defocused for any focus setting.

    ``pad`` pixels of mirrored scene surround the image so blur at the frame edge sees
    plausible content; ``shape`` is the unpadded ``(H, W)``.
    """

    layers: list[Layer]
    shape: tuple[int, int]
    pad: int
    k: float


def prepare_layers(radiance: np.ndarray, depth: np.ndarray, k: float,
                   max_radius: float) -> LayeredScene:
    """Pad the scene by reflection and cut it into layers for :func:`defocus`.

    ``radiance`` ``(H, W, 3)`` and ``depth`` ``(H, W)``; ``max_radius`` is the largest CoC
    (pixels) any focus setting will use.
    """
    pad = math.ceil(max_radius) + 2
    mirror = cv2.BORDER_REFLECT_101
    rad = cv2.copyMakeBorder(radiance.astype(np.float32), pad, pad, pad, pad, mirror)
    dep = cv2.copyMakeBorder(depth.astype(np.float32), pad, pad, pad, pad, mirror)
    edges = layer_edges(dep, k)
    return LayeredScene(split_layers(rad, dep, edges, pad), depth.shape, pad, k)


def layer_radii(scene: LayeredScene, focus_distance: float) -> list[float]:
    """CoC radius (pixels) of each layer of ``scene`` for one focus distance."""
    return [float(coc_radius(1.0 / lay.diopter, focus_distance, scene.k)) for lay in scene.layers]


def defocus(scene: LayeredScene, focus_distance: float) -> np.ndarray:
    """Occlusion-aware thin-lens defocus of a layered scene; returns ``(H, W, 3)`` float32."""
    h, w = scene.shape
    p = scene.pad
    radii = layer_radii(scene, focus_distance)
    full = composite_defocus(scene.layers, (h + 2 * p, w + 2 * p), radii)
    return np.ascontiguousarray(full[p : p + h, p : p + w])


def breathing(diopters: list[float], reference: int, low: float = 0.01,
              high: float = 0.03) -> list[float]:
    """Magnification of each focus setting relative to the reference one (focus breathing).

    Focusing closer moves a unit-focusing lens away from the sensor and enlarges the image
    (thin lens: image distance grows with the focus diopter), so magnification rises with
    ``1/d_f``. The reference gets exactly 1; the others ``1 ± [low, high]``, scaled by
    their diopter distance from the reference (the farthest gets ``high``).
    """
    d_ref = diopters[reference]
    span = max((abs(d - d_ref) for d in diopters), default=0.0)
    mags = []
    for d in diopters:
        delta = d - d_ref
        if delta == 0.0 or span == 0.0:
            mags.append(1.0)
        else:
            mags.append(1.0 + math.copysign(low + (high - low) * abs(delta) / span, delta))
    return mags


def magnify(image: np.ndarray, m: float) -> np.ndarray:
    """Scale an ``(H, W, C)`` image by ``m`` about its centre (focus breathing).

    Bilinear resampling (a convex combination: no ringing around very bright sources,
    which bicubic kernels would turn into black halos), mirrored border.
    """
    if m == 1.0:
        return image
    h, w = image.shape[:2]
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    mat = np.array([[m, 0.0, (1.0 - m) * cx], [0.0, m, (1.0 - m) * cy]], dtype=np.float64)
    return cv2.warpAffine(image, mat, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
