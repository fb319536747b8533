"""Sensitivity analysis: Saltelli and Morris designs, indices on analytic functions, the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write as write_file

from simulation.analysis.report.results import SweepResults
from simulation.analysis.sensitivity import analyse, point_means
from simulation.faces.cli import main
from simulation.sweeps.designs import unit_sample
from simulation.sweeps.experiment import ExperimentError, load_experiment, resample

HEADER = ('[experiment]\nname = "s"\nscenario = "baseline"\ndays = 20\nreplications = 2\n'
          'seed = 3\n[fixed]\n"world.communities_per_street" = 1\n'
          '"world.grids_per_community_min" = 2\n"world.grids_per_community_max" = 2\n'
          '"world.households_per_grid_min" = 60\n"world.households_per_grid_max" = 70\n')
RANGES = '[ranges]\n"trust.gain_good" = [0.02, 0.3]\n"trust.contacts" = [0, 10]\n'


def write(tmp_path: Path, text: str) -> Path:
    return write_file(tmp_path, text, "s.toml")


def test_design_sizes_follow_saltelli_and_morris(tmp_path: Path) -> None:
    e = load_experiment(write(tmp_path, HEADER + '[design]\nmethod = "sobol"\nsamples = 8\n'
                              + RANGES))
    sal = resample(e, "saltelli")
    assert len(sal.points) == 8 * (2 + 2)  # N (d + 2)
    mor = resample(e, "morris", 5)
    assert len(mor.points) == 5 * (2 + 1)  # r (d + 1)
    for p in sal.points + mor.points:
        assert 0.02 <= p["trust.gain_good"] <= 0.3
        assert isinstance(p["trust.contacts"], int) and 0 <= p["trust.contacts"] <= 10
    assert resample(e, "saltelli").points == sal.points  # the seed fixes the design


@pytest.mark.parametrize("text, needle", [
    (HEADER + '[design]\nmethod = "saltelli"\nsamples = 6\n' + RANGES, "not a power of 2"),
    (HEADER + '[design]\nmethod = "morris"\nsamples = 4\n' + RANGES
     + '[factors]\n"visits.per_worker_day" = [2.0, 4.0]\n', "analyses [ranges] alone"),
])
def test_unsuitable_sensitivity_designs_are_refused(tmp_path: Path, text: str,
                                                    needle: str) -> None:
    with pytest.raises(ExperimentError, match=None) as info:
        load_experiment(write(tmp_path, text))
    assert needle in str(info.value)


def test_resample_needs_ranges(tmp_path: Path) -> None:
    e = load_experiment(write(tmp_path, HEADER))
    with pytest.raises(ExperimentError, match=r"\[ranges\]: missing"):
        resample(e, "saltelli", 8)


def fake_results(method: str, samples: int, names: list[str], fn, reps: int = 1,
                 noise: float = 0.0) -> SweepResults:
    """A results object whose outcome is ``fn(unit point)`` (+ noise) at each design point."""
    u = unit_sample(method, names, samples, seed=9)
    rng = np.random.default_rng(0)
    rows = [{"run_id": f"p{i}-r{r}", "point": i, "policy": "default", "replication": r,
             "status": "ok", "y": fn(x) + noise * rng.normal()}
            for i, x in enumerate(u) for r in range(reps)]
    design = {"method": method, "samples": samples, "ranges": {n: [0, 1] for n in names},
              "points": [{} for _ in u], "factors": {}, "policies": []}
    return SweepResults(Path("."), "f", "", "baseline", 1, reps, 9, design, pd.DataFrame(rows),
                        pd.DataFrame(), pd.DataFrame())


def test_sobol_indices_of_an_additive_function_match_the_analytic_values() -> None:
    # y = 2 x1 + x2 with x uniform on [0, 1]: Var = 4/12 + 1/12, so S1 = ST = 0.8, 0.2, 0
    results = fake_results("saltelli", 1024, ["a", "b", "c"], lambda x: 2 * x[0] + x[1])
    t = analyse(results, ["y"]).set_index("parameter")
    assert t.S1.to_numpy() == pytest.approx([0.8, 0.2, 0.0], abs=0.03)
    assert t.ST.to_numpy() == pytest.approx([0.8, 0.2, 0.0], abs=0.03)
    assert (t.S1_low <= t.S1).all() and (t.S1_high >= t.S1).all()


def test_morris_ranks_an_inert_parameter_last() -> None:
    results = fake_results("morris", 20, ["a", "b", "c"], lambda x: 3 * x[0] + x[1] ** 2)
    t = analyse(results, ["y"]).set_index("parameter")
    assert t.mu_star["a"] == pytest.approx(3.0, rel=1e-9)  # linear: every effect is 3
    assert t.mu_star["c"] == pytest.approx(0.0, abs=1e-12)
    assert t.mu_star["a"] > t.mu_star["b"] > t.mu_star["c"]


def test_noise_share_separates_replication_noise_from_the_design() -> None:
    quiet = fake_results("saltelli", 64, ["a", "b"], lambda x: 10 * x[0], reps=4, noise=0.1)
    loud = fake_results("saltelli", 64, ["a", "b"], lambda x: 0.1 * x[0], reps=4, noise=1.0)
    assert point_means(quiet, "y")[1] < 0.01  # var(10 x) = 8.3 against 0.01 of noise
    assert point_means(loud, "y")[1] > 0.9


def test_sensitivity_cli_runs_the_design_and_writes_indices(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, HEADER + '[design]\nmethod = "sobol"\nsamples = 4\n' + RANGES)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "1",
                 "--metrics", "trust_change"]) == 0
    table = pd.read_csv(out / "sensitivity" / "sensitivity.csv")
    assert set(table.parameter) == {"trust.gain_good", "trust.contacts"}
    assert {"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"} <= set(table.columns)
    assert (out / "sensitivity" / "sensitivity.png").read_bytes().startswith(b"\x89PNG")
    assert len(pd.read_parquet(out / "runs.parquet")) == 4 * 4 * 2
    assert "trust_change" in capsys.readouterr().out


def test_sensitivity_cli_bad_input_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["sensitivity", str(write(tmp_path, HEADER))]) == 2
    assert main(["sensitivity", str(tmp_path / "s.toml"), "--method", "fast"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "[ranges]: missing" in err[0] and "invalid choice" in err[1]


def test_unknown_metric_fails_before_any_run(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, HEADER + '[design]\nmethod = "sobol"\nsamples = 4\n' + RANGES)
    out = tmp_path / "never"
    assert main(["sensitivity", str(path), "--out", str(out), "--metrics", "nosuch"]) == 2
    assert "unknown metric 'nosuch'" in capsys.readouterr().err
    assert not out.exists()


def test_one_replication_per_point_has_no_noise_estimate_not_a_crash() -> None:
    """A common Sobol set-up (replications = 1) with a count outcome (Int64 in the runs
    table): the point means are the runs, the noise shares are undefined (NaN)."""
    results = fake_results("saltelli", 8, ["a", "b"], lambda x: 10 * x[0])
    results.runs["y"] = results.runs["y"].round().astype("Int64")
    y, noise, noise_means = point_means(results, "y")
    assert len(y) == len(results.design["points"]) and np.isnan(noise) and np.isnan(noise_means)
    assert not analyse(results, ["y"]).empty
