"""The benchmark's written results: ``table.md`` (Markdown) and the numbers behind it."""

from __future__ import annotations

import math

COLUMNS = (  # (key, header, format)
    ("psnr_mu", "PSNR-μ ↑", ".2f"), ("ssim_mu", "SSIM-μ ↑", ".3f"),
    ("psnr_l", "PSNR-L ↑", ".2f"), ("ssim_l", "SSIM-L ↑", ".3f"),
    ("pu21_psnr", "PU21-PSNR ↑", ".2f"), ("pu21_ssim", "PU21-SSIM ↑", ".3f"),
    ("hdr_flip", "HDR-FLIP ↓", ".3f"), ("jod", "JOD ↑", ".2f"), ("lpips", "LPIPS ↓", ".3f"),
    ("misreg_median_px", "misreg px ↓", ".2f"), ("misreg_p95_px", "misreg p95 px ↓", ".2f"),
    ("top_ratio", "top ratio →1", ".2f"),
)
OPTIONAL_KEYS = ("jod", "lpips")
DISPLAY_REFERRED = ("mertens", "focus-stack")
IRRADIANCE_ONLY = ("top_ratio",)  # meaningless for display-referred output: left blank


def mean_over_scenes(scenes: dict) -> dict:
    """Per method, the mean of each metric, image count and wall time over the scenes."""
    methods: dict[str, list[dict]] = {}
    for entry in scenes.values():
        for name, record in entry["methods"].items():
            methods.setdefault(name, []).append(record)
    means = {}
    for name, records in methods.items():
        keys = {k for r in records for k in r["metrics"]}
        metrics = {k: sum(r["metrics"][k] for r in records if k in r["metrics"])
                   / sum(1 for r in records if k in r["metrics"]) for k in sorted(keys)}
        means[name] = {"metrics": metrics, "scenes": len(records),
                       "images": records[0]["images"],
                       "wall_s": sum(r["wall_s"] for r in records) / len(records)}
    return means


def _columns(rows: dict) -> list[tuple[str, str, str]]:
    present = {k for r in rows.values() for k in r["metrics"]}
    return [c for c in COLUMNS if c[0] not in OPTIONAL_KEYS or c[0] in present]


def _fmt(value: float | None, spec: str) -> str:
    if value is None or math.isnan(value):
        return "–"
    return "∞" if math.isinf(value) else format(value, spec)


def markdown_table(rows: dict) -> str:
    """A Markdown table with one row per method; ``rows[method]`` has ``metrics``,
    ``images`` and ``wall_s``."""
    cols = _columns(rows)
    head = ["method", *(c[1] for c in cols), "images", "wall s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in rows.items():
        hidden = IRRADIANCE_ONLY if name in DISPLAY_REFERRED else ()
        cells = [_fmt(None if k in hidden else r["metrics"].get(k), spec)
                 for k, _, spec in cols]
        label = f"{name} †" if name in DISPLAY_REFERRED else name
        lines.append("| " + " | ".join([label, *cells, str(r["images"]),
                                        f"{r['wall_s']:.1f}"]) + " |")
    return "\n".join(lines) + "\n"


def _notes(results: dict) -> list[str]:
    opts = results["options"]
    budget = f"{opts['iters']} iterations" if opts["iters"] else f"{opts['minutes']} min"
    notes = [
        f"ours: `invcam fit` fast preset, {budget} per scene, 3-image diagonal layout; "
        "two-stage: all 9 images (3 focus × 3 exposure); debevec, robertson, mertens: the "
        "same 3 diagonal images; focus-stack: the 3 focus images of the middle exposure.",
        "Scores after one global scale and normalization by the ground truth's 99.9th "
        "percentile (see `invcam eval`). † display-referred output (no radiance "
        "recovered): compare it in the μ-law columns.",
        "misreg: median and 95th-percentile local shift (px) against the truth, from ECC "
        "registration of log luminance in 32 px textured windows; top ratio: median "
        "predicted / true luminance over the brightest 10% of true pixels (1 is right; not "
        "shown for †). PSNR-μ per luminance band (psnr_mu_low / _mid / _high) is in "
        "results.json.",
    ]
    fusions = sorted({str(r["info"].get("fusion")) for s in results["scenes"].values()
                      for r in s["methods"].values() if r["info"].get("fusion")})
    if fusions:
        notes.append(f"focus fusion used: {', '.join(fusions)}.")
    missing = sorted({k for s in results["scenes"].values() for r in s["methods"].values()
                      for k in r.get("unavailable", {})})
    if missing:
        notes.append(f"not available on this machine: {', '.join(missing)}.")
    return notes


def synthetic_markdown(results: dict) -> str:
    """``table.md`` of a synthetic run: the mean table, notes, then one table per scene."""
    parts = [f"# invcam bench — mean over {len(results['scenes'])} scene(s)\n",
             markdown_table(results["mean"]), ""]
    parts += [f"- {n}" for n in _notes(results)]
    return "\n".join(parts + scene_sections(results["scenes"])) + "\n"


TEST_LABEL = "test set (never tuned on)"


def scene_sections(scenes: dict) -> list[str]:
    """Per-scene tables: tuning scenes first; test-set scenes (``entry["set"] == "test"``)
    in a separate section headed by their own mean table. Returns Markdown lines."""
    parts: list[str] = []
    tuning = {k: v for k, v in scenes.items() if v.get("set", "tuning") != "test"}
    test = {k: v for k, v in scenes.items() if v.get("set") == "test"}
    for scene, entry in tuning.items():
        parts += ["", f"## {scene}\n", markdown_table(entry["methods"])]
    if test:
        parts += ["", f"## {TEST_LABEL[0].upper() + TEST_LABEL[1:]} — mean over "
                  f"{len(test)} scene(s)\n", markdown_table(mean_over_scenes(test))]
    for scene, entry in test.items():
        parts += ["", f"### {scene} — {TEST_LABEL}\n", markdown_table(entry["methods"])]
    return parts


def real_markdown(real: dict, opts: dict) -> str:
    """``table.md`` of a ``--real`` run: PSNR of each held-out exposure's prediction."""
    budget = f"{opts['iters']} iterations" if opts["iters"] else f"{opts['minutes']} min"
    h, w = real["size_hw"]
    lines = [f"# invcam bench --real {real['stack']}\n",
             f"Held-out exposure prediction, {w}×{h} (W×H): {real['choice']}. "
             f"Ours: fast preset, {budget} per fit, rendered through the learned response; "
             "Debevec: OpenCV CRF + merge, the radiance × t through its recovered response. "
             "PSNR (dB) against the real photo, display values, inside a "
             f"{real['frame_px']}-pixel frame "
             "(the photos' blue alignment borders differ from photo to photo).\n",
             "| held out | exposure (s) | ours ↑ | Debevec ↑ |", "|---|---|---|---|"]
    for r in real["holdouts"]:
        lines.append(f"| {r['held_out']} | {r['exposure']:.4g} | {r['psnr']['ours']:.2f} | "
                     f"{r['psnr']['debevec']:.2f} |")
    m = real["mean_psnr"]
    lines.append(f"| **mean** | | **{m['ours']:.2f}** | **{m['debevec']:.2f}** |")
    lines.append(f"\nSubset: {', '.join(real['subset'])}.")
    return "\n".join(lines) + "\n"
