"""The outcome registry (simulation/measures/outcomes.py): a run's summary holds exactly the
registered outcomes, in their order; every outcome has a direction, a unique label and an
explicit unit; the named sets resolve; and the modules that describe, label, format and
select outcomes read them from the registry.

Documented exception: validation runs add year-by-year keys (``year2_abandoned``, ...) to
their summaries (simulation/analysis/validation/); they are not outcomes and print as plain
numbers.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import SMALL

from simulation import GridGovernanceModel, load_scenario
from simulation.analysis.report.formatting import fmt, metric_label
from simulation.measures import outcomes
from simulation.measures.outcomes import OUTCOMES, SETS, Direction, Outcome, summarise

# Every unit in use. A new unit goes here on purpose (and into report/formatting.py's fmt if
# it should print with a suffix), so a misspelt unit ("day") cannot slip through.
UNITS = {"days", "share", "yuan per year", "trust (0-1)", "issues", "residents",
         "households", "grids", "grid workers", "queues", "issue-days per household per year",
         "relative change per year", "reports", ""}
# Ratios of like quantities: the only outcomes without a unit.
UNITLESS = {"skew_known_to_resolved", "max_offered_load"}


@pytest.fixture(scope="module")
def summary() -> dict[str, object]:
    """The summary of a small 30-day baseline run: 10 days' warm-up, 5 days' follow-up."""
    model = GridGovernanceModel(load_scenario("baseline", SMALL), seed=5, warmup_days=10)
    model.run(30)
    return summarise(model.tally(5), model.timeseries())


def test_a_runs_summary_holds_exactly_the_registered_outcomes_in_order(summary) -> None:
    assert list(summary) == list(OUTCOMES)


def test_each_outcome_is_registered_under_its_own_key() -> None:
    assert all(key == o.key for key, o in OUTCOMES.items())
    assert all(isinstance(o, Outcome) for o in OUTCOMES.values())


def test_every_outcome_has_a_meaning_and_a_computation() -> None:
    assert all(callable(o.compute) for o in OUTCOMES.values())
    assert all(o.meaning.strip() == o.meaning and o.meaning for o in OUTCOMES.values())


def test_every_direction_is_one_of_three() -> None:
    assert {d.sign for d in Direction} == {-1, 0, +1} and len(Direction) == 3
    assert all(isinstance(o.direction, Direction) for o in OUTCOMES.values())
    assert outcomes.sign("annual_cost_yuan") == -1
    assert outcomes.sign("trust_change") == +1
    assert outcomes.sign("issues_arisen") == 0  # neither: a count of what arose
    assert outcomes.sign("not_an_outcome") == 0


def test_every_named_set_resolves_without_repeats() -> None:
    assert set(SETS) == {"KEY", "REPORT", "SENSITIVITY", "QUEUE_TIME"}
    for name, keys in SETS.items():
        assert keys, name
        assert all(k in OUTCOMES for k in keys), name
        assert len(set(keys)) == len(keys), name
    # the lead measure leads every set it is in
    for keys in (outcomes.KEY, outcomes.REPORT, outcomes.SENSITIVITY):
        assert keys[0] == "unresolved_issue_days_per_household"


def test_a_misspelt_key_in_a_set_fails_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(outcomes.SETS, "KEY", ("unresolved_issue_days_per_houshold",))
    with pytest.raises(ValueError, match="unresolved_issue_days_per_houshold"):
        outcomes._check()


def test_labels_are_unique_and_what_the_report_prints() -> None:
    labels = [o.label for o in OUTCOMES.values()]
    assert len(set(labels)) == len(labels)
    assert all(metric_label(k) == o.label for k, o in OUTCOMES.items())
    assert metric_label("mean_resolution_days") == \
        "mean resolution time (days from arising, resolved only)"
    assert metric_label("issues_arisen") == "issues arisen"
    assert metric_label("year2_abandoned") == "year2 abandoned"  # not an outcome


def test_units_are_explicit() -> None:
    unit = next(f for f in dataclasses.fields(Outcome) if f.name == "unit")
    assert unit.default is dataclasses.MISSING  # no outcome gets a unit by default
    assert {o.unit for o in OUTCOMES.values()} <= UNITS
    assert {k for k, o in OUTCOMES.items() if o.unit == ""} == UNITLESS


def test_the_report_prints_each_outcome_in_its_unit() -> None:
    styled = {"share": "25.0%", "days": "0.2 d", "yuan per year": "0 ¥", "trust (0-1)": "0.250"}
    for key, o in OUTCOMES.items():
        expected = styled.get(o.unit, "0.25") if o.print_unit else "0.25"  # else plain
        assert fmt(key, 0.25) == expected, key


def test_outcomes_printed_bare_keep_the_reports_text() -> None:
    # these have always printed as plain numbers; their labels name the unit
    assert fmt("restricted_mean_days_to_resolve", 12.345) == "12.3"
    assert fmt("mean_days_known_to_resolved", 4.25, signed=True) == "+4.25"
    assert fmt("visits_done_share", 0.953) == "0.953"
    assert fmt("mean_resolution_days", 12.345) == "12.3 d"
    assert fmt("share_resolved_within_90_days", 0.05, signed=True) == "+5.0 pp"
    assert fmt("annual_cost_yuan", 4.42e6) == "4.42 M¥"
    assert fmt("trust_change", -0.0123) == "-0.012"
    # a name that is not an outcome: no unit
    assert fmt("year2_days_known_to_resolved", 12.345) == "12.3"


def test_verdicts_follow_the_direction_and_unit() -> None:
    from simulation.analysis.report.comparison import _words

    row = pd.Series({"difference": -5.0, "difference_low": -8.0, "difference_high": -2.0,
                     "p_value": 0.001, "p_holm": 0.001, "effect_size": -1.0,
                     "test": "wilcoxon", "pairs": 10})
    words = {m: _words(pd.concat([row, pd.Series({"metric": m})]), 0.05)
             for m in ("hidden_issues", "trust_change", "annual_cost_yuan", "issues_arisen")}
    assert words["hidden_issues"].startswith("better")  # lower is better
    assert words["trust_change"].startswith("worse")  # higher is better
    assert words["annual_cost_yuan"].startswith("cheaper")  # money, lower is better
    assert words["issues_arisen"].startswith("lower")  # neither: say which way


def test_the_sensitivity_analysis_reads_its_default_set() -> None:
    from simulation.analysis.sensitivity import SENSITIVITY_METRICS

    assert SENSITIVITY_METRICS == outcomes.SENSITIVITY
