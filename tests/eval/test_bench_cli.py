"""`invcam bench`: a tiny run whose table matches `invcam eval` on the same files."""

from __future__ import annotations

import json

import pytest

from invcam.cli import main
from invcam.io.ldr import read_ldr
from invcam.synth.realhdr import data_dir

REAL = data_dir() / "real"  # $INVCAM_DATA or ../shared/data
ALL_METHODS = ["ours", "two-stage", "debevec", "robertson", "mertens", "focus-stack"]


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "out"
    assert main(["bench", "--scenes", "demo", "--size", "48x64", "--iters", "20",
                 "--threads", "1", "--tool", "opencv", "--no-optional", "-o", str(out)]) == 0
    return out


def test_bench_writes_table_results_and_picture(bench_dir):
    results = json.loads((bench_dir / "results.json").read_text())
    scene = results["scenes"]["demo"]
    assert list(scene["methods"]) == ALL_METHODS and scene["gt_identical"] is True
    images = {m: r["images"] for m, r in scene["methods"].items()}
    assert images == {"ours": 3, "two-stage": 9, "debevec": 3, "robertson": 3, "mertens": 3,
                      "focus-stack": 3}
    assert scene["methods"]["ours"]["info"]["iterations"] == 20
    assert set(results["mean"]) == set(ALL_METHODS)
    picture = read_ldr(bench_dir / "compare_demo.png")
    assert picture.shape[0] > 200 and picture.shape[1] > 6 * 100
    table = (bench_dir / "table.md").read_text()
    assert "| ours |" in table and "## demo" in table and "PU21-PSNR" in table


def test_bench_numbers_match_invcam_eval(bench_dir, capsys):
    results = json.loads((bench_dir / "results.json").read_text())
    table = (bench_dir / "table.md").read_text()
    capsys.readouterr()
    for method, record in results["scenes"]["demo"]["methods"].items():
        assert main(["eval", record["pred"], record["gt"], "--json", "--no-optional"]) == 0
        scores = json.loads(capsys.readouterr().out)
        for key, value in record["metrics"].items():
            assert scores[key] == pytest.approx(value, rel=1e-12), (method, key)
        assert f"| {scores['psnr_mu']:.2f} | {scores['ssim_mu']:.3f} |" in table


def test_bench_on_an_exposure_bracket_predicts_held_out_photos(tmp_path):
    stack, out = tmp_path / "bracket", tmp_path / "real"
    assert main(["synth", str(stack), "--layout", "exposure", "--size", "32x48"]) == 0
    assert main(["bench", "--real", str(stack), "--iters", "60", "--threads", "1",
                 "--real-count", "3", "--real-holdouts", "1", "-o", str(out)]) == 0
    real = json.loads((out / "results.json").read_text())["real"]
    assert [r["held_out"] for r in real["holdouts"]] == ["img_01.png"]
    assert real["holdouts"][0]["train"] == ["img_02.png", "img_00.png"]  # longest first
    # a held-out photo predicted by a short fit, tied to Debevec's prediction of it
    assert real["mean_psnr"]["debevec"] > 15
    assert real["mean_psnr"]["ours"] > real["mean_psnr"]["debevec"] - 5.0
    assert (out / "compare_real_bracket.png").stat().st_size > 0
    assert "| **mean** |" in (out / "table.md").read_text()


@pytest.mark.skipif(not (REAL / "memorial").is_dir(), reason="shared/data not present")
def test_bench_real_memorial_subset(tmp_path):
    out = tmp_path / "mem"
    assert main(["bench", "--real", str(REAL / "memorial"), "--size", "48x32", "--iters", "5",
                 "--threads", "1", "--real-count", "3", "--real-holdouts", "1",
                 "-o", str(out)]) == 0
    real = json.loads((out / "results.json").read_text())["real"]
    assert real["subset"] == ["memorial0067.png", "memorial0068.png", "memorial0069.png"]
    assert real["size_hw"] == [48, 32] and real["mean_psnr"]["debevec"] > 20


@pytest.mark.parametrize("args, message", [
    (["--scenes", "atlantis"], "unknown scene 'atlantis'"),
    (["--methods", "ours", "magic"], "unknown method 'magic'"),
    (["--iters", "0"], "argument --iters: '0' is not a whole number"),
    (["--size", "8x8"], "between 16 and 8192"),
    (["--real", str(REAL / "lytro" / "lytro_01")], "needs known exposure times"),
    (["--real", "MISSING_DIR"], "does not exist"),
])
def test_bench_bad_input_gives_one_line(tmp_path, capsys, args, message):
    if "lytro" in " ".join(args) and not (REAL / "lytro").is_dir():
        pytest.skip("shared/data not present")
    assert main(["bench", *args, "-o", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("invcam: error:") and message in err and "\n" not in err


def test_bench_refuses_a_non_empty_output(tmp_path, capsys):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "keep.txt").write_text("x")
    assert main(["bench", "--scenes", "demo", "-o", str(tmp_path / "b")]) == 2
    assert "not empty" in capsys.readouterr().err


def test_bench_writes_a_report_with_every_result_under_one_slider(bench_dir):
    page = (bench_dir / "report.html").read_text()
    assert "http://" not in page and "https://" not in page
    start = page.index('id="data">') + len('id="data">')
    panels = json.loads(page[start:page.index("</script>", start)])["panels"]
    assert len(panels) == 1 + len(ALL_METHODS)  # the truth, then each method
    assert len({p["base_ev"] for p in panels}) == 1  # one display exposure for all
    assert "<table>" in page and "<td>ours</td>" in page  # table.md, as HTML
    for label in ["ground truth", *ALL_METHODS]:
        assert f"<b>{label}" in page
