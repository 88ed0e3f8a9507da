"""Calibration of the local misregistration metric (invcam.metrics_local).

Reads the metric on synthetic scenes' ground-truth radiance against known
distortions of itself: sub-pixel shifts (Fourier shift of the log image, exact for a
band-limited image) along x, y and the diagonal, and Gaussian blurs in linear units.
A shift of d px should read d; a blur should read ~0. Prints one table, writes nothing.

    .venv/bin/python benchmarks/misregistration_calibration.py
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from scipy.ndimage import fourier_shift, gaussian_filter

from invcam.metrics_local import misregistration
from invcam.synth import synthesize

SCENES = ("demo", "studio", "window")
SIZE = (240, 360)
SHIFTS = (0.1, 0.3, 0.5, 1.0)
BLURS = (0.5, 1.0, 2.0)


def shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``(H, W, 3)`` positive ``image`` moved by ``(dx, dy)`` px (Fourier shift of its log)."""
    log = np.log(image)
    out = [np.fft.ifft2(fourier_shift(np.fft.fft2(log[..., c]), (dy, dx))).real
           for c in range(3)]
    return np.exp(np.stack(out, axis=-1))


def cases() -> list[tuple[str, float, Callable[[np.ndarray], np.ndarray]]]:
    """(label, expected reading in px, distortion) for every case."""
    out = [("identical", 0.0, lambda g: g)]
    for d in SHIFTS:
        out += [(f"shift x {d}", d, lambda g, d=d: shifted(g, d, 0.0)),
                (f"shift y {d}", d, lambda g, d=d: shifted(g, 0.0, d)),
                (f"shift diag {d}", d, lambda g, d=d: shifted(g, d / 2**0.5, d / 2**0.5))]
    out += [(f"blur sigma {s}", 0.0, lambda g, s=s: gaussian_filter(g, (s, s, 0)))
            for s in BLURS]
    return out


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    truths = {s: synthesize(s, "diagonal", size=SIZE).radiance.astype(np.float64)
              for s in SCENES}
    print(f"{'case':<16}{'expect':>7}" + "".join(f"{s:>22}" for s in SCENES))
    print(f"{'':<23}" + "".join(f"{'median / p95 (n)':>22}" for _ in SCENES))
    seconds = []
    for label, expect, distort in cases():
        cells = []
        for scene in SCENES:
            gt = truths[scene]
            pred = distort(gt)
            start = time.perf_counter()
            r = misregistration(pred, gt)
            seconds.append(time.perf_counter() - start)
            cells.append(f"{r['misreg_median_px']:.3f} / {r['misreg_p95_px']:.3f} "
                         f"({r['misreg_windows']})")
        print(f"{label:<16}{expect:>7.2f}" + "".join(f"{c:>22}" for c in cells))
    print(f"\n{SIZE[0]}x{SIZE[1]} px, mean {np.mean(seconds):.2f} s per reading")
    big = np.tile(truths["demo"], (3, 3, 1))[:600, :900]
    start = time.perf_counter()
    r = misregistration(shifted(big, 0.3, 0.0), big)
    print(f"600x900 px (demo tiled), shift x 0.3: {r['misreg_median_px']:.3f} px, "
          f"{r['misreg_windows']} windows, {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
