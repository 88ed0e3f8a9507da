"""Argument checking for the ``invcam`` command: typed numbers and one-line errors.

Every numeric flag is parsed by one of the range-checked types below, so a value such as
``--minutes -1``, ``inf`` or ``nan`` is refused before any work, in one line, exit 2.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from invcam.errors import InvcamError

MAX_MINUTES = 7 * 24 * 60.0  # a week
MAX_ITERS = 10_000_000
MAX_SEED = 2**63 - 1


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are InvcamErrors: ``invcam.cli.main`` prints them as
    one line (``invcam: error: ...``) and exits 2."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        raise InvcamError(f"{message} (see {self.prog} --help)")


def _number(kind: type, low: float | None, high: float | None, low_open: bool = False,
            what: str = "") -> Callable[[str], int | float]:
    """An argparse type: ``kind`` (int or float) in [low, high] (``(low, high]`` if
    ``low_open``), finite."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        too_low = low is not None and (value <= low if low_open else value < low)
        if too_low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse


minutes = _number(float, 0.0, MAX_MINUTES, low_open=True,
                  what=f"a number of minutes above 0 and at most {MAX_MINUTES:.0f}")
iterations = _number(int, 1, MAX_ITERS, what=f"a whole number of iterations, 1 to {MAX_ITERS}")
seconds = _number(float, 0.0, 1e6, low_open=True, what="a number of seconds above 0")
threads = _number(int, 1, 1024, what="a whole number of threads, 1 to 1024")
seed = _number(int, 0, MAX_SEED, what="a whole number of at least 0")
weight = _number(float, 0.0, 1e6, what="a finite weight, 0 or more")
index = _number(int, 0, None, what="an image index (0 or more)")
count = _number(int, 1, 10_000, what="a whole number, 1 to 10000")
stops = _number(float, -64.0, 64.0, what="a number of stops between -64 and 64")
spacing = _number(float, 0.0, 8.0, low_open=True, what="a spacing in stops, above 0 and at most 8")
scale = _number(float, 0.0, 1.0, low_open=True, what="a scale above 0 and at most 1")
exposure = _number(float, 0.0, 1e5, low_open=True, what="an exposure time in seconds, above 0")
share = _number(float, 0.0, 0.9, what="a share of the budget from 0 to 0.9")

__all__ = ["Parser", "count", "exposure", "index", "iterations", "minutes", "scale",
           "seconds", "seed", "share", "stops", "threads", "weight"]


def size(text: str) -> tuple[int, int]:
    """``--size HxW``: ``(H, W)``, each side 16..8192 pixels."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InvcamError(f"--size {text!r}: expected HxW, e.g. 600x900") from None
    if not (16 <= h <= 8192 and 16 <= w <= 8192):
        raise InvcamError(f"--size {text!r}: each side must be between 16 and 8192 pixels")
    return h, w
