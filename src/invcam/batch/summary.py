"""``OUT/summary.csv`` and ``OUT/summary.html`` of a batch: one row per stack."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from invcam.io.atomic import write_text

COLUMNS = ("stack", "status", "seconds", "iterations", "train_psnr", "output", "error")


def rows(state: dict, targets: dict[str, Path], out: Path) -> list[dict]:
    """One row per stack of this batch (``targets``: stack -> its fit folder)."""
    table = []
    for rel in sorted(targets):
        entry = state.get(rel, {})
        table.append({"stack": rel, "status": entry.get("status", "not run"),
                      "seconds": entry.get("seconds", ""),
                      "iterations": entry.get("iterations", ""),
                      "train_psnr": entry.get("train_psnr", ""),
                      "output": targets[rel].relative_to(out).as_posix(),
                      "error": entry.get("error", "")})
    return table


def csv_text(table: list[dict]) -> str:
    """The rows as CSV with a header."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


def html_text(table: list[dict], out: Path) -> str:
    """A self-contained page: status, time, training PSNR and a thumbnail per stack,
    linking to the stack's report (or its folder when there is none)."""
    lines = []
    for row in table:
        folder = out / row["output"]
        page = "report.html" if (folder / "report.html").is_file() else ""
        link = html.escape(f"{row['output']}/{page}")
        thumb = (f'<img src="{html.escape(row["output"])}/preview.png" width="160">'
                 if (folder / "preview.png").is_file() else "")
        cells = [f'<a href="{link}">{html.escape(row["stack"])}</a>', row["status"],
                 row["seconds"], row["iterations"], row["train_psnr"], thumb,
                 html.escape(str(row["error"]))]
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("stack", "status", "seconds", "iterations",
                                             "training PSNR (dB)", "result", "error"))
    return ("<!doctype html><meta charset='utf-8'><title>invcam batch</title>"
            "<style>body{font-family:sans-serif}td,th{padding:4px 8px;text-align:left;"
            "vertical-align:top}tr:nth-child(even){background:#f4f4f4}</style>"
            f"<h1>invcam batch</h1><table><tr>{head}</tr>{''.join(lines)}</table>\n")


def write_summary(out: Path, state: dict, targets: dict[str, Path]) -> list[dict]:
    """Write summary.csv and summary.html; return the rows."""
    table = rows(state, targets, out)
    write_text(out / "summary.csv", csv_text(table))
    write_text(out / "summary.html", html_text(table, out))
    return table


__all__ = ["csv_text", "html_text", "rows", "write_summary"]
