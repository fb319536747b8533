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
   P = escalate_grid x (1 - escalation_cut x knowledge) x (1 - branch cut if a branch);
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
issue, data)), so cost grows with issues and staff, not with residents x days; the router
runs each event by its kind's handler (:attr:`Router.handlers`).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .issues import (
    HM_EXTERNAL,
    U_BRANCH_TAKE,
    U_ESCALATE,
    U_LOCAL_RESOLVE,
    U_VOL_TAKE,
    Event,
    Issue,
    IssuePools,
    IssueTypes,
    Level,
    Source,
    State,
)
from .local_help import LocalHelp
from .population import Grievances
from .rules import grid_escalation_probability, grid_handling_hours, volunteer_take_probability
from .worktime import Calendar, Calendars
from .world import World

# Event kinds in the queue.
KNOWN, ARRIVE, DONE, LOCAL_DONE, EXTERNAL_DONE = range(5)


class Server(Protocol):
    """What a service point needs of its servers (grid workers, office staff)."""

    name: str
    calendar: Calendar
    busy: bool
    time_factor: float
    knowledge: float
    hours_done: float


class ServicePoint:
    """A FIFO queue served by one or more servers (a beat's grid workers, an office)."""

    __slots__ = ("arrived_hours", "level", "name", "one_calendar", "queue", "servers")

    def __init__(self, name: str, level: Level, servers: list[Any]) -> None:
        self.name = name
        self.level = level
        self.servers = servers
        self.queue: deque[Issue] = deque()
        self.arrived_hours = 0.0  # casework hours that arrived here so far
        # all servers on one calendar (an office): any idle one can start soonest
        self.one_calendar = len({s.calendar for s in servers}) <= 1

    @property
    def hours_done(self) -> float:
        """Casework hours its servers have completed so far."""
        return sum(s.hours_done for s in self.servers)

    def free_server(self, t: float) -> Any | None:
        """The idle server that can start soonest after ``t`` (the first listed on ties),
        or None."""
        if self.one_calendar:
            for s in self.servers:
                if not s.busy:
                    return s
            return None
        best, best_t = None, float("inf")
        for s in self.servers:
            if not s.busy:
                start = s.calendar.next_open(t)
                if start < best_t:
                    best, best_t = s, start
        return best


# Plain aliases for the hot path (enum attribute lookups cost more than module globals).
VOLUNTEERS, BRANCH, GRID, COMMUNITY, STREET, DEPARTMENT, MEDIATION = (
    Level.VOLUNTEERS, Level.BRANCH, Level.GRID, Level.COMMUNITY, Level.STREET,
    Level.DEPARTMENT, Level.MEDIATION)
ARRIVED, STARTED, FINISHED = Event.ARRIVE, Event.START, Event.DONE


@dataclass
class ServicePoints:
    """Every queue of the run: each beat's (its grid workers), each community's and street
    office's, the city departments' and the mediation centre's; ``grid_beat`` is each
    grid's beat."""

    beats: list[ServicePoint]
    grid_beat: np.ndarray
    beat_grids: list[list[int]]
    communities: list[ServicePoint]
    streets: list[ServicePoint]
    department: ServicePoint
    mediation: ServicePoint

    @property
    def all(self) -> list[ServicePoint]:
        """Every queue: the beats, communities, street offices, departments and the
        mediation centre, in that order (the order of the load table's first rows)."""
        return [*self.beats, *self.communities, *self.streets, self.department,
                self.mediation]

    def by_grid(self, world: World) -> list[list[ServicePoint | None]]:
        """For each grid, its service point at each level (None for volunteers, branch)."""
        w = world
        out = []
        for g in range(w.n_grids):
            c = int(w.grid_community[g])
            out.append([None, None, self.beats[self.grid_beat[g]], self.communities[c],
                        self.streets[int(w.community_street[c])], self.department,
                        self.mediation])
        return out

    def queued_above_grid(self) -> int:
        """Issues waiting in the queues above the grid."""
        return (sum(len(sp.queue) for sp in self.communities)
                + sum(len(sp.queue) for sp in self.streets)
                + len(self.department.queue) + len(self.mediation.queue))


class EventQueue:
    """The pending events of a run: (time, sequence, kind, issue, data) in a heap; ties in
    time run in the order they were scheduled."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, int, Issue, Any]] = []
        self.scheduled = 0  # events scheduled so far (the cost measure of the benchmarks)

    def push(self, t: float, kind: int, issue: Issue, data: Any = None) -> None:
        """Schedule an event of ``kind`` for ``issue`` at time ``t`` (days)."""
        self.scheduled += 1
        heapq.heappush(self.heap, (t, self.scheduled, kind, issue, data))


class Router:
    """Moves issues through their life cycle: each event of the queue runs by its kind's
    handler (:attr:`handlers`, indexed by KNOWN, ARRIVE, DONE, LOCAL_DONE, EXTERNAL_DONE;
    each takes the issue, the time and the event's data).

    It receives what it uses: the parameters and issue types, the calendars, the issue
    pools, the event queue, the service points by grid, the grids' local help (volunteers
    and branches), the residents' grievances (which stop weighing once an issue closes) and
    the behaviour stream (who among the volunteers or Party members takes an issue).
    """

    def __init__(self, params: Mapping[str, Any], types: IssueTypes, calendars: Calendars,
                 pools: IssuePools, queue: EventQueue,
                 points: list[list[ServicePoint | None]], help: LocalHelp,
                 grievances: Grievances, rng: np.random.Generator) -> None:
        p, ty = params, types
        self.pools, self.queue, self.points = pools, queue, points
        self.help, self.grievances, self.rng = help, grievances, rng
        self.push = queue.push
        self.volunteer_calendar = calendars.volunteer
        self.handoff_hours = p["routing.handoff_hours"]
        self.handoff_calendar = calendars.always if p["staffing.always_on"] else calendars.office
        # Per-type parameters as lists: indexing a list is cheaper than a NumPy array.
        self.hours = ty.hours.tolist()
        self.volunteer_ok = ty.volunteer_ok.tolist()
        self.branch_ok = ty.branch_ok.tolist()
        self.escalate = {lvl: ty.escalate[lvl].tolist() for lvl in ty.escalate}
        self.top = list(ty.top)
        self.abandon_top = ty.abandon_top.tolist()
        self.level_factor = {
            COMMUNITY: p["handling.factor_community"],
            STREET: p["handling.factor_street"],
            DEPARTMENT: p["handling.factor_department"],
            MEDIATION: p["handling.factor_mediation"],
        }
        self.speedup = p["knowledge.handling_speedup"]
        self.esc_cut = p["knowledge.escalation_cut"]
        self.branch_cut = p["branch.escalation_cut"]
        self.branch_take = p["branch.take_prob"]
        self.take_per_active = p["volunteers.take_per_active"]
        self.take_max = p["volunteers.take_max"]
        self.centre = p["policy.mediation_centre"]
        self.local_hours = {VOLUNTEERS: p["handling.volunteer_hours"],
                            BRANCH: p["handling.branch_hours"]}
        self.local_resolve = local_resolve_probabilities(p)
        self.has_branch = [bool(b) for b in help.has_branch]
        self.external_days = {GRID: p["grid.external_days"],
                              DEPARTMENT: p["department.external_days"]}
        self.handlers = (self.make_known, self.arrive, self.done, self.local_done,
                         self.external_done)

    # --- the queue ------------------------------------------------------------------------
    def run_until(self, t_end: float) -> None:
        """Run every pending event before ``t_end``, in time order."""
        heap, pop, handlers = self.queue.heap, heapq.heappop, self.handlers
        while heap and heap[0][0] < t_end:
            t, _, kind, issue, data = pop(heap)
            handlers[kind](issue, t, data)

    # --- transitions ----------------------------------------------------------------------
    def make_known(self, issue: Issue, t: float, source: Source) -> None:
        """The issue becomes known to someone in charge and enters routing."""
        if issue.state != State.HIDDEN:
            return  # found by two routes on the same day: the first one counts
        pools = self.pools
        pools.forget_hidden(issue)
        issue.state = State.OPEN
        issue.source = source
        issue.t_known = t
        pools.counts["open"] += 1
        self.grievances.known(issue.id, t)
        if source == Source.VOLUNTEER and issue.household >= 0:
            pools.contacts.append((issue.household, t))  # a neighbour noticed the problem
        self.route_known(issue, t)

    def route_known(self, issue: Issue, t: float) -> None:
        """Send a just-known issue to volunteers, the Party branch, or the grid worker."""
        help, u, g, k = self.help, issue.u, issue.grid, issue.kind
        active = help.active_list[g]
        if (self.volunteer_ok[k] and active > 0
                and u[U_VOL_TAKE] < volunteer_take_probability(float(active),
                                                               self.take_per_active,
                                                               self.take_max)
                and help.volunteer_hours.take(g, self.local_hours[VOLUNTEERS]
                                              * issue.hm[VOLUNTEERS])):
            self.start_local(issue, VOLUNTEERS, t)
        elif (self.branch_ok[k] and self.has_branch[g] and u[U_BRANCH_TAKE] < self.branch_take
              and help.branch_hours.take(g, self.local_hours[BRANCH] * issue.hm[BRANCH])):
            self.start_local(issue, BRANCH, t)
        else:
            self.arrive(issue, t, GRID)

    def start_local(self, issue: Issue, level: Level, t: float) -> None:
        """Volunteers or the Party branch take the issue (no queue: many hands, within
        their week's hours)."""
        handler = self.help.pick(issue.grid, level, self.rng)
        cal = self.volunteer_calendar
        start = cal.next_open(t)
        issue.log += ((t, ARRIVED, level, ""), (start, STARTED, level, handler))
        if level == VOLUNTEERS and issue.household >= 0:
            self.pools.contacts.append((issue.household, start))  # a volunteer comes to help
        hours = self.local_hours[level] * issue.hm[level]
        self.push(cal.add_work(start, hours), LOCAL_DONE, issue, (level, handler))

    def local_done(self, issue: Issue, t: float, data: tuple[Level, str]) -> None:
        """Volunteers / branch finish: settled, or passed on to the grid worker."""
        level, handler = data
        issue.log.append((t, FINISHED, level, ""))
        if issue.u[U_LOCAL_RESOLVE] < self.local_resolve[level]:
            self.close(issue, t, State.RESOLVED, level, handler)
        else:
            self.arrive(issue, t, GRID)

    def arrive(self, issue: Issue, t: float, level: Level) -> None:
        """The issue reaches a service point's queue."""
        issue.log.append((t, ARRIVED, level, ""))
        sp = self.points[issue.grid][level]
        if level == GRID:  # knowledge matters at the grid only (a beat has 1-3 workers)
            servers = sp.servers
            knowledge = (servers[0].knowledge if len(servers) == 1
                         else sum(s.knowledge for s in servers) / len(servers))
            sp.arrived_hours += grid_handling_hours(self.hours[issue.kind], knowledge,
                                                    self.speedup) * issue.hm[GRID]
        else:
            sp.arrived_hours += self.hours[issue.kind] * self.level_factor[level] \
                * issue.hm[level]
        server = sp.free_server(t)
        if server is None:
            sp.queue.append(issue)
        else:
            self.start(sp, server, issue, t)

    def mean_hours(self, issue: Issue, level: Level, knowledge: float) -> float:
        """Mean handling time (hours of casework) of this issue at this level, for a
        server with local ``knowledge`` (it matters at the grid only)."""
        if level == GRID:
            return grid_handling_hours(self.hours[issue.kind], knowledge, self.speedup)
        return self.hours[issue.kind] * self.level_factor[level]

    def start(self, sp: ServicePoint, server: Server, issue: Issue, t: float) -> None:
        """A server takes the issue: handling starts at its next working moment."""
        level = sp.level
        cal = server.calendar
        start = cal.next_open(t)
        issue.log.append((start, STARTED, level, server.name))
        hours = self.mean_hours(issue, level, server.knowledge) * issue.hm[level]
        server.busy = True
        self.push(cal.add_work(start, hours * server.time_factor), DONE, issue,
                  (sp, server, hours))

    def done(self, issue: Issue, t: float, data: tuple[ServicePoint, Server, float]) -> None:
        """A server finishes: resolve, abandon or escalate; then take the next in the queue."""
        sp, server, hours = data
        level = sp.level
        server.busy = False
        server.hours_done += hours
        issue.log.append((t, FINISHED, level, ""))
        nxt = self.next_level(issue, level, server)
        if nxt is None and self.external_days.get(level, 0.0) > 0.0:
            outside = self.external_days[level] * issue.hm[HM_EXTERNAL]
            self.push(t + outside, EXTERNAL_DONE, issue, (level, server.name))
        elif nxt is None:
            self.close(issue, t, State.RESOLVED, level, server.name)
        elif nxt == "abandon":
            self.close(issue, t, State.ABANDONED, level, server.name)
        else:
            issue.escalations += 1
            self.push(self.handoff_calendar.add_work(t, self.handoff_hours), ARRIVE, issue, nxt)
        if sp.queue:
            self.start(sp, server, sp.queue.popleft(), t)

    def external_done(self, issue: Issue, t: float, data: tuple[Level, str]) -> None:
        """The outside work on a settled case is finished: it closes, resolved."""
        self.close(issue, t, State.RESOLVED, *data)

    def next_level(self, issue: Issue, level: Level, server: Server) -> Level | str | None:
        """Where the issue goes after handling at ``level``: a level, "abandon" or None."""
        u = issue.u[U_ESCALATE + level]
        k = issue.kind
        if level >= DEPARTMENT:  # a top level: department or mediation centre
            return "abandon" if u < self.abandon_top[k] else None
        p = self.escalate[level][k]
        if level == GRID:
            p = grid_escalation_probability(p, server.knowledge, self.esc_cut,
                                            self.has_branch[issue.grid], self.branch_cut)
        if u >= p:
            return None
        top = self.top[k]
        if level == GRID:
            return top if (top == MEDIATION and self.centre) else COMMUNITY
        if level == COMMUNITY:
            return STREET
        return DEPARTMENT  # mediation-centre issues reach the street only without the centre

    def close(self, issue: Issue, t: float, state: State, level: Level, handler: str) -> None:
        """Resolve or abandon the issue (trust responds at the end of the day)."""
        pools = self.pools
        issue.state = state
        issue.t_closed = t
        issue.closed_by = level
        issue.handler = handler
        pools.counts["open"] -= 1
        pools.counts["resolved" if state == State.RESOLVED else "abandoned"] += 1
        self.grievances.closed(issue.id)
        pools.closed_today.append(issue)


def local_resolve_probabilities(params: Mapping[str, Any]) -> dict[Level, float]:
    """P(volunteers or the Party branch settle an issue they took): ``resolve_prob`` each,
    the volunteers' raised by ``volunteers.training_gain`` during a campaign."""
    p = params
    trained = p["volunteers.training_gain"] if p["policy.mobilisation"] == "campaign" else 0.0
    return {VOLUNTEERS: min(1.0, p["volunteers.resolve_prob"] + trained),
            BRANCH: p["branch.resolve_prob"]}
