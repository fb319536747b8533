"""Run an experiment's sweep inline, on local processes or on a Dask cluster
(:mod:`simulation.running.executors`); store each run as it completes; resume after a crash.

The folder's layout is :mod:`simulation.sweeps.folder`. Every file is written to a
temporary name and renamed, so a killed sweep leaves no half-written file; ``resume=True``
skips the runs whose record exists with status "ok" and re-runs the rest (failed runs
included). Results do not depend on the executor or the number of workers: each run
depends only on its own inputs and seed, and the tables are assembled in run order.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import math
import os
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from ..measures.outcomes import KEY, OUTCOMES
from ..measures.survival import CURVE_WORKING_DAYS
from ..measures.tables import RUN_TABLES
from ..running.city import PartitionError, is_city, run_partitioned
from ..running.executors import Backend, InlineExecutor, open_backend
from ..running.progress import Progress
from ..running.runner import RunRecord, run_model
from ..scenarios import get_scenario, load_scenario
from ..support.errors import GridgovError
from ..support.ownership import json_field
from ..support.provenance import manifest as environment
from ..support.storage import atomic_write_parquet, atomic_write_text, temporary_file
from .experiment import Experiment, RunSpec
from .folder import PER_RUN, SWEEP_FILES, ResultsFolder, kept_per_run

KEY_METRICS = KEY  # the outcomes the sweep's table shows (simulation.measures.outcomes)

__all__ = ["InlineExecutor", "RunOutcome", "SweepError", "execute_run", "run_sweep"]


class SweepError(GridgovError):
    """A problem that stops a sweep before it starts (one line for the user)."""


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
    """Run one simulation (a city partitioned by district, its districts one after
    another in this worker); never raises (a failure is returned as the outcome)."""
    t0 = time.perf_counter()
    try:
        params = load_scenario(run.scenario, run.overrides)
        window = {"seed": run.seed, "days": run.days, "warmup_days": run.warmup_days,
                  "followup_days": run.followup_days, "keep_cases": keep_cases}
        record = (_run_city(params, window) if is_city(params) else
                  run_model(params, **window, collect_garbage=True))
        outcome = RunOutcome(run, "ok", record=record)
    except Exception as exc:  # a failed run is data, not a crash of the sweep
        outcome = RunOutcome(run, "failed", f"{type(exc).__name__}: {exc}",
                             traceback.format_exc())
    outcome.wall_seconds = time.perf_counter() - t0
    return outcome


def _run_city(params: Any, window: dict[str, Any]) -> RunRecord:
    """A city run inside one sweep worker: its districts in turn, one in memory at a time
    (the same results as ``gridgov run``); with ``keep_cases`` its case log is the
    districts' logs joined."""
    cases: list[pd.DataFrame] = []

    def keep(outcome: Any) -> None:
        if outcome.record.cases is not None:
            cases.append(outcome.record.cases)

    try:
        record = run_partitioned(params, on_district=keep, **window)
    except PartitionError as exc:
        raise RuntimeError(str(exc)) from None
    if window["keep_cases"]:
        record.tables["cases"] = pd.concat(cases, ignore_index=True)
    return record


def design_fingerprint(experiment: Experiment, runs: list[RunSpec] | None = None) -> str:
    """A hash of everything that determines the runs (to refuse a mismatched --resume):
    every run's inputs and seed, and the scenario's resolved defaults of the keys the design
    does not set itself (so new defaults, e.g. from a calibration, do not mix with runs made
    under the old ones, while a calibration's own folder stays valid after its fit is
    adopted: its [ranges] override the keys it fits)."""
    own = {*experiment.fixed, *experiment.factor_names,
           *(k for pol in experiment.policies for k in pol.values)}
    defaults = {k: v for k, v in get_scenario(experiment.scenario).parameters({}).items()
                if k not in own}
    runs = experiment.runs() if runs is None else runs
    # The SHA-256 of json.dumps({"runs": [asdict(r) ...], "scenario_defaults": defaults},
    # sort_keys=True, default=str), fed run by run so a large design is never one string.
    digest = hashlib.sha256(b'{"runs": [')
    for i, run in enumerate(runs):
        digest.update(((", " if i else "") + json.dumps(asdict(run), sort_keys=True,
                                                          default=str)).encode())
    digest.update(b'], "scenario_defaults": ')
    digest.update(json.dumps(defaults, sort_keys=True, default=str).encode())
    digest.update(b"}")
    return digest.hexdigest()


def run_sweep(experiment: Experiment, out: Path, *, workers: int | None = None,
              scheduler: str | None = None, executor: cf.Executor | None = None,
              resume: bool = False, keep_cases: bool = False,
              progress: Progress | None = None,
              run_fn: Callable[[RunSpec, bool], RunOutcome] | None = None,
              on_backend: Callable[[Backend], None] | None = None) -> pd.DataFrame:
    """Run every run of ``experiment`` not yet done in ``out``; return the runs table.

    ``executor`` (any concurrent.futures executor) overrides ``workers``/``scheduler``;
    with neither and one worker, runs go one after another in this process. Each run is
    stored as soon as it finishes, then ``progress.done(run_id, ...)`` is told.
    ``on_backend(backend)`` is called once the backend is open, before anything is written
    (e.g. to check a Dask cluster's memory; it may raise to stop the sweep).
    """
    folder = ResultsFolder(out)
    run_fn = run_fn or execute_run
    runs = experiment.runs()
    fingerprint = design_fingerprint(experiment, runs)
    check_folder(folder, fingerprint, resume)
    # reach the scheduler before anything is written
    with open_backend(workers, scheduler, executor) as backend:
        if on_backend is not None:
            on_backend(backend)
        lock = None
        try:
            lock = acquire_lock(folder)
            prepare_folder(folder, experiment, fingerprint, keep_cases)
            done = completed_runs(folder, runs, keep_cases) if resume else set()
            todo = [r for r in runs if r.run_id not in done]
            started = datetime.now(UTC)
            # Record the session now, so that its trace survives even a SIGKILL.
            write_manifest(folder, experiment, fingerprint, status_table(folder, runs),
                           started, backend.description, keep_cases, finished=False)
            for outcome in backend.results(partial(run_fn, keep_cases=keep_cases), todo,
                                           _worker_failed):
                store_outcome(folder, outcome, keep_cases)
                if progress is not None:
                    progress.done(outcome.run.run_id, _progress_note(outcome), outcome.ok)
                del outcome  # keep no finished run in memory
            table = assemble(folder, experiment, runs)
            write_manifest(folder, experiment, fingerprint, table, started,
                           backend.description, keep_cases)
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


def acquire_lock(folder: ResultsFolder) -> Path:
    """Take ``out/.lock``, holding this process's id and start time; refuse if the sweep
    that holds it is alive (the same id *and* start time: an id reused by an unrelated
    process does not hold the folder)."""
    out = folder.root
    out.mkdir(parents=True, exist_ok=True)
    path = folder.lock
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid, started = _read_lock(path)
            if pid and pid != os.getpid() and _holds(pid, started):
                raise SweepError(f"another sweep (process {pid}) is writing to {out}; wait "
                                 "for it to finish or choose another --out (if no sweep "
                                 f"is running there, delete {path})") from None
            path.unlink(missing_ok=True)  # left by a sweep that was killed
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()} {_start_time(os.getpid())!r}")
        return path
    raise SweepError(f"cannot take the lock {path}")


def _read_lock(path: Path) -> tuple[int, float | None]:
    """(process id, start time or None) written in a lock; (0, None) if unreadable."""
    try:
        fields = path.read_text(encoding="utf-8").split()
        pid = int(fields[0]) if fields else 0
    except (OSError, ValueError):
        return 0, None
    try:
        return pid, float(fields[1]) if len(fields) > 1 else None
    except ValueError:  # "None": the holder's start time was not known
        return pid, None


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch; None if it is gone)."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _holds(pid: int, started: float | None) -> bool:
    """True if process ``pid`` is alive and, when the lock says when its holder started,
    is that same process (a lock written before start times were recorded: alive is
    enough)."""
    if not psutil.pid_exists(pid):
        return False
    if started is None:
        return True
    now = _start_time(pid)
    return now is None or abs(now - started) < 0.01


def status_table(folder: ResultsFolder, runs: list[RunSpec]) -> pd.DataFrame:
    """Each run's id and recorded status (a light version of the runs table)."""
    return pd.DataFrame({"run_id": [r.run_id for r in runs],
                         "status": [read_record(folder.record(r.run_id))["status"]
                                    for r in runs]})


def check_folder(folder: ResultsFolder, fingerprint: str, resume: bool) -> None:
    """Refuse an output folder that is a file, holds a path the sweep would write that is
    not the sweep's own (:class:`~simulation.sweeps.folder.Ownership`), or holds another
    sweep (or this one without --resume). An unreadable design.json falls back on the
    manifest's fingerprint; with neither, --resume keeps only the records that match
    their runs (:func:`completed_runs`)."""
    out = folder.root
    if out.exists() and not out.is_dir():
        raise SweepError(f"--out {str(out)!r} is a file, not a folder")
    # (the lock has its own protocol: acquire_lock)
    folder.ownership().check([*(f for f in SWEEP_FILES if f != folder.lock.name),
                              *(f"{k}/" for k in ("runs", *PER_RUN))])
    if not folder.design.exists():
        return
    previous = _fingerprint(folder.design)
    if previous is None:
        previous = _fingerprint(folder.manifest)
    if not resume:
        raise SweepError(f"{out} already holds results of a sweep; add --resume to "
                         "continue it, or choose another --out")
    if previous is not None and previous != fingerprint:
        raise SweepError(f"{out} holds a different experiment (design, seeds or the "
                         "scenario's default parameters changed); choose another --out")


def _fingerprint(path: Path) -> str | None:
    """The design fingerprint recorded in ``path`` (design.json or manifest.json), or
    None if it is missing or unreadable."""
    value = json_field(path, "fingerprint")
    return value if isinstance(value, str) else None


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


def completed_runs(folder: ResultsFolder, runs: list[RunSpec] | None = None,
                   keep_cases: bool = False) -> set[str]:
    """Ids of the runs a resumed sweep keeps: each record says "ok", matches its run (id,
    seed, overrides; when ``runs`` is given), holds every outcome of the registry, and its
    per-run files (timeseries, grids, loads; cases with ``keep_cases``) are readable
    Parquet. Every other run is run again."""
    specs = {r.run_id: r for r in runs} if runs is not None else None
    done = set()
    for path in folder.records.glob("*.json"):
        record = read_record(path)
        run_id = record.get("run_id")
        if record["status"] != "ok" or not isinstance(run_id, str):
            continue
        if specs is not None:
            spec = specs.get(run_id)
            if spec is None or record.get("seed") != spec.seed or (
                    record.get("overrides") != json.loads(
                        json.dumps(spec.overrides, default=_json_default))):
                continue
        if not isinstance(record["metrics"], dict) or not set(OUTCOMES) <= set(record["metrics"]):
            continue
        if all(_readable_parquet(folder.per_run(k, run_id)) for k in kept_per_run(keep_cases)):
            done.add(run_id)
    return done


def _readable_parquet(path: Path) -> bool:
    """True if ``path`` is a Parquet file whose footer can be read (not truncated)."""
    try:
        pq.read_metadata(path)
    except (OSError, ValueError, pa.ArrowException):
        return False
    return True


def store_outcome(folder: ResultsFolder, outcome: RunOutcome, keep_cases: bool) -> None:
    """Write one run's files; the record goes last and marks the run as complete."""
    run, record = outcome.run, outcome.record
    if record is not None:
        for kind in kept_per_run(keep_cases):
            if record.tables.get(kind) is not None:
                atomic_write_parquet(folder.per_run(kind, run.run_id), record.tables[kind])
    doc = {
        "run_id": run.run_id, "point": run.point, "policy": run.policy,
        "replication": run.replication, "seed": run.seed, "factors": run.factors,
        "overrides": run.overrides, "status": outcome.status, "error": outcome.error,
        "traceback": outcome.traceback, "wall_seconds": outcome.wall_seconds,
        "metrics": record.summary if record is not None else {},
        **{t.name: record.tables[t.name] if record is not None else []
           for t in RUN_TABLES if t.sweep == "record"},
    }
    atomic_write_text(folder.record(run.run_id),
                      json.dumps(doc, indent=1, default=_json_default) + "\n")


# assemble writes the daily series and the resolution curves a batch of runs at a time (one
# Parquet row group each): this many runs, or fewer whose series reach this many rows. A
# batch holds ~18 kB a run and ~280 B a row (~30 MB for 1,000 runs of 30 days, ~75 MB for
# 250,000 rows); each row group's metadata stays in memory until its file is closed
# (~14 kB for the series, ~3 kB for the curves), so batches are not made smaller.
ASSEMBLE_BATCH_RUNS = 1_000
ASSEMBLE_BATCH_ROWS = 250_000


def assemble(folder: ResultsFolder, experiment: Experiment,
             runs: list[RunSpec] | None = None) -> pd.DataFrame:
    """Build runs.csv / runs.parquet / timeseries.parquet / resolution.parquet from the
    per-run files. A finished run whose series cannot be read is listed in
    ``table.attrs["series_missing"]`` (and the manifest), not skipped quietly.

    The long tables are streamed (:class:`_ParquetStream`: a batch of runs at a time,
    :data:`ASSEMBLE_BATCH_RUNS`), so only the runs table grows with the runs, one tuple a
    run until it is built; the files are what one ``pd.concat`` of every run's frame
    would give. Each table goes to a temporary file renamed into place at the end: an
    interrupted assembly leaves the previous tables as they were."""
    rows: list[tuple[Any, ...]] = []  # one a run (far smaller than a dict)
    columns: list[str] | None = None
    missing: list[str] = []
    metric_names = list(OUTCOMES)
    integer_metrics: set[str] = set()
    float_metrics: set[str] = set()
    series, quantiles = _ParquetStream(folder.timeseries), _ParquetStream(folder.resolution)
    staged: list[tuple[Path, Path]] = []  # (temporary file, table) written, to rename
    batch: list[pd.DataFrame] = []
    curves: list[pd.DataFrame] = []
    held = batch_rows = 0
    try:
        for run in runs if runs is not None else experiment.runs():
            if held >= ASSEMBLE_BATCH_RUNS or batch_rows >= ASSEMBLE_BATCH_ROWS:
                series.write(batch)
                quantiles.write(curves)
                held = batch_rows = 0
            held += 1
            record = read_record(folder.record(run.run_id))
            row = {"run_id": run.run_id, "point": run.point, "policy": run.policy,
                   "replication": run.replication, "seed": run.seed}
            row.update({k: run.factors.get(k) for k in experiment.factor_names})
            row.update({m: _nan(record["metrics"].get(m)) for m in metric_names})
            for m, v in record["metrics"].items():
                (integer_metrics if isinstance(v, int) else float_metrics).add(m)
            row.update({"status": record["status"], "error": record["error"],
                        "wall_seconds": record["wall_seconds"]})
            columns = columns or list(row)  # the same keys for every run
            rows.append(tuple(row.values()))
            q = record.get("resolution_curve") or []
            if record["status"] == "ok" and len(q) == len(CURVE_WORKING_DAYS):
                curves.append(pd.DataFrame({"run_id": run.run_id,
                                            "working_days": CURVE_WORKING_DAYS,
                                            "share_resolved": q}))
            if record["status"] == "ok":
                try:
                    ts = pd.read_parquet(folder.per_run("timeseries", run.run_id))
                except (OSError, ValueError, pa.ArrowException):
                    missing.append(run.run_id)
                    continue
                ts.insert(0, "run_id", run.run_id)
                batch.append(ts)
                batch_rows += len(ts)
        series.write(batch)
        quantiles.write(curves)
        # (as pd.DataFrame of the rows as dicts: the same inference of each column's dtype)
        table = pd.DataFrame(rows, columns=columns)
        del rows
        # finished runs whose daily series is missing or unreadable (said, never skipped
        # quietly)
        table.attrs["series_missing"] = missing
        for m in metric_names:  # counts stay integers even where a failed run leaves a gap
            if m in integer_metrics and m not in float_metrics:
                table[m] = table[m].astype("Int64")
        staged.append((temporary_file(folder.runs_csv), folder.runs_csv))
        table.to_csv(staged[-1][0], index=False, encoding="utf-8")  # as it is formatted
        staged.append((temporary_file(folder.runs_table), folder.runs_table))
        table.to_parquet(staged[-1][0], index=False)
        staged += [(tmp, s.path) for s in (series, quantiles)  # (only if any run had one)
                   if (tmp := s.close()) is not None]
        for tmp, path in staged:  # all written: each replaces its table
            os.replace(tmp, path)
        staged.clear()
    finally:  # what an interrupted assembly had written (the previous tables stay)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        series.discard()
        quantiles.discard()
    return table


class _ParquetStream:
    """A long table written to ``path`` one batch of frames at a time (each a row group)
    to a temporary file beside it: :meth:`close` ends it and hands it over (None if no
    batch came), :meth:`discard` deletes it.

    Its columns and dtypes are those of ``pd.concat`` of every frame: those of the first
    batch, widened (the file so far rewritten, one row group at a time) if a later batch
    brings columns or dtypes that ``pd.concat`` would combine into others."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp: Path | None = None
        self.writer: pq.ParquetWriter | None = None
        self.sample: pd.DataFrame | None = None  # one row with the table's dtypes

    def write(self, frames: list[pd.DataFrame]) -> None:
        """Write ``frames`` (concatenated) as one row group, and empty the list."""
        if not frames:
            return
        frame = pd.concat(frames, ignore_index=True)
        frames.clear()
        if self.sample is None:
            self._open(frame.iloc[:1].copy())  # (a copy: a view would keep the batch)
        elif not (frame.columns.equals(self.sample.columns)
                  and frame.dtypes.equals(self.sample.dtypes)):
            self._widen(frame.iloc[:1])
            frame = _cast(frame, self.sample)
        self._write(frame)

    def close(self) -> Path | None:
        """End the file (its footer) and hand it over: its temporary path, None if no
        batch was written."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        tmp, self.tmp = self.tmp, None
        return tmp

    def discard(self) -> None:
        """Delete what was written (if not handed over)."""
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
            self.writer = None
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None

    def _open(self, sample: pd.DataFrame) -> None:
        self.sample = sample
        self.tmp = temporary_file(self.path)
        schema = pa.Schema.from_pandas(sample, preserve_index=False)
        self.writer = pq.ParquetWriter(self.tmp, schema)

    def _write(self, frame: pd.DataFrame) -> None:
        assert self.writer is not None
        self.writer.write_table(pa.Table.from_pandas(frame, schema=self.writer.schema,
                                                     preserve_index=False))

    def _widen(self, sample: pd.DataFrame) -> None:
        """Take the dtypes ``pd.concat`` gives the table so far and ``sample``, and write
        what was written again with them."""
        assert self.sample is not None and self.writer is not None and self.tmp is not None
        self.writer.close()
        old, self.writer, self.tmp = self.tmp, None, None
        try:
            self._open(pd.concat([self.sample, sample], ignore_index=True).iloc[:1])
            with pq.ParquetFile(old) as written:
                for i in range(written.num_row_groups):
                    self._write(_cast(written.read_row_group(i).to_pandas(), self.sample))
        finally:
            old.unlink(missing_ok=True)


def _cast(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns (missing ones empty) and dtypes of ``like``."""
    frame = frame.reindex(columns=like.columns)
    return frame.astype(like.dtypes.to_dict())


def write_manifest(folder: ResultsFolder, experiment: Experiment, fingerprint: str,
                   table: pd.DataFrame, started: datetime, executor: str, keep_cases: bool,
                   finished: bool = True) -> None:
    """manifest.json: inputs, design, seeds, versions, times and every run's status.

    Written when a session starts (``finished=False``) and again when it ends; ``sessions``
    keeps one entry per session of a resumed sweep.
    """
    env = environment(0.0)
    env.pop("wall_seconds", None)
    session = {"session": f"{started.isoformat(timespec='microseconds')}/{os.getpid()}",
               "started_utc": started.isoformat(timespec="seconds"),
               "finished_utc": env["finished_utc"] if finished else None, "executor": executor,
               "gridgov_version": env["gridgov_version"], "git_commit": env["git_commit"],
               "keep_cases": keep_cases}
    sessions = []
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # keep the history
        sessions = list(json.loads(folder.manifest.read_text(encoding="utf-8"))
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
        "series_missing": list(table.attrs.get("series_missing", [])),
        "executor": executor,
        "keep_cases": keep_cases,
        "started_utc": sessions[0]["started_utc"],
        **env,
        "finished_utc": env["finished_utc"] if finished else None,
        "sessions": sessions,
        "mixed_code_versions": len({s.get("git_commit") for s in sessions}) > 1,
    }
    atomic_write_text(folder.manifest,
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


def read_record(path: Path) -> dict[str, Any]:
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
