"""Skip a test whose real HDR scene is not in the shared data (``$INVCAM_DATA`` or
``../shared/data``, as :func:`invcam.synth.realhdr.data_dir` finds it)."""

from __future__ import annotations

import pytest

from invcam.synth.realhdr import data_dir
from invcam.synth.scenes import SCENES


def needs_scene_data(name: str) -> None:
    """Skip the calling test unless scene ``name``'s HDR map is present."""
    if not (data_dir() / "hdr" / SCENES[name].data).is_file():
        pytest.skip(f"shared data for {name} not available")
