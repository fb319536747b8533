"""The rules routing's compiled loop (:mod:`simulation.casework`) applies, compiled with
numba like it: where an issue goes after handling (:func:`next_level`) and after a closure
that did not hold (:func:`level_above`), which idle server takes it (:func:`free_server`),
whether local help has hours left (:func:`take`), a beat's local knowledge
(:func:`mean_knowledge`), and the behavioural rules of :mod:`simulation.rules` the loop
uses, compiled as they are (the same operations, so the same results).
"""

from __future__ import annotations

import numpy as np

from .casebook import COMMUNITY, DEPARTMENT, GRID, MEDIATION, STREET, jit, next_open
from .rules import grid_escalation_probability, grid_handling_hours, volunteer_take_probability

escalation_probability = jit(grid_escalation_probability)
handling_hours = jit(grid_handling_hours)
take_probability = jit(volunteer_take_probability)
NO_LEVEL, ABANDON = -1, -2  # next_level's answers besides a level


@jit
def next_level(u: float, level: int, escalate: float, abandon_top: float, top: int,
               knowledge: float, knowledge_cut: float, centre: bool) -> int:
    """Where an issue goes after handling at ``level`` (its escalation draw ``u``, its
    type's escalation probability at this level and abandonment at the top, its top level;
    the server's knowledge, the mediation-centre policy): a level, ABANDON, or NO_LEVEL
    (settled here)."""
    if level >= DEPARTMENT:  # a top level: department or mediation centre
        return ABANDON if u < abandon_top else NO_LEVEL
    p = escalate
    if level == GRID:
        p = escalation_probability(p, knowledge, knowledge_cut)
    if u >= p:
        return NO_LEVEL
    if level == GRID:
        return top if (top == MEDIATION and centre) else COMMUNITY
    if level == COMMUNITY:
        return STREET
    return DEPARTMENT  # mediation-centre issues reach the street only without the centre


@jit
def free_server(first: int, count: int, one_calendar: bool, busy: np.ndarray,
                calendar: np.ndarray, cals: np.ndarray, t: float) -> int:
    """The idle server among seats first..first+count-1 that can start soonest after
    ``t`` (the first listed on ties), or -1."""
    if one_calendar:
        for j in range(first, first + count):
            if not busy[j]:
                return j
        return -1
    best, best_t = -1, np.inf
    for j in range(first, first + count):
        if not busy[j]:
            start = next_open(cals, calendar[j], t)
            if start < best_t:
                best, best_t = j, start
    return best


@jit
def take(left: np.ndarray, offered: np.ndarray, taken: np.ndarray, g: int,
         hours: float) -> bool:
    """WeeklyHours.take: spend ``hours`` in grid ``g`` if any of its week's are left."""
    offered[g] += hours
    if left[g] <= 0.0:
        return False
    left[g] -= hours
    taken[g] += hours
    return True


@jit
def level_above(level: int, top: int, centre: bool) -> int:
    """Where a problem that came back after a closure at ``level`` goes when known again:
    one level up (volunteers or the branch: the grid worker; the grid: the community, or
    the mediation centre for its issues under that policy; ...; a top level stays)."""
    if level <= GRID:
        if level < GRID:
            return GRID
        return top if (top == MEDIATION and centre) else COMMUNITY
    if level == COMMUNITY:
        return STREET
    if level == STREET:
        return DEPARTMENT
    return level


@jit
def mean_knowledge(first: int, count: int, knowledge: np.ndarray) -> float:
    """Mean local knowledge of servers first..first+count-1 (a beat's workers)."""
    if count == 1:
        return knowledge[first]
    total = 0.0
    for j in range(first, first + count):
        total += knowledge[j]
    return total / count
