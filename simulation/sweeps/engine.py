"""The sweep engine: run a planned sweep's runs inline, on local processes or on a Dask
cluster (:mod:`simulation.running.executors`), store each run as it completes, and
assemble the tables at the end.

The workers' tasks are runs, except for a city of several districts: each of its
districts is a task of its own (:func:`simulation.running.city.district_tasks`), so that N
workers work on N districts at once whatever the number of runs, and a worker holds one
district's model at a time. This process joins a city's districts into its run
(:class:`simulation.running.city.CityParts`, in district order whatever order they arrive
in) and stores the run when its last district arrives; a failed district fails its run
only. The tasks go run by run, each city's largest district first.

The folder's layout is :mod:`simulation.sweeps.folder`; the plan (what is done, what is
left, workers, guards) :mod:`simulation.sweeps.plan`. Every file is written to a temporary
name and renamed, so a killed sweep leaves no half-written file; a resumed sweep keeps the
runs its plan kept and runs the rest (failed runs included). Results do not depend on the
executor or the number of workers: each run depends only on its own inputs and seed, and
the tables are assembled in run order.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import time
import traceback
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..districts import is_city
from ..measures.outcomes import KEY
from ..measures.tables import kept_as_parquet
from ..running import city
from ..running.city import CityParts, DistrictOutcome, DistrictTask, PartitionError
from ..running.executors import Backend, open_backend
from ..running.progress import Progress
from ..running.runner import RunRecord
from ..scenarios import get_scenario, load_scenario
from ..support.storage import atomic_write_parquet, atomic_write_text
from .assemble import assemble
from .experiment import Experiment, RunSpec
from .folder import ResultsFolder, SweepError
from .lock import acquire_lock
from .manifest import write_manifest
from .plan import SweepPlan, check_folder, plan_sweep
from .records import document, to_json


@dataclass
class RunOutcome:
    """What a worker sends back for one run: its record, or why it failed."""

    run: RunSpec
    status: str  # "ok" or "failed"
    error: str = ""
    traceback: str = ""
    record: RunRecord | None = None
    wall_seconds: float = math.nan

    @property
    def ok(self) -> bool:
        """True if the run finished."""
        return self.status == "ok"


def execute_run(run: RunSpec, keep_cases: bool = False) -> RunOutcome:
    """Run one simulation (:func:`simulation.running.city.run`: a city partitioned by
    district, its districts one after another in this worker, its case log joined with
    ``keep_cases``); never raises (a failure is returned as the outcome)."""
    t0 = time.perf_counter()
    try:
        params = load_scenario(run.scenario, run.overrides)
        try:
            record = city.run(params, seed=run.seed, days=run.days,
                              warmup_days=run.warmup_days, followup_days=run.followup_days,
                              keep_cases=keep_cases, collect_garbage=True)
        except PartitionError as exc:  # one line, as any failed run
            raise RuntimeError(str(exc)) from None
        outcome = RunOutcome(run, "ok", record=record)
    except Exception as exc:  # a failed run is data, not a crash of the sweep
        outcome = RunOutcome(run, "failed", f"{type(exc).__name__}: {exc}",
                             traceback.format_exc())
    outcome.wall_seconds = time.perf_counter() - t0
    return outcome


@dataclass(frozen=True)
class SweepTask:
    """One task for a worker: a whole run, or one district of a city's run."""

    run: RunSpec
    keep_cases: bool
    district: DistrictTask | None = None


def execute_task(task: SweepTask, run_fn: Callable[[RunSpec, bool], RunOutcome] = execute_run
                 ) -> RunOutcome | tuple[str, DistrictOutcome]:
    """Run one task: a run (``run_fn``), or a district
    (:func:`simulation.running.city.run_district`) with its run's id; never raises."""
    if task.district is not None:
        return task.run.run_id, city.run_district(task.district)
    return run_fn(task.run, task.keep_cases)


def _task_failed(task: SweepTask, message: str) -> RunOutcome | tuple[str, DistrictOutcome]:
    """The outcome of a task whose worker (not the task) failed."""
    if task.district is not None:
        return task.run.run_id, city.worker_failed(task.district, message)
    return _worker_failed(task.run, message)


def run_outcomes(backend: Backend, runs: list[RunSpec], keep_cases: bool,
                 run_fn: Callable[[RunSpec, bool], RunOutcome] = execute_run,
                 progress: Progress | None = None) -> Iterator[RunOutcome]:
    """Each run's outcome as it completes: a city's districts as tasks of their own, joined
    into its run when the last arrives (``progress`` told of each district); other runs
    whole (``run_fn``). A city run whose parameters cannot be made fails at once, as it
    would on a worker."""
    tasks: list[SweepTask] = []
    cities: dict[str, CityParts | None] = {}  # None: failed, its late districts ignored
    city_runs: dict[str, RunSpec] = {}
    scenarios: dict[str, Mapping[str, Any]] = {}
    for run in runs:  # a city? the scenario's defaults under the run's values say (cheap)
        if run.scenario not in scenarios:
            scenarios[run.scenario] = get_scenario(run.scenario).parameters({}).values
        if not is_city(ChainMap(run.overrides, scenarios[run.scenario])):
            tasks.append(SweepTask(run, keep_cases))
            continue
        try:
            params = load_scenario(run.scenario, run.overrides)
            if not city.partitioned(params):  # a scenario's own inputs decided otherwise
                tasks.append(SweepTask(run, keep_cases))
                continue
            parts = city.district_tasks(params, seed=run.seed, days=run.days,
                                        warmup_days=run.warmup_days,
                                        followup_days=run.followup_days,
                                        keep_cases=keep_cases)
        except Exception as exc:  # the run fails, not the sweep
            yield RunOutcome(run, "failed", f"{type(exc).__name__}: {exc}",
                             traceback.format_exc(), wall_seconds=0.0)
            continue
        cities[run.run_id] = CityParts(parts, run.seed, join_cases=keep_cases)
        city_runs[run.run_id] = run
        tasks += [SweepTask(run, keep_cases, d) for d in parts]
    for result in backend.results(partial(execute_task, run_fn=run_fn), tasks, _task_failed):
        if isinstance(result, RunOutcome):
            yield result
            continue
        run_id, outcome = result
        run, joined = city_runs[run_id], cities.get(run_id)
        if joined is None:
            continue
        try:
            joined.check(outcome)
        except PartitionError as exc:  # one line, as any failed run
            cities[run.run_id] = None
            yield RunOutcome(run, "failed", f"RuntimeError: {exc}", exc.details,
                             wall_seconds=joined.worker_seconds())
            continue
        joined.add(outcome)
        if progress is not None:
            progress.part(f"{run.run_id} {joined.names[outcome.district]}",
                          f"in {outcome.record.wall_seconds:.1f} s")
        if joined.complete:
            del cities[run.run_id], city_runs[run.run_id]
            yield RunOutcome(run, "ok", record=joined.merged(),
                             wall_seconds=joined.worker_seconds())


def run_sweep(experiment: Experiment, out: Path, *, workers: int | None = None,
              scheduler: str | None = None, executor: cf.Executor | None = None,
              resume: bool = False, keep_cases: bool = False,
              progress: Progress | None = None,
              run_fn: Callable[[RunSpec, bool], RunOutcome] | None = None,
              plan: SweepPlan | None = None,
              tell: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run every run of ``experiment`` not yet done in ``out``; return the runs table.

    ``plan`` is the sweep's plan (:func:`simulation.sweeps.plan.plan_sweep`, which the
    command line and the API make with their guards); without one it is made here, without
    guards, from ``workers``/``scheduler``/``executor`` (any concurrent.futures executor;
    with neither and one worker, runs go one after another in this process), ``resume``
    and ``keep_cases``. Each run is stored as soon as it finishes, then
    ``progress.done(run_id, ...)`` is told. ``tell(line)`` receives what is learnt once the
    backend is open (a Dask cluster whose workers are short of memory; TooBig stops the
    sweep before anything is written).
    """
    plan = plan or plan_sweep(experiment, out, workers=workers, scheduler=scheduler,
                              executor=executor, resume=resume, keep_cases=keep_cases,
                              guard=False)
    folder, keep = plan.folder, plan.keep_cases
    run_fn = run_fn or execute_run
    # reach the scheduler before anything is written
    with open_backend(plan.workers, plan.scheduler, plan.executor) as backend:
        for line in plan.cluster_notices(backend):
            if tell is not None:
                tell(line)
        lock = None
        try:
            lock = acquire_lock(folder)
            check_folder(folder, plan.fingerprint, plan.resume)  # again, holding the lock
            prepare_folder(folder, experiment, plan.fingerprint, keep)
            started = datetime.now(UTC)
            # Record the session now, so that its trace survives even a SIGKILL.
            write_manifest(folder, experiment, plan.fingerprint, plan.statuses(), started,
                           backend.description, keep, finished=False)
            for outcome in run_outcomes(backend, plan.todo, keep, run_fn, progress):
                text = store_outcome(folder, outcome, keep)
                plan.rows.add(outcome.run, json.loads(text))  # its row, not a re-read
                if progress is not None:
                    progress.done(outcome.run.run_id, _progress_note(outcome), outcome.ok)
                del outcome  # keep no finished run in memory
            table = assemble(folder, experiment, plan.runs, plan.rows)
            write_manifest(folder, experiment, plan.fingerprint, table, started,
                           backend.description, keep)
        finally:
            if lock is not None:
                lock.unlink(missing_ok=True)
    return table


def _worker_failed(run: RunSpec, message: str) -> RunOutcome:
    """The outcome of a run whose worker (not the run) failed: a crash, a lost worker."""
    return RunOutcome(run, "failed", message)


def _progress_note(outcome: RunOutcome) -> str:
    err = f" ({outcome.error})" if not outcome.ok else ""
    return f"{outcome.status}{err} in {outcome.wall_seconds:.1f} s"


def prepare_folder(folder: ResultsFolder, experiment: Experiment, fingerprint: str,
                   keep_cases: bool = False) -> None:
    """Record the sweep's ownership of its layout, create it, delete the temporary files
    a killed sweep of ours left, and record the experiment and its design."""
    try:
        own = folder.ownership()
        own.owned.add(folder.lock.name)  # taken by this sweep just now (acquire_lock)
        own.begin(folder.layout)
        for sub in folder.folders(keep_cases):
            sub.mkdir(parents=True, exist_ok=True)
        own.clean_temporaries()  # only our own, from a killed sweep
        atomic_write_text(folder.experiment, experiment.text)
        atomic_write_text(folder.design, json.dumps(
            {"fingerprint": fingerprint, **experiment.design_record()}, indent=2,
            default=str) + "\n")
    except OSError as exc:
        raise SweepError(f"cannot write to {str(folder.root)!r}: {exc.strerror or exc}") from None


def store_outcome(folder: ResultsFolder, outcome: RunOutcome, keep_cases: bool) -> str:
    """Write one run's files; its record goes last and marks the run as complete. Returns
    the record's text."""
    run, record = outcome.run, outcome.record
    if record is not None:
        for kind in kept_as_parquet(keep_cases):
            if record.tables.get(kind) is not None:
                atomic_write_parquet(folder.per_run(kind, run.run_id), record.tables[kind])
    text = to_json(document(run, outcome.status, outcome.error, outcome.traceback,
                            outcome.wall_seconds,
                            record.summary if record is not None else None,
                            record.tables if record is not None else None))
    atomic_write_text(folder.record(run.run_id), text)
    return text


def summary_table(table: pd.DataFrame, metrics: Iterable[str] = KEY) -> pd.DataFrame:
    """Mean and standard deviation of key metrics per (point, policy) over replications."""
    ok = table[table.status == "ok"]
    metrics = [m for m in metrics if m in ok]
    grouped = ok.groupby(["point", "policy"], sort=False)[metrics]
    mean, sd = grouped.mean(), grouped.std()
    out = pd.DataFrame({"runs": grouped.size()})
    for m in metrics:
        out[m] = [f"{float(a):.3g}" + ("" if pd.isna(b) else f" ± {float(b):.2g}")
                  if not pd.isna(a) else "n/a" for a, b in zip(mean[m], sd[m], strict=True)]
    return out
