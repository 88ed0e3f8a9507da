"""Write a synthesized stack to disk: images, stack.json, ground truth, optional preview.

Layout of ``OUT``::

    img_00.png ...      the stack (8 or 16 bit RGB; img_00.jpg ... for a JPEG stack)
    stack.json          {"images": [{"file", "exposure", "focus_distance", "role"}, ...]}
    preview.png         contact sheet (with --preview)
    gt/radiance.exr     all-in-focus linear radiance, float32 RGB, reference geometry
    gt/depth.exr        depth in metres, one channel
    gt/crf.csv          x,r,g,b: the response curve on a log-spaced exposure grid
    gt/scene.json       every parameter

Everything is written into a staging folder that replaces ``OUT`` only when complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from invcam.errors import InvcamError
from invcam.io.atomic import write_text
from invcam.io.hdr import write_exr
from invcam.io.ldr import write_ldr
from invcam.io.outdir import prepare_out_dir, staged_dir
from invcam.synth.files import crf_csv, write_images
from invcam.synth.preview import contact_sheet
from invcam.synth.stack import SynthResult, synthesize


def write_result(folder: Path, result: SynthResult, preview: bool = False) -> None:
    """Write every file of a synthesized stack into an existing, empty ``folder``."""
    write_images(folder, result.entries, result.images, result.encoded)
    gt = folder / "gt"
    gt.mkdir()
    write_exr(gt / "radiance.exr", result.radiance)
    write_exr(gt / "depth.exr", result.depth)
    write_text(gt / "crf.csv", crf_csv(result.camera.crf))
    write_text(gt / "scene.json", json.dumps(result.meta, indent=1) + "\n")
    if preview:
        cam = result.camera
        sheet = contact_sheet(result.images, result.shots, cam.exposures, cam.focus,
                              result.meta["layout"], result.radiance, result.depth)
        write_ldr(folder / "preview.png", sheet)


def write_synth(out: str | os.PathLike, scene: str = "demo", layout: str | None = None,
                size: tuple[int, int] | None = None, seed: int = 0, bits: int = 8,
                force: bool = False, preview: bool = False, jpeg: int | None = None) -> Path:
    """Synthesize a stack with ground truth into folder ``out`` and return its path.

    ``layout`` None is ``diagonal``; ``size`` None is the scene's default (H, W);
    ``jpeg`` a JPEG quality (None: the scene's own setting, 0: PNG).
    Raises InvcamError for a bad scene, layout or size, or a non-empty ``out`` without
    ``force``; nothing is left under ``out`` on failure.
    """
    if layout in ("dynamic", "drift"):  # 3 exposures of a moving object: the video code's
        from invcam.synth.video_output import write_dynamic_synth

        if jpeg:
            raise InvcamError(f"--jpeg applies to still stacks, not to --layout {layout}")

        return write_dynamic_synth(out, scene=scene, size=size, seed=seed, bits=bits,
                                   force=force, preview=preview, layout=layout)
    prepare_out_dir(out, force)
    result = synthesize(scene, layout, size, seed, bits, jpeg=jpeg)
    with staged_dir(out, force) as stage:
        write_result(stage, result, preview)
    return Path(out)
