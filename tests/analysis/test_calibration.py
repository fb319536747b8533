"""Calibration by rejection ABC: distances, acceptance, a known answer recovered, the
files it writes (fitted.toml, verify.toml) and the experiment files it refuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.calibration import (
    Calibration,
    CalibrationError,
    accept,
    calibrate,
    check_experiment,
    distances,
    fitted_toml,
    toml_value,
    verify_toml,
    weighted_quantile,
)
from simulation.analysis.report.results import SweepResults
from simulation.faces.cli import main
from simulation.sweeps.designs import unit_sample
from simulation.sweeps.experiment import Target, load_experiment


def test_distance_is_the_rms_of_standardised_misfits() -> None:
    means = pd.DataFrame({"a": [1.0, 2.0], "b": [10.0, 13.0]})
    targets = {"a": Target(1.0, 0.5, "s"), "b": Target(10.0, 1.0, "s")}
    assert np.allclose(distances(means, targets), [0.0, np.sqrt((2**2 + 3**2) / 2)])


def test_accept_keeps_the_closest_share_with_epanechnikov_weights() -> None:
    d = np.array([5.0, 0.1, 3.0, 0.2, np.nan, 0.4, 9.0, 1.0, 2.0, 4.0])
    w = accept(d, 0.3)
    assert set(np.flatnonzero(w > 0)) == {1, 3, 5} or set(np.flatnonzero(w > 0)) == {1, 3}
    assert w.sum() == pytest.approx(1.0) and w[1] > w[3] >= w[5]
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), 0.5) == 2.0


def test_abc_recovers_a_known_parameter() -> None:
    """y = 10 a + noise with target 4: the posterior of a centres on 0.4."""
    names = ["a", "b"]
    u = unit_sample("lhs", names, 400, seed=1)
    rng = np.random.default_rng(2)
    rows = [{"run_id": f"p{i}-r{r}", "point": i, "policy": "default", "replication": r,
             "status": "ok", "y": 10 * x[0] + rng.normal(0, 0.2)}
            for i, x in enumerate(u) for r in range(2)]
    design = {"method": "lhs", "ranges": {"a": [0.0, 1.0], "b": [0.0, 1.0]},
              "points": [{"a": x[0], "b": x[1]} for x in u],
              "targets": {"y": {"value": 4.0, "tolerance": 0.5, "source": "test"}}}
    results = SweepResults(Path("."), "t", "", "baseline", 1, 2, 1, design,
                           pd.DataFrame(rows), pd.DataFrame(), pd.DataFrame())
    cal = calibrate(results, 0.1).posterior.set_index("parameter")
    assert cal.loc["a", "median"] == pytest.approx(0.4, abs=0.02)
    assert cal.loc["a", "q05"] < 0.4 < cal.loc["a", "q95"] and cal.loc["a", "q95"] - \
        cal.loc["a", "q05"] < 0.1
    assert cal.loc["b", "q95"] - cal.loc["b", "q05"] > 0.6  # b is not identified: stays wide


def test_no_acceptable_point_is_a_clear_error() -> None:
    """Every point with a saturated queue: a one-line error naming the load, no traceback
    from an empty posterior."""
    from simulation.analysis.report.results import ReportError

    rows = [{"run_id": f"p{i}-r0", "point": i, "policy": "default", "replication": 0,
             "status": "ok", "y": float(i), "max_offered_load": 0.9} for i in range(4)]
    design = {"method": "lhs", "ranges": {"a": [0.0, 1.0]},
              "points": [{"a": i / 4} for i in range(4)],
              "targets": {"y": {"value": 1.0, "tolerance": 0.5, "source": "test"}}}
    results = SweepResults(Path("."), "t", "", "baseline", 1, 1, 1, design,
                           pd.DataFrame(rows), pd.DataFrame(), pd.DataFrame())
    with pytest.raises(ReportError, match=r"no design point .* can be accepted.*lowest 0\.900"):
        calibrate(results, 0.1)


TARGETS = ('[targets]\n"share_known_resolved" = { value = 0.9, tolerance = 0.05, '
           'source = "test" }\n')
HEAD = ('[experiment]\nname = "c"\nscenario = "baseline"\ndays = 30\nreplications = 1\n'
        'seed = 2\n[fixed]\n"world.communities_per_street" = 1\n'
        '"world.grids_per_community_min" = 2\n"world.grids_per_community_max" = 2\n'
        '"world.households_per_grid_min" = 60\n"world.households_per_grid_max" = 70\n')


def test_calibrate_cli_fits_verifies_and_writes_its_files(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.toml"
    path.write_text(HEAD + '[design]\nmethod = "lhs"\nsamples = 10\n[ranges]\n'
                    '"handling.sigma" = [0.5, 1.5]\n' + TARGETS, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1",
                 "--verify", "2", "--accept", "0.3"]) == 0
    folder = out / "calibration"
    for name in ("points.csv", "posterior.csv", "fitted.toml", "calibration.png", "fit.csv"):
        assert (folder / name).is_file(), name
    fitted = (folder / "fitted.toml").read_text(encoding="utf-8")
    assert '"handling.sigma" = ' in fitted
    verify = load_experiment(folder / "verify.toml")
    assert verify.replications == 2 and "handling.sigma" in verify.fixed
    assert "simulated" in capsys.readouterr().out


@pytest.mark.parametrize("extra, needle", [
    ('[design]\nmethod = "lhs"\nsamples = 4\n[ranges]\n"handling.sigma" = [0.5, 1.5]\n',
     "[targets]: missing"),
    (TARGETS, "a calibration samples its prior over [ranges]"),
    ('[targets]\n"share_known" = { value = 0.9, tolerance = 0.05, source = "x" }\n',
     "unknown metric"),
    ('[targets]\n"share_known_resolved" = { value = 0.9, tolerance = 0, source = "x" }\n',
     "must be above 0"),
    ('[targets]\n"share_known_resolved" = { value = 0.9, tolerance = 0.1 }\n',
     "needs a source"),
])
def test_calibrate_cli_bad_files_are_one_line(tmp_path: Path, capsys, extra: str,
                                             needle: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(HEAD + extra, encoding="utf-8")
    assert main(["calibrate", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_median_interval_is_the_order_statistic_interval() -> None:
    from simulation.analysis.statistics import median_interval

    x = np.arange(1.0, 21.0)
    iv = median_interval(x[::-1])
    assert (iv.low, iv.estimate, iv.high) == (6.0, 10.5, 15.0)  # [x(6), x(15)] for n = 20
    assert (median_interval(x[:8]).low, median_interval(x[:8]).high) == (1.0, 8.0)


def fitted_calibration() -> Calibration:
    """A calibration of two parameters (one integer) with three points, two accepted."""
    points = pd.DataFrame({"handling.sigma": [0.8, 1.0, 1.4], "trust.contacts": [2, 3, 9],
                           "distance": [0.5, 0.2, 3.0], "weight": [0.4, 0.6, 0.0]})
    points["accepted"] = points.weight > 0
    posterior = pd.DataFrame({
        "parameter": ["handling.sigma", "trust.contacts"], "median": [0.92, 2.6],
        "q05": [0.81, 2.0], "q95": [0.99, 3.0], "prior_low": [0.5, 0], "prior_high": [1.5, 10],
        "best": [1.0, 3.0], "integer": [False, True]})
    return Calibration(points, posterior, {"share_known_resolved": Target(0.9, 0.05, "s")})


def test_fitted_toml_is_a_fixed_table_of_the_medians_with_their_intervals(tmp_path) -> None:
    cal = fitted_calibration()
    path = tmp_path / "c.toml"
    path.write_text(HEAD + '[design]\nmethod = "lhs"\nsamples = 4\n[ranges]\n'
                    '"handling.sigma" = [0.5, 1.5]\n"trust.contacts" = [0, 10]\n' + TARGETS,
                    encoding="utf-8")
    experiment = load_experiment(path)
    text = fitted_toml(experiment, cal)
    assert "2 of 3 design points accepted" in text
    assert '"handling.sigma" = 0.92   # 90% CrI [0.81, 0.99]' in text
    assert '"trust.contacts" = 3   # 90% CrI [2, 3]' in text  # integers rounded
    # verify.toml: the fitted values fixed, new seeds, the asked replications; it loads
    (tmp_path / "v.toml").write_text(verify_toml(experiment, cal, 4), encoding="utf-8")
    verify = load_experiment(tmp_path / "v.toml")
    assert verify.replications == 4 and verify.seed == experiment.seed + 1
    assert verify.fixed["handling.sigma"] == 0.92 and verify.fixed["trust.contacts"] == 3
    assert verify.fixed["world.households_per_grid_min"] == 60  # the file's own [fixed]
    assert verify.name == "c-verify" and not verify.ranges


def test_toml_values_round_trip() -> None:
    import tomllib

    for value in (True, False, 3, 0.125, 'a "quoted" \\ path'):
        assert tomllib.loads(f"x = {toml_value(value)}")["x"] == value


@pytest.mark.parametrize("extra, needle", [
    ('[design]\nmethod = "lhs"\nsamples = 4\n[ranges]\n"handling.sigma" = [0.5, 1.5]\n',
     "[targets]: missing"),
    (TARGETS, "[design]: a calibration samples its prior over [ranges]"),
    ('[design]\nmethod = "lhs"\nsamples = 4\n[ranges]\n"handling.sigma" = [0.5, 1.5]\n'
     '[factors]\n"trust.contacts" = [2, 3]\n' + TARGETS, "[factors]: a calibration fits"),
    ('[design]\nmethod = "lhs"\nsamples = 4\n[ranges]\n"handling.sigma" = [0.5, 1.5]\n'
     + TARGETS + '[[policies]]\nname = "a"\n[[policies]]\nname = "b"\n',
     "[[policies]]: a calibration fits one configuration"),
])
def test_check_experiment_refuses_what_cannot_be_calibrated(tmp_path, extra, needle) -> None:
    path = tmp_path / "c.toml"
    path.write_text(HEAD + extra, encoding="utf-8")
    with pytest.raises(CalibrationError) as info:
        check_experiment(load_experiment(path))
    assert needle in str(info.value) and str(path) in str(info.value)
