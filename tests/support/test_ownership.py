"""Output folders: a command overwrites or deletes only the files its ownership record
lists (simulation.support.ownership.Ownership); a path it would write that is not its own
stops it with one line before anything is written; repeating it with the same folder works.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from simulation.analysis.sensitivity import write_files as write_sensitivity
from simulation.faces.cli import main
from simulation.support.ownership import FolderError, Ownership, write_owned


def snapshot(folder: Path) -> dict[Path, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridgov: error: "), err
    return lines[0]


# --- the record itself --------------------------------------------------------------------

def test_a_record_lets_a_command_replace_and_delete_only_its_own(tmp_path: Path) -> None:
    own = Ownership.open(tmp_path, "demo")
    own.begin(["a.txt", "b.txt", "sub/", "sub/x.txt"])
    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "b.txt", "sub/x.txt"):
        (tmp_path / name).write_text("ours")
    own.finish(["a.txt", "b.txt", "sub/", "sub/x.txt"])
    (tmp_path / "sub" / "mine.txt").write_text("the user's, put in our folder")
    again = Ownership.open(tmp_path, "demo")
    assert again.owned == {"a.txt", "b.txt", "sub/", "sub/x.txt"}
    assert sorted(again.finish(["a.txt"])) == ["b.txt", "sub/x.txt"]  # sub/ keeps the user's file
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                  if p.is_file()) == [".gridgov-demo.json", "a.txt", "sub/mine.txt"]
    (tmp_path / "b.txt").write_text("the user's now")
    with pytest.raises(FolderError, match=r"b\.txt exists and gridgov demo did not write it"):
        Ownership.open(tmp_path, "demo").begin(["a.txt", "b.txt"])
    assert (tmp_path / "b.txt").read_text() == "the user's now"
    with pytest.raises(FolderError, match="did not write"):  # another command's record
        Ownership.open(tmp_path, "other").begin(["a.txt"])


def test_an_unreadable_record_owns_nothing_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("?")
    (tmp_path / ".gridgov-demo.json").write_text("[1, 2")
    with pytest.raises(FolderError, match=r"its record .*\.gridgov-demo\.json is unreadable"):
        Ownership.open(tmp_path, "demo").begin(["a.txt"])


def test_patterns_own_per_run_files_and_are_never_swept(tmp_path: Path) -> None:
    own = Ownership.open(tmp_path, "demo")
    own.begin(["runs/", "runs/*.json"])
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "r1.json").write_text("{}")
    assert own.owns("runs/r1.json") and not own.owns("runs/r1.txt")
    own.finish([])
    assert (tmp_path / "runs" / "r1.json").exists()  # a pattern is not a list to delete


def test_write_owned_adopts_an_older_gridgov_folder_by_its_marker(tmp_path: Path) -> None:
    (tmp_path / "sensitivity.csv").write_text("old")  # written before records existed
    (tmp_path / "sensitivity.png").write_text("old")
    write_owned(tmp_path, "sensitivity", {"sensitivity.csv": lambda p: p.write_text("new")},
                marker="sensitivity.csv", layout=("sensitivity.csv", "sensitivity.png"))
    assert (tmp_path / "sensitivity.csv").read_text() == "new"
    assert not (tmp_path / "sensitivity.png").exists()  # its own, not written again
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "sensitivity.png").write_text("the user's")  # no marker: nothing is adopted
    with pytest.raises(FolderError, match=r"sensitivity\.png exists"):
        write_owned(bare, "sensitivity", {"sensitivity.png": lambda p: p.write_text("x")},
                    marker="sensitivity.csv")
    assert (bare / "sensitivity.png").read_text() == "the user's"


def test_sensitivity_files_repeat_and_never_replace_a_strangers(tmp_path: Path) -> None:
    indices = pd.DataFrame({"policy": ["default"], "metric": ["trust_change"],
                            "parameter": ["p"], "S1": [0.5], "S1_low": [0.4], "S1_high": [0.6],
                            "ST": [0.6], "ST_low": [0.5], "ST_high": [0.7],
                            "noise_share": [0.1]})
    folder = tmp_path / "sensitivity"
    folder.mkdir()
    (folder / "sensitivity.png").write_bytes(b"the user's picture")
    with pytest.raises(FolderError, match=r"sensitivity\.png exists"):
        write_sensitivity(indices, folder)
    assert not (folder / "sensitivity.csv").exists()  # nothing written
    (folder / "sensitivity.png").unlink()
    write_sensitivity(indices, folder)
    write_sensitivity(indices.iloc[0:0], folder)  # repeated, now without indices
    assert sorted(p.name for p in folder.iterdir()) == [".gridgov-sensitivity.json",
                                                        "sensitivity.csv"]


# --- gridgov run --out ---------------------------------------------------------------------

def test_run_never_deletes_a_users_cases_folder(tmp_path: Path, capsys) -> None:
    proj = tmp_path / "proj"
    (proj / "cases" / "interviews").mkdir(parents=True)
    (proj / "cases" / "interviews" / "notes.txt").write_text("field notes")
    (proj / "districts.csv").write_text("the user's table")
    theirs = snapshot(proj)
    for _ in range(2):  # repeating the command with the same --out works
        assert main(["run", "mmc", "--days", "3", "--out", str(proj)]) == 0
        assert all(p.read_bytes() == b for p, b in theirs.items())
    assert (proj / "cases.csv").exists() and (proj / "summary.json").exists()
    capsys.readouterr()
    # a city run would write proj/districts.csv and proj/cases/NN.parquet: the user's
    city = ["run", "jinan", "--scale", "0.002", "--days", "3", "--out", str(proj)]
    for name in ("districts.csv", "cases"):
        before = snapshot(proj)
        assert main(city) == 2
        line = one_line(capsys.readouterr().err)
        assert f"{proj / name} exists and gridgov run did not write it" in line
        assert snapshot(proj) == before  # nothing written, nothing deleted
        if name == "districts.csv":
            (proj / name).unlink()


def test_a_city_run_and_a_one_model_run_replace_each_others_files(tmp_path: Path,
                                                                   capsys) -> None:
    out = tmp_path / "out"
    city = ["run", "jinan", "--scale", "0.002", "--days", "3", "--out", str(out)]
    assert main(city) == 0
    parts = sorted(p.name for p in (out / "cases").iterdir())
    assert len(parts) > 1 and (out / "districts.csv").exists()
    (out / "notes.txt").write_text("the user's")
    assert main(["run", "mmc", "--days", "3", "--out", str(out)]) == 0
    assert not (out / "cases").exists() and not (out / "districts.csv").exists()
    assert (out / "cases.csv").exists() and (out / "notes.txt").read_text() == "the user's"
    assert main(city) == 0
    assert sorted(p.name for p in (out / "cases").iterdir()) == parts
    assert not (out / "cases.csv").exists()
    record = json.loads((out / ".gridgov-run.json").read_text())
    assert record["command"] == "run" and "cases/00.parquet" in record["files"]
    assert not list(out.glob(".cases.*"))  # the staging folder is gone
    capsys.readouterr()


def test_run_into_a_sweep_folder_is_refused_and_changes_nothing(tmp_path: Path, tiny_sweep,
                                                                capsys) -> None:
    out = tmp_path / "sweep"
    shutil.copytree(tiny_sweep, out)
    assert list((out / "cases").iterdir())  # the sweep kept its case logs
    before = snapshot(out)
    assert main(["run", "mmc", "--days", "3", "--out", str(out)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "manifest.json exists and gridgov run did not write it" in line
    assert snapshot(out) == before  # the case logs and the manifest are untouched


def test_a_legacy_run_folder_is_adopted(tmp_path: Path, capsys) -> None:
    out = tmp_path / "old"
    assert main(["run", "mmc", "--days", "3", "--out", str(out)]) == 0
    (out / ".gridgov-run.json").unlink()  # as an older gridgov left it
    assert main(["run", "mmc", "--days", "4", "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["days"] == 4
    capsys.readouterr()


# --- gridgov compare -----------------------------------------------------------------------

@pytest.fixture
def swept(tiny_sweep) -> Path:
    return tiny_sweep


def test_a_second_compare_removes_the_first_ones_files_only(swept: Path, tmp_path: Path,
                                                            capsys) -> None:
    folder = tmp_path / "s"
    shutil.copytree(swept, folder)
    report = folder / "report"
    assert main(["compare", str(folder)]) == 0
    assert (report / "cost_effectiveness.csv").exists()
    assert (report / "cost_frontier.png").exists()
    (report / "my-notes.md").write_text("the user's")
    assert main(["compare", str(folder), "--metrics", "trust_change"]) == 0
    assert not (report / "cost_effectiveness.csv").exists()
    assert not (report / "cost_frontier.png").exists()
    assert (report / "my-notes.md").read_text() == "the user's"
    assert (report / "report.html").exists()
    capsys.readouterr()
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "report.html").write_text("<p>the user's page</p>")
    assert main(["compare", str(folder), "--out", str(other)]) == 2
    assert "report.html exists and gridgov compare did not write it" in one_line(
        capsys.readouterr().err)
    assert sorted(p.name for p in other.iterdir()) == ["report.html"]
