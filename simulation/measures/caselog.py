"""A run's tables of grids and issues: each grid's state at the end (for maps) and the case
log, one row per issue with every timestamp, who handled it and how it ended."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..issues import Event, Issue, Level, Source, State
from ..parameters import ISSUE_TYPES
from ..population import Population
from ..world import World


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
