"""What a run's summary outcomes are computed from: its tally's *cohort* (the issues that
arose in the measured window, followed to the end of the run) and its daily series over the
window (docs/model.md 7.14). :class:`Measured` computes each shared quantity once, when an
outcome first asks for it (:mod:`simulation.measures.outcomes` declares each outcome with
its computation over a Measured)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..issues import Level, Source, State
from .tally import Tally

# How an issue became known, in groups for the times from known to resolved by source.
SOURCE_GROUPS = {"reported": (Source.IN_PERSON, Source.UNIT), "platform": (Source.PLATFORM,),
                 "visit": (Source.VISIT,), "volunteer": (Source.VOLUNTEER,)}


class Measured:
    """A run's tally and daily ``timeseries``, with the cohort's columns and curves."""

    def __init__(self, tally: Tally, timeseries: pd.DataFrame) -> None:
        self.tally = tally
        self.timeseries = timeseries

    @cached_property
    def c(self) -> np.ndarray:
        """Boolean per issue: in the cohort (arose in the window)."""
        return self.tally.cohort()

    @cached_property
    def state(self) -> np.ndarray:
        """The cohort's states."""
        return self.tally.state[self.c]

    @cached_property
    def source(self) -> np.ndarray:
        """How each cohort issue became known (-1: still hidden)."""
        return self.tally.source[self.c]

    @cached_property
    def top(self) -> np.ndarray:
        """The highest rank each cohort issue reached (-1: never handled)."""
        return self.tally.top[self.c]

    @cached_property
    def arisen(self) -> np.ndarray:
        """When each cohort issue arose (days)."""
        return self.tally.t_arisen[self.c]

    @cached_property
    def known(self) -> np.ndarray:
        """When each cohort issue became known (days; NaN while hidden)."""
        return self.tally.t_known[self.c]

    @cached_property
    def closed(self) -> np.ndarray:
        """When each cohort issue was resolved (days; NaN while unresolved)."""
        return self.tally.t_closed[self.c]

    @cached_property
    def start(self) -> np.ndarray:
        """When each cohort issue's handling first started (days; NaN if not yet)."""
        return self.tally.t_start[self.c]

    @cached_property
    def resolved(self) -> np.ndarray:
        """Boolean per cohort issue: resolved."""
        return self.state == State.RESOLVED

    @cached_property
    def n_resolved(self) -> int:
        """Cohort issues resolved."""
        return int(self.resolved.sum())

    @cached_property
    def n_known(self) -> int:
        """Cohort issues known (no longer hidden)."""
        return int((self.state != State.HIDDEN).sum())

    @cached_property
    def handled(self) -> np.ndarray:
        """Boolean per cohort issue: handled at some level."""
        return self.top >= 0

    @cached_property
    def beyond(self) -> np.ndarray:
        """Boolean per cohort issue: went beyond the grid."""
        return self.top >= Level.COMMUNITY.rank

    @cached_property
    def curve(self) -> Any:
        """Kaplan-Meier estimate of days from arising to resolution (None: no cohort)."""
        return self.tally.curve()

    @cached_property
    def work_curve(self) -> Any:
        """The same in working days (the 5-working-day rule's clock)."""
        return self.tally.curve(working_days=True)

    @cached_property
    def k2r(self) -> np.ndarray:
        """Days from known to resolved of the resolved cohort issues."""
        return self.closed[self.resolved] - self.known[self.resolved]

    @cached_property
    def a2r(self) -> np.ndarray:
        """Days from arising to resolved of the resolved cohort issues."""
        return self.closed[self.resolved] - self.arisen[self.resolved]

    @cached_property
    def working(self) -> np.ndarray:
        """Working days from known to resolved of the resolved cohort issues."""
        return self.tally.calendar.working_days_between_many(self.known[self.resolved],
                                                             self.closed[self.resolved])

    @cached_property
    def waits(self) -> np.ndarray:
        """Days from known to the first handling start, of cohort issues whose handling has
        started."""
        started = ~np.isnan(self.start)
        return self.start[started] - self.known[started]

    @cached_property
    def trust(self) -> dict[str, float]:
        """Mean trust at the start and end of the window, its change, and the share of
        residents who are active volunteers at its end."""
        start, end = (int(x) for x in self.tally.window)
        by_day = self.timeseries.set_index("day")
        first, last = by_day.loc[start], by_day.loc[end]
        residents = self.tally.residents
        active = (last["following"] + last["self_driven"]) / residents if residents else 0.0
        return {"trust_start": float(first["mean_trust"]),
                "mean_trust": float(last["mean_trust"]),
                "trust_change": float(last["mean_trust"] - first["mean_trust"]),
                "active_volunteer_share": float(active)}

    def known_to_resolved_by(self, group: str) -> float:
        """Mean days from known to resolved of resolved cohort issues that became known by
        the sources of ``group`` (:data:`SOURCE_GROUPS`)."""
        return mean(self.k2r[np.isin(self.source[self.resolved], SOURCE_GROUPS[group])])

    def window_mean(self, column: str) -> float:
        """Mean of a daily end-of-day series over the days of the window."""
        start, end = self.tally.window
        ts = self.timeseries
        rows = ts[(ts.day > start) & (ts.day <= end)]
        return float(rows[column].mean()) if len(rows) else float("nan")


def trend(timeseries: pd.DataFrame, column: str) -> float:
    """Least-squares change of ``column`` per year over the second half of the run,
    relative to its mean there (0 if the series is flat at 0; NaN if too short)."""
    if column not in timeseries or len(timeseries) < 8:
        return float("nan")
    half = timeseries.iloc[len(timeseries) // 2:]
    x = half["day"].to_numpy(float)
    y = half[column].to_numpy(float)
    m = y.mean()
    if m == 0.0:
        return 0.0
    slope = np.polyfit(x, y, 1)[0]
    return float(slope * 365.0 / m)


def mean(x: np.ndarray) -> float:
    """The mean of ``x``; NaN if it is empty."""
    return float(np.mean(x)) if len(x) else float("nan")


def percentile(x: np.ndarray, q: float) -> float:
    """The ``q``-th percentile of ``x``; NaN if it is empty."""
    return float(np.percentile(x, q)) if len(x) else float("nan")
