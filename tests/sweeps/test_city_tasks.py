"""A sweep of city runs: each district is a task of its own, joined into its run as the
last arrives; the same results whatever the workers, and a failed district fails its run
only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulation.running import city
from simulation.running.progress import NoProgress
from simulation.scenarios import load_scenario
from simulation.sweeps.engine import run_sweep
from simulation.sweeps.experiment import load_experiment

# mmc cut into 3 districts: a city of 3 small districts, 2 policies x 2 replications
CITY = """[experiment]
name = "cities"
scenario = "mmc"
days = 40
replications = 2
seed = 11

[fixed]
"world.districts" = 3

[[policies]]
name = "status_quo"

[[policies]]
name = "platform"
levers = ["digital_platform"]
"""


class Parts(NoProgress):
    """Records the districts and runs a sweep reports."""

    def __init__(self, total: int) -> None:
        super().__init__(total)
        self.parts: list[str] = []
        self.runs: list[str] = []

    def part(self, label: str, note: str = "") -> None:
        self.parts.append(label)

    def done(self, label: str, note: str = "", ok: bool = True, task: int | None = None) -> None:
        super().done(label, note, ok, task)
        self.runs.append(label)


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["wall_seconds"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def inline(tmp_path_factory) -> tuple[Path, pd.DataFrame, Parts]:
    path = tmp_path_factory.mktemp("cities") / "cities.toml"
    path.write_text(CITY)
    watch = Parts(4)
    table = run_sweep(load_experiment(path), path.parent / "inline", workers=1,
                      keep_cases=True, progress=watch)
    return path, table, watch


def test_each_district_is_reported_and_each_run_joined_once(inline) -> None:
    _, table, watch = inline
    assert (table.status == "ok").all() and len(table) == 4
    assert sorted(watch.runs) == sorted(table.run_id)
    assert sorted(watch.parts) == sorted(f"{r} district {d}" for r in table.run_id
                                         for d in range(3))


def test_a_city_run_of_a_sweep_is_what_run_partitioned_gives(inline) -> None:
    """Joined in the sweep's process, each run is its city's partitioned run, exactly."""
    path, table, _ = inline
    experiment = load_experiment(path)
    for run in experiment.runs():
        record = city.run_partitioned(load_scenario(run.scenario, run.overrides),
                                      seed=run.seed, days=run.days, keep_cases=True,
                                      join_cases=True)
        row = table.set_index("run_id").loc[run.run_id]
        for key, value in record.summary.items():
            assert row[key] == pytest.approx(value, rel=0, abs=0, nan_ok=True), key
        cases = pd.read_parquet(path.parent / "inline" / "cases" / f"{run.run_id}.parquet")
        pd.testing.assert_frame_equal(cases, record.tables["cases"].reset_index(drop=True),
                                      check_dtype=False)


def test_districts_on_two_processes_and_dask_give_identical_results(inline, tmp_path) -> None:
    from dask.distributed import LocalCluster

    path, table, _ = inline
    two = run_sweep(load_experiment(path), tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(comparable(two), comparable(table))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = run_sweep(load_experiment(path), tmp_path / "dask",
                         scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(comparable(dask), comparable(table))


def test_a_failed_district_fails_its_run_only(inline, tmp_path, monkeypatch) -> None:
    path, table, _ = inline
    experiment = load_experiment(path)
    doomed = experiment.runs()[1]
    real = city.run_district

    calls: list[int] = []

    def fail_district_1_of_the_second_run(task):
        calls.append(task.district)
        if len(calls) > 3 and task.district == 1 and len(calls) <= 6:
            return city.DistrictOutcome(1, task.seed, "ValueError: boom\nTraceback...")
        return real(task)

    monkeypatch.setattr(city, "run_district", fail_district_1_of_the_second_run)
    again = run_sweep(experiment, tmp_path / "f", workers=1)
    failed = again[again.status == "failed"]
    assert list(failed.run_id) == [doomed.run_id]
    assert failed.error.iloc[0] == ("RuntimeError: district 1 (district 1) failed: "
                                    "ValueError: boom")
    ok = again[again.status == "ok"].drop(columns="wall_seconds").reset_index(drop=True)
    expected = table[table.run_id != doomed.run_id].drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(ok, expected.reset_index(drop=True), check_dtype=False)
