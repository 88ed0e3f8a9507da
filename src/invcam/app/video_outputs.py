"""Outputs of a fit to a moving scene: per-frame HDR, a preview video and the atlas.

Frames are rendered and written one at a time (memory stays bounded for long videos);
the ``frames/`` folder appears only once every frame is written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from invcam.display import display_map, display_map_params
from invcam.io.hdr import write_exr
from invcam.io.outdir import staged_dir
from invcam.io.video_write import write_video
from invcam.method.imaging import ImagingModel


def _frame_radiance(model: ImagingModel, index: int) -> np.ndarray:
    """All-in-focus linear HDR of frame ``index`` in its own geometry, ``(H, W, 3)``."""
    return model.render_irradiance(index).cpu().numpy()


def write_frames_and_preview(out: Path, model: ImagingModel, fps: float = 10.0) -> int:
    """``out/frames/%05d.exr`` (every frame's all-in-focus HDR) and ``out/preview.mp4``
    (the same frames tone-mapped with the reference frame's display scale, so brightness
    does not flicker), in one pass: each frame is rendered once. Returns the frame count.
    """
    count = model.num_images
    params = display_map_params(_frame_radiance(model, model.reference))
    with staged_dir(out / "frames", force=True) as stage:

        def frames():
            for t in range(count):
                radiance = _frame_radiance(model, t)
                write_exr(stage / f"{t:05d}.exr", radiance)
                yield (display_map(radiance, params=params) * 255.0 + 0.5).astype(np.uint8)

        write_video(out / "preview.mp4", frames(), fps=fps)
    return count


def write_atlas(path: Path, model: ImagingModel) -> tuple[int, int]:
    """``atlas.exr``: the irradiance atlas over its whole domain; returns its ``(H, W)``."""
    atlas = torch.exp2(model.render_atlas()).cpu().numpy()
    write_exr(path, atlas)
    return atlas.shape[0], atlas.shape[1]


def write_video_outputs(out: Path, model: ImagingModel, fps: float = 10.0) -> dict:
    """Write frames/, preview.mp4 and atlas.exr; returns a summary for fit.json."""
    count = write_frames_and_preview(out, model, fps)
    ha, wa = write_atlas(out / "atlas.exr", model)
    return {"frames_written": count, "atlas_size": [ha, wa],
            "atlas_bounds": list(model.atlas.bounds)}


__all__ = ["write_atlas", "write_frames_and_preview", "write_video_outputs"]
