"""Model checkpoints (``model.pt``): tensors + versioned JSON-able metadata.

Loaded with ``torch.load(weights_only=True)``: no pickled classes, only tensors and
plain containers. The config travels as the versioned dict of ``invcam.config``.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from invcam import __version__
from invcam.config import config_from_dict
from invcam.errors import InvcamError, OptionError
from invcam.io.atomic import atomic_path

CHECKPOINT_FORMAT = 1


def save_checkpoint(path: str | os.PathLike, state: dict, meta: dict) -> None:
    """Atomically write a fit state (from ``invcam.method.fit.make_state``) plus stack metadata."""
    data = {"format": CHECKPOINT_FORMAT, "invcam": __version__, "meta": meta, **state}
    with atomic_path(path) as tmp:
        try:
            torch.save(data, tmp)
        except RuntimeError as exc:  # torch reports a full disk as a RuntimeError
            raise OSError(f"write failed, is the disk full? ({str(exc).splitlines()[0]})") from exc


def tolerant_saver(path: Path, meta: dict, warn: Callable[[str], None]
                   ) -> Callable[[dict], None]:
    """A periodic checkpoint writer for a running fit: a failure (a full disk) is passed
    to ``warn`` once and the fit goes on; :func:`save_or_rescue` writes the final one."""
    failed: list[InvcamError] = []

    def save(state: dict) -> None:
        try:
            save_checkpoint(path, state, meta)
        except InvcamError as exc:
            if not failed:
                warn(f"checkpoint not saved ({exc}); the fit goes on")
            failed.append(exc)

    return save


def save_or_rescue(path: Path, state: dict, meta: dict) -> None:
    """Write a finished fit to ``path``; if that fails, keep it in a rescue folder (the
    temporary folder, else ~/.cache) and raise an InvcamError saying where."""
    try:
        save_checkpoint(path, state, meta)
        return
    except InvcamError as exc:
        problem = exc
    for base in (Path(tempfile.gettempdir()), Path.home() / ".cache"):
        try:
            rescue = Path(tempfile.mkdtemp(prefix="invcam-rescue-", dir=base)) / "model.pt"
            save_checkpoint(rescue, state, meta)
        except (OSError, InvcamError):
            continue
        raise InvcamError(f"{problem}; the fitted model is kept in {rescue}: copy it to "
                          f"{path} and run the fit again, resuming, to write the outputs")
    raise InvcamError(f"{problem}; no fallback place was writable either: the fit is lost")


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
    try:
        validate_checkpoint(data)
    except InvcamError as exc:
        raise InvcamError(f"{path}: {exc}") from None
    return data


MAX_SIDE, MAX_PIXELS = 16384, 1 << 26  # 67 megapixels: what a render may allocate


def validate_checkpoint(data: dict) -> None:
    """Check what a checkpoint says before anything is built from it: its config, size,
    reference, atlas domain and weights (finite tensors). InvcamError names the field."""
    if not isinstance(data.get("config"), dict):
        raise InvcamError("its config is missing or not an object")
    config_from_dict(data["config"])
    size = data.get("size")
    if not (isinstance(size, (list, tuple)) and len(size) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in size)):
        raise InvcamError(f"its size {size!r} is not [height, width]")
    if not (min(size) >= 1 and max(size) <= MAX_SIDE and size[0] * size[1] <= MAX_PIXELS):
        raise InvcamError(f"its size {size[0]}x{size[1]} is beyond what invcam renders "
                          f"(sides up to {MAX_SIDE}, {MAX_PIXELS >> 20} megapixels)")
    sd = data.get("model")
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) or v is None
                                           for v in sd.values()):
        raise InvcamError("its weights are missing or not tensors")
    base = sd.get("exposure_base")
    count = int(base.numel()) if isinstance(base, torch.Tensor) else 0
    ref = data.get("reference")
    if not (isinstance(ref, int) and not isinstance(ref, bool) and 0 <= ref < count):
        raise InvcamError(f"its reference {ref!r} is not an image index (0..{count - 1})")
    _check_bounds(data.get("atlas_bounds"))
    bad = [k for k, v in sd.items() if isinstance(v, torch.Tensor) and v.is_floating_point()
           and not torch.isfinite(v).all()]
    if bad:
        raise InvcamError(f"its weights are not finite ({bad[0]} holds NaN or inf): the fit "
                          "that wrote it diverged")


def _check_bounds(bounds: object) -> None:
    if bounds is None:
        return
    ok = isinstance(bounds, (list, tuple)) and len(bounds) == 4 and all(
        isinstance(v, (int, float)) and math.isfinite(v) and abs(v) < 100 for v in bounds)
    if not ok or not (bounds[0] < bounds[2] and bounds[1] < bounds[3]):
        raise InvcamError(f"its atlas_bounds {bounds!r} are not a box (x0, y0, x1, y1)")


def stack_identity(stack) -> dict:
    """What a checkpoint records of the stack it was fitted to: files, ``(H, W)``,
    exposure times (None: unknown) and a SHA-256 of every image's stored pixels."""
    digest = hashlib.sha256()
    for raw in stack.raw:
        digest.update(f"{raw.shape}{raw.dtype}".encode())
        digest.update(np.ascontiguousarray(raw).tobytes())
    return {"files": [im.file for im in stack.images], "size": list(stack.size),
            "exposures": [im.exposure for im in stack.images],
            "pixels_sha256": digest.hexdigest()}


def check_same_stack(data: dict, identity: dict, path: str | os.PathLike) -> str | None:
    """Refuse to resume ``data`` on a stack other than the one it was fitted to.

    Returns a warning for a checkpoint too old to record its stack, else None.
    """
    saved = (data.get("meta") or {}).get("stack_identity")
    if not isinstance(saved, dict):
        return f"{path} does not record its stack (an older invcam wrote it); not checked"
    for key, what in (("size", "image size"), ("files", "image files"),
                      ("exposures", "exposure times"), ("pixels_sha256", "pixels")):
        if saved.get(key) != identity[key]:
            shown = "" if key == "pixels_sha256" else f": {saved.get(key)} vs {identity[key]}"
            raise OptionError("resume", f"{{option}}: {path} was fitted to another stack "
                              f"(its {what} differ{shown}); fit into a new folder instead")
    return None
