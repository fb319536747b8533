"""Pattern-oriented validation at the test suite's size (QUICK: the scenarios' own worlds,
6 replications; `make validate` runs 20 and writes docs/validation.md). The checks run in
this process (one worker: pytest-xdist already spreads the files over the cores); one test
runs a small set on local worker processes and compares."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from simulation.analysis import validation

QUICK = validation.QUICK


@pytest.fixture(scope="module")
def wenheng_checks() -> dict[str, validation.Check]:
    plan = validation.wenheng(validation.Size(reps=10, days=365))
    return {c.name: c for c in validation.evaluate(plan)}


@pytest.mark.parametrize("name", ["wenheng_trust", "wenheng_backlog", "wenheng_stages"])
def test_wenheng_patterns(wenheng_checks: dict[str, validation.Check], name: str) -> None:
    check = wenheng_checks[name]
    assert check.passed, check.measured


def test_resolution_times_are_right_skewed() -> None:
    (check,) = validation.evaluate(validation.right_skew(QUICK))
    assert check.passed, check.measured
    assert min(check.data["ratio"]) > 1.0


@pytest.mark.parametrize("fn", [validation.branch, validation.halve_workers,
                                validation.more_visits, validation.no_visits,
                                validation.half_casework])
def test_policy_patterns(fn) -> None:
    (check,) = validation.evaluate(fn(QUICK))
    assert check.passed, check.measured
    for metric in check.data.values():
        assert metric["pairs"] == QUICK.reps


def test_volunteers_who_do_no_work_raise_no_trust() -> None:
    (check,) = validation.evaluate(validation.idle_volunteers(QUICK))
    assert check.passed, check.measured
    base = check.data["trust_change"]["base_values"]
    lever = check.data["trust_change"]["lever_values"]
    assert base == lever  # identical, replication by replication


def test_working_volunteers_do_raise_trust() -> None:
    """The idle-volunteer check could fail: volunteers who work (the defaults) raise trust
    in the same comparison."""
    (check,) = validation.evaluate(validation.paired_check(
        "campaign", "a working campaign raises trust", "test", QUICK,
        [("trust_change", +1)], {"policy.mobilisation": "campaign"}, base=validation.NO_BOOST))
    assert check.passed, check.measured


def test_the_status_quo_is_stationary() -> None:
    (check,) = validation.evaluate(validation.stationary(QUICK))
    assert check.passed, check.measured
    for col in validation.STEADY_SERIES:
        assert check.data[col]["passed"]


def test_an_overloaded_status_quo_is_not_stationary() -> None:
    """The stationarity check can fail: with half the department officers needed, the
    department's queue grows year after year."""
    (check,) = validation.evaluate(validation.stationary(
        validation.Size(reps=3, world=(("department.case_staff", 3),))))
    assert not check.passed
    assert check.data["queued_above_grid"]["ratio"] > 1.1


def test_a_pattern_that_does_not_hold_is_reported_as_failed() -> None:
    """The checks can fail: expecting more visits to *raise* hidden issues fails."""
    small = (("world.communities_per_street", 1),)
    (check,) = validation.evaluate(validation.paired_check(
        "wrong", "more visits raise hidden issues", "none",
        validation.Size(reps=6, days=120, warmup=0, followup=0, world=small),
        [("hidden_issues", +1)], {"visits.per_worker_day": 8.0}))
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


def test_checks_that_share_a_status_quo_run_it_once() -> None:
    """The plans of all checks name each distinct replication set once per check; run
    together, the shared sets (a lever paired with the same status quo) are one batch."""
    plans = validation.plan_all(QUICK)
    keys = [batch.key() for batch in validation.needs(plans)]
    status_quo = validation.Replications.of("baseline", {}, QUICK).key()
    # right_skew, party_branch, more_visits, no_visits, close_at_grid
    assert keys.count(status_quo) == 5
    # 11 before close_at_grid (kept, and both with every fix holding) and
    # wenheng_renovation (Wenheng with and without the works)
    assert len(set(keys)) == 16


def test_worker_processes_give_the_runs_of_this_process() -> None:
    """Replications and queue runs on two local worker processes, finishing in any order,
    come back in seed order with the same numbers as run here one after another."""
    size = validation.Size(reps=3, days=30, warmup=5, followup=5,
                           world=(("world.communities_per_street", 1),))
    batches = [validation.Replications.of("baseline", {}, size),
               validation.Replications.of("baseline", {"visits.per_worker_day": 0.0}, size),
               validation.QueueRuns(5.0, 10.0, 1, 2, 300, (1, 2, 3))]
    inline = validation.run_batches(batches, workers=1, reuse=False)
    parallel = validation.run_batches(batches, workers=2, reuse=False)
    for batch in batches[:2]:
        a, b = inline[batch], parallel[batch]
        pd.testing.assert_frame_equal(pd.DataFrame([r.summary for r in a]),
                                      pd.DataFrame([r.summary for r in b]), check_exact=True)
        for x, y in zip(a, b, strict=True):
            pd.testing.assert_frame_equal(x.timeseries, y.timeseries, check_exact=True)
            assert (x.backlog_total, x.backlog_resolved) == (y.backlog_total,
                                                              y.backlog_resolved)
    np.testing.assert_array_equal(inline[batches[2]], parallel[batches[2]])
    assert inline[batches[2]].shape == (3, 2)
