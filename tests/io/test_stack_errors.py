"""Every kind of bad stack gives a one-line InvcamError that names the culprit."""

from __future__ import annotations

import re

import pytest
from stack_helpers import flat, make_stack

from invcam.errors import InvcamError
from invcam.io.stack import load_stack

TWO = {"a.png": flat(50), "b.png": flat(60)}


def _entries(*items):
    return {"images": list(items)}


def _error(folder, **kwargs) -> str:
    with pytest.raises(InvcamError) as info:
        load_stack(folder, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_folder(tmp_path):
    assert re.search(r"stack folder .*nope does not exist", _error(tmp_path / "nope"))


def test_file_instead_of_folder(tmp_path):
    path = tmp_path / "a.png"
    make_stack(tmp_path, {"a.png": flat(1)})
    assert "a.png is not a folder" in _error(path)


def test_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("no pictures here")
    (tmp_path / "sub").mkdir()
    make_stack(tmp_path / "sub", {"a.png": flat(1)})
    message = _error(tmp_path)
    assert "no images found" in message and str(tmp_path) in message


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ('{"images": [\n  {"file": "a.png"},\n  {"file": "b.png",}\n]}',
         r"not valid JSON \(line 3"),
        ("[1, 2]", r'expected an object with an "images" list'),
        ('{"files": []}', r'expected an object with an "images" list'),
        ('{"images": {"file": "a.png"}}', r'expected an object with an "images" list'),
        ('{"images": []}', r'"images" is empty'),
        (_entries("a.png"), r"images\[0\] must be an object"),
        (_entries({"file": "a.png"}, {"exposure": 1}), r'images\[1\] has no "file"'),
        (_entries({"file": 3}), r'images\[0\] has no "file"'),
        (_entries({"file": "a.png"}, {"file": "c.png"}), r"images\[1\] names c\.png, which is not"),
        (_entries({"file": "a.png"}, {"file": "b.png"}, {"file": "./a.png"}),
         r"images\[2\] lists \./a\.png again \(already images\[0\]\)"),
        (_entries({"file": "a.png", "role": "reference"}, {"file": "b.png", "role": "reference"}),
         r'more than one "role": "reference" \(a\.png, b\.png\)'),
    ],
)
def test_bad_stack_json_shape(tmp_path, spec, expected):
    message = _error(make_stack(tmp_path, TWO, spec))
    assert "stack.json" in message
    assert re.search(expected, message), message


@pytest.mark.parametrize(
    ("value", "shown"),
    [('"1/8"', "'1/8'"), ("-1", "-1"), ("0", "0"), ("NaN", "nan"), ("Infinity", "inf"),
     ("true", "True"), ("[1]", "[1]")],
)
def test_bad_exposure_value(tmp_path, value, shown):
    spec = '{"images": [{"file": "a.png", "exposure": 1}, {"file": "b.png", "exposure": %s}]}'
    message = _error(make_stack(tmp_path, TWO, spec % value))
    assert 'images[1] (b.png): "exposure" must be a number of seconds from 1e-07' in message
    assert message.endswith(f"got {shown}")


def test_unreadable_stack_json(tmp_path):
    make_stack(tmp_path, TWO)
    (tmp_path / "stack.json").write_bytes(b'{"images": "\xff\xfe"}')
    assert "stack.json: cannot read" in _error(tmp_path)


@pytest.mark.parametrize("listed", [False, True])
def test_corrupt_image_is_named(tmp_path, listed):
    make_stack(tmp_path, TWO)
    (tmp_path / "c.png").write_bytes(b"\x89PNG garbage, not an image")
    if listed:
        (tmp_path / "stack.json").write_text('{"images": [{"file": "a.png"}, {"file": "c.png"}]}')
    message = _error(tmp_path)
    assert "c.png" in message and "not a readable image" in message


def test_empty_image_file_is_named(tmp_path):
    make_stack(tmp_path, TWO)
    (tmp_path / "c.jpg").write_bytes(b"")
    assert "c.jpg: not a readable image" in _error(tmp_path)


def test_size_mismatch_names_file_and_both_sizes(tmp_path):
    imgs = {"a.png": flat(1, (8, 12)), "b.png": flat(1, (8, 12)), "c.png": flat(1, (9, 12))}
    message = _error(make_stack(tmp_path, imgs))
    assert message.startswith("c.png is 9×12 but the reference b.png is 8×12 (H×W)")
    assert load_stack(tmp_path, resize=True).size == (8, 12)
