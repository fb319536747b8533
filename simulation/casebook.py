"""The case book of routing's compiled loop (:mod:`simulation.casework`): the layout of
every array it reads and writes (NamedTuples of NumPy columns, with the places of its
constants), its calendars and its event heap, compiled with numba.

The calendars are :class:`simulation.worktime.Calendar`'s methods operation for operation,
without fast-math, so their results are bit-identical. The queue is a binary heap of
events keyed by (time, sequence): ties in time run in the order they were scheduled. An
event has a kind (KNOWN, ARRIVE, DONE, LOCAL_DONE, EXTERNAL_DONE, RETURN), an issue, and data: two
integers ``a``, ``b`` and a float ``x`` (:data:`HANDLERS` says what each kind carries).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .hidden import Lists
from .issues import RANK, Level
from .support.compiled import inline, jit

# Event kinds, and what each carries (a, b, x).
KNOWN, ARRIVE, DONE, LOCAL_DONE, EXTERNAL_DONE, RETURN = range(6)
HANDLERS = {
    KNOWN: "make_known: a = Source",
    ARRIVE: "arrive: a = Level",
    DONE: "done: a = service point, b = server, x = mean hours x multiplier",
    LOCAL_DONE: "local_done: a = Level (volunteers or branch), b = resident who took it, "
                "x = the level it goes to if not settled (-1: the grid worker; else the "
                "level the grid worker would have passed it to)",
    EXTERNAL_DONE: "external_done: a = Level, b = server who settled it",
    RETURN: "return: a = Level that closed it (a closed problem comes back)",
}

# Levels, states, sources and log events as plain integers.
VOLUNTEERS, BRANCH, GRID, COMMUNITY, STREET, DEPARTMENT, MEDIATION = (int(x) for x in Level)
HIDDEN, OPEN, RESOLVED, ABANDONED = range(4)  # State
VOLUNTEER_SOURCE = 4  # Source.VOLUNTEER
LOG_ARRIVE, LOG_START, LOG_DONE, LOG_CALLBACK, LOG_RETURN = range(5)  # Event
HM_EXTERNAL = len(Level)
LEVEL_RANK = RANK.astype(np.int64)  # height by level number

# Calendar rows (Calendars: office, part-time, volunteer, always), by column.
CAL_OPEN, CAL_CLOSE, CAL_CLOSE_EPS, CAL_WORKDAYS, CAL_ALWAYS = range(5)

# Counters (an int64 array): events in the heap, events scheduled so far, log rows, and
# today's closed issues, volunteer contacts and problems that came back.
HEAP_N, SCHEDULED, LOG_N, CLOSED_N, CONTACTS_N, RETURNED_N = range(6)
N_COUNTERS = 6

# Scalar parameters (a float64 array), by place.
(P_HANDOFF_HOURS, P_SPEEDUP, P_ESC_CUT, P_BRANCH_TAKE, P_TAKE_PER_ACTIVE,
 P_TAKE_MAX, P_CENTRE, P_HANDOFF_CAL, P_VOLUNTEER_CAL, P_KEEP, P_FIX, P_FIX_SHORT,
 P_RETURN_DAYS, P_CALLBACK, P_SATISFIED_DAYS, P_SHARED_FIX) = range(16)
N_PARAMS = 16

# Counts of issues by state (IssuePools.counts).
C_HIDDEN, C_OPEN, C_RESOLVED, C_ABANDONED = 1, 2, 3, 4


class Heap(NamedTuple):
    """Pending events in heap order, a row each: ``f`` = (time, x), ``i`` = (sequence,
    kind, issue, a, b) (two arrays, so that passing the heap costs little)."""

    f: np.ndarray
    i: np.ndarray


# Columns of Heap.f and Heap.i.
HF_T, HF_X = 0, 1
HI_SEQ, HI_KIND, HI_ISSUE, HI_A, HI_B = range(5)


class IssueCols(NamedTuple):
    """The issue store's columns the handlers read and write."""

    kind: np.ndarray
    grid: np.ndarray
    household: np.ndarray
    building: np.ndarray
    hh_key: np.ndarray
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
    branch_tried: np.ndarray
    returns: np.ndarray
    on_paper: np.ndarray
    reopen_level: np.ndarray
    renovated: np.ndarray


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
    (household, time), closed problems that came back (issue, time)."""

    closed: np.ndarray
    contact_household: np.ndarray
    contact_t: np.ndarray
    returned: np.ndarray
    returned_t: np.ndarray


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
    hidden: Lists


# --- calendars (simulation.worktime.Calendar, operation for operation) -----------------------
@jit
def _next_workday(cals: np.ndarray, c: int, day: int) -> int:
    while day % 7 >= cals[c, CAL_WORKDAYS]:
        day += 1
    return day


@jit
def next_open(cals: np.ndarray, c: int, t: float) -> float:
    """The earliest working moment at or after ``t`` on calendar ``c`` (a row of
    ``cals``)."""
    if cals[c, CAL_ALWAYS] != 0.0:
        return t
    day = math.floor(t)
    frac = t - day
    if day % 7 < cals[c, CAL_WORKDAYS]:
        if frac < cals[c, CAL_OPEN]:
            return day + cals[c, CAL_OPEN]
        if frac < cals[c, CAL_CLOSE_EPS]:
            return t
    return _next_workday(cals, c, day + 1) + cals[c, CAL_OPEN]


@jit
def add_work(cals: np.ndarray, c: int, t: float, hours: float) -> float:
    """When ``hours`` of working time started at ``t`` on calendar ``c`` are done."""
    if cals[c, CAL_ALWAYS] != 0.0:
        return t + hours / 24.0
    t = next_open(cals, c, t)
    day = math.floor(t)
    frac = max(cals[c, CAL_OPEN], t - day)
    remaining = hours / 24.0
    while True:
        left_today = cals[c, CAL_CLOSE] - frac
        if remaining <= left_today:
            return day + frac + remaining
        remaining -= left_today
        day = _next_workday(cals, c, day + 1)
        frac = cals[c, CAL_OPEN]


# --- the log ---------------------------------------------------------------------------------
@inline
def log(lg: LogCols, ctr: np.ndarray, issue: int, t: float, event: int, level: int,
        who: int) -> None:
    """Append a row to the issues' log (the caller keeps room in it)."""
    n = ctr[LOG_N]
    lg.issue[n], lg.t[n], lg.event[n], lg.level[n], lg.who[n] = issue, t, event, level, who
    ctr[LOG_N] = n + 1


# --- the heap --------------------------------------------------------------------------------
@jit
def push(hf: np.ndarray, hi: np.ndarray, ctr: np.ndarray, t: float, kind: int, issue: int,
         a: int, b: int, x: float) -> None:
    """Schedule an event (the caller keeps room in the heap)."""
    ctr[SCHEDULED] += 1
    seq = ctr[SCHEDULED]
    pos = ctr[HEAP_N]
    ctr[HEAP_N] = pos + 1
    while pos > 0:
        parent = (pos - 1) >> 1
        if hf[parent, HF_T] < t or (hf[parent, HF_T] == t and hi[parent, HI_SEQ] < seq):
            break
        hf[pos, 0], hf[pos, 1] = hf[parent, 0], hf[parent, 1]
        for k in range(5):
            hi[pos, k] = hi[parent, k]
        pos = parent
    hf[pos, HF_T], hf[pos, HF_X] = t, x
    hi[pos, HI_SEQ], hi[pos, HI_KIND], hi[pos, HI_ISSUE] = seq, kind, issue
    hi[pos, HI_A], hi[pos, HI_B] = a, b


@jit
def pop_root(hf: np.ndarray, hi: np.ndarray, ctr: np.ndarray) -> None:
    """Remove the earliest event (moving the last one down)."""
    last = ctr[HEAP_N] - 1
    ctr[HEAP_N] = last
    t, x = hf[last, HF_T], hf[last, HF_X]
    seq = hi[last, HI_SEQ]
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= last:
            break
        right = child + 1
        if right < last and (hf[right, HF_T] < hf[child, HF_T] or (
                hf[right, HF_T] == hf[child, HF_T] and hi[right, HI_SEQ] < hi[child, HI_SEQ])):
            child = right
        if not (hf[child, HF_T] < t or (hf[child, HF_T] == t and hi[child, HI_SEQ] < seq)):
            break
        hf[pos, 0], hf[pos, 1] = hf[child, 0], hf[child, 1]
        for k in range(5):
            hi[pos, k] = hi[child, k]
        pos = child
    if pos != last:
        hf[pos, HF_T], hf[pos, HF_X] = t, x
        for k in range(5):
            hi[pos, k] = hi[last, k]


@jit
def push_many(hf: np.ndarray, hi: np.ndarray, ctr: np.ndarray, t: np.ndarray,
              kind: np.ndarray, issue: np.ndarray, a: np.ndarray) -> None:
    """Schedule events in order (from the agents' steps: reports, finds, spotting)."""
    for k in range(len(t)):
        push(hf, hi, ctr, t[k], kind[k], issue[k], a[k], 0, 0.0)


ROOM = 8  # free rows each array keeps before an event runs (an event adds at most 4)
