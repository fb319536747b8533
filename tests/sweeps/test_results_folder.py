"""The results folder's layout: what a sweep writes is exactly what the layout names, the
report reads it back through the same names, and the documented layout is complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import header, write

import simulation.sweeps.folder as layout
from simulation.analysis.report.results import load_results
from simulation.measures.tables import kept_as_parquet
from simulation.sweeps.engine import run_sweep
from simulation.sweeps.experiment import load_experiment
from simulation.sweeps.folder import ResultsFolder


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> tuple[ResultsFolder, list[str]]:
    tmp = tmp_path_factory.mktemp("layout")
    experiment = load_experiment(write(tmp, header(days=8, reps=2, scenario="mmc")))
    folder = ResultsFolder(tmp / "out")
    run_sweep(experiment, folder.root, workers=1, keep_cases=True)
    return folder, [r.run_id for r in experiment.runs()]


def test_a_sweep_writes_exactly_the_layout(swept) -> None:
    folder, run_ids = swept
    expected = {folder.experiment, folder.design, folder.manifest, *folder.summary_files,
                folder.ownership().path,
                *(folder.record(r) for r in run_ids),
                *(folder.per_run(kind, r) for kind in kept_as_parquet() for r in run_ids)}
    written = {p for p in folder.root.rglob("*") if p.is_file()}
    assert written == expected
    assert {p for p in folder.root.iterdir() if p.is_dir()} == set(folder.folders(True))
    assert not folder.lock.exists()  # released when the sweep ends


def test_the_report_reads_it_back_through_the_same_names(swept) -> None:
    folder, run_ids = swept
    results = load_results(folder.root)
    assert list(results.runs.run_id) == run_ids and (results.runs.status == "ok").all()
    assert set(results.timeseries.run_id) == set(run_ids)
    assert results.grids(run_ids[0]) is not None and results.grids("nope") is None


def test_unknown_per_run_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown per-run table 'series'"):
        ResultsFolder(Path("x")).per_run("series", "p0000-default-r001")


def test_the_documented_layout_names_every_file() -> None:
    folder = ResultsFolder(Path("f"))
    names = {p.name for p in (folder.experiment, folder.design, folder.manifest,
                              *folder.summary_files, folder.report, folder.lock)}
    names |= {f"{kind}/RUN_ID.parquet" for kind in kept_as_parquet()} | {"runs/RUN_ID.json"}
    doc = layout.__doc__
    missing = [n for n in names if n not in doc]
    assert not missing, missing
