"""Experiment files (simulation/sweeps/experiment.py, experiment_checks.py): parsing and
validation with one-line errors naming the file, section and key; designs (designs.py:
factorial, LHS, Sobol, Saltelli, Morris); the runs they expand to; and the replication seeds
shared by every point and policy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, ROOT, TINY, header, write

import simulation.sweeps.designs as designs
from simulation.faces.cli import main
from simulation.parameters import PARAM_INDEX
from simulation.sweeps.designs import design_points, design_problem, points_per_sample
from simulation.sweeps.experiment import (
    ExperimentError,
    PolicySpec,
    load_experiment,
    replication_seeds,
    resample,
)


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


def test_sampled_points_map_the_unit_cube_onto_the_ranges(monkeypatch) -> None:
    """u in [0, 1) -> low + u (high - low) for numbers, low + floor(u (high - low + 1)) for
    integers (each integer gets an equal share of the unit interval)."""
    u = np.array([[0.0, 0.0], [0.124, 0.5], [0.125, 0.75], [0.999, 0.999]])
    monkeypatch.setattr(designs, "unit_sample", lambda *args: u)
    ranges = {"trust.contacts": (0, 7), "trust.gain_good": (0.1, 0.3)}
    specs = {k: PARAM_INDEX[k] for k in ranges}
    points = design_points({"policy.party_branch": [False, True]}, ranges, "lhs", 4, 1, specs)
    assert [p["trust.contacts"] for p in points[:4]] == [0, 0, 1, 7]
    assert [p["trust.gain_good"] for p in points[:4]] == pytest.approx([0.1, 0.2, 0.25, 0.2998])
    assert all(isinstance(p["trust.contacts"], int) for p in points)
    assert [p["policy.party_branch"] for p in points] == [False] * 4 + [True] * 4
    assert [p["trust.contacts"] for p in points[4:]] == [0, 0, 1, 7]  # the same samples


def test_a_factorial_design_ignores_the_sampler() -> None:
    points = design_points({"a.b": [1, 2], "c.d": ["x", "y", "z"]}, {}, "factorial", 0, 1, {})
    assert points == [{"a.b": 1, "c.d": "x"}, {"a.b": 1, "c.d": "y"}, {"a.b": 1, "c.d": "z"},
                      {"a.b": 2, "c.d": "x"}, {"a.b": 2, "c.d": "y"}, {"a.b": 2, "c.d": "z"}]
    assert design_points({}, {}, "factorial", 0, 1, {}) == [{}]


def test_points_per_sample_and_design_problems() -> None:
    assert [points_per_sample(m, 3) for m in ("lhs", "sobol", "saltelli", "morris")] == \
        [1, 1, 5, 4]
    assert design_problem("lhs", 10, {}) == ""
    assert design_problem("sobol", 16, {"a.b": [1, 2]}) == ""
    assert design_problem("sobol", 12, {}).startswith("samples: 12 is not a power of 2")
    assert design_problem("saltelli", 12, {}).startswith("samples: 12 is not a power of 2")
    assert design_problem("morris", 4, {"a.b": [1]}).startswith(
        "a morris design analyses [ranges] alone")


def test_resample_for_a_sensitivity_analysis(tmp_path: Path) -> None:
    text = header() + """
[design]
method = "lhs"
samples = 8
[ranges]
"trust.gain_good" = [0.05, 0.25]
"trust.loss_bad" = [0.1, 0.4]
"""
    e = load_experiment(write(tmp_path, text))
    morris = resample(e, "morris", 4)
    assert len(morris.points) == 4 * (2 + 1) and morris.method == "morris"
    saltelli = resample(e, "saltelli")
    assert len(saltelli.points) == 8 * (2 + 2) and saltelli.samples == 8
    assert len(e.points) == 8 and e.method == "lhs"  # the original is left as it was
    for p in morris.points + saltelli.points:
        assert 0.05 <= p["trust.gain_good"] <= 0.25 and 0.1 <= p["trust.loss_bad"] <= 0.4
    with pytest.raises(ExperimentError, match=r"\[ranges\]: missing; a sensitivity analysis"):
        resample(load_experiment(TINY), "morris", 4)
    with pytest.raises(ExperimentError, match="not a power of 2"):
        resample(e, "saltelli", 6)


# --- runs, policies and seeds ---------------------------------------------------------------
def test_runs_go_point_then_policy_then_replication_and_later_layers_win(tmp_path) -> None:
    text = header(reps=2) + """
[fixed]
"branch.take_prob" = 0.5
"trust.contacts" = 2
[factors]
"visits.per_worker_day" = [2.0, 6.0]
[[policies]]
name = "plain"
[[policies]]
name = "keen"
description = "branches that take more"
levers = ["party_branch", "mobilisation:mode=campaign"]
set = { "branch.take_prob" = 0.9 }
"""
    e = load_experiment(write(tmp_path, text))
    assert e.policies[1] == PolicySpec("keen", {"policy.party_branch": True,
                                                "policy.mobilisation": "campaign",
                                                "branch.take_prob": 0.9},
                                       "branches that take more")
    runs = e.runs()
    assert [r.run_id for r in runs] == [
        "p0000-plain-r000", "p0000-plain-r001", "p0000-keen-r000", "p0000-keen-r001",
        "p0001-plain-r000", "p0001-plain-r001", "p0001-keen-r000", "p0001-keen-r001"]
    keen = runs[7]
    assert (keen.point, keen.policy, keen.replication) == (1, "keen", 1)
    assert keen.overrides == {"branch.take_prob": 0.9, "trust.contacts": 2,
                              "visits.per_worker_day": 6.0, "policy.party_branch": True,
                              "policy.mobilisation": "campaign"}
    assert keen.factors == {"visits.per_worker_day": 6.0}
    assert runs[4].overrides["branch.take_prob"] == 0.5  # the fixed value where not set
    assert (keen.scenario, keen.days) == ("baseline", 30)


def test_without_policies_there_is_one_default_policy(tmp_path: Path) -> None:
    e = load_experiment(write(tmp_path, header(reps=3)))
    assert e.policies == [PolicySpec("default", {}, "the scenario as it is")]
    assert e.points == [{}] and len(e.runs()) == 3


def test_replication_seeds_are_pinned() -> None:
    """SeedSequence(seed, spawn_key=(0,)).spawn(R)[r]: the same numbers on every machine
    and release (results folders made earlier must still --resume)."""
    assert replication_seeds(7, 3) == [6716045083268726496, 7764645870245362157,
                                       9015536141025813560]
    record = load_experiment(TINY).design_record()["replication_seeds"]
    assert record[1] == {"replication": 1, "seed": 7764645870245362157,
                         "seed_sequence": {"entropy": 7, "spawn_key": [0, 1]}}


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


def test_levers_that_cannot_act_are_noted_per_policy(tmp_path: Path) -> None:
    text = header() + """
[[policies]]
name = "led"
levers = ["mobilisation:mode=party_led"]
[[policies]]
name = "led_with_branches"
levers = ["party_branch", "mobilisation:mode=party_led"]
"""
    e = load_experiment(write(tmp_path, text))
    assert len(e.warnings) == 1
    assert e.warnings[0].startswith("led: policy.mobilisation = party_led acts only in grids "
                                    "with a Party branch")
    assert not load_experiment(TINY).warnings


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
    (header() + '[[policies]]\nname = "a"\nlevers = ["visits"]\n',
     "'levers': policy 'visits' needs a value for 'per_worker_day'"),
    (header().replace('name = "t"', 'name = "abc\\n"'), "[experiment] 'name'"),
    (header() + '[[policies]]\nname = "a\\n"\n', "'name'"),
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


@pytest.mark.parametrize(("text", "needle"), [
    (header(days=30) + "warmup_days = 20\nfollowup_days = 10\n",
     "[experiment] 'days': 30 days leave no measurement window after warmup_days = 20 and "
     "followup_days = 10"),
    (header() + "warmup_days = -1\n", "[experiment] 'warmup_days': -1 must be at least 0"),
    (header() + '[targets]\nmean_truth = { value = 0.6, tolerance = 0.1, source = "x" }\n',
     "[targets] 'mean_truth': unknown metric"),
    (header() + '[targets]\nmean_trust = { value = 0.6, tolerance = 0, source = "x" }\n',
     "[targets] 'mean_trust': tolerance 0 must be above 0"),
    (header() + "[targets]\nmean_trust = { value = 0.6, tolerance = 0.1 }\n",
     "[targets] 'mean_trust': needs a source"),
    (header() + '[fixed]\n"trust.contacts" = 2\n[factors]\n"trust.contacts" = [1, 3]\n',
     "[fixed] 'trust.contacts': also varies in [factors] or [ranges]"),
    (header() + '[factors]\n"trust.contacts" = [1, 3]\n[[policies]]\nname = "a"\n'
     'set = { "trust.contacts" = 2 }\n', "[[policies]] #1 'trust.contacts': also varies"),
    (header() + '[factors]\n"trust.contacts" = [1, 1]\n', "lists a value twice"),
])
def test_more_bad_experiment_files(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert str(info.value).startswith(f"{path}: ") and needle in str(info.value)


def test_targets_are_read_with_their_source(tmp_path: Path) -> None:
    text = header() + '[targets]\nmean_trust = { value = 0.6, tolerance = 0.05, source = "x" }\n'
    target = load_experiment(write(tmp_path, text)).targets["mean_trust"]
    assert (target.value, target.tolerance, target.source) == (0.6, 0.05, "x")


def test_a_missing_file_is_named() -> None:
    with pytest.raises(ExperimentError, match=r"nope\.toml: no such file"):
        load_experiment(DATA / "nope.toml")


def test_shipped_experiment_files_are_valid() -> None:
    root = ROOT / "experiments"
    names = {p.stem for p in root.glob("*.toml")}
    assert {"policy_comparison", "staffing", "volunteer_mobilisation", "sensitivity"} <= names
    for path in root.glob("*.toml"):
        assert load_experiment(path).runs()


def test_a_byte_order_mark_is_not_part_of_the_file(tmp_path: Path) -> None:
    """Editors that write UTF-8 with a byte-order mark make files that load as without."""
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + header().encode("utf-8"))
    assert load_experiment(path).name == "t"


@pytest.mark.parametrize("make, needle", [
    (lambda tmp: tmp, "not a regular file"),
    (lambda tmp: write(tmp, "# " + "x" * 1_100_000 + "\n" + header()), "too large"),
    (lambda tmp: tmp / "missing.toml", "no such file"),
])
def test_what_is_not_an_experiment_file_is_one_line(tmp_path: Path, capsys, make,
                                                   needle: str) -> None:
    path = make(tmp_path)
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_an_endless_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    """`gridgov sweep /dev/zero`: one line, exit 2, in a process whose memory is capped
    (so that a regression fails here instead of exhausting the machine)."""
    import resource
    import subprocess
    import sys

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))

    done = subprocess.run([sys.executable, "-m", "simulation.faces.cli", "sweep", "/dev/zero",
                           "--out", str(tmp_path / "o")], capture_output=True, text=True,
                          timeout=120, preexec_fn=cap)
    assert done.returncode == 2, done.stderr
    assert "/dev/zero: not a regular file" in done.stderr and done.stderr.count("\n") == 1
