"""The daily series of a run, declared once: each column of ``model.timeseries()`` (the
DataCollector's model reporters, read at the end of every day; day 0 is the initial state)
with its meaning, unit, how it is read from the model and how the districts of a city
combine into the city's series (:func:`merge`).

Adding a daily series is one entry in :data:`SERIES` and its test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from ..rules import Stage


class Merge(Enum):
    """How a city's districts combine into the city's value of a daily series."""

    SAME = "the same in every district (the day)"
    SUM = "added up"
    BY_RESIDENTS = "averaged, weighted by the districts' residents"
    BY_CASEWORK = "averaged, weighted by the districts' grid workers' hours a week"
    ACTIVE_SHARE = "following + self-driven volunteers over all residents"


@dataclass(frozen=True)
class Series:
    """One daily series: its column, meaning, unit, reading and merge rule."""

    name: str
    meaning: str
    unit: str
    read: Callable[[Any], Any]  # the end-of-day value from a GridGovernanceModel
    merge: Merge


def _stage(k: Stage) -> Callable[[Any], int]:
    return lambda m: int(m.population.stage_counts[k])


SERIES: tuple[Series, ...] = (
    Series("day", "day of the run at the end of which the row is read (0: the initial "
           "state)", "days", lambda m: m.day, Merge.SAME),
    Series("arisen", "issues arisen so far, the day-0 backlog included", "issues",
           lambda m: m.pools.count("arisen"), Merge.SUM),
    Series("hidden_issues", "issues nobody in charge knows of yet", "issues",
           lambda m: m.pools.count("hidden"), Merge.SUM),
    Series("open_issues", "issues known and not yet closed (queued or in handling)",
           "issues", lambda m: m.pools.count("open"), Merge.SUM),
    Series("resolved", "issues resolved so far", "issues",
           lambda m: m.pools.count("resolved"), Merge.SUM),
    Series("abandoned", "issues closed unresolved at the top level so far", "issues",
           lambda m: m.pools.count("abandoned"), Merge.SUM),
    Series("queued_above_grid", "issues waiting in the queues above the grid (community, "
           "street office, departments, mediation centre)", "issues",
           lambda m: m.points.queued_above_grid(), Merge.SUM),
    Series("closed_today", "issues resolved or abandoned during the day", "issues",
           lambda m: len(m.pools.closed_today), Merge.SUM),
    Series("mean_trust", "residents' mean trust in government", "trust (0-1)",
           lambda m: m.population.mean_trust(m.now), Merge.BY_RESIDENTS),
    Series("inactive", "registered volunteers at the inactive stage", "residents",
           _stage(Stage.INACTIVE), Merge.SUM),
    Series("watching", "registered volunteers watching (看着干)", "residents",
           _stage(Stage.WATCHING), Merge.SUM),
    Series("following", "registered volunteers following (跟着干)", "residents",
           _stage(Stage.FOLLOWING), Merge.SUM),
    Series("self_driven", "registered volunteers self-driven (主动干)", "residents",
           _stage(Stage.SELF_DRIVEN), Merge.SUM),
    Series("active_volunteer_share", "share of residents following or self-driven",
           "share", lambda m: m.population.active_share, Merge.ACTIVE_SHARE),
    Series("grid_worker_utilisation", "grid workers' casework and visit hours in the last 7 "
           "days over their working hours", "share",
           lambda m: m.grid_worker_utilisation(), Merge.BY_CASEWORK),
)


def reporters() -> dict[str, Callable[[Any], Any]]:
    """The DataCollector's model reporters: each series' reading, in order."""
    return {s.name: s.read for s in SERIES}


def merge(frames: list[pd.DataFrame], residents: np.ndarray, casework_hours: np.ndarray
          ) -> pd.DataFrame:
    """A city's daily series from its districts' (``frames``, in district order), each
    column by its rule (:class:`Merge`); ``residents`` and ``casework_hours`` are the
    districts' (the weights)."""
    first = frames[0]
    if len(frames) == 1:
        return first.copy()
    residents = np.asarray(residents, dtype=float)
    hours = np.asarray(casework_hours, dtype=float)
    out: dict[str, Any] = {}
    for s in SERIES:
        if s.merge is Merge.SAME:
            out[s.name] = first[s.name].to_numpy()
        elif s.merge is Merge.SUM:
            out[s.name] = np.sum([f[s.name].to_numpy() for f in frames], axis=0)
        elif s.merge is Merge.ACTIVE_SHARE:
            out[s.name] = (out["following"] + out["self_driven"]) / residents.sum()
        else:
            w = residents if s.merge is Merge.BY_RESIDENTS else hours
            values = np.array([f[s.name].to_numpy(dtype=float) for f in frames])
            out[s.name] = (w[:, None] * values).sum(axis=0) / w.sum()
    return pd.DataFrame(out)
