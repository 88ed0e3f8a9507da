"""Settings of one ``invcam bench`` run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

METHODS = ("ours", "two-stage", "debevec", "robertson", "mertens", "focus-stack")
DEFAULT_SCENES = ("studio", "window", "desk", "tree")


@dataclass(frozen=True)
class BenchOptions:
    """What to run.

    ``minutes`` / ``iters``: the budget of each of our fits (fast preset; ``iters`` wins
    when set). ``size`` None is each scene's own size. ``tool`` is the focus-fusion
    implementation for the baselines (auto, enfuse, opencv). ``optional`` runs the
    optional metrics (JOD, LPIPS) where their packages work. ``real_count`` /
    ``real_holdouts``: for ``--real``, how many consecutive exposures around the middle
    are used, and how many of the middle ones are held out in turn.
    """

    scenes: tuple[str, ...] = DEFAULT_SCENES
    methods: tuple[str, ...] = METHODS
    size: tuple[int, int] | None = None
    seed: int = 0
    minutes: float | None = 3.0
    iters: int | None = None
    tool: str = "auto"
    threads: int | None = None
    optional: bool = True
    real_count: int = 5
    real_holdouts: int = 3

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
