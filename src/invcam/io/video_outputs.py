"""Outputs of a fit to a moving scene: per-frame HDR, a preview video and the atlas.

Frames are rendered and written one at a time (memory stays bounded for long videos);
the ``frames/`` folder appears only once every frame is written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from invcam.display import display_params, display_tonemap
from invcam.imaging import ImagingModel
from invcam.io.atomic import staged_dir
from invcam.io.hdr import write_exr
from invcam.io.video_write import write_video


def _frame_radiance(model: ImagingModel, index: int) -> np.ndarray:
    """All-in-focus linear HDR of frame ``index`` in its own geometry, ``(H, W, 3)``."""
    return torch.exp2(model.render_log2(index)).cpu().numpy()


def write_frames(out: Path, model: ImagingModel) -> int:
    """``out/frames/%05d.exr``: every frame's all-in-focus HDR; returns the frame count."""
    count = int(model.exposure_base.shape[0])
    with staged_dir(out / "frames", force=True) as stage:
        for t in range(count):
            write_exr(stage / f"{t:05d}.exr", _frame_radiance(model, t))
    return count


def write_preview_video(path: Path, model: ImagingModel, fps: float = 10.0) -> None:
    """A tone-mapped preview video of the per-frame HDR, one display scale for all frames
    (taken from the reference frame), so brightness does not flicker."""
    params = display_params(_frame_radiance(model, model.reference))

    def frames():
        for t in range(int(model.exposure_base.shape[0])):
            mapped = display_tonemap(_frame_radiance(model, t), params=params)
            yield (mapped * 255.0 + 0.5).astype(np.uint8)

    write_video(path, frames(), fps=fps)


def write_atlas(path: Path, model: ImagingModel) -> tuple[int, int]:
    """``atlas.exr``: the irradiance atlas over its whole domain; returns its ``(H, W)``."""
    atlas = torch.exp2(model.render_atlas()).cpu().numpy()
    write_exr(path, atlas)
    return atlas.shape[0], atlas.shape[1]


def write_video_outputs(out: Path, model: ImagingModel, fps: float = 10.0) -> dict:
    """Write frames/, preview.mp4 and atlas.exr; returns a summary for fit.json."""
    count = write_frames(out, model)
    write_preview_video(out / "preview.mp4", model, fps)
    ha, wa = write_atlas(out / "atlas.exr", model)
    return {"frames_written": count, "atlas_size": [ha, wa],
            "atlas_bounds": list(model.atlas.bounds)}


__all__ = ["write_atlas", "write_frames", "write_preview_video", "write_video_outputs"]
