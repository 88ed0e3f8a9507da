"""Output folders that never cost the user a file: a manifest, overlap checks and a lock.

Every folder invcam writes holds ``.invcam-manifest.json``, the files invcam wrote there
(relative POSIX paths). ``--force`` replaces only those: a folder holding anything else
is refused before any work starts, naming one such file. An output folder must not be,
contain or lie inside an input, must be writable before a fit starts, and a fit holds an
exclusive lock on it (``.invcam.lock``, released by the kernel when the process dies).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from invcam.errors import InvcamError, OptionError
from invcam.io.atomic import write_text

MANIFEST = ".invcam-manifest.json"
LOCK = ".invcam.lock"
INTERNAL = (MANIFEST, LOCK)


def read_manifest(folder: Path) -> set[str]:
    """The files (relative POSIX paths) that invcam recorded writing in ``folder``."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return set()
    return {f for f in files if isinstance(f, str)} if isinstance(files, list) else set()


def manifest_text(files: Iterable[str]) -> str:
    """The manifest document listing ``files``."""
    return json.dumps({"tool": "invcam", "files": sorted(set(files))}, indent=1) + "\n"


def write_manifest(folder: Path, files: Iterable[str]) -> None:
    """Atomically record ``files`` as invcam's own in ``folder``."""
    write_text(folder / MANIFEST, manifest_text(files))


def _is_temp_of(name: str, owned: set[str]) -> bool:
    """True for a leftover temporary file of :func:`invcam.io.atomic.atomic_path` that
    was being written as one of the ``owned`` paths (``.stem.XXXXXXXX.suffix``)."""
    path = Path(name)
    for own in owned:
        target = Path(own)
        if target.parent == path.parent and path.name.startswith(f".{target.stem}.") \
                and path.suffix == target.suffix:
            return True
    return False


def files_in(folder: Path) -> list[str]:
    """Every file under ``folder`` (relative POSIX paths), invcam's internal ones excepted."""
    out = []
    for root, _, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        out += [(rel / n).as_posix() for n in names if n not in INTERNAL]
    return sorted(out)


def foreign_entries(folder: Path) -> list[str]:
    """Files and empty folders under ``folder`` that its manifest does not list."""
    owned = read_manifest(folder)
    foreign = [f for f in files_in(folder) if f not in owned and not _is_temp_of(f, owned)]
    for root, dirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder).as_posix()
        if rel != "." and not dirs and not [n for n in names if n not in INTERNAL] \
                and not any(o.startswith(rel + "/") for o in owned):
            foreign.append(rel + "/")
    return foreign


def check_replaceable(out: Path, force: bool) -> None:
    """Refuse an ``out`` that is a file or lies under one, or that holds anything when not
    ``force``, or anything invcam did not write (see the module doc) even with ``force``."""
    for parent in [out, *out.absolute().parents]:
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == out else f"lies under {parent}, which is a file"
            raise InvcamError(f"output {out} {what}")
        if parent.exists():
            break
    if not out.is_dir() or not any(p.name not in INTERNAL for p in out.iterdir()):
        return
    if not force:
        raise OptionError("force", f"output folder {out} exists and is not empty (use {{option}})")
    foreign = foreign_entries(out)
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise InvcamError(f"output folder {out} holds files invcam did not write "
                          f"({foreign[0]}{more}); {{option}} replaces only invcam's own "
                          "outputs: choose a new folder or move them away")


def check_apart(out: Path, inputs: Iterable[Path]) -> None:
    """Refuse an ``out`` that is, contains or lies inside one of ``inputs``."""
    o = out.resolve()
    for given in inputs:
        i = Path(given).resolve()
        if o == i:
            raise InvcamError(f"output {out} is the input {given}; choose another -o")
        if o.is_relative_to(i):
            raise InvcamError(f"output {out} lies inside the input {given}; choose another -o")
        if i.is_relative_to(o):
            raise InvcamError(f"output {out} contains the input {given}; choose another -o")


def check_writable(out: Path) -> None:
    """Create ``out`` (with its parents) and prove a file can be written in it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".invcam-probe.", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InvcamError(f"cannot write to output folder {out}: "
                          f"{exc.strerror or exc}") from exc


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another invcam run"


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock for the block; another holder is an InvcamError naming it."""
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InvcamError(f"cannot lock output folder {out}: {exc.strerror or exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InvcamError(f"output folder {out} is in use by {_holder(path)}; wait for it "
                              "to finish or choose another -o") from None
        now = datetime.datetime.now().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.write(fd, f"invcam pid {os.getpid()} on {socket.gethostname()} since {now}"
                 .encode())
        yield
        with contextlib.suppress(OSError):
            path.unlink()  # while still held; a run that dies leaves it, unlocked
    finally:
        os.close(fd)  # releases the lock


def _stamps(out: Path) -> dict[str, tuple[int, int, int]]:
    """Inode, modification time (ns) and size of every file under ``out``: a file whose
    stamp changed (invcam replaces files by renaming a new one in) was written since."""
    stamps = {}
    for rel in files_in(out):
        st = (out / rel).stat()
        stamps[rel] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return stamps


def _claim(out: Path, old: set[str], before: dict, remove: bool = True) -> None:
    """After a run into ``out``: files written since the stamps ``before`` (see
    :func:`_stamps`) join the manifest; files of the ``old`` manifest this run did not
    rewrite are removed (kept and still listed when not ``remove``: a run that failed)."""
    ours = []
    for rel, stamp in _stamps(out).items():
        if before.get(rel) != stamp or (rel in old and not remove):
            ours.append(rel)
        elif rel in old:
            (out / rel).unlink(missing_ok=True)
    write_manifest(out, ours)


@contextlib.contextmanager
def output_folder(out: Path, inputs: Iterable[Path], force: bool, resume: bool = False,
                  owns: tuple[str, ...] = ("model.pt",)) -> Iterator[Path]:
    """The output folder of a fit, checked before any work and locked while it runs.

    ``out`` must lie apart from ``inputs``; unless ``resume``, it must be new, empty, or
    (``force``) hold only invcam's files; it must be writable. On success the manifest
    lists what the run wrote, and invcam's older files it did not rewrite are removed.
    ``owns`` are listed from the start (a checkpoint written while a fit runs).
    """
    check_apart(out, inputs)
    if not resume:
        check_replaceable(out, force)
    check_writable(out)
    with locked(out):
        old = read_manifest(out)
        before = _stamps(out)
        write_manifest(out, old | set(owns))
        try:
            yield out
        except BaseException:
            with contextlib.suppress(OSError, InvcamError):
                _claim(out, old, before, remove=False)
            raise
        try:
            _claim(out, old, before)
        except OSError as exc:
            raise InvcamError(f"cannot update {out / MANIFEST}: {exc.strerror or exc}") from exc


__all__ = ["INTERNAL", "LOCK", "MANIFEST", "check_apart", "check_replaceable",
           "check_writable", "files_in",
           "output_folder", "foreign_entries", "locked", "manifest_text",
           "read_manifest", "write_manifest"]


def prepare_out_dir(out: str | os.PathLike, force: bool) -> Path:
    """Check that ``out`` is absent or empty, or with ``force`` holds only files invcam
    wrote (:func:`check_replaceable`), and return it as a Path."""
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
