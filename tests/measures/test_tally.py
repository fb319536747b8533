"""Summary metrics on hand-computed cases (simulation/measures/): the window, the burden,
the Kaplan-Meier shares and restricted mean, the trends, and agreement with a real run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.issues import Source, State
from simulation.measures.outcomes import summarise
from simulation.measures.survival import resolution_curve, restricted_mean
from simulation.measures.tally import Tally
from simulation.measures.window import trend
from simulation.worktime import Calendar

HID, OPN, RES, ABN = State.HIDDEN, State.OPEN, State.RESOLVED, State.ABANDONED
NAN = np.nan


def tally(rows, days=200, warmup=20, followup=100, households=10):
    """A Tally of hand-made issues: rows of (state, t_arisen, t_known, t_closed)."""
    state, arisen, known, closed = (np.array(c) for c in zip(*rows, strict=True))
    n = len(rows)
    return Tally(days=days, warmup=warmup, followup=followup, residents=25,
                 households=households, grids=1, grid_workers=1,
                 calendar=Calendar(9.0, 17.0), state=state.astype(np.int8),
                 source=np.where(np.isnan(known), -1, int(Source.IN_PERSON)).astype(np.int8),
                 in_grid=np.zeros(n, bool), top=np.full(n, -1, np.int8), t_arisen=arisen,
                 t_known=known, t_start=np.full(n, NAN), t_closed=closed,
                 returns=np.zeros(n, np.int16), callbacks=0, satisfied=0,
                 affected=np.ones(n, np.int32), reports=np.ones(n, np.int16),
                 shared=np.zeros(n, bool),
                 visits_planned=10.0, visits_done=8.0, lowest_beat_visits=0.7,
                 max_offered_load=0.5,
                 overloaded_points=0, cost={"total": 1.0})


# Window [20, 100), run to day 200 (a 100-day follow-up), 10 households.
ROWS = [
    (RES, 10.0, 11.0, 30.0),   # before the window: not in the cohort; unresolved 20-30 in it
    (RES, 25.0, 26.0, 35.0),   # cohort, resolved after 10 days; 10 days unresolved in window
    (HID, 40.0, NAN, NAN),     # cohort, never found: censored at 200 - 40 = 160 days; 60 in it
    (ABN, 50.0, 51.0, NAN),    # cohort, abandoned: never resolved, censored at 150; 50 in it
    (RES, 85.0, 86.0, 125.0),  # cohort, resolved after 40 days; 15 days in the window
    (OPN, 95.0, 96.0, NAN),    # cohort, open at the end: censored at 105; 5 days in the window
    (HID, 150.0, NAN, NAN),    # arose in the follow-up: not in the cohort, not in the window
    (RES, -5.0, NAN, 21.0),    # a day-0 backlog, resolved on day 21: 1 day in the window
]


def test_burden_counts_every_unresolved_issue_day_in_the_window():
    # 10 + 10 + 60 + 50 + 15 + 5 + 0 + 1 = 151 issue-days over 10 households and 80 days
    assert tally(ROWS).burden() == pytest.approx(151 / 10 / (80 / 365))


def test_cohort_is_the_issues_arising_in_the_window():
    assert tally(ROWS).cohort().tolist() == [False, True, True, True, True, True, False, False]


def test_kaplan_meier_by_hand():
    # Cohort times: 10 (resolved), 160 (censored), 150 (censored), 40 (resolved), 105 (cens.)
    # At risk at 10: 5, one resolved -> S = 4/5; at 40: 4 at risk, one resolved -> S = 3/5.
    times, resolved = tally(ROWS).times_to_resolve()
    assert sorted(times.tolist()) == [10.0, 40.0, 105.0, 150.0, 160.0]
    curve = resolution_curve(times, resolved)
    assert 1 - curve.sf.evaluate(30.0) == pytest.approx(1 / 5)
    assert 1 - curve.sf.evaluate(90.0) == pytest.approx(2 / 5)
    # restricted mean over 90 days: 10 x 1 + 30 x 4/5 + 50 x 3/5 = 64
    assert restricted_mean(curve, 90.0) == pytest.approx(64.0)


def test_summary_measures_by_hand():
    s = summarise(tally(ROWS), _series(200))
    assert s["issues_arisen"] == 5 and s["backlog_issues"] == 1
    assert s["issues_resolved"] == 2 and s["issues_abandoned"] == 1
    assert s["issues_open"] == 1 and s["issues_never_known"] == 1
    assert s["issues_unresolved"] == 3
    assert s["share_resolved_within_30_days"] == pytest.approx(0.2)
    assert s["share_resolved_within_90_days"] == pytest.approx(0.4)
    assert s["restricted_mean_days_to_resolve"] == pytest.approx(64.0)
    # over resolved issues only: 10 and 40 days from arising; 9 and 39 from known
    assert s["mean_resolution_days"] == pytest.approx(25.0)
    assert s["mean_days_known_to_resolved"] == pytest.approx(24.0)
    assert s["share_known_resolved"] == pytest.approx(2 / 4)  # 4 known cohort issues
    assert s["visits_done_share"] == pytest.approx(0.8)
    assert s["window_days"] == 80


def test_abandoned_issues_are_never_resolution():
    # Turning the abandoned issue into a resolved one (same day) raises the 90-day share;
    # as abandoned it stays unresolved, censored at the end (cumulative incidence).
    rows = list(ROWS)
    rows[3] = (RES, 50.0, 51.0, 60.0)
    assert summarise(tally(rows), _series(200))["share_resolved_within_90_days"] \
        > summarise(tally(ROWS), _series(200))["share_resolved_within_90_days"]


def test_hidden_issues_cost_in_the_burden_and_in_the_shares():
    # Finding and resolving the never-found issue lowers the burden and raises the shares:
    # not knowing about a problem is never rewarded.
    rows = list(ROWS)
    rows[2] = (RES, 40.0, 41.0, 45.0)
    better, worse = tally(rows), tally(ROWS)
    assert better.burden() < worse.burden()
    sb, sw = summarise(better, _series(200)), summarise(worse, _series(200))
    assert sb["share_resolved_within_30_days"] > sw["share_resolved_within_30_days"]


def test_curve_beyond_the_longest_follow_up_is_not_extrapolated():
    curve = resolution_curve(np.array([10.0, 40.0]), np.array([True, False]))
    assert restricted_mean(curve, 90.0) != restricted_mean(curve, 90.0)  # NaN
    full = resolution_curve(np.array([10.0, 40.0]), np.array([True, True]))
    assert restricted_mean(full, 90.0) == pytest.approx(25.0)  # all resolved: defined


def test_trend_is_the_relative_slope_per_year_over_the_second_half():
    day = np.arange(0, 731)
    flat = pd.DataFrame({"day": day, "x": np.full(731, 5.0)})
    rising = pd.DataFrame({"day": day, "x": 100.0 + 0.1 * day})  # 36.5 a year
    assert trend(flat, "x") == pytest.approx(0.0, abs=1e-12)
    assert trend(rising, "x") == pytest.approx(36.5 / (100 + 0.1 * np.mean(day[365:])))


def test_summary_of_a_real_run_agrees_with_its_case_log(small_year):
    s = summarise(small_year.tally(), small_year.timeseries())
    log = small_year.case_log()
    assert s["issues_arisen"] == int((log.t_arisen >= 0).sum())
    assert s["issues_resolved"] == int((log.outcome == "resolved").sum())
    # the burden from the case log: every issue's unresolved days in [0, 365), once for
    # every household it affects
    until = log.t_closed.where(log.outcome == "resolved", np.inf).fillna(np.inf)
    days = ((np.minimum(until, 365.0) - np.maximum(log.t_arisen, 0.0)).clip(lower=0)
            * log.households_affected).sum()
    assert (log.households_affected > 1).any()
    assert s["unresolved_issue_days_per_household"] == pytest.approx(
        days / s["households"], rel=1e-12)


def _series(days: int) -> pd.DataFrame:
    day = np.arange(days + 1)
    return pd.DataFrame({"day": day, "hidden_issues": np.full(days + 1, 3.0),
                         "open_issues": np.full(days + 1, 1.0),
                         "queued_above_grid": np.zeros(days + 1),
                         "mean_trust": 0.5 + day / 1000.0, "following": np.ones(days + 1),
                         "self_driven": np.ones(days + 1)})
