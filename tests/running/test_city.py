"""City runs partitioned by district: layouts, scale, seeds, merging, executors."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import GridGovernanceModel, load_scenario
from simulation.districts import (
    JINAN,
    JINAN_BASIC_GRIDS,
    JINAN_COMMUNITIES,
    JINAN_DEDICATED_GRIDS,
    JINAN_STREETS,
    apportion,
    plans,
)
from simulation.faces.cli import main
from simulation.measures.outcomes import summarise
from simulation.measures.tally import Tally
from simulation.parameters import ParameterError
from simulation.running.city import district_seeds, run_partitioned
from simulation.running.executors import open_backend

TINY_CITY = {"world.scale": 0.004}  # Jinan's 13 districts, ~50 grids, ~36,000 residents
DAYS = 60


def city(scenario: str, days: int, seed: int, overrides: dict | None = None, backend=None):
    """A partitioned run of ``scenario`` with ``overrides``."""
    return run_partitioned(load_scenario(scenario, overrides), seed=seed, days=days,
                           backend=backend)


def same_summary(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k]))
        for k in a)


@pytest.fixture(scope="module")
def inline_city():
    return city("jinan", DAYS, 5, TINY_CITY)


# ------------------------------------------------------------------------------- layouts
def test_jinan_layout_keeps_the_published_totals():
    assert sum(d.basic_grids for d in JINAN) == JINAN_BASIC_GRIDS == 12_584
    assert sum(d.dedicated_grids for d in JINAN) == JINAN_DEDICATED_GRIDS == 3_875
    assert sum(d.streets for d in JINAN) == JINAN_STREETS
    assert sum(d.communities for d in JINAN) == JINAN_COMMUNITIES
    assert sum(d.residents for d in JINAN) == 9_202_432  # 2020 census
    shizhong = next(d for d in JINAN if d.name == "Shizhong")
    assert (shizhong.basic_grids, shizhong.dedicated_grids) == (939, 218)  # published
    licheng = next(d for d in JINAN if d.name == "Licheng")
    assert licheng.residents == 1_112_000 and JINAN[0] is licheng  # largest first


@settings(max_examples=200, deadline=None)
@given(total=st.integers(0, 100_000), weights=st.lists(st.floats(0.01, 1e6), min_size=1,
                                                       max_size=20),
       minimum=st.integers(0, 3))
def test_apportion_sums_to_the_total_within_one_of_each_quota(total, weights, minimum):
    n = len(weights)
    if total < minimum * n:
        with pytest.raises(ValueError):
            apportion(total, np.array(weights), minimum)
        return
    parts = apportion(total, np.array(weights), minimum)
    assert parts.sum() == total and (parts >= minimum).all()
    quota = (total - minimum * n) * np.array(weights) / np.sum(weights)
    assert np.all(np.abs(parts - minimum - quota) < 1.0 + 1e-9)


def test_a_scaled_jinan_world_has_its_plans_grids():
    params = load_scenario("jinan", {"world.scale": 0.01})
    model = GridGovernanceModel(params, seed=1, whole_city=True)
    w = model.world
    district = w.street_district[w.community_street[w.grid_community]]
    for d, plan in enumerate(plans(params)):
        mine = district == d
        assert (mine & ~w.grid_dedicated).sum() == plan.basic_grids
        assert (mine & w.grid_dedicated).sum() == plan.dedicated_grids
        assert (w.street_district == d).sum() == plan.streets
        assert (w.street_district[w.community_street] == d).sum() == plan.communities
    households = w.grid_households[~w.grid_dedicated]
    assert households.min() >= params["world.households_per_grid_min"]
    assert households.max() <= params["world.households_per_grid_max"]
    # a full-time and a part-time worker per basic grid on average, one per dedicated grid
    basic, dedicated = (~w.grid_dedicated).sum(), w.grid_dedicated.sum()
    workers = model.grid_workers
    assert abs(len(workers) - (2 * basic + dedicated)) <= 0.05 * len(workers)
    part = sum(gw.part_time for gw in workers)
    assert abs(part - (basic + dedicated)) <= 1 + 0.05 * part
    model.release()


def test_scale_shrinks_the_uniform_layout_down_to_one_community():
    full = plans(load_scenario("baseline"))[0]
    assert (full.streets, full.communities, full.grid_factor) == (1, 5, 1.0)
    fifth = plans(load_scenario("baseline", {"world.scale": 0.2}))[0]
    assert (fifth.communities, fifth.grid_factor) == (1, 1.0)
    tenth = GridGovernanceModel(load_scenario("baseline", {"world.scale": 0.1}), seed=1)
    # half of one community: 2-4 basic grids instead of 4-8
    assert 2 <= (~tenth.world.grid_dedicated).sum() <= 4
    tenth.release()
    double = plans(load_scenario("baseline", {"world.scale": 2.0}))[0]
    assert (double.streets, double.communities) == (2, 10)


def test_world_district_out_of_range_is_one_clear_error():
    with pytest.raises(ParameterError, match=r"world.district: 13 is out of range; the jinan "
                                             r"layout has districts 0 to 12"):
        load_scenario("jinan", {"world.district": 13})


def test_one_district_is_a_world_of_its_own():
    params = load_scenario("jinan", {**TINY_CITY, "world.district": 2})
    model = GridGovernanceModel(params, seed=3)
    assert model.world.n_grids == plans(params)[0].basic_grids + plans(params)[0].dedicated_grids
    # the city-level desks hold the district's share: case_staff x its street offices
    streets = len(model.world.street_district)
    assert len(model.points.department.servers) == params["department.case_staff"] * streets
    model.release()


# --------------------------------------------------------------------------------- seeds
def test_district_seeds_are_spawned_from_the_run_seed():
    a = district_seeds(7, 13)
    assert a == district_seeds(7, 13) and len(set(a)) == 13
    assert a[:5] == district_seeds(7, 5)  # spawning is prefix-stable
    assert set(a).isdisjoint(district_seeds(8, 13))
    assert all(0 <= s < 2**63 for s in a)


# --------------------------------------------------------------------------------- merging
def test_each_district_of_a_partitioned_run_is_its_own_model(inline_city):
    """The city's tally is the districts' tallies joined in order: district k's part is
    exactly the model of district k alone with its spawned seed."""
    seeds = district_seeds(5, len(JINAN))
    parts = []
    for d in range(len(JINAN)):
        params = load_scenario("jinan", {**TINY_CITY, "world.district": d})
        model = GridGovernanceModel(params, seed=seeds[d]).run(DAYS)
        parts.append(model.tally())
        model.release()
    assert same_summary(summarise(Tally.merge(parts), inline_city.timeseries), inline_city.summary)
    table = inline_city.districts
    assert table.seed.tolist() == seeds
    assert table.residents.tolist() == [t.residents for t in parts]
    assert table.issues.tolist() == [len(t.state) for t in parts]


def test_merged_summary_adds_counts_and_weights_means(inline_city):
    s, t = inline_city.summary, inline_city.districts
    assert s["residents"] == t.residents.sum() and s["issues_arisen"] == t.issues.sum()
    assert s["issues_arisen"] == (s["issues_resolved"] + s["issues_abandoned"]
                                  + s["issues_open"] + s["issues_never_known"])
    ts = inline_city.timeseries
    assert len(ts) == DAYS + 1 and ts.day.tolist() == list(range(DAYS + 1))
    last = ts.iloc[-1]
    assert last.arisen == s["issues_arisen"] and last.resolved == s["issues_resolved"]
    assert last.mean_trust == pytest.approx(s["mean_trust"], rel=1e-12)
    assert ts.mean_trust.iloc[0] == pytest.approx(s["trust_start"], rel=1e-12)
    assert last.active_volunteer_share == pytest.approx(s["active_volunteer_share"], rel=1e-12)
    assert (ts.arisen == ts.hidden_issues + ts.open_issues + ts.resolved + ts.abandoned).all()


def test_partitioned_run_is_identical_on_processes_and_dask(inline_city):
    from dask.distributed import LocalCluster

    with open_backend(workers=2) as backend:
        assert backend.kind == "processes"
        procs = city("jinan", DAYS, 5, TINY_CITY, backend=backend)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, \
            open_backend(scheduler=cluster.scheduler_address) as backend:
        assert backend.kind == "dask"
        dask = city("jinan", DAYS, 5, TINY_CITY, backend=backend)
    for other in (procs, dask):
        assert same_summary(other.summary, inline_city.summary)
        pd.testing.assert_frame_equal(other.timeseries, inline_city.timeseries)
        assert other.districts.seed.tolist() == inline_city.districts.seed.tolist()


# ------------------------------------------------------------------------------------- CLI
def test_cli_runs_a_city_by_district_and_writes_its_parts(capsys, tmp_path: Path):
    out = tmp_path / "city"
    code = main(["run", "jinan", "--scale", "0.004", "--days", "30", "--seed", "2",
                 "--workers", "1", "--out", str(out)])
    text, err = capsys.readouterr()
    assert code == 0, err
    assert "13 districts" in err and "[13/13]" in err  # plain progress off a terminal
    districts = pd.read_csv(out / "districts.csv")
    assert len(districts) == 13
    cases = pd.read_parquet(out / "cases")
    assert len(cases) == districts.issues.sum()
    assert set(cases.district) == set(districts.name)
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["residents"] == districts.residents.sum()
    assert summary["stream_seeds"]["partition"]["districts"] == districts.seed.tolist()
    assert f"{summary['metrics']['residents']:,} residents" in text


@pytest.mark.parametrize("args, message", [
    (["run", "jinan", "--scale", "0"], "--scale: 0.0 is out of range"),
    (["run", "jinan", "--scale", "x"], "--scale"),
    (["run", "jinan", "--scale", "0.1", "--set", "world.scale=0.2"], "either --scale"),
    (["run", "baseline", "--workers", "2"], "one model"),
    (["run", "jinan", "--no-partition", "--scheduler", "tcp://x:1"], "one model"),
    (["run", "jinan", "--set", "world.district=20"], "world.district: 20 is out of range"),
    (["run", "jinan", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
    (["run", "jinan", "--scale", "10", "--workers", "64"], "districts at once need"),
])
def test_cli_bad_city_options_are_one_line_errors(capsys, args, message):
    code = main(args)
    _, err = capsys.readouterr()
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------------------ agreement
# Four districts of one street office of two communities (~41,000 residents): partitioned,
# each district has its own desk of the city departments (9 officers); unpartitioned, one
# pool of 36 serves the city.
CITY4 = {"world.districts": 4, "world.communities_per_street": 2}
AGREE_METRICS = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
                 "mean_resolution_days", "median_resolution_days",
                 "mean_days_known_to_resolved", "share_within_5_working_days",
                 "share_known_resolved", "escalation_rate", "mean_trust",
                 "active_volunteer_share", "mean_wait_days")
REPS = 6
Z_MAX = 4.0  # |difference of means| / its standard error, from the replication spread


def _z_scores(a: list[dict], b: list[dict]) -> dict[str, float]:
    out = {}
    for k in AGREE_METRICS:
        x, y = np.array([r[k] for r in a]), np.array([r[k] for r in b])
        se = math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        out[k] = (x.mean() - y.mean()) / se
    return out


@pytest.fixture(scope="module")
def unpartitioned_city4() -> list[dict]:

    out = []
    for r in range(REPS):
        model = GridGovernanceModel(load_scenario("baseline", CITY4), seed=200 + r,
                                    whole_city=True).run(365)
        out.append(summarise(model.tally(), model.timeseries()))
        model.release()
    return out


def test_partitioned_and_unpartitioned_runs_agree_within_replication_noise(
        unpartitioned_city4):
    part = [city("baseline", 365, 100 + r, CITY4).summary
            for r in range(REPS)]
    assert part[0]["residents"] > 35_000 and part[0]["issues_arisen"] > 20_000
    z = _z_scores(part, unpartitioned_city4)
    assert all(abs(v) < Z_MAX for v in z.values()), z


def test_the_agreement_check_detects_a_real_difference(unpartitioned_city4):
    """The same check at the same replications flags half the grid workers (it can fail)."""
    fewer = {**CITY4, "staffing.households_per_worker": 800.0}
    part = [city("baseline", 365, 100 + r, fewer).summary
            for r in range(REPS)]
    z = _z_scores(part, unpartitioned_city4)
    assert z["mean_resolution_days"] > Z_MAX and z["mean_wait_days"] > Z_MAX


# ----------------------------------------------------------------------------------- sweep
def test_a_sweep_runs_each_city_partitioned_like_gridgov_run(tmp_path: Path):
    """Each run of a city in a sweep is partitioned by district inside its worker (one
    district in memory at a time) and gives what run_partitioned gives for its seed."""
    from simulation.sweeps.engine import run_sweep
    from simulation.sweeps.experiment import load_experiment

    f = tmp_path / "city.toml"
    f.write_text('[experiment]\nname = "city"\nscenario = "jinan"\ndays = 20\n'
                 'replications = 2\nseed = 4\n[fixed]\n"world.scale" = 0.004\n')
    experiment = load_experiment(f)
    table = run_sweep(experiment, tmp_path / "out", workers=1, keep_cases=True)
    assert (table.status == "ok").all()
    for run in experiment.runs():
        expected = city("jinan", 20, run.seed, run.overrides).summary
        row = table.set_index("run_id").loc[run.run_id]
        assert row.issues_arisen == expected["issues_arisen"]
        assert row.mean_trust == pytest.approx(expected["mean_trust"], rel=1e-12)
        grids = pd.read_parquet(tmp_path / "out" / "grids" / f"{run.run_id}.parquet")
        assert len(grids) == expected["grids"] and grids.grid.is_unique
        assert grids.district.nunique() == 13 and grids.street.nunique() == 13
        cases = pd.read_parquet(tmp_path / "out" / "cases" / f"{run.run_id}.parquet")
        assert len(cases) == expected["issues_arisen"] and cases.district.nunique() == 13


def test_city_case_parts_share_one_schema_even_for_a_district_without_issues(capsys,
                                                                              tmp_path):
    # mmc's issues arrive slowly: over 5 days some of 4 districts have none
    out = tmp_path / "mmc"
    code = main(["run", "mmc", "--days", "5", "--set", "world.districts=4", "--set",
                 "mmc.arrivals_per_day=0.1", "--workers", "1", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    districts = pd.read_csv(out / "districts.csv")
    assert (districts.issues == 0).any()
    assert len(pd.read_parquet(out / "cases")) == districts.issues.sum()


def test_rerun_into_the_same_folder_leaves_no_stale_parts(capsys, tmp_path):
    out = tmp_path / "o"
    assert main(["run", "baseline", "--days", "5", "--set", "world.districts=3",
                 "--set", "world.communities_per_street=1", "--out", str(out),
                 "--workers", "1"]) == 0
    assert sorted(p.name for p in (out / "cases").iterdir()) == [
        "00.parquet", "01.parquet", "02.parquet"]
    assert main(["run", "baseline", "--days", "5", "--set", "world.districts=2",
                 "--set", "world.communities_per_street=1", "--out", str(out),
                 "--workers", "1"]) == 0
    assert sorted(p.name for p in (out / "cases").iterdir()) == ["00.parquet", "01.parquet"]
    assert main(["run", "baseline", "--days", "5", "--set", "world.communities_per_street=1",
                 "--out", str(out)]) == 0
    assert not (out / "cases").exists() and not (out / "districts.csv").exists()
    assert (out / "cases.csv").exists()
    capsys.readouterr()


def test_a_failed_district_leaves_no_partial_case_log(capsys, tmp_path, monkeypatch):
    from simulation.running import city

    real = city.run_district

    def fail_district_1(task):
        if task.district == 1:
            return city.DistrictOutcome(1, task.seed, "ValueError: boom\nTraceback...")
        return real(task)

    monkeypatch.setattr(city, "run_district", fail_district_1)
    out = tmp_path / "f"
    code = main(["run", "baseline", "--days", "5", "--set", "world.districts=3",
                 "--set", "world.communities_per_street=1", "--workers", "1",
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "district 1 (district 1) failed: ValueError: boom" in err
    assert "traceback: " in err and (out / f"gridgov-error-{os.getpid()}.txt").exists()
    assert not (out / "cases").exists() and not (out / ".cases.partial").exists()
    assert not (out / "summary.json").exists()
