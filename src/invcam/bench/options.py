"""Settings of one ``invcam bench`` run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

METHODS = ("ours", "two-stage", "debevec", "robertson", "mertens", "focus-stack")
#: The benchmark's tuning set: the scenes defaults may be chosen on.
TUNING_SCENES = ("studio", "window", "desk", "tree")
#: The test set (see ``SceneSpec.split``): scene families written apart from the tuning
#: scenes, never used to choose a default; reported separately.
TEST_SCENES = ("bars", "fence", "speculars", "text")
SCENE_SETS = {"tuning": TUNING_SCENES, "test": TEST_SCENES, "all": TUNING_SCENES + TEST_SCENES}
DEFAULT_SCENES = TUNING_SCENES


def scenes_for(scene_set: str | None, scenes: list[str] | None) -> tuple[str, ...]:
    """The scenes to run: an explicit ``scenes`` list wins, else the set (default tuning)."""
    if scenes:
        return tuple(scenes)
    return SCENE_SETS[scene_set or "tuning"]


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
