"""A run's tables of grids and issues: each grid's state at the end (for maps) and the case
log, one row per issue with every timestamp, who handled it and how it ended."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..issues import Event, IssueEvents, IssueStore, Level, Source, State
from ..parameters import ISSUE_TYPES
from ..population import Population
from ..world import World


def grid_state(world: World, issues: IssueStore, population: Population,
               has_branch: np.ndarray, now: float) -> pd.DataFrame:
    """One row per grid at time ``now`` (the end of the run): its place, residents, mean
    trust, backlog.

    ``backlog`` = known issues still open (queued or in handling, at any level) that arose
    in the grid; ``hidden`` = issues not yet known; ``resolved`` = issues resolved.
    """
    w = world
    n = w.n_grids
    grid = issues.view("grid")
    state = issues.view("state")

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


def case_log(world: World, issues: IssueStore, events: IssueEvents,
             names: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> pd.DataFrame:
    """One row per issue: type, place, every timestamp (days), handler, top level, outcome.

    Per-level columns ``t_<event>_<level>`` (event: arrive, start, done) are NaN where the
    issue never reached that level (the last time where a problem that came back reached
    it again); ``returns`` counts how often its closed problem came back; ``building`` is
    a shared problem's (-1: private), ``households_affected`` how many households it
    affects and ``reports`` how many reported it the first time; ``handlers``
    lists everyone who handled it, in order (e.g. "grid_worker:17 > community:2:0");
    ``handler`` is who closed it. ``names`` turns handler codes at their levels into names
    (:meth:`simulation.routing.Router.names`).
    Built column by column from the store and the log (a city year has millions of issues).
    """
    w = world
    col = issues.view
    n = len(issues)
    grid = col("grid")
    community = w.grid_community[grid]
    levels = [lvl.name.lower() for lvl in Level]
    state_names = np.array([s.name.lower() for s in State])
    source_names = np.array([s.name.lower() for s in Source] + [""])
    level_names = np.array([*levels, ""])
    log_issue, log_event, log_level = (events.view(c).astype(np.int64)
                                       for c in ("issue", "event", "level"))
    per_level = np.full((len(_EVENT_NAMES) * len(Level), n), np.nan)
    steps = log_event < len(_EVENT_NAMES)  # arrive, start, done (not call-backs, returns)
    per_level[log_level[steps] * 3 + log_event[steps], log_issue[steps]] = (
        events.view("t")[steps])  # one row a level (the last time, if it came back)
    handlers = np.full(n, "", dtype=object)
    starts = np.flatnonzero(log_event == int(Event.START))
    if len(starts):
        starts = starts[np.argsort(log_issue[starts], kind="stable")]  # by issue, in order
        who = names(log_level[starts], events.view("who")[starts])
        owner = log_issue[starts]
        bounds = np.flatnonzero(np.diff(owner)) + 1
        for i, group in zip(owner[np.r_[0, bounds]].tolist(),
                            np.split(who, bounds), strict=True):
            handlers[i] = " > ".join(group)
    closed_by = col("closed_by").astype(np.int64)
    df = pd.DataFrame({
        "id": np.arange(n, dtype=np.int64),
        "type": np.array(ISSUE_TYPES, dtype=object)[col("kind").astype(np.int64)],
        "grid": grid,
        "community": community,
        "street": w.community_street[community],
        "dedicated_grid": w.grid_dedicated[grid],
        "household": col("household").copy(),
        "building": col("building").copy(),
        "households_affected": np.where(col("building") >= 0, w.building_households[
            np.maximum(col("building"), 0)], 1),
        "reports": col("reports").astype(np.int64),
        "resident": col("resident").copy(),
        "severity": col("severity").copy(),
        "outcome": state_names[col("state").astype(np.int64)],
        "source": source_names[col("source").astype(np.int64)],
        "t_arisen": col("t_arisen").copy(),
        "t_known": col("t_known").copy(),
        "t_start": col("t_start").copy(),
        "t_closed": col("t_closed").copy(),
        "closed_by": level_names[closed_by],
        "handler": names(closed_by, col("handler")),
        "max_level": level_names[col("max_level").astype(np.int64)],
        "escalations": col("escalations").astype(np.int64),
        "returns": col("returns").astype(np.int64),
        "handlers": handlers,
    })
    for lv, name in enumerate(levels):
        for ev, event in _EVENT_NAMES.items():
            df[f"t_{event}_{name}"] = per_level[lv * 3 + int(ev)]
    return df
