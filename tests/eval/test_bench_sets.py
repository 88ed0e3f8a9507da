"""`invcam bench --set`: the tuning set by default, the held-out test set on request."""

from __future__ import annotations

import pytest

from invcam.bench.options import TEST_SCENES, TUNING_SCENES
from invcam.bench.report import TEST_LABEL, scene_sections, synthetic_markdown
from invcam.cli.evaluate import _bench_options
from invcam.cli.main import build_parser
from invcam.errors import InvcamError
from invcam.synth.scenes import SCENES


def options(*argv: str):
    return _bench_options(build_parser().parse_args(["bench", "-o", "x", *argv]))


def test_default_is_the_tuning_set():
    assert options().scenes == TUNING_SCENES == ("studio", "window", "desk", "tree")
    assert all(SCENES[s].split == "tuning" for s in TUNING_SCENES)


def test_set_test_selects_the_test_scenes_and_all_both():
    assert options("--set", "test").scenes == TEST_SCENES
    assert all(SCENES[s].split == "test" for s in TEST_SCENES)
    assert options("--set", "all").scenes == TUNING_SCENES + TEST_SCENES


def test_explicit_scenes_win_over_the_set():
    assert options("--set", "test", "--scenes", "demo", "bars").scenes == ("demo", "bars")
    with pytest.raises(InvcamError, match="unknown scene 'nope'"):
        options("--scenes", "nope")
    with pytest.raises(InvcamError, match="invalid choice: 'dev'"):
        build_parser().parse_args(["bench", "-o", "x", "--set", "dev"])


def _entry(split: str, psnr: float) -> dict:
    record = {"metrics": {"psnr_mu": psnr}, "images": 3, "wall_s": 1.0, "info": {}}
    return {"set": split, "methods": {"ours": record}}


def test_table_puts_test_scenes_in_their_own_labelled_section():
    scenes = {"studio": _entry("tuning", 30.0), "bars": _entry("test", 20.0),
              "text": _entry("test", 24.0)}
    text = "\n".join(scene_sections(scenes))
    assert "## studio" in text and f"### bars — {TEST_LABEL}" in text
    assert text.index("## studio") < text.index("Test set (never tuned on) — mean over 2")
    assert "| 22.00 |" in text  # the test set's own mean
    results = {"options": {"iters": 5, "minutes": None}, "scenes": scenes,
               "mean": {"ours": scenes["studio"]["methods"]["ours"]}}
    assert "never tuned on" in synthetic_markdown(results)
    assert "never tuned on" not in "\n".join(scene_sections({"studio": scenes["studio"]}))
