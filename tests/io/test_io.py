"""Round trips and failure behaviour of io/hdr.py, io/ldr.py and io/atomic.py."""

from __future__ import annotations

import numpy as np
import pytest
from stack_helpers import DATA

from invcam.errors import InvcamError
from invcam.io.atomic import write_text, write_with
from invcam.io.hdr import (
    read_exr,
    read_exr_channels,
    read_hdr_image,
    write_exr,
    write_hdr_image,
)
from invcam.io.ldr import quantize, read_ldr, read_ldr_raw, write_ldr
from invcam.io.outdir import staged_dir
from invcam.photometry import to_unit


def _radiance(shape=(5, 7, 3), seed=0) -> np.ndarray:
    """Positive linear values over ~6 decades, ``(H, W, 3)`` float32."""
    rng = np.random.default_rng(seed)
    return (10.0 ** rng.uniform(-3, 3, size=shape)).astype(np.float32)


def test_exr_round_trip_is_exact(tmp_path):
    image = _radiance()
    write_hdr_image(tmp_path / "x.exr", image)
    back = read_hdr_image(tmp_path / "x.exr")
    assert back.dtype == np.float32 and back.shape == image.shape
    np.testing.assert_array_equal(back, image)


def test_exr_half_and_single_channel(tmp_path):
    image = _radiance()
    write_exr(tmp_path / "h.exr", image, half=True)
    np.testing.assert_array_equal(read_exr(tmp_path / "h.exr"), image.astype(np.float16))
    depth = np.linspace(0.5, 10.0, 12, dtype=np.float32).reshape(3, 4)
    write_exr(tmp_path / "d.exr", depth)
    chans = read_exr_channels(tmp_path / "d.exr")
    assert list(chans) == ["Y"]
    np.testing.assert_array_equal(chans["Y"], depth)
    np.testing.assert_array_equal(read_exr(tmp_path / "d.exr"), np.stack([depth] * 3, -1))


def test_radiance_hdr_round_trip_within_rgbe_precision(tmp_path):
    image = _radiance(seed=1)
    write_hdr_image(tmp_path / "x.hdr", image)
    back = read_hdr_image(tmp_path / "x.hdr")
    assert back.shape == image.shape
    # RGBE: an 8-bit mantissa per channel with the exponent of the brightest channel.
    tolerance = image.max(axis=-1, keepdims=True) / 128
    assert np.all(np.abs(back - image) <= tolerance)
    assert not np.array_equal(back, image)  # lossy: the test really went through RGBE


def test_hdr_read_errors(tmp_path):
    with pytest.raises(InvcamError, match="missing.exr: no such file"):
        read_hdr_image(tmp_path / "missing.exr")
    (tmp_path / "junk.exr").write_bytes(b"not an exr")
    with pytest.raises(InvcamError, match="junk.exr: not a readable EXR"):
        read_hdr_image(tmp_path / "junk.exr")
    with pytest.raises(InvcamError, match="unknown HDR format"):
        read_hdr_image(tmp_path / "x.png")
    bad = _radiance()
    bad[0, 0, 0] = np.nan
    write_exr(tmp_path / "nan.exr", bad)
    with pytest.raises(InvcamError, match="nan.exr: contains NaN"):
        read_hdr_image(tmp_path / "nan.exr")


@pytest.mark.skipif(not (DATA / "hdr").is_dir(), reason="shared HDR data not present")
def test_reads_shared_exr_and_hdr():
    desk = read_hdr_image(DATA / "hdr" / "ScanLines_Desk.exr")
    assert desk.shape == (874, 644, 3) and desk.max() / desk[desk > 0].min() > 1e4
    grace = read_hdr_image(DATA / "hdr" / "Grace_Cathedral.hdr")
    assert grace.shape == (250, 500, 3) and grace.min() >= 0


@pytest.mark.parametrize("bits", [8, 16])
def test_ldr_round_trip(tmp_path, bits):
    image = np.random.default_rng(2).uniform(0, 1, (4, 6, 3)).astype(np.float32)
    write_ldr(tmp_path / "x.png", image, bits=bits)
    raw = read_ldr_raw(tmp_path / "x.png")
    assert raw.dtype == (np.uint8 if bits == 8 else np.uint16)
    np.testing.assert_array_equal(raw, quantize(image, bits))
    np.testing.assert_allclose(read_ldr(tmp_path / "x.png"), image, atol=0.5 / (2**bits - 1))
    assert to_unit(np.array([0, 65535], np.uint16)).tolist() == [0.0, 1.0]


def test_ldr_read_errors(tmp_path):
    with pytest.raises(InvcamError, match="gone.png: no such file"):
        read_ldr_raw(tmp_path / "gone.png")
    (tmp_path / "bad.png").write_bytes(b"garbage")
    with pytest.raises(InvcamError, match="bad.png: not a readable image"):
        read_ldr_raw(tmp_path / "bad.png")


def _boom(tmp):
    tmp.write_bytes(b"half of a file")
    raise RuntimeError("writer failed")


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError, match="writer failed"):
        write_with(tmp_path / "out.bin", _boom)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError):
        write_with(target, _boom)
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


def test_staged_dir_leaves_nothing_on_failure(tmp_path):
    out = tmp_path / "result"
    with pytest.raises(RuntimeError), staged_dir(out, force=False) as stage:
        (stage / "a.txt").write_text("partial")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
    with staged_dir(out, force=False) as stage:
        (stage / "a.txt").write_text("done")
    assert (out / "a.txt").read_text() == "done"
    with pytest.raises(InvcamError, match="not empty"), staged_dir(out, force=False):
        pass
