"""The sensor: exposure, noise, clipping, camera response curve (CRF) and quantization.

Values flow as in a real camera (Debevec & Malik, "Recovering high dynamic range radiance
maps from photographs", SIGGRAPH 1997): sensor exposure ``x = irradiance * time`` (linear,
1 = full well), photon shot noise and read noise on ``x`` (Healey & Kondepudy, "Radiometric
CCD camera calibration and noise estimation", PAMI 1994), clipping to ``[0, 1]``, then a
monotone response ``f`` with ``f(0) = 0`` and ``f(1) = 1``, then rounding to 8 or 16 bits.
Arrays are ``(H, W, 3)`` float32 unless stated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from invcam.io.ldr import quantize

Curve = Callable[[np.ndarray], np.ndarray]


def gamma_curve(x: np.ndarray, gamma: float = 2.2) -> np.ndarray:
    """Power-law response ``x ** (1/gamma)`` on ``[0, 1]``."""
    return np.power(x, 1.0 / gamma)


def srgb_curve(x: np.ndarray) -> np.ndarray:
    """The sRGB transfer function (IEC 61966-2-1): linear toe, then a 1/2.4 power."""
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1.0 / 2.4) - 0.055)


def log_curve(x: np.ndarray, a: float = 60.0) -> np.ndarray:
    """Logarithmic ("log video") response ``log(1 + a x) / log(1 + a)``."""
    return np.log1p(a * x) / np.log1p(a)


def film_curve(x: np.ndarray, toe: float, shoulder: float, mid: float,
               grey: float = 0.18) -> np.ndarray:
    """Film-like S-curve (in log exposure) with a toe and a soft shoulder.

    ``f(x) = x^toe / (x^toe + c (1 - x)^shoulder)``: a rational sigmoid that is smooth and
    strictly increasing on ``(0, 1)`` with ``f(0) = 0``, ``f(1) = 1``; ``shoulder > 1``
    flattens the approach to saturation, ``toe`` sets the shadow contrast. ``c`` is chosen
    so that ``f(grey) = mid``.
    """
    c = (1.0 / mid - 1.0) * grey**toe / (1.0 - grey) ** shoulder
    xt = np.power(x, toe)
    return xt / (xt + c * np.power(1.0 - x, shoulder))


def phone_curve(x: np.ndarray, strength: float = 0.35) -> np.ndarray:
    """sRGB encoding followed by a global S-shaped tone curve (a phone's picture style).

    ``g(y) = y - strength * sin(2 pi y) / (2 pi)`` on the sRGB value ``y``: ``g(0) = 0``,
    ``g(1) = 1`` and ``g'(y) = 1 - strength * cos(2 pi y) > 0`` for ``strength < 1``, so
    the curve stays strictly increasing; contrast rises in the mid-tones and is taken from
    the shadows and highlights.
    """
    y = srgb_curve(x)
    return y - strength * np.sin(2.0 * np.pi * y) / (2.0 * np.pi)


#: Named response curves: ``name -> (description, per-channel parameters for a curve)``.
CRF_FAMILIES: dict[str, tuple[str, Curve, list[dict]]] = {
    "gamma": ("power law, gamma 2.2", gamma_curve, [{"gamma": 2.2}] * 3),
    "srgb": ("sRGB transfer function", srgb_curve, [{}] * 3),
    "log": ("logarithmic video curve", log_curve, [{"a": 60.0}] * 3),
    "film": ("film-like S-curve, toe and shoulder", film_curve,
             [{"toe": 0.75, "shoulder": 1.6, "mid": 0.45}] * 3),
    "film_rgb": ("film-like S-curve, per-channel (colour film)", film_curve,
                 [{"toe": 0.70, "shoulder": 1.4, "mid": 0.47},
                  {"toe": 0.75, "shoulder": 1.6, "mid": 0.45},
                  {"toe": 0.82, "shoulder": 1.9, "mid": 0.42}]),
    "gamma_rgb": ("power law, per-channel gamma 2.0 / 2.2 / 2.5", gamma_curve,
                  [{"gamma": 2.0}, {"gamma": 2.2}, {"gamma": 2.5}]),
    # the test-set curves (never used by the tuning scenes)
    "film_strong": ("film-like S-curve, strong toe and a soft long shoulder", film_curve,
                    [{"toe": 1.15, "shoulder": 2.6, "mid": 0.40}] * 3),
    "phone": ("sRGB with a global S-shaped tone curve (phone picture style)", phone_curve,
              [{"strength": 0.35}] * 3),
}


@dataclass(frozen=True)
class CRF:
    """A camera response curve per channel: sensor exposure ``[0, inf)`` -> value ``[0, 1]``.

    Exposures at or above 1 saturate at 1. ``inverse`` inverts by interpolation on a
    dense logarithmic table (the curves are strictly increasing).
    """

    name: str
    params: list[dict] = field(default_factory=list)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Apply the curve to ``(..., 3)`` exposures; returns float32 in ``[0, 1]``."""
        _, curve, _ = CRF_FAMILIES[self.name]
        x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
        out = np.empty(x.shape, dtype=np.float32)
        for c, p in enumerate(self.params):
            out[..., c] = curve(x[..., c], **p)
        return np.clip(out, 0.0, 1.0)

    def table(self, n: int = 1024, lo: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
        """Sample the curve on a log-spaced exposure grid ``lo .. 1``: ``(n,)`` and ``(n, 3)``."""
        x = np.geomspace(lo, 1.0, n)
        return x, self(np.repeat(x[:, None], 3, axis=1))

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Exposure for ``(..., 3)`` values in ``[0, 1]`` (1 maps to 1, 0 to 0)."""
        x, y = self.table(8192, 1e-9)
        x = np.concatenate([[0.0], x])
        y = np.concatenate([np.zeros((1, 3)), y])
        values = np.asarray(values, dtype=np.float64)
        out = np.empty(values.shape, dtype=np.float64)
        for c in range(3):
            out[..., c] = np.interp(values[..., c], y[:, c], x)
        return out

    def describe(self) -> dict:
        """JSON-able record: name, description and per-channel parameters."""
        return {"name": self.name, "description": CRF_FAMILIES[self.name][0], "params": self.params}


def make_crf(name: str) -> CRF:
    """The named response curve (see :data:`CRF_FAMILIES`)."""
    return CRF(name, [dict(p) for p in CRF_FAMILIES[name][2]])


@dataclass(frozen=True)
class NoiseModel:
    """Sensor noise in units of full well: variance ``x / full_well + read**2``.

    ``full_well`` is in electrons (shot noise is Poisson, here its Gaussian limit);
    ``read`` is the read-noise standard deviation as a fraction of full well.
    """

    full_well: float = 12000.0
    read: float = 3.0 / 12000.0
    enabled: bool = True

    def describe(self) -> dict:
        """JSON-able record of the parameters."""
        return {"full_well_electrons": self.full_well, "read_noise": self.read,
                "enabled": self.enabled, "model": "x + N(0, x/full_well + read^2)"}


def expose(irradiance: np.ndarray, time: float, noise: NoiseModel,
           rng: np.random.Generator) -> np.ndarray:
    """Noisy, clipped sensor exposure ``clip(irradiance * time + noise, 0, 1)``."""
    x = irradiance.astype(np.float32) * np.float32(time)
    if noise.enabled:
        sigma = np.sqrt(x / np.float32(noise.full_well) + np.float32(noise.read) ** 2)
        x = x + sigma * rng.standard_normal(x.shape, dtype=np.float32)
    return np.clip(x, 0.0, 1.0)


def capture(irradiance: np.ndarray, time: float, crf: CRF, noise: NoiseModel,
            rng: np.random.Generator, bits: int = 8) -> np.ndarray:
    """Full sensor pipeline to stored integers: ``(H, W, 3)`` uint8 or uint16."""
    return quantize(crf(expose(irradiance, time, noise, rng)), bits)


@dataclass(frozen=True)
class Camera:
    """The settings a stack is shot with (three focus and three exposure settings)."""

    focus: tuple[float, float, float]
    exposures: tuple[float, float, float]
    coc_scale: float
    max_blur: float
    magnifications: tuple[float, float, float]
    crf: CRF
    noise: NoiseModel
