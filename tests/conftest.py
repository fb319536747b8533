"""Shared fixtures: small worlds that run in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import GridGovernanceModel, load_scenario

# A street office of two small communities: fast, but with every mechanism present.
SMALL = {
    "world.communities_per_street": 2,
    "world.grids_per_community_min": 2,
    "world.grids_per_community_max": 3,
    "world.households_per_grid_min": 120,
    "world.households_per_grid_max": 160,
    "staffing.households_per_worker": 140.0,
}

# The same kind of world as the [fixed] table of an experiment file (tiny sweeps).
SMALL_FIXED_TOML = """
[fixed]
"world.communities_per_street" = 1
"world.grids_per_community_min" = 2
"world.grids_per_community_max" = 2
"world.households_per_grid_min" = 80
"world.households_per_grid_max" = 100
"staffing.households_per_worker" = 90.0
"""


DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.toml"  # 2 design points x 2 policies x 3 replications of 40 days


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    """``text`` written to ``tmp_path/name`` (an experiment file for a test)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def header(name: str = "t", days: int = 30, reps: int = 2, seed: int = 1,
           scenario: str = "baseline") -> str:
    """An [experiment] table."""
    return (f'[experiment]\nname = "{name}"\nscenario = "{scenario}"\ndays = {days}\n'
            f"replications = {reps}\nseed = {seed}\n")


def small_model(seed: int = 1, scenario: str = "baseline", days: int = 0,
                **overrides: object) -> GridGovernanceModel:
    """A small model (SMALL + ``overrides``), run ``days`` days."""
    model = GridGovernanceModel(load_scenario(scenario, {**SMALL, **overrides}), seed=seed)
    if days:
        model.run(days)
    return model


@pytest.fixture(scope="module")
def small_year() -> GridGovernanceModel:
    """One small baseline model run for a year (shared by read-only tests)."""
    return small_model(seed=3, days=365)


@pytest.fixture(scope="session")
def tiny_sweep(tmp_path_factory) -> Path:
    """A finished sweep of TINY with its case logs (12 runs; read-only: copy it first)."""
    from simulation.sweeps.engine import run_sweep
    from simulation.sweeps.experiment import load_experiment

    out = tmp_path_factory.mktemp("tiny-sweep") / "sweep"
    run_sweep(load_experiment(TINY), out, workers=1, keep_cases=True)
    return out
