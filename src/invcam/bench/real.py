"""Real data without ground truth: predict a held-out exposure of a bracket.

From a real exposure bracket (e.g. ``shared/data/real/memorial``, 16 exposures), a
subset of ``real_count`` consecutive exposures around the middle is taken (to keep it
cheap); each of its middle ``real_holdouts`` exposures is held out in turn, and the
others are used to:

- ours: fit (fast preset, the bench budget), then render the held-out exposure time
  through the learned response curve (:func:`invcam.app.render.render_exposure`);
- Debevec: OpenCV calibration + merge of the same images, then the held-out photo
  predicted as ``radiance * t`` through the recovered response, inverted by
  interpolation (:func:`invcam.baselines.debevec.apply_response`).

Each prediction is scored by PSNR (dB) against the real held-out photo, in display
values [0, 1], inside a frame of ``FRAME`` pixels: the memorial PNGs carry blue
alignment borders whose width differs from photo to photo (up to 25 rows), which no
method can predict and which would otherwise dominate the score. The table reports each
hold-out and the mean.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from invcam.baselines.common import known_exposures, to_bgr8
from invcam.baselines.debevec import apply_response, calibrate_merge_debevec
from invcam.bench.options import BenchOptions
from invcam.errors import OptionError
from invcam.io.stack import load_stack
from invcam.metrics import psnr
from invcam.photometry import to_unit

FRAME = 32
"""Pixels left out at each image border when scoring (the photos' alignment borders)."""


def interior_psnr(pred: np.ndarray, photo: np.ndarray) -> float:
    """PSNR of ``(H, W, 3)`` display images inside a ``FRAME``-pixel border."""
    h, w = photo.shape[:2]
    f = FRAME if min(h, w) > 4 * FRAME else 0
    return psnr(pred[f : h - f, f : w - f], photo[f : h - f, f : w - f])


def choose_subset(times: np.ndarray, count: int, holdouts: int) -> tuple[list[int], list[int]]:
    """``count`` consecutive exposures around the middle (indices, longest first) and the
    middle ``holdouts`` of them; InvcamError if the stack is too small."""
    if count < 3 or holdouts < 1 or holdouts > count - 2:
        raise OptionError("real_count", f"{{option}} {count} / {holdouts} held out: need "
                          "count >= 3 and 1 <= held out <= count - 2 (the extremes are always "
                          "fitted)")
    if len(times) < count:
        raise OptionError("real_count", f"{{real}} needs at least {count} exposures "
                          f"({{option}}); the stack has {len(times)}")
    order = [int(i) for i in np.argsort(-times, kind="stable")]
    start = (len(order) - count) // 2
    subset = order[start:start + count]
    first = (count - holdouts) // 2
    return subset, subset[first:first + holdouts]


def _resized(raws: list[np.ndarray], size: tuple[int, int] | None) -> list[np.ndarray]:
    if size is None:
        return raws
    return [cv2.resize(r, (size[1], size[0]), interpolation=cv2.INTER_AREA) for r in raws]


def predict_ours(stack, raws: list[np.ndarray], times: np.ndarray, train: list[int],
                 held: int, opts: BenchOptions, work: Path) -> np.ndarray:
    """Fit images ``train`` of ``stack`` (pixels ``raws``, resized to the benchmark's size)
    as ``invcam fit`` does (:func:`invcam.app.run.run_fit`), then render exposure
    ``times[held]`` through the learned camera."""
    from invcam.app.render import render_exposure
    from invcam.app.run import RunOptions, run_fit
    from invcam.bench.ours import fit_config

    ref = train[len(train) // 2]
    subset = dataclasses.replace(
        stack, images=tuple(stack.images[i] for i in train),
        raw=tuple(raws[i] for i in train), size=tuple(raws[0].shape[:2]),
        reference=train.index(ref))
    out = work / f"fit_{held}"
    out.mkdir()
    run_fit(subset, out, fit_config(opts), subset.reference,
            RunOptions(checkpoint_every_s=None),
            meta={"train": train, "held_out": held})
    return render_exposure(out / "model.pt", exposure=float(times[held]))


def predict_debevec(raws: list[np.ndarray], times: np.ndarray, train: list[int],
                    held: int) -> np.ndarray:
    """Debevec on ``raws[train]``, then the held-out exposure through its response."""
    radiance, response = calibrate_merge_debevec([to_bgr8(raws[i]) for i in train],
                                                 times[train])
    return apply_response(radiance, float(times[held]), response)


def _holdout(stack, raws, unit, times, train, held, opts, work) -> dict:
    photo = unit[held].astype(np.float64)
    ours = predict_ours(stack, raws, times, train, held, opts, work)
    deb = predict_debevec(raws, times, train, held)
    return {"held_out": stack.images[held].file, "exposure": float(times[held]),
            "train": [stack.images[i].file for i in train],
            "psnr": {"ours": interior_psnr(ours, photo), "debevec": interior_psnr(deb, photo)},
            "_images": (photo, ours, deb)}


def run_real(path: str | Path, opts: BenchOptions) -> dict:
    """Leave-one-exposure-out prediction on the bracket in ``path``; returns the results
    (each hold-out's images under the private key ``_images``)."""
    stack = load_stack(path)
    times = known_exposures(stack, "bench --real").astype(np.float64)
    subset, held_out = choose_subset(times, opts.real_count, opts.real_holdouts)
    raws = _resized(list(stack.raw), opts.size)
    unit = np.stack([to_unit(r) for r in raws])
    rows = []
    with tempfile.TemporaryDirectory(prefix="invcam-real-") as tmp:
        for held in held_out:
            print(f"bench: real: holding out {stack.images[held].file}", file=sys.stderr)
            train = [i for i in subset if i != held]
            rows.append(_holdout(stack, raws, unit, times, train, held, opts, Path(tmp)))
    mean = {m: float(np.mean([r["psnr"][m] for r in rows])) for m in ("ours", "debevec")}
    return {"stack": str(stack.root), "size_hw": list(unit.shape[1:3]), "frame_px": FRAME,
            "subset": [stack.images[i].file for i in subset],
            "choice": f"{opts.real_count} consecutive exposures around the middle of "
                      f"{len(times)}; the middle {opts.real_holdouts} held out in turn",
            "holdouts": rows, "mean_psnr": mean}
