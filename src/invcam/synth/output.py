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

from invcam.io.atomic import prepare_out_dir, staged_dir, write_bytes, write_text
from invcam.io.hdr import write_exr
from invcam.io.ldr import write_ldr
from invcam.synth.preview import contact_sheet
from invcam.synth.sensor import CRF
from invcam.synth.stack import SynthResult, synthesize


def crf_csv(crf: CRF, n: int = 1024) -> str:
    """CSV text ``x,r,g,b``: exposure ``x`` (log-spaced, 1e-6 to 1) and the value per channel."""
    x, y = crf.table(n)
    rows = ["x,r,g,b"]
    rows += [f"{xi:.9e},{r:.8f},{g:.8f},{b:.8f}" for xi, (r, g, b) in zip(x, y, strict=True)]
    return "\n".join(rows) + "\n"


def write_images(folder: Path, entries: list[dict], images,
                 encoded: list[bytes] | None = None) -> None:
    """The images, each as its stack.json entry names it, and ``stack.json`` itself.

    ``encoded``: the files' bytes where they are already encoded (JPEG), else None.
    """
    for i, (entry, image) in enumerate(zip(entries, images, strict=True)):
        if encoded is not None:
            write_bytes(folder / entry["file"], encoded[i])
        else:
            write_ldr(folder / entry["file"], image)
    write_text(folder / "stack.json", json.dumps({"images": entries}, indent=1) + "\n")


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
    if layout == "dynamic":  # 3 exposures of a moving object: built by the video code
        from invcam.synth.video_output import write_dynamic_synth

        return write_dynamic_synth(out, scene=scene, size=size, seed=seed, bits=bits,
                                   force=force, preview=preview)
    prepare_out_dir(out, force)
    result = synthesize(scene, layout, size, seed, bits, jpeg=jpeg)
    with staged_dir(out, force) as stage:
        write_result(stage, result, preview)
    return Path(out)
