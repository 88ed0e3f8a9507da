"""Writing videos (preview.mp4): atomic, RGB order, odd sizes, errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from invcam.errors import InvcamError
from invcam.io import video

SIZE = (48, 64)
LEVELS = [10 + 20 * k for k in range(12)]  # frame k is a flat grey at LEVELS[k]
CODEC_ERROR = 8  # mp4v is lossy; frames 20 levels apart stay distinguishable
MEDIAN = "middle median-exposure frame"



def raises(match: str):
    return pytest.raises(InvcamError, match=match)


def one_line(exc: pytest.ExceptionInfo) -> str:
    assert "\n" not in str(exc.value)
    return str(exc.value)


def test_write_video_is_atomic_and_keeps_rgb_order(tmp_path):
    out = tmp_path / "sub" / "out.mp4"
    frames = (np.full((*SIZE, 3), (40 * k, 100, 200 - 40 * k), np.uint8) for k in range(5))
    video.write_video(out, frames, fps=5.0)
    assert [p.name for p in out.parent.iterdir()] == ["out.mp4"]
    stack = video.load_video(out)
    assert len(stack) == 5 and stack.size == SIZE
    colours = [raw.mean(axis=(0, 1)) for raw in stack.raw]
    expected = [(40 * k, 100, 200 - 40 * k) for k in range(5)]
    np.testing.assert_allclose(colours, expected, atol=CODEC_ERROR)
    ok, bgr = cv2.VideoCapture(str(out)).read()  # plain OpenCV sees BGR
    assert ok and abs(bgr[..., 0].mean() - 200) < CODEC_ERROR


def test_load_video_converts_plain_opencv_bgr(tmp_path):
    path = tmp_path / "theirs.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, SIZE[::-1])
    writer.write(np.full((*SIZE, 3), (0, 0, 255), np.uint8))  # BGR: pure red
    writer.release()
    red = video.load_video(path).raw[0].mean(axis=(0, 1))
    assert red[0] > 200 and red[2] < 50


def test_write_video_pads_odd_sizes(tmp_path):
    video.write_video(tmp_path / "odd.mp4", [np.full((47, 63, 3), 128, np.uint8)] * 2)
    assert video.load_video(tmp_path / "odd.mp4").size == (48, 64)


def failing_frames():
    yield np.zeros((*SIZE, 3), np.uint8)
    raise RuntimeError("render failed")


@pytest.mark.parametrize("frames, match", [
    ([np.zeros((*SIZE, 3), np.uint8), np.zeros((24, 32, 3), np.uint8)], "frame 1 is 24×32"),
    ([np.zeros((*SIZE, 3), np.float32)], "frame 0 is .* float32"),
    ([np.zeros(SIZE, np.uint8)], r"expected \(H, W, 3\) uint8"),
    ([], "no frames"),
])
def test_write_video_errors_leave_nothing_behind(tmp_path, frames, match):
    out = tmp_path / "bad.mp4"
    with raises(match) as exc:
        video.write_video(out, iter(frames))
    assert str(out) in one_line(exc) and list(tmp_path.iterdir()) == []


def test_write_video_failures_clean_up(tmp_path):
    with pytest.raises(RuntimeError, match="render failed"):
        video.write_video(tmp_path / "a.mp4", failing_frames())
    with raises("could not open"):
        video.write_video(tmp_path / "a.unknownext", [np.zeros((*SIZE, 3), np.uint8)])
    with raises("fps must be a positive number"):
        video.write_video(tmp_path / "a.mp4", [np.zeros((*SIZE, 3), np.uint8)], fps=0)
    assert list(tmp_path.iterdir()) == []
