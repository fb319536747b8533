"""The case engine (simulation/routing.py, simulation/casework.py): the compiled loop's
calendars against simulation.worktime's, service points and their servers, the weekly
hours of volunteers and Party branches, where an issue goes after each level, and the order
of the event queue; then, on whole runs, that escalations climb one level at a time and
grid workers start work only in working hours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import small_model
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import GridGovernanceModel
from simulation import casebook as cb
from simulation import caserules as cr
from simulation.casebook import KNOWN
from simulation.issues import U_ESCALATE, Event, Level, State
from simulation.local_help import WeeklyHours
from simulation.parameters import ISSUE_TYPES
from simulation.service import calendar_table
from simulation.worktime import Calendar

OFFICE = Calendar(9.0, 17.0)  # Monday to Friday, 9:00 to 17:00
EVENING = Calendar(17.0, 21.0)
CALENDARS = [OFFICE, EVENING, Calendar(8.0, 12.5, workdays=6), Calendar(7.0, 19.0, workdays=7),
             Calendar(0.0, 24.0, workdays=7, always=True)]
TABLE = calendar_table(CALENDARS)


# --- the compiled calendars are worktime's, operation for operation -----------------------
@settings(max_examples=300, deadline=None)
@given(c=st.integers(0, len(CALENDARS) - 1), t=st.floats(0.0, 400.0),
       hours=st.floats(0.0, 60.0))
def test_compiled_calendars_equal_worktime_exactly(c: int, t: float, hours: float) -> None:
    cal = CALENDARS[c]
    assert cb.next_open(TABLE, c, t) == cal.next_open(t)
    assert cb.add_work(TABLE, c, t, hours) == cal.add_work(t, hours)


# --- service points -----------------------------------------------------------------------
def test_one_calendar_takes_the_first_idle_server() -> None:
    busy = np.array([True, False, False])
    calendar = np.zeros(3, dtype=np.int64)
    assert cr.free_server(0, 3, True, busy, calendar, TABLE, 0.0) == 1
    busy[:] = True
    assert cr.free_server(0, 3, True, busy, calendar, TABLE, 0.0) == -1


def test_several_calendars_take_the_server_that_can_start_soonest() -> None:
    busy = np.zeros(2, dtype=bool)
    day_evening = np.array([0, 1])  # OFFICE, EVENING
    monday_noon, monday_six_pm = 0.5, 18 / 24
    assert cr.free_server(0, 2, False, busy, day_evening, TABLE, monday_noon) == 0
    assert cr.free_server(0, 2, False, busy, day_evening, TABLE, monday_six_pm) == 1
    busy[0] = True
    assert cr.free_server(0, 2, False, busy, day_evening, TABLE, monday_noon) == 1
    busy[0] = False
    both_office = np.array([0, 0])
    assert cr.free_server(0, 2, False, busy, both_office, TABLE, monday_noon) == 0  # ties


def test_a_model_serves_from_its_seats() -> None:
    """Each service point's servers hold consecutive seats; a beat's are its grid
    workers, with their calendars' rows."""
    model = small_model(seed=1, **{"staffing.households_per_worker": 60})
    table = model.points.table
    for sp in model.points.all:
        seats = [s.seat for s in sp.servers]
        assert seats == list(range(table.first[sp.index], table.first[sp.index]
                                   + table.count[sp.index]))
    assert any(len(sp.servers) >= 3 for sp in model.points.beats)


def test_hours_done_add_up_over_the_servers() -> None:
    model = small_model(seed=1)
    sp = model.points.streets[0]
    seats = [s.seat for s in sp.servers]
    model.servers.hours_done[seats] = np.arange(1, len(seats) + 1) * 2.5
    assert sp.hours_done == pytest.approx(2.5 * len(seats) * (len(seats) + 1) / 2)
    assert sp.arrived_hours == 0.0 and sp.queued == 0


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
    assert hours.left.tolist() == [3.0, 1.0] and hours.take(1, 0.5)
    np.testing.assert_allclose(hours.supplied, [6.0, 1.0])


# --- where an issue goes next -------------------------------------------------------------
def issue_of(model: GridGovernanceModel, type_name: str, u_escalate: float) -> int:
    """A new issue of ``type_name`` in grid 0 whose escalation draws are all ``u_escalate``
    (its id in the model's store)."""
    store = model.pools.store
    u = np.full((1, store.u.shape[1]), 0.5)
    u[0, U_ESCALATE:U_ESCALATE + len(Level)] = u_escalate
    ids = store.add(np.array([ISSUE_TYPES.index(type_name)]), np.array([0]), np.array([0]),
                    np.array([0]), np.array([0.5]), np.array([0.0]), u,
                    np.ones((1, len(Level) + 1)))
    return int(ids[0])


NONE, ABANDON = cr.NO_LEVEL, cr.ABANDON


class Router:
    """The compiled next_level with a model's parameters."""

    def __init__(self, model: GridGovernanceModel) -> None:
        self.model = model

    def next_level(self, issue: int, level: Level, knowledge: float = 0.0) -> int:
        r, s = self.model.router.rules, self.model.pools.store
        k = int(s.kind[issue])
        return cr.next_level(s.u[issue, U_ESCALATE + level], int(level), r.escalate[level, k],
                             r.abandon_top[k], int(r.top[k]), knowledge,
                             r.params[cb.P_ESC_CUT], bool(r.params[cb.P_CENTRE]))


@pytest.fixture(scope="module")
def models() -> dict[str, GridGovernanceModel]:
    """Day-0 small models without and with the mediation centre (grid 0 has no branch)."""
    out = {"plain": small_model(seed=1),
           "centre": small_model(seed=1, **{"policy.mediation_centre": True})}
    assert not any(m.help.has_branch[0] for m in out.values())
    return out


def test_escalation_climbs_grid_community_street_department(models) -> None:
    plain, p = models["plain"], models["plain"].params
    router = Router(plain)
    always = issue_of(plain, "water", 0.0)
    assert router.next_level(always, Level.GRID) == Level.COMMUNITY
    assert router.next_level(always, Level.COMMUNITY) == Level.STREET
    assert router.next_level(always, Level.STREET) == Level.DEPARTMENT
    assert router.next_level(always, Level.DEPARTMENT) == ABANDON
    never = issue_of(plain, "water", 0.999)
    for level in (Level.GRID, Level.COMMUNITY, Level.STREET, Level.DEPARTMENT):
        assert router.next_level(never, level) == NONE  # resolved there
    # the draw is compared with the level's probability: below escalates, at or above not
    for level, key in ((Level.GRID, "escalate_grid"), (Level.COMMUNITY, "escalate_community"),
                       (Level.STREET, "escalate_street"), (Level.DEPARTMENT, "abandon_top")):
        prob = p[f"issue.water.{key}"]
        assert router.next_level(issue_of(plain, "water", prob - 1e-9), level) != NONE
        assert router.next_level(issue_of(plain, "water", prob), level) == NONE


def test_a_worker_who_knows_the_grid_escalates_less(models) -> None:
    """p = escalate_grid x (1 - knowledge.escalation_cut x K): with K = 1 a draw between
    the cut and the uncut probability no longer escalates."""
    plain, p = models["plain"], models["plain"].params
    base = p["issue.water.escalate_grid"]
    cut = base * (1 - p["knowledge.escalation_cut"])
    assert cut < base
    issue = issue_of(plain, "water", (cut + base) / 2)
    router = Router(plain)
    assert router.next_level(issue, Level.GRID, knowledge=0.0) == Level.COMMUNITY
    assert router.next_level(issue, Level.GRID, knowledge=1.0) == NONE


def test_disputes_go_to_the_mediation_centre_only_with_the_policy(models) -> None:
    plain, centre = Router(models["plain"]), Router(models["centre"])
    dispute = issue_of(models["plain"], "dispute", 0.0)
    assert plain.next_level(dispute, Level.GRID) == Level.COMMUNITY
    assert plain.next_level(dispute, Level.STREET) == Level.DEPARTMENT
    dispute = issue_of(models["centre"], "dispute", 0.0)
    assert centre.next_level(dispute, Level.GRID) == Level.MEDIATION
    assert centre.next_level(dispute, Level.MEDIATION) == ABANDON
    water = issue_of(models["centre"], "water", 0.0)  # other types take the usual way
    assert centre.next_level(water, Level.GRID) == Level.COMMUNITY


def test_handling_hours_at_each_level() -> None:
    """Grid: base x (1 - knowledge.handling_speedup x K); above it: base x the level's
    handling.factor_*; knowledge matters at the grid only. Read from the DONE event a start
    schedules (its x: mean hours x the issue's multiplier, here 1), on a model with one
    water issue known at day 0 and nobody else to take it."""
    base_params = {"issue.water.rate": 0.0, "policy.mobilisation": "none"}
    p = small_model(seed=1, days=0).params
    base = p["issue.water.hours"]

    def hours(level: Level, knowledge: float) -> float:
        model = small_model(seed=1, days=0, **base_params)
        points = model.points
        sp = (points.beats[points.grid_beat[0]] if level == Level.GRID else
              {Level.COMMUNITY: points.communities[0], Level.STREET: points.streets[0],
               Level.DEPARTMENT: points.department, Level.MEDIATION: points.mediation}[level])
        model.servers.knowledge[sp.servers[0].seat] = knowledge
        model.queue.clear()
        issue = issue_of(model, "water", 0.5)
        model.queue.push(0.5, cb.ARRIVE, issue, int(level))
        model.router.run_until(0.5001)  # it arrives, and handling starts
        heap = model.queue.heap
        done = [k for k in range(len(model.queue)) if heap.i[k, cb.HI_ISSUE] == issue]
        return float(heap.f[done[0], cb.HF_X])

    assert hours(Level.GRID, 0.0) == pytest.approx(base)
    assert hours(Level.GRID, 1.0) == pytest.approx(base * (1 - p["knowledge.handling_speedup"]))
    for level, key in ((Level.COMMUNITY, "community"), (Level.STREET, "street"),
                       (Level.DEPARTMENT, "department"), (Level.MEDIATION, "mediation")):
        expected = base * p[f"handling.factor_{key}"]
        assert hours(level, 0.0) == hours(level, 1.0) == pytest.approx(expected)


@settings(max_examples=50, deadline=None)
@given(times=st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.25, 2.0, 7.5]), min_size=1,
                      max_size=60))
def test_the_event_queue_runs_in_time_order_and_ties_in_scheduling_order(times) -> None:
    queue = EMPTY.queue
    queue.clear()
    queue.reserve(len(times) + cb.ROOM)
    for k, t in enumerate(times):
        queue.push(t, KNOWN, 0, k)  # the data tells the events apart
    heap, ctr = queue.heap, queue.counters
    cb.push_many(heap.f, heap.i, ctr, *queue.take_pushed())
    order = []
    while ctr[cb.HEAP_N]:
        order.append((heap.f[0, cb.HF_T], heap.i[0, cb.HI_A]))
        cb.pop_root(heap.f, heap.i, ctr)
    assert order == sorted(zip(times, range(len(times)), strict=True))


EMPTY = small_model(seed=1)


# --- on whole runs ------------------------------------------------------------------------
def log_of(model: GridGovernanceModel) -> dict[str, np.ndarray]:
    """The model's issue log as columns."""
    e = model.pools.events
    return {c: e.view(c) for c in ("issue", "t", "event", "level")}


def test_grid_workers_handle_only_in_working_hours(small_year: GridGovernanceModel) -> None:
    cal = small_year.calendars.office
    log = log_of(small_year)
    starts = log["t"][(log["event"] == Event.START) & (log["level"] == Level.GRID)]
    assert len(starts) > 500
    assert all(cal.is_open(t) for t in starts.tolist())


def levels_reached(model: GridGovernanceModel) -> dict[int, list[int]]:
    """Each issue's levels of arrival, in order."""
    log = log_of(model)
    out: dict[int, list[int]] = {}
    arrive = log["event"] == Event.ARRIVE
    for i, lv in zip(log["issue"][arrive].tolist(), log["level"][arrive].tolist(), strict=True):
        out.setdefault(i, []).append(lv)
    return out


def test_escalations_climb_one_level_at_a_time() -> None:
    model = small_model(seed=4, days=200)
    s = model.issues
    reached = levels_reached(model)
    assert len(reached) > 100
    assert (s.view("returns") == 0).sum() > 100
    for issue in np.flatnonzero(s.view("returns") == 0).tolist():  # (returns: see below)
        grid_on = [lv for lv in reached.get(issue, []) if lv >= Level.GRID]
        for a, b in itertools.pairwise(grid_on):
            assert b == a + 1 or (a == Level.STREET and b == Level.DEPARTMENT)
        # an open issue may be between two levels (its hand-off still under way)
        esc = int(s.escalations[issue])
        pending = s.state[issue] == State.OPEN and esc == len(grid_on)
        assert esc == max(0, len(grid_on) - 1) or pending


def test_a_problem_that_comes_back_goes_one_level_above_its_closer() -> None:
    """After a RETURN at level L, the issue's next arrival is at the level above L
    (volunteers or the branch: the grid; the grid: the community; a top level: itself),
    it is hidden in between, and it keeps its first time known."""
    model = small_model(seed=4, days=300)
    log = log_of(model)
    back = np.flatnonzero(log["event"] == Event.RETURN)
    assert len(back) > 10
    above = {Level.VOLUNTEERS: Level.GRID, Level.BRANCH: Level.GRID,
             Level.GRID: Level.COMMUNITY, Level.COMMUNITY: Level.STREET,
             Level.STREET: Level.DEPARTMENT, Level.DEPARTMENT: Level.DEPARTMENT}
    s = model.issues
    checked = 0
    for r in back.tolist():
        i, level = int(log["issue"][r]), int(log["level"][r])
        later = np.flatnonzero((log["issue"] == i) & (log["event"] == Event.ARRIVE)
                               & (np.arange(len(log["issue"])) > r))
        assert s.t_known[i] < log["t"][r]  # known before it was closed: kept
        if len(later):
            assert log["level"][later[0]] == above[Level(level)]
            checked += 1
    assert checked > 5


def test_mediation_centre_takes_disputes_straight_from_the_grid() -> None:
    model = small_model(seed=4, days=200, **{"policy.mediation_centre": True})
    s = model.issues
    disputes = np.flatnonzero((s.view("kind") == ISSUE_TYPES.index("dispute"))
                              & (s.view("escalations") > 0)
                              & (s.view("state") != State.OPEN))  # (open: maybe on its way)
    assert len(disputes)
    reached = levels_reached(model)
    for issue in disputes.tolist():
        assert [lv for lv in reached[issue] if lv >= Level.GRID] == [Level.GRID,
                                                                    Level.MEDIATION]
