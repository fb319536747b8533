"""The run records of a sweep: what is written of each run (``runs/RUN_ID.json``, written
last, so that its presence with status "ok" marks a complete run), how a resumed sweep
reads them back (each once) and which it keeps, and each run's row of the runs table.

A resumed sweep keeps a run whose record says "ok", matches its run (id, seed, overrides),
holds every outcome of the registry and whose per-run files read as Parquet; every other
run is run again.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..measures import tables as run_tables
from ..measures.outcomes import OUTCOMES
from ..measures.survival import CURVE_WORKING_DAYS
from .experiment import Experiment, RunSpec
from .folder import ResultsFolder

NOT_RUN: dict[str, Any] = {"status": "not run", "error": "", "wall_seconds": math.nan,
                           "metrics": {}}


def document(run: RunSpec, status: str, error: str, traceback: str, wall_seconds: float,
             summary: dict[str, Any] | None, tables: dict[str, Any] | None) -> dict[str, Any]:
    """A run's record: its inputs, status, error, wall time, summary metrics and the
    per-run tables a sweep keeps in the record (:mod:`simulation.measures.tables`)."""
    return {
        "run_id": run.run_id, "point": run.point, "policy": run.policy,
        "replication": run.replication, "seed": run.seed, "factors": run.factors,
        "overrides": run.overrides, "status": status, "error": error,
        "traceback": traceback, "wall_seconds": wall_seconds,
        "metrics": summary if summary is not None else {},
        **{t.name: tables[t.name] if tables is not None else []
           for t in run_tables.RUN_TABLES if t.sweep == "record"},
    }


def to_json(value: Any, indent: int = 1) -> str:
    """A record (or any document of a sweep) as JSON text, NumPy numbers as plain ones."""
    return json.dumps(value, indent=indent, default=json_default) + "\n"


def json_default(value: Any) -> Any:
    """JSON for what json cannot write: a NumPy number as its value, anything else as text."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def read_record(path: Path) -> dict[str, Any]:
    """A run's record, or a "not run" placeholder if it is missing or unreadable."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(record, dict) and {"status", "metrics"} <= set(record):
            return record
    except (OSError, ValueError):
        pass
    return dict(NOT_RUN)


def read_records(folder: ResultsFolder) -> dict[str, dict[str, Any]]:
    """Every record in the folder by its run id (each read once; unreadable ones left
    out)."""
    out = {}
    for path in folder.records.glob("*.json"):
        record = read_record(path)
        run_id = record.get("run_id")
        if isinstance(run_id, str):
            out[run_id] = record
    return out


def complete(folder: ResultsFolder, record: dict[str, Any], spec: RunSpec | None,
             keep_cases: bool) -> bool:
    """Whether a resumed sweep keeps the run of ``record``: it says "ok", matches its run
    ``spec`` (seed, overrides; when given), holds every outcome of the registry, and its
    per-run files (timeseries, grids, loads; cases with ``keep_cases``) read as Parquet."""
    run_id = record.get("run_id")
    if record["status"] != "ok" or not isinstance(run_id, str):
        return False
    if spec is not None and (record.get("seed") != spec.seed or record.get("overrides")
                             != json.loads(json.dumps(spec.overrides, default=json_default))):
        return False
    if not isinstance(record["metrics"], dict) or not set(OUTCOMES) <= set(record["metrics"]):
        return False
    return all(_readable_parquet(folder.per_run(k, run_id))
               for k in run_tables.kept_as_parquet(keep_cases))


def completed_runs(folder: ResultsFolder, runs: list[RunSpec] | None = None,
                   keep_cases: bool = False) -> set[str]:
    """Ids of the runs a resumed sweep keeps (:func:`complete`; each record matched with
    its run in ``runs`` when given)."""
    specs = {r.run_id: r for r in runs} if runs is not None else None
    return {run_id for run_id, record in read_records(folder).items()
            if (specs is None or run_id in specs)
            and complete(folder, record, specs.get(run_id) if specs else None, keep_cases)}


def _readable_parquet(path: Path) -> bool:
    """True if ``path`` is a Parquet file whose footer can be read (not truncated)."""
    try:
        pq.read_metadata(path)
    except (OSError, ValueError, pa.ArrowException):
        return False
    return True


class Rows:
    """The runs table as it is built, one row a run (far smaller than its record): its ids,
    seed, factors, every summary metric, status, error and wall time, and its resolution
    curve; which metrics were whole numbers (they stay integers in the table)."""

    def __init__(self, experiment: Experiment) -> None:
        self.factor_names = experiment.factor_names
        self.rows: dict[str, tuple[Any, ...]] = {}
        self.curves: dict[str, np.ndarray] = {}
        self.status: dict[str, str] = {}
        self.integer_metrics: set[str] = set()
        self.float_metrics: set[str] = set()
        self.columns: list[str] | None = None

    def add(self, run: RunSpec, record: dict[str, Any]) -> None:
        """Keep ``run``'s row from its ``record`` (as read from JSON)."""
        row = {"run_id": run.run_id, "point": run.point, "policy": run.policy,
               "replication": run.replication, "seed": run.seed}
        row.update({k: run.factors.get(k) for k in self.factor_names})
        row.update({m: _nan(record["metrics"].get(m)) for m in OUTCOMES})
        for m, v in record["metrics"].items():
            (self.integer_metrics if isinstance(v, int) else self.float_metrics).add(m)
        row.update({"status": record["status"], "error": record["error"],
                    "wall_seconds": record["wall_seconds"]})
        self.columns = self.columns or list(row)  # the same keys for every run
        self.rows[run.run_id] = tuple(row.values())
        self.status[run.run_id] = record["status"]
        q = record.get("resolution_curve") or []
        if record["status"] == "ok" and len(q) == len(CURVE_WORKING_DAYS):
            self.curves[run.run_id] = np.array(q, dtype=float)
        else:
            self.curves.pop(run.run_id, None)

    def row(self, run: RunSpec) -> tuple[Any, ...]:
        """``run``'s row (a "not run" row if it has none)."""
        if run.run_id not in self.rows:
            self.add(run, NOT_RUN)
        return self.rows[run.run_id]


def _nan(value: Any) -> Any:
    return math.nan if value is None else value
