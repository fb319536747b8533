"""Common random numbers across a sweep, and the sweep runner: executors, atomic per-run
storage, failures, resume after SIGKILL, bad input. (Experiment files, designs and seeds:
tests/test_experiment.py.)"""

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
from conftest import SMALL_FIXED_TOML, TINY, header, write

from simulation.faces.cli import main
from simulation.running.executors import InlineExecutor
from simulation.running.progress import NoProgress
from simulation.sweeps.engine import execute_run, run_sweep
from simulation.sweeps.experiment import load_experiment
from simulation.sweeps.folder import SweepError

SMALL_FIXED = SMALL_FIXED_TOML


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """The runs table without wall-clock times."""
    return table.drop(columns=["wall_seconds"]).reset_index(drop=True)


# --- common random numbers -----------------------------------------------------------------
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
    from simulation.sweeps import engine

    real = engine.execute_run

    def broken(run, keep_cases):
        if run.replication == 2:
            raise_in = replace(run, overrides={**run.overrides, "world.districts": 0})
            return real(raise_in, keep_cases)
        return real(run, keep_cases)

    monkeypatch.setattr(engine, "execute_run", broken)
    code = main(["sweep", str(TINY), "--out", str(tmp_path / "x"), "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "4 of 12 runs failed" in err and "p0000-status_quo-r002" in err
    assert "status_quo" in out  # the summary table is still printed
    # not a terminal: plain progress lines with runs done, failures and time left
    progress = [line for line in err.splitlines() if line.startswith("[")]
    assert len(progress) == 12 and progress[-1].startswith("[12/12]")
    assert "4 failed" in progress[-1] and "left" in progress[-2]


@pytest.fixture(scope="module")
def slow_sweep(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """TINY with 200-day runs (slow enough to be killed part-way) and its uninterrupted
    results."""
    tmp = tmp_path_factory.mktemp("slow")
    slow = write(tmp, TINY.read_text().replace("days = 40", "days = 200"))
    return slow, run_sweep(load_experiment(slow), tmp / "good", workers=1)


@pytest.mark.parametrize("workers", [1, 2])
def test_resume_after_sigkill_gives_the_same_results(tmp_path: Path, workers: int,
                                                     slow_sweep) -> None:
    slow, good = slow_sweep
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
                                  pd.read_parquet(slow.parent / "good" / "timeseries.parquet"))
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
    assert main(["sweep", str(TINY), "--out", str(out), "--workers", "1", "--no-report"]) == 0
    assert not (out / ".lock").exists()


def test_one_worker_stores_each_run_as_it_finishes(tmp_path: Path) -> None:
    out = tmp_path / "seq"
    seen = []

    class Watch(NoProgress):
        def _show(self, label, note, ok):
            seen.append((out / "runs" / f"{label}.json").exists())

    run_sweep(load_experiment(TINY), out, workers=1, progress=Watch(12))
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


def test_a_sweep_touches_only_what_it_owns(tmp_path: Path, capsys) -> None:
    mine = tmp_path / "home"
    (mine / "deep").mkdir(parents=True)
    (mine / "deep" / ".draft.tmp").write_text("keep me")
    (mine / "notes.txt").write_text("keep me too")
    (mine / ".runs.csv.x1.tmp").write_text("a stranger's, named like our temporaries")
    (mine / "runs.csv").write_text("the user's own table")
    before = {p: p.read_bytes() for p in mine.rglob("*") if p.is_file()}
    for extra in ([], ["--resume"]):  # a path it would write is not its own: one line
        assert main(["sweep", str(TINY), "--out", str(mine), *extra]) == 2
        err = capsys.readouterr().err
        assert f"{mine / 'runs.csv'} exists and gridgov sweep did not write it" in err
        assert len(err.strip().splitlines()) == 1
        assert {p: p.read_bytes() for p in mine.rglob("*") if p.is_file()} == before
    (mine / "runs.csv").unlink()
    del before[mine / "runs.csv"]
    assert main(["sweep", str(TINY), "--out", str(mine), "--workers", "1",
                 "--no-report"]) == 0
    assert all(p.read_bytes() == b for p, b in before.items())  # nothing else touched
    assert main(["sweep", str(TINY), "--out", str(mine), "--resume", "--no-report"]) == 0
    assert all(p.read_bytes() == b for p, b in before.items())
    capsys.readouterr()
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
def test_missing_file_and_conflicting_options(tmp_path: Path, capsys) -> None:
    assert main(["sweep", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["sweep", str(TINY), "--workers", "2", "--scheduler", "tcp://x:1"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["sweep", str(TINY), "--workers", "0"]) == 2
    assert main(["sweep", str(TINY), "--workers", "100000"]) == 2
    assert "more than 1024" in capsys.readouterr().err


def test_new_scenario_defaults_change_the_fingerprint(monkeypatch) -> None:
    """Runs made under old defaults (say, before a calibration) must not be resumed into."""
    from simulation.sweeps import plan as sweep_plan
    from simulation.sweeps.plan import design_fingerprint

    e = load_experiment(TINY)
    before = design_fingerprint(e)
    real = sweep_plan.get_scenario

    def recalibrated(name):
        sc = real(name)
        return replace(sc, overrides={**sc.overrides, "handling.sigma": (0.9, "new fit")})

    monkeypatch.setattr(sweep_plan, "get_scenario", recalibrated)
    assert design_fingerprint(e) != before

    def refit_own_key(name):  # a default the design sets itself does not matter
        sc = real(name)
        return replace(sc, overrides={**sc.overrides, "visits.per_worker_day": (3.0, "fit")})

    monkeypatch.setattr(sweep_plan, "get_scenario", refit_own_key)
    assert design_fingerprint(e) == before


def test_the_fingerprint_is_fed_run_by_run_to_the_same_hash() -> None:
    """A large design is hashed piece by piece; older folders keep their fingerprint."""
    import hashlib
    from dataclasses import asdict

    from simulation.scenarios import get_scenario
    from simulation.sweeps.plan import design_fingerprint

    e = load_experiment(TINY)
    own = {*e.fixed, *e.factor_names, *(k for pol in e.policies for k in pol.values)}
    defaults = {k: v for k, v in get_scenario(e.scenario).parameters({}).items()
                if k not in own}
    doc = {"runs": [asdict(r) for r in e.runs()], "scenario_defaults": defaults}
    whole = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
    assert design_fingerprint(e) == whole


def test_a_sweep_whose_runs_all_fail_says_so_without_an_empty_table(
        tmp_path: Path, capsys, monkeypatch) -> None:
    from simulation.sweeps import engine

    real = engine.execute_run

    def broken(run, keep_cases):  # an impossible world in every run
        return real(replace(run, overrides={**run.overrides, "world.districts": 0}),
                    keep_cases)

    monkeypatch.setattr(engine, "execute_run", broken)
    path = write(tmp_path, header(days=5, reps=2, scenario="mmc"))
    assert main(["sweep", str(path), "--out", str(tmp_path / "x"), "--workers", "1"]) == 1
    out, err = capsys.readouterr()
    assert "Empty DataFrame" not in out and "no run finished; wrote" in out
    assert "2 of 2 runs failed" in err and "runs.csv" in err


@pytest.mark.parametrize("address, needle", [
    ("", "needs an address, e.g. tcp://10.0.0.5:8786"),
    ("tcp://127.0.0.1:99999", "the port must be a number from 1 to 65535"),
    ("10.0.0.5:0", "the port must be a number from 1 to 65535"),
])
@pytest.mark.parametrize("command", ["sweep", "run"])
def test_a_scheduler_address_that_cannot_be_one_is_refused(address: str, needle: str,
                                                           command: str, capsys) -> None:
    args = (["sweep", str(TINY)] if command == "sweep" else ["run", "jinan", "--scale", "0.004"])
    assert main([*args, "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_a_lock_left_by_a_process_whose_id_was_reused_is_stale(tmp_path: Path,
                                                                capsys) -> None:
    """The lock records its holder's start time: a live process with that id but another
    start time (an id reused after a crash) does not hold the folder."""
    from simulation.sweeps.folder import ResultsFolder
    from simulation.sweeps.lock import acquire_lock

    folder = ResultsFolder(tmp_path / "f")
    folder.root.mkdir()
    folder.lock.write_text(f"{os.getppid()} 1.0")  # alive, but started in 1970
    assert acquire_lock(folder) == folder.lock
    pid, started = folder.lock.read_text().split()
    assert int(pid) == os.getpid() and float(started) > 1e9
    folder.lock.write_text(str(os.getppid()))  # an old lock: alive is enough, with a hint
    with pytest.raises(SweepError, match=r"if no sweep is running there, delete .*\.lock"):
        acquire_lock(folder)


# --- assembling the tables: streamed in batches -----------------------------------------------
def assembly_folder(inline_result, tmp_path: Path):
    """A copy of the inline sweep with a failed run (a gap in its counts), a finished run
    whose series is unreadable, and series that differ from the first ones late in run
    order: a bool column only in the first, a column missing, a count as floats and a
    text column in two others."""
    import shutil

    from simulation.sweeps.folder import ResultsFolder

    folder = ResultsFolder(tmp_path / "s")
    shutil.copytree(inline_result[0], folder.root, ignore=shutil.ignore_patterns("grids", "loads"))
    ids = [r.run_id for r in load_experiment(TINY).runs()]
    record = json.loads(folder.record(ids[3]).read_text())
    record.update(status="failed", error="RuntimeError: x", metrics={}, resolution_curve=[])
    folder.record(ids[3]).write_text(json.dumps(record))
    with folder.per_run("timeseries", ids[5]).open("r+b") as f:
        f.truncate(60)
    for i, change in ((0, lambda ts: ts.assign(first_only=True)),
                      (9, lambda ts: ts.drop(columns="arisen")),
                      (10, lambda ts: ts.assign(resolved=ts.resolved * 1.0, note="x"))):
        path = folder.per_run("timeseries", ids[i])
        change(pd.read_parquet(path)).to_parquet(path, index=False)
    return folder, ids


def assembled(folder) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, bytes]:
    """The assembled tables as read back, and runs.csv as written."""
    return (pd.read_parquet(folder.runs_table), pd.read_parquet(folder.timeseries),
            pd.read_parquet(folder.resolution), folder.runs_csv.read_bytes())


def test_assemble_streams_batches_that_make_the_tables_of_one(inline_result, tmp_path: Path,
                                                              monkeypatch) -> None:
    """The long tables are written a batch of runs at a time (one row group each) and read
    back as one concatenation of every run's frame would be, whatever the batches: the
    same columns, dtypes and values; runs.csv byte for byte."""
    import pyarrow.parquet as pq

    from simulation.sweeps import assemble as assembly

    folder, ids = assembly_folder(inline_result, tmp_path)
    experiment = load_experiment(TINY)
    monkeypatch.setattr(assembly, "ASSEMBLE_BATCH_RUNS", 10**6)
    table = assembly.assemble(folder, experiment)
    whole = assembled(folder)
    assert table.attrs["series_missing"] == [ids[5]]
    assert table.issues_arisen.dtype == "Int64" and table.issues_arisen.isna().sum() == 1
    series = []  # as it was written whole: every readable series of a finished run
    for run_id in ids[:3] + ids[4:5] + ids[6:]:
        ts = pd.read_parquet(folder.per_run("timeseries", run_id))
        ts.insert(0, "run_id", run_id)
        series.append(ts)
    pd.concat(series, ignore_index=True).to_parquet(tmp_path / "whole.parquet", index=False)
    pd.testing.assert_frame_equal(whole[1], pd.read_parquet(tmp_path / "whole.parquet"))
    assert whole[1].first_only.dtype == object and whole[1].arisen.dtype == float
    assert whole[1].day.dtype == "int64" and whole[1].note.dtype == "str"
    for runs, rows in ((5, 10**6), (2, 10**6), (10**6, 100), (1, 1)):
        monkeypatch.setattr(assembly, "ASSEMBLE_BATCH_RUNS", runs)
        monkeypatch.setattr(assembly, "ASSEMBLE_BATCH_ROWS", rows)
        again = assembly.assemble(folder, experiment)
        pd.testing.assert_frame_equal(again, table)
        assert again.attrs == table.attrs
        for got, want in zip(assembled(folder), whole, strict=True):
            if isinstance(want, bytes):
                assert got == want
            else:
                pd.testing.assert_frame_equal(got, want, check_exact=True)
        groups = pq.ParquetFile(folder.timeseries).num_row_groups
        assert groups == {5: 3, 2: 6, 10**6: 4, 1: 10}[runs]  # (4: 3 series of 41 rows)
    assert not list(folder.root.glob(".*.tmp"))


@pytest.mark.parametrize("where", ["mid-stream", "tables written"])
def test_an_interrupted_assembly_leaves_the_previous_tables(inline_result, tmp_path: Path,
                                                            monkeypatch, where: str) -> None:
    """The tables go to temporary files beside them (named as a later sweep cleans up)
    and are renamed together once all are written: an assembly stopped mid-way leaves
    every previous table in place, untouched, and no temporary file."""
    from simulation.sweeps import assemble as assembly

    folder, _ = assembly_folder(inline_result, tmp_path)
    experiment = load_experiment(TINY)
    monkeypatch.setattr(assembly, "ASSEMBLE_BATCH_RUNS", 2)
    assembly.assemble(folder, experiment)
    paths = [folder.runs_csv, folder.runs_table, folder.timeseries, folder.resolution]
    before = [(p.stat().st_ino, p.read_bytes()) for p in paths]
    temporaries = []
    calls = 0

    def stop(path: Path, *args):  # at the 9th run (4 batches written), or runs.parquet
        nonlocal calls
        calls += 1
        if calls == 9 if where == "mid-stream" else path.name == "runs.parquet":
            temporaries.extend(folder.root.glob(".*.gridgov-*.tmp"))
            raise KeyboardInterrupt
        return real(path, *args)

    name = "read_record" if where == "mid-stream" else "temporary_file"
    real = getattr(assembly, name)
    monkeypatch.setattr(assembly, name, stop)
    with pytest.raises(KeyboardInterrupt):
        assembly.assemble(folder, experiment)
    names = sorted(p.name.split(".gridgov-")[0] for p in temporaries)
    assert names == ([".resolution.parquet", ".timeseries.parquet"] if where == "mid-stream"
                     else [".resolution.parquet", ".runs.csv", ".timeseries.parquet"])
    assert [(p.stat().st_ino, p.read_bytes()) for p in paths] == before
    assert not [p for p in folder.root.iterdir() if p.name.endswith(".tmp")]
