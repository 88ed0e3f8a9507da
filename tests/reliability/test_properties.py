"""Property: whatever stack folder a user hands over, ``invcam info`` and a 2-iteration
fit either succeed or exit 2 with one line; never a traceback (issue #12)."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import cv2
import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reliability_helpers import run

from invcam.io.hdr import read_exr

NAMES = ["a.png", "b.png", "c.tif", "d.jpg"]

SIZES = [(32, 48), (24, 40), (8, 8), (2, 96)]


@st.composite
def image_sets(draw) -> list[dict]:
    """1-4 image descriptions; most share one size, as a real stack does."""
    common = draw(st.sampled_from(SIZES[:2] * 3 + SIZES[2:]))
    count = draw(st.integers(1, 4))
    return [draw(st.fixed_dictionaries({
        "size": st.sampled_from([common] * 5 + SIZES),
        "bits": st.sampled_from([8, 16]),
        "channels": st.sampled_from([3, 3, 1, 4]),
        "content": st.sampled_from(["noise", "noise", "ramp", "black", "white"]),
        "gain": st.floats(0.05, 1.0),
    })) for _ in range(count)]


exposures = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3),
    st.sampled_from([0, -1, 1e308, 1e-300, 1 / 60, 0.25, 4.0]), st.text(max_size=4),
    st.booleans(),
)

entries = st.fixed_dictionaries(
    {"file": st.one_of(st.sampled_from(NAMES + ["missing.png", "../a.png"]), st.integers())},
    optional={"exposure": exposures, "role": st.sampled_from(["reference", "other"])},
)

documents = st.one_of(
    st.none(), st.none(), st.none(),  # no stack.json: the folder's images, EXIF exposures
    st.fixed_dictionaries({"images": st.lists(entries, max_size=5)}),
    st.sampled_from(["[]", '"images"', '{"images": {}}', "{", '{"images": [null]}']),
)


def _pixels(spec: dict, rng: np.random.Generator) -> np.ndarray:
    h, w = spec["size"]
    top = 255 if spec["bits"] == 8 else 65535
    if spec["content"] == "noise":
        unit = rng.uniform(0, 1, (h, w, 3))
    elif spec["content"] == "ramp":
        unit = np.broadcast_to(np.linspace(0, 1, w)[None, :, None], (h, w, 3))
    else:
        unit = np.full((h, w, 3), 1.0 if spec["content"] == "white" else 0.0)
    data = np.round(np.clip(unit * spec["gain"], 0, 1) * top)
    data = data.astype(np.uint8 if spec["bits"] == 8 else np.uint16)
    if spec["channels"] == 1:
        return data[..., 0]
    return data if spec["channels"] == 3 else np.dstack([data, data[..., :1]])


def _write_folder(folder: Path, specs: list[dict], document, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for name, spec in zip(NAMES, specs, strict=False):
        image = _pixels(spec, rng)
        if name.endswith(".jpg") and image.dtype == np.uint16:
            image = (image >> 8).astype(np.uint8)
        if name.endswith(".jpg") and image.ndim == 3 and image.shape[2] == 4:
            image = image[..., :3]
        assert cv2.imwrite(str(folder / name), image)
    if document is not None:
        text = document if isinstance(document, str) else json.dumps(document)
        (folder / "stack.json").write_text(text)


def _failed_cleanly(code: int, err: str) -> bool:
    lines = [line for line in err.splitlines() if "error" in line]
    return code == 2 and len(lines) == 1 and "Traceback" not in err


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=image_sets(), document=documents,
       seed=st.integers(0, 2**16))
def test_info_and_a_short_fit_succeed_or_fail_in_one_line(capsys, specs, document, seed):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "stack"
        folder.mkdir()
        _write_folder(folder, specs, document, seed)
        code, _, err = run(["info", folder], capsys)
        assert code == 0 or _failed_cleanly(code, err), err
        event(f"info exit {code}")
        out = Path(tmp) / "out"
        code, _, err = run(["fit", folder, "-o", out, "--iters", "2", "--threads", "1"], capsys)
        assert code == 0 or _failed_cleanly(code, err), err
        event(f"fit exit {code}")
        if code == 0:
            radiance = read_exr(out / "radiance.exr")
            assert np.isfinite(radiance).all() and radiance.max() > 0
            assert math.isfinite(json.loads((out / "fit.json").read_text())["iterations"])
