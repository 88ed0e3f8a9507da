"""write_synth: the stack folder, its ground truth, the preview, and bad input."""

from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest

from invcam.errors import InvcamError
from invcam.io.hdr import read_exr_channels, read_hdr_image
from invcam.io.ldr import read_ldr
from invcam.synth import write_synth

SMALL = (40, 60)


def read_crf_csv(path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["x", "r", "g", "b"]
    table = np.array(rows[1:], dtype=np.float64)
    return table[:, 0], table[:, 1:]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "stack"
    return write_synth(out, scene="demo", layout="all", size=SMALL, seed=1, preview=True)


def test_folder_contents_and_stack_json(written):
    spec = json.loads((written / "stack.json").read_text())
    entries = spec["images"]
    assert len(entries) == 9
    assert sum(e.get("role") == "reference" for e in entries) == 1
    for e in entries:
        assert set(e) <= {"file", "exposure", "focus_distance", "role"}
        assert e["exposure"] > 0 and e["focus_distance"] > 0
        img = cv2.imread(str(written / e["file"]), cv2.IMREAD_UNCHANGED)
        assert img.shape == (*SMALL, 3) and img.dtype == np.uint8
    names = sorted(p.name for p in written.iterdir() if not p.name.startswith("."))
    assert names == sorted([e["file"] for e in entries] + ["gt", "preview.png", "stack.json"])
    assert not list(written.parent.glob(".stack.*"))  # no staging folder left behind


def test_ground_truth_files(written):
    gt = written / "gt"
    radiance = read_hdr_image(gt / "radiance.exr")
    assert radiance.shape == (*SMALL, 3) and radiance.dtype == np.float32 and radiance.min() > 0
    depth = read_exr_channels(gt / "depth.exr")
    assert list(depth) == ["Y"] and depth["Y"].shape == SMALL and depth["Y"].min() > 0
    meta = json.loads((gt / "scene.json").read_text())
    for key in ("source", "size_hw", "focus_distances_m", "magnifications", "exposure_times_s",
                "crf", "noise", "seed", "layout", "defocus", "radiance_scale"):
        assert key in meta, key
    assert meta["size_hw"] == list(SMALL) and meta["seed"] == 1 and meta["layout"] == "all"
    assert meta["crf"]["name"] and meta["noise"]["enabled"] is True
    layers = meta["defocus"]["layers"]
    assert layers and all(len(layer["coc_px"]) == 3 for layer in layers)
    x, y = read_crf_csv(gt / "crf.csv")
    steps = np.diff(np.log(x))
    assert np.all(steps > 0) and np.allclose(steps, steps[0], rtol=1e-4)  # log-spaced
    assert np.all(np.diff(y, axis=0) >= 0) and np.allclose(y[-1], 1.0) and y[0].max() < 0.02


def test_crf_csv_and_exposure_invert_images_to_ground_truth(tmp_path):
    """Invert the 16-bit exposure bracket with crf.csv alone and compare with radiance.exr."""
    from invcam.synth import synthesize
    from invcam.synth.output import write_result

    res = synthesize("demo", "exposure", SMALL, seed=0, bits=16, noise=False)
    write_result(tmp_path, res)
    x, y = read_crf_csv(tmp_path / "gt" / "crf.csv")
    truth = read_hdr_image(tmp_path / "gt" / "radiance.exr")
    for e in json.loads((tmp_path / "stack.json").read_text())["images"]:
        value = read_ldr(tmp_path / e["file"])
        ok = (value > 0.02) & (value < 0.98)
        est = np.stack([np.exp(np.interp(value[..., c], y[:, c], np.log(x))) for c in range(3)], -1)
        rel = np.abs(est / e["exposure"] - truth)[ok] / truth[ok]
        assert ok.mean() > 0.3 and np.median(rel) < 2e-3 and rel.max() < 0.02


def test_preview_is_a_labelled_grid(written):
    sheet = cv2.imread(str(written / "preview.png"))
    tile_h = round(SMALL[0] * 300 / SMALL[1])
    assert sheet.shape[1] >= 3 * 300 and sheet.shape[0] >= 4 * tile_h  # 3x3 stack + GT row
    assert sheet.std() > 10


def test_bits_16_writes_16_bit_images_at_the_default_size_without_a_preview(tmp_path):
    out = write_synth(tmp_path / "s", layout="diagonal", bits=16)
    img = cv2.imread(str(out / "img_00.png"), cv2.IMREAD_UNCHANGED)
    assert img.dtype == np.uint16 and img.shape == (200, 300, 3)
    assert not (out / "preview.png").exists()


def test_loads_with_the_stack_reader(written):
    stack_mod = pytest.importorskip("invcam.io.stack")
    stack = stack_mod.load_stack(written)
    assert len(stack) == 9 and stack.images[stack.reference].file == "img_04.png"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scene": "nope"}, r"unknown scene 'nope' \(valid: demo, studio, .*beachball, bars, .*text\)"),
    ({"layout": "grid"}, r"unknown layout 'grid' \(valid: all, diagonal, focus, exposure\)"),
    ({"size": (8, 100)}, r"size 8x100: each side must be between 16 and 8192 pixels"),
    ({"size": (100, 9000)}, r"size 100x9000: each side must be between 16 and 8192"),
    ({"size": (100,)}, r"expected \(height, width\)"),
    ({"bits": 12}, r"bits must be 8 or 16"),
    ({"seed": -1}, r"seed must be a non-negative integer"),
])
def test_bad_input_raises_one_line_error_and_writes_nothing(tmp_path, kwargs, message):
    out = tmp_path / "out"
    with pytest.raises(InvcamError, match=message) as err:
        write_synth(out, **kwargs)
    assert "\n" not in str(err.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_missing_real_data_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("INVCAM_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(InvcamError, match=r"scene data ScanLines_Desk\.exr not found"):
        write_synth(tmp_path / "out", scene="desk", size=SMALL)
    assert not (tmp_path / "out").exists()


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InvcamError, match="not empty"):
        write_synth(out, size=SMALL)
    assert (out / "keep.txt").read_text() == "mine"
    with pytest.raises(InvcamError, match=r"did not write \(keep.txt\)"):
        write_synth(out, size=SMALL, force=True)  # --force never removes the user's files
    (out / "keep.txt").unlink()
    write_synth(out, size=SMALL)  # an empty folder is fine
    write_synth(out, size=SMALL, force=True, seed=1)  # and so is replacing our own stack
    assert (out / "stack.json").exists()


def test_smallest_size_works(tmp_path):
    out = write_synth(tmp_path / "tiny", size=(16, 16), layout="all")
    assert cv2.imread(str(out / "img_08.png")).shape == (16, 16, 3)
