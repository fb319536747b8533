"""Outputs declared once: a new outcome is one entry of the outcome registry, a new per-run
table one entry of measures/tables.py; everything that computes, merges, stores, resumes
and writes them follows (shown here by adding one of each for the length of a test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from conftest import SMALL, TINY

from simulation import load_scenario
from simulation.faces.cli import main
from simulation.measures import daily, outcomes, tables
from simulation.measures.outcomes import HIGHER, Outcome
from simulation.running.runner import run_model
from simulation.sweeps.engine import run_sweep
from simulation.sweeps.experiment import load_experiment


def visits_by_worker(model, tally) -> pd.DataFrame:
    """A new per-run table: each door-to-door worker's visits made."""
    return pd.DataFrame({"worker": range(len(model.rounds.done)),
                         "visits_made": model.rounds.done})


VISITS = tables.RunTable(
    "visits_by_worker", "each door-to-door worker's visits made", visits_by_worker,
    lambda parts, names, tally: pd.concat([p.tables["visits_by_worker"] for p in parts],
                                          ignore_index=True),
    "visits_by_worker.csv", "parquet", district_column=True)


def test_a_new_outcome_is_one_entry(tmp_path: Path, monkeypatch) -> None:
    new = Outcome("share_of_issues_reported", "issues reported over issues arisen", "share",
                  HIGHER, "reported (share of issues)",
                  lambda m: m.source.size and float((m.source >= 0).mean()))
    monkeypatch.setitem(outcomes.OUTCOMES, new.key, new)
    record = run_model(load_scenario("baseline", SMALL), seed=1, days=20)
    assert list(record.summary)[-1] == new.key and 0 < record.summary[new.key] <= 1
    runs = run_sweep(load_experiment(TINY), tmp_path / "sweep", workers=1)
    assert runs[new.key].between(0, 1).all()  # a column of the runs table


def test_a_new_per_run_table_is_one_entry(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tables, "RUN_TABLES", (*tables.RUN_TABLES, VISITS))
    record = run_model(load_scenario("baseline", SMALL), seed=1, days=20)
    assert record.tables["visits_by_worker"].visits_made.sum() > 0
    # gridgov run: one model, and a city merged from its districts (each labelled)
    assert main(["run", "baseline", "--set", "world.communities_per_street=1", "--days", "10",
                 "--out", str(tmp_path / "one")]) == 0
    assert len(pd.read_csv(tmp_path / "one" / "visits_by_worker.csv")) > 0
    assert main(["run", "jinan", "--scale", "0.005", "--days", "10", "--workers", "1",
                 "--out", str(tmp_path / "city")]) == 0
    city = pd.read_csv(tmp_path / "city" / "visits_by_worker.csv")
    assert city.columns[0] == "district" and city.district.nunique() == 13
    # a sweep stores it for every run, and a resumed sweep checks it is there
    out = tmp_path / "sweep"
    table = run_sweep(load_experiment(TINY), out, workers=1)
    assert sorted(p.stem for p in (out / "visits_by_worker").glob("*.parquet")) == sorted(
        table.run_id)
    gone = sorted((out / "visits_by_worker").glob("*.parquet"))[0]
    gone.unlink()
    again = run_sweep(load_experiment(TINY), out, workers=1, resume=True)
    assert gone.is_file()  # run again, its table written again
    pd.testing.assert_frame_equal(again.drop(columns="wall_seconds"),
                                  table.drop(columns="wall_seconds"))
    shutil.rmtree(out)


def test_a_daily_series_is_one_entry() -> None:
    """The DataCollector's columns and the city merge follow the declarations."""
    assert list(daily.reporters()) == [s.name for s in daily.SERIES]
    one = pd.DataFrame({s.name: [1.0, 2.0] for s in daily.SERIES})
    merged = daily.merge([one, one], residents=[1, 3], casework_hours=[2, 2])
    for s in daily.SERIES:
        want = {daily.Merge.SUM: [2.0, 4.0], daily.Merge.ACTIVE_SHARE: [1.0, 2.0]}.get(
            s.merge, [1.0, 2.0])
        assert merged[s.name].tolist() == want, s.name
