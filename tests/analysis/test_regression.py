"""Fixed-seed regression: runs must reproduce the blessed baselines.

A failure means the model's numbers changed. If the change is intended, run
`make bless` (scripts/bless_baseline.py), review `git diff tests/baselines`, and say why in
the commit. Integers must match exactly; floats to 1e-9 relative (room for libm rounding
across machines, none for a change of behaviour).
"""

from __future__ import annotations

import copy

import pytest
from conftest import BASELINES

from simulation.analysis.baselines import CASES, differences, read, record


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_blessed_baseline(name: str) -> None:
    expected = read(BASELINES, name)
    got = record(*CASES[name])
    assert differences(expected, got) == []


def test_every_case_has_a_blessed_file_and_no_file_is_stale() -> None:
    assert sorted(p.stem for p in BASELINES.glob("*.json")) == sorted(CASES)


def test_the_comparison_catches_every_kind_of_change() -> None:
    blessed = read(BASELINES, "mmc_seed1")
    assert differences(blessed, copy.deepcopy(blessed)) == []

    def changed(edit) -> list[str]:
        got = copy.deepcopy(blessed)
        edit(got)
        return differences(blessed, got)

    x = blessed["summary"]["mean_wait_days"]
    assert changed(lambda g: g["summary"].update(mean_wait_days=x * (1 + 1e-12))) == []
    assert changed(lambda g: g["summary"].update(mean_wait_days=x * (1 + 1e-8))) == [
        f"summary.mean_wait_days: {x * (1 + 1e-8)!r} instead of {x!r}"]
    assert changed(lambda g: g.update(cases=g["cases"] + 1)) == [
        f"cases: {blessed['cases'] + 1} instead of {blessed['cases']}"]
    n = blessed["summary"]["issues_arisen"]
    assert changed(lambda g: g["summary"].update(issues_arisen=n + 1)) != []
    assert changed(lambda g: g["series"]["open_issues"].update({"30": -1})) != []
    assert changed(lambda g: g["summary"].update(new_metric=1.0)) == [
        "summary.new_metric: not in the baseline"]
    assert changed(lambda g: g["summary"].pop("mean_wait_days")) == [
        "summary.mean_wait_days: missing"]
    assert changed(lambda g: g.pop("seed"))[0].startswith("keys:")
    blessed["summary"]["nothing"] = None  # a NaN summary value matches only NaN
    assert differences(blessed, copy.deepcopy(blessed)) == []
    assert changed(lambda g: g["summary"].update(nothing=0.0)) == [
        "summary.nothing: 0.0 instead of None"]
