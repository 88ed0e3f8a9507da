"""Stack layouts: which (focus, exposure) settings are shot, and which image is the reference.

Every scene offers three focus distances (near, middle, far) and three exposure times
(short, middle, long). The reference image is the one whose geometry the ground truth
uses: middle exposure, and middle focus (magnification exactly 1) where focus varies.
"""

from __future__ import annotations

from dataclasses import dataclass

from invcam.errors import InvcamError

NEAR, MID, FAR = 0, 1, 2
SHORT, LONG = 0, 2


@dataclass(frozen=True)
class Shot:
    """One image of a stack: indices into the scene's focus and exposure settings.

    ``focus`` is None for an all-in-focus (pinhole) image with magnification 1.
    """

    focus: int | None
    exposure: int
    reference: bool = False


def _all() -> list[Shot]:
    """Full 3 x 3 grid, focus-major (the paper's MFME data, 9 images)."""
    return [Shot(f, e, (f, e) == (MID, MID)) for f in (NEAR, MID, FAR) for e in (SHORT, MID, LONG)]


def _diagonal() -> list[Shot]:
    """The paper's 3-image case: each image a different focus and a different exposure.

    Far focus goes with the shortest exposure (bright far regions, e.g. sky or windows,
    are then seen sharp and unclipped), near focus with the longest.
    """
    return [Shot(NEAR, LONG), Shot(MID, MID, True), Shot(FAR, SHORT)]


def _focus() -> list[Shot]:
    """A focus stack: near, middle and far focus at the middle exposure."""
    return [Shot(NEAR, MID), Shot(MID, MID, True), Shot(FAR, MID)]


def _exposure() -> list[Shot]:
    """An exposure bracket, all in focus: short, middle and long exposure."""
    return [Shot(None, SHORT), Shot(None, MID, True), Shot(None, LONG)]


LAYOUTS = {"all": _all, "diagonal": _diagonal, "focus": _focus, "exposure": _exposure}


def layout_shots(name: str) -> list[Shot]:
    """The shots of layout ``name``; raises InvcamError for an unknown name."""
    if name not in LAYOUTS:
        raise InvcamError(f"unknown layout {name!r} (valid: {', '.join(LAYOUTS)})")
    return LAYOUTS[name]()
