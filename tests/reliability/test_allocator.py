"""``allocator.keep_heap``: large temporaries are reused, not mapped anew each time."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from invcam import allocator

# 20 rounds of allocating, filling and freeing three 19 MB blocks (an atlas MLP's hidden
# activations and their gradients), in a fresh interpreter; prints the minor page faults
# they cost. glibc's own dynamic threshold keeps one such block, not three.
_ROUNDS = """
import resource, sys
from invcam.allocator import keep_heap
applied = keep_heap() if sys.argv[1] == "keep" else False
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    blocks = [bytearray(19 * 1024 * 1024) for _ in range(3)]
    del blocks
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")


def _faults(mode: str, **env: str) -> tuple[bool, int]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", _ROUNDS, mode], capture_output=True,
                         text=True, check=True, env={**clean, **env}).stdout.split()
    return out[0] == "True", int(out[1])


@linux_only
def test_keep_heap_stops_page_faults_of_repeated_large_blocks():
    applied, kept = _faults("keep")
    _, default = _faults("default")
    pages = 20 * 3 * 19 * 1024 * 1024 // 4096
    assert applied
    assert default > 0.3 * pages  # rounds map and fault their blocks in again (0.7 measured)
    assert kept < 0.1 * pages     # the first round's pages are reused (0.05 measured)


@linux_only
def test_keep_heap_leaves_a_users_own_setting_alone():
    applied, _ = _faults("keep", MALLOC_TRIM_THRESHOLD_="0")
    assert not applied


def test_keep_heap_is_off_elsewhere(monkeypatch):
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_heap() is False
