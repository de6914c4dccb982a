"""The package's layout: layers import only downward, no import cycles, no experiment code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "vdae"

#: Each layer and the layers it may import (besides the top-level helper modules).
ALLOWED = {
    "graph": set(),
    "nn": set(),
    "engine": set(),
    "prior": {"graph", "nn", "engine"},
    "metrics": {"graph"},
    "models": {"graph", "nn", "engine", "prior", "metrics"},
    "datasets": {"graph"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """vdae modules imported at module level (not inside functions) by the file at ``path``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "vdae"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "vdae":
                found.add(target)
            elif target.split(".")[0] == "experiments":
                found.add(target)
    return found


@pytest.fixture(scope="module")
def imports() -> dict[str, set[str]]:
    return {_module_name(p): _top_level_imports(p) for p in SRC.rglob("*.py")}


def _resolve(target: str, modules: set[str]) -> str:
    """The module a dotted import names (``from vdae.nn import X`` → vdae.nn)."""
    while target not in modules and "." in target:
        target = target.rpartition(".")[0]
    return target


def test_the_relative_import_resolver_reads_this_package(imports):
    assert "vdae.models.vdae.training" in imports["vdae.models.vdae.model"]
    assert "vdae.nn.local_step" in imports["vdae.models.vdae.training"]


def test_layers_import_only_downward(imports):
    bad = []
    for mod, targets in imports.items():
        layer = mod.split(".")[1] if mod.count(".") >= 1 else None
        if layer not in ALLOWED:
            continue
        for t in targets:
            other = t.split(".")[1] if t.count(".") >= 1 else None
            if other in ALLOWED and other != layer and other not in ALLOWED[layer]:
                bad.append(f"{mod} imports {t}")
    assert not bad, bad


def test_the_library_never_imports_the_experiments(imports):
    assert not [(m, t) for m, ts in imports.items() for t in ts if t.startswith("experiments")]


def test_no_import_cycles(imports):
    modules = set(imports)
    graph = {m: {_resolve(t, modules) for t in ts} & modules - {m} for m, ts in imports.items()}
    # a package's __init__ re-exporting its submodules is not a cycle through them
    graph = {m: {t for t in ts if not (m.startswith(t + ".") and t in modules)}
             for m, ts in graph.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, path: list[str]) -> bool:
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycle.extend(path[path.index(t):] + [t] if t in path else [m, t])
                return True
            if t not in state and visit(t, path + [t]):
                return True
        state[m] = 2
        return False

    for m in sorted(graph):
        if m not in state and visit(m, [m]):
            break
    assert not cycle, " -> ".join(cycle)
