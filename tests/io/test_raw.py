"""Camera RAW stacks: a minimal DNG written here (tifffile, the tags LibRaw needs) reads
as linear values with its EXIF exposure; a fit of RAW input uses the linear response."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("rawpy")
tifffile = pytest.importorskip("tifffile")

from invcam.cli import main  # noqa: E402
from invcam.io.stack import load_stack  # noqa: E402

BLACK, WHITE = 64, 4095


def write_dng(path: Path, scene: np.ndarray, time: tuple[int, int], iso: int = 100) -> Path:
    """A one-plane RGGB DNG of ``scene`` ``(H, W)`` linear values in [0, 1]."""
    cfa = np.round(BLACK + np.clip(scene, 0, 1) * (WHITE - BLACK)).astype(np.uint16)

    def tag(code, dtype, count, value):
        return (code, dtype, count, value, False)

    tags = [tag(271, "s", 0, "invcam"), tag(272, "s", 0, "test"),
            tag(33421, "H", 2, (2, 2)), tag(33422, "B", 4, (0, 1, 1, 2)),
            tag(50706, "B", 4, (1, 4, 0, 0)), tag(50708, "s", 0, "invcam test"),
            tag(50714, "H", 1, BLACK), tag(50717, "H", 1, WHITE),
            tag(50728, "2I", 3, (1, 1, 1, 1, 1, 1)),
            tag(50721, "2i", 9, (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1)),
            tag(50778, "H", 1, 21), tag(33434, "2I", 1, time), tag(33437, "2I", 1, (8, 1)),
            tag(34855, "H", 1, iso)]
    tifffile.imwrite(path, cfa, photometric=32803, extratags=tags, metadata=None,
                     subfiletype=0)
    return path


@pytest.fixture()
def raw_stack(tmp_path) -> Path:
    """Three DNGs of one textured scene, 1/32, 1/8 and 1/2 s (values x4 per step)."""
    rng = np.random.default_rng(0)
    base = np.clip(0.01 + 0.05 * rng.random((48, 64)).cumsum(1) / 10, 0, 0.2)
    folder = tmp_path / "raw"
    folder.mkdir()
    for k, (time, gain) in enumerate([((1, 32), 1.0), ((1, 8), 4.0), ((1, 2), 16.0)]):
        write_dng(folder / f"shot{k}.dng", base * gain, time)
    return folder


def test_a_dng_reads_linear_with_its_exif_exposure(raw_stack):
    stack = load_stack(raw_stack)
    assert stack.linear and stack.raw[0].dtype == np.uint16
    assert stack.exposures.tolist() == pytest.approx([1 / 32, 1 / 8, 1 / 2])
    a, b = (stack.raw[k][8:40, 8:56].astype(float) for k in (0, 1))
    well = (a > 500) & (b < 60000)
    ratio = np.median(b[well] / a[well])
    assert ratio == pytest.approx(4.0, rel=0.03)  # linear: no gamma, no auto-brightening


def test_mixing_raw_and_processed_photos_is_refused(raw_stack, capsys):
    import cv2

    cv2.imwrite(str(raw_stack / "extra.png"), np.zeros((48, 64, 3), np.uint8))
    assert main(["info", str(raw_stack)]) == 2
    assert "mixes camera RAW" in capsys.readouterr().err


def test_a_raw_fit_uses_the_linear_response(raw_stack, tmp_path):
    out = tmp_path / "fit"
    assert main(["fit", str(raw_stack), "-o", str(out), "--iters", "5"]) == 0
    report = json.loads((out / "fit.json").read_text())
    assert report["config"]["model"]["response"] == "linear"
    crf = np.loadtxt(out / "crf.csv", delimiter=",", skiprows=1)
    low = crf[(crf[:, 2] > 0.01) & (crf[:, 2] < 0.4)]
    slope = np.polyfit(low[:, 0], np.log2(low[:, 2]), 1)[0]
    assert slope == pytest.approx(1.0, abs=1e-3)  # value doubles per stop: linear


def test_scale_fits_a_smaller_copy_and_response_can_be_forced(raw_stack, tmp_path):
    out = tmp_path / "fit"
    assert main(["fit", str(raw_stack), "-o", str(out), "--iters", "3", "--scale", "0.5",
                 "--response", "learn"]) == 0
    report = json.loads((out / "fit.json").read_text())
    assert report["size"] == [24, 32]
    assert report["config"]["model"]["response"] == "learn"


def test_libraw_supplies_what_exifread_cannot_read(tmp_path, monkeypatch):
    """CR3, RAF and the like: exifread finds nothing, LibRaw's metadata fills in."""
    import invcam.io.exif as exif

    path = write_dng(tmp_path / "a.dng", np.full((32, 48), 0.1), (1, 8))
    monkeypatch.setattr(exif.exifread, "process_file", lambda *a, **k: {})
    found = exif.read_exposure_settings(path)
    assert found.time == pytest.approx(0.125) and found.fnumber == pytest.approx(8.0)
