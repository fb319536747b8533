"""The documentation stays true to the code."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from simulation.faces.parameter_table import END, START, render

ROOT = Path(__file__).resolve().parents[1]

ODD_SECTIONS = ("Purpose", "Entities, state variables and scales",
                "Process overview and scheduling", "Design concepts", "Initialisation",
                "Input data", "Submodels")


def test_parameter_table_in_model_md_matches_the_registry() -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert render(text, ROOT / "experiments") == text, "run: python scripts/param_table.py"


def test_rendering_replaces_only_what_is_between_the_markers() -> None:
    text = f"# head\n{START}\nstale table\n{END}\ntail\n"
    new = render(text, ROOT / "experiments")
    assert new.startswith(f"# head\n{START}\n| key | default |") and new.endswith(f"{END}\ntail\n")
    assert "stale table" not in new and "| `trust.gain_good` |" in new
    assert render(new, ROOT / "experiments") == new
    with pytest.raises(ValueError, match="not found"):
        render("no markers here", ROOT / "experiments")


def test_model_md_follows_the_odd_protocol_order() -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    headings = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
    positions = []
    for section in ODD_SECTIONS:
        hits = [i for i, h in enumerate(headings) if section.lower() in h.lower()]
        assert hits, f"docs/model.md has no section '{section}'"
        positions.append(hits[0])
    assert positions == sorted(positions), "ODD sections out of order"


@pytest.mark.parametrize("module", ["simulation", "simulation.policies",
                                    "simulation.running.result"])
def test_docstring_examples_run(module: str) -> None:
    mod = __import__(module, fromlist=["_"])
    result = doctest.testmod(mod, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_every_plausible_range_brackets_its_default() -> None:
    from simulation.parameters import PARAMS

    ranged = [p for p in PARAMS if p.plausible is not None]
    assert len(ranged) > 60  # the 63 judged ranges and the per-type issue rule's
    for p in ranged:
        assert p.plausible.low <= p.default <= p.plausible.high, p.key


def test_issue_numbers_are_plausible_from_half_to_twice_their_default() -> None:
    from simulation.parameters import ISSUE_BASIS, PARAM_INDEX

    rate = PARAM_INDEX["issue.water.rate"]
    assert (rate.plausible.low, rate.plausible.high) == (0.04, 0.16)
    assert rate.plausible.basis == ISSUE_BASIS
    assert PARAM_INDEX["issue.water.severity"].plausible.high == 1.0  # capped at the valid range
    assert PARAM_INDEX["issue.water.initial_backlog"].plausible is None  # default 0


def test_a_plausible_range_outside_the_valid_range_fails_naming_the_key() -> None:
    from simulation.parameters import Param, ParameterError, Plausible

    with pytest.raises(ParameterError, match=r"^x\.share: plausible range \[0\.5, 1\.5\] lies"):
        Param("x.share", 0.7, "share", "test", "A test share.", 0.0, 1.0,
              plausible=Plausible(0.5, 1.5, "test"))


def test_readme_names_every_module_of_the_package() -> None:
    """README's "What is in the box" stays current: every module of simulation/ and of each
    layer package, and every sub-package at any depth, is named there, and nothing named
    there is gone."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    box = text[text.index("## What is in the box"):text.index("## Reproducibility")]
    package = ROOT / "simulation"
    layers = [package, *(package / name for name in ("measures", "running", "sweeps",
                                                     "analysis", "faces", "support"))]
    modules = {p.name for folder in layers for p in folder.glob("*.py")
               if not p.name.startswith("__")}
    packages = {f"{p.parent.name}/" for p in package.rglob("__init__.py") if p.parent != package}
    missing = sorted(m for m in modules | packages
                     if f"`{m}`" not in box and f"{m}`" not in box)
    assert not missing, f"README's module list lacks {missing}"
    named = set(re.findall(r"`([a-z_]+\.py)`", box.split("| `experiments/` |")[0]))
    gone = sorted(n for n in named if not any(package.rglob(n)))
    assert not gone, f"README names modules that do not exist: {gone}"


def test_architecture_page_says_where_a_run_an_outcome_and_a_seed_live() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for where in ("simulation/running/runner.py", "simulation/measures/outcomes.py",
                  "simulation/seeds.py"):
        assert where in text and (ROOT / where).is_file()
    assert "scenario ──► parameters ──► model ──► run record ──► results folder ──► report" \
        in text
