"""Tiny synthetic stacks for the baseline tests (fixtures)."""

from __future__ import annotations

import json

import pytest

from invcam.io.ldr import write_ldr
from invcam.synth import synthesize
from invcam.synth.output import write_result

SIZE = (48, 64)
SEED = 3


@pytest.fixture(scope="session")
def synth_stacks(tmp_path_factory) -> dict:
    """{layout: (stack folder, SynthResult)} for ``diagonal``, ``all`` and ``focus``
    (``focus``: the middle-exposure images of ``all``, like the benchmark's)."""
    root = tmp_path_factory.mktemp("baseline_stacks")
    out = {}
    for layout in ("diagonal", "all"):
        res = synthesize("demo", layout, SIZE, SEED)
        (root / layout).mkdir()
        write_result(root / layout, res)
        out[layout] = (root / layout, res)
    res = out["all"][1]
    keep = [i for i, e in enumerate(res.entries) if e["exposure"] == res.camera.exposures[1]]
    (root / "focus").mkdir()
    for i in keep:
        write_ldr(root / "focus" / res.entries[i]["file"], res.images[i])
    entries = [res.entries[i] for i in keep]
    (root / "focus" / "stack.json").write_text(json.dumps({"images": entries}))
    out["focus"] = (root / "focus", res, keep)
    return out
