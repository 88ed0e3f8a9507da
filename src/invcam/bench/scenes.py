"""The benchmark's inputs: one synthetic scene shot in the layouts each method needs.

For a scene and seed, the ``diagonal`` (3 images) and ``all`` (3 focus x 3 exposure)
layouts are synthesized; ``focus`` is the 3 focus images of the middle exposure taken
from ``all``. Folder layout under ``DIR/scenes/<scene>/``::

    diagonal/   the 3-image stack + gt/   (ours, debevec, robertson, mertens)
    all/        the 9-image stack + gt/   (two-stage)
    focus/      3 images of all/ at the middle exposure, stack.json (focus-stack)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from invcam.synth import synthesize
from invcam.synth.files import write_images
from invcam.synth.output import write_result

LAYOUT_OF = {"ours": "diagonal", "debevec": "diagonal", "robertson": "diagonal",
             "mertens": "diagonal", "two-stage": "all", "focus-stack": "focus"}


@dataclass(frozen=True)
class SceneInputs:
    """Stack folders per layout, the ground truth each is scored against, and whether
    the ``diagonal`` and ``all`` syntheses produced the same ground-truth radiance."""

    name: str
    stacks: dict[str, Path]
    gt: dict[str, Path]
    gt_identical: bool

    def stack_for(self, method: str) -> Path:
        return self.stacks[LAYOUT_OF[method]]

    def gt_for(self, method: str) -> Path:
        return self.gt[LAYOUT_OF[method]]


def _write_focus_subset(folder: Path, result) -> None:
    """The images of ``result`` (an ``all`` synthesis) at its middle exposure."""
    t_mid = result.camera.exposures[1]
    folder.mkdir(parents=True)
    keep = [i for i, e in enumerate(result.entries) if np.isclose(e["exposure"], t_mid)]
    encoded = None if result.encoded is None else [result.encoded[i] for i in keep]
    write_images(folder, [result.entries[i] for i in keep], [result.images[i] for i in keep],
                 encoded)


def prepare_scene(folder: Path, scene: str, size: tuple[int, int] | None,
                  seed: int) -> SceneInputs:
    """Synthesize ``scene`` in both layouts under ``folder`` (created); return the paths."""
    diag = synthesize(scene, "diagonal", size, seed)
    full = synthesize(scene, "all", size, seed)
    for name, result in (("diagonal", diag), ("all", full)):
        (folder / name).mkdir(parents=True)
        write_result(folder / name, result)
    _write_focus_subset(folder / "focus", full)
    same = diag.radiance.shape == full.radiance.shape and bool(
        np.array_equal(diag.radiance, full.radiance))
    gt_diag = folder / "diagonal" / "gt" / "radiance.exr"
    gt_all = folder / "all" / "gt" / "radiance.exr"
    gt = {"diagonal": gt_diag, "all": gt_diag if same else gt_all,
          "focus": gt_diag if same else gt_all}
    stacks = {k: folder / k for k in ("diagonal", "all", "focus")}
    return SceneInputs(scene, stacks, gt, same)
