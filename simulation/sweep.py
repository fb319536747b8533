"""Run an experiment's sweep on local processes, a Dask cluster, or any
``concurrent.futures`` executor; write each run as it completes; resume after a crash.

Layout of the output folder::

    experiment.toml            the file as read
    design.json                the resolved design and seeds (checked again on --resume)
    runs/RUN_ID.json           one record per finished run (written last: its presence
                               means the run is complete)
    timeseries/RUN_ID.parquet  the run's daily time series
    grids/RUN_ID.parquet       each grid's state at the end (trust, backlog; for maps)
    loads/RUN_ID.parquet       every service point's offered load (simulation.load)
    cases/RUN_ID.parquet       the run's case log (only with keep_cases)
    runs.csv, runs.parquet     one row per run (ids, seed, factors, metrics, status, error,
                               wall seconds), in run order
    resolution.parquet         per run, the share of the issues arising in the window
                               resolved within 0, 1, ..., 60 working days of arising
                               (Kaplan-Meier)
    timeseries.parquet         every run's time series in one long table (run_id, day, ...)
    manifest.json              the experiment, design, seeds, versions, times, run statuses
    report/                    the policy comparison (gridgov compare): report.html, PNGs

Every file is written to a temporary name and renamed, so a killed sweep leaves no
half-written file; ``resume=True`` skips the runs whose record exists with status "ok" and
re-runs the rest (failed runs included). Results do not depend on the executor or the
number of workers: each run depends only on its own inputs and seed, and the tables are
assembled in run order.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import gc
import hashlib
import json
import math
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import GridgovError
from .experiment import Experiment, RunSpec
from .metrics import CURVE_WORKING_DAYS, SUMMARY_DOCS
from .scenarios import load_scenario
from .storage import atomic_write_parquet, atomic_write_text

KEY_METRICS = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
               "hidden_issues", "trust_change", "active_volunteer_share", "max_offered_load",
               "annual_cost_yuan")


class SweepError(GridgovError):
    """A problem that stops a sweep before it starts (one line for the user)."""


@dataclass
class RunOutcome:
    """What a worker sends back for one run."""

    run: RunSpec
    status: str  # "ok" or "failed"
    error: str
    traceback: str
    summary: dict[str, Any] | None
    timeseries: pd.DataFrame | None
    cases: pd.DataFrame | None
    wall_seconds: float
    grids: pd.DataFrame | None = None
    resolution_curve: list[float] | None = None
    loads: pd.DataFrame | None = None


def execute_run(run: RunSpec, keep_cases: bool = False) -> RunOutcome:
    """Run one simulation; never raises (a failure is returned as the outcome)."""
    from .load import load_table
    from .metrics import Tally, grid_state
    from .model import GridGovernanceModel
    from .partition import is_city

    t0 = time.perf_counter()
    try:
        params = load_scenario(run.scenario, run.overrides)
        if is_city(params):
            outcome = _execute_city(run, keep_cases)
        else:
            model = GridGovernanceModel(params, seed=run.seed, warmup_days=run.warmup_days)
            model.run(run.days)
            tally = Tally.of(model, run.followup_days)  # the summary and the curve
            series = model.timeseries()
            outcome = RunOutcome(run, "ok", "", "", tally.summary(series), series,
                                 model.case_log() if keep_cases else None, 0.0,
                                 grid_state(model), tally.resolution_curve(),
                                 load_table(model))
            model.discard()
            del model
            gc.collect()  # the model's own reference cycles (cheap once it is emptied)
    except Exception as exc:  # a failed run is data, not a crash of the sweep
        outcome = RunOutcome(run, "failed", f"{type(exc).__name__}: {exc}",
                             traceback.format_exc(), None, None, None, 0.0)
    outcome.wall_seconds = time.perf_counter() - t0
    return outcome


def _execute_city(run: RunSpec, keep_cases: bool) -> RunOutcome:
    """A city run inside one sweep worker: its districts in turn, one in memory at a time
    (:mod:`simulation.partition`; the same results as ``gridgov run``)."""
    from .partition import PartitionError, run_partitioned

    cases: list[pd.DataFrame] = []

    def keep(outcome: Any) -> None:
        if outcome.cases is not None:
            cases.append(outcome.cases)

    try:
        city = run_partitioned(run.scenario, run.days, run.seed, run.overrides,
                               on_district=keep, keep_cases=keep_cases,
                               warmup_days=run.warmup_days, followup_days=run.followup_days)
    except PartitionError as exc:
        raise RuntimeError(str(exc)) from None
    return RunOutcome(run, "ok", "", "", city.summary, city.timeseries,
                      pd.concat(cases, ignore_index=True) if keep_cases else None, 0.0,
                      city.grids, city.tally.resolution_curve(), city.loads)


class InlineExecutor(cf.Executor):
    """Runs each task at once in this process (the executor for one worker)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # pragma: no cover - execute_run does not raise
            future.set_exception(exc)
        return future


def make_executor(workers: int | None, scheduler: str | None) -> tuple[cf.Executor, str,
                                                                          Callable[[], None]]:
    """(executor, description, close function) for the requested backend."""
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError:  # pragma: no cover - dask is a dependency
            raise SweepError("--scheduler needs dask.distributed: pip install "
                             "'dask[distributed]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        return client.get_executor(), f"dask scheduler {scheduler}", client.close
    n = workers or os.cpu_count() or 1
    if n == 1:
        return InlineExecutor(), "1 local worker (in process)", lambda: None
    pool = cf.ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
    # Every future is done when close() is called: let the workers exit (freeing what
    # they hold) while the caller goes on, e.g. to write the report.
    return pool, f"{n} local worker processes", lambda: pool.shutdown(wait=False,
                                                                     cancel_futures=True)


def terminate_workers(executor: cf.Executor) -> None:
    """Stop a local process pool's workers at once (after an error: the tasks still
    running are of no use, and waiting for them would hold the command open)."""
    processes = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        process.terminate()


def design_fingerprint(experiment: Experiment) -> str:
    """A hash of everything that determines the runs (to refuse a mismatched --resume):
    every run's inputs and seed, and the scenario's resolved defaults of the keys the design
    does not set itself (so new defaults, e.g. from a calibration, do not mix with runs made
    under the old ones, while a calibration's own folder stays valid after its fit is
    adopted: its [ranges] override the keys it fits)."""
    from .scenarios import get_scenario

    own = {*experiment.fixed, *experiment.factor_names,
           *(k for pol in experiment.policies for k in pol.values)}
    defaults = {k: v for k, v in get_scenario(experiment.scenario).parameters({}).items()
                if k not in own}
    doc = {"runs": [asdict(r) for r in experiment.runs()], "scenario_defaults": defaults}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def run_sweep(experiment: Experiment, out: Path, *, workers: int | None = None,
              scheduler: str | None = None, executor: cf.Executor | None = None,
              resume: bool = False, keep_cases: bool = False,
              progress: Callable[[int, int, int, RunOutcome], None] | None = None,
              run_fn: Callable[[RunSpec, bool], RunOutcome] | None = None) -> pd.DataFrame:
    """Run every run of ``experiment`` not yet done in ``out``; return the runs table.

    ``executor`` (any concurrent.futures executor) overrides ``workers``/``scheduler``;
    with neither and one worker, runs go one after another in this process. Each run is
    stored as soon as it finishes. ``progress(done, total, failed, outcome)`` is called
    after each run.
    """
    out = Path(out)
    run_fn = run_fn or execute_run
    runs = experiment.runs()
    fingerprint = design_fingerprint(experiment)
    check_folder(out, fingerprint, resume)
    close: Callable[[], None] = lambda: None  # noqa: E731
    description = "given executor"
    if executor is None:  # reach the scheduler before anything is written
        executor, description, close = make_executor(workers, scheduler)
    lock = None
    try:
        lock = acquire_lock(out)
        prepare_folder(out, experiment, fingerprint, keep_cases)
        done = completed_runs(out) if resume else set()
        todo = [r for r in runs if r.run_id not in done]
        started = datetime.now(UTC)
        # Record the session now, so that its trace survives even a SIGKILL.
        write_manifest(out, experiment, fingerprint, status_table(out, experiment), started,
                       description, keep_cases, finished=False)
        failed = 0
        finished = len(runs) - len(todo)
        for outcome in _outcomes(executor, run_fn, todo, keep_cases):
            store_outcome(out, outcome, experiment, keep_cases)
            finished += 1
            failed += outcome.status != "ok"
            if progress is not None:
                progress(finished, len(runs), failed, outcome)
            del outcome  # keep no finished run in memory
        table = assemble(out, experiment)
        write_manifest(out, experiment, fingerprint, table, started, description, keep_cases)
    finally:
        close()
        if lock is not None:
            lock.unlink(missing_ok=True)
    return table


def acquire_lock(out: Path) -> Path:
    """Take ``out/.lock`` (holding this process's id); refuse if a live sweep holds it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / ".lock"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(path.read_text(encoding="utf-8").strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise SweepError(f"another sweep (process {pid}) is writing to {out}; wait "
                                 "for it to finish or choose another --out") from None
            path.unlink(missing_ok=True)  # left by a sweep that was killed
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return path
    raise SweepError(f"cannot take the lock {path}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status_table(out: Path, experiment: Experiment) -> pd.DataFrame:
    """Each run's id and recorded status (a light version of the runs table)."""
    return pd.DataFrame({"run_id": [r.run_id for r in experiment.runs()],
                         "status": [_read_record(out / "runs" / f"{r.run_id}.json")["status"]
                                    for r in experiment.runs()]})


def _outcomes(executor: cf.Executor | None, run_fn: Callable[[RunSpec, bool], RunOutcome],
              todo: list[RunSpec], keep_cases: bool) -> Iterator[RunOutcome]:
    """Outcomes as runs finish; one at a time in this process for the inline executor."""
    if isinstance(executor, InlineExecutor):
        for run in todo:
            yield run_fn(run, keep_cases)
        return
    futures = {executor.submit(run_fn, r, keep_cases): r for r in todo}
    for future in cf.as_completed(futures):
        run = futures.pop(future)  # drop the finished result as soon as it is stored
        try:
            outcome = future.result()
        except Exception as exc:  # the worker, not the run, failed (crash, lost worker)
            outcome = RunOutcome(run, "failed", f"{type(exc).__name__}: "
                                 f"{exc or 'worker process died'}", "", None, None, None,
                                 math.nan)
        yield outcome


def check_folder(out: Path, fingerprint: str, resume: bool) -> None:
    """Refuse an output folder that is a file, someone else's folder, or another sweep."""
    if out.exists() and not out.is_dir():
        raise SweepError(f"--out {str(out)!r} is a file, not a folder")
    design_file = out / "design.json"
    if design_file.exists():
        try:
            previous = json.loads(design_file.read_text(encoding="utf-8")).get("fingerprint")
        except (OSError, ValueError, AttributeError):
            raise SweepError(f"{design_file} is unreadable; choose another --out") from None
        if not resume:
            raise SweepError(f"{out} already holds results of a sweep; add --resume to "
                             "continue it, or choose another --out")
        if previous != fingerprint:
            raise SweepError(f"{out} holds a different experiment (design, seeds or the scenario's "
                             "default parameters changed); "
                             "choose another --out")
    elif out.exists() and any(p.name != ".lock" for p in out.iterdir()):
        raise SweepError(f"{out} is not empty and holds no sweep's results; choose a new or "
                         "empty folder for --out")


def prepare_folder(out: Path, experiment: Experiment, fingerprint: str,
                   keep_cases: bool = False) -> None:
    """Create the output folder's layout and record the experiment and its design."""
    try:
        for sub in ("runs", "timeseries", "grids", "loads",
                    *(("cases",) if keep_cases else ())):
            (out / sub).mkdir(parents=True, exist_ok=True)
        for folder in (out, *(out / sub for sub in ("runs", "timeseries", "grids", "loads",
                                                    "cases"))):
            for leftover in folder.glob(".*.tmp"):  # only our own, from a killed sweep
                leftover.unlink()
        atomic_write_text(out / "experiment.toml", experiment.text)
        atomic_write_text(out / "design.json", json.dumps(
            {"fingerprint": fingerprint, **experiment.design_record()}, indent=2,
            default=str) + "\n")
    except OSError as exc:
        raise SweepError(f"cannot write to {str(out)!r}: {exc.strerror or exc}") from None


def completed_runs(out: Path) -> set[str]:
    """Ids of runs recorded as finished successfully (unreadable records are re-run)."""
    done = set()
    for path in (out / "runs").glob("*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("status") == "ok":
            done.add(record.get("run_id"))
    return done


def store_outcome(out: Path, outcome: RunOutcome, experiment: Experiment,
                  keep_cases: bool) -> None:
    """Write one run's files; the record goes last and marks the run as complete."""
    run = outcome.run
    if outcome.timeseries is not None:
        atomic_write_parquet(out / "timeseries" / f"{run.run_id}.parquet", outcome.timeseries)
    if outcome.grids is not None:
        atomic_write_parquet(out / "grids" / f"{run.run_id}.parquet", outcome.grids)
    if outcome.loads is not None:
        atomic_write_parquet(out / "loads" / f"{run.run_id}.parquet", outcome.loads)
    if keep_cases and outcome.cases is not None:
        atomic_write_parquet(out / "cases" / f"{run.run_id}.parquet", outcome.cases)
    record = {
        "run_id": run.run_id, "point": run.point, "policy": run.policy,
        "replication": run.replication, "seed": run.seed, "factors": run.factors,
        "overrides": run.overrides, "status": outcome.status, "error": outcome.error,
        "traceback": outcome.traceback, "wall_seconds": outcome.wall_seconds,
        "metrics": outcome.summary or {},
        "resolution_curve": outcome.resolution_curve or [],
    }
    atomic_write_text(out / "runs" / f"{run.run_id}.json",
                      json.dumps(record, indent=1, default=_json_default) + "\n")


def assemble(out: Path, experiment: Experiment) -> pd.DataFrame:
    """Build runs.csv / runs.parquet / timeseries.parquet / resolution.parquet from the
    per-run files."""
    rows, series, quantiles = [], [], []
    metric_names = list(SUMMARY_DOCS)
    integer_metrics: set[str] = set()
    float_metrics: set[str] = set()
    for run in experiment.runs():
        record = _read_record(out / "runs" / f"{run.run_id}.json")
        row = {"run_id": run.run_id, "point": run.point, "policy": run.policy,
               "replication": run.replication, "seed": run.seed}
        row.update({k: run.factors.get(k) for k in experiment.factor_names})
        row.update({m: _nan(record["metrics"].get(m)) for m in metric_names})
        for m, v in record["metrics"].items():
            (integer_metrics if isinstance(v, int) else float_metrics).add(m)
        row.update({"status": record["status"], "error": record["error"],
                    "wall_seconds": record["wall_seconds"]})
        rows.append(row)
        q = record.get("resolution_curve") or []
        if record["status"] == "ok" and len(q) == len(CURVE_WORKING_DAYS):
            quantiles.append(pd.DataFrame({"run_id": run.run_id,
                                           "working_days": CURVE_WORKING_DAYS,
                                           "share_resolved": q}))
        ts_path = out / "timeseries" / f"{run.run_id}.parquet"
        if record["status"] == "ok" and ts_path.exists():
            ts = pd.read_parquet(ts_path)
            ts.insert(0, "run_id", run.run_id)
            series.append(ts)
    table = pd.DataFrame(rows)
    for m in metric_names:  # counts stay integers even where a failed run leaves a gap
        if m in integer_metrics and m not in float_metrics:
            table[m] = table[m].astype("Int64")
    atomic_write_text(out / "runs.csv", table.to_csv(index=False))
    atomic_write_parquet(out / "runs.parquet", table)
    if series:
        atomic_write_parquet(out / "timeseries.parquet", pd.concat(series, ignore_index=True))
    if quantiles:
        atomic_write_parquet(out / "resolution.parquet",
                             pd.concat(quantiles, ignore_index=True))
    return table


def write_manifest(out: Path, experiment: Experiment, fingerprint: str, table: pd.DataFrame,
                   started: datetime, executor: str, keep_cases: bool,
                   finished: bool = True) -> None:
    """manifest.json: inputs, design, seeds, versions, times and every run's status.

    Written when a session starts (``finished=False``) and again when it ends; ``sessions``
    keeps one entry per session of a resumed sweep.
    """
    from .run import manifest as environment

    env = environment(0.0)
    env.pop("wall_seconds", None)
    session = {"session": f"{started.isoformat(timespec='microseconds')}/{os.getpid()}",
               "started_utc": started.isoformat(timespec="seconds"),
               "finished_utc": env["finished_utc"] if finished else None, "executor": executor,
               "gridgov_version": env["gridgov_version"], "git_commit": env["git_commit"],
               "keep_cases": keep_cases}
    sessions = []
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # keep the history
        sessions = list(json.loads((out / "manifest.json").read_text(encoding="utf-8"))
                        ["sessions"])
    sessions = [*(s for s in sessions if s.get("session") != session["session"]), session]
    doc = {
        "experiment": {"file": str(experiment.path), "text": experiment.text,
                       "parsed": experiment.raw},
        "design": experiment.design_record(),
        "fingerprint": fingerprint,
        "runs_total": len(table),
        "runs_ok": int((table.status == "ok").sum()),
        "runs_failed": int((table.status == "failed").sum()),
        "finished": finished,
        "run_status": dict(zip(table.run_id, table.status, strict=True)),
        "executor": executor,
        "keep_cases": keep_cases,
        "started_utc": sessions[0]["started_utc"],
        **env,
        "finished_utc": env["finished_utc"] if finished else None,
        "sessions": sessions,
        "mixed_code_versions": len({s.get("git_commit") for s in sessions}) > 1,
    }
    atomic_write_text(out / "manifest.json",
                      json.dumps(doc, indent=2, default=_json_default) + "\n")


def summary_table(table: pd.DataFrame, metrics: Iterable[str] = KEY_METRICS) -> pd.DataFrame:
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


def plain_progress(stream: Any = None) -> Callable[[int, int, int, RunOutcome], None]:
    """Progress as plain lines (for logs and pipes): runs done, failures, time left."""
    t0 = time.perf_counter()
    first: list[int] = []

    def report(done: int, total: int, failed: int, outcome: RunOutcome) -> None:
        if not first:
            first.append(done - 1)
        elapsed = time.perf_counter() - t0
        rate = (done - first[0]) / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else math.nan
        eta = f"{left:.0f} s left" if math.isfinite(left) else "time left unknown"
        err = f" ({outcome.error})" if outcome.status != "ok" else ""
        print(f"[{done}/{total}] {outcome.run.run_id} {outcome.status}{err} "
              f"in {outcome.wall_seconds:.1f} s; {failed} failed; {eta}",
              file=stream or sys.stderr, flush=True)

    return report


def bar_progress(total: int, initial: int) -> tuple[Callable[[int, int, int, RunOutcome],
                                                             None], Callable[[], None]]:
    """A tqdm progress bar (for terminals): runs done, failures, time left."""
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, unit="run", file=sys.stderr, dynamic_ncols=True)

    def report(done: int, total: int, failed: int, outcome: RunOutcome) -> None:
        bar.update(done - bar.n)
        bar.set_postfix(failed=failed, refresh=False)

    return report, bar.close


def _read_record(path: Path) -> dict[str, Any]:
    """A run's record, or a "not run" placeholder if it is missing or unreadable."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(record, dict) and {"status", "metrics"} <= set(record):
            return record
    except (OSError, ValueError):
        pass
    return {"status": "not run", "error": "", "wall_seconds": math.nan, "metrics": {}}


def _nan(value: Any) -> Any:
    return math.nan if value is None else value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
