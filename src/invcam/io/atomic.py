"""Atomic output: write to a temporary file beside the target, then rename.

A crash, Ctrl-C or full disk never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from invcam.errors import InvcamError
from invcam.io.outdir import MANIFEST, check_replaceable, files_in, manifest_text, read_manifest


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; rename it onto ``path`` on success.

    The temporary name keeps ``path``'s suffix so writers that pick a format from the
    extension (OpenCV, Pillow) still work.
    """
    path = Path(path)
    if path.is_dir():
        raise InvcamError(f"cannot write {path}: it is a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise InvcamError(f"cannot write {path}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise InvcamError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Atomically write ``data`` to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    write_bytes(path, text.encode("utf-8"))


def write_with(path: str | os.PathLike, writer: Callable[[Path], None]) -> None:
    """Atomically write ``path`` by calling ``writer(tmp_path)``."""
    with atomic_path(path) as tmp:
        writer(tmp)


def prepare_out_dir(out: str | os.PathLike, force: bool) -> Path:
    """Check that ``out`` is absent or empty, or with ``force`` holds only files invcam
    wrote (:func:`invcam.io.outdir.check_replaceable`), and return it as a Path."""
    out = Path(out)
    check_replaceable(out, force)
    return out


def _usual_dir_mode(path: Path) -> None:
    """mkdtemp makes folders 0700; give a finished output the permissions of mkdir."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o777 & ~umask)


def install_dir(stage: Path, out: Path) -> None:
    """Put staged folder ``stage`` in place as ``out``, with a manifest of its files.

    A new ``out`` is one rename. An existing one (empty, or holding only invcam's files:
    checked again here) receives the staged files one rename each; then the files of its
    old manifest that were not rewritten are removed. Nothing else in it is touched.
    """
    names = files_in(stage)
    (stage / MANIFEST).write_text(manifest_text(names), encoding="utf-8")
    _usual_dir_mode(stage)
    if not out.exists():
        os.replace(stage, out)
        return
    check_replaceable(out, force=True)
    old = read_manifest(out)
    for rel in names:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, out / rel)
    os.replace(stage / MANIFEST, out / MANIFEST)
    for rel in sorted(old - set(names), reverse=True):
        (out / rel).unlink(missing_ok=True)
        for parent in (out / rel).parents:
            if parent == out or any(parent.iterdir()):
                break
            parent.rmdir()


@contextlib.contextmanager
def staged_dir(out: str | os.PathLike, force: bool) -> Iterator[Path]:
    """Yield a fresh staging folder; on success its files are installed as ``out``
    (:func:`install_dir`).

    Nothing appears under ``out`` unless the block completes, so a failure never leaves
    a half-written output folder, and ``out`` never loses a file invcam did not write.
    """
    out = prepare_out_dir(out, force)
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.absolute().name}.", dir=parent))
    except OSError as exc:
        raise InvcamError(f"cannot write {out}: {exc.strerror or exc}") from exc
    try:
        yield stage
        install_dir(stage, out)
    except OSError as exc:
        raise InvcamError(f"cannot write {out}: {exc.strerror or exc}") from exc
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
