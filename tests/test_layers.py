"""The house shows its layers: the layer contracts of pyproject.toml hold (import-linter), no
module imports another in a circle (type-hint-only imports included), docs/architecture.md
draws the same layers, each layer package says which layer it is, and no module outgrows
400 lines (the parameter registry and the model's day loop aside)."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulation"
LONG_ALLOWED = {"parameters.py", "model.py"}  # the registry; the day order read whole
MAX_LINES = 400


def contracts() -> dict[str, dict]:
    """pyproject.toml's import-linter contracts by id."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def layer_names(layer: str) -> list[str]:
    """The module names of one layer of a contract ('a : b', 'a | b' or 'a')."""
    return [name.strip() for name in re.split(r"[:|]", layer)]


def test_the_layer_contracts_hold() -> None:
    from importlinter.cli import lint_imports

    assert set(contracts()) == {"layers", "core", "acyclic"}
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                        no_logo=True) == 0


def strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """The import graph's circles: its strongly connected components of two or more
    modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(edges):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_the_algorithm_finds_a_circle() -> None:
    assert strongly_connected({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [
        ["a", "b", "c"]]
    assert strongly_connected({"a": ["b"], "b": []}) == []


def test_no_module_imports_another_in_a_circle() -> None:
    graph = grimp.build_graph("simulation", cache_dir=None)  # TYPE_CHECKING imports counted
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert strongly_connected(edges) == []


def test_architecture_md_draws_the_contracts_layers() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("## Layers"):text.index("## The flow")]
    rows = [line for line in section.splitlines()
            if line.startswith("| ") and not line.startswith(("| layer", "|---"))]
    layers = [layer for layer in contracts()["layers"]["layers"] if layer != "_version"]
    assert len(rows) == len(layers)
    for row, layer in zip(rows, layers, strict=True):
        names = layer_names(layer)
        if len(names) == 1:
            assert row.startswith(f"| {names[0]} | `simulation/{names[0]}/` |"), row
        else:  # the model's core: every module named, in the contract's order
            listed = [n.strip() for n in row.split("|")[3].split(":")[1].split(",")]
            assert row.startswith("| core |") and listed == names, row
    core = section[section.index("The core is layered too"):]
    steps = re.findall(r"^\d+\. (.*)$", core, re.MULTILINE)
    assert [sorted(layer_names(layer)) for layer in contracts()["core"]["layers"]] == [
        sorted(re.findall(r"`(\w+)/?`", step)) for step in steps]


@pytest.mark.parametrize("layer", ["faces", "analysis", "sweeps", "running", "measures",
                                   "support"])
def test_each_layer_package_says_which_layer_it_is(layer: str) -> None:
    doc = __import__(f"simulation.{layer}", fromlist=["_"]).__doc__
    assert doc and doc.split(":")[0].strip().lower() == layer


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
            and p.name not in LONG_ALLOWED}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
