"""Residents' trust and stages as columns (simulation/population.py): lazy drift in closed
form, updates applied in order exactly as one by one, the running mean kept exact, and the
weight of unresolved issues (Grievances) hand-computed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation import GridGovernanceModel
from simulation.population import Grievances, Population
from simulation.rules import FOLLOWING, INACTIVE, NOT_VOLUNTEER, SELF_DRIVEN, WATCHING
from simulation.world import World

HALF_LIFE = 10.0  # days
RATE = math.log(2) / HALF_LIFE


def columns(trust: list[float], stage: list[int] | None = None) -> World:
    """A world of len(trust) residents, each alone in a household of grid 0: only the
    resident columns a Population reads are of interest here."""
    n = len(trust)
    zeros = np.zeros(n, dtype=np.int64)
    stage = np.array(stage if stage is not None else [NOT_VOLUNTEER] * n, dtype=np.int8)
    return World(
        street_district=np.zeros(1, np.int64), community_street=np.zeros(1, np.int64),
        grid_community=np.zeros(1, np.int64), grid_dedicated=np.zeros(1, bool),
        grid_dedicated_kind=np.full(1, -1), grid_first_household=np.zeros(1, np.int64),
        grid_households=np.array([n]), grid_first_resident=np.zeros(1, np.int64),
        grid_residents=np.array([n]), building_grid=np.zeros(1, np.int64),
        household_grid=zeros, household_building=zeros, household_first=np.arange(n),
        household_size=np.ones(n, np.int64), resident_household=np.arange(n),
        resident_building=zeros, resident_grid=zeros, elderly=np.zeros(n, bool),
        party=np.zeros(n, bool), stage=stage, available=stage >= INACTIVE,
        trust=np.array(trust, dtype=float))


def drift(value: float, anchor: float, days: float) -> float:
    """Reference: T(t) = A + (T0 - A) exp(-rate t)."""
    return anchor + (value - anchor) * math.exp(-RATE * days)


# --- drift and the running mean -----------------------------------------------------------
def test_trust_drifts_halfway_to_the_anchor_in_a_half_life() -> None:
    pop = Population(columns([0.2, 0.8, 0.5]), anchor=0.5, drift_per_day=RATE)
    np.testing.assert_allclose(pop.trust_at(np.arange(3), HALF_LIFE), [0.35, 0.65, 0.5])
    np.testing.assert_allclose(pop.all_trust(2 * HALF_LIFE), [0.425, 0.575, 0.5])
    assert pop.trust_at(0, 0.0) == pytest.approx(0.2)
    assert pop.mean_trust(HALF_LIFE) == pytest.approx(0.5)


def test_updates_in_order_are_exactly_one_by_one() -> None:
    """Entries of one resident apply in order, each after drifting to its time."""
    start = [0.3, 0.6, 0.9]
    pop = Population(columns(start), anchor=0.5, drift_per_day=RATE)
    who = np.array([0, 1, 0, 2, 0, 1])
    when = np.array([1.0, 1.0, 2.0, 3.0, 4.0, 6.0])
    gain = np.array([0.5, 0.1, 0.5, -0.2, 0.25, 0.3])  # share of the gap to 1 (negative: loss)
    pop.update_in_order(who, when, lambda trust, k: trust + gain[k] * np.where(
        gain[k] > 0, 1 - trust, trust))
    expected, last = list(start), [0.0, 0.0, 0.0]
    for i, t, g in zip(who, when, gain, strict=True):
        value = drift(expected[i], 0.5, t - last[i])
        expected[i] = value + g * ((1 - value) if g > 0 else value)
        last[i] = t
    np.testing.assert_allclose(pop.trust, expected, rtol=1e-12)
    np.testing.assert_allclose(pop.trust_time, last)
    t = 10.0  # the running mean is exact, not an approximation
    assert pop.mean_trust(t) == pytest.approx(
        np.mean([drift(v, 0.5, t - s) for v, s in zip(expected, last, strict=True)]), abs=1e-12)


def test_updates_are_clipped_to_the_unit_interval_and_never_go_back_in_time() -> None:
    pop = Population(columns([0.5, 0.5]), anchor=0.5, drift_per_day=RATE)
    pop.update_in_order(np.array([0, 1]), np.array([5.0, 5.0]),
                        lambda trust, k: np.array([1.7, -0.3])[k])
    np.testing.assert_array_equal(pop.trust, [1.0, 0.0])
    pop.update_in_order(np.array([0]), np.array([3.0]), lambda trust, k: trust - 0.5)
    assert pop.trust_time[0] == 5.0 and pop.trust[0] == pytest.approx(0.5)
    assert pop.mean_trust(5.0) == pytest.approx(0.25)
    assert pop.mean_trust(4.0) == pytest.approx(pop.all_trust(4.0).mean())  # before the last


def test_an_empty_update_changes_nothing() -> None:
    pop = Population(columns([0.4]), anchor=0.5, drift_per_day=RATE)
    pop.update_in_order(np.array([], dtype=np.int64), np.array([]), lambda trust, k: trust + 1)
    assert pop.trust[0] == 0.4 and pop.trust_time[0] == 0.0


# --- volunteer stages ---------------------------------------------------------------------
def test_stage_counts_and_active_share() -> None:
    stage = [NOT_VOLUNTEER, INACTIVE, WATCHING, FOLLOWING, SELF_DRIVEN, FOLLOWING]
    pop = Population(columns([0.5] * 6, stage), anchor=0.5, drift_per_day=0.0)
    np.testing.assert_array_equal(pop.pool, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(pop.stage_counts, [1, 1, 2, 1])
    np.testing.assert_array_equal(pop.active(), [False, False, False, True, True, True])
    assert pop.active_share == 0.5
    pop.stage[3:] = WATCHING
    assert pop.active_share == 0.5  # counts are refreshed on demand only
    pop.refresh_stage_counts()
    assert pop.active_share == 0.0


# --- the weight of unresolved issues ------------------------------------------------------
def grievances() -> Grievances:
    g = Grievances(3, expected_days=10.0, loss=0.2, burden=0.5, enabled=True)
    # resident 0: known at 5 (severity 0.8) and a hidden one arisen at 5 (severity 1);
    # resident 1: known at once (severity 0.2); then a dedicated grid's issue (no resident)
    g.add(np.array([0, 0, 1, -1]), np.array([0.0, 5.0, 0.0, 0.0]),
          np.array([0.8, 1.0, 0.2, 0.9]))
    g.known(0, 5.0)
    g.known(2, 0.0)
    g.known(3, 0.0)
    return g


def test_unresolved_issues_weigh_on_trust_hand_computed() -> None:
    """F = (1 - loss x lateness(wait)) x (1 - burden x S x lateness(age)), lateness(x) =
    clip((x - E) / E, 0, 1); at t = 20 with E = 10:
    issue 0: wait 15 -> 0.5, age 20 -> 1: (1 - 0.2 x 0.5)(1 - 0.5 x 0.8) = 0.54;
    issue 1: hidden, age 15 -> 0.5: 1 x (1 - 0.5 x 1 x 0.5) = 0.75;
    issue 2: wait 20, age 20 -> 1: (1 - 0.2)(1 - 0.5 x 0.2) = 0.72."""
    g = grievances()
    g.refresh(20.0)
    np.testing.assert_allclose(g.factor, [0.54 * 0.75, 0.72, 1.0])
    np.testing.assert_array_equal(g.touched, [0, 1])
    g.closed(2)
    g.closed(0)
    g.refresh(20.0)
    np.testing.assert_allclose(g.factor, [0.75, 1.0, 1.0])
    np.testing.assert_array_equal(g.touched, [0])
    np.testing.assert_array_equal(g.unresolved, [1])  # a dedicated grid's weighs on nobody


def test_no_weight_before_the_expected_time_or_when_disabled() -> None:
    g = grievances()
    g.refresh(5.0)  # every issue younger than E
    np.testing.assert_array_equal(g.factor, [1.0, 1.0, 1.0])
    off = Grievances(3, 10.0, 0.2, 0.5, enabled=False)
    off.add(np.array([0]), np.array([0.0]), np.array([1.0]))
    off.refresh(100.0)
    np.testing.assert_array_equal(off.factor, [1.0, 1.0, 1.0])
    assert not Grievances(3, 10.0, 0.0, 0.0, enabled=True).enabled  # nothing to weigh


def test_the_issue_columns_grow_as_needed() -> None:
    g = Grievances(2, 10.0, 0.2, 0.5, enabled=True)
    for _ in range(3):
        g.add(np.array([0] * 700), np.zeros(700), np.full(700, 0.5))
    assert g.n == 2100 and len(g.resident) >= 2100 and (g.resident[:g.n] == 0).all()
    g.refresh(30.0)  # 2,100 issues of age 30: (1 - 0.5 x 0.5 x 1) each
    assert g.factor[0] == pytest.approx(0.75 ** 2100) and g.factor[1] == 1.0


def test_measured_trust_is_stored_trust_times_the_weight() -> None:
    g = grievances()
    pop = Population(columns([0.6, 0.6, 0.6]), anchor=0.6, drift_per_day=RATE, grievances=g)
    g.refresh(20.0)
    np.testing.assert_allclose(pop.all_trust(20.0), [0.6 * 0.405, 0.6 * 0.72, 0.6])
    assert pop.stored_trust_at(0, 20.0) == pytest.approx(0.6)
    assert pop.trust_at(1, 20.0) == pytest.approx(0.6 * 0.72)
    assert pop.mean_trust(20.0) == pytest.approx(0.6 * (0.405 + 0.72 + 1) / 3, abs=1e-12)


# --- on a whole run -----------------------------------------------------------------------
def test_trust_stays_in_unit_interval_and_mean_is_exact(small_year: GridGovernanceModel) -> None:
    pop = small_year.population
    now = small_year.now
    trust = pop.all_trust(now)
    assert ((trust >= 0) & (trust <= 1)).all()
    assert pop.mean_trust(now) == pytest.approx(trust.mean(), abs=1e-12)
    ts = small_year.timeseries()
    assert ts.mean_trust.between(0, 1).all()
