"""The gridgov command: listings, a run with output files, and every bad-input case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from simulation.faces.cli import main


def run_cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_lists_each_with_a_description(capsys) -> None:
    code, out, _ = run_cli(capsys, "scenarios")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["baseline", "wenheng", "mmc", "jinan"]
    assert all(len(line.split(None, 1)[1]) > 20 for line in out.splitlines())


def test_params_lists_every_key_with_unit_and_source(capsys) -> None:
    from simulation.parameters import PARAMS

    code, out, _ = run_cli(capsys, "params", "mmc", "--brief")
    assert code == 0
    keys = [line.split()[0] for line in out.splitlines()[1:]]
    assert set(keys) == {p.key for p in PARAMS} | {"mmc.arrivals_per_day",
                                                    "mmc.handling_per_day", "mmc.workers",
                                                    "mmc.grids"}
    line = next(x for x in out.splitlines() if x.startswith("world.elderly_share"))
    assert "0.1996" in line and "share" in line and "census" in line
    line = next(x for x in out.splitlines() if x.startswith("issue.water.escalate_grid"))
    assert "mmc: derived" in line


def test_params_shows_each_parameter_s_meaning_and_valid_range(capsys) -> None:
    """Without a scenario: baseline's, a block each (key = value unit, meaning, valid
    range, source), every line within 100 columns."""
    from simulation.scenarios import get_scenario

    code, out, _ = run_cli(capsys, "params")
    assert code == 0 and out.startswith("baseline: ")
    values = get_scenario("baseline").parameters({})
    blocks = {b.splitlines()[0].split(" = ")[0]: b for b in out.split("\n\n")[1:]}
    assert list(blocks) == list(values)
    for key, block in blocks.items():
        flat = " ".join(block.split())
        spec = values.specs[key]
        assert " ".join(spec.doc.split()) in flat
        assert f"valid: {spec.valid_text()}" in flat
        assert "source: " in flat
    block = blocks["staffing.households_per_worker"]
    assert block.splitlines()[0].endswith("households/grid worker")
    assert max(map(len, out.splitlines())) <= 100


def test_run_prints_summary_and_writes_deterministic_outputs(capsys, tmp_path: Path) -> None:
    args = ["run", "mmc", "--days", "60", "--seed", "4", "--set", "mmc.workers=2",
            "--set", "mmc.arrivals_per_day=1.5"]
    code, out, err = run_cli(capsys, *args, "--out", str(tmp_path / "a"))
    assert code == 0, err
    assert "mean_wait_days" in out and "issues_arisen" in out
    assert run_cli(capsys, *args, "--out", str(tmp_path / "b"))[0] == 0
    for name in ("summary.json", "parameters.json", "timeseries.csv", "cases.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["seed"] == 4 and summary["overrides"]["mmc.workers"] == 2
    assert summary["metrics"]["grid_workers"] == 2
    assert set(summary["stream_seeds"]) == {"world", "arrivals", "behaviour", "visits", "mesa",
                                            "shared"}
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert {"mesa", "numpy", "python", "git_commit", "wall_seconds"} <= set(manifest)
    cases = pd.read_csv(tmp_path / "a" / "cases.csv")
    assert len(cases) == summary["metrics"]["issues_arisen"]
    ts = pd.read_csv(tmp_path / "a" / "timeseries.csv")
    assert len(ts) == 61
    params = json.loads((tmp_path / "a" / "parameters.json").read_text())
    assert params["mmc.workers"] == {"value": 2, "source": "override"}
    # no temporary files left behind: only the ownership record is hidden
    assert [p.name for p in (tmp_path / "a").glob(".*")] == [".gridgov-run.json"]


def test_run_with_policy_and_set(capsys, tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "run", "baseline", "--days", "5", "--policy",
                           "party_branch", "--policy", "mobilisation:mode=campaign",
                           "--set", "world.communities_per_street=1",
                           "--set", "policy.mobilisation=party_led", "--out", str(tmp_path))
    assert code == 0, err
    params = json.loads((tmp_path / "parameters.json").read_text())
    assert params["policy.party_branch"] == {"value": True, "source": "policy party_branch"}
    # --set wins over --policy
    assert params["policy.mobilisation"] == {"value": "party_led", "source": "override"}
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["overrides"]["world.communities_per_street"] == 1  # typed, not "1"
    assert summary["policies"] == [{"policy": "party_branch", "enabled": True},
                                   {"policy": "mobilisation", "mode": "campaign"}]


@pytest.mark.parametrize(("args", "needle"), [
    (["run", "nowhere"], "unknown scenario 'nowhere'; choose one of baseline, wenheng, mmc"),
    (["params", "nowhere"], "unknown scenario"),
    (["run", "baseline", "--set", "trust.initial_man=0.5"], "did you mean trust.initial_mean"),
    (["run", "baseline", "--set", "foo=1"], "unknown parameter 'foo'"),
    (["run", "baseline", "--set", "foo"], "must look like KEY=VALUE"),
    (["run", "baseline", "--set", "community.case_staff=-2"], "out of range"),
    (["run", "baseline", "--set", "trust.gain_good=1.5"], "must be a number in [0, 1]"),
    (["run", "baseline", "--set", "staffing.households_per_worker=many"], "is not a number"),
    (["run", "baseline", "--set", "world.districts=1.5"], "is not an integer"),
    (["run", "baseline", "--set", "policy.party_branch=maybe"], "true or false"),
    (["run", "baseline", "--set", "policy.mobilisation=all"], "one of none, party_led"),
    (["run", "baseline", "--set", "mmc.workers=3"], "unknown parameter 'mmc.workers'"),
    (["run", "mmc", "--set", "issue.facility.rate=1"], "set those instead"),
    (["run", "baseline", "--set", "visits.per_worker_day=40"], "no time for casework"),
    (["run", "baseline", "--set", "trust.initial_mean=0.9", "--set", "trust.initial_sd=0.4"],
     "too large"),
    (["run", "baseline", "--days", "0"], "--days: 0 must be at least 1"),
    (["run", "baseline", "--days", "ten"], "not a whole number"),
    (["run", "baseline", "--days", "100000000"], "100000000 is more than 36500"),
    (["run", "baseline", "--seed", "-1"], "--seed: -1 must be at least 0"),
    (["run", "baseline", "--policy", "free_lunch"], "unknown policy 'free_lunch'"),
    (["run", "mmc", "--set", "mmc.workers=200"], "mmc.workers: 200 is out of range"),
    (["run", "baseline", "--out", ""], "--out needs a folder name"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_bad_input_gets_one_line_and_status_2(capsys, args, needle) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert needle in err
    assert err.count("\n") == 1 and err.startswith("gridgov: error: ")
    assert "Traceback" not in err and out == ""


def test_bad_input_creates_no_output_folder(capsys, tmp_path: Path) -> None:
    code, _, _ = run_cli(capsys, "run", "baseline", "--set", "foo=1", "--out",
                         str(tmp_path / "never"))
    assert code == 2 and not (tmp_path / "never").exists()


def test_unwritable_out_fails_before_running(capsys, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run_cli(capsys, "run", "baseline", "--out", str(blocker))
    assert code == 2 and "is a file" in err and out == ""
    code, out, err = run_cli(capsys, "run", "baseline", "--out", str(blocker / "sub"))
    assert code == 2 and "not writable" in err and out == ""
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, _, err = run_cli(capsys, "run", "baseline", "--out", str(locked / "x"))
        assert code == 2 and "not writable" in err


def test_console_script_runs_in_a_fresh_process() -> None:
    exe = Path(sys.executable).with_name("gridgov")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "simulation.faces.cli"]
    ok = subprocess.run([*cmd, "scenarios"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "wenheng" in ok.stdout
    bad = subprocess.run([*cmd, "run", "baseline", "--set", "x=1"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_python_m_runs_the_command_and_loads_only_the_command_s_group() -> None:
    """`python -m simulation.faces.cli` is the command; a listing or a run does not import the
    report's plotting stack, the sweep machinery or Dask (they load with their command)."""
    ok = subprocess.run([sys.executable, "-m", "simulation.faces.cli", "policies"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "visits" in ok.stdout
    probe = ("import sys\nfrom simulation.faces.cli import main\n"
             "for argv in (['scenarios'], ['run', 'mmc', '--days', '2']):\n"
             "    assert main(argv) == 0\n"
             "print(sorted(m for m in ('matplotlib', 'dask', 'simulation.sweeps.engine', "
             "'simulation.analysis.report.build') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


# ------------------------------------------------------------------------------------------
# Issue 14: memory, disk and size guards before work starts (simulation/running/memory.py). They
# never prompt: fewer workers with one line, or exit 2 with one line naming --force.
GUARD_TINY = """[experiment]
name = "tiny"
scenario = "mmc"
days = 5
replications = 2
seed = 1
"""


def guarded(tmp_path: Path, fixed: str = "") -> Path:
    path = tmp_path / "e.toml"
    path.write_text(GUARD_TINY + fixed)
    return path


def one_line_naming_force(code: int, out: str, err: str) -> None:
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("gridgov: error: ") and "--force" in err
    assert "Traceback" not in err


def test_a_sweep_of_a_huge_fixed_world_is_refused_before_any_run(tmp_path: Path) -> None:
    """A million street offices of a thousand communities: each run would need terabytes.
    One line, exit 2, nothing written (in a fresh process, as a user meets it)."""
    path = guarded(tmp_path).with_name("huge.toml")
    path.write_text(GUARD_TINY.replace('"mmc"', '"baseline"') + '[fixed]\n'
                    '"world.communities_per_street" = 1000\n'
                    '"world.streets_per_district" = 1000\n')
    done = subprocess.run([sys.executable, "-m", "simulation.faces.cli", "sweep", str(path),
                           "--out", str(tmp_path / "o")], capture_output=True, text=True,
                          timeout=120)
    one_line_naming_force(done.returncode, done.stdout, done.stderr)
    assert "one run of this design (~6,288.0 M residents for 5 days) needs" in done.stderr
    assert not (tmp_path / "o").exists()


def test_force_starts_a_sweep_the_memory_guard_refuses(capsys, monkeypatch,
                                                       tmp_path: Path) -> None:
    import simulation.support.machine as machine

    monkeypatch.setattr(machine, "available_bytes", lambda: 2**10)  # 1 KiB: nothing fits
    path = guarded(tmp_path)
    one_line_naming_force(*run_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "a"),
                                   "--no-report"))
    assert not (tmp_path / "a").exists()
    code, _, err = run_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "b"),
                             "--no-report", "--workers", "1", "--force")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "b" / "runs.csv")) == 2


def test_the_disk_guard_refuses_results_that_cannot_fit(capsys, monkeypatch,
                                                        tmp_path: Path) -> None:
    import simulation.support.machine as machine

    monkeypatch.setattr(machine, "free_disk_bytes", lambda out: 10_000)
    path = guarded(tmp_path)
    code, out, err = run_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "a"))
    one_line_naming_force(code, out, err)
    assert "free some space or choose another --out" in err
    assert run_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "b"), "--no-report",
                   "--workers", "1", "--force")[0] == 0


def test_fewer_runs_at_once_when_fewer_fit(capsys, monkeypatch, tmp_path: Path) -> None:
    """Room for one run in this process but not two worker processes: one run at a time,
    said in one line, and the sweep's results are complete."""
    import simulation.running.memory as memory
    import simulation.support.machine as machine

    monkeypatch.setattr(machine, "usable_cores", lambda: 4)
    monkeypatch.setattr(machine, "available_bytes", lambda: memory.PROCESS_BYTES)
    code, _, err = run_cli(capsys, "sweep", str(guarded(tmp_path)), "--out",
                             str(tmp_path / "a"), "--no-report", "--workers", "2")
    assert code == 0, err
    lowered = [line for line in err.splitlines() if "at a time" in line]
    assert lowered == [lowered[0]] and lowered[0].startswith(
        "gridgov: warning: running 1 run at a time, not --workers 2: each run needs")
    assert "1 local worker (in process)" in (tmp_path / "a" / "manifest.json").read_text()


def test_workers_beyond_the_cores_are_lowered_with_one_line(capsys, monkeypatch,
                                                            tmp_path: Path) -> None:
    import simulation.support.machine as machine

    monkeypatch.setattr(machine, "usable_cores", lambda: 1)
    code, _, err = run_cli(capsys, "sweep", str(guarded(tmp_path)), "--out",
                           str(tmp_path / "a"), "--no-report", "--workers", "1024")
    assert code == 0, err
    assert "gridgov: warning: running 1 run at a time, not --workers 1024: 1 core here\n" in err
    code, _, err = run_cli(capsys, "run", "baseline", "--set", "world.districts=2",
                             "--scale", "0.05", "--days", "5", "--workers", "1024")
    assert code == 0, err
    assert err.startswith("gridgov: warning: running 1 district at a time, not --workers "
                          "1024: 1 core here\n")
    assert "2 districts on 1 local worker (in process)" in err


def test_run_names_no_partition_only_where_it_was_given(capsys) -> None:
    """Issue 14: a one-district model too large for memory is not told to drop
    --no-partition; a city run as one model is."""
    code, out, err = run_cli(capsys, "run", "baseline", "--set",
                             "world.communities_per_street=1000", "--set",
                             "world.streets_per_district=1000")
    one_line_naming_force(code, out, err)
    assert "no-partition" not in err and "use --scale or fewer --days" in err
    code, out, err = run_cli(capsys, "run", "jinan", "--scale", "10", "--no-partition")
    one_line_naming_force(code, out, err)
    assert "drop --no-partition" in err
    code, out, err = run_cli(capsys, "run", "baseline", "--days", "36500", "--set",
                             "world.streets_per_district=100")  # the days count
    one_line_naming_force(code, out, err)
    assert "for 36,500 days needs" in err


def test_a_cluster_s_runs_are_not_checked_against_this_machine(monkeypatch,
                                                               tmp_path: Path) -> None:
    """With --scheduler the runs go to the cluster's workers: only the sweep's own memory
    and its disk are this machine's (no false refusal)."""
    import simulation.running.memory as memory
    import simulation.support.machine as machine
    from simulation.sweeps.experiment import load_experiment
    from simulation.sweeps.plan import plan_sweep

    exp = load_experiment(guarded(tmp_path))
    monkeypatch.setattr(machine, "available_bytes", lambda: 2**20)  # no run fits here
    plan = plan_sweep(exp, tmp_path / "o", scheduler="tcp://10.0.0.5:8786")
    assert plan.workers is None and plan.needs is not None  # kept for the cluster check
    monkeypatch.setattr(machine, "available_bytes", lambda: 100)  # nor the sweep itself
    with pytest.raises(memory.TooBig, match="the sweep itself needs"):
        plan_sweep(exp, tmp_path / "o", scheduler="tcp://10.0.0.5:8786")


def test_a_cluster_is_checked_by_its_workers_memory_once_connected(capsys) -> None:
    """Once connected, the Dask workers' memory limits decide: none that can hold a run is
    one line naming --force; some that cannot hold one per thread is a warning."""
    from types import SimpleNamespace

    import simulation.running.memory as memory
    from simulation.faces.cli.options import guard_cluster

    def backend(*workers: tuple[int, int]) -> SimpleNamespace:
        info = {"workers": {f"w{i}": {"memory_limit": m, "nthreads": t}
                            for i, (m, t) in enumerate(workers)}}
        return SimpleNamespace(client=SimpleNamespace(scheduler_info=lambda: info))

    run = 3 * 2**30
    with pytest.raises(memory.TooBig, match="--force"):
        guard_cluster(backend((2 * 2**30, 1), (2 * 2**30, 2)), run)
    guard_cluster(backend((16 * 2**30, 2)), run)
    assert capsys.readouterr().err == ""
    guard_cluster(backend((16 * 2**30, 2), (5 * 2**30, 4)), run)
    assert capsys.readouterr().err.startswith("gridgov: warning: ")
    guard_cluster(SimpleNamespace(client=None), run)  # local workers: checked before


# ------------------------------------------------------------------------------------------
# Issue 15: what gridgov ships (simulation/support/shipped.py), its version, optional dependencies
# and the `simulation` name shadowed by a user's file.


def one_line(code: int, out: str, err: str, needle: str) -> None:
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("gridgov: error: ") and needle in err


def test_version_from_python_m_simulation() -> None:
    from simulation import __version__

    done = subprocess.run([sys.executable, "-m", "simulation", "--version"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == f"gridgov {__version__}\n"


def test_experiments_lists_every_shipped_file_with_a_description(capsys) -> None:
    code, out, _ = run_cli(capsys, "experiments")
    assert code == 0
    table, _, footer = out.partition("\n\n")
    entries = [e.split(None, 1) for e in table.replace("\n   ", " ").splitlines()]
    assert [e[0] for e in entries] == sorted(p.stem for p in (ROOT / "experiments").glob("*.toml"))
    assert all(len(e[1]) > 20 and not e[1].endswith("...") for e in entries)
    assert "calibration             Fit handling and routing parameters" in table
    assert "                        and the shape of resolution times" in table  # wrapped
    assert "policy_comparison       Staffing and volunteer-mobilisation policies" in table
    assert str(ROOT / "experiments") in footer
    assert max(map(len, out.splitlines())) <= 100


def test_every_shipped_file_is_named_as_its_experiment() -> None:
    """`gridgov sweep NAME` runs NAME.toml, whose results go to results/NAME."""
    import tomllib

    for path in (ROOT / "experiments").glob("*.toml"):
        assert tomllib.loads(path.read_text())["experiment"]["name"] == path.stem


def test_experiments_copy_writes_a_copy_and_never_overwrites(capsys, tmp_path: Path) -> None:
    source = ROOT / "experiments" / "staffing.toml"
    code, out, _ = run_cli(capsys, "experiments", "copy", "staffing", str(tmp_path / "new"))
    assert code == 0 and "wrote" in out
    copy = tmp_path / "new" / "staffing.toml"
    assert copy.read_bytes() == source.read_bytes()
    copy.write_text("# mine\n")
    one_line(*run_cli(capsys, "experiments", "copy", "staffing", str(tmp_path / "new")),
             "exists already")
    assert copy.read_text() == "# mine\n"
    one_line(*run_cli(capsys, "experiments", "copy", "nothing"),
             "unknown experiment 'nothing'; gridgov ships: calibration, policy_comparison")
    one_line(*run_cli(capsys, "experiments", "copy", "staffing", str(copy)), "is a file")


def test_sweep_accepts_a_shipped_experiment_s_name(capsys, monkeypatch,
                                                   tmp_path: Path) -> None:
    """A name that is no file is looked up among the shipped experiments (here a folder
    standing in for them, with the tests' tiny file); the sweep runs it."""
    from conftest import TINY

    import simulation.support.shipped

    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "tiny.toml").write_bytes(TINY.read_bytes())
    monkeypatch.setattr(simulation.support.shipped, "experiments_dir", lambda: shipped)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "sweep", "tiny", "--workers", "1", "--no-report")
    assert code == 0, err
    assert "gridgov sweep tiny: 12 runs" in out
    assert (tmp_path / "results" / "tiny" / "runs.csv").is_file()


def test_an_unknown_experiment_name_lists_the_shipped_ones(capsys, monkeypatch,
                                                          tmp_path: Path) -> None:
    from simulation.sweeps.experiment import load_experiment

    shipped = "calibration, policy_comparison, sensitivity, staffing, volunteer_mobilisation"
    for command in ("sweep", "sensitivity", "calibrate"):
        one_line(*run_cli(capsys, command, "policy_comparision"),
                 f"'policy_comparision' is neither an experiment file nor a shipped "
                 f"experiment ({shipped})")
    monkeypatch.chdir(tmp_path)  # no experiments/ here: the README's path is no file
    one_line(*run_cli(capsys, "sweep", "experiments/policy_comparison.toml"),
             "no such file; gridgov ships policy_comparison: give its name")
    one_line(*run_cli(capsys, "sweep", "elsewhere/mine.toml"),
             "elsewhere/mine.toml: no such file")
    assert load_experiment("policy_comparison").path == (
        ROOT / "experiments" / "policy_comparison.toml")


def test_docs_lists_the_shipped_docs_and_prints_one_s_path(capsys) -> None:
    code, out, _ = run_cli(capsys, "docs")
    assert code == 0
    table, _, footer = out.partition("\n\n")
    assert [line.split()[0] for line in table.splitlines()] == sorted(
        p.stem for p in (ROOT / "docs").glob("*.md"))
    assert "model         gridgov — model description (ODD)" in table
    assert str(ROOT / "docs") in footer
    code, out, _ = run_cli(capsys, "docs", "model.md")
    assert code == 0 and Path(out.strip()) == ROOT / "docs" / "model.md"
    one_line(*run_cli(capsys, "docs", "modle"), "unknown doc 'modle'; gridgov ships: ")


def test_a_simulation_py_in_the_folder_is_named_in_one_warning(capsys, monkeypatch,
                                                               tmp_path: Path) -> None:
    """The command runs gridgov whatever is in the folder, and says what a Python session
    started there would import instead; that session really does fail."""
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "scenarios")[2] == ""  # nothing here
    (tmp_path / "simulation").mkdir()  # a plain folder: a namespace portion, no shadow
    assert run_cli(capsys, "scenarios")[2] == ""
    (tmp_path / "simulation.py").write_text("x = 1\n")
    code, out, err = run_cli(capsys, "scenarios")
    assert code == 0 and "wenheng" in out
    assert err.count("\n") == 1 and err.startswith("gridgov: warning: ")
    assert f"{tmp_path / 'simulation.py'} shadows gridgov's package `simulation`" in err
    assert "Python sessions and notebooks started in this folder import it" in err
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    session = subprocess.run([sys.executable, "-c", "from simulation import "
                              "GridGovernanceModel"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert "cannot import name 'GridGovernanceModel' from 'simulation'" in session.stderr
    (tmp_path / "simulation.py").unlink()
    (tmp_path / "simulation" / "__init__.py").write_text("")
    err = run_cli(capsys, "scenarios")[2]
    assert f"{tmp_path / 'simulation'}/ shadows" in err
    monkeypatch.chdir(ROOT)  # gridgov's own source tree: its package, no warning
    assert run_cli(capsys, "scenarios")[2] == ""


BLOCKED = ("dask", "distributed", "solara", "ipyvuetify", "ipyvue", "mesa.visualization")


def without_extras(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """``gridgov ARGV`` in a fresh process where the optional dependencies (Dask, the
    dashboard's stack) cannot be imported, as if not installed."""
    code = (f"import sys\nfor name in {BLOCKED!r}:\n    sys.modules[name] = None\n"
            f"from simulation.faces.cli import main\nsys.exit(main({list(argv)!r}))\n")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_the_core_works_without_the_optional_dependencies(tmp_path: Path) -> None:
    from conftest import TINY

    ran = without_extras("run", "mmc", "--days", "5", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    swept = without_extras("sweep", str(TINY), "--workers", "1", "--out", "s", cwd=tmp_path)
    assert swept.returncode == 0, swept.stderr
    assert (tmp_path / "s" / "report" / "report.html").is_file()


@pytest.mark.parametrize(("argv", "needle"), [
    (["dashboard"], "gridgov dashboard needs solara, ipyvuetify, ipyvue, "
     "which are not installed: pip install 'gridgov[dashboard]'"),
    (["sweep", "staffing", "--scheduler", "tcp://127.0.0.1:8786"],
     "--scheduler needs dask, distributed, which are not installed: pip install "
     "'gridgov[dask]'"),
    (["run", "baseline", "--scheduler", "tcp://127.0.0.1:8786"], "pip install 'gridgov[dask]'"),
])
def test_a_missing_extra_is_named_in_one_line(tmp_path: Path, argv, needle) -> None:
    done = without_extras(*argv, cwd=tmp_path)
    one_line(done.returncode, done.stdout, done.stderr, needle)
