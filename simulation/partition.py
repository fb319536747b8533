"""A city run partitioned by district: each district is its own model, in its own process.

Districts share nothing below the city: residents, grids, grid workers, communities and
street offices all belong to one district. Two service points are city-wide: the city
departments and the one-stop mediation centre, each a pool of ``case_staff`` officers per
street office. A partitioned run gives every district its own desk of these pools, staffed
with the district's share (``case_staff`` x its street offices), so the districts run
independently and the city's staff in total are the same. Pooling matters little at these
sizes: each desk has tens to hundreds of officers working at the same load, and a large
M/M/c pool's wait is near zero either way (Erlang C; tests/test_partition.py shows the
metrics of partitioned and unpartitioned runs agree within replication noise).

Each district's seed is spawned from the run's seed with ``numpy.random.SeedSequence`` and
written with the results, so a partitioned run is reproducible to the bit whatever the
number of workers. The city's summary is computed from the districts' tallies joined in
district order (:meth:`metrics.Tally.merge`), exactly as for one model; the daily series add
up counts and weight means by residents (trust, volunteers) or casework hours (utilisation).
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import resource
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .districts import district_count, district_names
from .errors import RunFailed
from .metrics import Tally
from .parameters import Parameters
from .policies import Policy
from .scenarios import load_scenario


class PartitionError(RunFailed):
    """A district's run failed; the message names the district and the error (one line);
    ``details`` holds the district's traceback."""


@dataclass(frozen=True)
class DistrictTask:
    """Everything a worker needs to run one district (picklable)."""

    scenario: str
    overrides: dict[str, Any]
    policies: tuple[Policy, ...]
    district: int
    seed: int
    days: int
    keep_cases: bool = False
    progress: Any = None  # a queue: (district, day) is put every PROGRESS_DAYS days
    warmup_days: int = 0
    followup_days: int = 0


PROGRESS_DAYS = 7


@dataclass
class DistrictOutcome:
    """What a worker sends back for one district."""

    district: int
    seed: int
    error: str
    tally: Tally | None = None
    timeseries: pd.DataFrame | None = None
    casework_hours: float = 0.0  # grid workers' working hours per week
    cases: pd.DataFrame | None = None  # its case log, with a ``district`` column (name)
    grids: pd.DataFrame | None = None  # each grid's state at the end (metrics.grid_state)
    build_seconds: float = 0.0
    run_seconds: float = 0.0
    peak_rss_bytes: int = 0  # the worker process's peak so far
    stream_seeds: dict[str, Any] | None = None
    events: int = 0  # events scheduled in the district's event queue
    loads: pd.DataFrame | None = None  # its service points' loads (simulation.load)
    warnings: tuple[str, ...] = ()  # levers that could not act in it


def is_city(params: Parameters) -> bool:
    """True for a world of several districts: its runs are partitioned by district."""
    return district_count(params) > 1 and params["world.district"] < 0


def district_seeds(seed: int, n: int) -> list[int]:
    """The model seed of each of ``n`` districts, spawned from ``seed``."""
    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1))
            for s in np.random.SeedSequence(seed).spawn(n)]


def run_district(task: DistrictTask) -> DistrictOutcome:
    """Build and run one district; never raises (a failure is returned)."""
    from .load import load_table
    from .metrics import case_log, grid_state
    from .model import GridGovernanceModel

    try:
        params = load_scenario(task.scenario, {**task.overrides,
                                               "world.district": task.district},
                               task.policies)
        t0 = time.perf_counter()
        model = GridGovernanceModel(params, seed=task.seed, warmup_days=task.warmup_days)
        t1 = time.perf_counter()
        model.run(task.days, on_day=_reporter(task))
        t2 = time.perf_counter()
        cases = None
        if task.keep_cases:
            cases = case_log(model)
            cases.insert(0, "district", district_names(params)[task.district])
        loads = load_table(model)
        loads.insert(0, "district", district_names(params)[task.district])
        out = DistrictOutcome(
            task.district, task.seed, "", Tally.of(model, task.followup_days),
            model.timeseries(), model.working_hours_per_week, cases, grid_state(model),
            t1 - t0, t2 - t1, peak_rss_bytes(),
            {name: {"entropy": s.entropy, "spawn_key": list(s.spawn_key)}
             for name, s in model.streams.seeds.items()}, model.router._seq, loads,
            tuple(model.warnings))
        # Free the issues by reference counting before the collection that frees the
        # agents (measured after a year of Licheng: 2.3 s instead of 4.0 s).
        model.discard()
        del model
        gc.collect()
        return out
    except Exception as exc:  # reported per district by the caller
        return DistrictOutcome(task.district, task.seed,
                               f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def _reporter(task: DistrictTask) -> Callable[[int], None] | None:
    """``on_day`` for a district's model: tells ``task.progress`` how far it is."""
    queue = task.progress
    if queue is None:
        return None

    def report(day: int) -> None:
        if day % PROGRESS_DAYS == 0 or day == task.days:
            queue.put((task.district, day))

    return report


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_SUMMED = ("arisen", "hidden_issues", "open_issues", "resolved", "abandoned",
           "queued_above_grid", "closed_today", "inactive", "watching", "following",
           "self_driven")


def merge_timeseries(parts: list[DistrictOutcome]) -> pd.DataFrame:
    """The city's daily series from its districts' (in district order)."""
    first = parts[0].timeseries
    if len(parts) == 1:
        return first.copy()
    out = pd.DataFrame({"day": first["day"].to_numpy()})
    for col in _SUMMED:
        out[col] = np.sum([p.timeseries[col].to_numpy() for p in parts], axis=0)
    residents = np.array([p.tally.residents for p in parts], dtype=float)
    hours = np.array([p.casework_hours for p in parts], dtype=float)

    def weighted(col: str, w: np.ndarray) -> np.ndarray:
        values = np.array([p.timeseries[col].to_numpy(dtype=float) for p in parts])
        return (w[:, None] * values).sum(axis=0) / w.sum()

    out["mean_trust"] = weighted("mean_trust", residents)
    out["active_volunteer_share"] = (out["following"] + out["self_driven"]) / residents.sum()
    out["grid_worker_utilisation"] = weighted("grid_worker_utilisation", hours)
    return out[list(first.columns)]


@dataclass
class CityRun:
    """A partitioned run's merged results and its districts' own figures."""

    tally: Tally
    timeseries: pd.DataFrame
    districts: pd.DataFrame  # one row per district: name, seed, residents, times, memory
    stream_seeds: dict[str, Any]
    grids: pd.DataFrame  # every grid's end state, numbered city-wide, with its district
    loads: pd.DataFrame  # every service point's load, with its district
    warnings: list[str]  # levers that could not act (in any district)

    @property
    def summary(self) -> dict[str, Any]:
        """The city's summary metrics (as for one model)."""
        return self.tally.summary(self.timeseries)


def run_partitioned(scenario: str, days: int, seed: int,
                    overrides: Mapping[str, Any] | None = None,
                    policies: Iterable[Policy] = (), *,
                    executor: cf.Executor | None = None,
                    on_district: Callable[[DistrictOutcome], None] | None = None,
                    keep_cases: bool = False, progress: Any = None, warmup_days: int = 0,
                    followup_days: int = 0) -> CityRun:
    """Run every district of ``scenario`` on ``executor`` (in this process if None), largest
    first; ``on_district`` sees each outcome as it arrives (e.g. to write its cases);
    ``progress`` (a queue the workers can reach) receives (district, day) as they go."""
    overrides = dict(overrides or {})
    policies = tuple(policies)
    params = load_scenario(scenario, overrides, policies)
    if params["world.district"] >= 0:
        raise PartitionError("world.district is set: that run is one district already")
    n = district_count(params)
    seeds = district_seeds(seed, n)
    tasks = [DistrictTask(scenario, overrides, policies, d, seeds[d], days, keep_cases,
                          progress, warmup_days, followup_days)
             for d in _largest_first(params, n)]
    results: dict[int, DistrictOutcome] = {}
    for outcome in _outcomes(executor, tasks):
        if outcome.error:
            raise PartitionError(f"district {outcome.district} "
                                 f"({district_names(params)[outcome.district]}) failed: "
                                 f"{outcome.error.splitlines()[0]}", outcome.error)
        if on_district is not None:
            on_district(outcome)
        outcome.cases = None  # handed to on_district, not kept
        results[outcome.district] = outcome
    parts = [results[d] for d in range(n)]
    names = district_names(params)
    table = pd.DataFrame({
        "district": range(n), "name": names, "seed": seeds,
        "residents": [p.tally.residents for p in parts],
        "grids": [p.tally.grids for p in parts],
        "issues": [len(p.tally.state) for p in parts],
        "events": [p.events for p in parts],
        "build_seconds": [p.build_seconds for p in parts],
        "run_seconds": [p.run_seconds for p in parts],
        "worker_peak_rss_mib": [p.peak_rss_bytes / 2**20 for p in parts],
    })
    stream_seeds = {"partition": {"entropy": seed, "districts": seeds},
                    "districts": {names[p.district]: p.stream_seeds for p in parts}}
    return CityRun(Tally.merge([p.tally for p in parts]), merge_timeseries(parts),
                   table, stream_seeds, merge_grids(parts, names),
                   pd.concat([p.loads for p in parts], ignore_index=True),
                   list(dict.fromkeys(w for p in parts for w in p.warnings)))


def merge_grids(parts: list[DistrictOutcome], names: list[str]) -> pd.DataFrame:
    """The districts' grid tables as one, with grids, communities and streets numbered
    city-wide (district after district) and a ``district`` column."""
    frames, offsets = [], {"grid": 0, "community": 0, "street": 0}
    for p in parts:
        g = p.grids.copy()
        sizes = {k: int(g[k].max()) + 1 if len(g) else 0 for k in offsets}
        for k in offsets:
            g[k] += offsets[k]
            offsets[k] += sizes[k]
        g.insert(1, "district", names[p.district])
        frames.append(g)
    return pd.concat(frames, ignore_index=True)


def _largest_first(params: Parameters, n: int) -> list[int]:
    """District indices, largest (most basic grids) first: the longest tasks start first."""
    from .districts import plans

    sizes = [p.basic_grids if p.basic_grids is not None else p.communities
             for p in plans(params)]
    return sorted(range(n), key=lambda d: (-sizes[d], d))


def _outcomes(executor: cf.Executor | None, tasks: list[DistrictTask]):
    """Outcomes as districts finish (in task order in this process)."""
    if executor is None:
        for task in tasks:
            yield run_district(task)
        return
    futures = {executor.submit(run_district, t): t for t in tasks}
    try:
        for future in cf.as_completed(futures):
            task = futures.pop(future)
            try:
                yield future.result()
            except BrokenProcessPool:
                yield DistrictOutcome(task.district, task.seed,
                                      "a worker process died (out of memory?) while this or "
                                      "another district was running")
            except Exception as exc:  # the worker, not the run, failed
                yield DistrictOutcome(task.district, task.seed,
                                      f"{type(exc).__name__}: {exc or 'worker process died'}")
    finally:  # on an error, start no more districts
        for future in futures:
            future.cancel()


def expected_residents(params: Parameters) -> float:
    """Rough residents of the world ``params`` builds (for progress and memory checks)."""
    from .districts import plans

    p = params
    hh = (p["world.households_per_grid_min"] + p["world.households_per_grid_max"]) / 2
    total = 0.0
    for plan in plans(p):
        grids = plan.basic_grids
        if grids is None:
            f = plan.grid_factor
            grids = plan.communities * max(1.0, (p["world.grids_per_community_min"]
                                                 + p["world.grids_per_community_max"]) / 2 * f)
        total += grids * hh * p["world.residents_per_household"]
    return total
