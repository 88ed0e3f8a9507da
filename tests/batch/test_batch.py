"""``invcam batch``: finding stacks, fitting each (local subprocesses or Ray tasks),
skipping done ones, recording failures without stopping."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from invcam.batch import find_stacks
from invcam.cli import main
from invcam.io.hdr import read_exr
from invcam.synth import write_synth

pytestmark = pytest.mark.slow  # every test here runs or shares a fit

SIZE = (32, 48)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """Two good stacks (one nested) and one whose stack.json names a missing file."""
    base = tmp_path_factory.mktemp("batch") / "shoot"
    write_synth(base / "a", size=SIZE, seed=1)
    write_synth(base / "sub" / "b", size=SIZE, seed=2, scene="studio")
    (base / "broken").mkdir(parents=True)
    (base / "broken" / "stack.json").write_text(
        json.dumps({"images": [{"file": "gone.png"}, {"file": "gone2.png"}]}))
    return base


def _summary(out: Path) -> dict[str, dict]:
    with open(out / "summary.csv", newline="") as fh:
        return {row["stack"]: row for row in csv.DictReader(fh)}


def test_find_stacks_skips_gt_hidden_folders_and_the_output(root):
    (root / ".cache").mkdir(exist_ok=True)
    jobs = find_stacks(root, exclude=root / "fits")
    assert [j.rel for j in jobs] == ["a", "broken", "sub/b"]


@pytest.fixture(scope="module")
def local_run(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("bout") / "fits"
    code = main(["batch", str(root), "-o", str(out), "--iters", "3", "--workers", "1"])
    return out, code


def test_a_local_batch_fits_each_stack_and_records_the_failure(local_run, capsys):
    out, code = local_run
    assert code == 2  # one stack failed: the batch says so, after fitting the others
    rows = _summary(out)
    assert {k: r["status"] for k, r in rows.items()} == {"a": "ok", "broken": "failed",
                                                         "sub/b": "ok"}
    assert "gone.png" in rows["broken"]["error"] and "error:" in rows["broken"]["error"]
    assert (out / "sub" / "b" / "radiance.exr").is_file()
    assert "sub/b/preview.png" in (out / "summary.html").read_text()


def test_a_batch_fit_equals_the_single_fit(local_run, root, tmp_path):
    out, _ = local_run
    single = tmp_path / "single"
    threads = json.loads((out / "a" / "fit.json").read_text())["threads"]
    assert main(["fit", str(root / "a"), "-o", str(single), "--iters", "3",
                 "--threads", str(threads)]) == 0
    ours, theirs = read_exr(out / "a" / "radiance.exr"), read_exr(single / "radiance.exr")
    assert np.allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_a_second_run_skips_the_done_stacks_and_retries_the_failed(local_run, root, capsys):
    out, _ = local_run
    before = (out / "a" / "model.pt").stat().st_mtime_ns
    assert main(["batch", str(root), "-o", str(out), "--iters", "3", "--workers", "1"]) == 2
    printed = capsys.readouterr().out
    assert "a: already fitted with these settings, skipped" in printed
    assert "broken: failed" in printed
    assert (out / "a" / "model.pt").stat().st_mtime_ns == before


def test_changed_settings_fit_again(local_run, root, capsys):
    out, _ = local_run
    main(["batch", str(root), "-o", str(out), "--iters", "4", "--workers", "1"])
    assert json.loads((out / "a" / "fit.json").read_text())["iterations"] == 4


def test_a_ray_batch_gives_the_same_statuses(root, tmp_path, capsys):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        out = tmp_path / "fits"
        code = main(["batch", str(root), "-o", str(out), "--iters", "3", "--engine", "ray"])
    finally:
        ray.shutdown()
    assert code == 2
    assert {k: r["status"] for k, r in _summary(out).items()} == {
        "a": "ok", "broken": "failed", "sub/b": "ok"}
    threads = json.loads((out / "a" / "fit.json").read_text())["threads"]
    single = tmp_path / "single"
    assert main(["fit", str(root / "a"), "-o", str(single), "--iters", "3",
                 "--threads", str(threads)]) == 0
    assert np.allclose(read_exr(out / "a" / "radiance.exr"), read_exr(single / "radiance.exr"),
                       rtol=1e-4, atol=1e-6)


def test_a_batch_refuses_an_output_inside_a_stack(root, capsys):
    assert main(["batch", str(root), "-o", str(root / "a" / "fits"), "--iters", "3"]) == 2
    assert "lies inside the input" in capsys.readouterr().err


def test_plan_resumes_an_interrupted_fit_and_refits_changed_settings(tmp_path):
    from invcam.batch.discover import Job
    from invcam.batch.run import plan

    job, target = Job(tmp_path / "s", "s"), tmp_path / "out" / "s"
    assert plan(job, target, ["--iters", "3"], {}) == "new"
    target.mkdir(parents=True)
    (target / "model.pt").write_bytes(b"checkpoint")
    state = {"s": {"settings": ["--iters", "3"], "status": "failed"}}
    assert plan(job, target, ["--iters", "3"], state) == "resume"  # killed or failed late
    state["s"]["status"] = "ok"
    assert plan(job, target, ["--iters", "3"], state) == "skip"
    assert plan(job, target, ["--iters", "4"], state) == "force"  # settings changed


def test_a_killed_batch_resumes_its_running_fit(root, tmp_path, capsys):
    """The state says "running" while a fit runs; with its model.pt there, the next run
    continues it with --resume instead of starting over."""
    from invcam.batch.run import STATE

    out = tmp_path / "fits"
    assert main(["batch", str(root / "a"), "-o", str(out), "--iters", "3"]) == 0
    state = json.loads((out / STATE).read_text())
    state["stacks"]["."]["status"] = "running"  # as if killed during the fit
    (out / STATE).write_text(json.dumps(state))
    assert main(["batch", str(root / "a"), "-o", str(out), "--iters", "3"]) == 0
    entry = json.loads((out / STATE).read_text())["stacks"]["."]
    assert entry["status"] == "ok" and entry["run"] == "resume"
