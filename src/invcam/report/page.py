"""``report.html``: one self-contained page (no network, no server) built from
:func:`invcam.report.data.gather`; the HDR image is tone-mapped in the page."""

from __future__ import annotations

import html
import json
import math

from invcam.photometry import format_exposure

STYLE = """body{font-family:sans-serif;margin:1.5em;max-width:1300px}
.row{display:flex;gap:12px;flex-wrap:wrap;align-items:flex-start}
.card{border:1px solid #ccc;padding:6px;font-size:13px}
.card img{display:block;max-width:320px}
canvas,#seen{max-width:100%;image-rendering:pixelated}
pre{background:#f4f4f4;padding:8px;overflow:auto;max-height:360px}
label{margin-right:1em}"""

PAINT = """
function decode(H) {
  const bytes = Uint8Array.from(atob(H.codes), c => c.charCodeAt(0));
  const codes = new Uint16Array(bytes.buffer), lin = new Float32Array(codes.length);
  const step = (H.hi - H.lo) / 65535;
  for (let i = 0; i < codes.length; i++) lin[i] = Math.pow(2, H.lo + codes[i] * step);
  return lin;
}
const MAPS = {
  clip: x => x,
  reinhard: x => x / (1 + x),
  filmic: x => (x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14),
};
function paint(canvas, H, lin, ev, mapName) {
  canvas.width = H.width; canvas.height = H.height;
  const ctx = canvas.getContext('2d'), out = ctx.createImageData(H.width, H.height);
  const scale = Math.pow(2, H.base_ev + ev), map = MAPS[mapName], px = out.data;
  for (let p = 0, n = H.width * H.height; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const y = Math.min(Math.max(map(lin[3 * p + c] * scale), 0), 1);
      px[4 * p + c] = Math.round(255 * Math.pow(y, 1 / 2.2));
    }
    px[4 * p + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}
function controls() {
  const ev = parseFloat(document.getElementById('ev').value);
  document.getElementById('evlabel').textContent = (ev > 0 ? '+' : '') + ev.toFixed(1) + ' EV';
  return [ev, document.getElementById('map').value];
}
"""

SCRIPT = PAINT + """
const D = JSON.parse(document.getElementById('data').textContent);
const H = D.hdr, canvas = document.getElementById('hdr'), lin = decode(H);
function draw() { const [ev, map] = controls(); paint(canvas, H, lin, ev, map); }
function view() {
  const v = document.getElementById('view').value, seen = document.getElementById('seen');
  const input = document.getElementById('input');
  if (v === 'hdr') { canvas.style.display = ''; seen.style.display = 'none';
                     input.style.display = 'none'; return; }
  const im = D.images[parseInt(v)], blurred = document.getElementById('asseen').checked;
  canvas.style.display = 'none'; seen.style.display = '';
  seen.src = blurred ? im.seen : im.sharp;
  input.style.display = im.input ? '' : 'none'; if (im.input) input.src = im.input;
}
function frame() {
  const k = parseInt(document.getElementById('frame').value);
  document.getElementById('frameimg').src = D.frames[k];
  document.getElementById('framelabel').textContent = 'frame ' + k;
}
document.getElementById('ev').addEventListener('input', draw);
document.getElementById('map').addEventListener('change', draw);
document.getElementById('view').addEventListener('change', view);
document.getElementById('asseen').addEventListener('change', view);
if (D.frames.length) document.getElementById('frame').addEventListener('input', frame);
draw(); view(); if (D.frames.length) frame();
"""

CONTROLS = """<label>exposure <input type="range" id="ev" min="-8" max="8" step="0.1" value="0">
<span id="evlabel"></span></label>
<label>mapping <select id="map"><option value="clip">clip</option>
<option value="reinhard" selected>Reinhard</option><option value="filmic">filmic</option>
</select></label>"""


def _cards(images: list[dict]) -> str:
    cards = []
    for i, im in enumerate(images):
        focus = f", focus {im['focus_distance']} m" if im.get("focus_distance") else ""
        psnr = f", fit {im['train_psnr']:.1f} dB" if im.get("train_psnr") else ""
        pics = "".join(f'<img src="{im[k]}" alt="{k} {i}" title="{t}">'
                       for k, t in (("input", "input"), ("seen", "as the model sees it"))
                       if im.get(k))
        cards.append(f'<div class="card"><b>{i}: {html.escape(str(im["file"]))}</b><br>'
                     f"{format_exposure(im.get('exposure_s'))}{focus}{psnr}{pics}</div>")
    return '<div class="row">' + "".join(cards) + "</div>"


def loss_svg(points: list[list[float]], width: int = 640, height: int = 200) -> str:
    """The loss against iterations, log scale, as an inline SVG polyline."""
    points = [(x, y) for x, y in points if y > 0 and math.isfinite(y)]
    if len(points) < 2:
        return "<p>no loss log</p>"
    xs, ys = [p[0] for p in points], [math.log10(p[1]) for p in points]
    x0, x1, y0, y1 = min(xs), max(xs) or 1, min(ys), max(ys)
    pts = " ".join(f"{(x - x0) / max(x1 - x0, 1e-9) * (width - 20) + 10:.1f},"
                   f"{height - 10 - (y - y0) / max(y1 - y0, 1e-9) * (height - 20):.1f}"
                   for x, y in zip(xs, ys, strict=True))
    return (f'<svg width="{width}" height="{height}" id="loss"><polyline points="{pts}" '
            'fill="none" stroke="#c33" stroke-width="1.5"/></svg>'
            f"<br><small>loss {10 ** y1:.3g} … {10 ** y0:.3g} (log scale), iterations "
            f"{x0:.0f} … {x1:.0f}</small>")


def render_page(data: dict, title: str) -> str:
    """The whole page."""
    options = "".join(f'<option value="{i}">as image {i} saw it ({html.escape(im["file"])})'
                      "</option>" for i, im in enumerate(data["images"]) if im.get("seen"))
    frames = ""
    if data["frames"]:
        frames = (f'<h2>Frames</h2><input type="range" id="frame" min="0" '
                  f'max="{len(data["frames"]) - 1}" value="0"> <span id="framelabel"></span>'
                  '<br><img id="frameimg" alt="frame">')
    plots = "".join(f'<img src="{data[k]}" alt="{k}" style="max-width:48%">'
                    for k in ("crf", "blur") if data.get(k))
    payload = json.dumps(data).replace("</", "<\\/")
    fit = json.dumps(data["fit"], indent=1, default=str)
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>All-in-focus HDR result; exposure and display mapping are applied here, in the page.</p>
<div>{CONTROLS}
<label>show <select id="view"><option value="hdr">all in focus (HDR)</option>{options}
</select></label>
<label><input type="checkbox" id="asseen" checked> with image i's learned blur (off: all
in focus, same exposure and response)</label></div>
<div class="row"><canvas id="hdr"></canvas><img id="seen" alt="as seen">
<img id="input" alt="input"></div>
<h2>Inputs, and the scene as each saw it (learned blur, geometry, exposure, response)</h2>
{_cards(data["images"])}
{frames}
<h2>Learned response curves and blur</h2><div>{plots}</div>
<h2>Loss</h2>{loss_svg(data["loss"])}
<h2>Settings and timings (fit.json)</h2><pre>{html.escape(fit)}</pre>
<script type="application/json" id="data">{payload}</script>
<script>{SCRIPT}</script></body></html>
"""


__all__ = ["CONTROLS", "PAINT", "STYLE", "loss_svg", "render_page"]
