"""Run one scenario and write its results: the common use in one call.

>>> from simulation import run_scenario
>>> result = run_scenario("mmc", days=30, seed=3)
>>> result.summary["issues_arisen"] == len(result.cases)
True
"""

from __future__ import annotations

import json
import math
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .load import load_table
from .metrics import summarise
from .model import GridGovernanceModel
from .parameters import Parameters
from .policies import Policy
from .scenarios import load_scenario
from .storage import atomic_write_parquet, atomic_write_text


@dataclass
class RunResult:
    """What one run gives: inputs, summary metrics, daily time series and case log."""

    scenario: str
    seed: int
    days: int
    overrides: dict[str, Any]
    policies: list[dict[str, Any]]
    params: Parameters
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    cases: pd.DataFrame | None  # None for a partitioned run (written per district)
    wall_seconds: float = field(default=0.0, compare=False)
    stream_seeds: dict[str, Any] = field(default_factory=dict)
    districts: pd.DataFrame | None = None  # a partitioned run's districts, one row each
    loads: pd.DataFrame | None = None  # every service point's load (simulation.load)
    warmup_days: int = 0
    followup_days: int = 0
    warnings: list[str] = field(default_factory=list)  # levers that could not act

    def summary_record(self) -> dict[str, Any]:
        """The deterministic summary document (inputs + metrics), JSON-ready."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "days": self.days,
            "warmup_days": self.warmup_days,
            "followup_days": self.followup_days,
            "overrides": self.overrides,
            "policies": self.policies,
            "partitioned": self.districts is not None,  # by district (partition.py)
            "warnings": self.warnings,
            "stream_seeds": self.stream_seeds,
            "metrics": {k: _json_number(v) for k, v in self.summary.items()},
        }

    def write(self, out: str | Path) -> Path:
        """Write summary.json, parameters.json, timeseries.csv, loads.csv, cases.csv (if
        kept), districts.csv (a partitioned run) and manifest.json.

        Every file is written to a temporary name and renamed, so none is half-written.
        The manifest (wall time, versions) is kept apart from the deterministic results.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        params = {k: {"value": self.params[k], "source": self.params.sources.get(k, "")}
                  for k in self.params}
        atomic_write_text(out / "summary.json", _dumps(self.summary_record()))
        atomic_write_text(out / "parameters.json", _dumps(params))
        atomic_write_text(out / "timeseries.csv", self.timeseries.to_csv(index=False))
        if self.loads is not None:
            atomic_write_text(out / "loads.csv", self.loads.to_csv(index=False))
        if self.cases is not None:
            atomic_write_text(out / "cases.csv", self.cases.to_csv(index=False))
        if self.districts is not None:
            atomic_write_text(out / "districts.csv", self.districts.to_csv(index=False))
            (out / "cases.csv").unlink(missing_ok=True)  # a one-model run's, now stale
        else:  # a partitioned run's files, now stale
            (out / "districts.csv").unlink(missing_ok=True)
            if (out / "cases").is_dir():
                shutil.rmtree(out / "cases")
        atomic_write_text(out / "manifest.json", _dumps(manifest(self.wall_seconds)))
        return out


DEFAULT_DAYS = 365  # one simulated year
# The case log's text columns (metrics.case_log), typed as strings in Parquet parts.
CASE_TEXT_COLUMNS = ("district", "type", "outcome", "source", "closed_by", "handler",
                     "max_level", "handlers")
DEFAULT_SEED = 0


def check_window(days: int, warmup_days: int, followup_days: int) -> None:
    """Raise ValueError unless warm-up + follow-up leave a window of at least one day."""
    for name, value in (("warmup_days", warmup_days), ("followup_days", followup_days)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a whole number of days >= 0, not {value!r}")
    if warmup_days + followup_days >= days:
        raise ValueError(f"warm-up ({warmup_days}) + follow-up ({followup_days}) days leave no "
                         f"measurement window in a run of {days} days")


def run_scenario(scenario: str, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED,
                 overrides: Mapping[str, Any] | None = None,
                 policies: Iterable[Policy] = (),
                 on_day: Callable[[int], None] | None = None, warmup_days: int = 0,
                 followup_days: int = 0) -> RunResult:
    """Build ``scenario`` (+ policies, then overrides), run it ``days`` days from ``seed``
    as one model (``on_day(day)`` is called after each simulated day). The summary
    measures the window after ``warmup_days`` and before the last ``followup_days``
    (:mod:`simulation.metrics`)."""
    check_window(days, warmup_days, followup_days)
    overrides = dict(overrides or {})
    policies = list(policies)
    params = load_scenario(scenario, overrides, policies)
    t0 = time.perf_counter()
    model = GridGovernanceModel(params, seed=seed, warmup_days=warmup_days)
    model.run(days, on_day=on_day)
    result = RunResult(
        scenario=scenario, seed=seed, days=days,
        overrides={k: params[k] for k in overrides},  # as typed values, not raw text
        policies=[p.to_dict() for p in policies], params=params,
        summary=summarise(model, followup_days), timeseries=model.timeseries(),
        cases=model.case_log(), wall_seconds=time.perf_counter() - t0,
        stream_seeds={name: {"entropy": s.entropy, "spawn_key": list(s.spawn_key)}
                      for name, s in model.streams.seeds.items()},
        loads=load_table(model), warmup_days=warmup_days, followup_days=followup_days,
        warnings=list(model.warnings),
    )
    model.discard()
    return result


def run_city(scenario: str, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED,
             overrides: Mapping[str, Any] | None = None, policies: Iterable[Policy] = (),
             *, executor: Any = None, on_district: Callable[[Any], None] | None = None,
             cases_dir: Path | None = None, progress: Any = None, warmup_days: int = 0,
             followup_days: int = 0) -> RunResult:
    """Run ``scenario`` partitioned by district (:mod:`simulation.partition`) on
    ``executor`` (in this process if None). With ``cases_dir``, each district's case log is
    written there as ``DISTRICT.parquet`` when it arrives (ids are the district's own);
    ``progress`` receives (district, day) from the districts as they run."""
    from .partition import run_partitioned

    check_window(days, warmup_days, followup_days)
    overrides = dict(overrides or {})
    policies = list(policies)
    params = load_scenario(scenario, overrides, policies)

    # The parts go to a hidden folder that replaces ``cases_dir`` only when every district
    # has finished: a failed or interrupted run leaves no partial case log behind.
    partial = None if cases_dir is None else cases_dir.with_name(f".{cases_dir.name}.partial")

    def arrived(outcome: Any) -> None:
        if partial is not None and outcome.cases is not None:
            # one Arrow schema for every part, even a district without issues
            cases = outcome.cases.astype({c: "string" for c in CASE_TEXT_COLUMNS})
            atomic_write_parquet(partial / f"{outcome.district:02d}.parquet", cases)
        if on_district is not None:
            on_district(outcome)

    if partial is not None:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
    t0 = time.perf_counter()
    try:
        city = run_partitioned(scenario, days, seed, overrides, policies, executor=executor,
                               on_district=arrived, keep_cases=cases_dir is not None,
                               progress=progress, warmup_days=warmup_days,
                               followup_days=followup_days)
    except BaseException:
        if partial is not None:
            shutil.rmtree(partial, ignore_errors=True)
        raise
    if partial is not None and cases_dir is not None:
        shutil.rmtree(cases_dir, ignore_errors=True)  # a previous run's parts
        partial.rename(cases_dir)
    return RunResult(
        scenario=scenario, seed=seed, days=days,
        overrides={k: params[k] for k in overrides}, policies=[p.to_dict() for p in policies],
        params=params, summary=city.summary, timeseries=city.timeseries, cases=None,
        wall_seconds=time.perf_counter() - t0, stream_seeds=city.stream_seeds,
        districts=city.districts, loads=city.loads, warmup_days=warmup_days,
        followup_days=followup_days, warnings=city.warnings)


def manifest(wall_seconds: float) -> dict[str, Any]:
    """Where and with what a result was made (not part of the deterministic results)."""
    import mesa
    import numpy

    from . import __version__

    return {
        "gridgov_version": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 3),
        "argv": sys.argv,
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _json_number(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, allow_nan=False, default=str) + "\n"
