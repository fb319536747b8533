"""Damaged, unreadable and unwritable results: a resumed sweep re-runs what does not pass
its checks and ends with the results of an undamaged sweep; every reader turns a damaged
file into one line naming it and what to do; a folder that cannot be written (read-only,
a full disk) gives one line and leaves no half-written report. The read-only and full
cases use a mount namespace when the tests run as root (permissions do not stop root)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY

from simulation.faces.cli import main
from simulation.sweeps.assemble import assemble
from simulation.sweeps.experiment import load_experiment
from simulation.sweeps.folder import ResultsFolder
from simulation.sweeps.records import completed_runs

GRIDGOV = [sys.executable, "-m", "simulation.faces.cli"]


@pytest.fixture
def swept(tiny_sweep) -> Path:
    """An undamaged finished sweep of TINY (12 runs), copied by each test."""
    return tiny_sweep


def copy(swept: Path, tmp_path: Path) -> ResultsFolder:
    shutil.copytree(swept, tmp_path / "s")
    return ResultsFolder(tmp_path / "s")


def tables(folder: ResultsFolder) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The assembled tables, without wall-clock times."""
    return (pd.read_parquet(folder.runs_table).drop(columns="wall_seconds"),
            pd.read_parquet(folder.timeseries), pd.read_parquet(folder.resolution))


def truncate(path: Path, size: int = 60) -> None:
    with path.open("r+b") as f:
        f.truncate(size)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridgov: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_resume_reruns_what_does_not_pass_and_heals(swept: Path, tmp_path: Path,
                                                    capsys) -> None:
    folder = copy(swept, tmp_path)
    runs = load_experiment(TINY).runs()
    ids = [r.run_id for r in runs]
    truncate(folder.per_run("timeseries", ids[2]))  # a truncated per-run file
    folder.per_run("grids", ids[5]).unlink()  # a deleted per-run file
    record = json.loads(folder.record(ids[7]).read_text())
    record["metrics"] = {}  # a record that says ok but holds no outcomes
    folder.record(ids[7]).write_text(json.dumps(record))
    folder.design.write_text("{garbled")  # falls back on the manifest's fingerprint
    assert completed_runs(folder, runs) == set(ids) - {ids[2], ids[5], ids[7]}
    assert main(["sweep", str(TINY), "--out", str(folder.root), "--resume",
                 "--no-report"]) == 0
    assert "9 already done" in capsys.readouterr().out
    for got, want in zip(tables(folder), tables(ResultsFolder(swept)), strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_resume_without_a_readable_design_or_manifest(swept: Path, tmp_path: Path,
                                                      capsys) -> None:
    folder = copy(swept, tmp_path)
    folder.design.write_text("[]")
    folder.manifest.write_text("")
    seeds = json.loads(folder.record("p0001-branch-r002").read_text())
    seeds["seed"] += 1  # a record that does not match its run is not kept
    folder.record("p0001-branch-r002").write_text(json.dumps(seeds))
    assert main(["sweep", str(TINY), "--out", str(folder.root), "--resume",
                 "--no-report"]) == 0
    assert "11 already done" in capsys.readouterr().out
    for got, want in zip(tables(folder), tables(ResultsFolder(swept)), strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_an_unreadable_series_is_listed_not_skipped(swept: Path, tmp_path: Path) -> None:
    folder = copy(swept, tmp_path)
    experiment = load_experiment(TINY)
    run_id = experiment.runs()[4].run_id
    truncate(folder.per_run("timeseries", run_id))
    table = assemble(folder, experiment)
    assert table.attrs["series_missing"] == [run_id]
    assert run_id not in set(pd.read_parquet(folder.timeseries).run_id)


DAMAGEABLE = ("timeseries.parquet", "resolution.parquet", "runs.parquet", "grids",
              "manifest.json", "design.json")


def damage(folder: ResultsFolder, name: str) -> Path:
    """Damage ``name`` in ``folder`` (every run's grids for "grids"); the path to name."""
    if name == "grids":  # every run's, so the map's representative run is one of them
        for path in (folder.root / "grids").iterdir():
            truncate(path)
    elif name.endswith(".json"):
        (folder.root / name).write_text("[1, 2, 3]\n")  # valid JSON, not an object
    else:
        truncate(folder.root / name)
    return folder.root / name


def test_compare_on_a_damaged_file_says_which_and_what_to_do(swept: Path, tmp_path: Path,
                                                              capsys) -> None:
    for name in DAMAGEABLE:
        folder = copy(swept, tmp_path / name)
        damaged = damage(folder, name)
        assert main(["compare", str(folder.root)]) == 2
        line = one_line(capsys.readouterr().err)
        assert str(damaged) in line and "damaged or unreadable" in line
        assert f"--out {folder.root} --resume" in line
        assert not (folder.report / "report.html").exists()


def test_the_advised_resume_heals_every_damaged_file(swept: Path, tmp_path: Path,
                                                     capsys) -> None:
    folder = copy(swept, tmp_path)
    for name in DAMAGEABLE:
        damage(folder, name)
    assert main(["sweep", str(folder.experiment), "--out", str(folder.root), "--resume",
                 "--no-report"]) == 0
    for got, want in zip(tables(folder), tables(ResultsFolder(swept)), strict=True):
        pd.testing.assert_frame_equal(got, want)
    assert main(["compare", str(folder.root)]) == 0
    assert (folder.report / "report.html").exists()


# --- folders that cannot be written --------------------------------------------------------

def confined(command: list[str], *, read_only: Path | None = None, full: Path | None = None,
             size: str = "64k") -> subprocess.CompletedProcess[str]:
    """Run ``command`` with ``read_only`` mounted read-only or ``full`` replaced by a tmpfs
    of ``size``, in a private mount namespace (as root), or with permissions (otherwise:
    read-only only)."""
    if os.geteuid() != 0:
        if full is not None:
            pytest.skip("a small tmpfs needs root (a mount namespace)")
        modes = {p: p.stat().st_mode for p in [read_only, *read_only.rglob("*")]}
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=120)
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    if read_only is not None:
        setup = f'mount --bind "{read_only}" "{read_only}" && ' \
                f'mount -o remount,bind,ro "{read_only}" "{read_only}"'
    else:
        setup = f'mount -t tmpfs -o size={size} tmpfs "{full}"'
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"{setup} && true"],
                           capture_output=True, text=True)
    if probe.returncode:
        pytest.skip(f"cannot mount here: {probe.stderr.strip()}")
    return subprocess.run(["unshare", "-m", "sh", "-c", f'{setup} && exec "$@"', "sh",
                           *command], capture_output=True, text=True, timeout=120)


def test_compare_on_a_read_only_folder_is_one_line(swept: Path, tmp_path: Path) -> None:
    folder = copy(swept, tmp_path)
    done = confined([*GRIDGOV, "compare", str(folder.root)], read_only=folder.root)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert "Read-only file system" in line or "Permission denied" in line
    assert not folder.report.exists()
    out = tmp_path / "ro-out"
    out.mkdir()
    done = confined([*GRIDGOV, "compare", str(folder.root), "--out", str(out)],
                    read_only=out)
    assert done.returncode == 2 and str(out) in one_line(done.stderr)
    assert list(out.iterdir()) == []


def test_a_full_disk_leaves_no_half_written_report(swept: Path, tmp_path: Path) -> None:
    folder = copy(swept, tmp_path)
    out = tmp_path / "small"
    out.mkdir()
    # the tmpfs lives as long as its namespace: list it from within, after the command
    done = confined(["sh", "-c", f'"$0" "$@" compare "{folder.root}" --out "{out}"; '
                     f'echo "status $?" >&2; ls -a "{out}"', *GRIDGOV], full=out, size="96k")
    err = done.stderr.strip().splitlines()
    assert err[-1] == "status 2", done.stderr
    assert "No space left on device" in one_line("\n".join(err[:-1]))
    names = set(done.stdout.split()) - {".", ".."}
    assert names and "report.html" not in names  # no report claims to be finished
    assert not [n for n in names if n.endswith(".tmp")]  # no temporary file left
