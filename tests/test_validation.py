"""Pattern-oriented validation at the test suite's size (QUICK: the scenarios' own worlds,
8 replications; `make validate` runs 20 and writes docs/validation.md),
and the calibration's ABC machinery on a problem with a known answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation import validation
from simulation.calibration import accept, calibrate, distances, weighted_quantile
from simulation.cli import main
from simulation.experiment import Target, load_experiment, unit_sample
from simulation.report.results import SweepResults

QUICK = validation.QUICK


@pytest.fixture(scope="module")
def wenheng_checks() -> dict[str, validation.Check]:
    return {c.name: c for c in validation.wenheng(validation.Size(reps=10, days=365))}


@pytest.mark.parametrize("name", ["wenheng_trust", "wenheng_backlog", "wenheng_stages"])
def test_wenheng_patterns(wenheng_checks: dict[str, validation.Check], name: str) -> None:
    check = wenheng_checks[name]
    assert check.passed, check.measured


def test_resolution_times_are_right_skewed() -> None:
    check = validation.right_skew(QUICK)
    assert check.passed, check.measured
    assert min(check.data["ratio"]) > 1.0


@pytest.mark.parametrize("fn", [validation.branch, validation.halve_workers,
                                validation.more_visits, validation.no_visits,
                                validation.half_casework])
def test_policy_patterns(fn) -> None:
    check = fn(QUICK)
    assert check.passed, check.measured
    for metric in check.data.values():
        assert metric["pairs"] == QUICK.reps


def test_volunteers_who_do_no_work_raise_no_trust() -> None:
    check = validation.idle_volunteers(QUICK)
    assert check.passed, check.measured
    base = check.data["trust_change"]["base_values"]
    lever = check.data["trust_change"]["lever_values"]
    assert base == lever  # identical, replication by replication


def test_working_volunteers_do_raise_trust() -> None:
    """The idle-volunteer check could fail: volunteers who work (the defaults) raise trust
    in the same comparison."""
    check = validation.paired_check(
        "campaign", "a working campaign raises trust", "test", QUICK,
        [("trust_change", +1)], {"policy.mobilisation": "campaign"}, base=validation.NO_BOOST)
    assert check.passed, check.measured


def test_the_status_quo_is_stationary() -> None:
    check = validation.stationary(QUICK)
    assert check.passed, check.measured
    for col in validation.STEADY_SERIES:
        assert check.data[col]["passed"]


def test_an_overloaded_status_quo_is_not_stationary() -> None:
    """The stationarity check can fail: with half the department officers needed, the
    department's queue grows year after year."""
    check = validation.stationary(validation.Size(reps=3,
                                                  world=(("department.case_staff", 3),)))
    assert not check.passed
    assert check.data["queued_above_grid"]["ratio"] > 1.1


def test_a_pattern_that_does_not_hold_is_reported_as_failed() -> None:
    """The checks can fail: expecting more visits to *raise* hidden issues fails."""
    small = (("world.communities_per_street", 1),)
    check = validation.paired_check("wrong", "more visits raise hidden issues", "none",
                                    validation.Size(reps=6, days=120, warmup=0, followup=0,
                                                    world=small),
                                    [("hidden_issues", +1)], {"visits.per_worker_day": 8.0})
    assert not check.passed and "NOT as expected" in check.measured


def test_seeds_come_from_a_seed_sequence_and_differ() -> None:
    seeds = validation.Size(reps=5).seeds()
    assert len(set(seeds)) == 5 and seeds == validation.Size(reps=5).seeds()
    assert validation.Size(reps=3).seeds() == seeds[:3]


# --- calibration ------------------------------------------------------------------------
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
    from simulation.analysis import median_interval

    x = np.arange(1.0, 21.0)
    iv = median_interval(x[::-1])
    assert (iv.low, iv.estimate, iv.high) == (6.0, 10.5, 15.0)  # [x(6), x(15)] for n = 20
    assert (median_interval(x[:8]).low, median_interval(x[:8]).high) == (1.0, 8.0)
