"""Faults that could cost the user files or a finished fit (issue #12, cases 1-5)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat

import numpy as np
import pytest
from reliability_helpers import one_line_error, run, snapshot

from invcam.errors import InvcamError
from invcam.io import outdir
from invcam.io.outdir import MANIFEST, locked


def test_synth_force_in_a_folder_of_user_files_refuses_and_deletes_nothing(
        tmp_path, monkeypatch, capsys):
    (tmp_path / "holiday.jpg").write_bytes(b"user data")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("mine")
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["synth", ".", "--force", "--size", "32x48"], capsys)
    one_line_error(code, err, "did not write")
    assert snapshot(tmp_path) == before


def test_synth_into_the_empty_current_folder_writes_the_stack_there(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["synth", ".", "--size", "32x48"], capsys)
    assert code == 0, err
    assert (tmp_path / "stack.json").is_file() and (tmp_path / MANIFEST).is_file()


def test_synth_force_replaces_only_its_own_earlier_output_with_usual_permissions(
        tmp_path, capsys):
    out = tmp_path / "s"
    assert run(["synth", out, "--size", "32x48", "--scene", "studio"], capsys)[0] == 0
    (out / "gt" / "depth.exr").unlink()  # a user may delete outputs; that is fine
    assert run(["synth", out, "--size", "32x48", "--force"], capsys)[0] == 0
    meta = json.loads((out / "gt" / "scene.json").read_text())
    assert meta["scene"] == "demo"
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~_umask()
    listed = set(json.loads((out / MANIFEST).read_text())["files"])
    assert listed == {p.relative_to(out).as_posix() for p in out.rglob("*")
                      if p.is_file() and p.name != MANIFEST}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_fit_force_into_the_folder_holding_its_input_refuses_and_keeps_the_input(
        tiny_stack, tmp_path, capsys):
    parent = tmp_path / "parent"
    shutil.copytree(tiny_stack, parent / "frames")
    before = snapshot(parent)
    code, _, err = run(["fit", parent / "frames", "-o", parent, "--force", "--iters", "2",
                        "--motion", "dynamic"], capsys)
    one_line_error(code, err, "contains the input")
    assert snapshot(parent) == before


@pytest.mark.parametrize("where", ["same", "inside"])
def test_fit_output_that_is_or_lies_inside_the_input_is_refused(stack_copy, capsys, where):
    out = stack_copy if where == "same" else stack_copy / "fit"
    before = snapshot(stack_copy)
    code, _, err = run(["fit", stack_copy, "-o", out, "--force", "--iters", "2"], capsys)
    one_line_error(code, err, "input")
    assert snapshot(stack_copy) == before


def test_fit_force_replaces_its_own_outputs_and_removes_its_stale_ones(
        tiny_stack, tiny_fit, tmp_path, capsys):
    out = shutil.copytree(tiny_fit, tmp_path / "fit")
    (out / "atlas.exr").write_bytes(b"from an older dynamic fit")
    listed = json.loads((out / MANIFEST).read_text())["files"] + ["atlas.exr"]
    (out / MANIFEST).write_text(json.dumps({"tool": "invcam", "files": listed}))
    code, _, err = run(["fit", tiny_stack, "-o", out, "--force", "--iters", "2"], capsys)
    assert code == 0, err
    assert not (out / "atlas.exr").exists() and (out / "radiance.exr").is_file()


def test_an_unwritable_output_is_found_before_the_fit(tiny_stack, tmp_path, capsys,
                                                      monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(outdir.tempfile, "mkstemp", read_only)
    code, _, err = run(["fit", tiny_stack, "-o", tmp_path / "out", "--iters", "2"], capsys)
    one_line_error(code, err, "Read-only file system", "out")
    assert "registering" not in err  # nothing was fitted


def test_a_final_save_that_fails_keeps_the_model_in_a_rescue_folder(
        tiny_stack, tmp_path, capsys, monkeypatch):
    import invcam.io.checkpoint as ckpt

    real_save = ckpt.save_checkpoint
    out = tmp_path / "out"

    def failing(path, state, meta):
        if str(path).startswith(str(out)):
            raise ckpt.InvcamError(f"cannot write {path}: No space left on device")
        real_save(path, state, meta)

    monkeypatch.setattr(ckpt, "save_checkpoint", failing)
    monkeypatch.setattr(ckpt.tempfile, "gettempdir", lambda: str(tmp_path))
    code, _, err = run(["fit", tiny_stack, "-o", out, "--iters", "2"], capsys)
    one_line_error(code, err, "No space left", "kept in")
    rescued = list(tmp_path.glob("invcam-rescue-*/model.pt"))
    assert len(rescued) == 1 and str(rescued[0]) in err
    assert run(["render", rescued[0], "-o", tmp_path / "r.png", "--ev", "0"], capsys)[0] == 0


def test_a_second_fit_into_a_folder_in_use_names_the_holder(tiny_stack, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with locked(out):
        code, _, err = run(["fit", tiny_stack, "-o", out, "--iters", "2"], capsys)
    one_line_error(code, err, "in use by invcam pid", str(os.getpid()))
    assert not (out / "model.pt").exists()


def test_resume_on_another_stack_of_the_same_shape_is_refused(
        tiny_fit, stack_copy, tmp_path, capsys):
    out = shutil.copytree(tiny_fit, tmp_path / "fit")
    model = (out / "model.pt").read_bytes()
    path = stack_copy / "img_00.png"
    import cv2

    img = cv2.imread(str(path))
    cv2.imwrite(str(path), np.ascontiguousarray(img[::-1]))
    code, _, err = run(["fit", stack_copy, "-o", out, "--resume", "--iters", "5"], capsys)
    one_line_error(code, err, "another stack", "pixels")
    assert (out / "model.pt").read_bytes() == model


def test_resume_on_a_stack_of_another_size_is_refused(tiny_fit, tmp_path, capsys):
    from invcam.synth import write_synth

    other = write_synth(tmp_path / "other", size=(48, 64), seed=3)
    out = shutil.copytree(tiny_fit, tmp_path / "fit")
    code, _, err = run(["fit", other, "-o", out, "--resume", "--iters", "5"], capsys)
    one_line_error(code, err, "another stack", "image size")


def test_a_fit_that_fails_while_writing_outputs_can_be_replaced_with_force(
        tiny_stack, tmp_path, capsys, monkeypatch):
    import invcam.app.outputs as fit_outputs

    def half_written(out, result, stack, extra):
        (out / "radiance.exr").write_bytes(b"partial")
        raise InvcamError("cannot write fit.json: No space left on device")

    monkeypatch.setattr(fit_outputs, "write_fit_outputs", half_written)
    out = tmp_path / "out"
    code, _, err = run(["fit", tiny_stack, "-o", out, "--iters", "2"], capsys)
    one_line_error(code, err, "No space left")
    assert "radiance.exr" in json.loads((out / MANIFEST).read_text())["files"]
    monkeypatch.undo()
    code, _, err = run(["fit", tiny_stack, "-o", out, "--iters", "2", "--force"], capsys)
    assert code == 0, err
