"""An old-compound renovation (老旧小区改造; the seed's Wenheng: road paved, greenery, a
square, drinking-water machines): on ``renovation.day`` the works fix every problem shared
by a building.

What the works fix and how it shows:

- a hidden shared problem is closed that day (resolved by a city department's project:
  ``closed_by`` DEPARTMENT, no handler) and leaves the hidden lists;
- an open one is marked ``renovated``: its case runs its course and its closure fixes it
  for certain;
- a closed one whose fix did not hold and has not come back yet is marked too: it does not
  come back (one closed on paper stops weighing that day);
- from then on a closure fixes a shared problem as any other (``closure.fix_prob``; before,
  ``closure.shared_fix_prob``: an old compound's pipes and facilities need a project).

The residents' experience is what the fixes do: each fixed problem stops weighing on the
trust of everyone in its building (:class:`~simulation.population.Grievances`); the works
bring no disconfirmation of their own (delivered as announced: an assumption). After the
day, new shared problems arise ``renovation.rate_cut`` less often
(:attr:`simulation.arrivals.Arrivals.shared_factor`).
"""

from __future__ import annotations

import numpy as np

from . import hidden
from .casebook import P_SHARED_FIX
from .issues import HIDDEN, RESOLVED, IssuePools, Level, State
from .population import Grievances


def renovate(pools: IssuePools, grievances: Grievances, day: float,
             rules: np.ndarray | None = None, fix_prob: float = 1.0) -> int:
    """The works finished at ``day``: fix every problem shared by a building (see the
    module docstring); from now on a closure fixes a shared problem with ``fix_prob``
    (``closure.fix_prob``: written into the loop's scalar ``rules``); the number of
    problems fixed or marked."""
    if rules is not None:
        rules[P_SHARED_FIX] = fix_prob
    s = pools.store
    shared = np.flatnonzero(s.view("building") >= 0)
    state = s.state[shared]
    waiting = shared[state == State.RESOLVED]  # some may still come back: not now
    hid = shared[state == State.HIDDEN]
    open_ = shared[state == State.OPEN]
    s.renovated[open_] = 1
    s.renovated[waiting] = 1  # a pending return will not happen
    paper = waiting[s.on_paper[waiting] == 1]
    s.on_paper[paper] = 0
    grievances.done[paper] = True
    lists = pools.lists()
    for i in hid.tolist():
        hidden.unlink(i, int(s.grid[i]), int(s.hh_key[i]), *lists)
    s.state[hid] = State.RESOLVED
    s.t_closed[hid] = day
    s.closed_by[hid] = Level.DEPARTMENT
    s.handler[hid] = -1
    s.renovated[hid] = 1
    grievances.done[hid] = True
    pools.counts[HIDDEN] -= len(hid)
    pools.counts[RESOLVED] += len(hid)
    return len(hid) + len(open_) + len(waiting)
