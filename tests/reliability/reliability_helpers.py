"""Helpers of the fault-injection suite: run the ``invcam`` command, check its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from invcam.cli import main

SIZE = (32, 48)


def run(args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``invcam ARGS``; return the exit code, stdout and stderr."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *words: str) -> None:
    """Assert a failure: exit 2, a single ``invcam...: error:`` line naming ``words``."""
    lines = [line for line in err.strip().splitlines() if "error" in line]
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], (word, lines[0])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def uniform(value: int) -> np.ndarray:
    """A uniform 32x48 RGB uint8 image."""
    return np.full((*SIZE, 3), value, np.uint8)
