"""Render a fitted scene stored in a ``model.pt`` (``invcam render``, the benchmarks)."""

from __future__ import annotations

import os

import numpy as np

from invcam.io.checkpoint import load_checkpoint
from invcam.method.render import render_model
from invcam.method.state import model_from_checkpoint


def render_exposure(model_path: str | os.PathLike, exposure: float | None = None,
                    ev: float | None = None, blur_of: int | None = None,
                    frame: int | None = None, linear: bool = False) -> np.ndarray:
    """:func:`~invcam.method.render.render_model` of the model in ``model_path``.

    Args:
        model_path: ``model.pt`` written by ``invcam fit``.
        exposure: exposure time in seconds, or
        ev: stops relative to the reference image's exposure time.
        blur_of: index of the image whose learned PSF (and geometry) to use.
        frame: render in this frame's geometry (video, moving scene); default: the
            reference image's.
        linear: return the sensor exposure (irradiance times exposure time, linear HDR,
            in the units of radiance.exr times seconds) instead of display values.

    Returns:
        ``(H, W, 3)`` display values in [0, 1] through the learned response curve (Eq. 9),
        or linear values when ``linear``.
    """
    model = model_from_checkpoint(load_checkpoint(model_path))
    return render_model(model, exposure, ev, blur_of, frame, linear)
