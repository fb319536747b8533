"""A city run partitioned by district: each district is its own model, in its own process.

Districts share nothing below the city: residents, grids, grid workers, communities and
street offices all belong to one district. Two service points are city-wide: the city
departments and the one-stop mediation centre, each a pool of ``case_staff`` officers per
street office. A partitioned run gives every district its own desk of these pools, staffed
with the district's share (``case_staff`` x its street offices), so the districts run
independently and the city's staff in total are the same. Pooling matters little at these
sizes: each desk has tens to hundreds of officers working at the same load, and a large
M/M/c pool's wait is near zero either way (Erlang C; tests/running/test_city.py shows the
metrics of partitioned and unpartitioned runs agree within replication noise).

Each district's seed is spawned from the run's seed with ``numpy.random.SeedSequence`` and
written with the results, so a partitioned run is reproducible to the bit whatever the
number of workers. The city's summary is computed from the districts' tallies joined in
district order (:meth:`simulation.measures.tally.Tally.merge`), exactly as for one model;
the daily series add up counts and weight means by residents (trust, volunteers) or
casework hours (utilisation).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..districts import district_count, district_names, is_city, plans
from ..measures import tables
from ..measures.outcomes import summarise
from ..measures.tally import Tally
from ..parameters import Parameters
from ..seeds import district_seeds, partition_seed_record
from ..support.errors import RunFailed
from ..support.storage import atomic_write_parquet
from .executors import Backend, make_backend
from .progress import day_reporter
from .runner import RunRecord, run_model

# The case log's text columns (measures.caselog.case_log), typed as strings in Parquet parts.
CASE_TEXT_COLUMNS = ("district", "type", "outcome", "source", "closed_by", "handler",
                     "max_level", "handlers")


class PartitionError(RunFailed):
    """A district's run failed; the message names the district and the error (one line);
    ``details`` holds the district's traceback."""


@dataclass(frozen=True)
class DistrictTask:
    """Everything a worker needs to run one district (picklable)."""

    params: Parameters  # the city's parameters with world.district set to this district
    district: int
    name: str
    seed: int
    days: int
    keep_cases: bool = False
    progress: Any = None  # a queue: (district, day) is put every PROGRESS_DAYS days
    warmup_days: int = 0
    followup_days: int = 0


@dataclass
class DistrictOutcome:
    """What a worker sends back for one district: its run record, or why it failed."""

    district: int
    seed: int
    error: str
    record: RunRecord | None = None


def partitioned(params: Parameters, partition: bool = True) -> bool:
    """Whether a run of ``params`` is partitioned by district: a city of several districts
    (:func:`simulation.districts.is_city`), unless ``partition`` is False."""
    return partition and is_city(params)


def run(params: Parameters, *, seed: int, days: int, warmup_days: int = 0,
        followup_days: int = 0, keep_cases: bool = False, cases_dir: Path | None = None,
        partition: bool = True, backend: Backend | None = None,
        on_district: Callable[[DistrictOutcome], None] | None = None, progress: Any = None,
        on_day: Callable[[int], None] | None = None, collect_garbage: bool = False
        ) -> RunRecord:
    """One run of ``params``, and the one place that decides how it runs: a city of several
    districts is partitioned by district (:func:`run_partitioned`, on ``backend``; in this
    process, in turn, if None) unless ``partition`` is False; anything else is one model in
    this process (:func:`simulation.running.runner.run_model`, with ``on_day`` and
    ``collect_garbage``).

    The case log: with ``keep_cases`` it is kept in the record (a city's joined from its
    districts'); with ``cases_dir`` a city's districts' case logs are written there instead,
    ``NN.parquet`` each, as they arrive (never whole in memory): to a hidden folder beside
    ``cases_dir`` whose parts move into it (replacing the same districts' parts) when every
    district has finished, so a failed or interrupted run leaves no partial case log.
    ``on_district`` sees each district's outcome as it arrives, ``progress`` (a queue the
    workers can reach) their simulated days."""
    window = {"seed": seed, "days": days, "warmup_days": warmup_days,
              "followup_days": followup_days}
    if not partitioned(params, partition):
        return run_model(params, **window, keep_cases=keep_cases, on_day=on_day,
                         collect_garbage=collect_garbage, whole_city=is_city(params))
    if cases_dir is None:
        return run_partitioned(params, **window, keep_cases=keep_cases, backend=backend,
                               on_district=on_district, progress=progress,
                               join_cases=keep_cases)
    cases_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=cases_dir.parent, prefix=f".{cases_dir.name}."))

    def arrived(outcome: DistrictOutcome) -> None:
        cases = outcome.record.cases if outcome.record is not None else None
        if cases is not None:
            # one Arrow schema for every part, even a district without issues
            cases = cases.astype({c: "string" for c in CASE_TEXT_COLUMNS})
            atomic_write_parquet(partial / f"{outcome.district:02d}.parquet", cases)
        if on_district is not None:
            on_district(outcome)

    try:
        record = run_partitioned(params, **window, keep_cases=True, backend=backend,
                                 on_district=arrived, progress=progress)
        cases_dir.mkdir(exist_ok=True)
        for part in sorted(partial.iterdir()):  # each replaces the same district's
            os.replace(part, cases_dir / part.name)
    finally:
        shutil.rmtree(partial, ignore_errors=True)  # our own fresh folder
    return record


def run_district(task: DistrictTask) -> DistrictOutcome:
    """Run one district (:func:`simulation.running.runner.run_model`); its case log and load table
    gain a ``district`` column (its name). Never raises: a failure is returned."""
    try:
        record = run_model(task.params, seed=task.seed, days=task.days,
                           warmup_days=task.warmup_days, followup_days=task.followup_days,
                           keep_cases=task.keep_cases, collect_garbage=True,
                           on_day=day_reporter(task.progress, task.district, task.days))
        tables.label_district(record.tables, task.name)
        return DistrictOutcome(task.district, task.seed, "", record)
    except Exception as exc:  # reported per district by the caller
        return DistrictOutcome(task.district, task.seed,
                               f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def worker_failed(task: DistrictTask, message: str) -> DistrictOutcome:
    """The outcome of a district whose worker (not its model) failed."""
    return DistrictOutcome(task.district, task.seed, message)


def district_tasks(params: Parameters, *, seed: int, days: int, warmup_days: int = 0,
                   followup_days: int = 0, keep_cases: bool = False, progress: Any = None
                   ) -> list[DistrictTask]:
    """The tasks of a city run: one a district, each with its spawned seed
    (:func:`simulation.seeds.district_seeds`), largest first (the longest start first)."""
    if params["world.district"] >= 0:
        raise PartitionError("world.district is set: that run is one district already")
    n = district_count(params)
    names = district_names(params)
    seeds = district_seeds(seed, n)
    return [DistrictTask(params.with_values({"world.district": d}), d, names[d], seeds[d],
                         days, keep_cases, progress, warmup_days, followup_days)
            for d in _largest_first(params, n)]


class CityParts:
    """One city run's districts as they arrive (in any order), then the city's record.

    :meth:`check` raises :class:`PartitionError` for a failed district; :meth:`add` keeps a
    district's record (its case log only with ``join_cases``); once :attr:`complete`,
    :meth:`merged` joins them in district order (:func:`merge_records`), whatever the
    order they arrived in, so the result does not depend on the workers."""

    def __init__(self, tasks: list[DistrictTask], seed: int, join_cases: bool = False) -> None:
        by_district = sorted(tasks, key=lambda t: t.district)
        self.names = [t.name for t in by_district]
        self.seeds = [t.seed for t in by_district]
        self.seed = seed
        self.join_cases = join_cases
        self.records: dict[int, RunRecord] = {}

    def check(self, outcome: DistrictOutcome) -> None:
        """Raise :class:`PartitionError` if the district failed (one line naming it)."""
        if outcome.error or outcome.record is None:
            raise PartitionError(f"district {outcome.district} "
                                 f"({self.names[outcome.district]}) failed: "
                                 f"{outcome.error.splitlines()[0]}", outcome.error)

    def add(self, outcome: DistrictOutcome) -> None:
        """Keep a finished district's record (its case log dropped unless ``join_cases``)."""
        assert outcome.record is not None
        if not self.join_cases:
            outcome.record.tables.pop("cases", None)
        self.records[outcome.district] = outcome.record

    @property
    def complete(self) -> bool:
        """True once every district has arrived."""
        return len(self.records) == len(self.names)

    def worker_seconds(self) -> float:
        """Seconds its districts took on their workers, in all."""
        return sum(r.wall_seconds for r in self.records.values())

    def merged(self) -> RunRecord:
        """The city's record (every district has arrived)."""
        parts = [self.records[d] for d in range(len(self.names))]
        return merge_records(parts, self.names, self.seeds, self.seed)


def run_partitioned(params: Parameters, *, seed: int, days: int, warmup_days: int = 0,
                    followup_days: int = 0, keep_cases: bool = False,
                    backend: Backend | None = None,
                    on_district: Callable[[DistrictOutcome], None] | None = None,
                    progress: Any = None, join_cases: bool = False) -> RunRecord:
    """Run every district of the city ``params`` describe on ``backend`` (in this process
    if None), largest first, and merge them into the city's record. ``on_district`` sees
    each district's outcome as it arrives, its case log included with ``keep_cases`` (e.g.
    to write it); the case log is then dropped, unless ``join_cases`` keeps every
    district's to join them in the city's record (what a sweep worker stores: the city's
    cases whole in memory). ``progress`` (a queue the workers can reach) receives
    (district, day) as they go. A failed district raises :class:`PartitionError` and starts
    no more districts."""
    t0 = time.perf_counter()
    tasks = district_tasks(params, seed=seed, days=days, warmup_days=warmup_days,
                           followup_days=followup_days, keep_cases=keep_cases,
                           progress=progress)
    parts = CityParts(tasks, seed, join_cases)
    backend = backend or make_backend(workers=1)  # None: in this process, in turn
    for outcome in backend.results(run_district, tasks, worker_failed):
        parts.check(outcome)
        if on_district is not None:
            on_district(outcome)
        parts.add(outcome)
    record = parts.merged()
    record.wall_seconds = time.perf_counter() - t0
    return record


def merge_records(parts: list[RunRecord], names: list[str], seeds: list[int],
                  seed: int) -> RunRecord:
    """The city's record from its districts' (in district order): tallies joined, each
    per-run table merged by its rule (:mod:`simulation.measures.tables`); a districts
    table."""
    tally = Tally.merge([p.tally for p in parts])
    merged = tables.merge([tables.District(p.tables, p.tally.residents, p.casework_hours)
                           for p in parts], names, tally)
    table = pd.DataFrame({
        "district": range(len(parts)), "name": names, "seed": seeds,
        "residents": [p.tally.residents for p in parts],
        "grids": [p.tally.grids for p in parts],
        "issues": [len(p.tally.state) for p in parts],
        "events": [p.events for p in parts],
        "build_seconds": [p.build_seconds for p in parts],
        "run_seconds": [p.run_seconds for p in parts],
        "worker_peak_rss_mib": [p.peak_rss_bytes / 2**20 for p in parts],
    })
    return RunRecord(
        summary=summarise(tally, merged["timeseries"]), tables=merged, tally=tally,
        stream_seeds=partition_seed_record(seed, seeds, {
            names[d]: p.stream_seeds for d, p in enumerate(parts)}),
        events=sum(p.events for p in parts),
        casework_hours=sum(p.casework_hours for p in parts),
        warnings=list(dict.fromkeys(w for p in parts for w in p.warnings)),
        build_seconds=sum(p.build_seconds for p in parts),
        run_seconds=sum(p.run_seconds for p in parts),
        collect_seconds=sum(p.collect_seconds for p in parts),
        peak_rss_bytes=max(p.peak_rss_bytes for p in parts), districts=table)


def district_sizes(params: Parameters) -> list[int]:
    """Each district's size in basic grids (communities where it has no grid count): the
    share of a city's work it holds, for ordering and progress."""
    return [p.basic_grids if p.basic_grids is not None else p.communities
            for p in plans(params)]


def _largest_first(params: Parameters, n: int) -> list[int]:
    """District indices, largest (most basic grids) first: the longest tasks start first."""
    sizes = district_sizes(params)
    return sorted(range(n), key=lambda d: (-sizes[d], d))
