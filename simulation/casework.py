"""The compiled event loop of routing: each event kind's handler, and the loop that runs
them in time order (:mod:`simulation.routing` states the rules; this module carries them
out on the arrays of :mod:`simulation.casebook`).

Everything the handlers touch is a NumPy column: the issues (:class:`~simulation.issues.
IssueStore`), their log, the service points and their FIFO queues (linked lists through
the issues), the servers, the grids' local help, the per-type parameters, the calendars and
the residents' grievances. The loop is compiled with numba (``cache=True``: compiled once
per installation and source change) and without fast-math, so every sum and product is
the same IEEE operation, in the same order, as the Python it replaced: results are
bit-identical. Random draws (who among the volunteers or Party members takes an issue) go
through the behaviour stream's own NumPy generator, whose state numba shares.

The loop stops at ``t_end`` or when the arrays are nearly full (the caller grows them and
calls again).
"""

from __future__ import annotations

import math

import numpy as np

from .casebook import (
    ABANDONED,
    ARRIVE,
    BRANCH,
    C_ABANDONED,
    C_HIDDEN,
    C_OPEN,
    C_RESOLVED,
    CLOSED_N,
    COMMUNITY,
    CONTACTS_N,
    DEPARTMENT,
    DONE,
    EXTERNAL_DONE,
    GRID,
    HEAP_N,
    HIDDEN,
    HM_EXTERNAL,
    KNOWN,
    KNOWN_N,
    LEVEL_RANK,
    LOCAL_DONE,
    LOG_ARRIVE,
    LOG_DONE,
    LOG_N,
    LOG_START,
    MEDIATION,
    OPEN,
    P_BRANCH_CUT,
    P_BRANCH_TAKE,
    P_CENTRE,
    P_ESC_CUT,
    P_HANDOFF_CAL,
    P_HANDOFF_HOURS,
    P_SPEEDUP,
    P_TAKE_MAX,
    P_TAKE_PER_ACTIVE,
    P_VOLUNTEER_CAL,
    RESOLVED,
    ROOM,
    STREET,
    VOLUNTEER_SOURCE,
    VOLUNTEERS,
    Books,
    add_work,
    jit,
    next_open,
    pop_root,
    push,
)
from .issues import U_BRANCH_TAKE, U_ESCALATE, U_LOCAL_RESOLVE, U_VOL_TAKE
from .rules import grid_escalation_probability, grid_handling_hours, volunteer_take_probability

_escalation = jit(grid_escalation_probability)
_handling_hours = jit(grid_handling_hours)
_take_probability = jit(volunteer_take_probability)
_NONE, _ABANDON = -1, -2  # next_level's answers besides a level


# --- the log and the day's news --------------------------------------------------------------
@jit
def _log(b: Books, i: int, t: float, event: int, level: int, who: int) -> None:
    lg, n = b.log, b.ctr[LOG_N]
    lg.issue[n], lg.t[n], lg.event[n], lg.level[n], lg.who[n] = i, t, event, level, who
    b.ctr[LOG_N] = n + 1
    s = b.issues
    if event == LOG_ARRIVE:
        if s.max_level[i] < 0 or LEVEL_RANK[level] > LEVEL_RANK[s.max_level[i]]:
            s.max_level[i] = level
    elif event == LOG_START and math.isnan(s.t_start[i]):
        s.t_start[i] = t


@jit
def _contact(b: Books, household: int, t: float) -> None:
    n = b.ctr[CONTACTS_N]
    b.news.contact_household[n], b.news.contact_t[n] = household, t
    b.ctr[CONTACTS_N] = n + 1


# --- the handlers ----------------------------------------------------------------------------
@jit
def make_known(b: Books, rng: np.random.Generator, i: int, t: float, source: int) -> None:
    """The issue becomes known to someone in charge and enters routing (the first of two
    routes on the same day counts)."""
    s = b.issues
    if s.state[i] != HIDDEN:
        return
    b.counts[C_HIDDEN] -= 1
    s.state[i] = OPEN
    s.source[i] = source
    s.t_known[i] = t
    b.counts[C_OPEN] += 1
    b.grievance_known[i] = t
    n = b.ctr[KNOWN_N]
    b.news.known[n] = i
    b.ctr[KNOWN_N] = n + 1
    if source == VOLUNTEER_SOURCE and s.household[i] >= 0:
        _contact(b, s.household[i], t)  # a neighbour noticed the problem
    route_known(b, rng, i, t)


@jit
def _take(left: np.ndarray, offered: np.ndarray, taken: np.ndarray, g: int,
          hours: float) -> bool:
    """WeeklyHours.take: spend ``hours`` in grid ``g`` if any of its week's are left."""
    offered[g] += hours
    if left[g] <= 0.0:
        return False
    left[g] -= hours
    taken[g] += hours
    return True


@jit
def route_known(b: Books, rng: np.random.Generator, i: int, t: float) -> None:
    """Send a just-known issue to volunteers, the Party branch, or the grid worker."""
    s, hp, r = b.issues, b.help, b.rules
    g, k = s.grid[i], s.kind[i]
    active = hp.active_by_grid[g]
    if (r.volunteer_ok[k] and active > 0
            and s.u[i, U_VOL_TAKE] < _take_probability(float(active),
                                                       r.params[P_TAKE_PER_ACTIVE],
                                                       r.params[P_TAKE_MAX])
            and _take(hp.volunteer_left, hp.volunteer_offered, hp.volunteer_taken, g,
                      r.local_hours[VOLUNTEERS] * s.hm[i, VOLUNTEERS])):
        start_local(b, rng, i, VOLUNTEERS, t)
    elif (r.branch_ok[k] and hp.has_branch[g] and s.u[i, U_BRANCH_TAKE] < r.params[P_BRANCH_TAKE]
          and _take(hp.branch_left, hp.branch_offered, hp.branch_taken, g,
                    r.local_hours[BRANCH] * s.hm[i, BRANCH])):
        start_local(b, rng, i, BRANCH, t)
    else:
        arrive(b, i, t, GRID)


@jit
def start_local(b: Books, rng: np.random.Generator, i: int, level: int, t: float) -> None:
    """Volunteers or the Party branch take the issue (no queue: many hands, within their
    week's hours); one of them, drawn from the behaviour stream, is its handler."""
    s, hp, r = b.issues, b.help, b.rules
    g = s.grid[i]
    if level == VOLUNTEERS:
        who = hp.active_idx[hp.active_first[g] + rng.integers(0, hp.active_by_grid[g])]
    else:
        who = hp.party_members[hp.party_first[g] + rng.integers(0, hp.party_count[g])]
    cal = r.calendars[int(r.params[P_VOLUNTEER_CAL])]
    start = next_open(cal, t)
    _log(b, i, t, LOG_ARRIVE, level, -1)
    _log(b, i, start, LOG_START, level, who)
    if level == VOLUNTEERS and s.household[i] >= 0:
        _contact(b, s.household[i], start)  # a volunteer comes to help
    hours = r.local_hours[level] * s.hm[i, level]
    push(b, add_work(cal, start, hours), LOCAL_DONE, i, level, who, 0.0)


@jit
def local_done(b: Books, i: int, t: float, level: int, who: int) -> None:
    """Volunteers / branch finish: settled, or passed on to the grid worker."""
    _log(b, i, t, LOG_DONE, level, -1)
    if b.issues.u[i, U_LOCAL_RESOLVE] < b.rules.local_resolve[level]:
        close(b, i, t, RESOLVED, level, who)
    else:
        arrive(b, i, t, GRID)


@jit
def free_server(b: Books, sp: int, t: float) -> int:
    """The idle server of ``sp`` that can start soonest after ``t`` (the first listed on
    ties), or -1."""
    pt, sv = b.points, b.servers
    first, last = pt.first[sp], pt.first[sp] + pt.count[sp]
    if pt.one_calendar[sp]:
        for j in range(first, last):
            if not sv.busy[j]:
                return j
        return -1
    best, best_t = -1, np.inf
    for j in range(first, last):
        if not sv.busy[j]:
            start = next_open(b.rules.calendars[sv.calendar[j]], t)
            if start < best_t:
                best, best_t = j, start
    return best


@jit
def arrive(b: Books, i: int, t: float, level: int) -> None:
    """The issue reaches a service point's queue (its casework hours count as arrived)."""
    s, pt, sv, r = b.issues, b.points, b.servers, b.rules
    _log(b, i, t, LOG_ARRIVE, level, -1)
    sp = pt.by_grid[s.grid[i], level]
    k = s.kind[i]
    if level == GRID:  # knowledge matters at the grid only (a beat has 1-3 workers)
        first, n = pt.first[sp], pt.count[sp]
        if n == 1:
            knowledge = sv.knowledge[first]
        else:
            total = 0.0
            for j in range(first, first + n):
                total += sv.knowledge[j]
            knowledge = total / n
        pt.arrived[sp] += _handling_hours(r.hours[k], knowledge,
                                          r.params[P_SPEEDUP]) * s.hm[i, GRID]
    else:
        pt.arrived[sp] += r.hours[k] * r.level_factor[level] * s.hm[i, level]
    server = free_server(b, sp, t)
    if server < 0:
        if pt.length[sp] == 0:
            pt.head[sp] = i
        else:
            s.queued_next[pt.tail[sp]] = i
        pt.tail[sp] = i
        s.queued_next[i] = -1
        pt.length[sp] += 1
    else:
        start(b, sp, server, i, t)


@jit
def start(b: Books, sp: int, server: int, i: int, t: float) -> None:
    """A server takes the issue: handling starts at its next working moment."""
    s, sv, r = b.issues, b.servers, b.rules
    level = b.points.level[sp]
    cal = r.calendars[sv.calendar[server]]
    begin = next_open(cal, t)
    _log(b, i, begin, LOG_START, level, server)
    k = s.kind[i]
    if level == GRID:
        mean = _handling_hours(r.hours[k], sv.knowledge[server], r.params[P_SPEEDUP])
    else:
        mean = r.hours[k] * r.level_factor[level]
    hours = mean * s.hm[i, level]
    sv.busy[server] = True
    push(b, add_work(cal, begin, hours * sv.time_factor[server]), DONE, i, sp, server, hours)


@jit
def next_level(b: Books, i: int, level: int, server: int) -> int:
    """Where the issue goes after handling at ``level``: a level, _ABANDON or _NONE."""
    s, r = b.issues, b.rules
    u = s.u[i, U_ESCALATE + level]
    k = s.kind[i]
    if level >= DEPARTMENT:  # a top level: department or mediation centre
        return _ABANDON if u < r.abandon_top[k] else _NONE
    p = r.escalate[level, k]
    if level == GRID:
        p = _escalation(p, b.servers.knowledge[server], r.params[P_ESC_CUT],
                        b.help.has_branch[s.grid[i]], r.params[P_BRANCH_CUT])
    if u >= p:
        return _NONE
    top = r.top[k]
    if level == GRID:
        return top if (top == MEDIATION and r.params[P_CENTRE] != 0.0) else COMMUNITY
    if level == COMMUNITY:
        return STREET
    return DEPARTMENT  # mediation-centre issues reach the street only without the centre


@jit
def done(b: Books, i: int, t: float, sp: int, server: int, hours: float) -> None:
    """A server finishes: resolve, abandon or escalate; then take the next in the queue."""
    s, pt, sv, r = b.issues, b.points, b.servers, b.rules
    level = pt.level[sp]
    sv.busy[server] = False
    sv.hours_done[server] += hours
    _log(b, i, t, LOG_DONE, level, -1)
    nxt = next_level(b, i, level, server)
    if nxt == _NONE and r.external_days[level] > 0.0:
        push(b, t + r.external_days[level] * s.hm[i, HM_EXTERNAL], EXTERNAL_DONE, i, level,
             server, 0.0)
    elif nxt == _NONE:
        close(b, i, t, RESOLVED, level, server)
    elif nxt == _ABANDON:
        close(b, i, t, ABANDONED, level, server)
    else:
        s.escalations[i] += 1
        handoff = r.calendars[int(r.params[P_HANDOFF_CAL])]
        push(b, add_work(handoff, t, r.params[P_HANDOFF_HOURS]), ARRIVE, i, nxt, 0, 0.0)
    if pt.length[sp] > 0:
        j = pt.head[sp]
        pt.head[sp] = s.queued_next[j]
        pt.length[sp] -= 1
        if pt.length[sp] == 0:
            pt.tail[sp] = -1
        s.queued_next[j] = -1
        start(b, sp, server, j, t)


@jit
def close(b: Books, i: int, t: float, state: int, level: int, who: int) -> None:
    """Resolve or abandon the issue (trust responds at the end of the day)."""
    s = b.issues
    s.state[i] = state
    s.t_closed[i] = t
    s.closed_by[i] = level
    s.handler[i] = who
    b.counts[C_OPEN] -= 1
    b.counts[C_RESOLVED if state == RESOLVED else C_ABANDONED] += 1
    b.grievance_done[i] = True
    n = b.ctr[CLOSED_N]
    b.news.closed[n] = i
    b.ctr[CLOSED_N] = n + 1


# --- the loop --------------------------------------------------------------------------------
@jit
def run_until(b: Books, rng: np.random.Generator, t_end: float) -> bool:
    """Run pending events before ``t_end`` in time order; False if it stopped early
    because an array is nearly full (grow them and call again)."""
    h, ctr = b.heap, b.ctr
    while ctr[HEAP_N] > 0 and h.t[0] < t_end:
        if (len(h.t) - ctr[HEAP_N] < ROOM or len(b.log.t) - ctr[LOG_N] < ROOM
                or len(b.news.closed) - ctr[CLOSED_N] < ROOM
                or len(b.news.contact_t) - ctr[CONTACTS_N] < ROOM
                or len(b.news.known) - ctr[KNOWN_N] < ROOM):
            return False
        t, kind, i, a, bb, x = h.t[0], h.kind[0], h.issue[0], h.a[0], h.b[0], h.x[0]
        pop_root(h, ctr[HEAP_N])
        ctr[HEAP_N] -= 1
        if kind == KNOWN:
            make_known(b, rng, i, t, a)
        elif kind == ARRIVE:
            arrive(b, i, t, a)
        elif kind == DONE:
            done(b, i, t, a, bb, x)
        elif kind == LOCAL_DONE:
            local_done(b, i, t, a, bb)
        else:
            close(b, i, t, RESOLVED, a, bb)  # EXTERNAL_DONE: the outside work is finished
    return True
