"""`invcam eval` from the command line: JSON output, ideal values, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from invcam.cli import main
from invcam.io.hdr import write_exr, write_radiance_hdr


@pytest.fixture()
def images(tmp_path):
    rng = np.random.default_rng(0)
    gt = np.exp(rng.normal(0, 1.5, (24, 32, 3))).astype(np.float32)
    write_exr(tmp_path / "gt.exr", gt)
    write_radiance_hdr(tmp_path / "pred.hdr", gt * 3 + 0.01)
    write_exr(tmp_path / "small.exr", gt[:16])
    return tmp_path


def test_eval_json_of_ground_truth_against_itself(images, capsys):
    assert main(["eval", str(images / "gt.exr"), str(images / "gt.exr"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["psnr_mu"] == float("inf") and scores["ssim_mu"] == pytest.approx(1.0)
    assert scores["pu21_psnr"] == float("inf") and scores["hdr_flip"] == 0.0
    assert isinstance(scores["unavailable"], dict)


def test_eval_text_lists_every_core_metric(images, capsys):
    assert main(["eval", str(images / "pred.hdr"), str(images / "gt.exr"), "--no-optional"]) == 0
    out = capsys.readouterr().out.strip()
    for key in ("psnr_mu", "ssim_mu", "psnr_l", "ssim_l", "pu21_psnr", "pu21_ssim", "hdr_flip"):
        assert key in out
    assert "unavailable" not in out  # --no-optional does not try JOD / LPIPS


@pytest.mark.parametrize("pred, gt, message", [
    ("small.exr", "gt.exr", "size mismatch"),
    ("missing.exr", "gt.exr", "no such file"),
    ("gt.exr", "pred.png", "unknown HDR format"),
])
def test_eval_bad_input_gives_one_line(images, capsys, pred, gt, message):
    assert main(["eval", str(images / pred), str(images / gt)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("invcam: error:") and message in err and "\n" not in err
