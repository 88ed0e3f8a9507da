"""The video reader/writer and frame selection (``invcam.io.video``), on tiny clips."""

from __future__ import annotations

import json

import numpy as np
import pytest
from stack_helpers import flat, make_stack

from invcam.errors import InvcamError
from invcam.io import frames, video
from invcam.io.stack import load_stack

SIZE = (48, 64)
LEVELS = [10 + 20 * k for k in range(12)]  # frame k is a flat grey at LEVELS[k]
CODEC_ERROR = 8  # mp4v is lossy; frames 20 levels apart stay distinguishable
MEDIAN = "middle median-exposure frame"


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    video.write_video(path, (np.full((*SIZE, 3), v, np.uint8) for v in LEVELS))
    return path


def raises(match: str):
    return pytest.raises(InvcamError, match=match)


def one_line(exc: pytest.ExceptionInfo) -> str:
    assert "\n" not in str(exc.value)
    return str(exc.value)


def frames_of(stack) -> list[int]:
    return [im.meta["frame"] for im in stack.images]


# --- load_video --------------------------------------------------------------------------

def test_load_video_reads_every_frame_in_order(clip):
    stack = video.load_video(clip)
    assert len(stack) == 12 and stack.size == SIZE and stack.source == "video"
    assert stack.root == clip and frames_of(stack) == list(range(12))
    for k, (im, raw) in enumerate(zip(stack.images, stack.raw, strict=True)):
        assert raw.dtype == np.uint8 and raw.shape == (*SIZE, 3) and not raw.flags.writeable
        assert (im.file, im.path, im.bit_depth) == (f"clip.mp4#{k:05d}", clip, 8)
        assert (im.exposure, im.exposure_source, im.original_size) == (None, "unknown", SIZE)
    means = [raw.mean() for raw in stack.raw]
    np.testing.assert_allclose(means, LEVELS, atol=CODEC_ERROR)
    assert (stack.reference, stack.reference_rule) == (5, "middle frame")


@pytest.mark.parametrize("frames, expected", [
    ("2:8:2", [2, 4, 6]), (":3", [0, 1, 2]), ("9:", [9, 10, 11]), ("0:12:5", [0, 5, 10]),
    ("11:12", [11]),
])
def test_frames_pick_the_right_frames(clip, frames, expected):
    stack = video.load_video(clip, frames)
    assert frames_of(stack) == expected and stack.reference == (len(expected) - 1) // 2
    assert stack.images[0].file == f"clip.mp4#{expected[0]:05d}"
    means = [raw.mean() for raw in stack.raw]
    np.testing.assert_allclose(means, [LEVELS[k] for k in expected], atol=CODEC_ERROR)


class FakeCapture:
    """Stands in for cv2.VideoCapture: 12 black frames, frame ``odd`` smaller; logs calls."""

    log: list[str] = []
    odd = -1

    def __init__(self, *args):
        self.index = -1

    def isOpened(self):  # noqa: N802 (OpenCV's name)
        return True

    def grab(self):
        FakeCapture.log.append("grab")
        self.index += 1
        return self.index < 12

    def read(self):
        ok = self.grab()
        FakeCapture.log[-1] = "read"
        size = (24, 32) if self.index == FakeCapture.odd else SIZE
        return ok, np.zeros((*size, 3), np.uint8) if ok else None

    def release(self):
        pass


@pytest.fixture
def fake(monkeypatch):
    FakeCapture.log, FakeCapture.odd = [], -1
    monkeypatch.setattr(video.cv2, "VideoCapture", FakeCapture)
    return FakeCapture


@pytest.mark.parametrize("frames, calls", [
    ("0:3", ["read"] * 3), ("6:8", ["grab"] * 6 + ["read"] * 2),
    ("1:6:2", ["grab", "read"] * 3),
])
def test_only_the_needed_frames_are_decoded(clip, fake, frames, calls):
    video.load_video(clip, frames)
    assert fake.log == calls


def test_a_frame_that_changes_size_is_named(clip, fake):
    fake.odd = 3
    with raises("frame 3 is 24×32 but frame 0 is 48×64") as exc:
        video.load_video(clip)
    one_line(exc)
    assert len(video.load_video(clip, frames="4:6")) == 2  # the odd frame is not selected


@pytest.mark.parametrize("frames", ["5:20", "12:", "0:13", "20:30:2"])
def test_a_range_past_the_end_names_the_frame_count(clip, frames):
    with raises("outside") as exc:
        video.load_video(clip, frames)
    assert "has 12 frames" in one_line(exc) and str(clip) in one_line(exc)


def test_missing_corrupt_and_empty_files(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, np.uint8).tobytes())
    (tmp_path / "empty.mp4").write_bytes(b"")
    for name, match in [("nope.mp4", "does not exist"), ("bad.mp4", "cannot be decoded"),
                        ("empty.mp4", "cannot be decoded"), (".", "is not a file")]:
        with raises(match) as exc:
            video.load_video(tmp_path / name)
        assert str(tmp_path / name) in one_line(exc)


# --- sidecar JSON ------------------------------------------------------------------------

def test_sidecar_exposures_and_reference(clip):
    times = [0.01 * 2 ** (k % 3) for k in range(12)]
    times[7] = None
    clip.with_suffix(".json").write_text(json.dumps({"exposures": times, "reference": 3}))
    stack = video.load_video(clip)
    assert [im.exposure for im in stack.images] == times
    assert [stack.images[k].exposure_source for k in (0, 7)] == ["sidecar", "unknown"]
    assert (stack.reference, stack.reference_rule) == (3, "sidecar reference")
    part = video.load_video(clip, frames="4:9")  # frame 3 not selected: middle median
    assert [im.exposure for im in part.images] == times[4:9]
    assert frames_of(part)[part.reference] == 4  # 0.02 s at frames 4 and 8 (7 is unknown)
    assert "reference frame 3 is not selected" in part.reference_rule


def test_sidecar_exposure_cycle_follows_video_frame_numbers(clip):
    clip.with_suffix(".json").write_text(json.dumps({"exposure_cycle": [0.25, 1, 4]}))
    stack = video.load_video(clip, frames="1:6")
    assert [im.exposure for im in stack.images] == [1, 4, 0.25, 1, 4]
    assert (stack.reference, stack.reference_rule) == (3, MEDIAN)  # 1 s: positions 0 and 3


@pytest.mark.parametrize("sidecar, match", [
    ({"exposures": [0.1] * 11}, "has 11 values but the video has 12 frames"),
    ({"exposures": [0.1] * 11 + [-1]}, r'"exposures"\[11\] must be a number of seconds'),
    ({"exposures": [0.1] * 11 + [True]}, "got True"),
    ({"exposure_cycle": [1, None]}, r'"exposure_cycle"\[1\] must be a number of seconds'),
    ({"exposure_cycle": [1] * 13}, "has 13 values but the video has 12 frames"),
    ({"exposure_cycle": []}, "non-empty list"),
    ({"exposures": [1] * 12, "exposure_cycle": [1]}, "not both"),
    ({"exposure": [1] * 12}, "unknown key 'exposure'"),
    ({"reference": 12}, '"reference" must be a frame index from 0 to 11'),
    ({"reference": "3"}, "got '3'"),
    ([1, 2], "expected an object"),
    ("{oops", "not valid JSON"),
])
def test_bad_sidecars_are_named(clip, sidecar, match):
    text = sidecar if isinstance(sidecar, str) else json.dumps(sidecar)
    clip.with_suffix(".json").write_text(text)
    with raises(match) as exc:
        video.load_video(clip, frames="0:2")  # the sidecar is checked against the whole video
    assert "clip.json" in one_line(exc)


# --- parsing -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("0:30", (0, 30, 1)), (":20", (0, 20, 1)), ("5:", (5, None, 1)), ("0:30:2", (0, 30, 2)),
    (" 3 : 9 : 3 ", (3, 9, 3)), (":", (0, None, 1)), ("::4", (0, None, 4)),
])
def test_parse_frames_good(text, expected):
    assert frames.parse_frames(text) == expected


@pytest.mark.parametrize("text, match", [
    ("5", "expected A:B"), ("a:b", "expected A:B"), ("1:2:3:4", "expected A:B"),
    ("", "expected A:B"), ("-3:5", "negative"), ("0:-1", "negative"), ("0:10:0", "step"),
    ("5:5", "after the start"), ("8:2", "after the start"), ("1.5:3", "expected A:B"),
])
def test_parse_frames_bad(text, match):
    with raises(match) as exc:
        frames.parse_frames(text)
    assert one_line(exc).startswith("frames")
    assert exc.value.phrased(lambda name: "--" + name).startswith("--frames")


@pytest.mark.parametrize("text, expected", [
    ("0.25,1,4", [0.25, 1.0, 4.0]), ("1/250, 1/60", [1 / 250, 1 / 60]), ("2", [2.0]),
    ("1e-3,1/2", [1e-3, 0.5]),
])
def test_parse_exposure_cycle_good(text, expected):
    assert frames.parse_exposure_cycle(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "1,,2", "0,1", "-1", "1/0", "inf", "nan", "a", "1/2/3"])
def test_parse_exposure_cycle_bad(text):
    with raises("exposure_cycle") as exc:
        frames.parse_exposure_cycle(text)
    one_line(exc)
    assert exc.value.option == "exposure_cycle"  # the CLI names its flag, --exposure-cycle


# --- exposure cycles and the reference ---------------------------------------------------

def test_apply_exposure_cycle_assigns_values_in_order(clip):
    stack, warning = frames.apply_exposure_cycle(video.load_video(clip), [0.25, 1.0, 4.0])
    assert warning is None and [im.exposure for im in stack.images] == [0.25, 1.0, 4.0] * 4
    assert {im.exposure_source for im in stack.images} == {"exposure-cycle"}
    # 1 s frames are 1, 4, 7, 10; 4 and 7 are equally near the middle (5.5): the first.
    assert (stack.reference, stack.reference_rule) == (4, MEDIAN)


def test_a_cycle_that_does_not_divide_the_frames_warns(clip):
    stack, warning = frames.apply_exposure_cycle(video.load_video(clip), [1, 2, 4, 8, 16])
    assert [im.exposure for im in stack.images][-3:] == [16, 1, 2]
    assert warning.startswith("exposure cycle of 5 does not divide 12 frames")
    assert "(2 of 5 values)" in warning and "\n" not in warning


def test_a_cycle_longer_than_the_clip_is_an_error(clip):
    stack = video.load_video(clip, frames="0:4")
    with raises("has 5 values but .* has only 4 frames") as exc:
        frames.apply_exposure_cycle(stack, [1, 2, 3, 4, 5])
    one_line(exc)
    with raises("exposure_cycle"):
        frames.apply_exposure_cycle(stack, [])


def test_a_sidecar_reference_survives_a_cycle(clip):
    clip.with_suffix(".json").write_text(json.dumps({"reference": 0}))
    stack, _ = frames.apply_exposure_cycle(video.load_video(clip), [1, 2])
    assert (stack.reference, stack.reference_rule) == (0, "sidecar reference")


@pytest.mark.parametrize("exposures, expected", [
    ([0.25, 1, 4] * 3, (4, MEDIAN)), ([1, 4] * 5, (4, MEDIAN)), ([3.0], (0, MEDIAN)),
    ([None] * 7, (3, "middle frame")), ([None] * 6, (2, "middle frame")),
    ([None, 2, None, None, None, 8, 8], (5, MEDIAN)), ([None, 2, None, None, None, 8], (1, MEDIAN)),
])
def test_video_reference(exposures, expected):
    assert frames.video_reference(exposures) == expected


# --- folders: select_frames and load_input -----------------------------------------------

@pytest.fixture
def folder(tmp_path):
    return make_stack(tmp_path / "seq", {f"f{k}.png": flat(30 * k) for k in range(6)})


def test_select_frames_on_a_folder_stack(folder):
    stack = load_stack(folder)
    kept = frames.select_frames(stack, "0:4")
    assert [im.file for im in kept.images] == ["f0.png", "f1.png", "f2.png", "f3.png"]
    assert (kept.reference, kept.reference_rule) == (2, stack.reference_rule) == (2, "middle image")
    part = frames.select_frames(stack, "1:6:2")
    assert [im.file for im in part.images] == ["f1.png", "f3.png", "f5.png"]
    assert [int(raw[0, 0, 0]) for raw in part.raw] == [30, 90, 150]
    assert part.reference == 1 and "f2.png is not selected" in part.reference_rule
    assert part.source == "folder" and len(stack) == 6  # the input is unchanged
    with raises("has 6 images") as exc:
        frames.select_frames(stack, "2:7")
    assert str(folder) in one_line(exc)


def test_load_input_on_a_folder_and_a_video(folder, clip):
    stack, warnings = video.load_input(folder, frames="1:5", exposure_cycle="1/4,1,4")
    assert [im.exposure for im in stack.images] == [0.25, 1, 4, 0.25]
    assert len(warnings) == 1 and "does not divide 4 images" in warnings[0]
    stack, warnings = video.load_input(clip, frames="0:6", exposure_cycle=[1, 2])
    assert stack.source == "video" and len(stack) == 6 and warnings == []
    assert len(video.load_input(clip)[0]) == 12


def test_load_input_warns_when_a_cycle_replaces_known_exposures(folder):
    (folder / "stack.json").write_text(json.dumps(
        {"images": [{"file": f"f{k}.png", "exposure": 0.5} for k in range(6)]}))
    stack, warnings = video.load_input(folder, exposure_cycle=[1, 2, 3])
    assert [im.exposure for im in stack.images] == [1, 2, 3] * 2
    assert warnings == ["the exposure cycle replaces the known exposures (stack.json) of 6 of 6 "
                        "images"]


def test_load_input_names_what_it_cannot_read(tmp_path):
    (tmp_path / "notes.txt").write_text("hi")
    for name, match in [("clip.MOV", "video .*clip.MOV does not exist"),
                        ("notes.txt", "notes.txt is not a video"), ("nope", "does not exist")]:
        with raises(match):
            video.load_input(tmp_path / name)


def test_is_video_goes_by_an_existing_file_s_suffix(clip, tmp_path):
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / "CLIP.MKV").write_bytes(b"x")
    assert video.is_video(clip) and video.is_video(str(tmp_path / "CLIP.MKV"))
    assert not any(video.is_video(tmp_path / n) for n in ["absent.mp4", "notes.txt", "."])


def test_a_moving_clip_s_exposure_cycle_is_checked_between_neighbouring_frames(tmp_path):
    """Brightness is compared between frames nearest in time: the last short frame against
    the first middle one (8 frames apart, the view moved 16 px) read -0.5 stops where +3
    were given, and every exposure time of the clip was thrown away."""
    from invcam.io.stack_checks import compared_pairs, exposure_disagreements, measured_stops
    from invcam.io.video import load_input
    from invcam.synth.video_output import write_video_synth

    assert compared_pairs([1, 2, 4, 1, 2, 4]) == [(0, 3), (1, 4), (2, 5), (0, 1), (1, 2)]
    assert compared_pairs([4.0, None, 1.0]) == [(2, 0)]
    clip = write_video_synth(tmp_path / "clip", scene="window", size=(120, 180), frames=12,
                             motion="slide", all_in_focus=True)
    stack, _ = load_input(clip)
    assert measured_stops(stack.raw[9], stack.raw[1]) < 0.0  # far apart: not comparable
    assert exposure_disagreements(stack) == []


# --- write_video -------------------------------------------------------------------------
