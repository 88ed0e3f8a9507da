"""Model checkpoints (``model.pt``): tensors + versioned JSON-able metadata.

Loaded with ``torch.load(weights_only=True)``: no pickled classes, only tensors and
plain containers. The config travels as the versioned dict of ``invcam.config``.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from invcam import __version__
from invcam.config import config_from_dict
from invcam.errors import InvcamError
from invcam.imaging import ImagingModel
from invcam.io.atomic import atomic_path

CHECKPOINT_FORMAT = 1


def save_checkpoint(path: str | os.PathLike, state: dict, meta: dict) -> None:
    """Atomically write a fit state (from ``invcam.fit.make_state``) plus stack metadata."""
    data = {"format": CHECKPOINT_FORMAT, "invcam": __version__, "meta": meta, **state}
    with atomic_path(path) as tmp:
        try:
            torch.save(data, tmp)
        except RuntimeError as exc:  # torch reports a full disk as a RuntimeError
            raise OSError(f"write failed, is the disk full? ({str(exc).splitlines()[0]})") from exc


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read and check a checkpoint; a clear InvcamError for missing, corrupt or foreign files."""
    path = Path(path)
    if not path.is_file():
        raise InvcamError(f"{path}: no such model file")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for damaged files
        raise InvcamError(f"{path}: not a readable invcam model ({type(exc).__name__})") from exc
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise InvcamError(f"{path}: model format {found!r} is not supported "
                          f"(this invcam {__version__} reads format {CHECKPOINT_FORMAT})")
    config_from_dict(data["config"])
    return data


def model_from_checkpoint(data: dict, device: str | torch.device = "cpu") -> ImagingModel:
    """Rebuild the ImagingModel stored in a checkpoint."""
    cfg = config_from_dict(data["config"])
    sd = data["model"]
    bounds = data.get("atlas_bounds")
    model = ImagingModel(cfg.model, tuple(data["size"]), sd["exposure_base"], data["reference"],
                         data["learn_exposure"], cfg.exposure_bound,
                         tuple(bounds) if bounds else None)
    if sd.get("deformation.dense") is not None:
        model.deformation.set_dense(sd["deformation.dense"])
    if "deformation.base" not in sd:  # written before moving cameras were supported
        sd = {**sd, "deformation.base": model.deformation.base}
    try:
        model.load_state_dict(sd)
    except RuntimeError as exc:
        raise InvcamError(f"model weights do not match their config: {exc}") from exc
    return model.to(device).eval()
