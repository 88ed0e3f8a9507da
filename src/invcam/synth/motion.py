"""Motion of a synthetic video: camera path, parallax, moving object, focus sweep, exposures.

Coordinates are pixels of the output frames, ``x`` right and ``y`` down, with the image
centre at ``c = ((W - 1) / 2, (H - 1) / 2)``. Everything is relative to the reference
frame, whose view is the scene canvas cropped at the margin (shift 0, zoom 1). A point seen
at ``q`` in the reference frame, at depth ``d``, is seen in frame ``t`` at

    ``z_t * (q - c) + c + parallax(d) * s_t``

where ``s_t`` is the frame's camera shift (the image motion of a surface at the scene's
middle focus distance) and ``z_t`` its zoom. ``"pan"`` mixes a camera rotation (same image
motion at every depth) with a sideways translation (image motion proportional to
``1/depth``): ``parallax(d) = 0.5 + 0.5 * d_mid / d``, capped at 2.5, so near layers move
more than far ones and the sky moves half as much as the middle plane; over the clip the
view travels 16 % of the width sideways, bobs 3 % of the height and zooms in by 4 %.
``"translate"`` shifts the whole image 2 px right and 1 px down per frame (parallax 1, no
zoom, no object); ``"static"`` moves nothing; ``"object"`` keeps the camera still and moves
only the object (the ``dynamic`` stack layout); ``"slide"`` is ``"translate"`` with the
object of ``"object"`` moving as well (a camera drifting slowly while a thing moves);
``"drift"`` is ``"translate"`` with the object moving ``DRIFT_OBJECT_STEP`` of the width per
frame (6 px at 360 px wide: the moving bracket of the unseen-scenes issue, an object
moving 6 px and the camera about 2 px between shots).
The object, a textured disc of radius 13 % of the height at the depth halfway (in
diopters) between the near and middle focus, crosses the view left to right (20 % to 80 %
of the width) on a shallow arc in the upper middle, and is carried by the camera motion
at its own depth's parallax as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from invcam.errors import InvcamError

MOTIONS = ("pan", "translate", "static", "object", "slide", "drift")
OBJECT_SPAN = 0.1
"""Fraction of the width the object crosses in ``"object"`` motion (the dynamic layout)."""
PAN_BASE = 0.5  # parallax of infinitely far surfaces under "pan"
PARALLAX_CAP = 2.5  # nearest surfaces move at most this much faster than the middle plane
PAN_AMPLITUDE = (0.08, 0.03)  # half the pan travel, x and y, as fractions of W and H
PAN_ZOOM = 0.04  # zoom at the end of the clip relative to its start
TRANSLATE_STEP = (2.0, 1.0)  # px per frame of "translate"
DRIFT_OBJECT_STEP = 1.0 / 60.0
"""Fraction of the width the object moves per frame in ``"drift"`` motion."""
OBJECT_RADIUS = 0.13  # fraction of the frame height
MIN_VIDEO_SIDE = 32


def exposure_cycle(frames: int) -> np.ndarray:
    """Exposure index of each frame, ``(T,)`` int: 0, 1, 2 (short, middle, long), repeating."""
    return np.arange(frames) % 3


def reference_frame(frames: int) -> int:
    """The middle-exposure frame nearest the middle of the clip (the earlier one on a tie)."""
    middle = (frames - 1) / 2.0
    candidates = [t for t in range(frames) if t % 3 == 1]
    return min(candidates, key=lambda t: (abs(t - middle), t))


def focus_sweep(frames: int, near: float, far: float) -> np.ndarray:
    """Per-frame focus distance ``(T,)`` in metres: one sweep, linear in diopters, near to far."""
    u = np.linspace(0.0, 1.0, frames)
    diopter = 1.0 / near + (1.0 / far - 1.0 / near) * u
    return 1.0 / diopter


@dataclass(frozen=True)
class MotionPlan:
    """The true motion of every frame of a clip.

    ``shifts`` ``(T, 2)`` camera shift (x, y) in pixels and ``zooms`` ``(T,)``, both exactly
    0 and 1 at ``reference``; ``object_path`` ``(T, 2)`` the object centre in reference-frame
    coordinates before camera motion (None: no object); ``object_depth`` in metres;
    ``d_mid`` the depth (m) whose parallax is 1; ``size`` the frame ``(H, W)``.
    """

    kind: str
    size: tuple[int, int]
    reference: int
    shifts: np.ndarray
    zooms: np.ndarray
    object_path: np.ndarray | None
    object_depth: float
    object_radius: float
    d_mid: float

    @property
    def centre(self) -> np.ndarray:
        """Image centre ``(2,)`` (x, y) in pixels."""
        h, w = self.size
        return np.array([(w - 1) / 2.0, (h - 1) / 2.0])

    def parallax(self, depth: np.ndarray | float) -> np.ndarray:
        """Image motion per unit camera shift of a surface at ``depth`` (m); shaped like it."""
        depth = np.asarray(depth, dtype=np.float64)
        if self.kind != "pan":
            return np.ones_like(depth)
        return np.minimum(PAN_BASE + (1.0 - PAN_BASE) * self.d_mid / depth, PARALLAX_CAP)

    def parallax_range(self) -> tuple[float, float]:
        """Smallest and largest parallax any surface can have."""
        return (PAN_BASE, PARALLAX_CAP) if self.kind == "pan" else (1.0, 1.0)

    def frame_coords(self, t: int, xy: np.ndarray, depth: np.ndarray | float) -> np.ndarray:
        """Where points seen at ``xy`` ``(..., 2)`` in the reference frame appear in frame ``t``."""
        c = self.centre
        p = np.asarray(self.parallax(depth))[..., None]
        return self.zooms[t] * (np.asarray(xy, dtype=np.float64) - c) + c + p * self.shifts[t]

    def object_centres(self) -> np.ndarray | None:
        """Object centre ``(T, 2)`` (x, y) in each frame's pixels, or None without an object."""
        if self.object_path is None:
            return None
        return np.stack([self.frame_coords(t, self.object_path[t], self.object_depth)
                         for t in range(len(self.zooms))])

    def margin(self, pad: int) -> tuple[int, int]:
        """Canvas margin (y, x) in pixels so every frame, grown by ``pad``, sees scene content."""
        c = self.centre
        p_hi = self.parallax_range()[1]
        need = (c[None, :] + pad + p_hi * np.abs(self.shifts)) / self.zooms[:, None] - c
        mx, my = np.ceil(need.max(axis=0)).astype(int) + 2
        return int(max(my, pad + 2)), int(max(mx, pad + 2))


def _pan_path(frames: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Camera shift ``(T, 2)`` and zoom ``(T,)`` of a pan with a slight zoom, not yet referenced."""
    h, w = size
    u = np.linspace(0.0, 1.0, frames)
    dx = -PAN_AMPLITUDE[0] * w * (2.0 * u - 1.0)  # the camera pans right: content moves left
    dy = PAN_AMPLITUDE[1] * h * np.sin(2.0 * math.pi * u)
    return np.stack([dx, dy], axis=1), 1.0 + PAN_ZOOM * u * u


def _object_path(frames: int, size: tuple[int, int], span: float = 0.6) -> np.ndarray:
    """Object centre ``(T, 2)``: left to right across ``span`` of the width, around the
    upper middle, on a shallow arc."""
    h, w = size
    u = np.linspace(0.0, 1.0, frames)
    x = w * (0.5 + span * (u - 0.5))
    return np.stack([x, h * (0.4 - 0.2 * span * np.sin(math.pi * u))], axis=1)


def _check_translate(frames: int, size: tuple[int, int], step, ref: int) -> None:
    """Refuse a translation that would carry the view more than half a frame away."""
    reach = max(ref, frames - 1 - ref)
    for axis, (n, v) in enumerate(zip(size[::-1], step, strict=True)):
        if abs(v) * reach > n / 2:
            raise InvcamError(
                f"size {size[0]}x{size[1]} is too small for {frames} frames of translate motion "
                f"({abs(v) * reach:g} px along {'xy'[axis]}, more than half the frame); use "
                "fewer frames or a larger size")


def plan_motion(kind: str, frames: int, size: tuple[int, int], d_mid: float,
                object_depth: float, step: tuple[float, float] = TRANSLATE_STEP) -> MotionPlan:
    """The motion of a clip of ``frames`` frames of ``size`` ``(H, W)``.

    ``step`` is the shift per frame (x, y, px) of ``"translate"``; ``d_mid`` the depth with
    parallax 1 and ``object_depth`` the moving object's depth, both in metres.
    """
    if kind not in MOTIONS:
        raise InvcamError(f"unknown motion {kind!r} (valid: {', '.join(MOTIONS)})")
    ref = reference_frame(frames)
    shifts, zooms = np.zeros((frames, 2)), np.ones(frames)
    if kind == "pan":
        shifts, zooms = _pan_path(frames, size)
    elif kind in ("translate", "slide", "drift"):
        _check_translate(frames, size, step, ref)
        shifts = (np.arange(frames)[:, None] - ref) * np.asarray(step, dtype=np.float64)[None, :]
    path = None
    if kind == "pan":
        path = _object_path(frames, size)
    elif kind in ("object", "slide"):  # small object motion, as in the paper's Fig. 6
        path = _object_path(frames, size, OBJECT_SPAN)
    elif kind == "drift":
        path = _object_path(frames, size, DRIFT_OBJECT_STEP * (frames - 1))
    return MotionPlan(kind, size, ref, shifts - shifts[ref], zooms / zooms[ref], path,
                      float(object_depth), OBJECT_RADIUS * size[0], float(d_mid))


def check_video_size(size: tuple[int, int]) -> None:
    """Refuse frames too small for the motion margins and the moving object."""
    if min(size) < MIN_VIDEO_SIDE:
        raise InvcamError(f"size {size[0]}x{size[1]} is too small for a video: each side must "
                          f"be at least {MIN_VIDEO_SIDE} pixels")
