"""Pattern-oriented validation at the test suite's size (QUICK: the scenarios' own worlds,
8 replications; `make validate` runs 20 and writes docs/validation.md)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from simulation.analysis import validation

QUICK = validation.QUICK


@pytest.fixture(scope="module")
def wenheng_checks() -> dict[str, validation.Check]:
    return {c.name: c for c in validation.wenheng(validation.Size(reps=10, days=365))}


@pytest.mark.parametrize("name", ["wenheng_trust", "wenheng_backlog", "wenheng_stages"])
def test_wenheng_patterns(wenheng_checks: dict[str, validation.Check], name: str) -> None:
    check = wenheng_checks[name]
    assert check.passed, check.measured


def test_resolution_times_are_right_skewed() -> None:
    check = validation.right_skew(QUICK)
    assert check.passed, check.measured
    assert min(check.data["ratio"]) > 1.0


@pytest.mark.parametrize("fn", [validation.branch, validation.halve_workers,
                                validation.more_visits, validation.no_visits,
                                validation.half_casework])
def test_policy_patterns(fn) -> None:
    check = fn(QUICK)
    assert check.passed, check.measured
    for metric in check.data.values():
        assert metric["pairs"] == QUICK.reps


def test_volunteers_who_do_no_work_raise_no_trust() -> None:
    check = validation.idle_volunteers(QUICK)
    assert check.passed, check.measured
    base = check.data["trust_change"]["base_values"]
    lever = check.data["trust_change"]["lever_values"]
    assert base == lever  # identical, replication by replication


def test_working_volunteers_do_raise_trust() -> None:
    """The idle-volunteer check could fail: volunteers who work (the defaults) raise trust
    in the same comparison."""
    check = validation.paired_check(
        "campaign", "a working campaign raises trust", "test", QUICK,
        [("trust_change", +1)], {"policy.mobilisation": "campaign"}, base=validation.NO_BOOST)
    assert check.passed, check.measured


def test_the_status_quo_is_stationary() -> None:
    check = validation.stationary(QUICK)
    assert check.passed, check.measured
    for col in validation.STEADY_SERIES:
        assert check.data[col]["passed"]


def test_an_overloaded_status_quo_is_not_stationary() -> None:
    """The stationarity check can fail: with half the department officers needed, the
    department's queue grows year after year."""
    check = validation.stationary(validation.Size(reps=3,
                                                  world=(("department.case_staff", 3),)))
    assert not check.passed
    assert check.data["queued_above_grid"]["ratio"] > 1.1


def test_a_pattern_that_does_not_hold_is_reported_as_failed() -> None:
    """The checks can fail: expecting more visits to *raise* hidden issues fails."""
    small = (("world.communities_per_street", 1),)
    check = validation.paired_check("wrong", "more visits raise hidden issues", "none",
                                    validation.Size(reps=6, days=120, warmup=0, followup=0,
                                                    world=small),
                                    [("hidden_issues", +1)], {"visits.per_worker_day": 8.0})
    assert not check.passed and "NOT as expected" in check.measured


def test_seeds_come_from_a_seed_sequence_and_differ() -> None:
    seeds = validation.Size(reps=5).seeds()
    assert len(set(seeds)) == 5 and seeds == validation.Size(reps=5).seeds()
    assert validation.Size(reps=3).seeds() == seeds[:3]


def test_replications_are_run_once_per_inputs_and_equal_fresh_runs() -> None:
    """Checks that pair with the same status quo share its replications; the shared runs
    are the runs themselves, and other inputs are other runs."""
    size = validation.Size(reps=2, days=40, warmup=0, followup=0,
                           world=(("world.communities_per_street", 1),))
    a = validation.replicate("baseline", {}, size)
    assert validation.replicate("baseline", {}, size) is a
    fresh = [validation.run("baseline", dict(size.world), seed, 40) for seed in size.seeds()]
    pd.testing.assert_frame_equal(pd.DataFrame([r.summary for r in a]),
                                  pd.DataFrame([r.summary for r in fresh]), check_exact=True)
    other = validation.replicate("baseline", {"visits.per_worker_day": 8.0}, size)
    assert other is not a and [r.summary for r in other] != [r.summary for r in a]
    longer = validation.replicate("baseline", {}, replace(size, days=41))
    assert len(longer[0].timeseries) == 42 and longer is not a
