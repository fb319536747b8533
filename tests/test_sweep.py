"""Experiment files, designs, seeds and common random numbers, and the sweep runner:
executors, atomic per-run storage, failures, resume after SIGKILL, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_FIXED_TOML

from simulation.cli import main
from simulation.experiment import ExperimentError, load_experiment, replication_seeds
from simulation.sweep import InlineExecutor, execute_run, run_sweep

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.toml"
SMALL_FIXED = SMALL_FIXED_TOML


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def header(name: str = "t", days: int = 30, reps: int = 2, seed: int = 1) -> str:
    return (f'[experiment]\nname = "{name}"\nscenario = "baseline"\ndays = {days}\n'
            f"replications = {reps}\nseed = {seed}\n")


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """The runs table without wall-clock times."""
    return table.drop(columns=["wall_seconds"]).reset_index(drop=True)


# --- designs ------------------------------------------------------------------------------
def test_factorial_design_is_the_full_product() -> None:
    e = load_experiment(TINY)
    assert e.points == [{"visits.per_worker_day": 2.0}, {"visits.per_worker_day": 6.0}]
    runs = e.runs()
    assert len(runs) == 2 * 2 * 3
    assert len({r.run_id for r in runs}) == len(runs)
    branch = next(r for r in runs if r.policy == "branch")
    assert branch.overrides["policy.party_branch"] is True
    assert branch.overrides["branch.take_prob"] == 0.8
    assert branch.overrides["world.communities_per_street"] == 1


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_sampled_designs_cover_the_ranges(tmp_path: Path, method: str) -> None:
    text = header() + f"""
[factors]
"policy.party_branch" = [false, true]
[design]
method = "{method}"
samples = 16
[ranges]
"trust.gain_good" = [0.05, 0.25]
"trust.contacts" = [0, 7]
"""
    e = load_experiment(write(tmp_path, text))
    assert len(e.points) == 2 * 16
    gains = np.array([p["trust.gain_good"] for p in e.points[:16]])
    contacts = [p["trust.contacts"] for p in e.points[:16]]
    assert ((gains >= 0.05) & (gains < 0.25)).all()
    assert all(isinstance(c, int) and 0 <= c <= 7 for c in contacts)  # integers stay integers
    assert len(set(contacts)) == 8  # 16 stratified points hit all 8 integers
    # each factor level is crossed with the same 16 samples
    assert [p["trust.gain_good"] for p in e.points[16:]] == list(gains)
    # stratified: one point in each sixteenth of the range (both LHS and Sobol do this in 1-D)
    strata = np.floor((gains - 0.05) / 0.2 * 16).astype(int)
    assert sorted(strata) == list(range(16))
    # deterministic from the seed; another seed gives another design
    assert load_experiment(write(tmp_path, text)).points == e.points
    other = load_experiment(write(tmp_path, text.replace("seed = 1", "seed = 2"), "o.toml"))
    assert other.points != e.points


# --- seeds and common random numbers --------------------------------------------------------
def test_replication_seeds_are_shared_recorded_and_stable() -> None:
    seeds = replication_seeds(20221121, 5)
    assert len(set(seeds)) == 5 and all(0 <= s < 2**63 for s in seeds)
    assert replication_seeds(20221121, 3) == seeds[:3]  # adding replications moves nothing
    assert replication_seeds(20221122, 3) != seeds[:3]
    e = load_experiment(TINY)
    by_rep: dict[int, set[int]] = {}
    for r in e.runs():
        by_rep.setdefault(r.replication, set()).add(r.seed)
    assert all(len(s) == 1 for s in by_rep.values())  # same seed across points and policies
    assert [next(iter(by_rep[r])) for r in range(3)] == e.run_seeds()


def test_common_random_numbers_shrink_the_variance_of_differences(tmp_path: Path) -> None:
    """Paired differences between two policies vary far less than unpaired ones would."""
    text = header(days=200, reps=12) + SMALL_FIXED + """
[[policies]]
name = "base"
[[policies]]
name = "branch"
levers = ["party_branch"]
"""
    table = run_sweep(load_experiment(write(tmp_path, text)), tmp_path / "out",
                      executor=InlineExecutor())
    for metric in ("mean_trust", "mean_wait_days", "share_resolved_in_grid"):
        a = table[table.policy == "base"].sort_values("replication")[metric].to_numpy()
        b = table[table.policy == "branch"].sort_values("replication")[metric].to_numpy()
        paired = np.var(b - a, ddof=1)
        unpaired = np.var(a, ddof=1) + np.var(b, ddof=1)
        assert paired < 0.5 * unpaired, f"{metric}: {paired:.3g} vs {unpaired:.3g}"


# --- executors ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def inline_result(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("inline") / "tiny"
    return out, run_sweep(load_experiment(TINY), out, workers=1)


def test_outputs_of_a_sweep(inline_result) -> None:
    out, table = inline_result
    assert (table.status == "ok").all() and len(table) == 12
    assert list(table.run_id) == [r.run_id for r in load_experiment(TINY).runs()]
    for col in ("point", "policy", "replication", "seed", "visits.per_worker_day",
                "mean_wait_days", "hidden_issues", "status", "error", "wall_seconds"):
        assert col in table
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), table)
    csv = pd.read_csv(out / "runs.csv")
    assert list(csv.run_id) == list(table.run_id) and (csv.seed == table.seed).all()
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert set(ts.run_id) == set(table.run_id) and len(ts) == 12 * 41
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["text"] == TINY.read_text()
    assert manifest["runs_ok"] == 12 and set(manifest["run_status"].values()) == {"ok"}
    assert [s["seed"] for s in manifest["design"]["replication_seeds"]] == \
        load_experiment(TINY).run_seeds()
    for key in ("git_commit", "python", "mesa", "numpy", "started_utc", "finished_utc"):
        assert key in manifest
    assert not (out / "cases").exists()
    assert not list(out.rglob(".*.tmp"))


def test_two_processes_give_identical_results(inline_result, tmp_path: Path) -> None:
    out, table = inline_result
    other = run_sweep(load_experiment(TINY), tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(comparable(other), comparable(table))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "two" / "timeseries.parquet"),
                                  pd.read_parquet(out / "timeseries.parquet"))


def test_dask_local_cluster_gives_identical_results(inline_result, tmp_path: Path) -> None:
    from dask.distributed import Client, LocalCluster

    _, table = inline_result
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        other = run_sweep(load_experiment(TINY), tmp_path / "dask",
                          scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(comparable(other), comparable(table))
    with Client(processes=False, dashboard_address=None) as client:  # any cf executor
        again = run_sweep(load_experiment(TINY), tmp_path / "cf",
                          executor=client.get_executor())
    pd.testing.assert_frame_equal(comparable(again), comparable(table))


def test_keep_cases_writes_case_logs(tmp_path: Path) -> None:
    e = load_experiment(TINY)
    e.points = e.points[:1]
    run_sweep(e, tmp_path / "k", workers=1, keep_cases=True)
    cases = sorted((tmp_path / "k" / "cases").glob("*.parquet"))
    assert len(cases) == 6
    log = pd.read_parquet(cases[0])
    assert {"t_arisen", "t_known", "outcome", "max_level"} <= set(log)


# --- failures and resume --------------------------------------------------------------------
def test_a_failing_run_is_recorded_and_the_rest_go_on(tmp_path: Path, inline_result) -> None:
    _, good = inline_result
    bad_id = "p0001-branch-r001"

    def flaky(run, keep_cases):
        if run.run_id == bad_id:  # make this run raise inside the model
            run = replace(run, overrides={**run.overrides, "world.districts": 0})
        return execute_run(run, keep_cases)

    table = run_sweep(load_experiment(TINY), tmp_path / "f", workers=1, run_fn=flaky)
    failed = table[table.status == "failed"]
    assert list(failed.run_id) == [bad_id]
    assert "ParameterError" in failed.error.iloc[0] and "world.districts" in failed.error.iloc[0]
    assert np.isnan(failed.mean_wait_days.iloc[0])
    rest = table.status == "ok"
    pd.testing.assert_frame_equal(comparable(table[rest]), comparable(good[rest]))
    # --resume re-runs only the failed run
    resumed = run_sweep(load_experiment(TINY), tmp_path / "f", workers=1, resume=True)
    assert (resumed.status == "ok").all()
    pd.testing.assert_frame_equal(comparable(resumed), comparable(good))


def test_cli_exits_nonzero_and_names_failed_runs(tmp_path: Path, capsys, monkeypatch) -> None:
    import simulation.sweep as sweep

    real = sweep.execute_run

    def broken(run, keep_cases):
        if run.replication == 2:
            raise_in = replace(run, overrides={**run.overrides, "world.districts": 0})
            return real(raise_in, keep_cases)
        return real(run, keep_cases)

    monkeypatch.setattr(sweep, "execute_run", broken)
    code = main(["sweep", str(TINY), "--out", str(tmp_path / "x"), "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "4 of 12 runs failed" in err and "p0000-status_quo-r002" in err
    assert "status_quo" in out  # the summary table is still printed
    # not a terminal: plain progress lines with runs done, failures and time left
    progress = [line for line in err.splitlines() if line.startswith("[")]
    assert len(progress) == 12 and progress[-1].startswith("[12/12]")
    assert "4 failed" in progress[-1] and "left" in progress[-2]


@pytest.mark.parametrize("workers", [1, 2])
def test_resume_after_sigkill_gives_the_same_results(tmp_path: Path, workers: int) -> None:
    slow = write(tmp_path, TINY.read_text().replace("days = 40", "days = 200"))
    good = run_sweep(load_experiment(slow), tmp_path / "good", workers=1)
    out = tmp_path / "killed"
    exe = Path(sys.executable).with_name("gridgov")
    cmd = [str(exe), "sweep", str(slow), "--out", str(out), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = list((out / "runs").glob("*.json")) if (out / "runs").exists() else []
        if len(done) >= 3:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((out / "runs").glob("*.json")))
    assert 3 <= done < 12, "the sweep was not interrupted part-way"
    assert not (out / "runs.csv").exists()
    table = run_sweep(load_experiment(slow), out, workers=1, resume=True)
    pd.testing.assert_frame_equal(comparable(table), comparable(good))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"),
                                  pd.read_parquet(tmp_path / "good" / "timeseries.parquet"))
    assert not list(out.rglob(".*.tmp"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_ok"] == 12 and manifest["finished"]
    sessions = manifest["sessions"]  # the killed session is on record, unfinished
    assert len(sessions) == 2 and sessions[0]["finished_utc"] is None
    assert sessions[1]["finished_utc"] is not None
    assert not (out / ".lock").exists()


def test_two_sweeps_cannot_write_one_folder(tmp_path: Path, capsys) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / ".lock").write_text(str(os.getppid()))  # a live process holds it
    assert main(["sweep", str(TINY), "--out", str(out), "--workers", "1"]) == 2
    assert "another sweep" in capsys.readouterr().err
    (out / ".lock").write_text("999999999")  # a dead one: the lock is stale and is taken
    assert main(["sweep", str(TINY), "--out", str(out), "--workers", "1"]) == 0
    assert not (out / ".lock").exists()


def test_one_worker_stores_each_run_as_it_finishes(tmp_path: Path) -> None:
    out = tmp_path / "seq"
    seen = []

    def progress(done, total, failed, outcome):
        seen.append((out / "runs" / f"{outcome.run.run_id}.json").exists())

    run_sweep(load_experiment(TINY), out, workers=1, progress=progress)
    assert seen == [True] * 12


def crash_worker(run, keep_cases):
    """A run function that kills its worker process for one run (module level: picklable)."""
    if run.run_id == "p0000-branch-r001":
        os._exit(3)
    return execute_run(run, keep_cases)


def test_a_crashed_worker_process_does_not_stop_the_sweep(tmp_path: Path, inline_result) -> None:
    _, good = inline_result
    out = tmp_path / "crash"
    table = run_sweep(load_experiment(TINY), out, workers=2, run_fn=crash_worker)
    assert len(table) == 12 and "p0000-branch-r001" in set(table[table.status == "failed"].run_id)
    assert (table.status != "failed").sum() + (table.status == "failed").sum() == 12
    assert (out / "manifest.json").exists() and (out / "runs.csv").exists()
    resumed = run_sweep(load_experiment(TINY), out, workers=1, resume=True)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(good))


def test_out_must_be_new_empty_or_a_sweep_folder(tmp_path: Path, capsys) -> None:
    mine = tmp_path / "home"
    (mine / "deep").mkdir(parents=True)
    (mine / "deep" / ".draft.tmp").write_text("keep me")
    (mine / "notes.txt").write_text("keep me too")
    for extra in ([], ["--resume"]):
        assert main(["sweep", str(TINY), "--out", str(mine), *extra]) == 2
        assert "not empty" in capsys.readouterr().err
    assert (mine / "deep" / ".draft.tmp").read_text() == "keep me"
    assert sorted(p.name for p in mine.iterdir()) == ["deep", "notes.txt"]
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["sweep", str(TINY), "--out", str(afile), "--resume"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_one_replication_prints_a_summary(tmp_path: Path, capsys) -> None:
    one = write(tmp_path, TINY.read_text().replace("replications = 3", "replications = 1"))
    assert main(["sweep", str(one), "--out", str(tmp_path / "one"), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "status_quo" in out and "branch" in out


def test_resume_refuses_a_different_experiment(tmp_path: Path, inline_result) -> None:
    out, _ = inline_result
    changed = write(tmp_path, TINY.read_text().replace("seed = 7", "seed = 8"))
    code = main(["sweep", str(changed), "--out", str(out), "--resume"])
    assert code == 2
    code = main(["sweep", str(TINY), "--out", str(out)])  # results exist, no --resume
    assert code == 2


# --- bad input ------------------------------------------------------------------------------
BAD = [
    ("", "missing section"),
    ("[experiment\nname='x'", "not valid TOML"),
    (header() + "[extras]\na = 1\n", "[extras]: unknown section"),
    (header() + "colour = 'red'\n", "[experiment] 'colour': unknown key"),
    ('[experiment]\nname = "x"\nscenario = "baseline"\ndays = 3\nseed = 1\n',
     "'replications': missing"),
    (header().replace('"baseline"', '"atlantis"'), "unknown scenario 'atlantis'"),
    (header().replace("days = 30", "days = 0"), "'days': 0 must be at least 1"),
    (header().replace("days = 30", 'days = "long"'), "is not a whole number"),
    (header().replace("days = 30", "days = 99999999"), "is more than 36500"),
    (header().replace('name = "t"', 'name = "a/b"'), "'name'"),
    (header() + '[fixed]\n"trust.gain_god" = 0.1\n', "did you mean trust.gain_good"),
    (header() + '[fixed]\n"trust.gain_good" = 3.0\n', "[fixed] 'trust.gain_good'"),
    (header() + '[factors]\n"trust.gain_good" = 0.1\n', "non-empty list"),
    (header() + '[factors]\n"policy.mobilisation" = ["none", "lots"]\n', "one of none"),
    (header() + '[design]\nmethod = "grid"\n', "is not one of factorial, lhs, sobol"),
    (header() + '[design]\nmethod = "sobol"\nsamples = 10\n[ranges]\n"trust.gain_good" = '
     "[0.1, 0.2]\n", "not a power of 2"),
    (header() + '[design]\nmethod = "lhs"\nsamples = 8\n', "[ranges]: missing"),
    (header() + '[ranges]\n"trust.gain_good" = [0.1, 0.2]\n', "needs a sampled [design] method"),
    (header() + '[design]\nmethod = "lhs"\nsamples = 8\n[ranges]\n"policy.party_branch" = '
     "[0, 1]\n", "not numeric"),
    (header() + '[design]\nmethod = "lhs"\nsamples = 8\n[ranges]\n"trust.gain_good" = '
     "[0.3, 0.2]\n", "must be below high"),
    (header() + '[[policies]]\nname = "a"\n[[policies]]\nname = "a"\n', "used twice"),
    (header() + '[[policies]]\nname = "a"\nlevers = ["free_lunch"]\n', "unknown policy"),
    (header() + '[[policies]]\nname = "a"\nset = { "x.y" = 1 }\n', "unknown parameter 'x.y'"),
    (header() + '[fixed]\n"visits.per_worker_day" = 30.0\n', "no time for casework"),
    (header() + '[factors]\n"staffing.households_per_worker" = ["250"]\n', "is text"),
    (header().replace("replications = 2", "replications = 1000000000"), "is more than"),
    (header() + '[design]\nmethod = "sobol"\nsamples = 1073741824\n[ranges]\n'
     '"trust.gain_good" = [0.1, 0.2]\n', "from 2 to 1048576"),
    (header(reps=1001) + '[factors]\n"trust.contacts" = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n'
     '"trust.gain_good" = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]\n'
     '"trust.loss_bad" = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]\n',
     "1001000 runs"),
]


@pytest.mark.parametrize(("text", "needle"), BAD)
def test_bad_experiment_files_fail_before_any_run(tmp_path: Path, capsys, text, needle) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ExperimentError, match=None) as info:
        load_experiment(path)
    assert needle in str(info.value) and str(path) in str(info.value)
    code = main(["sweep", str(path), "--out", str(tmp_path / "never")])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and needle in err and "Traceback" not in err
    assert not (tmp_path / "never").exists()


def test_missing_file_and_conflicting_options(tmp_path: Path, capsys) -> None:
    assert main(["sweep", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["sweep", str(TINY), "--workers", "2", "--scheduler", "tcp://x:1"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["sweep", str(TINY), "--workers", "0"]) == 2
    assert main(["sweep", str(TINY), "--workers", "100000"]) == 2
    assert "more than 1024" in capsys.readouterr().err


def test_shipped_experiment_files_are_valid() -> None:
    root = Path(__file__).resolve().parents[1] / "experiments"
    names = {p.stem for p in root.glob("*.toml")}
    assert {"policy_comparison", "staffing", "volunteer_mobilisation", "sensitivity"} <= names
    for path in root.glob("*.toml"):
        assert load_experiment(path).runs()


def test_new_scenario_defaults_change_the_fingerprint(monkeypatch) -> None:
    """Runs made under old defaults (say, before a calibration) must not be resumed into."""
    import simulation.scenarios as scenarios
    from simulation.sweep import design_fingerprint

    e = load_experiment(TINY)
    before = design_fingerprint(e)
    real = scenarios.get_scenario

    def recalibrated(name):
        sc = real(name)
        return replace(sc, overrides={**sc.overrides, "handling.sigma": (0.9, "new fit")})

    monkeypatch.setattr(scenarios, "get_scenario", recalibrated)
    assert design_fingerprint(e) != before

    def refit_own_key(name):  # a default the design sets itself does not matter
        sc = real(name)
        return replace(sc, overrides={**sc.overrides, "visits.per_worker_day": (3.0, "fit")})

    monkeypatch.setattr(scenarios, "get_scenario", refit_own_key)
    assert design_fingerprint(e) == before
