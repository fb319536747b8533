"""Summary metrics of a run and the case log.

Times are fractional days. Resolution time is arisen → resolved (over resolved issues);
wait is known → first handling start (over issues whose handling has started).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .issues import Event, Level, Source, State
from .parameters import ISSUE_TYPES

if TYPE_CHECKING:
    from .model import GridGovernanceModel

SUMMARY_DOCS: dict[str, str] = {
    "days": "simulated days",
    "residents": "residents in the world",
    "grids": "grids (basic and dedicated)",
    "grid_workers": "grid workers",
    "issues_arisen": "issues that arose (including a day-0 backlog)",
    "issues_reported": "issues reported by their resident or unit",
    "issues_found_on_visits": "issues found on door-to-door visits or inspections",
    "issues_spotted_by_volunteers": "issues spotted by active volunteers",
    "issues_resolved": "issues resolved",
    "issues_abandoned": "issues closed unresolved at the top level",
    "issues_open": "known issues still being handled at the end",
    "issues_unresolved": "issues not resolved at the end (hidden + open + abandoned)",
    "hidden_issues": "issues arisen but never known (the hidden backlog)",
    "mean_wait_days": "mean days from known to first handling start, over issues whose "
                      "handling has started",
    "mean_resolution_days": "mean days from arisen to resolved",
    "median_resolution_days": "median days from arisen to resolved",
    "p90_resolution_days": "90th percentile of days from arisen to resolved",
    "mean_days_known_to_resolved": "mean days from known (reported or found) to resolved",
    "median_days_known_to_resolved": "median days from known to resolved",
    "share_known_resolved": "share of known issues (arisen and not hidden) resolved by the "
                            "end: the completion rate",
    "share_within_5_working_days": "share of resolved issues closed within 5 working days "
                                   "of becoming known (Shandong hotline rule)",
    "share_resolved_in_grid": "share of resolved issues settled by volunteers, the Party "
                              "branch or the grid worker",
    "escalation_rate": "share of handled issues that went beyond the grid",
    "trust_start": "mean trust at day 0",
    "mean_trust": "mean trust at the end",
    "trust_change": "mean trust at the end minus at day 0",
    "active_volunteer_share": "share of residents following or self-driven at the end",
    "annual_cost_yuan": "yuan a year for grid workers, case staff and the policies' own "
                        "costs (simulation/cost.py)",
}


@dataclass
class Tally:
    """Everything the summary metrics are computed from, per issue and per run.

    Tallies of a city's districts concatenate (:meth:`merge`) into the tally of the whole
    city, so a partitioned run's summary is computed exactly as an unpartitioned one's.
    """

    days: int
    residents: int
    grids: int
    grid_workers: int
    state: np.ndarray  # State of every issue (int8)
    source: np.ndarray  # Source of every issue, -1 while hidden (int8)
    in_grid: np.ndarray  # closed inside the grid (bool)
    top: np.ndarray  # highest rank reached, -1 if never handled (int8)
    wait: np.ndarray  # days known -> first start, issues whose handling has started
    resolution: np.ndarray  # days arisen -> resolved, resolved issues in issue order
    known_to_resolved: np.ndarray  # days known -> resolved, resolved issues
    working_days: np.ndarray  # working days known -> resolved, resolved issues
    trust_start: float  # mean trust at day 0
    trust_end: float  # mean trust at the end
    active: int  # active volunteers at the end
    cost: dict[str, float]  # annual cost items (yuan/year)

    @classmethod
    def of(cls, model: GridGovernanceModel) -> Tally:
        """The tally of a finished (or running) model."""
        issues = model.issues
        now = model.now
        state = np.array([i.state for i in issues], dtype=np.int8)
        arisen = np.array([i.t_arisen for i in issues])
        known = np.array([i.t_known for i in issues])
        start, top = _first_starts_and_tops(issues)
        closed = np.array([i.t_closed for i in issues])
        resolved = state == State.RESOLVED
        started = ~np.isnan(start) & (start <= now)
        n_res = model.world.n_residents
        pop = model.population
        return cls(
            days=model.day, residents=n_res, grids=model.world.n_grids,
            grid_workers=len(model.grid_workers), state=state,
            source=np.array([-1 if i.source is None else int(i.source) for i in issues],
                            dtype=np.int8),
            in_grid=np.array([i.closed_by is not None and i.closed_by.in_grid
                              for i in issues], dtype=bool),
            top=top,
            wait=start[started] - known[started],
            resolution=closed[resolved] - arisen[resolved],
            known_to_resolved=closed[resolved] - known[resolved],
            working_days=resolution_working_days(model),
            trust_start=model.trust_start,
            trust_end=float(pop.all_trust(now).mean()) if n_res else float("nan"),
            active=int(pop.active().sum()), cost=model.cost())

    @classmethod
    def merge(cls, parts: list[Tally]) -> Tally:
        """The tally of the union of ``parts`` (districts of one city, same days)."""
        if len(parts) == 1:
            return parts[0]
        n = np.array([t.residents for t in parts], dtype=float)

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(t, name) for t in parts])

        def weighted(name: str) -> float:
            return float(np.sum(n * [getattr(t, name) for t in parts]) / n.sum())

        return cls(
            days=parts[0].days, residents=int(n.sum()), grids=sum(t.grids for t in parts),
            grid_workers=sum(t.grid_workers for t in parts),
            **{k: cat(k) for k in ("state", "source", "in_grid", "top", "wait", "resolution",
                                   "known_to_resolved", "working_days")},
            trust_start=weighted("trust_start"), trust_end=weighted("trust_end"),
            active=sum(t.active for t in parts),
            cost={k: sum(t.cost[k] for t in parts) for k in parts[0].cost})

    def summary(self) -> dict[str, Any]:
        """The summary metrics as a flat dict of numbers (NaN where undefined)."""
        state, source = self.state, self.source

        def mean(x: np.ndarray) -> float:
            return float(np.mean(x)) if len(x) else float("nan")

        def pct(x: np.ndarray, q: float) -> float:
            return float(np.percentile(x, q)) if len(x) else float("nan")

        resolved = state == State.RESOLVED
        handled = self.top >= 0
        beyond = self.top >= Level.COMMUNITY.rank
        n_resolved = int(resolved.sum())
        n_known = int((state != State.HIDDEN).sum())
        n_res = self.residents
        return {
            "days": self.days,
            "residents": n_res,
            "grids": self.grids,
            "grid_workers": self.grid_workers,
            "issues_arisen": len(state),
            "issues_reported": int(np.isin(source, [Source.IN_PERSON, Source.PLATFORM,
                                                     Source.UNIT]).sum()),
            "issues_found_on_visits": int((source == Source.VISIT).sum()),
            "issues_spotted_by_volunteers": int((source == Source.VOLUNTEER).sum()),
            "issues_resolved": n_resolved,
            "issues_abandoned": int((state == State.ABANDONED).sum()),
            "issues_open": int((state == State.OPEN).sum()),
            "issues_unresolved": len(state) - n_resolved,
            "hidden_issues": int((state == State.HIDDEN).sum()),
            "mean_wait_days": mean(self.wait),
            "mean_resolution_days": mean(self.resolution),
            "median_resolution_days": pct(self.resolution, 50),
            "p90_resolution_days": pct(self.resolution, 90),
            "mean_days_known_to_resolved": mean(self.known_to_resolved),
            "median_days_known_to_resolved": pct(self.known_to_resolved, 50),
            "share_known_resolved": (n_resolved / n_known) if n_known else float("nan"),
            "share_within_5_working_days": mean((self.working_days <= 5.0).astype(float)),
            "share_resolved_in_grid": float(self.in_grid[resolved].sum() / n_resolved)
            if n_resolved else float("nan"),
            "escalation_rate": float(beyond.sum() / handled.sum()) if handled.any()
            else float("nan"),
            "trust_start": self.trust_start,
            "mean_trust": self.trust_end,
            "trust_change": self.trust_end - self.trust_start,
            "active_volunteer_share": self.active / n_res if n_res else 0.0,
            "annual_cost_yuan": self.cost["total"],
        }

    def resolution_quantiles(self) -> list[float]:
        """Quantiles (at RESOLUTION_QUANTILES) of the working days known -> resolved."""
        return _quantiles(self.working_days)


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


def summarise(model: GridGovernanceModel) -> dict[str, Any]:
    """The summary metrics of ``model`` as a flat dict of numbers (NaN where undefined)."""
    return Tally.of(model).summary()


RESOLUTION_QUANTILES = np.linspace(0.0, 1.0, 101)  # stored per run for distributions


def resolution_working_days(model: GridGovernanceModel) -> np.ndarray:
    """Working days from known to resolved of each resolved issue, in issue order.

    Working days follow the office calendar (the 5-working-day rule's clock).
    """
    done = [i for i in model.issues if i.state == State.RESOLVED]
    return model.office_calendar.working_days_between_many(
        np.array([i.t_known for i in done], dtype=float),
        np.array([i.t_closed for i in done], dtype=float))


def resolution_quantiles(model: GridGovernanceModel) -> list[float]:
    """Quantiles (at RESOLUTION_QUANTILES) of :func:`resolution_working_days`; [] if none.

    101 numbers describe a run's whole distribution of resolution times compactly, so a
    sweep can keep it for every run.
    """
    return _quantiles(resolution_working_days(model))


def _quantiles(working_days: np.ndarray) -> list[float]:
    """The RESOLUTION_QUANTILES of ``working_days`` ([] if empty)."""
    if not len(working_days):
        return []
    return [float(q) for q in np.quantile(working_days, RESOLUTION_QUANTILES)]


def grid_state(model: GridGovernanceModel) -> pd.DataFrame:
    """One row per grid at the end of the run: its place, residents, mean trust, backlog.

    ``backlog`` = known issues still open (queued or in handling, at any level) that arose
    in the grid; ``hidden`` = issues not yet known; ``resolved`` = issues resolved.
    """
    w = model.world
    n = w.n_grids
    grid = np.array([i.grid for i in model.issues], dtype=np.int64)
    state = np.array([i.state for i in model.issues], dtype=np.int64)

    def count(s: State) -> np.ndarray:
        return np.bincount(grid[state == s], minlength=n)

    trust = model.population.all_trust(model.now)
    residents = w.grid_residents
    sums = np.bincount(w.resident_grid, weights=trust, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_trust = np.where(residents > 0, sums / np.maximum(residents, 1), np.nan)
    return pd.DataFrame({
        "grid": np.arange(n), "community": w.grid_community,
        "street": w.community_street[w.grid_community], "dedicated": w.grid_dedicated,
        "residents": residents, "households": w.grid_households,
        "party_branch": model.grid_has_branch.astype(bool), "mean_trust": mean_trust,
        "backlog": count(State.OPEN), "hidden": count(State.HIDDEN),
        "resolved": count(State.RESOLVED),
    })


_EVENT_NAMES = {Event.ARRIVE: "arrive", Event.START: "start", Event.DONE: "done"}


def case_log(model: GridGovernanceModel) -> pd.DataFrame:
    """One row per issue: type, place, every timestamp (days), handler, top level, outcome.

    Per-level columns ``t_<event>_<level>`` (event: arrive, start, done) are NaN where the
    issue never reached that level; ``handlers`` lists everyone who handled it, in order
    (e.g. "grid_worker:17 > community:2:0"); ``handler`` is who closed it. Built column by
    column (a city year has millions of issues).
    """
    w = model.world
    issues = model.issues
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
