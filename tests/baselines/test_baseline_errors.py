"""`invcam baseline` from the command line: outputs, and one clear line for bad input."""

from __future__ import annotations

import json
import time

import cv2
import numpy as np
import pytest

from invcam.cli import main
from invcam.io.hdr import read_hdr_image


def test_baseline_cli_writes_the_image_and_its_sidecar(synth_stacks, tmp_path, capsys):
    folder, res = synth_stacks["all"]
    out = tmp_path / "two.exr"
    start = time.perf_counter()
    assert main(["baseline", "two-stage", str(folder), "-o", str(out), "--tool", "opencv"]) == 0
    elapsed = time.perf_counter() - start
    assert "focus fusion: opencv-laplacian" in capsys.readouterr().out
    assert read_hdr_image(out).shape == res.radiance.shape
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["method"] == "two-stage" and side["fusion"] == "opencv-laplacian"
    assert len(side["images"]) == 9 and 0 < side["wall_s"] <= elapsed


def _no_exposure_stack(folder):
    """Two JPEG-like photos without stack.json or EXIF: exposures unknown."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(folder / name), rng.integers(0, 255, (24, 32, 3), dtype=np.uint8))
    return folder


@pytest.mark.parametrize("method, layout, message", [
    ("nonsense", "diagonal", "unknown baseline 'nonsense'"),
    ("two-stage", "diagonal", "two-stage needs several focus settings per exposure"),
    ("focus-stack", "diagonal", "focus-stack needs a single-exposure focus stack"),
    ("focus-stack", "all", "use two-stage"),
    ("debevec", "focus", "needs at least 2 different exposure times"),
    ("robertson", "focus", "needs at least 2 different exposure times"),
])
def test_stack_without_the_needed_layout(synth_stacks, tmp_path, capsys, method, layout,
                                         message):
    folder = synth_stacks[layout][0]
    assert main(["baseline", method, str(folder), "-o", str(tmp_path / "x.exr")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("invcam: error:") and message in err and "\n" not in err
    assert not (tmp_path / "x.exr").exists()


@pytest.mark.parametrize("method", ["debevec", "robertson", "two-stage"])
def test_unknown_exposures(tmp_path, capsys, method):
    folder = _no_exposure_stack(tmp_path / "noexp")
    assert main(["baseline", method, str(folder), "-o", str(tmp_path / "x.exr")]) == 2
    assert "needs known exposure times" in capsys.readouterr().err


def test_missing_program_when_enfuse_is_required(synth_stacks, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("invcam.baselines.focus.shutil.which", lambda name: None)
    folder = synth_stacks["focus"][0]
    args = ["baseline", "focus-stack", str(folder), "-o", str(tmp_path / "x.exr")]
    assert main([*args, "--tool", "enfuse"]) == 2
    err = capsys.readouterr().err.strip()
    assert "align_image_stack and enfuse not found" in err and "apt-get install" in err


@pytest.mark.parametrize("args, message", [
    (["--tool", "gimp"], "unknown --tool 'gimp'"),
    (["-o", "out.png"], "must be an .exr or .hdr file"),
])
def test_bad_options(synth_stacks, tmp_path, capsys, args, message):
    folder = synth_stacks["focus"][0]
    base = ["baseline", "focus-stack", str(folder), "-o", str(tmp_path / "x.exr")]
    if args[0] == "-o":
        base[-1] = str(tmp_path / args[1])
        args = []
    assert main([*base, *args]) == 2
    assert message in capsys.readouterr().err


def test_missing_stack_folder(tmp_path, capsys):
    assert main(["baseline", "debevec", str(tmp_path / "nope"), "-o", "x.exr"]) == 2
    assert "does not exist" in capsys.readouterr().err
