"""``report.html`` of ``invcam bench``: the table, and for each scene the truth, ours and
each baseline side by side under one exposure slider (each result scale-aligned to its
truth, all shown with the truth's display exposure, as the metrics compare them)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from invcam.io.atomic import write_text
from invcam.io.hdr import read_hdr_image
from invcam.metrics import align_scale
from invcam.report.data import encode_hdr
from invcam.report.page import CONTROLS, PAINT, STYLE

PANEL_SIDE = 400  # pixels of each picture in the page

SCRIPT = PAINT + """
const D = JSON.parse(document.getElementById('data').textContent);
const panels = [];
for (const [k, H] of D.panels.entries())
  panels.push([document.getElementById('panel' + k), H, decode(H)]);
function draw() {
  const [ev, map] = controls();
  for (const [canvas, H, lin] of panels) paint(canvas, H, lin, ev, map);
}
document.getElementById('ev').addEventListener('input', draw);
document.getElementById('map').addEventListener('change', draw);
draw();
"""


def markdown_table(text: str) -> str:
    """The pipe tables and paragraphs of ``table.md`` as HTML."""
    out, rows = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            if not set(line) <= set("|-: "):
                rows.append([html.escape(c.strip()) for c in line.strip("|").split("|")])
            continue
        if rows:
            head = "".join(f"<th>{c}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>"
                           for r in rows[1:])
            out.append(f"<table><tr>{head}</tr>{body}</table>")
            rows = []
        if line.strip():
            out.append(f"<p>{html.escape(line.lstrip('# '))}</p>")
    return "\n".join(out)


def scene_panels(entry: dict) -> list[tuple[str, dict]]:
    """``[(label, encoded HDR)]``: the truth, then each method scale-aligned to its truth."""
    truths: dict[str, object] = {}
    panels = []
    for name, record in entry["methods"].items():
        gt = truths.setdefault(record["gt"], read_hdr_image(record["gt"]))
        pred = read_hdr_image(record["pred"])
        psnr = record.get("metrics", {}).get("psnr_mu")
        label = f"{name}" + (f" ({psnr:.2f} dB PSNR-μ)" if psnr is not None else "")
        panels.append((label, pred * align_scale(pred, gt)))
    first = next(iter(truths.values()))
    truth = encode_hdr(first, PANEL_SIDE)
    coded = [("ground truth", truth)]
    for label, image in panels:
        enc = encode_hdr(image, PANEL_SIDE)
        coded.append((label, {**enc, "base_ev": truth["base_ev"]}))
    return coded


def write_bench_report(out: Path, results: dict, table_md: str) -> Path:
    """Write ``out/report.html`` for a synthetic bench's ``results``; returns its path."""
    panels, sections = [], []
    for scene, entry in results.get("scenes", {}).items():
        cells = []
        for label, enc in scene_panels(entry):
            cells.append(f'<div class="card"><b>{html.escape(label)}</b><br>'
                         f'<canvas id="panel{len(panels)}"></canvas></div>')
            panels.append(enc)
        sections.append(f"<h2>{html.escape(scene)}</h2><div class='row'>{''.join(cells)}</div>")
    payload = json.dumps({"panels": panels}).replace("</", "<\\/")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>invcam bench</title>
<style>{STYLE} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:2px 6px}}
</style></head><body><h1>invcam bench</h1>
{markdown_table(table_md)}
<h2>Results under one exposure</h2><p>Each result is scale-aligned to the ground truth
(as the metrics are); the slider moves every picture together.</p><div>{CONTROLS}</div>
{''.join(sections)}
<script type="application/json" id="data">{payload}</script>
<script>{SCRIPT}</script></body></html>
"""
    write_text(out / "report.html", page)
    return out / "report.html"


__all__ = ["markdown_table", "scene_panels", "write_bench_report"]
