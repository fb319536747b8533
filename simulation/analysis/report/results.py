"""A sweep's results folder, read back for reporting (its layout:
:mod:`simulation.sweeps.folder`; written by :mod:`simulation.sweeps.engine`)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa

from ...sweeps.folder import ResultsFolder
from .errors import ReportError

SAMPLED_METHODS = ("lhs", "sobol", "saltelli", "morris")
RUN_COLUMNS = ("run_id", "point", "policy", "replication", "seed", "status")


@dataclass
class SweepResults:
    """The tables of one sweep's results folder."""

    folder: Path
    name: str
    description: str
    scenario: str
    days: int
    replications: int
    seed: int
    design: dict[str, Any]  # design.json: method, factors, ranges, points, policies, seeds
    runs: pd.DataFrame  # runs.parquet: one row per run
    timeseries: pd.DataFrame  # run_id, day, ... (ok runs)
    resolution: pd.DataFrame  # run_id, working_days, share_resolved (ok runs)
    manifest: dict[str, Any] = field(default_factory=dict)
    warmup_days: int = 0
    followup_days: int = 0

    @property
    def ok(self) -> pd.DataFrame:
        """The runs that finished."""
        return self.runs[self.runs.status == "ok"]

    @property
    def method(self) -> str:
        """The design method (factorial, lhs, sobol, saltelli, morris)."""
        return str(self.design.get("method", "factorial"))

    @property
    def sampled(self) -> bool:
        """True for designs that sample points over ranges (factor effects, not arms)."""
        return self.method in SAMPLED_METHODS and bool(self.design.get("ranges"))

    @property
    def factor_names(self) -> list[str]:
        """The keys that vary between design points."""
        return [*self.design.get("factors", {}), *self.design.get("ranges", {})]

    @property
    def policy_names(self) -> list[str]:
        """The experiment's policies in file order."""
        return [p["name"] for p in self.design.get("policies", [])] or \
            list(dict.fromkeys(self.runs.policy))

    def policy_description(self, name: str) -> str:
        """The description the experiment file gives a policy ('' if none)."""
        for p in self.design.get("policies", []):
            if p["name"] == name:
                return str(p.get("description") or "")
        return ""

    def grids(self, run_id: str) -> pd.DataFrame | None:
        """Each grid's state at the end of run ``run_id`` (None if not recorded);
        ReportError if the file is damaged."""
        path = ResultsFolder(self.folder).per_run("grids", run_id)
        if not path.exists():
            return None
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise damaged(path, exc, self.folder) from None


def load_results(folder: str | Path) -> SweepResults:
    """Read a finished (or partly finished) sweep's folder; ReportError if it is not one."""
    folder = Path(folder)
    files = ResultsFolder(folder)
    if not folder.is_dir():
        raise ReportError(f"{str(folder)!r} is not a folder; give a sweep's results folder, "
                          "e.g. results/policy_comparison")
    missing = [f.name for f in (files.design, files.experiment, files.runs_table)
               if not f.is_file()]
    if missing:
        raise ReportError(f"{str(folder)!r} holds no sweep results (missing "
                          f"{', '.join(missing)}); run `gridgov sweep FILE` first")
    design = _read(files.design, folder, lambda p: _object(json.loads(_text(p))))
    exp = _read(files.experiment, folder, lambda p: tomllib.loads(_text(p)).get("experiment"))
    if not isinstance(exp, dict):
        raise ReportError(f"{str(files.experiment)!r} has no [experiment] "
                          "table: not a sweep's copy of its experiment file")
    runs = _read(files.runs_table, folder, pd.read_parquet)
    manifest = (_read(files.manifest, folder, lambda p: _object(json.loads(_text(p))))
                if files.manifest.is_file() else {})
    missing = [c for c in RUN_COLUMNS if c not in runs]
    if missing:
        raise ReportError(f"{str(files.runs_table)!r} lacks the column {missing[0]!r}: "
                          "not a runs table of gridgov sweep")
    if not (runs.status == "ok").any():
        raise ReportError(f"{str(folder)!r} has no finished runs "
                          f"({len(runs)} recorded); nothing to report")
    ok_ids = set(runs.run_id[runs.status == "ok"])
    ts = _read(files.timeseries, folder, lambda p: _read_table(p, ok_ids))
    res = _read(files.resolution, folder, lambda p: _read_table(p, ok_ids))
    return SweepResults(
        folder=folder, name=str(exp.get("name", folder.name)),
        description=str(exp.get("description", "")), scenario=str(exp.get("scenario", "")),
        days=int(exp.get("days", 0)), replications=int(exp.get("replications", 0)),
        seed=int(exp.get("seed", 0)), design=design, runs=runs, timeseries=ts,
        resolution=res, manifest=manifest, warmup_days=int(exp.get("warmup_days", 0)),
        followup_days=int(exp.get("followup_days", 0)))


def damaged(path: Path, exc: BaseException, folder: Path) -> ReportError:
    """One line for a results file that cannot be read: which, why, and how to rebuild
    it (a resumed sweep re-assembles the tables and re-runs a run whose files are
    damaged)."""
    reason = (exc.strerror if isinstance(exc, OSError) and exc.strerror else
              str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return ReportError(f"{path} is damaged or unreadable ({reason}); rebuild it with "
                       f"`gridgov sweep {folder / 'experiment.toml'} --out {folder} "
                       "--resume`")


T = TypeVar("T")


def _read(path: Path, folder: Path, read: Callable[[Path], T]) -> T:
    """``read(path)``, a damaged file turned into one line (:func:`damaged`)."""
    try:
        return read(path)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError,
            tomllib.TOMLDecodeError, pa.ArrowException) as exc:
        raise damaged(path, exc, folder) from None


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _object(doc: Any) -> dict[str, Any]:
    """``doc`` if it is a JSON object (TypeError otherwise: a damaged file)."""
    if not isinstance(doc, dict):
        raise TypeError(f"a JSON {type(doc).__name__}, not an object")
    return doc


def _read_table(path: Path, run_ids: set[str]) -> pd.DataFrame:
    """A long per-run table restricted to ``run_ids`` (empty if the file is absent)."""
    if not path.is_file():
        return pd.DataFrame({"run_id": pd.Series(dtype=str)})
    table = pd.read_parquet(path)
    return table[table.run_id.isin(run_ids)].reset_index(drop=True)
