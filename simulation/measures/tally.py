"""Summary metrics of a run, the measured period they cover, and the case log.

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
over 90 days (:func:`resolution_curve`, with scipy.stats.ecdf on CensoredData): an issue
not resolved by day D (hidden, open, or abandoned: abandonment is never resolution) is
right-censored at day D. Measures over resolved issues only say so in their description.

Times are fractional days; working days follow the office calendar (the 5-working-day
rule's clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..issues import Event, Issue, Level, Source, State
from ..parameters import ISSUE_TYPES
from ..population import Population
from ..worktime import Calendar
from ..world import World
from .outcomes import OUTCOMES

HORIZON_DAYS = 90.0  # the restricted mean's horizon and the longest share's
CURVE_WORKING_DAYS = np.arange(0, 61)  # where each run's resolution curve is kept

# What each summary key means (simulation/measures/outcomes.py holds it, with label, unit and
# direction); Tally.summary returns exactly these keys, in this order.
SUMMARY_DOCS: dict[str, str] = {k: o.meaning for k, o in OUTCOMES.items()}
SOURCE_GROUPS = {"reported": (Source.IN_PERSON, Source.UNIT), "platform": (Source.PLATFORM,),
                 "visit": (Source.VISIT,), "volunteer": (Source.VOLUNTEER,)}


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
    visits_planned: float  # after the warm-up
    visits_done: float
    max_offered_load: float
    overloaded_points: int
    cost: dict[str, float] = field(default_factory=dict)  # annual cost items (yuan/year)

    @classmethod
    def of(cls, issues: list[Issue], *, now: float, days: int, warmup: int, followup: int,
           world: World, grid_workers: int, calendar: Calendar, visits_planned: float,
           visits_done: float, max_offered_load: float, overloaded_points: int,
           cost: dict[str, float]) -> Tally:
        """The tally of a run's ``issues`` at time ``now`` (a finished or running model's:
        :meth:`simulation.model.GridGovernanceModel.tally`), after ``days`` days of which
        the first ``warmup`` are the warm-up and the last ``followup`` the follow-up."""
        start, top = _first_starts_and_tops(issues)
        start[start > now] = np.nan
        return cls(
            days=days, warmup=warmup, followup=followup,
            residents=world.n_residents, households=world.n_households,
            grids=world.n_grids, grid_workers=grid_workers, calendar=calendar,
            state=np.array([i.state for i in issues], dtype=np.int8),
            source=np.array([-1 if i.source is None else int(i.source) for i in issues],
                            dtype=np.int8),
            in_grid=np.array([i.closed_by is not None and i.closed_by.in_grid
                              for i in issues], dtype=bool),
            top=top, t_arisen=np.array([i.t_arisen for i in issues]),
            t_known=np.array([i.t_known for i in issues]), t_start=start,
            t_closed=np.array([i.t_closed if i.state == State.RESOLVED else np.nan
                               for i in issues]),
            visits_planned=visits_planned, visits_done=visits_done,
            max_offered_load=max_offered_load, overloaded_points=overloaded_points, cost=cost)

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
                                     "visits_planned", "visits_done", "overloaded_points")},
            **{k: cat(k) for k in ("state", "source", "in_grid", "top", "t_arisen", "t_known",
                                   "t_start", "t_closed")},
            max_offered_load=max(t.max_offered_load for t in parts),
            cost={k: sum(t.cost[k] for t in parts) for k in first.cost})

    @property
    def window(self) -> tuple[float, float]:
        """The measurement window [start, end) in days."""
        return float(self.warmup), float(self.days - self.followup)

    def cohort(self) -> np.ndarray:
        """Boolean per issue: arose in the window."""
        start, end = self.window
        return (self.t_arisen >= start) & (self.t_arisen < end)

    def burden(self) -> float:
        """Issue-days of every issue unresolved during the window, per household per year."""
        start, end = self.window
        if end <= start or self.households == 0:
            return float("nan")
        until = np.where(np.isnan(self.t_closed), np.inf, self.t_closed)
        days = np.clip(np.minimum(until, end) - np.maximum(self.t_arisen, start), 0.0, None)
        return float(days.sum() / self.households / ((end - start) / 365.0))

    def times_to_resolve(self, working_days: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(time from arising to resolution or to the end of the run, resolved?) for the
        cohort, in days or working days."""
        c = self.cohort()
        resolved = ~np.isnan(self.t_closed[c])
        end = np.where(resolved, self.t_closed[c], float(self.days))
        if working_days:
            return self.calendar.working_days_between_many(self.t_arisen[c], end), resolved
        return end - self.t_arisen[c], resolved

    def resolution_curve(self) -> list[float]:
        """Share of the cohort resolved within each of CURVE_WORKING_DAYS working days of
        arising (Kaplan-Meier); [] without a cohort."""
        curve = resolution_curve(*self.times_to_resolve(working_days=True))
        if curve is None:
            return []
        return [float(x) for x in 1.0 - curve.sf.evaluate(CURVE_WORKING_DAYS)]

    def summary(self, timeseries: pd.DataFrame) -> dict[str, Any]:
        """The summary metrics as a flat dict of numbers (NaN where undefined), from this
        tally and the run's daily ``timeseries``."""
        c = self.cohort()
        state, source, top = self.state[c], self.source[c], self.top[c]
        arisen, known, closed, start = (self.t_arisen[c], self.t_known[c], self.t_closed[c],
                                        self.t_start[c])
        resolved = state == State.RESOLVED
        handled = top >= 0
        beyond = top >= Level.COMMUNITY.rank
        n_resolved = int(resolved.sum())
        n_known = int((state != State.HIDDEN).sum())
        days, done = self.times_to_resolve()
        curve = resolution_curve(days, done)
        work_curve = resolution_curve(*self.times_to_resolve(working_days=True))
        k2r = closed[resolved] - known[resolved]
        working = self.calendar.working_days_between_many(known[resolved], closed[resolved])
        started = ~np.isnan(start)
        out: dict[str, Any] = {
            "days": self.days,
            "warmup_days": self.warmup,
            "window_days": self.days - self.warmup - self.followup,
            "residents": self.residents,
            "households": self.households,
            "grids": self.grids,
            "grid_workers": self.grid_workers,
            "unresolved_issue_days_per_household": self.burden(),
            "share_resolved_within_90_days": _share_by(curve, HORIZON_DAYS),
            "share_resolved_within_30_days": _share_by(curve, 30.0),
            "share_resolved_within_5_working_days": _share_by(work_curve, 5.0),
            "restricted_mean_days_to_resolve": restricted_mean(curve, HORIZON_DAYS),
            "issues_arisen": int(c.sum()),
            "backlog_issues": int((self.t_arisen < 0).sum()),
            "issues_reported": int(np.isin(source, [Source.IN_PERSON, Source.PLATFORM,
                                                     Source.UNIT]).sum()),
            "issues_found_on_visits": int((source == Source.VISIT).sum()),
            "issues_spotted_by_volunteers": int((source == Source.VOLUNTEER).sum()),
            "issues_resolved": n_resolved,
            "issues_abandoned": int((state == State.ABANDONED).sum()),
            "issues_open": int((state == State.OPEN).sum()),
            "issues_never_known": int((state == State.HIDDEN).sum()),
            "issues_unresolved": int(c.sum()) - n_resolved,
            "hidden_issues": _window_mean(timeseries, "hidden_issues", self.window),
            "mean_wait_days": _mean(start[started] - known[started]),
            "mean_resolution_days": _mean(closed[resolved] - arisen[resolved]),
            "median_resolution_days": _pct(closed[resolved] - arisen[resolved], 50),
            "p90_resolution_days": _pct(closed[resolved] - arisen[resolved], 90),
            "mean_days_known_to_resolved": _mean(k2r),
            "median_days_known_to_resolved": _pct(k2r, 50),
            "skew_known_to_resolved": (_mean(k2r) / _pct(k2r, 50)
                                       if len(k2r) and _pct(k2r, 50) > 0 else float("nan")),
            **{f"mean_days_known_to_resolved_{name}": _mean(k2r[np.isin(source[resolved],
                                                                        group)])
               for name, group in SOURCE_GROUPS.items()},
            "share_known_resolved": (n_resolved / n_known) if n_known else float("nan"),
            "share_within_5_working_days": _mean((working <= 5.0).astype(float)),
            "share_resolved_in_grid": float(self.in_grid[c][resolved].sum() / n_resolved)
            if n_resolved else float("nan"),
            "escalation_rate": float(beyond.sum() / handled.sum()) if handled.any()
            else float("nan"),
            **_trust(timeseries, self.window, self.residents),
            "max_offered_load": self.max_offered_load,
            "overloaded_points": self.overloaded_points,
            "visits_done_share": (self.visits_done / self.visits_planned
                                  if self.visits_planned > 0 else float("nan")),
            **{f"trend_{col}": trend(timeseries, col) for col in STATIONARITY_SERIES},
            "annual_cost_yuan": self.cost["total"],
        }
        return out


STATIONARITY_SERIES = ("open_issues", "hidden_issues", "queued_above_grid")


def resolution_curve(times: np.ndarray, resolved: np.ndarray) -> Any:
    """The Kaplan-Meier estimate of time to resolution (scipy.stats.ecdf on CensoredData:
    resolved issues are events, the rest right-censored at their time); None if empty."""
    if len(times) == 0:
        return None
    data = stats.CensoredData(uncensored=times[resolved], right=times[~resolved])
    return stats.ecdf(data)


def _observed_to(curve: Any, t: float) -> bool:
    """True if the curve is estimated up to ``t``: some issue was followed that long, or
    every issue was resolved earlier."""
    return bool(curve.sf.quantiles[-1] >= t or curve.sf.probabilities[-1] == 0.0)


def _share_by(curve: Any, t: float) -> float:
    """Estimated share resolved by time ``t`` (NaN without data, or if no issue was
    followed that long while some were still unresolved)."""
    if curve is None or not _observed_to(curve, t):
        return float("nan")
    return float(1.0 - curve.sf.evaluate(t))


def restricted_mean(curve: Any, horizon: float) -> float:
    """Restricted mean time to resolution over [0, horizon]: the area under the estimated
    share unresolved, S(t), from 0 to the horizon (an issue unresolved by then counts the
    horizon). NaN without data or where the curve ends before the horizon with issues left
    unresolved and no observation that long."""
    if curve is None or not _observed_to(curve, horizon):
        return float("nan")
    q = np.asarray(curve.sf.quantiles, dtype=float)
    s = np.asarray(curve.sf.probabilities, dtype=float)
    edges = np.concatenate([[0.0], np.minimum(q[q < horizon], horizon), [horizon]])
    levels = np.concatenate([[1.0], s[q < horizon]])
    return float(np.sum(np.diff(edges) * levels))


def trend(timeseries: pd.DataFrame, column: str) -> float:
    """Least-squares change of ``column`` per year over the second half of the run,
    relative to its mean there (0 if the series is flat at 0; NaN if too short)."""
    if column not in timeseries or len(timeseries) < 8:
        return float("nan")
    half = timeseries.iloc[len(timeseries) // 2:]
    x = half["day"].to_numpy(float)
    y = half[column].to_numpy(float)
    mean = y.mean()
    if mean == 0.0:
        return 0.0
    slope = np.polyfit(x, y, 1)[0]
    return float(slope * 365.0 / mean)


def _window_mean(timeseries: pd.DataFrame, column: str, window: tuple[float, float]) -> float:
    """Mean of a daily end-of-day series over the days of the window."""
    start, end = window
    rows = timeseries[(timeseries.day > start) & (timeseries.day <= end)]
    return float(rows[column].mean()) if len(rows) else float("nan")


def _trust(timeseries: pd.DataFrame, window: tuple[float, float],
           residents: int) -> dict[str, float]:
    """Trust at the start and end of the window, and active volunteers at its end."""
    start, end = (int(x) for x in window)
    by_day = timeseries.set_index("day")
    first, last = by_day.loc[start], by_day.loc[end]
    active = (last["following"] + last["self_driven"]) / residents if residents else 0.0
    return {"trust_start": float(first["mean_trust"]), "mean_trust": float(last["mean_trust"]),
            "trust_change": float(last["mean_trust"] - first["mean_trust"]),
            "active_volunteer_share": float(active)}


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else float("nan")


def _pct(x: np.ndarray, q: float) -> float:
    return float(np.percentile(x, q)) if len(x) else float("nan")


def _first_starts_and_tops(issues: list) -> tuple[np.ndarray, np.ndarray]:
    """Each issue's first handling start (NaN if none; ``Issue.t_start``) and the rank of
    the highest level it reached (-1 if none; ``Issue.max_level``), in one pass."""
    start = np.full(len(issues), np.nan)
    top = np.full(len(issues), -1, dtype=np.int8)
    rank = [lvl.rank for lvl in Level]
    arrive, begin = int(Event.ARRIVE), int(Event.START)
    for k, issue in enumerate(issues):
        first, high = None, -1
        for t, event, level, _ in issue.log:
            if event == arrive:
                if rank[level] > high:
                    high = rank[level]
            elif event == begin and first is None:
                first = t
        if first is not None:
            start[k] = first
        top[k] = high
    return start, top


def window_problem(days: int, warmup_days: int, followup_days: int) -> str | None:
    """Why a run of ``days`` days leaves no measurement window after ``warmup_days`` of
    warm-up and before ``followup_days`` of follow-up (None if it leaves one); ``days`` is
    the whole run (warm-up + window + follow-up)."""
    if warmup_days + followup_days >= days:
        return (f"{days} days leave no measurement window after warmup_days = {warmup_days} "
                f"and followup_days = {followup_days}; days is the whole run (warm-up + "
                "window + follow-up)")
    return None


def grid_state(world: World, issues: list[Issue], population: Population,
               has_branch: np.ndarray, now: float) -> pd.DataFrame:
    """One row per grid at time ``now`` (the end of the run): its place, residents, mean
    trust, backlog.

    ``backlog`` = known issues still open (queued or in handling, at any level) that arose
    in the grid; ``hidden`` = issues not yet known; ``resolved`` = issues resolved.
    """
    w = world
    n = w.n_grids
    grid = np.array([i.grid for i in issues], dtype=np.int64)
    state = np.array([i.state for i in issues], dtype=np.int64)

    def count(s: State) -> np.ndarray:
        return np.bincount(grid[state == s], minlength=n)

    trust = population.all_trust(now)
    residents = w.grid_residents
    sums = np.bincount(w.resident_grid, weights=trust, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_trust = np.where(residents > 0, sums / np.maximum(residents, 1), np.nan)
    return pd.DataFrame({
        "grid": np.arange(n), "community": w.grid_community,
        "street": w.community_street[w.grid_community], "dedicated": w.grid_dedicated,
        "residents": residents, "households": w.grid_households,
        "party_branch": has_branch.astype(bool), "mean_trust": mean_trust,
        "backlog": count(State.OPEN), "hidden": count(State.HIDDEN),
        "resolved": count(State.RESOLVED),
    })


_EVENT_NAMES = {Event.ARRIVE: "arrive", Event.START: "start", Event.DONE: "done"}


def case_log(world: World, issues: list[Issue]) -> pd.DataFrame:
    """One row per issue: type, place, every timestamp (days), handler, top level, outcome.

    Per-level columns ``t_<event>_<level>`` (event: arrive, start, done) are NaN where the
    issue never reached that level; ``handlers`` lists everyone who handled it, in order
    (e.g. "grid_worker:17 > community:2:0"); ``handler`` is who closed it. Built column by
    column (a city year has millions of issues).
    """
    w = world
    n = len(issues)
    grid = np.array([i.grid for i in issues], dtype=np.int64)
    community = w.grid_community[grid]
    levels = [lvl.name.lower() for lvl in Level]
    state_names = np.array([s.name.lower() for s in State])
    source_names = np.array([s.name.lower() for s in Source] + [""])
    level_names = np.array([*levels, ""])
    per_level = np.full((len(_EVENT_NAMES) * len(Level), n), np.nan)
    handlers = []
    for k, i in enumerate(issues):
        who = []
        for t, ev, lvl, name in i.log:
            per_level[lvl * 3 + ev, k] = t
            if name:
                who.append(name)
        handlers.append(" > ".join(who))
    closed_by = np.array([-1 if i.closed_by is None else int(i.closed_by) for i in issues],
                         dtype=np.int64)
    top = np.array([-1 if lvl is None else int(lvl) for lvl in (i.max_level for i in issues)],
                   dtype=np.int64)
    df = pd.DataFrame({
        "id": np.array([i.id for i in issues], dtype=np.int64),
        "type": np.array(ISSUE_TYPES, dtype=object)[
            np.array([i.kind for i in issues], dtype=np.int64)],
        "grid": grid,
        "community": community,
        "street": w.community_street[community],
        "dedicated_grid": w.grid_dedicated[grid],
        "household": np.array([i.household for i in issues], dtype=np.int64),
        "resident": np.array([i.resident for i in issues], dtype=np.int64),
        "severity": np.array([i.severity for i in issues], dtype=float),
        "outcome": state_names[np.array([i.state for i in issues], dtype=np.int64)],
        "source": source_names[np.array([-1 if i.source is None else int(i.source)
                                         for i in issues], dtype=np.int64)],
        "t_arisen": np.array([i.t_arisen for i in issues], dtype=float),
        "t_known": np.array([i.t_known for i in issues], dtype=float),
        "t_start": np.array([i.t_start for i in issues], dtype=float),
        "t_closed": np.array([i.t_closed for i in issues], dtype=float),
        "closed_by": level_names[closed_by],
        "handler": np.array([i.handler for i in issues], dtype=object),
        "max_level": level_names[top],
        "escalations": np.array([i.escalations for i in issues], dtype=np.int64),
        "handlers": np.array(handlers, dtype=object),
    })
    for lv, name in enumerate(levels):
        for ev, event in _EVENT_NAMES.items():
            df[f"t_{event}_{name}"] = per_level[lv * 3 + int(ev)]
    return df
