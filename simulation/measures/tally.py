"""The tally of a run: every issue's state, source, highest level and times as columns, and
the measured period they are summarised over (:mod:`simulation.measures.outcomes` computes
the summary from it).

**The measured period.** A run of D days has a warm-up of W days (``warmup_days``) and a
follow-up of F days (``followup_days``): the *window* is days [W, D - F). Summary measures
count the issues that arise in the window (the *cohort*; a day-0 backlog never belongs to
it) and follow each of them to the end of the run, day D. Period measures (the burden, the
hidden stock, trust) are taken over the window itself. With W = F = 0 the window is the
whole run.

**Measures that count every issue.** The lead measure is the burden: the issue-days of
every issue that was unresolved during the window (hidden, open or abandoned, a backlog
included), per household and year. Then, over the cohort, the Kaplan-Meier share resolved
within 5 working days, 30 and 90 days of arising and the restricted mean time to resolution
over 90 days (:mod:`simulation.measures.survival`, scipy.stats.ecdf on CensoredData): an issue
not resolved by day D (hidden, open, or abandoned: abandonment is never resolution) is
right-censored at day D. Measures over resolved issues only say so in their description.

Times are fractional days; working days follow the office calendar (the 5-working-day
rule's clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..issues import RANK, Event, IssueEvents, IssueStore, Level, State
from ..worktime import Calendar
from ..world import World
from .survival import CURVE_WORKING_DAYS, resolution_curve, weighted_share_by


@dataclass
class Tally:
    """Everything the summary metrics are computed from, per issue and per run.

    Tallies of a city's districts concatenate (:meth:`merge`) into the tally of the whole
    city, so a partitioned run's summary is computed exactly as an unpartitioned one's.
    """

    days: int  # run length D
    warmup: int  # W
    followup: int  # F
    residents: int
    households: int
    grids: int
    grid_workers: int
    calendar: Calendar  # the office calendar (working days)
    state: np.ndarray  # State of every issue (int8)
    source: np.ndarray  # Source of every issue, -1 while hidden (int8)
    in_grid: np.ndarray  # closed inside the grid (bool)
    top: np.ndarray  # highest rank reached, -1 if never handled (int8)
    t_arisen: np.ndarray
    t_known: np.ndarray  # NaN while hidden
    t_start: np.ndarray  # first handling start, NaN if none by the end
    t_closed: np.ndarray  # NaN while unresolved
    returns: np.ndarray  # how often each issue's closed problem came back (int16)
    affected: np.ndarray  # households each issue affects: a shared problem, its building's
    shared: np.ndarray  # a problem shared by a building (one case, one fix for all; bool)
    reports: np.ndarray  # households that reported it the first time (int16)
    callbacks: int  # call-backs answered after closures in the window
    satisfied: int  # ... of which satisfied
    visits_planned: float  # after the warm-up
    visits_done: float
    lowest_beat_visits: float  # the lowest beat's visits made / planned after the warm-up
    max_offered_load: float
    overloaded_points: int
    cost: dict[str, float] = field(default_factory=dict)  # annual cost items (yuan/year)
    # resolution curves computed so far, by clock (a city's cohort has millions of issues)
    _curves: dict[bool, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, issues: IssueStore, events: IssueEvents, *, now: float, days: int,
           warmup: int, followup: int,
           world: World, grid_workers: int, calendar: Calendar, visits_planned: float,
           visits_done: float, lowest_beat_visits: float, max_offered_load: float,
           overloaded_points: int, cost: dict[str, float]) -> Tally:
        """The tally of a run's ``issues`` at time ``now`` (a finished or running model's:
        :meth:`simulation.model.GridGovernanceModel.tally`), after ``days`` days of which
        the first ``warmup`` are the warm-up and the last ``followup`` the follow-up."""
        col = issues.view
        t, event = events.view("t"), events.view("event")
        answered = ((event == Event.CALLBACK) & (t >= warmup) & (t < days - followup))
        start = col("t_start").copy()
        start[start > now] = np.nan
        state, closed_by, top = col("state"), col("closed_by"), col("max_level")
        return cls(
            days=days, warmup=warmup, followup=followup,
            residents=world.n_residents, households=world.n_households,
            grids=world.n_grids, grid_workers=grid_workers, calendar=calendar,
            state=state.astype(np.int8), source=col("source").astype(np.int8),
            in_grid=(closed_by >= 0) & (closed_by <= Level.GRID),
            top=np.where(top >= 0, RANK[np.maximum(top, 0)], -1).astype(np.int8),
            t_arisen=col("t_arisen").copy(), t_known=col("t_known").copy(), t_start=start,
            t_closed=np.where(state == State.RESOLVED, col("t_closed"), np.nan),
            returns=col("returns").copy(), callbacks=int(answered.sum()),
            affected=np.where(col("building") >= 0, world.building_households[
                np.maximum(col("building"), 0)], 1).astype(np.int32),
            reports=col("reports").copy(), shared=col("building") >= 0,
            satisfied=int((events.view("who")[answered] == 1).sum()),
            visits_planned=visits_planned, visits_done=visits_done,
            lowest_beat_visits=lowest_beat_visits, max_offered_load=max_offered_load,
            overloaded_points=overloaded_points, cost=cost)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the curves computed so far (a worker's would be sent whole)."""
        return {**self.__dict__, "_curves": {}}

    @classmethod
    def merge(cls, parts: list[Tally]) -> Tally:
        """The tally of the union of ``parts`` (districts of one city, same days)."""
        if len(parts) == 1:
            return parts[0]

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(t, name) for t in parts])

        def total(name: str) -> Any:
            return sum(getattr(t, name) for t in parts)

        first = parts[0]
        return cls(
            days=first.days, warmup=first.warmup, followup=first.followup,
            calendar=first.calendar,
            **{k: total(k) for k in ("residents", "households", "grids", "grid_workers",
                                     "visits_planned", "visits_done", "overloaded_points",
                                     "callbacks", "satisfied")},
            **{k: cat(k) for k in ("state", "source", "in_grid", "top", "t_arisen", "t_known",
                                   "t_start", "t_closed", "returns", "affected", "reports",
                                   "shared")},
            max_offered_load=max(t.max_offered_load for t in parts),
            lowest_beat_visits=float(np.nanmin([t.lowest_beat_visits for t in parts]))
            if any(t.lowest_beat_visits == t.lowest_beat_visits for t in parts)
            else float("nan"),
            cost={k: sum(t.cost[k] for t in parts) for k in first.cost})

    @property
    def window(self) -> tuple[float, float]:
        """The measurement window [start, end) in days."""
        return float(self.warmup), float(self.days - self.followup)

    def cohort(self) -> np.ndarray:
        """Boolean per issue: arose in the window."""
        start, end = self.window
        return (self.t_arisen >= start) & (self.t_arisen < end)

    def burden(self, shared_only: bool = False) -> float:
        """Issue-days of every issue unresolved during the window, counted once for every
        household it affects (a problem a building shares: each of its households), per
        household per year; ``shared_only``: the shared problems' part of it."""
        start, end = self.window
        if end <= start or self.households == 0:
            return float("nan")
        until = np.where(np.isnan(self.t_closed), np.inf, self.t_closed)
        days = np.clip(np.minimum(until, end) - np.maximum(self.t_arisen, start), 0.0, None)
        weight = self.affected.astype(float)
        if shared_only:
            weight = np.where(self.shared, weight, 0.0)
        return float((days * weight).sum() / self.households / ((end - start) / 365.0))

    def share_of_households_resolved(self, days: float) -> float:
        """Share of the cohort's affected households whose problem was resolved within
        ``days`` of arising (Kaplan-Meier, each issue counted once for every household it
        affects: :func:`~simulation.measures.survival.weighted_share_by`)."""
        times, resolved = self.times_to_resolve()
        return weighted_share_by(times, resolved, self.affected[self.cohort()], days)

    def duplicate_reports(self) -> int:
        """Reports of the cohort's problems beyond the first (merged into their case)."""
        r = self.reports[self.cohort()].astype(np.int64)
        return int(np.maximum(r - 1, 0).sum())

    def reopened_share(self) -> float:
        """Share of the cohort's issues closed at least once whose problem came back at
        least once by the end of the run (closed: resolved or abandoned now, or came
        back)."""
        c = self.cohort()
        back = self.returns[c] > 0
        closed = back | (self.state[c] == State.RESOLVED) | (self.state[c] == State.ABANDONED)
        return float(back.sum() / closed.sum()) if closed.any() else float("nan")

    def satisfaction(self) -> float:
        """Share of the call-backs answered after closures in the window that were
        satisfied (NaN without any)."""
        return self.satisfied / self.callbacks if self.callbacks else float("nan")

    def times_to_resolve(self, working_days: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(time from arising to resolution or to the end of the run, resolved?) for the
        cohort, in days or working days."""
        c = self.cohort()
        resolved = ~np.isnan(self.t_closed[c])
        end = np.where(resolved, self.t_closed[c], float(self.days))
        if working_days:
            return self.calendar.working_days_between_many(self.t_arisen[c], end), resolved
        return end - self.t_arisen[c], resolved

    def curve(self, working_days: bool = False) -> Any:
        """Kaplan-Meier estimate of the time from arising to resolution over the cohort, in
        days or working days (:func:`simulation.measures.survival.resolution_curve`; None
        without a cohort), computed once."""
        if working_days not in self._curves:
            self._curves[working_days] = resolution_curve(
                *self.times_to_resolve(working_days=working_days))
        return self._curves[working_days]

    def resolution_curve(self) -> list[float]:
        """Share of the cohort resolved within each of CURVE_WORKING_DAYS working days of
        arising (Kaplan-Meier); [] without a cohort."""
        curve = self.curve(working_days=True)
        if curve is None:
            return []
        return [float(x) for x in 1.0 - curve.sf.evaluate(CURVE_WORKING_DAYS)]


def window_problem(days: int, warmup_days: int, followup_days: int) -> str | None:
    """Why a run of ``days`` days leaves no measurement window after ``warmup_days`` of
    warm-up and before ``followup_days`` of follow-up (None if it leaves one); ``days`` is
    the whole run (warm-up + window + follow-up)."""
    if warmup_days + followup_days >= days:
        return (f"{days} days leave no measurement window after warmup_days = {warmup_days} "
                f"and followup_days = {followup_days}; days is the whole run (warm-up + "
                "window + follow-up)")
    return None


