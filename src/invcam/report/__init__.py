"""``report.html``: a fit's result to explore in a browser (offline, one file)."""

from __future__ import annotations

from pathlib import Path

from invcam.io.atomic import write_text
from invcam.report.data import gather
from invcam.report.page import render_page


def write_report(out: Path) -> Path:
    """Build ``out/report.html`` from the fit in folder ``out``; returns its path."""
    out = Path(out)
    data = gather(out)
    title = f"invcam: {Path(str(data['fit'].get('stack', out))).name}"
    write_text(out / "report.html", render_page(data, title))
    return out / "report.html"


__all__ = ["write_report"]
