"""The case engine (simulation/routing.py): service points and their servers, the weekly
hours of volunteers and Party branches, where an issue goes after each level, and the
order of the event queue; then, on whole runs, that escalations climb one level at a time
and grid workers start work only in working hours."""

from __future__ import annotations

import heapq
import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import small_model

from simulation import GridGovernanceModel
from simulation.issues import N_UNIFORMS, U_ESCALATE, Issue, Level, State
from simulation.local_help import WeeklyHours
from simulation.parameters import ISSUE_TYPES
from simulation.routing import KNOWN, ServicePoint
from simulation.worktime import Calendar

OFFICE = Calendar(9.0, 17.0)  # Monday to Friday, 9:00 to 17:00
EVENING = Calendar(17.0, 21.0)


def server(name: str, calendar: Calendar = OFFICE, busy: bool = False,
           hours_done: float = 0.0) -> SimpleNamespace:
    return SimpleNamespace(name=name, calendar=calendar, busy=busy, time_factor=1.0,
                           knowledge=0.0, hours_done=hours_done)


# --- service points -----------------------------------------------------------------------
def test_one_calendar_takes_the_first_idle_server() -> None:
    a, b, c = server("a", busy=True), server("b"), server("c")
    sp = ServicePoint("office", Level.COMMUNITY, [a, b, c])
    assert sp.free_server(0.0) is b
    b.busy = c.busy = True
    assert sp.free_server(0.0) is None


def test_several_calendars_take_the_server_that_can_start_soonest() -> None:
    day, evening = server("day"), server("evening", EVENING)
    sp = ServicePoint("beat", Level.GRID, [day, evening])
    monday_noon, monday_six_pm = 0.5, 18 / 24
    assert sp.free_server(monday_noon) is day  # open now; the evening one at 17:00
    assert sp.free_server(monday_six_pm) is evening  # open now; the day one tomorrow at 9
    day.busy = True
    assert sp.free_server(monday_noon) is evening
    both = ServicePoint("beat", Level.GRID, [server("x"), server("y")])
    assert both.free_server(monday_noon).name == "x"  # ties: the first listed


def test_hours_done_add_up_over_the_servers() -> None:
    sp = ServicePoint("office", Level.STREET, [server("a", hours_done=2.5),
                                              server("b", hours_done=4.0)])
    assert sp.hours_done == 6.5 and sp.arrived_hours == 0.0 and not sp.queue


# --- weekly hours of volunteers and Party branches ----------------------------------------
def test_weekly_hours_are_spent_until_none_are_left() -> None:
    hours = WeeklyHours(2)
    assert not hours.take(0, 1.0)  # no week has started: nothing to give
    hours.refill(np.array([3.0, 0.0]))
    assert hours.take(0, 2.0) and hours.take(0, 2.0)  # the second overdraws: a job is finished
    assert hours.left[0] == -1.0
    assert not hours.take(0, 0.5)  # nothing left this week
    assert not hours.take(1, 0.5)  # a grid without hours
    np.testing.assert_allclose(hours.offered, [5.5, 0.5])
    np.testing.assert_allclose(hours.taken, [4.0, 0.0])
    hours.refill(np.array([3.0, 1.0]))  # a new week: the overdraft is forgotten
    assert hours.left == [3.0, 1.0] and hours.take(1, 0.5)
    np.testing.assert_allclose(hours.supplied, [6.0, 1.0])


# --- where an issue goes next -------------------------------------------------------------
def issue_of(model: GridGovernanceModel, type_name: str, u_escalate: float) -> Issue:
    """An issue of ``type_name`` in grid 0 whose escalation draws are all ``u_escalate``."""
    u = np.full(N_UNIFORMS, 0.5)
    u[U_ESCALATE:U_ESCALATE + len(Level)] = u_escalate
    return Issue(0, ISSUE_TYPES.index(type_name), 0, 0, 0, 0.5, 0.0, u, [1.0] * (len(Level) + 1))


@pytest.fixture(scope="module")
def models() -> dict[str, GridGovernanceModel]:
    """Day-0 small models without and with the mediation centre (grid 0 has no branch)."""
    out = {"plain": small_model(seed=1),
           "centre": small_model(seed=1, **{"policy.mediation_centre": True})}
    assert not any(m.help.has_branch[0] for m in out.values())
    return out


def test_escalation_climbs_grid_community_street_department(models) -> None:
    router, p = models["plain"].router, models["plain"].params
    worker = SimpleNamespace(knowledge=0.0)
    always = issue_of(models["plain"], "water", 0.0)
    assert router.next_level(always, Level.GRID, worker) == Level.COMMUNITY
    assert router.next_level(always, Level.COMMUNITY, worker) == Level.STREET
    assert router.next_level(always, Level.STREET, worker) == Level.DEPARTMENT
    assert router.next_level(always, Level.DEPARTMENT, worker) == "abandon"
    never = issue_of(models["plain"], "water", 0.999)
    for level in (Level.GRID, Level.COMMUNITY, Level.STREET, Level.DEPARTMENT):
        assert router.next_level(never, level, worker) is None  # resolved there
    # the draw is compared with the level's probability: below escalates, at or above not
    for level, key in ((Level.GRID, "escalate_grid"), (Level.COMMUNITY, "escalate_community"),
                       (Level.STREET, "escalate_street"), (Level.DEPARTMENT, "abandon_top")):
        prob = p[f"issue.water.{key}"]
        assert router.next_level(issue_of(models["plain"], "water", prob - 1e-9), level,
                                 worker) is not None
        assert router.next_level(issue_of(models["plain"], "water", prob), level, worker) is None


def test_a_worker_who_knows_the_grid_escalates_less(models) -> None:
    """p = escalate_grid x (1 - knowledge.escalation_cut x K): with K = 1 a draw between
    the cut and the uncut probability no longer escalates."""
    router, p = models["plain"].router, models["plain"].params
    base = p["issue.water.escalate_grid"]
    cut = base * (1 - p["knowledge.escalation_cut"])
    assert cut < base
    issue = issue_of(models["plain"], "water", (cut + base) / 2)
    assert router.next_level(issue, Level.GRID, SimpleNamespace(knowledge=0.0)) == Level.COMMUNITY
    assert router.next_level(issue, Level.GRID, SimpleNamespace(knowledge=1.0)) is None


def test_disputes_go_to_the_mediation_centre_only_with_the_policy(models) -> None:
    worker = SimpleNamespace(knowledge=0.0)
    plain = models["plain"]
    dispute = issue_of(plain, "dispute", 0.0)
    assert plain.router.next_level(dispute, Level.GRID, worker) == Level.COMMUNITY
    assert plain.router.next_level(dispute, Level.STREET, worker) == Level.DEPARTMENT
    centre = models["centre"]
    assert centre.router.next_level(dispute, Level.GRID, worker) == Level.MEDIATION
    assert centre.router.next_level(dispute, Level.MEDIATION, worker) == "abandon"
    water = issue_of(centre, "water", 0.0)  # other types take the usual way
    assert centre.router.next_level(water, Level.GRID, worker) == Level.COMMUNITY


def test_handling_hours_at_each_level(models) -> None:
    """Grid: base x (1 - knowledge.handling_speedup x K); above it: base x the level's
    handling.factor_*; knowledge matters at the grid only."""
    router, p = models["plain"].router, models["plain"].params
    issue = issue_of(models["plain"], "water", 0.5)
    base = p["issue.water.hours"]
    assert router.mean_hours(issue, Level.GRID, 0.0) == pytest.approx(base)
    assert router.mean_hours(issue, Level.GRID, 1.0) == pytest.approx(
        base * (1 - p["knowledge.handling_speedup"]))
    for level, key in ((Level.COMMUNITY, "community"), (Level.STREET, "street"),
                       (Level.DEPARTMENT, "department"), (Level.MEDIATION, "mediation")):
        expected = base * p[f"handling.factor_{key}"]
        assert router.mean_hours(issue, level, 0.0) == router.mean_hours(issue, level, 1.0) \
            == pytest.approx(expected)


def test_the_event_queue_runs_in_time_order_and_ties_in_scheduling_order() -> None:
    queue = small_model(seed=1).queue
    queue.heap.clear()
    issue = SimpleNamespace()
    for t, tag in ((2.0, "late"), (1.0, "first"), (1.0, "second"), (0.5, "earliest")):
        queue.push(t, KNOWN, issue, tag)
    order = [heapq.heappop(queue.heap) for _ in range(4)]
    assert [(t, data) for t, _, _, _, data in order] == [
        (0.5, "earliest"), (1.0, "first"), (1.0, "second"), (2.0, "late")]


# --- on whole runs ------------------------------------------------------------------------
def test_grid_workers_handle_only_in_working_hours(small_year: GridGovernanceModel) -> None:
    cal = small_year.calendars.office
    starts = [t for i in small_year.issues for t, ev, lv, _ in i.log
              if ev == 1 and lv == Level.GRID]
    assert len(starts) > 500
    assert all(cal.is_open(t) for t in starts)


def test_escalations_climb_one_level_at_a_time() -> None:
    model = small_model(seed=4, days=200)
    for issue in model.issues:
        levels = [lv for _, ev, lv, _ in issue.log if ev == 0]
        grid_on = [lv for lv in levels if lv >= Level.GRID]
        for a, b in itertools.pairwise(grid_on):
            assert b == a + 1 or (a == Level.STREET and b == Level.DEPARTMENT)
        # an open issue may be between two levels (its hand-off still under way)
        pending = issue.state == State.OPEN and issue.escalations == len(grid_on)
        assert issue.escalations == max(0, len(grid_on) - 1) or pending


def test_mediation_centre_takes_disputes_straight_from_the_grid() -> None:
    model = small_model(seed=4, days=200, **{"policy.mediation_centre": True})
    disputes = [i for i in model.issues if i.type_name == "dispute" and i.escalations
                and i.state != State.OPEN]  # (an open one may still be on its way)
    assert disputes
    for issue in disputes:
        levels = [lv for _, ev, lv, _ in issue.log if ev == 0 and lv >= Level.GRID]
        assert levels == [Level.GRID, Level.MEDIATION]
