"""Relative exposure from EXIF: time x ISO / f-number^2 (issue: RAW and full EXIF)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, TiffImagePlugin

from invcam.io.exif import ExposureSettings, read_exposure_settings, relative_exposures
from invcam.io.stack import load_stack
from invcam.io.stack_report import describe_stack


def _jpeg(path: Path, value: int, time: tuple[int, int] | None, iso: int | None,
          fnumber: tuple[int, int] | None) -> Path:
    image = Image.fromarray(np.full((16, 24, 3), value, np.uint8))
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    if time:
        ifd[0x829A] = TiffImagePlugin.IFDRational(*time)
    if fnumber:
        ifd[0x829D] = TiffImagePlugin.IFDRational(*fnumber)
    if iso:
        ifd[0x8827] = iso
    image.save(path, exif=exif.tobytes())
    return path


def _bracket(folder: Path, shots: list[tuple]) -> Path:
    folder.mkdir()
    for k, (time, iso, fnumber) in enumerate(shots):
        _jpeg(folder / f"im{k}.jpg", 60 + 40 * k, time, iso, fnumber)
    return folder


def test_a_bracket_varying_iso_gives_the_relative_exposures_of_one_varying_time(tmp_path):
    by_time = load_stack(_bracket(tmp_path / "t", [((1, 100), 200, (8, 1)),
                                                   ((1, 25), 200, (8, 1)),
                                                   ((4, 25), 200, (8, 1))]))
    by_iso = load_stack(_bracket(tmp_path / "i", [((1, 25), 100, (8, 1)),
                                                  ((1, 25), 400, (8, 1)),
                                                  ((1, 25), 1600, (8, 1))]))
    by_aperture = load_stack(_bracket(tmp_path / "a", [((1, 25), 200, (16, 1)),
                                                       ((1, 25), 200, (8, 1)),
                                                       ((1, 25), 200, (4, 1))]))
    steps = [np.log2(s.exposures / s.exposures[0]) for s in (by_time, by_iso, by_aperture)]
    for found in steps:
        assert found == pytest.approx([0.0, 2.0, 4.0])
    assert by_time.exposures.tolist() == pytest.approx([0.01, 0.04, 0.16])  # plain seconds
    assert [im.iso for im in by_iso.images] == [100, 400, 1600]


def test_info_shows_time_iso_aperture_and_what_is_missing(tmp_path):
    stack = load_stack(_bracket(tmp_path / "s", [((1, 25), 100, (8, 1)),
                                                 ((1, 25), None, (4, 1)),
                                                 ((1, 25), 100, (8, 1))]))
    text = describe_stack(stack)
    assert "no ISO for im1.jpg" in text
    assert "the f-number varies (f/4 to f/8)" in text and "depth of field" in text
    assert "time 1/25 s at ISO - f/4" in text


def test_relative_exposures_keep_unknown_times_unknown():
    shots = [ExposureSettings(0.5, 100, 4), ExposureSettings(None, 100, 4)]
    assert relative_exposures(shots) == [0.5, None]
    assert read_exposure_settings("/nonexistent.jpg") == ExposureSettings()
