"""Local help: a grid's hands beside its grid worker — its active volunteers and its Party
branch. Who is active in which grid (recounted when stages change), the Party members of
each grid with a branch, the hours each grid's volunteers and branch can still give this
week, and who among them takes an issue.

Volunteers and the branch are many hands but not unlimited: each grid's volunteers have
``volunteers.hours_per_week`` each (spotting hidden issues spends them too), its branch
``branch.hours_per_member_week`` per serving member; once the week's hours are spent they
take nothing more that week (:class:`WeeklyHours`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .issues import Level
from .world import World


class WeeklyHours:
    """The hours each grid's volunteers (or Party branch) can still give this week.

    ``refill(capacity)`` starts a week; :meth:`take` spends hours on an issue if any are
    left (the last job of a week may overdraw it: nobody leaves a job half done).
    ``offered`` and ``taken`` count the hours of the issues offered and taken, for the load.
    """

    def __init__(self, n_grids: int) -> None:
        self.capacity = np.zeros(n_grids)  # hours per week
        self.left = np.zeros(n_grids)
        self.offered = np.zeros(n_grids)
        self.taken = np.zeros(n_grids)
        self.supplied = np.zeros(n_grids)  # hours made available, all weeks so far

    def refill(self, capacity: np.ndarray) -> None:
        """A new week: every grid has ``capacity`` hours again."""
        self.capacity = np.asarray(capacity, dtype=float)
        self.left = self.capacity.copy()
        self.supplied += self.capacity

    def take(self, grid: int, hours: float) -> bool:
        """Spend ``hours`` in ``grid`` if any of its week's hours are left (the router's
        compiled loop does the same: :func:`simulation.casework.take`)."""
        self.offered[grid] += hours
        if self.left[grid] <= 0.0:
            return False
        self.left[grid] -= hours
        self.taken[grid] += hours
        return True


def serving_members(members: np.ndarray, elderly: np.ndarray, share: float) -> np.ndarray:
    """The members of a branch who serve: ``round(share x members)`` of them, the retired
    (60 and over) first, then in resident order (sorted ids). The seed's branch secretary
    is over 70; retired members have the time (assumption: no draw, so who serves is the
    same in every replication of a world)."""
    n = round(share * len(members))
    order = np.argsort(~elderly[members], kind="stable")  # elderly first, order kept
    return np.sort(members[order[:n]])


class LocalHelp:
    """Each grid's active volunteers and Party branch (``has_branch``: a boolean per grid,
    :meth:`simulation.agents.PartyMember.branches`), with their weekly hours. ``residents``
    are the resident agents by index (a handler is named by its agent's id).
    ``party_by_grid`` holds each branch's *serving* members (:func:`serving_members`, with
    ``serving_share`` = ``branch.serving_share``): the branch's hours are theirs and one of
    them handles each case it takes."""

    def __init__(self, world: World, has_branch: np.ndarray, active: np.ndarray,
                 residents: Sequence[Any], serving_share: float = 1.0) -> None:
        w = world
        self.world = world
        self.has_branch = has_branch
        self.residents = residents
        self.party_by_grid = {
            g: serving_members(np.flatnonzero(w.party & (w.resident_grid == g)), w.elderly,
                               serving_share)
            for g in np.flatnonzero(has_branch)}
        self.available_by_grid = np.bincount(w.resident_grid[w.available],
                                             minlength=w.n_grids)
        self.refresh(active)
        self.volunteer_hours = WeeklyHours(w.n_grids)
        self.branch_hours = WeeklyHours(w.n_grids)
        self.branch_members = np.zeros(w.n_grids)
        for g, members in self.party_by_grid.items():
            self.branch_members[g] = len(members)

    def refresh(self, active: np.ndarray) -> None:
        """Recount active volunteers per grid from ``active`` (a boolean per resident:
        following or self-driven), after stages change."""
        idx = np.flatnonzero(active)
        self.active_idx = idx  # sorted by resident, hence by grid
        grid = self.world.resident_grid[idx]
        self.active_by_grid = np.bincount(grid, minlength=self.world.n_grids)
        self.active_first = np.searchsorted(grid, np.arange(self.world.n_grids))

    def refill(self, params: Mapping[str, Any]) -> None:
        """A new week: each grid's active volunteers and Party branch get their hours."""
        p = params
        self.volunteer_hours.refill(self.active_by_grid * p["volunteers.hours_per_week"])
        self.branch_hours.refill(self.branch_members * p["branch.hours_per_member_week"])

    def hours(self, level: Level) -> WeeklyHours:
        """The weekly hours of the grid's volunteers or of its branch."""
        return self.volunteer_hours if level == Level.VOLUNTEERS else self.branch_hours
