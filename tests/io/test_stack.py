"""The stack reader on real data and on tiny stacks built here (good input only)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from stack_helpers import REAL, flat, make_stack, write_rgb

from invcam.cli import main
from invcam.io.stack import (
    choose_reference,
    image_stats,
    load_images,
    load_stack,
)
from invcam.io.stack_report import describe_stack
from invcam.photometry import format_exposure

needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="shared real data not present")


@needs_real
def test_frobisher_exposures_come_from_exif():
    stack = load_stack(REAL / "frobisher")
    assert [im.file for im in stack.images] == ["IMG_2600.jpg", "IMG_2601.jpg", "IMG_2602.jpg"]
    assert [im.exposure for im in stack.images] == [0.125, 1.0, 8.0]
    assert {im.exposure_source for im in stack.images} == {"exif"}
    assert stack.exposures_known and stack.source == "folder"
    assert stack.size == (426, 640)
    assert (stack.reference, stack.reference_rule) == (1, "middle exposure")


@needs_real
def test_memorial_reads_stack_json():
    stack = load_stack(REAL / "memorial")
    assert len(stack) == 16 and stack.size == (768, 512)
    np.testing.assert_array_equal(stack.exposures, 32.0 / 2.0 ** np.arange(16))
    assert {im.exposure_source for im in stack.images} == {"stack.json"}
    assert stack.images[0].file == "memorial0061.png"
    # Lower middle of the 16 sorted times (1/1024 ... 32 s) is 1/8 s.
    assert stack.images[stack.reference].file == "memorial0069.png"
    assert stack.raw[0].dtype == np.uint8 and stack.raw[0].shape == (768, 512, 3)
    assert 0.4 < stack.images[0].saturated < 0.6  # the 32 s shot is half blown out


@needs_real
def test_lytro_pair_has_unknown_exposures():
    stack = load_stack(REAL / "lytro" / "lytro_01")
    assert len(stack) == 2 and stack.size == (520, 520)
    assert not stack.exposures_known
    assert np.isnan(stack.exposures).all()
    assert [im.exposure_source for im in stack.images] == ["unknown", "unknown"]
    assert (stack.reference, stack.reference_rule) == (0, "middle image")
    assert "unknown for all 2 images" in describe_stack(stack)


@needs_real
def test_json_null_exposure_skips_exif_and_omitted_uses_it(tmp_path):
    for name in ("IMG_2600.jpg", "IMG_2601.jpg"):
        shutil.copy(REAL / "frobisher" / name, tmp_path / name)
    spec = {"images": [{"file": "IMG_2600.jpg", "exposure": None}, {"file": "IMG_2601.jpg"}]}
    stack = load_stack(make_stack(tmp_path, {}, spec))
    assert [im.exposure for im in stack.images] == [None, 1.0]
    assert [im.exposure_source for im in stack.images] == ["unknown", "exif"]
    assert "known for 1 of 2 (exif)" in describe_stack(stack)


def test_extra_keys_kept_and_role_picks_reference(tmp_path):
    spec = {"images": [
        {"file": "a.png", "exposure": 0.5, "focus_distance": 1.5},
        {"file": "b.png", "exposure": 1, "focus_distance": 3.0},
        {"file": "c.png", "exposure": 2, "role": "reference", "note": {"x": 1}},
    ]}
    imgs = {n: flat(100) for n in ("a.png", "b.png", "c.png")}
    stack = load_stack(make_stack(tmp_path, imgs, spec))
    assert stack.images[0].meta == {"focus_distance": 1.5}
    assert stack.images[2].meta == {"role": "reference", "note": {"x": 1}}
    assert (stack.reference, stack.reference_rule) == (2, "role")
    assert stack.exposures.tolist() == [0.5, 1.0, 2.0]
    assert stack.images[1].exposure_source == "stack.json"
    text = describe_stack(stack)
    assert "focus_distance=3.0" in text and "role=reference" in text


def test_json_order_is_kept_and_unlisted_files_reported(tmp_path):
    imgs = {n: flat(90) for n in ("a.png", "b.png", "z.png")}
    spec = {"images": [{"file": "b.png"}, {"file": "a.png"}]}
    stack = load_stack(make_stack(tmp_path, imgs, spec))
    assert [im.file for im in stack.images] == ["b.png", "a.png"]
    assert stack.unlisted == ("z.png",)
    assert "z.png" in describe_stack(stack)


@pytest.mark.parametrize(
    ("exposures", "roles", "expected"),
    [
        ([4.0, 1.0, 2.0], [None] * 3, (2, "middle exposure")),
        ([1.0, 2.0, 4.0, 8.0], [None] * 4, (1, "middle exposure")),
        ([None, 8.0, None, 1.0], [None] * 4, (3, "middle exposure")),
        ([None] * 5, [None] * 5, (2, "middle image")),
        ([None, None], [None, None], (0, "middle image")),
        ([1.0, 2.0, 4.0], [None, None, "reference"], (2, "role")),
        ([1.0, 2.0], ["other", None], (0, "middle exposure")),
    ],
)
def test_reference_rule(exposures, roles, expected):
    assert choose_reference(exposures, roles) == expected


def test_folder_listing_sorted_skips_hidden_and_other_files(tmp_path):
    make_stack(tmp_path, {"b.PNG": flat(10), "a.jpg": flat(10), ".tmp.png": flat(10)})
    (tmp_path / "notes.txt").write_text("hi")
    make_stack(tmp_path / "gt", {"depth.png": flat(10)})
    stack = load_stack(tmp_path)
    assert [im.file for im in stack.images] == ["a.jpg", "b.PNG"]
    assert stack.source == "folder" and stack.unlisted == ()


def test_16bit_grey_and_mixed_depths_read_with_values(tmp_path):
    rgb16 = np.zeros((3, 5, 3), np.uint16)
    rgb16[..., 0], rgb16[..., 1], rgb16[..., 2] = 1000, 30000, 65535
    grey8 = np.arange(15, dtype=np.uint8).reshape(3, 5) * 10
    stack = load_stack(make_stack(tmp_path, {"a16.png": rgb16, "b8.png": grey8}))
    a, b = stack.images
    assert (a.bit_depth, a.grey, b.bit_depth, b.grey) == (16, False, 8, True)
    assert stack.raw[0].dtype == np.uint16
    np.testing.assert_array_equal(stack.raw[0], rgb16)  # RGB order kept
    np.testing.assert_array_equal(stack.raw[1], np.repeat(grey8[..., None], 3, axis=-1))
    images = load_images(stack)
    assert images.shape == (2, 3, 5, 3) and images.dtype == np.float32
    np.testing.assert_allclose(images[0, 0, 0], [1000 / 65535, 30000 / 65535, 1.0], rtol=1e-6)
    np.testing.assert_allclose(images[1, 2, 4], [140 / 255] * 3, rtol=1e-6)
    assert "8 and 16 bit (mixed" in describe_stack(stack)
    assert load_images(stack, dtype=np.float16).dtype == np.float16


def test_raw_pixels_are_read_only(tmp_path):
    stack = load_stack(make_stack(tmp_path, {"a.png": flat(5)}))
    with pytest.raises(ValueError):
        stack.raw[0][0, 0, 0] = 1


def test_resize_to_reference_size_is_recorded(tmp_path):
    imgs = {"a.png": flat(40, (8, 12)), "b.png": flat(80, (16, 24)), "c.png": flat(120, (8, 12))}
    stack = load_stack(make_stack(tmp_path, imgs), resize=True)
    assert stack.reference == 1 and stack.size == (16, 24)  # middle image, unknown times
    assert [im.original_size for im in stack.images] == [(8, 12), (16, 24), (8, 12)]
    assert all(r.shape == (16, 24, 3) for r in stack.raw)
    assert int(stack.raw[0].min()) == int(stack.raw[0].max()) == 40
    assert "resized from 8×12" in describe_stack(stack)


def test_image_stats_thresholds():
    raw8 = np.array([[[253, 0, 0], [252, 0, 0], [2, 2, 2], [3, 0, 0]]], np.uint8)
    assert image_stats(raw8) == (0.25, 0.25)
    raw16 = np.array([[[64880, 0, 0], [655, 655, 655], [656, 0, 0], [0, 0, 0]]], np.uint16)
    assert image_stats(raw16) == (0.25, 0.5)


def test_describe_warns_about_white_and_black_images(tmp_path):
    imgs = {"black.png": flat(0), "mid.png": flat(128), "white.png": flat(255)}
    text = describe_stack(load_stack(make_stack(tmp_path, imgs)))
    warnings = [line for line in text.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert "black.png" in warnings[0] and "black" in warnings[0].split("png")[1]
    assert "white.png" in warnings[1] and "saturated" in warnings[1]
    assert text.splitlines()[-1] == "ok: 3 images, valid stack"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "?"), (32.0, "32 s"), (1.0, "1 s"), (0.125, "1/8 s"), (1 / 60, "1/60 s"),
     (0.3, "0.3 s"), (2.5, "2.5 s"), (0.0009765625, "1/1024 s")],
)
def test_format_exposure(seconds, text):
    assert format_exposure(seconds) == text


def test_cli_info_reports_a_good_stack(tmp_path, capsys):
    good = make_stack(tmp_path / "good", {"a.png": flat(50), "b.png": flat(60)},
                      {"images": [{"file": "a.png", "exposure": 0.5}, {"file": "b.png"}]})
    assert main(["info", str(good)]) == 0
    out = capsys.readouterr().out
    assert "a.png" in out and "1/2 s" in out and out.rstrip().endswith("valid stack")


def test_cli_info_names_a_corrupt_image_in_one_line(tmp_path, capsys):
    bad = make_stack(tmp_path / "bad", {"a.png": flat(50)})
    (bad / "broken.png").write_bytes(b"not a png at all")
    assert main(["info", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("invcam: error:") and "broken.png" in captured.err
    assert captured.err.count("\n") == 1


def test_write_rgb_helper_round_trips(tmp_path):
    rgb = np.array([[[1, 2, 3]]], np.uint8)
    path = write_rgb(tmp_path / "x.png", rgb)
    np.testing.assert_array_equal(load_stack(path.parent).raw[0], rgb)
