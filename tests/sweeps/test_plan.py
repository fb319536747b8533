"""One sweep plan for both faces: the command line and the Python API plan a sweep the same
way (simulation/sweeps/plan.py), read each run record once on resume, and say the same
notices (printed by the CLI, Python warnings in the API), a Dask cluster's memory included;
one city-aware run (simulation/running/city.py) for ``gridgov run``, ``run_scenario``, sweeps
and ``GridGovernanceModel``."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY, header, write

import simulation
from simulation import GridGovernanceModel, load_scenario, run_scenario
from simulation.faces.cli import main
from simulation.footprint import TooBig
from simulation.sweeps import records
from simulation.sweeps.experiment import load_experiment
from simulation.sweeps.plan import overloaded_notice, plan_sweep

CITY = {"world.scale": 0.005}  # Jinan's 13 districts, a few grids each


def test_a_resumed_sweep_reads_each_run_record_once(tiny_sweep, tmp_path: Path,
                                                    monkeypatch) -> None:
    out = tmp_path / "sweep"
    shutil.copytree(tiny_sweep, out)
    for gone in sorted((out / "runs").glob("*.json"))[:3]:  # three runs to do again
        gone.unlink()
    reads: list[str] = []
    real = records.read_record

    def counted(path: Path) -> dict:
        reads.append(path.name)
        return real(path)

    monkeypatch.setattr(records, "read_record", counted)
    table = simulation.run_sweep(load_experiment(TINY), out=out, workers=1, resume=True,
                                 keep_cases=True, report=False).runs
    assert (table.status == "ok").all() and len(table) == 12
    assert sorted(reads) == sorted(p.name for p in (tiny_sweep / "runs").glob("*.json"))[3:]
    pd.testing.assert_frame_equal(
        table.drop(columns="wall_seconds"),
        pd.read_parquet(tiny_sweep / "runs.parquet").drop(columns="wall_seconds"))


def test_the_api_gives_the_command_line_s_notices_as_warnings(tmp_path: Path,
                                                             capsys) -> None:
    """An overloaded arm: the same line, printed or warned."""
    text = header(days=20, reps=2) + ('[fixed]\n"world.communities_per_street" = 1\n'
                                      '"world.grids_per_community_min" = 2\n'
                                      '"world.grids_per_community_max" = 2\n\n'
                                      '[[policies]]\nname = "status_quo"\n'
                                      '[[policies]]\nname = "thin"\n'
                                      'set = { "department.case_staff" = 1, '
                                      '"staffing.households_per_worker" = 2000.0 }\n')
    path = write(tmp_path, text)
    assert main(["sweep", str(path), "--out", str(tmp_path / "cli"), "--workers", "1",
                 "--no-report"]) == 0
    printed = [line.removeprefix("gridgov: warning: ")
               for line in capsys.readouterr().err.splitlines()
               if line.startswith("gridgov: warning: ")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = simulation.run_sweep(path, out=tmp_path / "api", workers=1, report=False)
    warned = [str(w.message) for w in caught if "overloaded" in str(w.message)]
    assert printed == warned == [overloaded_notice(result.runs)]
    assert "thin" in warned[0] and "status_quo" not in warned[0]


def test_the_api_checks_a_dask_cluster_s_memory(tmp_path: Path, monkeypatch) -> None:
    """Workers that cannot hold a run on each of their threads: the CLI's warning; a
    cluster whose workers cannot hold one run at all: TooBig before any run. (The workers'
    memory limits, as the scheduler reports them, are faked: a real limit below this test
    process's own memory would pause an in-process worker.)"""
    from dask.distributed import LocalCluster

    from simulation.running import memory

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        monkeypatch.setattr(memory, "cluster_memory", lambda client: [(220e6, 64)])  # bytes
        with pytest.warns(UserWarning, match="cannot hold a run .* on each of their threads"):
            simulation.run_sweep(TINY, out=tmp_path / "ok",
                                 scheduler=cluster.scheduler_address, report=False)
        monkeypatch.setattr(memory, "cluster_memory", lambda client: [(200e6, 1)])
        with pytest.raises(TooBig, match="more than any Dask worker's memory"):
            simulation.run_sweep(TINY, out=tmp_path / "small",
                                 scheduler=cluster.scheduler_address, report=False)
    assert not (tmp_path / "small").exists()  # nothing written


def test_the_plan_refuses_a_folder_before_anything_is_written(tmp_path: Path) -> None:
    e = load_experiment(TINY)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(simulation.sweeps.folder.SweepError, match="is a file"):
        plan_sweep(e, tmp_path / "afile")
    plan = plan_sweep(e, tmp_path / "new", workers=1)
    assert (plan.done, len(plan.todo), len(plan.runs)) == (0, 12, 12)
    assert not (tmp_path / "new").exists()


def test_run_scenario_on_a_city_partitions_it_as_gridgov_run_does(tmp_path: Path) -> None:
    """The same files, byte for byte (the case log aside: gridgov run --out writes a city's
    per district; run_scenario keeps none)."""
    result = run_scenario("jinan", days=30, seed=2, overrides=CITY)
    assert result.districts is not None and len(result.districts) == 13
    assert result.cases is None
    result.write(tmp_path / "api")
    assert main(["run", "jinan", "--days", "30", "--seed", "2", "--scale", "0.005",
                 "--workers", "1", "--out", str(tmp_path / "cli")]) == 0
    for name in ("summary.json", "parameters.json", "timeseries.csv", "loads.csv"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    api, cli = (pd.read_csv(tmp_path / d / "districts.csv") for d in ("api", "cli"))
    times = ["build_seconds", "run_seconds", "worker_peak_rss_mib"]
    pd.testing.assert_frame_equal(api.drop(columns=times), cli.drop(columns=times))


def test_a_city_built_as_one_model_is_guarded_and_warned_about_once(monkeypatch) -> None:
    params = load_scenario("jinan", CITY)
    with pytest.warns(UserWarning, match="city of 13 districts .* partition it by district"):
        GridGovernanceModel(params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GridGovernanceModel(params, whole_city=True)  # meant: no warning
        GridGovernanceModel(load_scenario("jinan", {**CITY, "world.district": 3}))  # one
    import simulation.support.machine as machine

    monkeypatch.setattr(machine, "available_bytes", lambda: 2**20)
    with pytest.raises(TooBig, match="run it partitioned by district"):
        GridGovernanceModel(params)
