"""Will it fit? The resident estimate against the worlds actually built; the memory
estimate against measured peaks, days included; the checks for one model, a city's
districts and a sweep (lowering the workers, or refusing with --force named); the disk
estimate; the memory and cores a container allows (faked cgroup files); a Dask cluster's
workers (a faked client)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import GridGovernanceModel, load_scenario
from simulation.districts import district_count
from simulation.footprint import TooBig, expected_residents, model_bytes
from simulation.running.memory import (
    PROCESS_BYTES,
    Fit,
    check_cluster,
    check_memory,
    cluster_memory,
    district_bytes,
    merged_bytes,
    needed_bytes,
    run_bytes,
)
from simulation.support.machine import available_bytes, cgroup_room, free_disk_bytes, usable_cores
from simulation.sweeps.experiment import load_experiment
from simulation.sweeps.needs import NoRoom, SweepNeeds, check_disk, fit_sweep, sweep_needs


@pytest.mark.parametrize("scenario, overrides", [
    ("baseline", {}),
    ("wenheng", {}),
    ("jinan", {"world.scale": 0.01, "world.district": 3}),
])
def test_the_estimate_is_close_to_the_world_built(scenario: str, overrides: dict) -> None:
    params = load_scenario(scenario, overrides)
    built = GridGovernanceModel(params, seed=1).world.n_residents
    assert expected_residents(params) == pytest.approx(built, rel=0.15)


@pytest.mark.parametrize("scenario, overrides, days, measured", [
    ("baseline", {}, 365, 258.6e6),
    ("baseline", {}, 3650, 606.2e6),
    ("baseline", {}, 10950, 1375.1e6),
    ("baseline", {"world.streets_per_district": 10}, 1095, 1399.5e6),
    ("jinan", {"world.district": 0}, 365, 2173.7e6),
])
def test_a_run_s_memory_follows_its_residents_and_days(scenario: str, overrides: dict,
                                                       days: int, measured: float) -> None:
    """Peak resident memory of a fresh process running one model, measured 2026-12-03
    (runner.run_model, seed 1): the estimate is at most 10% below it, and at most 20%
    above (the resident estimate alone is off by up to 15%; the margin adds 10%)."""
    estimate = PROCESS_BYTES + model_bytes(load_scenario(scenario, overrides), days)
    assert measured * 0.9 <= estimate <= measured * 1.2


def test_one_model_needs_the_whole_city_and_partitions_the_largest_districts() -> None:
    city = load_scenario("jinan")
    n = district_count(city)
    whole = needed_bytes(city, partitioned=False, workers=1, days=365)
    assert whole == model_bytes(city, 365)
    assert model_bytes(city, 3650) > 5 * whole  # ten years keep ten years of issues
    sizes = [needed_bytes(city, True, w, 365) for w in range(1, n + 2)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[1]  # more workers, more at once
    assert sizes[n - 1] == sizes[n] > whole  # all at once: every district and its process
    assert sizes[0] < whole / 5  # Licheng, the largest, is about an eighth of Jinan
    assert district_bytes(city, 365)[0] == pytest.approx(
        model_bytes(city.with_values({"world.district": 0}), 365))


def test_the_check_refuses_only_what_does_not_fit() -> None:
    city = load_scenario("jinan")
    whole = needed_bytes(city, False, 1, 365)
    assert check_memory(city, False, 1, 365, available=whole) == Fit(1)
    with pytest.raises(TooBig, match=r"one model of ~9\.\d M residents for 365 days needs "
                       r".*drop --no-partition.*--force"):
        check_memory(city, False, 1, 365, available=whole - 1)
    two = needed_bytes(city, True, 2, 365)
    assert check_memory(city, True, 2, 365, available=two) == Fit(2)
    fewer = check_memory(city, True, 2, 365, available=two - 1)  # one at a time fits
    assert fewer.workers == 1 and "2 at once need" in fewer.why
    with pytest.raises(TooBig, match=r"districts at once need .*--force"):
        check_memory(city, True, 2, 365, available=needed_bytes(city, True, 1, 365) - 1)
    # on a Dask cluster only the merged results are this machine's
    assert check_memory(city, True, 2, 365, available=3e9, cluster=True) == Fit(2)


def test_a_one_district_model_is_not_told_to_drop_no_partition() -> None:
    """Issue 14: the advice to drop --no-partition only where partitioning is possible."""
    street = load_scenario("baseline", {"world.communities_per_street": 1000,
                                        "world.streets_per_district": 1000})
    with pytest.raises(TooBig) as refused:
        check_memory(street, False, 1, 365)
    message = str(refused.value)
    assert "no-partition" not in message and "--scale or fewer --days" in message
    assert "--force" in message and "\n" not in message


# --- sweeps -------------------------------------------------------------------------------
def experiment(tmp_path: Path, body: str, days: int = 30, replications: int = 2) -> Path:
    path = tmp_path / "e.toml"
    path.write_text(f"""[experiment]
name = "e"
scenario = "baseline"
days = {days}
replications = {replications}
seed = 1
{body}""")
    return path


def test_a_sweep_is_sized_by_its_largest_world_and_its_runs(tmp_path: Path) -> None:
    exp = load_experiment(experiment(tmp_path, '[factors]\n"world.scale" = [0.5, 2.0]\n'
                                     '[[policies]]\nname = "a"\n[[policies]]\nname = "b"\n'
                                     'set = { "world.streets_per_district" = 3 }\n'))
    needs = sweep_needs(exp, todo=8)
    big = load_scenario("baseline", {"world.scale": 2.0, "world.streets_per_district": 3})
    assert needs.run == pytest.approx(run_bytes(big, 30))
    assert needs.residents == pytest.approx(expected_residents(big))
    assert needs.total == needs.runs == 8 and needs.days == 30
    half = sweep_needs(exp, todo=4)  # a resumed sweep: the done runs' files exist
    cases = sweep_needs(exp, todo=8, keep_cases=True)
    assert half.disk < needs.disk < cases.disk
    assert half.tables == needs.tables  # its tables still cover every run
    assert 8 * 40_000 < needs.disk < 8 * 100_000  # ~45 kB a run measured at 30 days


def test_a_scenario_s_own_inputs_that_set_the_world_count(tmp_path: Path) -> None:
    """mmc derives its grids from mmc.grids: the design's worlds are resolved by it."""
    path = tmp_path / "m.toml"
    path.write_text('[experiment]\nname = "m"\nscenario = "mmc"\ndays = 30\n'
                    'replications = 1\nseed = 1\n[factors]\n"mmc.grids" = [1, 8]\n')
    needs = sweep_needs(load_experiment(path), todo=2)
    assert needs.run == pytest.approx(run_bytes(load_scenario("mmc", {"mmc.grids": 8}), 30))
    assert needs.run > run_bytes(load_scenario("mmc", {"mmc.grids": 1}), 30)


def test_a_sweep_of_cities_needs_its_largest_district_per_worker_and_joins_here(
        tmp_path: Path) -> None:
    """Each district is a task: a worker holds the largest district; the sweep's process
    holds the districts' results of the city runs being joined (at most workers + 1)."""
    path = tmp_path / "c.toml"
    path.write_text('[experiment]\nname = "c"\nscenario = "jinan"\ndays = 365\n'
                    'replications = 4\nseed = 1\n[fixed]\n"world.scale" = 0.05\n')
    needs = sweep_needs(load_experiment(path), todo=4)
    jinan = load_scenario("jinan", {"world.scale": 0.05})
    assert needs.run == pytest.approx(district_bytes(jinan, 365)[0])
    assert needs.by_district and needs.residents == max(
        expected_residents({**jinan, "world.district": d}) for d in range(13))
    with pytest.raises(TooBig, match=r"^the largest district of a run of this design"):
        fit_sweep(needs, workers=2, available=needs.own(2) + needs.run / 2)
    assert needs.merging == pytest.approx(merged_bytes(jinan, 365)) and needs.merging > 0
    assert needs.own(1) == pytest.approx(needs.design + 2 * needs.merging)
    assert needs.own(8) == pytest.approx(needs.design + 4 * needs.merging)  # 4 runs at most
    baseline = sweep_needs(load_experiment(experiment(tmp_path, "")), todo=2)
    assert baseline.merging == 0 and baseline.own(2) == baseline.design
    assert not baseline.by_district


def test_a_sweep_lowers_its_workers_then_refuses(tmp_path: Path) -> None:
    needs = SweepNeeds(runs=100, total=100, days=365, run=1e9, residents=5e5, design=1e6, disk=0.0,
                       tables=2e7)
    each = needs.run + PROCESS_BYTES
    assert fit_sweep(needs, 8, available=needs.design + 8 * each) == Fit(8)
    three = fit_sweep(needs, 8, available=needs.design + 3.5 * each)
    assert three.workers == 3 and "each run needs" in three.why
    assert fit_sweep(needs, 8, available=needs.design + needs.run).workers == 1  # in process
    with pytest.raises(TooBig, match=r"one run of this design .* needs ~.*--force"):
        fit_sweep(needs, 8, available=needs.design + needs.run - 1)
    with pytest.raises(TooBig, match=r"the sweep itself needs .* 100 runs of 365 days.*--force"):
        fit_sweep(needs, 8, available=needs.tables - 1)
    assert fit_sweep(needs, 8, available=needs.tables, cluster=True) == Fit(8)
    few = SweepNeeds(runs=2, total=100, days=365, run=1e9, residents=5e5, design=1e6, disk=0.0,
                     tables=2e7)  # two runs left: two workers are all it can use
    assert fit_sweep(few, 8, available=few.design + 2 * each) == Fit(8)


def test_the_disk_guard(tmp_path: Path) -> None:
    check_disk(1e6, tmp_path, free=1e6)
    with pytest.raises(NoRoom, match=r"results need ~1\.0 GiB .* 512 MiB free there.*--force"):
        check_disk(2**30, tmp_path / "new" / "out", free=2**29)
    assert free_disk_bytes(tmp_path / "not" / "yet") == free_disk_bytes(tmp_path) > 0


# --- resources ----------------------------------------------------------------------------
def fake_cgroup(tmp_path: Path, membership: str, files: dict[str, str]) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    proc = tmp_path / "proc_cgroup"
    proc.write_text(membership)
    return root, proc


def test_a_container_s_memory_limit_is_read(tmp_path: Path) -> None:
    gib = 2**30
    # cgroup v2: the tightest of the process's cgroup and those above it, page cache
    # that can be dropped not counted as used
    root, proc = fake_cgroup(tmp_path / "v2", "0::/box/job\n", {
        "box/job/memory.max": f"{4 * gib}\n", "box/job/memory.current": f"{gib}\n",
        "box/job/memory.stat": f"anon 1\ninactive_file {gib // 2}\n",
        "box/memory.max": "max\n", "box/memory.current": f"{gib}\n"})
    assert cgroup_room(root, proc) == 4 * gib - gib // 2
    (root / "box/memory.max").write_text(f"{2 * gib}\n")
    assert cgroup_room(root, proc) == gib
    # cgroup v1, under the memory controller's own mount; "no limit" is 2^63 - 4096
    root, proc = fake_cgroup(tmp_path / "v1", "9:pids:/x\n4:memory:/x\n0::/\n", {
        "memory/x/memory.limit_in_bytes": f"{3 * gib}\n",
        "memory/x/memory.usage_in_bytes": f"{gib}\n",
        "memory/memory.limit_in_bytes": "9223372036854771712\n"})
    assert cgroup_room(root, proc) == 2 * gib
    (root / "memory/x/memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert cgroup_room(root, proc) is None
    assert cgroup_room(root, tmp_path / "missing") is None


def test_available_memory_is_the_lower_of_machine_and_container(monkeypatch) -> None:
    import simulation.support.machine as machine

    have = available_bytes()
    monkeypatch.setattr(machine, "cgroup_room", lambda: 2**30)
    assert available_bytes() == min(have, 2**30)
    monkeypatch.setattr(machine, "cgroup_room", lambda: None)
    assert available_bytes() > 0


def test_a_cpu_quota_caps_the_cores(tmp_path: Path) -> None:
    mine = usable_cores(tmp_path / "none", tmp_path / "none")  # affinity alone
    root, proc = fake_cgroup(tmp_path / "v2", "0::/job\n", {"job/cpu.max": "150000 100000\n"})
    assert usable_cores(root, proc) == min(mine, 2)  # 1.5 cores: two workers use them
    (root / "job/cpu.max").write_text("max 100000\n")
    assert usable_cores(root, proc) == mine
    root, proc = fake_cgroup(tmp_path / "v1", "3:cpu,cpuacct:/job\n", {
        "cpu,cpuacct/job/cpu.cfs_quota_us": "100000\n",
        "cpu,cpuacct/job/cpu.cfs_period_us": "100000\n"})
    assert usable_cores(root, proc) == 1


def test_a_dask_cluster_s_workers_are_checked() -> None:
    class Client:
        def scheduler_info(self) -> dict:
            return {"workers": {"a": {"memory_limit": 8 * 2**30, "nthreads": 2},
                                "b": {"memory_limit": 4 * 2**30, "nthreads": 2},
                                "c": {"memory_limit": 0, "nthreads": 1}}}

    class Gone:
        def scheduler_info(self) -> dict:
            raise OSError("no scheduler")

    workers = cluster_memory(Client())
    assert workers == [(8 * 2**30, 2), (4 * 2**30, 2)] and cluster_memory(Gone()) == []
    assert check_cluster(1e9, workers) == ""
    assert "1 of the cluster's 2 Dask workers" in check_cluster(2.5e9, workers)
    with pytest.raises(TooBig, match=r"more than any Dask worker's memory.*--force"):
        check_cluster(8e9, workers)
    assert check_cluster(8e9, []) == ""  # nothing known: no refusal


def test_a_sweep_s_tables_are_streamed_so_its_days_barely_count(tmp_path: Path) -> None:
    """sweep.assemble streams every run's daily series: issue 14's 10^6 runs of 30 days need
    ~4 GB at the end (its run list and runs table), not 36 GB, and a year a run adds
    little (only each row group's metadata stays)."""
    month = sweep_needs(load_experiment(experiment(tmp_path, "", replications=10**6)), 10**6)
    year = sweep_needs(load_experiment(experiment(tmp_path, "", days=365,
                                                  replications=10**6)), 10**6)
    assert month.total == year.total == 10**6
    assert 3e9 < month.tables < 5e9
    assert month.tables < year.tables < 1.01 * month.tables
