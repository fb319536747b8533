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
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .metrics import summarise
from .model import GridGovernanceModel
from .parameters import Parameters
from .policies import Policy
from .scenarios import load_scenario
from .storage import atomic_write_text


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
    cases: pd.DataFrame
    wall_seconds: float = field(default=0.0, compare=False)
    stream_seeds: dict[str, Any] = field(default_factory=dict)

    def summary_record(self) -> dict[str, Any]:
        """The deterministic summary document (inputs + metrics), JSON-ready."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "days": self.days,
            "overrides": self.overrides,
            "policies": self.policies,
            "stream_seeds": self.stream_seeds,
            "metrics": {k: _json_number(v) for k, v in self.summary.items()},
        }

    def write(self, out: str | Path) -> Path:
        """Write summary.json, parameters.json, timeseries.csv, cases.csv, manifest.json.

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
        atomic_write_text(out / "cases.csv", self.cases.to_csv(index=False))
        atomic_write_text(out / "manifest.json", _dumps(manifest(self.wall_seconds)))
        return out


DEFAULT_DAYS = 365  # one simulated year
DEFAULT_SEED = 0


def run_scenario(scenario: str, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED,
                 overrides: Mapping[str, Any] | None = None,
                 policies: Iterable[Policy] = ()) -> RunResult:
    """Build ``scenario`` (+ policies, then overrides), run it ``days`` days from ``seed``."""
    overrides = dict(overrides or {})
    policies = list(policies)
    params = load_scenario(scenario, overrides, policies)
    t0 = time.perf_counter()
    model = GridGovernanceModel(params, seed=seed)
    model.run(days)
    result = RunResult(
        scenario=scenario, seed=seed, days=days,
        overrides={k: params[k] for k in overrides},  # as typed values, not raw text
        policies=[p.to_dict() for p in policies], params=params, summary=summarise(model),
        timeseries=model.timeseries(), cases=model.case_log(),
        wall_seconds=time.perf_counter() - t0,
        stream_seeds={name: {"entropy": s.entropy, "spawn_key": list(s.spawn_key)}
                      for name, s in model.streams.seeds.items()},
    )
    model.release()
    return result


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
