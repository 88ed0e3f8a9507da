"""The package's layers point one way: checked from the source, so they stay true.

Every ``import`` of an ``invcam`` module counts, including those inside functions and
under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# The parts of the model (encodings, scene, camera) sit below the forward model, the
# losses and the loop that use them.
_MODEL_PARTS_MAY_NOT = ("invcam.method.fit", "invcam.method.fit_setup", "invcam.method.losses",
                        "invcam.method.imaging", "invcam.method.state", "invcam.method.render",
                        "invcam.method.init", "invcam.app", "invcam.cli", "invcam.bench",
                        "invcam.synth", "invcam.io", "invcam.report")

# Layer -> layers it may not import (the outer layers and the fit).
FORBIDDEN = {
    "invcam.io": ("invcam.method", "invcam.app", "invcam.cli", "invcam.bench", "invcam.synth",
                  "invcam.report", "invcam.batch", "invcam.baselines", "invcam.display"),
    "invcam.method.encodings": _MODEL_PARTS_MAY_NOT,
    "invcam.method.scene": _MODEL_PARTS_MAY_NOT,
    "invcam.method.camera": _MODEL_PARTS_MAY_NOT,
    "invcam.method": ("invcam.app", "invcam.cli", "invcam.bench", "invcam.synth", "invcam.io",
                      "invcam.report", "invcam.batch", "invcam.baselines"),
    "invcam.motion": ("invcam.method", "invcam.app", "invcam.cli", "invcam.bench",
                      "invcam.synth", "invcam.presets"),
    "invcam.photometry": ("invcam.",),
    "invcam.config": ("invcam.method", "invcam.io", "invcam.app", "invcam.cli"),
}
ALLOWED_LEAF = {"invcam.photometry": ("invcam.errors",)}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in (SRC / "invcam").rglob("*.py")}


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None]]:
    """``(module, imported name or None)`` for each invcam import in the file."""
    out = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names if a.name.startswith("invcam")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((full, None) if full in MODULES else (base, alias.name))
    return [(m, n) for m, n in out if m.startswith("invcam")]


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _within(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".") or (
        layer.endswith(".") and module.startswith(layer))


def _layer_of(name: str) -> str | None:
    """The most specific layer of FORBIDDEN that holds module ``name``."""
    layers = [layer for layer in FORBIDDEN if _within(name, layer)]
    return max(layers, key=len) if layers else None


def test_the_rules_see_the_package():
    assert "invcam.method.fit" in MODULES and "invcam.io.stack" in MODULES
    assert any(m == "invcam.method.imaging" for m, _ in GRAPH["invcam.method.fit"])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_an_outer_layer(name):
    layer = _layer_of(name)
    if layer is None:
        return
    allowed = ALLOWED_LEAF.get(layer, ())
    bad = sorted({m for m, _ in GRAPH[name]
                  if any(_within(m, f) for f in FORBIDDEN[layer])
                  and not any(_within(m, a) for a in allowed) and not _within(m, name)})
    assert not bad, f"{name} ({layer} layer) imports {', '.join(bad)}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_crosses_modules(name):
    bad = [f"{m}.{n}" for m, n in GRAPH[name]
           if n and n.startswith("_") and not n.startswith("__") and m != name]
    assert not bad, f"{name} imports private {', '.join(bad)}"


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    edges = {n: sorted({m for m, _ in GRAPH[n] if m in MODULES and m != n}) for n in MODULES}
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    cycles = _cycles()
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle(monkeypatch):
    fake = {"invcam.a": [("invcam.b", None)], "invcam.b": [("invcam.a", None)]}
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "GRAPH", fake)
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "MODULES",
                        {"invcam.a": None, "invcam.b": None})
    assert _cycles() == [["invcam.a", "invcam.b"]]


def _top_package(name: str) -> str:
    parts = name.split(".")
    if len(parts) > 3 and parts[1] == "method":
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def test_no_cycles_between_packages():
    """Between the sub-packages (io, app, report, method.scene, ...): one direction only."""
    edges: dict[str, set[str]] = {}
    for name in MODULES:
        for m, _ in GRAPH[name]:
            a, b = _top_package(name), _top_package(m)
            if a != b and m in MODULES and not _within(b, a) and not _within(a, b):
                edges.setdefault(a, set()).add(b)
    seen_cycles = []
    for a, targets in edges.items():
        for b in targets:
            if a in _reachable(edges, b):
                seen_cycles.append(tuple(sorted((a, b))))
    assert not sorted(set(seen_cycles)), f"package cycles: {sorted(set(seen_cycles))}"


def _reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    out, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in edges.get(node, ()):
            if nxt not in out:
                out.add(nxt)
                todo.append(nxt)
    return out
