"""Run one scenario and write its results: the common use in one call.

>>> from simulation import run_scenario
>>> result = run_scenario("mmc", days=30, seed=3)
>>> result.summary["issues_arisen"] == len(result.cases)
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..measures import tables as run_tables
from ..measures.tally import window_problem
from ..model import DEFAULT_SEED
from ..parameters import Parameters
from ..policies import LeverLike, as_levers
from ..scenarios import load_scenario
from ..support.ownership import Ownership, json_field
from ..support.provenance import manifest
from ..support.storage import atomic_write_text
from . import city
from .city import DistrictOutcome
from .executors import Backend
from .runner import RunRecord

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["RunResult", "run_params", "run_scenario"]


@dataclass
class RunResult:
    """What ``gridgov run`` and :func:`run_scenario` give: the run's inputs and its record
    (:class:`simulation.running.runner.RunRecord`): ``summary`` (dict of metrics,
    :mod:`simulation.measures.outcomes`), ``timeseries`` (one row per day), ``grids``, ``loads``,
    ``cases`` (one row per issue); ``write(folder)`` writes them, ``plot()`` draws them."""

    scenario: str
    seed: int
    days: int
    overrides: dict[str, Any]  # the keys the user set, as typed values
    levers: list[dict[str, Any]]  # each lever's serialised form (Lever.to_dict)
    params: Parameters
    record: RunRecord
    warmup_days: int = 0
    followup_days: int = 0
    case_parts: Path | None = None  # where the city's run (city.run) put its districts' case logs

    @property
    def summary(self) -> dict[str, Any]:
        """The summary outcomes (simulation.measures.outcomes)."""
        return self.record.summary

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per day, day 0 the initial state."""
        return self.record.timeseries

    @property
    def cases(self) -> pd.DataFrame | None:
        """The case log (None for a partitioned run: written per district)."""
        return self.record.cases

    @property
    def grids(self) -> pd.DataFrame:
        """Each grid's state at the end."""
        return self.record.grids

    @property
    def loads(self) -> pd.DataFrame:
        """Every service point's offered load (simulation.load)."""
        return self.record.loads

    @property
    def districts(self) -> pd.DataFrame | None:
        """A partitioned run's districts, one row each (None for one model)."""
        return self.record.districts

    @property
    def stream_seeds(self) -> dict[str, Any]:
        """The seeds of every random stream (simulation.seeds)."""
        return self.record.stream_seeds

    @property
    def warnings(self) -> list[str]:
        """Levers that could not act."""
        return self.record.warnings

    @property
    def wall_seconds(self) -> float:
        """Wall-clock seconds of the run."""
        return self.record.wall_seconds

    def plot(self, title: str | None = None) -> Figure:
        """The run's daily open and hidden issues and mean trust
        (:func:`simulation.measures.plot.plot_run`); returns a matplotlib Figure."""
        from ..measures.plot import plot_run  # matplotlib only when plotting

        return plot_run(self.timeseries, title=title or f"{self.scenario}, seed {self.seed}",
                        warmup_days=self.warmup_days,
                        followup_days=self.followup_days)

    def summary_record(self) -> dict[str, Any]:
        """The deterministic summary document (inputs + metrics), JSON-ready."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "days": self.days,
            "warmup_days": self.warmup_days,
            "followup_days": self.followup_days,
            "overrides": self.overrides,
            "policies": self.levers,  # the file's old key
            "partitioned": self.districts is not None,  # by district (running/city.py)
            "warnings": self.warnings,
            "stream_seeds": self.stream_seeds,
            "metrics": {k: _json_number(v) for k, v in self.summary.items()},
        }

    def outputs(self, out: str | Path) -> list[str]:
        """The files :meth:`write` writes into ``out`` (ownership entries)."""
        cases = self.case_parts == Path(out) / "cases"
        return output_entries(self.districts is not None, len(self.districts)
                              if self.districts is not None and cases else 0,
                              tables=[name for name, table in self.record.tables.items()
                                      if table is not None])

    def write(self, out: str | Path) -> Path:
        """Write summary.json, parameters.json, each per-run table's CSV
        (:mod:`simulation.measures.tables`: timeseries.csv, loads.csv, cases.csv if kept),
        districts.csv (a partitioned run) and manifest.json.

        Every file is written to a temporary name and renamed, so none is half-written.
        The manifest (wall time, versions) is kept apart from the deterministic results.
        Only files this command wrote before (``out/.gridgov-run.json``) are overwritten or,
        if this run does not write them again, deleted; FolderError if a path it would
        write exists and is not its own, OSError if a file cannot be written.
        """
        out = Path(out)
        entries = self.outputs(out)
        own = run_ownership(out)
        own.begin(entries)
        params = {k: {"value": self.params[k], "source": self.params.sources.get(k, "")}
                  for k in self.params}
        atomic_write_text(out / "summary.json", _dumps(self.summary_record()))
        atomic_write_text(out / "parameters.json", _dumps(params))
        for table in run_tables.RUN_TABLES:
            frame = self.record.tables.get(table.name)
            if table.run_file and frame is not None:
                atomic_write_text(out / table.run_file, frame.to_csv(index=False))
        if self.districts is not None:
            atomic_write_text(out / "districts.csv", self.districts.to_csv(index=False))
        atomic_write_text(out / "manifest.json", _dumps(manifest(self.wall_seconds)))
        own.finish(entries)  # e.g. a one-model run's cases.csv after a city run: ours, stale
        return out


def run_files() -> tuple[str, ...]:
    """What gridgov run --out writes (before a city's districts' case logs,
    cases/NN.parquet): the summary and parameters, each per-run table's file
    (:mod:`simulation.measures.tables`), a city's districts, the manifest."""
    return ("summary.json", "parameters.json",
            *(t.run_file for t in run_tables.RUN_TABLES if t.run_file), "districts.csv",
            "manifest.json")


def output_entries(partitioned: bool, districts: int = 0,
                   tables: Iterable[str] | None = None) -> list[str]:
    """The files ``gridgov run --out`` writes: each per-run table's file (of ``tables``,
    the names of those the run holds; None: every table a run of this kind holds, a
    partitioned run's case log aside), a partitioned run's districts.csv and (``districts``
    > 0) its case logs cases/NN.parquet."""
    held = (set(tables) if tables is not None else
            {t.name for t in run_tables.RUN_TABLES if not partitioned or not t.on_request})
    files = {t.run_file for t in run_tables.RUN_TABLES if t.run_file and t.name in held}
    entries = [f for f in run_files() if (not f.endswith(".csv") or f in files
                                        or (f == "districts.csv" and partitioned))]
    if partitioned and districts:
        entries += ["cases/", *(f"cases/{d:02d}.parquet" for d in range(districts))]
    return entries


def run_ownership(out: str | Path) -> Ownership:
    """``gridgov run``'s ownership record in ``out``; a folder an older gridgov run wrote
    (summary.json with stream seeds) is adopted."""
    return Ownership.open(out, "run", adopt=[*run_files(), "cases/", "cases/[0-9][0-9].parquet"],
                          legacy=lambda root: json_field(root / "summary.json",
                                                         "stream_seeds") is not None)


DEFAULT_DAYS = 365  # one simulated year


def check_window(days: int, warmup_days: int, followup_days: int) -> None:
    """Raise ValueError unless warm-up + follow-up leave a window of at least one day."""
    for name, value in (("warmup_days", warmup_days), ("followup_days", followup_days)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a whole number of days >= 0, not {value!r}")
    problem = window_problem(days, warmup_days, followup_days)
    if problem:
        raise ValueError(problem)


def run_scenario(scenario: str, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED,
                 overrides: Mapping[str, Any] | None = None,
                 levers: LeverLike | Iterable[LeverLike] | None = (),
                 on_day: Callable[[int], None] | None = None, warmup_days: int = 0,
                 followup_days: int = 0) -> RunResult:
    """Run one scenario: one model in this process, its case log kept, or — a city of
    several districts (``jinan``) — partitioned by district, one model per district in turn
    in this process, as ``gridgov run`` runs it (the same results; no case log: ``gridgov
    run --out`` writes a city's per district).

    Args:
        scenario: a scenario's name (``gridgov scenarios``).
        days: simulated days (365).
        seed: the run's seed, an integer >= 0 (0).
        overrides: parameter values by dotted key, in each parameter's unit (they win).
        levers: policy levers: Lever objects or strings as on the command line
            (``"party_branch"``, ``"mobilisation:mode=campaign"``).
        on_day: called as ``on_day(day)`` after each simulated day.
        warmup_days, followup_days: days before and at the end of the run outside the
            measured window (the summary counts the issues arising between them).

    Returns:
        A :class:`RunResult` (``.summary``, ``.timeseries``, ``.cases``, ``.write(folder)``,
        ``.plot()``). ParameterError for bad names or values, ValueError for a bad window.
    """
    overrides = dict(overrides or {})
    levers = as_levers(levers)
    params = load_scenario(scenario, overrides, levers)
    return run_params(params, scenario=scenario, seed=seed, days=days, overrides=overrides,
                      levers=levers, on_day=on_day, warmup_days=warmup_days,
                      followup_days=followup_days)


def run_params(params: Parameters, *, scenario: str, seed: int = DEFAULT_SEED,
               days: int = DEFAULT_DAYS, overrides: Iterable[str] = (),
               levers: LeverLike | Iterable[LeverLike] | None = (), partition: bool = True,
               backend: Backend | None = None, on_day: Callable[[int], None] | None = None,
               on_district: Callable[[DistrictOutcome], None] | None = None,
               cases_dir: Path | None = None, progress: Any = None, warmup_days: int = 0,
               followup_days: int = 0) -> RunResult:
    """Run ``params`` (scenario ``scenario`` with ``levers`` and the ``overrides`` keys set,
    which the result records) as :func:`simulation.running.city.run` decides: one model in
    this process, its case log kept, or a city partitioned by district on ``backend`` (in
    this process if None), its districts' case logs written to ``cases_dir`` as they arrive
    (none kept without it). ``on_day``, ``on_district`` and ``progress`` follow the run."""
    check_window(days, warmup_days, followup_days)
    record = city.run(params, seed=seed, days=days, warmup_days=warmup_days,
                      followup_days=followup_days,
                      keep_cases=not city.partitioned(params, partition), cases_dir=cases_dir,
                      partition=partition, backend=backend, on_district=on_district,
                      progress=progress, on_day=on_day)
    result = _result(record, params, scenario=scenario, seed=seed, days=days,
                     overrides=overrides, levers=levers, warmup_days=warmup_days,
                     followup_days=followup_days)
    if record.districts is not None:
        result.case_parts = cases_dir
    return result


def _result(record: RunRecord, params: Parameters, *, scenario: str, seed: int, days: int,
            overrides: Iterable[str], levers: LeverLike | Iterable[LeverLike] | None,
            warmup_days: int, followup_days: int) -> RunResult:
    return RunResult(scenario=scenario, seed=seed, days=days,
                     overrides={k: params[k] for k in overrides},  # typed, not raw text
                     levers=[p.to_dict() for p in as_levers(levers)], params=params, record=record,
                     warmup_days=warmup_days, followup_days=followup_days)


def _json_number(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, allow_nan=False, default=str) + "\n"
