"""The scene catalogue: procedural scenes and real HDR maps, by name.

A scene is an all-in-focus linear radiance map ``(H, W, 3)`` float32 and a depth map
``(H, W)`` float32 in metres, plus the camera settings that suit it: three focus
distances (near, middle, far), a middle exposure time and a default response curve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from invcam.errors import InvcamError
from invcam.photometry import REC709_Y
from invcam.synth import procedural, realhdr, testscenes, testscenes_still

Builder = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]
PAPER_SIZE = (600, 900)  # the paper's image size, H x W
MIN_SIDE, MAX_SIDE = 16, 8192


@dataclass(frozen=True)
class SceneSpec:
    """How to build a scene and shoot it.

    ``focus`` holds the near, middle and far focus distances (m); ``t_mid`` the middle
    exposure time (s), ``stops`` the bracket spacing (EV) and ``key`` the sensor value
    of the median pixel at the middle exposure (0.18: middle grey; lower for night);
    ``data`` the file under ``hdr/`` a real scene needs, if any.

    ``split`` is the set the scene belongs to: ``"tuning"`` (scenes the method's
    defaults may be chosen on) or ``"test"`` (held out: never tuned on). ``breathing``
    is the ``(low, high)`` magnification change of the non-reference focus settings;
    ``shake`` the ``(max degrees, max pixels at 600 x 900)`` of a random rotation and
    shift per non-reference shot (a hand-held-ish tripod; ``(0, 0)``: none); ``jpeg``
    a JPEG quality to store the images with (None: lossless PNG).
    """

    name: str
    description: str
    build: Builder
    focus: tuple[float, float, float]
    t_mid: float
    crf: str
    size: tuple[int, int] = PAPER_SIZE
    stops: float = 2.0
    key: float = 0.18
    data: str | None = None
    split: str = "tuning"
    breathing: tuple[float, float] = (0.01, 0.03)
    shake: tuple[float, float] = (0.0, 0.0)
    jpeg: int | None = None


SPLITS = ("tuning", "test")
TEST_SHOT = {"split": "test", "breathing": (0.02, 0.03), "shake": (0.5, 2.0)}


def _real(layout: realhdr.RealLayout) -> Builder:
    """Builder for a real radiance map (the random generator is not used)."""
    return lambda h, w, rng: realhdr.load_real(layout, (h, w))


SCENES: dict[str, SceneSpec] = {s.name: s for s in (
    SceneSpec("demo", "small test room: sunny window, checker wall, box, red ball",
              procedural.demo, (1.2, 2.5, 6.0), 1 / 15, "film", (200, 300)),
    SceneSpec("studio", "still life: softbox, glazed vase, ball, candle flame, book",
              procedural.studio, (1.0, 1.6, 4.5), 1 / 30, "film_rgb"),
    SceneSpec("window", "dim room facing a sunlit window, house plant up close",
              procedural.window, (0.9, 3.2, 900.0), 1 / 30, "srgb", stops=3.0, key=0.12),
    SceneSpec("city", "night street: lit windows at three depths, street lamps, neon, railing",
              procedural.city, (2.0, 15.0, 400.0), 1 / 4, "log", key=0.08),
    SceneSpec("desk", "real HDR: stained-glass window, desk with a book, handrail",
              _real(realhdr.DESK), (0.9, 2.2, 3.0), 1 / 15, "gamma_rgb", stops=3.0, key=0.09,
              data=realhdr.DESK.file),
    SceneSpec("tree", "real HDR: old tree against a sunlit field, mossy ground",
              _real(realhdr.TREE), (1.5, 6.0, 80.0), 1 / 125, "film", stops=3.0, key=0.03,
              data=realhdr.TREE.file),
    SceneSpec("bonita", "real HDR: coast at dusk, island, sun glint, dark hillside",
              _real(realhdr.BONITA), (8.0, 60.0, 2500.0), 1 / 60, "gamma",
              data=realhdr.BONITA.file),
    SceneSpec("mttam", "real HDR: view from Mt Tamalpais, boulder and rock ledge",
              _real(realhdr.MTTAM), (2.0, 6.0, 1000.0), 1 / 250, "srgb", key=0.09,
              data=realhdr.MTTAM.file),
    SceneSpec("beachball", "real CG frame with Z depth: beach ball in a sunlit room",
              realhdr.beachball, (1.2, 2.0, 6.0), 1 / 30, "film_rgb",
              data="Beachball_singlepart.0001.exr"),
    # the test set: written apart from the scenes above, never used to choose defaults
    SceneSpec("bars", "room at 0.8-5 m, window sky ~50x the wall crossed by thin dark bars",
              testscenes.bars, (0.9, 2.0, 5.0), 1 / 30, "film_strong", stops=3.0, key=0.04,
              **TEST_SHOT),
    SceneSpec("fence", "chain-link fence at 7 m, bright sky and fields, leaves near",
              testscenes.fence, (1.3, 7.0, 400.0), 1 / 250, "phone", key=0.06, jpeg=90,
              **TEST_SHOT),
    SceneSpec("speculars", "still life, small glints on metal and glass, matte fruit near",
              testscenes_still.speculars, (0.9, 1.8, 3.0), 1 / 15, "film_strong", stops=3.0,
              key=0.08, **TEST_SHOT),
    SceneSpec("text", "bright screen with text, poster with barcode, resolution chart",
              testscenes_still.text, (0.85, 2.0, 4.2), 1 / 30, "phone", key=0.12, jpeg=90,
              **TEST_SHOT),
)}
# Grace_Cathedral.hdr is left out: a 250 x 500 latitude-longitude light probe is a
# distorted panorama, not a camera view, and too small for 600 x 900.


def scenes_in(split: str) -> tuple[str, ...]:
    """Names of the scenes in ``split`` (``tuning`` or ``test``), in catalogue order."""
    return tuple(name for name, spec in SCENES.items() if spec.split == split)


def list_scenes() -> list[tuple[str, str]]:
    """``(name, one-line description)`` of every scene; real ones note missing data.

    The description starts with the scene's set, e.g. ``"[test] ..."``.
    """
    out = []
    for spec in SCENES.values():
        desc = f"[{spec.split}] " + spec.description
        if spec.data and not (realhdr.data_dir() / "hdr" / spec.data).is_file():
            desc += f" [needs hdr/{spec.data}, not found]"
        out.append((spec.name, desc))
    return out


def get_spec(name: str) -> SceneSpec:
    """The scene called ``name``; InvcamError listing the valid names otherwise."""
    if name not in SCENES:
        raise InvcamError(f"unknown scene {name!r} (valid: {', '.join(SCENES)})")
    return SCENES[name]


def check_size(size: tuple[int, int] | None, spec: SceneSpec) -> tuple[int, int]:
    """The ``(H, W)`` to render: ``size`` validated, or the scene's default."""
    if size is None:
        return spec.size
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise InvcamError(f"size {size!r}: expected (height, width) in pixels") from None
    if not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
        raise InvcamError(
            f"size {h}x{w}: each side must be between {MIN_SIDE} and {MAX_SIDE} pixels")
    return h, w


def build_scene(spec: SceneSpec, size: tuple[int, int],
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Radiance ``(H, W, 3)`` and depth ``(H, W)`` of a scene, checked finite and positive."""
    radiance, depth = spec.build(size[0], size[1], rng)
    radiance = np.maximum(np.asarray(radiance, dtype=np.float32), 0.0)
    depth = np.asarray(depth, dtype=np.float32)
    if radiance.shape != (*size, 3) or depth.shape != size:
        raise AssertionError(f"scene {spec.name} built {radiance.shape}, {depth.shape} for {size}")
    if not (np.isfinite(radiance).all() and np.isfinite(depth).all() and (depth > 0).all()):
        raise AssertionError(f"scene {spec.name}: non-finite radiance or non-positive depth")
    return radiance, depth


def dynamic_range(radiance: np.ndarray) -> float:
    """Robust dynamic range of ``(H, W, 3)`` radiance: 99.9th over 0.1st percentile luminance."""
    lum = radiance @ REC709_Y
    lo, hi = np.percentile(lum, [0.1, 99.9])
    return float(hi / max(lo, 1e-12))
