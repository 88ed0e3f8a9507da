"""Render a fitted scene stored in a ``model.pt`` (``invcam render``, the benchmarks)."""

from __future__ import annotations

import os

import numpy as np

from invcam.io.checkpoint import load_checkpoint
from invcam.method.render import render_model
from invcam.method.state import model_from_checkpoint


def load_model(path: str | os.PathLike):
    """The fitted :class:`~invcam.method.imaging.ImagingModel` in a ``model.pt`` (checked
    as :func:`invcam.io.checkpoint.load_checkpoint` checks it)."""
    return model_from_checkpoint(load_checkpoint(path))


def render_exposure(model_path: str | os.PathLike, exposure: float | None = None,
                    ev: float | None = None, blur_of: int | None = None,
                    frame: int | None = None, linear: bool = False) -> np.ndarray:
    """:func:`~invcam.method.render.render_model` of the model in ``model_path`` (a
    ``model.pt`` written by ``invcam fit``); the other arguments and the result are
    render_model's."""
    return render_model(load_model(model_path), exposure, ev, blur_of, frame, linear)
