"""Faults that used to end in a traceback, and the minor cases (issue #12, 12-13)."""

from __future__ import annotations

import json
import struct
import zlib

import cv2
import numpy as np
import pytest
from reliability_helpers import one_line_error, run, snapshot

from invcam.io import hdr
from invcam.io.hdr import read_exr


def _png_claiming(height: int, width: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def test_a_png_header_claiming_60000_squared_pixels_is_named(tmp_path, capsys):
    (tmp_path / "a.png").write_bytes(_png_claiming(60000, 60000))
    (tmp_path / "b.png").write_bytes(_png_claiming(60000, 60000))
    code, _, err = run(["info", tmp_path], capsys)
    one_line_error(code, err, "a.png", "2^30 pixels")


def test_a_stack_json_nested_100000_deep_is_refused(tmp_path, capsys):
    (tmp_path / "stack.json").write_text('{"images": ' + "[" * 100000 + "]" * 100000 + "}")
    code, _, err = run(["info", tmp_path], capsys)
    one_line_error(code, err, "stack.json", "nested too deeply")


@pytest.mark.parametrize("force", [False, True])
def test_an_output_that_is_a_file_is_refused(tiny_stack, tmp_path, capsys, force):
    target = tmp_path / "out"
    target.write_text("mine")
    args = ["fit", tiny_stack, "-o", target, "--iters", "2"] + (["--force"] if force else [])
    code, _, err = run(args, capsys)
    one_line_error(code, err, "is a file")
    assert target.read_text() == "mine"


def test_an_output_under_a_file_is_refused(tiny_stack, tmp_path, capsys):
    (tmp_path / "file").write_text("mine")
    code, _, err = run(["fit", tiny_stack, "-o", tmp_path / "file" / "out", "--iters", "2"],
                       capsys)
    one_line_error(code, err, "lies under", "file")


def test_a_full_disk_during_the_exr_write_is_one_line_and_leaves_no_file(
        tiny_fit, tmp_path, capsys, monkeypatch):
    class FullDisk:
        def __init__(self, *args):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

        def write(self, path):
            raise RuntimeError("Cannot write image file: No space left on device")

    monkeypatch.setattr(hdr.OpenEXR, "File", FullDisk)
    out = tmp_path / "r.exr"
    code, _, err = run(["render", tiny_fit / "model.pt", "-o", out, "--ev", "0"], capsys)
    one_line_error(code, err, "r.exr", "disk full")
    assert list(tmp_path.iterdir()) == []


def test_render_writes_linear_exr_and_hdr(tiny_fit, tmp_path, capsys):
    for suffix in (".exr", ".hdr"):
        out = tmp_path / f"r{suffix}"
        code, _, err = run(["render", tiny_fit / "model.pt", "-o", out, "--ev", "0"], capsys)
        assert code == 0, err
    linear = read_exr(tmp_path / "r.exr")
    assert linear.shape == (32, 48, 3) and np.isfinite(linear).all() and (linear > 0).all()
    run(["render", tiny_fit / "model.pt", "-o", tmp_path / "d.exr", "--ev", "-2"], capsys)
    dark = read_exr(tmp_path / "d.exr")
    assert np.allclose(dark * 4, linear, rtol=1e-3)  # linear: exposure scales it exactly


def test_render_refuses_an_unknown_suffix(tiny_fit, tmp_path, capsys):
    code, _, err = run(["render", tiny_fit / "model.pt", "-o", tmp_path / "r.webp", "--ev", "0"],
                       capsys)
    one_line_error(code, err, "'.webp'", ".exr")


def test_render_raises_no_library_warnings(tiny_fit, tmp_path, capsys):
    """The render path itself is clean (the CLI also hides library warnings from users)."""
    import warnings

    from invcam.app.render import render_exposure

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a library warning now fails the render
        image = render_exposure(tiny_fit / "model.pt", ev=1.0)
    assert image.shape == (32, 48, 3)
    code, _, err = run(["render", tiny_fit / "model.pt", "-o", tmp_path / "r.png", "--ev", "1"],
                       capsys)
    assert code == 0 and err == "", err


@pytest.mark.parametrize("name", ["../outside.png", "/etc/passwd"])
def test_stack_json_may_not_name_files_outside_the_stack_folder(tmp_path, capsys, name):
    folder = tmp_path / "s"
    folder.mkdir()
    image = np.full((32, 48, 3), 128, np.uint8)
    cv2.imwrite(str(tmp_path / "outside.png"), image)
    cv2.imwrite(str(folder / "a.png"), image)
    spec = {"images": [{"file": "a.png", "exposure": 1}, {"file": name, "exposure": 2}]}
    (folder / "stack.json").write_text(json.dumps(spec))
    code, _, err = run(["info", folder], capsys)
    one_line_error(code, err, name, "outside the stack folder")


def test_resize_warns_when_it_changes_the_aspect_ratio(stack_copy, tmp_path, capsys):
    image = cv2.imread(str(stack_copy / "img_00.png"))
    cv2.imwrite(str(stack_copy / "img_00.png"), cv2.resize(image, (96, 2)))
    code, _, err = run(["fit", stack_copy, "-o", tmp_path / "o", "--resize", "--iters", "2"],
                       capsys)
    assert code == 0, err
    assert "resizing stretches img_00.png from 2x96 to 32x48" in err


def test_the_output_may_not_be_the_stack_folder(stack_copy, capsys):
    before = snapshot(stack_copy)
    code, _, err = run(["fit", stack_copy, "-o", stack_copy, "--iters", "2"], capsys)
    one_line_error(code, err, "is the input")
    assert snapshot(stack_copy) == before
