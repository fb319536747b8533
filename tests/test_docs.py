"""The documentation stays true to the code."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import param_table  # noqa: E402

ODD_SECTIONS = ("Purpose", "Entities, state variables and scales",
                "Process overview and scheduling", "Design concepts", "Initialisation",
                "Input data", "Submodels")


def test_parameter_table_in_model_md_matches_the_registry() -> None:
    text = param_table.DOC.read_text(encoding="utf-8")
    assert param_table.render(text) == text, "run: python scripts/param_table.py"


def test_model_md_follows_the_odd_protocol_order() -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    headings = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
    positions = []
    for section in ODD_SECTIONS:
        hits = [i for i, h in enumerate(headings) if section.lower() in h.lower()]
        assert hits, f"docs/model.md has no section '{section}'"
        positions.append(hits[0])
    assert positions == sorted(positions), "ODD sections out of order"


@pytest.mark.parametrize("module", ["simulation", "simulation.policies", "simulation.run"])
def test_docstring_examples_run(module: str) -> None:
    mod = __import__(module, fromlist=["_"])
    result = doctest.testmod(mod, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_every_plausible_range_names_a_real_parameter_and_brackets_its_default() -> None:
    from simulation.parameters import PARAM_INDEX
    from simulation.plausible import PLAUSIBLE

    for key, (low, high, basis) in PLAUSIBLE.items():
        spec = PARAM_INDEX[key]  # a KeyError names a stale entry
        assert low < high and basis
        assert low <= spec.default <= high, key
