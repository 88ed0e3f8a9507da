"""Layered scene of a synthetic video: depth layers that move with parallax, and the object.

The canvas (radiance and depth, larger than the frame by a margin) is cut into depth bins
with ``optics.split_layers``; each layer is extended behind nearer content far enough to
fill what the camera motion uncovers (``reach``). Hidden pixels are kept only where this
layer is the nearest visible surface farther than the occluder (a Voronoi rule, so a floor
does not spill up behind a ball where the wall continues), and get their true colour where
the occluder is in one of the next two depth bins (the same surface; no seams). Each layer
is warped per frame by a per-pixel parallax map from its own depth, then the object sprite
is inserted at its depth and all are composited back to front with ``optics``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from invcam.synth import optics
from invcam.synth.motion import PAN_BASE, MotionPlan

MAX_LAYERS = 64


@dataclass(frozen=True)
class World:
    """The scene cut into layers once: canvas layers (far to near) and the object sprite.

    ``layers`` are in canvas coordinates; ``parallax`` is each layer's mean parallax and
    ``flows`` its per-pixel parallax map ``(h, w)`` (None where constant); ``sprite`` is the
    object's ``(n, n, 4)`` premultiplied RGBA (None without an object); ``margin`` is the
    canvas border (y, x) around the reference view; ``pad`` the defocus border of a frame.
    """

    layers: list[optics.Layer]
    parallax: list[float]
    flows: list[np.ndarray | None]
    sprite: np.ndarray | None
    margin: tuple[int, int]
    pad: int
    depth: np.ndarray


def _edges(depth: np.ndarray, plan: MotionPlan, k: float) -> np.ndarray:
    """Layer boundaries in diopters, ascending: CoC steps under 0.5 px, and neighbouring bins
    never more than 0.75 px apart in motion (so the true-colour seam fill stays sub-pixel)."""
    inv = 1.0 / depth.astype(np.float64)
    lo, hi = float(inv.min()), float(inv.max())
    travel = float(np.abs(plan.shifts).max()) if plan.kind == "pan" else 0.0
    slope = (1.0 - PAN_BASE) * plan.d_mid  # parallax per diopter
    n = max(k * (hi - lo) / 0.5, travel * slope * (hi - lo) / 0.75)
    edges = np.linspace(lo, hi, int(np.clip(math.ceil(n), 1, MAX_LAYERS)) + 1)
    edges[-1] = np.nextafter(hi, np.inf)
    return edges


def _nearest_is_own(index: np.ndarray, i: int) -> np.ndarray:
    """Boolean ``(h, w)``: the nearest pixel in bin ``i`` or farther belongs to bin ``i``."""
    src = (index > i).astype(np.uint8)
    if not src.any() or src.all():
        return np.ones(index.shape, dtype=bool)
    _, labels = cv2.distanceTransformWithLabels(src, cv2.DIST_L2, 3,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    own = np.zeros(int(labels.max()) + 1, dtype=bool)
    seeds = src == 0
    own[labels[seeds]] = index[seeds] == i
    return own[labels]


def _refine_fill(layers: list[optics.Layer], radiance: np.ndarray, depth: np.ndarray,
                 edges: np.ndarray) -> list[optics.Layer]:
    """Trim and correct the hidden part of each layer (see the module doc)."""
    inv = 1.0 / depth.astype(np.float64)
    index = np.clip(np.searchsorted(edges, inv, side="right") - 1, 0, len(edges) - 2)
    out = []
    for lay in layers:
        i = int(np.searchsorted(edges, lay.diopter, side="right")) - 1
        h, w = lay.rgba.shape[:2]
        crop = (slice(lay.y0, lay.y0 + h), slice(lay.x0, lay.x0 + w))
        idx, rgba = index[crop], lay.rgba.copy()
        same = (idx > i) & (idx <= i + 2) & (rgba[..., 3] > 0)
        rgba[same, :3] = radiance[crop][same] * rgba[same, 3:]
        rgba[(idx > i + 2) & ~_nearest_is_own(idx, i)] = 0.0
        out.append(dataclasses.replace(lay, rgba=rgba))
    return out


def _flow(lay: optics.Layer, depth: np.ndarray, plan: MotionPlan) -> np.ndarray | None:
    """Per-pixel parallax ``(h, w)`` float32 of a layer (its depth clipped to its bin), or None
    where it is constant."""
    h, w = lay.rgba.shape[:2]
    crop = np.clip(depth[lay.y0 : lay.y0 + h, lay.x0 : lay.x0 + w], lay.near, lay.far)
    flow = plan.parallax(crop).astype(np.float32)
    return None if float(flow.max() - flow.min()) < 1e-6 else flow


def build_world(radiance: np.ndarray, depth: np.ndarray, plan: MotionPlan, k: float,
                pad: int, margin: tuple[int, int], sprite: np.ndarray | None) -> World:
    """Cut the canvas ``(Hc, Wc, 3)`` / ``(Hc, Wc)`` into layers that can move independently.

    Each layer keeps a parallax map from its own depth (clipped to its depth bin), so the
    layers of one continuous surface (a floor, a ball) move together without tearing.
    """
    p = plan.parallax(depth)
    travel = float(np.abs(plan.shifts).max())
    reach = math.ceil(travel * float(p.max() - p.min())) + pad + 2
    edges = _edges(depth, plan, k)
    layers = _refine_fill(optics.split_layers(radiance, depth, edges, reach), radiance, depth,
                          edges)
    flows = [_flow(lay, depth, plan) for lay in layers]
    parallax = [float(plan.parallax(1.0 / lay.diopter)) for lay in layers]
    if plan.kind == "pan":  # opaque, smeared backdrop for anything no layer's fill reaches
        backdrop = cv2.GaussianBlur(radiance, (0, 0), max(reach / 2.0, 1.0))
        rgba = np.concatenate([backdrop, np.ones_like(backdrop[..., :1])], axis=-1)
        layers.insert(0, dataclasses.replace(layers[0], y0=0, x0=0, rgba=rgba))
        flows.insert(0, None)
        parallax.insert(0, float(plan.parallax(layers[0].far)))
    return World(layers, parallax, flows, sprite, margin, pad, depth)


def _forward(plan: MotionPlan, t: int, xy: np.ndarray, parallax: float, pad: int) -> np.ndarray:
    """Frame ``t`` region coordinates ``(N, 2)`` of reference-frame points ``xy`` ``(N, 2)``."""
    c = plan.centre
    return plan.zooms[t] * (xy - c) + c + parallax * plan.shifts[t] + pad


def _inverse_maps(plan: MotionPlan, t: int, flow: np.ndarray, origin: np.ndarray, pad: int,
                  box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Layer-local source coordinates (x and y maps, ``(h, w)`` float32) of the region ``box``.

    Solves ``x = forward(L, parallax(L))`` for ``L`` by fixed-point iteration, sampling the
    layer's parallax map ``flow`` at the current estimate.
    """
    x0, y0, x1, y1 = box
    gx, gy = np.meshgrid(np.arange(x0, x1, dtype=np.float32),
                         np.arange(y0, y1, dtype=np.float32))
    z, (sx, sy), (cx, cy) = plan.zooms[t], plan.shifts[t], plan.centre
    p = np.full(gx.shape, 0.5 * float(flow.min() + flow.max()), dtype=np.float32)
    for i in range(3):
        lx = ((gx - pad - cx - p * sx) / z + cx - origin[0]).astype(np.float32)
        ly = ((gy - pad - cy - p * sy) / z + cy - origin[1]).astype(np.float32)
        if i < 2:
            p = cv2.remap(flow, lx, ly, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return lx, ly


def _place(layer: optics.Layer, plan: MotionPlan, t: int, origin: np.ndarray, parallax: float,
           flow: np.ndarray | None, pad: int, shape: tuple[int, int]) -> optics.Layer | None:
    """Warp a layer whose pixel (0, 0) is at ``origin`` (x, y) in the reference frame into
    frame ``t``'s region ``shape`` (the frame grown by ``pad``); None if it falls outside."""
    h, w = layer.rgba.shape[:2]
    corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], float) + origin
    ps = (parallax,) if flow is None else (float(flow.min()), float(flow.max()))
    pts = np.concatenate([_forward(plan, t, corners, q, pad) for q in ps])
    x0, y0 = (max(math.floor(v) - 1, 0) for v in pts.min(axis=0))
    x1 = min(math.ceil(pts[:, 0].max()) + 2, shape[1])
    y1 = min(math.ceil(pts[:, 1].max()) + 2, shape[0])
    if x1 <= x0 or y1 <= y0:
        return None
    border = {"borderMode": cv2.BORDER_CONSTANT, "borderValue": 0}
    if flow is None:
        z = plan.zooms[t]
        b = _forward(plan, t, origin[None], parallax, pad)[0] - (x0, y0)
        mat = np.array([[z, 0.0, b[0]], [0.0, z, b[1]]])
        rgba = cv2.warpAffine(layer.rgba, mat, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                              **border)
    else:
        lx, ly = _inverse_maps(plan, t, flow, origin, pad, (x0, y0, x1, y1))
        rgba = cv2.remap(layer.rgba, lx, ly, cv2.INTER_LINEAR, **border)
    return dataclasses.replace(layer, y0=y0, x0=x0, rgba=rgba)


def placed_layers(world: World, plan: MotionPlan, t: int) -> list[optics.Layer]:
    """Every layer, object included, warped into frame ``t``'s region, far to near."""
    h, w = plan.size
    shape = (h + 2 * world.pad, w + 2 * world.pad)
    my, mx = world.margin
    out = []
    for lay, p, flow in zip(world.layers, world.parallax, world.flows, strict=True):
        origin = np.array([lay.x0 - mx, lay.y0 - my], dtype=np.float64)
        out.append(_place(lay, plan, t, origin, p, flow, world.pad, shape))
    if world.sprite is not None:
        n = world.sprite.shape[0]
        diopter = 1.0 / plan.object_depth
        origin = plan.object_path[t] - (n - 1) / 2.0
        sprite = optics.Layer(diopter, plan.object_depth, plan.object_depth, 0, 0, world.sprite)
        p = float(plan.parallax(plan.object_depth))
        at = sum(lay.diopter <= diopter for lay in world.layers)
        out.insert(at, _place(sprite, plan, t, origin, p, None, world.pad, shape))
    return [lay for lay in out if lay is not None]


def render_frame(world: World, plan: MotionPlan, t: int, k: float,
                 focus: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Ground truth and sensor irradiance of frame ``t``, both ``(H, W, 3)`` float32.

    ``focus`` None renders the image all in focus (the irradiance is the ground truth).
    """
    layers = placed_layers(world, plan, t)
    (h, w), p = plan.size, world.pad
    shape = (h + 2 * p, w + 2 * p)
    crop = (slice(p, p + h), slice(p, p + w))
    truth = np.ascontiguousarray(optics.composite_defocus(layers, shape, [0.0] * len(layers))[crop])
    if focus is None:
        return truth, truth
    radii = [float(optics.coc_radius(1.0 / lay.diopter, focus, k)) for lay in layers]
    return truth, np.ascontiguousarray(optics.composite_defocus(layers, shape, radii)[crop])


def reference_depth(world: World, plan: MotionPlan) -> np.ndarray:
    """Depth ``(H, W)`` float32 (m) of the reference view: the canvas crop and the object."""
    (h, w), (my, mx) = plan.size, world.margin
    depth = world.depth[my : my + h, mx : mx + w].copy()
    if world.sprite is not None:
        n = world.sprite.shape[0]
        origin = plan.object_path[plan.reference] - (n - 1) / 2.0
        mat = np.array([[1.0, 0.0, origin[0]], [0.0, 1.0, origin[1]]])
        alpha = cv2.warpAffine(world.sprite[..., 3], mat, (w, h), flags=cv2.INTER_LINEAR)
        front = (alpha >= 0.5) & (depth > plan.object_depth)
        depth[front] = plan.object_depth
    return depth
