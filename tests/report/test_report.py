"""report.html: what the page holds, and (in headless Chromium, when installed) that it
works: exposure slider, highlight detail, "as image i saw it"."""

from __future__ import annotations

import base64
import json
import shutil

import numpy as np
import pytest

from invcam.cli import main
from invcam.report.data import encode_hdr

pytestmark = pytest.mark.slow  # every test here runs or shares a fit


def test_hdr_codes_round_trip_within_a_code_step():
    rng = np.random.default_rng(0)
    radiance = np.exp2(rng.uniform(-6, 6, (20, 30, 3))).astype(np.float32)
    enc = encode_hdr(radiance)
    codes = np.frombuffer(base64.b64decode(enc["codes"]), "<u2").reshape(20, 30, 3)
    back = np.exp2(enc["lo"] + codes / 65535.0 * (enc["hi"] - enc["lo"]))
    assert np.allclose(back, radiance, rtol=(enc["hi"] - enc["lo"]) / 65535 * 0.7)


def _data(page: str) -> dict:
    tag = '<script type="application/json" id="data">'
    start = page.index(tag) + len(tag)
    return json.loads(page[start:page.index("</script>", start)].replace("<\\/", "</"))


def test_a_fit_writes_a_self_contained_report(fitted):
    page = (fitted / "report.html").read_text()
    assert "http://" not in page and "https://" not in page  # opens offline
    data = _data(page)
    assert data["hdr"]["width"] == 144 and data["hdr"]["height"] == 96
    assert len(data["images"]) == 3
    assert all(im["input"].startswith("data:image/png") for im in data["images"])
    assert all(im["seen"].startswith("data:image/png") for im in data["images"])
    assert all(im["sharp"] != im["seen"] for im in data["images"])
    assert data["crf"] and data["blur"] and len(data["loss"]) >= 1
    assert data["fit"]["iterations"] == 600


def test_invcam_report_rebuilds_it_from_the_folder(fitted, tmp_path, capsys):
    copy = shutil.copytree(fitted, tmp_path / "fit")
    (copy / "report.html").unlink()
    assert main(["report", str(copy)]) == 0
    assert _data((copy / "report.html").read_text())["hdr"]["width"] == 144


def test_report_of_a_folder_that_is_not_a_fit_is_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no readable fit.json" in capsys.readouterr().err
