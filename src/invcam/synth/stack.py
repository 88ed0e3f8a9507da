"""Simulate a camera shooting a scene: the focus/exposure stack and its ground truth.

Order of the imaging process, all in linear irradiance until the response curve:
scene radiance -> thin-lens defocus (occlusion-aware) -> focus breathing (magnification)
-> camera shake (test-set scenes: rotation and shift per shot) -> exposure time -> shot
and read noise -> clipping -> response curve -> quantization (-> JPEG, if the scene or
the caller asks for it).
The ground truth is the all-in-focus radiance in the geometry of the reference image,
in the units the simulation uses: for an unclipped, noise-free, in-focus pixel,
``crf.inverse(value) / exposure == radiance``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from invcam.errors import InvcamError
from invcam.photometry import REC709_Y
from invcam.synth import optics, shake
from invcam.synth.layouts import MID, Shot, layout_shots
from invcam.synth.metadata import scene_record
from invcam.synth.scenes import SceneSpec, build_scene, check_size, get_spec
from invcam.synth.sensor import CRF, CRF_FAMILIES, Camera, NoiseModel, capture, make_crf

BLUR_AT_PAPER_SIZE = 8.0  # largest CoC radius (px) at 600 x 900


@dataclass
class SynthResult:
    """A synthesized stack: images, their stack.json entries, ground truth and metadata.

    ``images`` are ``(H, W, 3)`` uint8/uint16, as a reader sees them; ``radiance``
    ``(H, W, 3)`` float32 and ``depth`` ``(H, W)`` float32 are the ground truth in the
    reference geometry. ``encoded`` holds each image's JPEG file bytes (None: PNG).
    """

    images: list[np.ndarray]
    shots: list[Shot]
    entries: list[dict]
    radiance: np.ndarray
    depth: np.ndarray
    camera: Camera
    meta: dict = field(default_factory=dict)
    encoded: list[bytes] | None = None

    def linear_input(self, index: int) -> np.ndarray:
        """Input ``index`` back to radiance through the true CRF and exposure time.

        Returns ``(H, W, 3)`` float64; exact within quantization where unclipped.
        """
        image = self.images[index]
        values = image.astype(np.float64) / float(np.iinfo(image.dtype).max)
        return self.camera.crf.inverse(values) / self.entries[index]["exposure"]


def exposure_times(t_mid: float, stops: float) -> tuple[float, float, float]:
    """Short, middle and long exposure time (s), ``stops`` EV apart."""
    return (t_mid * 2.0**-stops, t_mid, t_mid * 2.0**stops)


def coc_scale(depth: np.ndarray, focus: tuple[float, ...]) -> tuple[float, float]:
    """Thin-lens constant ``k`` (px m) and the largest CoC radius it gives (px).

    The largest blur, over all focus settings and scene depths, is 8 px at 600 x 900 and
    scales with the image diagonal (at least 3 px, so small images still show defocus).
    """
    h, w = depth.shape
    max_blur = max(3.0, BLUR_AT_PAPER_SIZE * math.hypot(h, w) / math.hypot(600, 900))
    inv = 1.0 / depth.astype(np.float64)
    lo, hi = float(inv.min()), float(inv.max())
    worst = max(max(abs(lo - 1 / f), abs(hi - 1 / f)) for f in focus)
    return max_blur / max(worst, 1e-9), max_blur


def scale_radiance(radiance: np.ndarray, t_mid: float,
                   key: float = 0.18) -> tuple[np.ndarray, float]:
    """Rescale radiance so the median luminance times ``t_mid`` is ``key`` (middle grey).

    Returns the scaled ``(H, W, 3)`` radiance and the factor applied.
    """
    median = float(np.median(radiance @ REC709_Y))
    scale = key / (max(median, 1e-12) * t_mid)
    return (radiance * np.float32(scale)).astype(np.float32), scale


def make_camera(spec: SceneSpec, depth: np.ndarray, crf: CRF, noise: NoiseModel) -> Camera:
    """Camera settings for a scene: exposures, defocus constant, focus breathing."""
    k, max_blur = coc_scale(depth, spec.focus)
    mags = optics.breathing([1.0 / f for f in spec.focus], MID, *spec.breathing)
    return Camera(spec.focus, exposure_times(spec.t_mid, spec.stops), k, max_blur,
                  tuple(mags), crf, noise)


def _check_jpeg(jpeg: int | None, spec: SceneSpec, bits: int) -> int | None:
    """The JPEG quality to store with (None: PNG); ``jpeg`` None is the scene's, 0 PNG."""
    quality = spec.jpeg if jpeg is None else (jpeg or None)
    if quality is not None and not (isinstance(quality, (int, np.integer)) and 1 <= quality <= 100):
        raise InvcamError(f"JPEG quality must be an integer from 1 to 100, not {quality!r}")
    if quality is not None and bits != 8:
        raise InvcamError(f"JPEG images are 8-bit; cannot store {bits}-bit images as JPEG")
    return quality


def _check_args(scene: str, layout: str | None, size, seed: int, bits: int, crf: str | None):
    """Validate the user's choices; returns the spec, shots, size and response curve."""
    spec = get_spec(scene)
    shots = layout_shots(layout or "diagonal")
    if bits not in (8, 16):
        raise InvcamError(f"bits must be 8 or 16, not {bits}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvcamError(f"seed must be a non-negative integer, not {seed!r}")
    name = crf or spec.crf
    if name not in CRF_FAMILIES:
        raise InvcamError(f"unknown response curve {name!r} (valid: {', '.join(CRF_FAMILIES)})")
    return spec, shots, check_size(size, spec), make_crf(name)


def render_focus(radiance: np.ndarray, depth: np.ndarray, camera: Camera,
                 shots: list[Shot]) -> tuple[dict, optics.LayeredScene | None]:
    """Irradiance ``(H, W, 3)`` on the sensor for each focus index the shots use.

    Index None is the all-in-focus image. Returns the images and the layered scene.
    """
    needed = sorted({s.focus for s in shots}, key=lambda f: -1 if f is None else f)
    layered = None
    if any(f is not None for f in needed):
        layered = optics.prepare_layers(radiance, depth, camera.coc_scale, camera.max_blur)
    out = {}
    for f in needed:
        if f is None:
            out[f] = radiance
        else:
            blurred = optics.defocus(layered, camera.focus[f])
            out[f] = optics.magnify(blurred, camera.magnifications[f])
    return out, layered


def synthesize(scene: str = "demo", layout: str | None = None, size=None, seed: int = 0,
               bits: int = 8, noise: bool = True, crf: str | None = None,
               jpeg: int | None = None) -> SynthResult:
    """Simulate shooting ``scene`` with ``layout``; deterministic for a ``seed``.

    ``size`` is ``(H, W)`` or None (the scene's default); ``noise=False`` gives
    noise-free images; ``crf`` overrides the scene's response curve by name; ``jpeg``
    the JPEG quality (None: the scene's setting, 0: lossless PNG).
    """
    spec, shots, size, curve = _check_args(scene, layout, size, seed, bits, crf)
    quality = _check_jpeg(jpeg, spec, bits)
    scene_ss, noise_ss, shake_ss = np.random.SeedSequence(seed).spawn(3)
    radiance, depth = build_scene(spec, size, np.random.default_rng(scene_ss))
    radiance, scale = scale_radiance(radiance, spec.t_mid, spec.key)
    camera = make_camera(spec, depth, curve, NoiseModel(enabled=noise))
    irradiance, layered = render_focus(radiance, depth, camera, shots)
    shakes = shake.draw_shakes(shots, spec.shake, size, np.random.default_rng(shake_ss))
    rng = np.random.default_rng(noise_ss)
    images = [capture(shake.warp_shot(irradiance[s.focus], np.array(k["matrix"])),
                      camera.exposures[s.exposure], curve, camera.noise, rng, bits)
              for s, k in zip(shots, shakes, strict=True)]
    encoded = None if quality is None else [encode_jpeg(im, quality) for im in images]
    if encoded is not None:
        images = [decode_jpeg(data) for data in encoded]
    suffix = ".png" if quality is None else ".jpg"
    entries = [stack_entry(i, s, camera, suffix) for i, s in enumerate(shots)]
    meta = scene_record(spec, layout or "diagonal", size, seed, bits, scale, camera, layered,
                        shots, radiance, depth)
    _record_shots(meta, spec, entries, shakes, quality)
    return SynthResult(images, shots, entries, radiance, depth, camera, meta, encoded)


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    """JPEG file bytes of an ``(H, W, 3)`` uint8 RGB image (4:2:0 chroma, like a camera)."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise OSError("OpenCV could not encode a JPEG")
    return data.tobytes()


def decode_jpeg(data: bytes) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB image from JPEG bytes (what a reader of the file gets)."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def _record_shots(meta: dict, spec: SceneSpec, entries: list[dict], shakes: list[dict],
                  quality: int | None) -> None:
    """Add the split, file format, breathing range and per-image shake to ``meta``."""
    meta["split"] = spec.split
    meta["file_format"] = {"format": "png" if quality is None else "jpeg",
                           "jpeg_quality": quality}
    meta["breathing_range"] = list(spec.breathing)
    meta["shake"] = {"max_rotation_deg": spec.shake[0], "max_shift_px_at_600x900": spec.shake[1],
                     "warp": "bicubic, clamped to the 3x3 source range, mirrored border",
                     "matrix": "2x3 affine, reference-geometry pixel -> shot pixel"}
    size = tuple(meta["size_hw"])
    for rec, entry, k in zip(meta["images"], entries, shakes, strict=True):
        rec["file"] = entry["file"]
        rec["shake"] = k
        rec["from_reference"] = shake.from_reference(rec["magnification"], k, size)


def stack_entry(index: int, shot: Shot, camera: Camera, suffix: str = ".png") -> dict:
    """The stack.json record of one image (focus distance omitted when all in focus)."""
    entry = {"file": f"img_{index:02d}{suffix}", "exposure": camera.exposures[shot.exposure]}
    if shot.focus is not None:
        entry["focus_distance"] = camera.focus[shot.focus]
    if shot.reference:
        entry["role"] = "reference"
    return entry
