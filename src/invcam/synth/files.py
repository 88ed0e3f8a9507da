"""Files every synthesized stack or clip writes: its images with stack.json, and the
true response curve as CSV."""

from __future__ import annotations

import json
from pathlib import Path

from invcam.io.atomic import write_bytes, write_text
from invcam.io.ldr import write_ldr
from invcam.synth.sensor import CRF


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
