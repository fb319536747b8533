"""The case engine: who handles what, queues at service points, escalation, and the event
queue that times every transition.

Routing of a known issue (``Router.route_known``):
1. minor types: the grid's active volunteers take it with P = min(take_max, take_per_active x
   active volunteers); a grid Party branch takes the types it may handle with P = take_prob.
   Either settles it with P = resolve_prob (volunteers: + training_gain during a campaign),
   else passes it to the grid worker. Volunteers and the branch are many hands but not
   unlimited (:mod:`simulation.local_help`): once their week's hours are spent they take
   nothing more that week and the issue goes on as if they had declined it;
2. the grid worker(s) of the grid's beat (one FIFO queue): handles, then escalates with
   P = escalate_grid x (1 - escalation_cut x knowledge). Before a case of a type the branch
   may handle leaves the grid, the grid's Party branch (if it has not tried the case yet)
   takes it with P = take_prob, within its week's hours, and settles it with
   P = resolve_prob (大事小事格内解决); else it goes up as the grid worker decided. An
   escalation is avoided only for a case a member takes and settles, in members' hours;
3. community → street office → a city department. With the mediation-centre policy, issues
   whose top level is the one-stop mediation centre (disputes) go straight from the grid to
   the centre instead, skipping the community and street hand-offs. Each hand-off between
   offices takes ``routing.handoff_hours`` of office time. At the top level an issue is
   resolved or, with P = abandon_top, abandoned.

A case the grid worker or a city department settles then waits for outside work (the
property company, a repair crew, contractors, inspections) that occupies no staff:
``grid.external_days`` or ``department.external_days`` x the case's lognormal draw (mean
1), and closes.

Every service point counts the casework hours that *arrive* at it (each issue's drawn hours
at that level), for the realised offered load (:mod:`simulation.load`).

Only pending work is in the queue (:class:`EventQueue`: a heap of (time, sequence, kind,
issue, data)), so cost grows with issues and staff, not with residents x days. Issues,
servers, service points and their queues are NumPy columns (:mod:`simulation.issues`,
:class:`Servers`, :class:`PointTable`); the router runs each event by its kind's handler
in the compiled loop of :mod:`simulation.casework` (:data:`simulation.casework.HANDLERS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import casebook as cb
from . import casework as cw
from .casebook import ARRIVE, DONE, EXTERNAL_DONE, KNOWN, LOCAL_DONE
from .issues import CHUNK, IssuePools, IssueTypes, Level
from .local_help import LocalHelp
from .population import Grievances
from .service import Servers, ServicePoints, calendar_rows, calendar_table
from .worktime import Calendars

__all__ = ["ARRIVE", "DONE", "EXTERNAL_DONE", "KNOWN", "LOCAL_DONE", "EventQueue", "Router",
           "rules"]

# Plain aliases for the levels.
VOLUNTEERS, BRANCH, GRID, COMMUNITY, STREET, DEPARTMENT, MEDIATION = (
    Level.VOLUNTEERS, Level.BRANCH, Level.GRID, Level.COMMUNITY, Level.STREET,
    Level.DEPARTMENT, Level.MEDIATION)


class EventQueue:
    """The pending events of a run in a heap of arrays (:class:`simulation.casework.Heap`,
    keyed by time then sequence: ties in time run in the order they were scheduled). The
    agents' steps ``push`` events, held until the router's next run; ``scheduled`` counts
    every event scheduled so far (the cost measure of the benchmarks)."""

    def __init__(self) -> None:
        self.heap = _heap(CHUNK)
        self.counters = np.zeros(cb.N_COUNTERS, dtype=np.int64)
        self._pushed: tuple[list[float], list[int], list[int], list[int]] = ([], [], [], [])

    def push(self, t: float, kind: int, issue: int, data: int) -> None:
        """Schedule an event of ``kind`` for ``issue`` (its id) at time ``t`` (days), with
        one integer of data (KNOWN: the Source)."""
        ts, kinds, issues, data_ = self._pushed
        ts.append(t)
        kinds.append(kind)
        issues.append(issue)
        data_.append(int(data))

    def push_many(self, t: np.ndarray, kind: int, issues: np.ndarray, data: np.ndarray) -> None:
        """Schedule events of one ``kind`` for ``issues`` at times ``t``, in order, each with
        its integer of ``data`` (as many :meth:`push` calls)."""
        ts, kinds, ids, data_ = self._pushed
        ts.extend(np.asarray(t, dtype=np.float64).tolist())
        kinds.extend([kind] * len(t))
        ids.extend(np.asarray(issues, dtype=np.int64).tolist())
        data_.extend(np.asarray(data, dtype=np.int64).tolist())

    @property
    def scheduled(self) -> int:
        """Events scheduled so far."""
        return int(self.counters[cb.SCHEDULED]) + len(self._pushed[0])

    def __len__(self) -> int:
        return int(self.counters[cb.HEAP_N]) + len(self._pushed[0])

    def reserve(self, rows: int) -> None:
        """Room for ``rows`` more events in the heap."""
        n = int(self.counters[cb.HEAP_N])
        if n + rows > len(self.heap.f):
            new = _heap(max(2 * len(self.heap.f), n + rows))
            for old, col in zip(self.heap, new, strict=True):
                col[:n] = old[:n]
            self.heap = new

    def take_pushed(self) -> tuple[np.ndarray, ...]:
        """The events pushed since the last run, as arrays (and forget them)."""
        ts, kinds, issues, data = self._pushed
        out = (np.array(ts, dtype=np.float64), np.array(kinds, dtype=np.int64),
               np.array(issues, dtype=np.int64), np.array(data, dtype=np.int64))
        self._pushed = ([], [], [], [])
        return out

    def clear(self) -> None:
        """Drop every pending event."""
        self.heap = _heap(0)
        self.counters[cb.HEAP_N] = 0
        self._pushed = ([], [], [], [])


def _heap(size: int) -> cb.Heap:
    return cb.Heap(np.zeros((size, 2)), np.zeros((size, 5), dtype=np.int64))


class Router:
    """Moves issues through their life cycle: each event of the queue runs by its kind's
    handler (:data:`simulation.casework.HANDLERS`), in the compiled loop of
    :mod:`simulation.casework`.

    It receives what it uses: the parameters and issue types, the calendars, the issue
    pools, the event queue, the service points and each grid's service point by level
    (:meth:`ServicePoints.by_grid`), the servers, the grids' local help (volunteers and
    branches), the residents' grievances (which stop weighing once an issue closes) and the
    behaviour stream (who among the volunteers or Party members takes an issue).
    """

    def __init__(self, params: Mapping[str, Any], types: IssueTypes, calendars: Calendars,
                 pools: IssuePools, queue: EventQueue, points: ServicePoints,
                 grid_points: np.ndarray, servers: Servers, help: LocalHelp,
                 grievances: Grievances, rng: np.random.Generator) -> None:
        self.pools, self.queue, self.points, self.servers = pools, queue, points, servers
        self.grid_points = grid_points
        self.help, self.grievances, self.rng = help, grievances, rng
        self.rules = rules(params, types, calendars)
        n = len(help.has_branch)
        members = [help.party_by_grid.get(g, np.empty(0, dtype=np.int64)) for g in range(n)]
        self.party_count = np.array([len(m) for m in members], dtype=np.int64)
        self.party_first = np.cumsum(self.party_count) - self.party_count
        self.party_members = (np.concatenate(members) if members
                              else np.empty(0)).astype(np.int64)
        self.news = _news(CHUNK)

    def _books(self) -> cb.Books:
        p, s, h, g = self.pools, self.pools.store, self.help, self.grievances
        e, pt = p.events, self.points.table
        vh, bh = h.volunteer_hours, h.branch_hours
        return cb.Books(
            heap=self.queue.heap, ctr=self.queue.counters,
            issues=cb.IssueCols(*(getattr(s, name) for name in cb.IssueCols._fields)),
            log=cb.LogCols(e.issue, e.t, e.event, e.level, e.who),
            points=cb.PointCols(pt.level, pt.first, pt.count, pt.one_calendar, pt.arrived,
                                pt.head, pt.tail, pt.length, self.grid_points),
            servers=self.servers.columns(),
            help=cb.HelpCols(h.active_by_grid, h.active_first, h.active_idx, vh.left,
                             vh.offered, vh.taken, bh.left, bh.offered, bh.taken,
                             self.party_first, self.party_count, self.party_members,
                             h.has_branch),
            rules=self.rules, counts=p.counts, grievance_known=g.t_known,
            grievance_done=g.done, news=self.news, hidden=p.lists())

    def run_until(self, t_end: float) -> None:
        """Run every pending event before ``t_end``, in time order (the events the agents
        pushed since the last run first join the queue, in the order pushed)."""
        queue, ctr = self.queue, self.queue.counters
        pushed = queue.take_pushed()
        queue.reserve(len(pushed[0]) + cb.ROOM)
        ctr[cb.LOG_N] = self.pools.events.n
        books = self._books()
        if len(pushed[0]):
            cb.push_many(queue.heap.f, queue.heap.i, ctr, *pushed)
        while not cw.run_until(books, self.rng, t_end):
            self._grow()
            books = self._books()
        self._deliver()

    def _grow(self) -> None:
        """Double whichever array is nearly full."""
        ctr, room = self.queue.counters, 4 * cb.ROOM
        self.queue.reserve(room)
        self.pools.events.n = int(ctr[cb.LOG_N])
        self.pools.events.reserve(room)
        news = self.news
        if len(news.closed) - max(ctr[cb.CLOSED_N], ctr[cb.CONTACTS_N],
                                  ctr[cb.RETURNED_N]) < room:
            bigger = _news(2 * len(news.closed))
            for old, new in zip(news, bigger, strict=True):
                new[: len(old)] = old
            self.news = bigger

    def _deliver(self) -> None:
        """Hand the run's news to the pools: the log's length, issues closed, volunteer
        contacts."""
        ctr, news, pools = self.queue.counters, self.news, self.pools
        pools.events.n = int(ctr[cb.LOG_N])
        closed, contacts = int(ctr[cb.CLOSED_N]), int(ctr[cb.CONTACTS_N])
        returned = int(ctr[cb.RETURNED_N])
        if closed:
            pools.closed_today = np.concatenate([pools.closed_today, news.closed[:closed]])
        if returned:
            ids, times = pools.returned
            pools.returned = (np.concatenate([ids, news.returned[:returned]]),
                              np.concatenate([times, news.returned_t[:returned]]))
        if contacts:
            households, times = pools.contacts
            pools.contacts = (np.concatenate([households, news.contact_household[:contacts]]),
                              np.concatenate([times, news.contact_t[:contacts]]))
        ctr[cb.CLOSED_N] = ctr[cb.CONTACTS_N] = ctr[cb.RETURNED_N] = 0

    def names(self, levels: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Handlers' names from their codes at ``levels`` (the store's ``handler`` with
        ``closed_by``, the log's ``who`` with ``level``): "volunteer:17",
        "party_member:4", "grid_worker:12", "community:3:0"; "" for code -1."""
        levels = np.asarray(levels, dtype=np.int64)
        codes = np.asarray(codes, dtype=np.int64)
        out = np.full(len(codes), "", dtype=object)
        staff = (codes >= 0) & (levels >= GRID)
        names = np.array(self.servers.names, dtype=object)
        out[staff] = names[codes[staff]]
        residents = self.help.residents
        for level, prefix in ((VOLUNTEERS, "volunteer:"), (BRANCH, "party_member:")):
            mine = (codes >= 0) & (levels == level)
            uid = {c: f"{prefix}{residents[c].unique_id}" for c in np.unique(codes[mine]).tolist()}
            out[mine] = [uid[c] for c in codes[mine].tolist()]
        return out


def _news(size: int) -> cb.DayNews:
    return cb.DayNews(np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64),
                      np.zeros(size), np.zeros(size, dtype=np.int64), np.zeros(size))


def rules(params: Mapping[str, Any], types: IssueTypes, calendars: Calendars) -> cb.Rules:
    """The parameters the handlers use, as arrays (:class:`simulation.casework.Rules`)."""
    p, ty = params, types
    levels = len(Level)
    escalate = np.zeros((levels, len(ty.hours)))
    for lvl, col in ty.escalate.items():
        escalate[lvl] = col
    factor = np.zeros(levels)
    for lvl, key in ((COMMUNITY, "community"), (STREET, "street"),
                     (DEPARTMENT, "department"), (MEDIATION, "mediation")):
        factor[lvl] = p[f"handling.factor_{key}"]
    external = np.zeros(levels)
    external[GRID] = p["grid.external_days"]
    external[DEPARTMENT] = p["department.external_days"]
    resolve = local_resolve_probabilities(p)
    scalars = np.zeros(cb.N_PARAMS)
    scalars[cb.P_HANDOFF_HOURS] = p["routing.handoff_hours"]
    scalars[cb.P_SPEEDUP] = p["knowledge.handling_speedup"]
    scalars[cb.P_ESC_CUT] = p["knowledge.escalation_cut"]
    scalars[cb.P_BRANCH_TAKE] = p["branch.take_prob"]
    scalars[cb.P_TAKE_PER_ACTIVE] = p["volunteers.take_per_active"]
    scalars[cb.P_TAKE_MAX] = p["volunteers.take_max"]
    scalars[cb.P_CENTRE] = float(bool(p["policy.mediation_centre"]))
    rows = calendar_rows(calendars)
    scalars[cb.P_HANDOFF_CAL] = 3 if p["staffing.always_on"] else 0
    scalars[cb.P_VOLUNTEER_CAL] = 2
    scalars[cb.P_KEEP] = p["grid.keep_share"]
    scalars[cb.P_FIX] = p["closure.fix_prob"]
    scalars[cb.P_FIX_SHORT] = p["closure.fix_prob_short"]
    scalars[cb.P_SHARED_FIX] = p["closure.shared_fix_prob"]  # until a renovation
    scalars[cb.P_RETURN_DAYS] = p["closure.return_days"]
    scalars[cb.P_CALLBACK] = p["callback.response_rate"]
    scalars[cb.P_SATISFIED_DAYS] = 2.0 * p["trust.expected_days"]
    cal = calendar_table(rows)
    return cb.Rules(
        hours=ty.hours.astype(float), volunteer_ok=ty.volunteer_ok.astype(bool),
        branch_ok=ty.branch_ok.astype(bool), escalate=escalate,
        top=np.array([int(x) for x in ty.top], dtype=np.int64),
        abandon_top=ty.abandon_top.astype(float), level_factor=factor,
        local_hours=np.array([p["handling.volunteer_hours"], p["handling.branch_hours"]]),
        local_resolve=np.array([resolve[VOLUNTEERS], resolve[BRANCH]]),
        external_days=external, params=scalars, calendars=cal)


def local_resolve_probabilities(params: Mapping[str, Any]) -> dict[Level, float]:
    """P(volunteers or the Party branch settle an issue they took): ``resolve_prob`` each,
    the volunteers' raised by ``volunteers.training_gain`` during a campaign."""
    p = params
    trained = p["volunteers.training_gain"] if p["policy.mobilisation"] == "campaign" else 0.0
    return {VOLUNTEERS: min(1.0, p["volunteers.resolve_prob"] + trained),
            BRANCH: p["branch.resolve_prob"]}
