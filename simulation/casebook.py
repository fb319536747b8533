"""The case book of routing's compiled loop (:mod:`simulation.casework`): the layout of
every array it reads and writes (NamedTuples of NumPy columns, with the places of its
constants), its calendars and its event heap, compiled with numba.

The calendars are :class:`simulation.worktime.Calendar`'s methods operation for operation,
without fast-math, so their results are bit-identical. The queue is a binary heap of
events keyed by (time, sequence): ties in time run in the order they were scheduled. An
event has a kind (KNOWN, ARRIVE, DONE, LOCAL_DONE, EXTERNAL_DONE), an issue, and data: two
integers ``a``, ``b`` and a float ``x`` (:data:`HANDLERS` says what each kind carries).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from .issues import RANK, Level

jit = numba.njit(cache=True, fastmath=False)  # fastmath off: results equal Python's

# Event kinds, and what each carries (a, b, x).
KNOWN, ARRIVE, DONE, LOCAL_DONE, EXTERNAL_DONE = range(5)
HANDLERS = {
    KNOWN: "make_known: a = Source",
    ARRIVE: "arrive: a = Level",
    DONE: "done: a = service point, b = server, x = mean hours x multiplier",
    LOCAL_DONE: "local_done: a = Level (volunteers or branch), b = resident who took it",
    EXTERNAL_DONE: "external_done: a = Level, b = server who settled it",
}

# Levels, states, sources and log events as plain integers.
VOLUNTEERS, BRANCH, GRID, COMMUNITY, STREET, DEPARTMENT, MEDIATION = (int(x) for x in Level)
HIDDEN, OPEN, RESOLVED, ABANDONED = range(4)  # State
VOLUNTEER_SOURCE = 4  # Source.VOLUNTEER
LOG_ARRIVE, LOG_START, LOG_DONE = range(3)  # Event
HM_EXTERNAL = len(Level)
LEVEL_RANK = RANK.astype(np.int64)  # height by level number

# Calendar rows (Calendars: office, part-time, volunteer, always), by column.
CAL_OPEN, CAL_CLOSE, CAL_CLOSE_EPS, CAL_WORKDAYS, CAL_ALWAYS = range(5)

# Counters (an int64 array): events in the heap, events scheduled so far, log rows, and
# today's closed issues, volunteer contacts and issues made known.
HEAP_N, SCHEDULED, LOG_N, CLOSED_N, CONTACTS_N, KNOWN_N = range(6)
N_COUNTERS = 6

# Scalar parameters (a float64 array), by place.
(P_HANDOFF_HOURS, P_SPEEDUP, P_ESC_CUT, P_BRANCH_CUT, P_BRANCH_TAKE, P_TAKE_PER_ACTIVE,
 P_TAKE_MAX, P_CENTRE, P_HANDOFF_CAL, P_VOLUNTEER_CAL) = range(10)
N_PARAMS = 10

# Counts of issues by state (IssuePools.counts).
C_HIDDEN, C_OPEN, C_RESOLVED, C_ABANDONED = 1, 2, 3, 4


class Heap(NamedTuple):
    """Pending events in heap order: time, sequence, kind, issue and data."""

    t: np.ndarray
    seq: np.ndarray
    kind: np.ndarray
    issue: np.ndarray
    a: np.ndarray
    b: np.ndarray
    x: np.ndarray


class IssueCols(NamedTuple):
    """The issue store's columns the handlers read and write."""

    kind: np.ndarray
    grid: np.ndarray
    household: np.ndarray
    u: np.ndarray
    hm: np.ndarray
    state: np.ndarray
    source: np.ndarray
    t_known: np.ndarray
    t_start: np.ndarray
    t_closed: np.ndarray
    closed_by: np.ndarray
    max_level: np.ndarray
    handler: np.ndarray
    escalations: np.ndarray
    queued_next: np.ndarray


class LogCols(NamedTuple):
    """The issues' log (IssueEvents)."""

    issue: np.ndarray
    t: np.ndarray
    event: np.ndarray
    level: np.ndarray
    who: np.ndarray


class PointCols(NamedTuple):
    """Service points (their level, servers first..first+count-1, whether all servers share
    one calendar, casework hours arrived) with their FIFO queues (head, tail, length), and
    each grid's service point by level (-1: none)."""

    level: np.ndarray
    first: np.ndarray
    count: np.ndarray
    one_calendar: np.ndarray
    arrived: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    length: np.ndarray
    by_grid: np.ndarray


class ServerCols(NamedTuple):
    """Servers (grid workers, office staff): calendar row, busy, casework hours done,
    local knowledge (0-1), calendar time per hour of casework."""

    calendar: np.ndarray
    busy: np.ndarray
    hours_done: np.ndarray
    knowledge: np.ndarray
    time_factor: np.ndarray


class HelpCols(NamedTuple):
    """Each grid's local help: active volunteers (count, first place in ``active_idx``, the
    active residents sorted by grid), the week's hours of volunteers and branch (left,
    offered, taken), Party members of each branch grid (CSR: first, count, members) and
    whether the grid has a branch."""

    active_by_grid: np.ndarray
    active_first: np.ndarray
    active_idx: np.ndarray
    volunteer_left: np.ndarray
    volunteer_offered: np.ndarray
    volunteer_taken: np.ndarray
    branch_left: np.ndarray
    branch_offered: np.ndarray
    branch_taken: np.ndarray
    party_first: np.ndarray
    party_count: np.ndarray
    party_members: np.ndarray
    has_branch: np.ndarray


class Rules(NamedTuple):
    """Per-type and per-level parameters: mean hours, who may take a type, escalation
    probability by level and type, top level, abandonment at the top; handling factor,
    local hours, local resolution and outside-work days by level; scalar parameters (P_*);
    calendar rows (CAL_*)."""

    hours: np.ndarray
    volunteer_ok: np.ndarray
    branch_ok: np.ndarray
    escalate: np.ndarray
    top: np.ndarray
    abandon_top: np.ndarray
    level_factor: np.ndarray
    local_hours: np.ndarray
    local_resolve: np.ndarray
    external_days: np.ndarray
    params: np.ndarray
    calendars: np.ndarray


class DayNews(NamedTuple):
    """What the day's events produced for the model: issues closed, volunteer contacts
    (household, time), issues made known (to leave the hidden pools)."""

    closed: np.ndarray
    contact_household: np.ndarray
    contact_t: np.ndarray
    known: np.ndarray


class Books(NamedTuple):
    """Everything the loop reads and writes."""

    heap: Heap
    ctr: np.ndarray
    issues: IssueCols
    log: LogCols
    points: PointCols
    servers: ServerCols
    help: HelpCols
    rules: Rules
    counts: np.ndarray
    grievance_known: np.ndarray
    grievance_done: np.ndarray
    news: DayNews


# --- calendars (simulation.worktime.Calendar, operation for operation) -----------------------
@jit
def _next_workday(c: np.ndarray, day: int) -> int:
    while day % 7 >= c[CAL_WORKDAYS]:
        day += 1
    return day


@jit
def next_open(c: np.ndarray, t: float) -> float:
    """The earliest working moment at or after ``t`` on calendar row ``c``."""
    if c[CAL_ALWAYS] != 0.0:
        return t
    day = math.floor(t)
    frac = t - day
    if day % 7 < c[CAL_WORKDAYS]:
        if frac < c[CAL_OPEN]:
            return day + c[CAL_OPEN]
        if frac < c[CAL_CLOSE_EPS]:
            return t
    return _next_workday(c, day + 1) + c[CAL_OPEN]


@jit
def add_work(c: np.ndarray, t: float, hours: float) -> float:
    """When ``hours`` of working time started at ``t`` on calendar row ``c`` are done."""
    if c[CAL_ALWAYS] != 0.0:
        return t + hours / 24.0
    t = next_open(c, t)
    day = math.floor(t)
    frac = max(c[CAL_OPEN], t - day)
    remaining = hours / 24.0
    while True:
        left_today = c[CAL_CLOSE] - frac
        if remaining <= left_today:
            return day + frac + remaining
        remaining -= left_today
        day = _next_workday(c, day + 1)
        frac = c[CAL_OPEN]


# --- the heap --------------------------------------------------------------------------------
@jit
def _before(h: Heap, i: int, t: float, seq: int) -> bool:
    return h.t[i] < t or (h.t[i] == t and h.seq[i] < seq)


@jit
def push(b: Books, t: float, kind: int, issue: int, a: int, bb: int, x: float) -> None:
    """Schedule an event (the caller keeps room in the heap)."""
    h, ctr = b.heap, b.ctr
    ctr[SCHEDULED] += 1
    seq = ctr[SCHEDULED]
    pos = ctr[HEAP_N]
    ctr[HEAP_N] = pos + 1
    while pos > 0:
        parent = (pos - 1) >> 1
        if _before(h, parent, t, seq):
            break
        h.t[pos], h.seq[pos], h.kind[pos], h.issue[pos] = (
            h.t[parent], h.seq[parent], h.kind[parent], h.issue[parent])
        h.a[pos], h.b[pos], h.x[pos] = h.a[parent], h.b[parent], h.x[parent]
        pos = parent
    h.t[pos], h.seq[pos], h.kind[pos], h.issue[pos] = t, seq, kind, issue
    h.a[pos], h.b[pos], h.x[pos] = a, bb, x


@jit
def pop_root(h: Heap, n: int) -> None:
    """Remove the root of a heap of ``n`` events (moving the last one down)."""
    last = n - 1
    t, seq = h.t[last], h.seq[last]
    kind, issue, a, bb, x = h.kind[last], h.issue[last], h.a[last], h.b[last], h.x[last]
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= last:
            break
        if child + 1 < last and _before(h, child + 1, h.t[child], h.seq[child]):
            child += 1
        if _before(h, child, t, seq):
            h.t[pos], h.seq[pos], h.kind[pos], h.issue[pos] = (
                h.t[child], h.seq[child], h.kind[child], h.issue[child])
            h.a[pos], h.b[pos], h.x[pos] = h.a[child], h.b[child], h.x[child]
            pos = child
        else:
            break
    h.t[pos], h.seq[pos], h.kind[pos], h.issue[pos] = t, seq, kind, issue
    h.a[pos], h.b[pos], h.x[pos] = a, bb, x


@jit
def push_many(b: Books, t: np.ndarray, kind: np.ndarray, issue: np.ndarray,
              a: np.ndarray) -> None:
    """Schedule events in order (from the agents' steps: reports, finds, spotting)."""
    for k in range(len(t)):
        push(b, t[k], kind[k], issue[k], a[k], 0, 0.0)


ROOM = 8  # free rows each array keeps before an event runs (an event adds at most 4)
