"""The tests mirror the packages (a folder for the model's core and for each layer) and are
marked in tiers in one place (tests/conftest.py): every test the tier lists name exists, so a
renamed test cannot fall out of its tier unnoticed."""

from __future__ import annotations

import ast

from conftest import BROWSER, ROOT, SLOW, SUBPROCESS, SUBPROCESS_FILES

FOLDERS = {"model", "measures", "running", "sweeps", "analysis", "faces", "support"}


def test_the_test_folders_mirror_the_packages() -> None:
    tests = ROOT / "tests"
    folders = {p.parent.name for p in tests.glob("*/test_*.py")}
    assert folders == FOLDERS
    assert all((ROOT / "simulation" / f).is_dir() for f in FOLDERS - {"model"})


def test_the_tier_lists_name_tests_that_exist() -> None:
    tests = ROOT / "tests"
    names = {f"{path.relative_to(tests).as_posix()}::{node.name}"
             for path in tests.rglob("test_*.py")
             for node in ast.parse(path.read_text(encoding="utf-8")).body
             if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}
    files = {name.split("::")[0] for name in names}
    listed = BROWSER | SUBPROCESS | SLOW
    assert not listed - names, sorted(listed - names)
    assert files >= SUBPROCESS_FILES
