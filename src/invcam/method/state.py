"""A fit's state as plain data (checkpoints), and the model rebuilt from it.

No file I/O: :mod:`invcam.io.checkpoint` reads and writes these states.
"""

from __future__ import annotations

import copy

import torch

from invcam.config import FitConfig, config_from_dict, config_to_dict
from invcam.errors import InvcamError
from invcam.method.imaging import ImagingModel

ADDED_STATE = ("deformation.base", "deformation.sim_rate")
"""Model buffers newer than the first checkpoints: older files lack them (their defaults,
the identity base and unit rates, reproduce how those fits ran)."""


def make_state(model, opt, cfg: FitConfig, it: int, elapsed: float, history, gen,
               x_range: tuple[float, float] = (-12.0, 12.0)) -> dict:
    """A checkpoint: plain tensors and JSON-able data only."""
    return {"x_range": list(x_range), "atlas_bounds": list(model.atlas.bounds),
        "config": config_to_dict(cfg), "iteration": it, "elapsed": elapsed,
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "optimizer": copy.deepcopy(opt.state_dict()), "history": list(history),
        "rng": gen.get_state(),
        "learn_exposure": model.learn_exposure, "reference": model.reference,
        "size": list(model.size),
    }


def load_weights(model: ImagingModel, weights: dict) -> None:
    """Load a checkpoint's model weights; buffers in :data:`ADDED_STATE` that an older
    file lacks keep the model's own values."""
    older = {k: v for k, v in model.state_dict().items() if k in ADDED_STATE}
    model.load_state_dict({**older, **weights})


def model_from_checkpoint(data: dict, device: str | torch.device = "cpu") -> ImagingModel:
    """Rebuild the ImagingModel stored in a checkpoint (a state of :func:`make_state`, as
    :func:`invcam.io.checkpoint.load_checkpoint` returns it)."""
    cfg = config_from_dict(data["config"])
    sd = data["model"]
    bounds = data.get("atlas_bounds")
    try:
        model = ImagingModel(cfg.model, tuple(data["size"]), sd["exposure_base"],
                             data["reference"], bool(data.get("learn_exposure")),
                             cfg.exposure_bound, tuple(bounds) if bounds else None)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise InvcamError(f"model fields do not fit together: {exc}") from exc
    if sd.get("deformation.dense") is not None:
        model.deformation.set_dense(sd["deformation.dense"])
    try:
        load_weights(model, sd)
    except RuntimeError as exc:
        raise InvcamError(f"model weights do not match their config: {exc}") from exc
    return model.to(device).eval()
