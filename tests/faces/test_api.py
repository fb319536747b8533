"""The Python API: the model's constructor (scenario names, levers as strings, dotted
overrides, mesa.batch_run), the one default seed, the numeric summary, the docstrings, the
figures, and the sweep, comparison and sensitivity entry points against the command
line's results. (Levers written as strings and checked when made: test_policies.py.)"""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import SMALL, TINY
from conftest import write as write_file
from matplotlib.figure import Figure

import simulation
from simulation import (
    DEFAULT_SEED,
    GridGovernanceModel,
    ParameterError,
    SweepResult,
    load_scenario,
    run_scenario,
)
from simulation.measures.outcomes import summarise
from simulation.policies import PartyBranch

TINY_WORLD = {"world.scale": 0.2}  # baseline at a fifth of its grids: 4 grids, ~1,000 people


# --- the model's constructor --------------------------------------------------------------
def test_the_model_takes_a_scenario_name_levers_and_dotted_overrides() -> None:
    a = GridGovernanceModel("baseline", seed=4, levers=["party_branch"],
                            **{**SMALL, "visits.per_worker_day": 2.0}).run(20)
    b = GridGovernanceModel(load_scenario("baseline", {**SMALL, "visits.per_worker_day": 2.0},
                                          [PartyBranch()]), seed=4).run(20)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    pd.testing.assert_series_equal(a.summary(), b.summary())
    assert a.params.sources["visits.per_worker_day"] == "override"
    assert GridGovernanceModel(scenario="mmc").params["staffing.always_on"] is True
    with pytest.raises(ParameterError, match=r"unknown parameter 'visits\.per_day'"):
        GridGovernanceModel("baseline", **{"visits.per_day": 2.0})
    with pytest.raises(ParameterError, match="unknown scenario 'nosuch'"):
        GridGovernanceModel("nosuch")
    with pytest.raises(TypeError, match="not rng="):
        GridGovernanceModel("mmc", rng=3)
    with pytest.raises(TypeError, match="not both"):
        GridGovernanceModel("mmc", scenario="mmc")


def test_one_default_seed_zero_everywhere() -> None:
    assert DEFAULT_SEED == 0
    for fn in (GridGovernanceModel.__init__, run_scenario, simulation.running.result.run_params):
        assert inspect.signature(fn).parameters["seed"].default == DEFAULT_SEED
    unseeded = GridGovernanceModel("mmc").run(30)
    seeded = GridGovernanceModel("mmc", seed=0).run(30)
    assert unseeded.seed_value == 0
    pd.testing.assert_frame_equal(unseeded.timeseries(), seeded.timeseries())


def test_mesa_batch_run_varies_dotted_keys() -> None:
    """batch_run passes each combination as keyword arguments (Mesa 3.3.1 adds no seed of
    its own); ``max_steps=N`` steps N + 1 days and reports the DataCollector's row N."""
    rows = mesa.batch_run(
        GridGovernanceModel,
        parameters={"scenario": "baseline", "seed": 1, **TINY_WORLD,
                    "staffing.households_per_worker": [200.0, 300.0]},
        max_steps=20, number_processes=1, display_progress=False)
    assert [r["staffing.households_per_worker"] for r in rows] == [200.0, 300.0]
    for row in rows:
        model = GridGovernanceModel(load_scenario("baseline", {
            **TINY_WORLD,
            "staffing.households_per_worker": row["staffing.households_per_worker"]}),
            seed=1).run(21)
        expected = model.timeseries().iloc[20]
        assert row["Step"] == row["day"] == 20
        for column in ("arisen", "open_issues", "hidden_issues", "mean_trust",
                       "grid_worker_utilisation"):
            assert row[column] == expected[column], column
    # the same issues arise (common random numbers); fewer workers are busier
    assert rows[0]["arisen"] == rows[1]["arisen"] > 0
    assert rows[1]["grid_worker_utilisation"] > rows[0]["grid_worker_utilisation"]


# --- outputs: a numeric summary, documented methods, figures ------------------------------
def test_summary_is_a_float_series_with_the_metrics_values() -> None:
    model = GridGovernanceModel("baseline", seed=2, **SMALL).run(60)
    s = model.summary()
    as_dict = summarise(model.tally(), model.timeseries())
    assert s.dtype == np.float64
    assert list(s.index) == list(as_dict)
    for key, value in as_dict.items():
        assert (np.isnan(s[key]) and np.isnan(value)) or s[key] == value, key
    assert s["issues_arisen"] == s["issues_resolved"] + s["issues_open"] + \
        s["issues_abandoned"] + s["issues_never_known"] > 0
    assert s.describe()["count"] > 40  # numeric: pandas can summarise it


def test_every_public_name_has_a_docstring_saying_what_it_takes_and_returns() -> None:
    for name in simulation.__all__:
        obj = getattr(simulation, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__) > 60, name
    run_doc = GridGovernanceModel.run.__doc__
    assert all(w in run_doc for w in ("days", "on_day", "Returns", "Raises", "36,500"))
    for fn in (simulation.run_sweep, simulation.compare, simulation.run_sensitivity,
               GridGovernanceModel):
        assert "Returns" in fn.__doc__ or "Args" in fn.__doc__


def test_model_plot_draws_issues_and_trust_with_labels() -> None:
    model = GridGovernanceModel("baseline", seed=3, warmup_days=10, **SMALL).run(40)
    fig = model.plot()
    assert isinstance(fig, Figure)
    top, bottom = fig.axes
    assert top.get_ylabel() == "issues" and bottom.get_ylabel() == "mean trust (0-1)"
    assert bottom.get_xlabel() == "day of the run (days)"
    assert fig.get_suptitle() == "baseline, seed 3"
    ts = model.timeseries()
    open_line, hidden_line = top.get_lines()
    np.testing.assert_array_equal(open_line.get_ydata(), ts.open_issues)
    np.testing.assert_array_equal(hidden_line.get_ydata(), ts.hidden_issues)
    np.testing.assert_array_equal(bottom.get_lines()[0].get_ydata(), ts.mean_trust)
    result = run_scenario("mmc", days=10, seed=2)
    assert result.plot().get_suptitle() == "mmc, seed 2"


# --- sweeps, comparisons and sensitivity from Python --------------------------------------
@pytest.fixture(scope="module")
def api_sweep(tmp_path_factory) -> SweepResult:
    """TINY run through the Python entry point (12 runs of 40 days, one worker)."""
    out = tmp_path_factory.mktemp("api-sweep") / "tiny"
    return simulation.run_sweep(TINY, out=out, workers=1)


def test_run_sweep_returns_the_folder_tables_and_report(api_sweep: SweepResult,
                                                        tiny_sweep: Path) -> None:
    out = api_sweep.folder
    pd.testing.assert_frame_equal(api_sweep.runs.drop(columns="wall_seconds"),
                                  pd.read_parquet(out / "runs.parquet")
                                  .drop(columns="wall_seconds"))
    assert len(api_sweep.runs) == 12 and api_sweep.failed.empty
    assert api_sweep.report == out / "report" / "report.html" and api_sweep.report.is_file()
    assert len(api_sweep.timeseries) == 12 * 41  # days 0..40 of every run
    assert set(api_sweep.timeseries.run_id) == set(api_sweep.runs.run_id)
    # the same numbers as the command line's sweep of the same file (tiny_sweep)
    cli_runs = pd.read_parquet(tiny_sweep / "runs.parquet")
    metrics = ["run_id", "seed", "unresolved_issue_days_per_household", "issues_arisen",
               "trust_change", "hidden_issues"]
    pd.testing.assert_frame_equal(api_sweep.runs[metrics], cli_runs[metrics])
    again = SweepResult.load(out)
    assert again.report == api_sweep.report and again.name == "tiny"
    pd.testing.assert_frame_equal(again.runs, api_sweep.runs)


def test_run_sweep_accepts_an_experiment_object_and_resumes(api_sweep: SweepResult,
                                                            tmp_path: Path) -> None:
    from simulation.sweeps.experiment import load_experiment

    out = tmp_path / "copy"
    shutil.copytree(api_sweep.folder, out)
    cores = simulation.support.machine.usable_cores()
    with pytest.warns(UserWarning,
                      match=f"running {cores} runs at a time, not --workers 64: {cores} "):
        resumed = simulation.run_sweep(load_experiment(TINY), out=out, workers=64,
                                       resume=True, report=False)  # at most the cores
    pd.testing.assert_frame_equal(resumed.runs.drop(columns="wall_seconds"),
                                  api_sweep.runs.drop(columns="wall_seconds"))
    assert resumed.report is None
    with pytest.raises(simulation.sweeps.folder.SweepError):  # a folder with a sweep needs resume
        simulation.run_sweep(TINY, out=out, workers=1)


def test_sweep_plot_shows_every_replication_by_policy(api_sweep: SweepResult) -> None:
    fig = api_sweep.plot(["issues_arisen"])
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "status_quo p0000", "branch p0000", "status_quo p0001", "branch p0001"]
    dots = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections
                           if c.get_offsets().shape[0] == 3])
    assert sorted(dots) == sorted(api_sweep.runs.issues_arisen.astype(float))
    assert ax.get_ylabel() == "issues"
    assert len(api_sweep.plot().axes) == 3  # the default outcomes


def test_compare_returns_the_table_and_report_and_the_cli_prints_the_same(
        api_sweep: SweepResult, tmp_path: Path, capsys) -> None:
    from simulation.faces.cli import main

    cmp = simulation.compare(api_sweep, baseline="status_quo",
                             metrics=["issues_arisen", "trust_change"], out=tmp_path / "r")
    assert cmp.report == tmp_path / "r" / "report.html" and cmp.report.is_file()
    assert set(cmp.table.metric) == {"issues_arisen", "trust_change"}
    written = (tmp_path / "r" / "comparison.csv").read_text(encoding="utf-8")
    assert cmp.table.to_csv(index=False) == written
    branch = cmp.table[(cmp.table.policy == "branch") & (cmp.table.metric == "issues_arisen")]
    assert (branch.difference == 0).all()  # common random numbers: the same issues arise
    assert isinstance(cmp.plot(), Figure)
    assert main(["compare", str(api_sweep.folder), "--baseline", "status_quo", "--metrics",
                 "issues_arisen,trust_change", "--out", str(tmp_path / "cli")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(cmp.text + "\n")


def test_run_sensitivity_writes_and_returns_the_indices(tmp_path: Path) -> None:
    from analysis.test_sensitivity import HEADER, RANGES

    path = write_file(tmp_path, HEADER + '[design]\nmethod = "sobol"\nsamples = 4\n' + RANGES,
                      "s.toml")
    with pytest.warns(UserWarning, match="trust_change: indices above 1"):  # 4 samples
        res = simulation.run_sensitivity(path, out=tmp_path / "out", metrics=["trust_change"],
                                         workers=1)
    assert res.path == tmp_path / "out" / "sensitivity" / "sensitivity.csv"
    pd.testing.assert_frame_equal(res.indices, pd.read_csv(res.path), check_dtype=False)
    assert set(res.indices.parameter) == {"trust.gain_good", "trust.contacts"}
    assert len(res.runs) == 4 * 4 * 2  # N (d + 2) points x 2 replications
    assert "trust_change" in res.text and isinstance(res.plot(), Figure)
    with pytest.raises(simulation.support.errors.UsageError, match="unknown metric 'nosuch'"):
        simulation.run_sensitivity(path, out=tmp_path / "never", metrics=["nosuch"])
    assert not (tmp_path / "never").exists()


def test_run_sweep_guards_memory_unless_forced(tmp_path, monkeypatch) -> None:
    """As ``gridgov sweep``: refused before anything is written when one run cannot fit;
    ``force=True`` starts anyway."""
    from simulation.footprint import TooBig

    monkeypatch.setattr(simulation.support.machine, "available_bytes", lambda: 100_000)  # bytes
    with pytest.raises(TooBig, match="one run"):
        simulation.run_sweep(TINY, out=tmp_path / "refused", workers=1)
    assert not (tmp_path / "refused").exists()
    forced = simulation.run_sweep(TINY, out=tmp_path / "forced", workers=1, report=False,
                                  force=True)
    assert (forced.runs.status == "ok").all()
