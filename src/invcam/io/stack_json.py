"""``stack.json``: the file that lists a stack's images with their exposure times and roles.

See the README's "Input" section for the format; :func:`parse_stack_json` turns it into
:class:`Entry` records (an image listed, before its pixels are read).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from invcam.errors import InvcamError
from invcam.io.exif import ExposureSettings

EXPOSURE_RANGE = (1e-7, 1e5)


@dataclass(frozen=True)
class Entry:
    """A listed image before its pixels are read; ``source`` None means "ask EXIF"."""

    file: str
    path: Path
    exposure: float | None
    source: str | None
    meta: dict
    settings: ExposureSettings | None = None


def sane_exposure(value: object) -> bool:
    """True for a number of seconds within ``EXPOSURE_RANGE``."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and math.isfinite(value) and EXPOSURE_RANGE[0] <= value <= EXPOSURE_RANGE[1]


def load_json(json_path: Path) -> object:
    try:
        text = json_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvcamError(f"{json_path}: cannot read ({exc})") from exc
    try:
        return json.loads(text)
    except RecursionError:
        raise InvcamError(f"{json_path}: nested too deeply to be a stack description") from None
    except json.JSONDecodeError as exc:
        raise InvcamError(
            f"{json_path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc


def parse_stack_json(json_path: Path, root: Path) -> list[Entry]:
    data = load_json(json_path)
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise InvcamError(f'{json_path}: expected an object with an "images" list')
    if not data["images"]:
        raise InvcamError(f'{json_path}: "images" is empty')
    entries, seen = [], {}
    for i, item in enumerate(data["images"]):
        entry = parse_entry(json_path, root, i, item)
        key = entry.path.resolve()
        if key in seen:
            raise InvcamError(
                f"{json_path}: images[{i}] lists {entry.file} again (already images[{seen[key]}])"
            )
        seen[key] = i
        entries.append(entry)
    refs = [e.file for e in entries if e.meta.get("role") == "reference"]
    if len(refs) > 1:
        raise InvcamError(f'{json_path}: more than one "role": "reference" ({", ".join(refs)})')
    return entries


def parse_entry(json_path: Path, root: Path, i: int, item: object) -> Entry:
    where = f"{json_path}: images[{i}]"
    if not isinstance(item, dict):
        raise InvcamError(f'{where} must be an object like {{"file": "a.png", "exposure": 0.25}}')
    file = item.get("file")
    if not isinstance(file, str) or not file:
        raise InvcamError(f'{where} has no "file" (a file name in {root})')
    path = root / file
    if Path(file).is_absolute() or os.path.normpath(file).split(os.sep)[0] == "..":
        raise InvcamError(f"{where} names {file}, which lies outside the stack folder {root}; "
                          "list only files inside it")
    if not path.is_file():
        raise InvcamError(f"{where} names {file}, which is not a file in {root}")
    meta = {k: v for k, v in item.items() if k not in ("file", "exposure")}
    if "exposure" not in item:
        return Entry(file, path, None, None, meta)
    value = item["exposure"]
    if value is None:
        return Entry(file, path, None, "unknown", meta)
    if not sane_exposure(value):
        low, high = EXPOSURE_RANGE
        raise InvcamError(f'{where} ({file}): "exposure" must be a number of seconds from '
                          f"{low:g} to {high:g}, got {value!r}")
    return Entry(file, path, float(value), "stack.json", meta)
