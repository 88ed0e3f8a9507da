"""The ``gt/scene.json`` record: every parameter a synthesized stack was made with."""

from __future__ import annotations

import numpy as np

from invcam.synth import optics
from invcam.synth.layouts import Shot
from invcam.synth.scenes import SceneSpec, dynamic_range
from invcam.synth.sensor import Camera


def _layers(layered: optics.LayeredScene | None, focus: tuple[float, ...]) -> list[dict]:
    """Depth range (m) and CoC radius (px) per focus setting of each depth layer."""
    if layered is None:
        return []
    radii = [optics.layer_radii(layered, f) for f in focus]
    return [{"near_m": round(lay.near, 4), "far_m": round(lay.far, 4),
             "coc_px": [round(r[i], 3) for r in radii]} for i, lay in enumerate(layered.layers)]


def _image_records(shots: list[Shot], camera: Camera) -> list[dict]:
    """Per image: file, setting indices, focus distance, exposure, magnification, role."""
    out = []
    for i, s in enumerate(shots):
        rec = {"file": f"img_{i:02d}.png", "exposure_index": s.exposure,
               "exposure": camera.exposures[s.exposure], "focus_index": s.focus,
               "focus_distance": None if s.focus is None else camera.focus[s.focus],
               "magnification": 1.0 if s.focus is None else camera.magnifications[s.focus],
               "all_in_focus": s.focus is None, "reference": s.reference}
        out.append(rec)
    return out


def scene_record(spec: SceneSpec, layout: str, size: tuple[int, int], seed: int, bits: int,
                 scale: float, camera: Camera, layered: optics.LayeredScene | None,
                 shots: list[Shot], radiance: np.ndarray, depth: np.ndarray) -> dict:
    """JSON-able description of the scene, the camera and every image."""
    return {
        "scene": spec.name, "description": spec.description,
        "source": f"hdr/{spec.data}" if spec.data else "procedural",
        "size_hw": list(size), "layout": layout, "seed": seed, "bits": bits,
        "radiance_units": "sensor exposure per second: value = crf(radiance * exposure)",
        "radiance_scale": scale,
        "dynamic_range": round(dynamic_range(radiance), 1),
        "depth_range_m": [float(depth.min()), float(depth.max())],
        "focus_distances_m": list(camera.focus),
        "magnifications": list(camera.magnifications),
        "breathing": "scale about the image centre; reference focus (middle) has 1.0",
        "exposure_times_s": list(camera.exposures),
        "exposure_stops": float(np.log2(camera.exposures[1] / camera.exposures[0])),
        "defocus": {"model": "thin lens, coc_px = k * |1/depth - 1/focus_distance|",
                    "k_px_m": camera.coc_scale, "max_coc_px": camera.max_blur,
                    "kernel": "anti-aliased disc", "occlusion": "layered, back to front",
                    "layers": _layers(layered, camera.focus)},
        "crf": camera.crf.describe(),
        "noise": camera.noise.describe(),
        "images": _image_records(shots, camera),
    }
