"""Write a synthesized video, or a ``dynamic`` stack, with its ground truth.

Layout of a video folder ``OUT`` (``invcam synth OUT --video``)::

    frame_00000.png ...   the frames, 8-bit RGB
    stack.json            {"images": [{"file", "exposure", "focus_distance", "frame"}, ...]},
                          "role": "reference" on the reference frame
    video.mp4, video.json the same frames as an MPEG-4 clip (10 fps) and its sidecar
                          {"exposures": [per frame], "reference": frame index}
    preview.png           contact sheet (with --preview)
    gt/frames/00000.exr   per-frame all-in-focus linear radiance, float32 RGB
    gt/radiance.exr       the reference frame's ground truth (for ``invcam eval``)
    gt/depth.exr          depth (m) of the reference frame, one channel
    gt/motion.json        true camera shift, zoom and object centre per frame
    gt/crf.csv            x,r,g,b: the response curve (as for a still stack)
    gt/scene.json         every parameter

A ``dynamic`` or ``drift`` stack (``invcam synth OUT --layout dynamic``) is laid out like any stack
(``img_00.png`` ..., ``stack.json``, ``gt/``) plus ``gt/motion.json``. Everything is written
into a staging folder that replaces ``OUT`` only when complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from invcam.errors import InvcamError
from invcam.io.atomic import write_text
from invcam.io.hdr import write_exr
from invcam.io.ldr import write_ldr
from invcam.io.outdir import prepare_out_dir, staged_dir
from invcam.io.video_write import write_video
from invcam.photometry import format_exposure
from invcam.synth.files import crf_csv, write_images
from invcam.synth.layouts import Shot
from invcam.synth.motion import PAN_BASE, PARALLAX_CAP
from invcam.synth.preview import (
    TILE_W,
    contact_sheet,
    depth_image,
    display_uint8,
    label,
    thumb,
    tile_grid,
)
from invcam.synth.scenes import dynamic_range
from invcam.synth.video import VIDEO_SIZE, VideoResult, synthesize_dynamic, synthesize_video

FPS = 10.0
CONVENTION = ("pixels, x right, y down; a point seen at q in the reference frame, at depth d, "
              "is seen in frame t at zoom_t * (q - c) + c + parallax(d) * shift_t, "
              "c = ((W - 1) / 2, (H - 1) / 2)")


def _rounded(values, digits: int = 4) -> list[float]:
    return [round(float(v), digits) for v in values]


def motion_record(result: VideoResult) -> dict:
    """The ``gt/motion.json`` record: per-frame shift, zoom and object centre, and the reference."""
    plan = result.plan
    parallax = (f"{PAN_BASE} + {1 - PAN_BASE} * d_mid / d, at most {PARALLAX_CAP}"
                if plan.kind == "pan" else "1 (no parallax)")
    centres = plan.object_centres()
    frames = []
    for t in range(len(result.frames)):
        frames.append({
            "frame": t, "file": result.entries[t]["file"], "shift_xy": _rounded(plan.shifts[t]),
            "zoom": round(float(plan.zooms[t]), 6),
            "object_center_xy": None if centres is None else _rounded(centres[t]),
            "exposure": float(result.exposures[t]),
            "focus_distance": None if result.focus is None else float(result.focus[t])})
    obj = None if plan.object_path is None else {
        "depth_m": plan.object_depth, "radius_px": round(plan.object_radius, 3),
        "parallax": float(plan.parallax(plan.object_depth))}
    return {"motion": plan.kind, "reference": plan.reference, "size_hw": list(plan.size),
            "convention": CONVENTION, "parallax": parallax, "d_mid_m": plan.d_mid,
            "object": obj, "frames": frames}


def scene_record(result: VideoResult) -> dict:
    """The ``gt/scene.json`` record of a clip: scene, camera, sensor and motion settings."""
    cam, meta = result.camera, result.meta
    focus = ("all in focus" if result.focus is None else
             f"one sweep, linear in diopters, {cam.focus[0]} m to {cam.focus[2]} m")
    return {
        **meta, "size_hw": list(result.plan.size), "reference": result.reference,
        "radiance_units": "sensor exposure per second: value = crf(radiance * exposure)",
        "dynamic_range": round(dynamic_range(result.radiance[result.reference]), 1),
        "depth_range_m": [float(result.depth.min()), float(result.depth.max())],
        "focus": focus, "exposure_times_s": list(cam.exposures),
        "exposure_cycle": "frame t has exposure t % 3: short, middle, long",
        "defocus": {"model": "thin lens, coc_px = k * |1/depth - 1/focus_distance|",
                    "k_px_m": cam.coc_scale, "max_coc_px": cam.max_blur,
                    "kernel": "anti-aliased disc", "occlusion": "layered, back to front"},
        "crf": cam.crf.describe(), "noise": cam.noise.describe(), "images": result.entries,
    }


def video_sheet(result: VideoResult, count: int = 6) -> np.ndarray:
    """Contact sheet ``(h, w, 3)`` uint8: up to ``count`` labelled frames (the reference among
    them), then the reference ground truth (tone-mapped) and its depth."""
    picks = sorted({*np.linspace(0, len(result.frames) - 1, count - 1).round().astype(int),
                    result.reference})
    tiles = []
    for t in picks:
        lines = [f"frame {t}", format_exposure(float(result.exposures[t]))]
        lines += [] if result.focus is None else [f"focus {result.focus[t]:.2f} m"]
        lines += ["REFERENCE"] if t == result.reference else []
        tiles.append(label(thumb(result.frames[t], TILE_W), lines))
    rows = [tiles[i : i + 3] for i in range(0, len(tiles), 3)]
    gt = label(thumb(display_uint8(result.radiance[result.reference]), TILE_W),
                ["ground truth (tone-mapped)"])
    rows.append([gt, label(thumb(depth_image(result.depth), TILE_W), ["depth (near = red)"])])
    return tile_grid(rows, tiles[0].shape[0], TILE_W)


def _write_truth(gt: Path, result: VideoResult, per_frame: bool) -> None:
    """Ground truth files under ``gt`` (created here)."""
    gt.mkdir()
    if per_frame:
        (gt / "frames").mkdir()
        for t, radiance in enumerate(result.radiance):
            write_exr(gt / "frames" / f"{t:05d}.exr", radiance)
    write_exr(gt / "radiance.exr", result.radiance[result.reference])
    write_exr(gt / "depth.exr", result.depth)
    write_text(gt / "motion.json", json.dumps(motion_record(result), indent=1) + "\n")
    write_text(gt / "crf.csv", crf_csv(result.camera.crf))
    write_text(gt / "scene.json", json.dumps(scene_record(result), indent=1) + "\n")


def write_video_result(folder: Path, result: VideoResult, preview: bool = False) -> None:
    """Write every file of a synthesized clip into an existing, empty ``folder``."""
    write_images(folder, result.entries, result.frames)
    write_video(folder / "video.mp4", result.frames, FPS)
    sidecar = {"exposures": [float(e) for e in result.exposures], "reference": result.reference}
    write_text(folder / "video.json", json.dumps(sidecar) + "\n")
    _write_truth(folder / "gt", result, per_frame=True)
    if preview:
        write_ldr(folder / "preview.png", video_sheet(result))


def write_video_synth(out: str | os.PathLike, scene: str = "demo",
                      size: tuple[int, int] | None = None, frames: int = 30, seed: int = 0,
                      motion: str = "pan", force: bool = False, preview: bool = False,
                      all_in_focus: bool = False, stops: float | None = None) -> Path:
    """Synthesize a clip with ground truth into folder ``out`` and return its path.

    ``size`` None is 270 x 480; ``all_in_focus``: no focus sweep; ``stops``: the exposure
    cycle's spacing in EV (None: the scene's own). Raises InvcamError for
    a bad scene, size, frame count or motion, or a non-empty ``out`` without ``force``;
    nothing is left under ``out`` then.
    """
    if size is not None and (size[0] % 2 or size[1] % 2):
        raise InvcamError(f"size {size[0]}x{size[1]}: video sides must be even (the MP4 copy "
                          "of the clip would be padded and no longer match the ground truth)")
    prepare_out_dir(out, force)
    result = synthesize_video(scene, size or VIDEO_SIZE, frames, seed, motion, stops,
                              all_in_focus=all_in_focus)
    with staged_dir(out, force) as stage:
        write_video_result(stage, result, preview)
    return Path(out)


def write_dynamic_synth(out: str | os.PathLike, scene: str = "demo",
                        size: tuple[int, int] | None = None, seed: int = 0, bits: int = 8,
                        force: bool = False, preview: bool = False,
                        layout: str = "dynamic") -> Path:
    """Write a moving layout, ``dynamic`` or ``drift`` (see :func:`synthesize_dynamic`), as
    a stack folder."""
    prepare_out_dir(out, force)
    result = synthesize_dynamic(scene, size, seed, bits, layout=layout)
    with staged_dir(out, force) as stage:
        write_images(stage, result.entries, result.frames)
        _write_truth(stage / "gt", result, per_frame=False)
        if preview:
            shots = [Shot(None, t % 3, t == result.reference) for t in range(3)]
            sheet = contact_sheet(result.frames, shots, result.camera.exposures,
                                  result.camera.focus, layout, result.radiance[1], result.depth)
            write_ldr(stage / "preview.png", sheet)
    return Path(out)
