"""The one place a model is run: :func:`run_model` builds a model from a
:class:`~simulation.parameters.Parameters` object, runs it and returns its
:class:`RunRecord` — everything any caller keeps of a run.

``gridgov run``, every district of a partitioned city (:mod:`simulation.running.city`),
sweeps (:mod:`simulation.sweeps.engine`, hence calibration and sensitivity analysis),
validation and the benchmarks all call it. What it keeps of a run is declared elsewhere, once:
the summary outcomes in :mod:`simulation.measures.outcomes`, the per-run tables in
:mod:`simulation.measures.tables`. The record is plain data (picklable): a worker process or
a Dask worker returns it whole.
"""

from __future__ import annotations

import gc
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..measures import tables
from ..measures.outcomes import summarise
from ..measures.tally import Tally
from ..model import GridGovernanceModel
from ..parameters import Parameters
from ..seeds import stream_seed_records
from ..support.machine import return_freed_memory


@dataclass
class RunRecord:
    """What one run gives (one model, or a city merged from its districts by
    :func:`simulation.running.city.run_partitioned`)."""

    summary: dict[str, Any]  # the summary outcomes (measures.outcomes), NaN if undefined
    tables: dict[str, Any]  # the per-run tables by name (measures.tables), in order
    tally: Tally  # the per-issue tally behind the summary (merged across districts)
    stream_seeds: dict[str, Any]  # each random stream's SeedSequence (simulation.seeds)
    events: int  # events scheduled in the event queue
    casework_hours: float  # grid workers' working hours per week
    warnings: list[str] = field(default_factory=list)  # levers that could not act
    build_seconds: float = 0.0  # building the world and agents
    run_seconds: float = 0.0  # simulating the days (what the benchmarks time)
    collect_seconds: float = 0.0  # computing the outputs above
    peak_rss_bytes: int = 0  # the process's peak resident memory so far
    wall_seconds: float = 0.0  # from the start of the build to the end of collection
    extra: dict[str, Any] = field(default_factory=dict)  # what ``inspect`` returned
    districts: pd.DataFrame | None = None  # a partitioned city's districts, one row each

    @property
    def timeseries(self) -> pd.DataFrame:
        """The daily series: one row per day, day 0 the initial state."""
        return self.tables["timeseries"]

    @property
    def grids(self) -> pd.DataFrame:
        """Each grid's state at the end."""
        return self.tables["grids"]

    @property
    def loads(self) -> pd.DataFrame:
        """Every service point's offered load (simulation.load)."""
        return self.tables["loads"]

    @property
    def resolution_curve(self) -> list[float]:
        """The share resolved within 0..60 working days of arising (Kaplan-Meier)."""
        return self.tables["resolution_curve"]

    @property
    def cases(self) -> pd.DataFrame | None:
        """The case log, if it was asked for (never a partitioned city's)."""
        return self.tables.get("cases")


def run_model(params: Parameters, *, seed: int, days: int, warmup_days: int = 0,
              followup_days: int = 0, keep_cases: bool = False,
              on_day: Callable[[int], None] | None = None,
              inspect: Callable[[GridGovernanceModel], dict[str, Any]] | None = None,
              collect_garbage: bool = False, whole_city: bool = False) -> RunRecord:
    """Build the model ``params`` describe, run it ``days`` days from ``seed`` and collect
    its record; the summary measures the window after ``warmup_days`` and before the last
    ``followup_days`` (:mod:`simulation.measures.tally`). ``on_day(day)`` is called after each
    simulated day; ``inspect(model)`` may read the finished model for anything the record
    lacks (its dict becomes ``record.extra``). The model is discarded afterwards; with
    ``collect_garbage`` its memory is returned at once by a full garbage collection (what a
    worker running model after model wants; in a process that holds much else, such as a
    notebook or the test suite, a full collection costs time in proportion to all of it).
    ``whole_city``: a city of several districts is meant to be one model here
    (:class:`~simulation.model.GridGovernanceModel`'s own guard and warning are skipped;
    :func:`simulation.running.city.run` decides)."""
    t0 = time.perf_counter()
    model = GridGovernanceModel(params, seed=seed, warmup_days=warmup_days,
                                whole_city=whole_city)
    t1 = time.perf_counter()
    model.run(days, on_day=on_day)
    t2 = time.perf_counter()
    tally = model.tally(followup_days)
    kept = tables.collect(model, tally, keep=keep_cases)
    record = RunRecord(
        summary=summarise(tally, kept["timeseries"]), tables=kept, tally=tally,
        stream_seeds=stream_seed_records(model.streams.seeds), events=model.queue.scheduled,
        casework_hours=float(model.working_hours_per_week), warnings=list(model.warnings),
        extra=inspect(model) if inspect is not None else {})
    t3 = time.perf_counter()
    # Free the issues by reference counting before the collection that frees the agents
    # (measured after a year of Licheng: 2.3 s instead of 4.0 s).
    model.discard()
    del model
    if collect_garbage:
        gc.collect()  # the model's own reference cycles (cheap once it is emptied)
        return_freed_memory()
    record.build_seconds, record.run_seconds, record.collect_seconds = t1 - t0, t2 - t1, t3 - t2
    record.wall_seconds = time.perf_counter() - t0
    record.peak_rss_bytes = peak_rss_bytes()
    return record


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
