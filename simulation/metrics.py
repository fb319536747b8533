"""Summary metrics of a run and the case log.

Times are fractional days. Resolution time is arisen → resolved (over resolved issues);
wait is known → first handling start (over issues whose handling has started).
"""

from __future__ import annotations

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


def summarise(model: GridGovernanceModel) -> dict[str, Any]:
    """The summary metrics of ``model`` as a flat dict of numbers (NaN where undefined)."""
    issues = model.issues
    now = model.now
    state = np.array([i.state for i in issues], dtype=np.int64)
    source = np.array([-1 if i.source is None else int(i.source) for i in issues])
    arisen = np.array([i.t_arisen for i in issues])
    known = np.array([i.t_known for i in issues])
    start = np.array([i.t_start for i in issues])
    closed = np.array([i.t_closed for i in issues])
    resolved = state == State.RESOLVED
    res_days = closed[resolved] - arisen[resolved]
    handled_days = closed[resolved] - known[resolved]
    started = ~np.isnan(start) & (start <= now)
    wait = start[started] - known[started]
    in_grid = np.array([i.closed_by is not None and i.closed_by.in_grid
                        for i in issues], dtype=bool)
    top = np.array([-1 if lvl is None else lvl.rank for lvl in (i.max_level for i in issues)],
                   dtype=np.int64)
    handled = top >= 0
    beyond = top >= Level.COMMUNITY.rank
    within = resolution_working_days(model) <= 5.0
    pop = model.population
    n_res = model.world.n_residents
    trust_end = float(pop.all_trust(now).mean()) if n_res else float("nan")

    def mean(x: np.ndarray) -> float:
        return float(np.mean(x)) if len(x) else float("nan")

    def pct(x: np.ndarray, q: float) -> float:
        return float(np.percentile(x, q)) if len(x) else float("nan")

    n_resolved = int(resolved.sum())
    n_known = int((state != State.HIDDEN).sum())
    return {
        "days": model.day,
        "residents": n_res,
        "grids": model.world.n_grids,
        "grid_workers": len(model.grid_workers),
        "issues_arisen": len(issues),
        "issues_reported": int(np.isin(source, [Source.IN_PERSON, Source.PLATFORM,
                                                 Source.UNIT]).sum()),
        "issues_found_on_visits": int((source == Source.VISIT).sum()),
        "issues_spotted_by_volunteers": int((source == Source.VOLUNTEER).sum()),
        "issues_resolved": n_resolved,
        "issues_abandoned": int((state == State.ABANDONED).sum()),
        "issues_open": int((state == State.OPEN).sum()),
        "issues_unresolved": len(issues) - n_resolved,
        "hidden_issues": int((state == State.HIDDEN).sum()),
        "mean_wait_days": mean(wait),
        "mean_resolution_days": mean(res_days),
        "median_resolution_days": pct(res_days, 50),
        "p90_resolution_days": pct(res_days, 90),
        "mean_days_known_to_resolved": mean(handled_days),
        "median_days_known_to_resolved": pct(handled_days, 50),
        "share_known_resolved": (n_resolved / n_known) if n_known else float("nan"),
        "share_within_5_working_days": mean(within.astype(float)),
        "share_resolved_in_grid": float(in_grid[resolved].sum() / n_resolved)
        if n_resolved else float("nan"),
        "escalation_rate": float(beyond.sum() / handled.sum()) if handled.any() else float("nan"),
        "trust_start": model.trust_start,
        "mean_trust": trust_end,
        "trust_change": trust_end - model.trust_start,
        "active_volunteer_share": float(pop.active().mean()) if n_res else 0.0,
        "annual_cost_yuan": model.cost()["total"],
    }


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
    wd = resolution_working_days(model)
    return [float(q) for q in np.quantile(wd, RESOLUTION_QUANTILES)] if len(wd) else []


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


_LEVEL_NAMES = [lvl.name.lower() for lvl in Level]
_EVENT_NAMES = {Event.ARRIVE: "arrive", Event.START: "start", Event.DONE: "done"}


def case_log(model: GridGovernanceModel) -> pd.DataFrame:
    """One row per issue: type, place, every timestamp (days), handler, top level, outcome.

    Per-level columns ``t_<event>_<level>`` (event: arrive, start, done) are NaN where the
    issue never reached that level; ``handlers`` lists everyone who handled it, in order
    (e.g. "grid_worker:17 > community:2:0"); ``handler`` is who closed it.
    """
    w = model.world
    rows = []
    for i in model.issues:
        row: dict[str, Any] = {
            "id": i.id,
            "type": ISSUE_TYPES[i.kind],
            "grid": i.grid,
            "community": int(w.grid_community[i.grid]),
            "street": int(w.community_street[w.grid_community[i.grid]]),
            "dedicated_grid": bool(w.grid_dedicated[i.grid]),
            "household": i.household,
            "resident": i.resident,
            "severity": i.severity,
            "outcome": State(i.state).name.lower(),
            "source": "" if i.source is None else i.source.name.lower(),
            "t_arisen": i.t_arisen,
            "t_known": i.t_known,
            "t_start": i.t_start,
            "t_closed": i.t_closed,
            "closed_by": "" if i.closed_by is None else i.closed_by.name.lower(),
            "handler": i.handler,
            "max_level": "" if i.max_level is None else i.max_level.name.lower(),
            "escalations": i.escalations,
        }
        handlers = []
        for t, ev, lvl, who in i.log:
            row[f"t_{_EVENT_NAMES[Event(ev)]}_{_LEVEL_NAMES[lvl]}"] = t
            if who:
                handlers.append(who)
        row["handlers"] = " > ".join(handlers)
        rows.append(row)
    columns = list(rows[0]) if rows else ["id"]
    per_level = [f"t_{e}_{lv}" for lv in _LEVEL_NAMES for e in _EVENT_NAMES.values()]
    df = pd.DataFrame(rows, columns=[c for c in columns if not c.startswith("t_")
                                     or c in ("t_arisen", "t_known", "t_start", "t_closed")]
                      + per_level)
    return df
