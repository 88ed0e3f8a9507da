"""Synthetic videos of a dynamic scene, with per-frame ground truth.

The scene (radiance and depth, as for :func:`invcam.synth.synthesize`) is built once on a
canvas larger than the frame and cut into depth layers (:mod:`invcam.synth.video_layers`).
For frame ``t`` every layer is warped by its own shift (``parallax(depth) * shift_t``) and
the frame's zoom (see :mod:`invcam.synth.motion`), a textured moving disc is placed at its
own depth, and the layers are composited back to front: with no blur for the ground truth,
with that frame's thin-lens defocus (focus sweeping near to far over the clip) for the
image. The image then goes through the same sensor as a still stack: exposure (a cycle
short, middle, long), shot and read noise, clipping, the response curve, quantization.
Units as in ``synthesize``: for an unclipped, noise-free, in-focus pixel
``crf.inverse(value) / exposure == radiance``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from invcam.errors import InvcamError
from invcam.synth.layouts import MID, NEAR
from invcam.synth.motion import (
    MotionPlan,
    check_video_size,
    exposure_cycle,
    focus_sweep,
    plan_motion,
)
from invcam.synth.scenes import SceneSpec, build_scene, check_size, get_spec
from invcam.synth.sensor import CRF_FAMILIES, NoiseModel, capture, make_crf
from invcam.synth.stack import BLUR_AT_PAPER_SIZE, Camera, exposure_times, scale_radiance
from invcam.synth.textures import mottle
from invcam.synth.video_layers import World, build_world, reference_depth, render_frame

VIDEO_SIZE = (270, 480)
_PALETTE = np.array([[1.7, 0.55, 0.1], [0.15, 0.9, 0.8], [1.5, 1.45, 1.25],
                     [0.2, 0.35, 1.5], [1.4, 0.2, 0.5], [0.6, 1.25, 0.2]], dtype=np.float32)


@dataclass
class VideoResult:
    """A synthesized clip: 8/16-bit frames, per-frame ground truth and the true motion.

    ``frames`` are ``(H, W, 3)`` uint8/uint16; ``radiance`` the per-frame all-in-focus
    ``(H, W, 3)`` float32 ground truth; ``depth`` ``(H, W)`` float32 of the reference frame;
    ``focus`` ``(T,)`` focus distances (None: all in focus); ``exposures`` ``(T,)`` seconds.
    """

    frames: list[np.ndarray]
    radiance: list[np.ndarray]
    depth: np.ndarray
    entries: list[dict]
    plan: MotionPlan
    camera: Camera
    exposures: np.ndarray
    focus: np.ndarray | None
    meta: dict = field(default_factory=dict)

    @property
    def reference(self) -> int:
        """Index of the reference frame (middle exposure, near the middle of the clip)."""
        return self.plan.reference

    def linear_input(self, t: int) -> np.ndarray:
        """Frame ``t`` back to radiance through the true CRF and exposure: ``(H, W, 3)`` float64."""
        image = self.frames[t]
        values = image.astype(np.float64) / float(np.iinfo(image.dtype).max)
        return self.camera.crf.inverse(values) / float(self.exposures[t])


def frame_blur(size: tuple[int, int]) -> float:
    """Largest CoC radius (px) for frames of ``size``: 8 px at 600 x 900, at least 3."""
    return max(3.0, BLUR_AT_PAPER_SIZE * math.hypot(*size) / math.hypot(600, 900))


def check_video_args(scene: str, size, frames: int, seed: int, stops: float | None, bits: int,
                     crf: str | None) -> tuple[SceneSpec, tuple[int, int], str]:
    """Validate the user's choices (``stops`` None: the scene's own); returns the spec, the
    frame size and the curve's name."""
    spec = get_spec(scene)
    size = check_size(VIDEO_SIZE if size is None else size, spec)
    check_video_size(size)
    if not isinstance(frames, (int, np.integer)) or isinstance(frames, bool) or frames < 2:
        raise InvcamError(f"frames must be an integer of at least 2, not {frames!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvcamError(f"seed must be a non-negative integer, not {seed!r}")
    if stops is not None and not (isinstance(stops, (int, float)) and math.isfinite(stops)
                                  and 0 < stops <= 8):
        raise InvcamError(f"exposure cycle stops must be in (0, 8], not {stops!r}")
    if bits not in (8, 16):
        raise InvcamError(f"bits must be 8 or 16, not {bits}")
    name = crf or spec.crf
    if name not in CRF_FAMILIES:
        raise InvcamError(f"unknown response curve {name!r} (valid: {', '.join(CRF_FAMILIES)})")
    return spec, size, name


def object_sprite(radius: float, level: float, rng: np.random.Generator) -> np.ndarray:
    """A shaded, mottled disc of six coloured sectors: ``(n, n, 4)`` premultiplied RGBA."""
    n = 2 * math.ceil(radius) + 3
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) - (n - 1) / 2.0
    r = np.hypot(xx, yy)
    alpha = np.clip(radius + 0.5 - r, 0.0, 1.0)
    sector = np.floor((np.arctan2(yy, xx) + math.pi) / (2 * math.pi) * 6).astype(int) % 6
    shade = 0.55 + 0.45 * np.sqrt(np.clip(1.0 - (r / radius) ** 2, 0.0, 1.0))
    texture = mottle(n, n, rng, max(n / 4.0, 1.0), 0.3) * shade * level
    colour = _PALETTE[sector] * (texture * alpha)[..., None]
    return np.concatenate([colour, alpha[..., None]], axis=-1).astype(np.float32)


def _camera(spec: SceneSpec, plan: MotionPlan, depth: np.ndarray, stops: float, crf: str,
            noise: bool) -> Camera:
    """Exposure cycle, thin-lens constant (largest CoC :func:`frame_blur` over the sweep)."""
    max_blur = frame_blur(plan.size)
    inv = 1.0 / depth.astype(np.float64)
    lo = min(float(inv.min()), 1.0 / plan.object_depth)
    hi = max(float(inv.max()), 1.0 / plan.object_depth)
    worst = max(max(abs(lo - 1.0 / f), abs(hi - 1.0 / f)) for f in spec.focus)
    return Camera(spec.focus, exposure_times(spec.t_mid, stops), max_blur / max(worst, 1e-9),
                  max_blur, (1.0, 1.0, 1.0), make_crf(crf), NoiseModel(enabled=noise))


def _entries(plan: MotionPlan, exposures: np.ndarray, focus: np.ndarray | None) -> list[dict]:
    """The stack.json records of the frames (``frame_00000.png`` ...)."""
    out = []
    for t, e in enumerate(exposures):
        entry = {"file": f"frame_{t:05d}.png", "exposure": float(e)}
        if focus is not None:
            entry["focus_distance"] = float(focus[t])
        entry["frame"] = t
        if t == plan.reference:
            entry["role"] = "reference"
        out.append(entry)
    return out


def _setup(spec: SceneSpec, size: tuple[int, int], frames: int, seeds: list, motion: str,
           stops: float, curve: str, noise: bool) -> tuple[MotionPlan, World, Camera, dict]:
    """Motion, layered world and camera of a clip, and the scene part of its record.

    ``seeds`` are the SeedSequences of the scene and of the object's texture.
    """
    scene_ss, object_ss = seeds
    d_obj = 2.0 / (1.0 / spec.focus[NEAR] + 1.0 / spec.focus[MID])
    plan = plan_motion(motion, frames, size, spec.focus[MID], d_obj)
    pad = math.ceil(frame_blur(size)) + 2
    margin = plan.margin(pad)
    canvas = (size[0] + 2 * margin[0], size[1] + 2 * margin[1])
    radiance, depth = build_scene(spec, canvas, np.random.default_rng(scene_ss))
    radiance, scale = scale_radiance(radiance, spec.t_mid, spec.key)
    camera = _camera(spec, plan, depth, stops, curve, noise)
    sprite = None if plan.object_path is None else object_sprite(
        plan.object_radius, spec.key / spec.t_mid, np.random.default_rng(object_ss))
    world = build_world(radiance, depth, plan, camera.coc_scale, pad, margin, sprite)
    meta = {"scene": spec.name, "description": spec.description,
            "source": f"hdr/{spec.data}" if spec.data else "procedural",
            "radiance_scale": scale, "canvas_hw": list(canvas), "margin_yx": list(margin),
            "frame_pad_px": pad, "layers": len(world.layers)}
    return plan, world, camera, meta


def synthesize_video(scene: str = "demo", size: tuple[int, int] | None = VIDEO_SIZE,
                     frames: int = 30, seed: int = 0, motion: str = "pan",
                     exposure_cycle_stops: float | None = None, noise: bool = True,
                     crf: str | None = None, bits: int = 8,
                     all_in_focus: bool = False) -> VideoResult:
    """Simulate a clip of ``scene``; deterministic for a ``seed``.

    ``size`` is ``(H, W)`` (None: 270 x 480); ``motion`` one of pan, translate, static,
    object, slide; exposures cycle short, middle, long, ``exposure_cycle_stops`` EV apart
    (None: the scene's own bracket spacing, ``SceneSpec.stops``, so that the short
    exposure sees its bright regions as a still bracket does); focus sweeps near to far
    unless ``all_in_focus``. Raises InvcamError for bad arguments.
    """
    spec, size, curve = check_video_args(scene, size, frames, seed, exposure_cycle_stops,
                                         bits, crf)
    if exposure_cycle_stops is None:
        exposure_cycle_stops = spec.stops
    scene_ss, object_ss, noise_ss = np.random.SeedSequence(seed).spawn(3)
    plan, world, camera, meta = _setup(spec, size, frames, [scene_ss, object_ss], motion,
                                       exposure_cycle_stops, curve, noise)
    exposures = np.array([camera.exposures[i] for i in exposure_cycle(frames)])
    focus = None if all_in_focus else focus_sweep(frames, spec.focus[0], spec.focus[2])
    rng = np.random.default_rng(noise_ss)
    images, truths = [], []
    for t in range(frames):
        f = None if focus is None else float(focus[t])
        truth, irradiance = render_frame(world, plan, t, camera.coc_scale, f)
        images.append(capture(irradiance, float(exposures[t]), camera.crf, camera.noise, rng,
                              bits))
        truths.append(truth)
    meta.update(seed=seed, frames=frames, motion=motion, bits=bits,
                exposure_stops=exposure_cycle_stops, all_in_focus=all_in_focus)
    return VideoResult(images, truths, reference_depth(world, plan),
                       _entries(plan, exposures, focus), plan, camera, exposures, focus, meta)


MOVING_LAYOUTS = {"dynamic": "object", "drift": "drift"}
"""The moving stack layouts and the video motion (:mod:`invcam.synth.motion`) of each."""


def synthesize_dynamic(scene: str = "demo", size: tuple[int, int] | None = None, seed: int = 0,
                       bits: int = 8, noise: bool = True, crf: str | None = None,
                       layout: str = "dynamic") -> VideoResult:
    """A moving stack layout: one object moves between the three shots.

    An all-in-focus exposure bracket (short, middle, long, the scene's stops apart; the
    middle one is the reference). ``"dynamic"``: a still camera, the object crossing the
    upper middle of the view (motion ``"object"``, 5 % of the width per shot), like the
    dynamic HDR scenes of the paper's Fig. 6. ``"drift"``: the camera drifts 2 px right
    and 1 px down per shot and the object moves 1/60 of the width (6 px at 360 px) on top
    (motion ``"drift"``), a hand-held bracket of a slowly moving thing.
    ``size`` None is the scene's default; files are named ``img_00.png`` ... as in a stack.
    """
    if layout not in MOVING_LAYOUTS:
        raise InvcamError(f"unknown moving layout {layout!r} (valid: {', '.join(MOVING_LAYOUTS)})")
    spec = get_spec(scene)
    result = synthesize_video(scene, size or spec.size, 3, seed, MOVING_LAYOUTS[layout],
                              spec.stops, noise, crf, bits, all_in_focus=True)
    for i, entry in enumerate(result.entries):
        entry["file"] = f"img_{i:02d}.png"
        del entry["frame"]
    result.meta["layout"] = layout
    return result
