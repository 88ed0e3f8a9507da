"""Finding the stacks under a folder for ``invcam batch``.

A stack is a folder holding a ``stack.json`` or at least two photos directly (the rules
of :mod:`invcam.io.stack`), or a video file. The search does not enter a stack's own
sub-folders (such as a synthetic stack's ``gt/``), hidden folders, or the batch's output
folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from invcam.io.ldr import LDR_SUFFIXES
from invcam.io.video import VIDEO_SUFFIXES


@dataclass(frozen=True)
class Job:
    """One stack of a batch: its ``path``, and ``rel``, its place under the batch root
    (POSIX), which is also where its fit goes under the output folder."""

    path: Path
    rel: str


def is_stack_folder(folder: Path, names: list[str]) -> bool:
    """True if ``folder`` (whose entries are ``names``) is a stack."""
    if "stack.json" in names:
        return True
    photos = [n for n in names if Path(n).suffix.lower() in LDR_SUFFIXES
              and not n.startswith(".") and (folder / n).is_file()]
    return len(photos) >= 2


def find_stacks(root: Path, exclude: Path | None = None) -> list[Job]:
    """Every stack under ``root`` (``root`` itself included), sorted by place.

    Args:
        root: the folder to search.
        exclude: a folder not to search (the batch's output).
    """
    root = Path(root)
    skip = Path(exclude).resolve() if exclude is not None else None
    jobs = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and (skip is None or (here / d).resolve() != skip))
        if is_stack_folder(here, names):
            jobs.append(Job(here, here.relative_to(root).as_posix()))
            dirs[:] = []
            continue
        for name in sorted(names):
            if Path(name).suffix.lower() in VIDEO_SUFFIXES and not name.startswith("."):
                jobs.append(Job(here / name, (here / name).relative_to(root).as_posix()))
    return sorted(jobs, key=lambda j: j.rel)


__all__ = ["Job", "find_stacks", "is_stack_folder"]
