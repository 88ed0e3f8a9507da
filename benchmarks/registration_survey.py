"""Where the joint feature registration starts D, against the synthetic truth (no fit).

For each scene, seed and size: synthesize the 3-image diagonal stack, run
`invcam.motion.joint_registration` (what a static fit starts from) and report, per
image, the median distance (px) over a 7 x 9 grid between where the registration puts
its pixels in the reference view and where the truth (scene.json's `from_reference`:
breathing and shake) puts them, whether a trusted pair placed the image at all, and the
spread the matches predict (`invcam.motion.joint.similarity_spread`: the least-squares
standard deviation, px, median over the same grid).

    .venv/bin/python benchmarks/registration_survey.py -o /tmp/bench/reg.json
    .venv/bin/python benchmarks/registration_survey.py --scenes bars text --sizes 300x450
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from invcam.motion.joint import frame_grid, joint_matches, solve_with_spread
from invcam.synth import list_scenes, synthesize

SCENES = ["studio", "window", "desk", "tree", "bars", "fence", "speculars", "text"]


def start_errors(mats: np.ndarray, records: list[dict], size: tuple[int, int]) -> list[float]:
    """Per image, the median error (px) of the ``(B, 3, 3)`` image -> reference
    similarities ``mats`` (pixel-centre coordinates) against the true geometry."""
    grid = frame_grid(size)
    ref = np.c_[grid, np.ones(len(grid))]
    out = []
    for mat, rec in zip(mats, records, strict=True):
        to_shot = np.vstack([np.asarray(rec["from_reference"]), [0.0, 0.0, 1.0]])
        shot = ref @ to_shot.T + np.array([0.5, 0.5, 0.0])  # OpenCV -> pixel centres
        back = shot @ mat.T
        back = back[:, :2] / back[:, 2:] - 0.5
        out.append(float(np.median(np.linalg.norm(back - ref[:, :2], axis=1))))
    return out


def survey(scene: str, size: tuple[int, int], seed: int) -> dict:
    res = synthesize(scene, layout="diagonal", size=size, seed=seed)
    records = res.meta["images"]
    reference = next(i for i, r in enumerate(records) if r.get("reference"))
    matches = joint_matches(list(res.images), [r["exposure"] for r in records], reference)
    mats, placed, spread = solve_with_spread(matches, len(records), reference, size)
    return {"scene": scene, "size": list(size), "seed": seed, "placed": placed.tolist(),
            "error_px": start_errors(mats, records, size),
            "spread_px": [None if np.isnan(v) else float(v) for v in spread]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", nargs="+", default=SCENES)
    ap.add_argument("--sizes", nargs="+", default=["300x450", "600x900"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("-o", "--out", type=Path, default=Path("registration_survey.json"))
    args = ap.parse_args()
    unknown = sorted(set(args.scenes) - {name for name, _ in list_scenes()})
    if unknown:
        ap.error(f"unknown scene(s) {', '.join(unknown)}; see invcam synth --list")
    rows = []
    print("| size | seed | scene | median error px per image (* not placed) "
          "| predicted spread px |")
    print("|---|---|---|---|---|")
    for size in args.sizes:
        hw = tuple(int(v) for v in size.split("x"))
        for seed in args.seeds:
            for scene in args.scenes:
                row = survey(scene, hw, seed)
                rows.append(row)
                cells = " / ".join(f"{e:.2f}{'' if ok else '*'}"
                                   for e, ok in zip(row["error_px"], row["placed"], strict=True))
                spread = " / ".join("–" if v is None else f"{v:.3f}" for v in row["spread_px"])
                print(f"| {size} | {seed} | {scene} | {cells} | {spread} |", flush=True)
    args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
