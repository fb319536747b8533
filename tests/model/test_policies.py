"""Lever levers: serialisation, validation (when a lever is made), levers written as on the
command line wherever levers are taken, and the direction of their effects.

Effects are tested on paired runs (the same seeds with and without the lever: common
random numbers); the mean paired difference must exceed 3 of its standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL

from simulation import (
    GridGovernanceModel,
    ParameterError,
    apply_levers,
    load_scenario,
    run_scenario,
)
from simulation.policies import (
    LEVERS,
    DigitalPlatform,
    DoorToDoorVisits,
    Lever,
    MediationCentre,
    PartyBranch,
    Staffing,
    VolunteerMobilisation,
    as_levers,
    parse_lever,
)

SEEDS = range(6)
DAYS = 240


@pytest.mark.parametrize("policy", [
    Staffing(households_per_worker=250.0, part_time_share=0.5, dedicated_grids=False),
    DoorToDoorVisits(8.0), PartyBranch(), PartyBranch(False), VolunteerMobilisation("party_led"),
    MediationCentre(), DigitalPlatform()])
def test_round_trip_and_apply(policy: Lever) -> None:
    assert Lever.from_dict(policy.to_dict()) == policy
    params = policy.apply(load_scenario("baseline"))
    for key, value in policy.overrides().items():
        assert params[key] == value
        assert params.sources[key] == f"policy {policy.name}"


def test_every_policy_is_listed_with_a_description() -> None:
    assert set(LEVERS) == {"staffing", "visits", "party_branch", "mobilisation",
                             "mediation_centre", "digital_platform", "renovation"}
    assert all(cls.description for cls in LEVERS.values())


def test_policies_compose_later_wins() -> None:
    params = apply_levers(load_scenario("baseline"),
                            [PartyBranch(), VolunteerMobilisation("campaign"), PartyBranch(False)])
    assert params["policy.party_branch"] is False
    assert params["policy.mobilisation"] == "campaign"


def test_parse_policy() -> None:
    assert parse_lever("party_branch") == PartyBranch()
    assert parse_lever("mobilisation:mode=party_led") == VolunteerMobilisation("party_led")
    assert parse_lever("staffing:households_per_worker=300") == Staffing(300.0)
    with pytest.raises(ParameterError, match="choose one of"):
        parse_lever("branch")
    with pytest.raises(ParameterError, match="no setting 'level'"):
        parse_lever("visits:level=3")
    with pytest.raises(ParameterError, match=r"policy\.mobilisation"):
        VolunteerMobilisation("everyone").apply(load_scenario("baseline"))


def test_load_scenario_takes_levers_as_strings_like_the_command_line() -> None:
    by_string = load_scenario("baseline", levers=["party_branch",
                                                    "staffing:households_per_worker=200"])
    by_object = load_scenario("baseline", levers=[PartyBranch(), Staffing(200.0)])
    assert by_string.values == by_object.values
    assert by_string["policy.party_branch"] is True
    assert by_string["staffing.households_per_worker"] == 200.0
    assert by_string.sources["policy.party_branch"] == "policy party_branch"
    # one lever alone, and its serialised form, are accepted too
    assert load_scenario("baseline", levers="party_branch").values == \
        load_scenario("baseline", levers=[{"policy": "party_branch"}]).values


def test_apply_levers_and_run_scenario_take_strings() -> None:
    params = apply_levers(load_scenario("baseline"), ["mobilisation:mode=campaign",
                                                      "visits:per_worker_day=6"])
    assert params["policy.mobilisation"] == "campaign"
    assert params["visits.per_worker_day"] == 6.0
    result = run_scenario("mmc", days=5, levers=["digital_platform"])
    assert result.levers == [{"policy": "digital_platform", "enabled": True}]
    assert result.params["policy.digital_platform"] is True


def test_a_lever_checks_its_settings_when_it_is_made() -> None:
    with pytest.raises(ParameterError, match="one of none, party_led, campaign") as err:
        VolunteerMobilisation("party-led")
    assert "policy 'mobilisation': mode 'party-led'" in str(err.value)
    with pytest.raises(ParameterError, match="mode is required: one of none, party_led"):
        VolunteerMobilisation(mode=None)  # a lever that would set nothing
    assert Staffing().overrides() == {}  # its settings are optional: None leaves each as is
    with pytest.raises(ParameterError, match=r"out of range; must be a number in \[1, 100000\]"):
        Staffing(households_per_worker=0)
    with pytest.raises(ParameterError, match="is not a number"):
        DoorToDoorVisits(True)  # a bool is not a visit rate
    with pytest.raises(ParameterError, match="true or false"):
        parse_lever("party_branch:enabled=maybe")
    # values are converted to the parameter's type, so equal levers compare equal
    assert Staffing(300) == Staffing(300.0) and Staffing(300).households_per_worker == 300.0
    assert PartyBranch("off") == PartyBranch(False)
    with pytest.raises(TypeError, match="a policy lever must be"):
        as_levers([3])


def test_an_experiment_file_names_a_bad_lever_setting_in_one_line(tmp_path) -> None:
    from conftest import header, write

    from simulation.sweeps.experiment import ExperimentError, load_experiment

    path = write(tmp_path, header() + '[[policies]]\nname = "p"\n'
                 'levers = ["mobilisation:mode=party-led"]\n')
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    assert str(err.value).endswith("'levers': policy 'mobilisation': mode 'party-led' is not "
                                   "one of none, party_led, campaign (it sets "
                                   "policy.mobilisation)")


def paired(metric: str, lever: dict, base: dict | None = None,
           seeds: range = SEEDS) -> tuple[float, float]:
    """Mean and standard error of the paired difference lever - base over ``seeds``."""
    diffs = []
    for seed in seeds:
        out = []
        for over in ({**SMALL, **(base or {})}, {**SMALL, **(base or {}), **lever}):
            model = GridGovernanceModel(load_scenario("baseline", over), seed=seed).run(DAYS)
            out.append(model.summary()[metric])
            model.release()
        diffs.append(out[1] - out[0])
    d = np.array(diffs)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d)))


def assert_effect(metric: str, lever: dict, sign: int, base: dict | None = None,
                  seeds: range = SEEDS) -> None:
    mean, se = paired(metric, lever, base, seeds)
    assert sign * mean > 3 * se, f"{metric}: paired difference {mean:.4g} (SE {se:.3g})"


def test_party_branch_settles_more_in_the_grid_and_escalates_less() -> None:
    lever = {"policy.party_branch": True}
    assert_effect("share_resolved_in_grid", lever, +1)
    assert_effect("escalation_rate", lever, -1)


def test_halving_grid_workers_lengthens_waits() -> None:
    """12 seeds: waits are right-skewed, and halved workers also visit less (flexible
    visits), so fewer issues are found to wait (measured: +0.45 days, SE 0.11)."""
    assert_effect("mean_wait_days", {"staffing.households_per_worker": 280.0}, +1,
                  seeds=range(12))


def test_more_door_to_door_visits_shrink_the_hidden_backlog() -> None:
    assert_effect("hidden_issues", {"visits.per_worker_day": 8.0}, -1,
                  base={"visits.per_worker_day": 1.0})


def test_volunteer_campaign_mobilises_volunteers() -> None:
    assert_effect("active_volunteer_share", {"policy.mobilisation": "campaign"}, +1)


def test_party_led_mobilisation_needs_branches() -> None:
    assert_effect("active_volunteer_share", {"policy.party_branch": True},
                  +1, base={"policy.mobilisation": "party_led"})


def test_digital_platform_raises_reporting() -> None:
    assert_effect("issues_reported", {"policy.digital_platform": True}, +1)


def test_campaign_training_makes_volunteers_settle_more() -> None:
    """Among issues volunteers take that lie within their reach (the grid could settle
    them), the share they settle is volunteers.resolve_prob and rises with training_gain;
    what lies beyond their reach they never settle (every closure fixing its problem, so
    that nothing they settle comes back to others; no knowledge effect on the reach)."""
    from simulation.issues import U_ESCALATE, Level

    shares, sizes = [], []
    for gain in (0.0, 0.2):  # (every registered volunteer available: many hands)
        model = GridGovernanceModel(load_scenario("baseline", {
            **SMALL, "policy.mobilisation": "campaign", "volunteers.training_gain": gain,
            "volunteers.available_share": 1.0, "closure.fix_prob": 1.0,
            "closure.fix_prob_short": 1.0, "knowledge.escalation_cut": 0.0}), seed=2).run(400)
        log = model.case_log()
        s, ty = model.issues, model.types
        reach = s.u[: len(s), U_ESCALATE + Level.GRID] >= ty.escalate[Level.GRID][s.view("kind")]
        taken = log.t_arrive_volunteers.notna() & log.t_done_volunteers.notna()
        settled = log.closed_by == "volunteers"
        assert not (taken & settled & ~reach).any()
        shares.append(settled[taken & reach].mean())
        sizes.append(int((taken & reach).sum()))
    n = sizes[0]
    assert min(sizes) > 200
    assert shares[1] - shares[0] > 0.1
    assert shares[0] == pytest.approx(0.8, abs=4 * math.sqrt(0.8 * 0.2 / n))


def test_a_policy_does_not_reshuffle_the_issues_that_arise() -> None:
    """Common random numbers: the same seed gives the same issues, at the same moments,
    raised by the same residents, whatever the policy; only their handling differs."""
    logs = []
    for over in ({}, {"policy.party_branch": True, "policy.mobilisation": "campaign",
                      "staffing.households_per_worker": 250.0, "visits.per_worker_day": 8.0}):
        model = GridGovernanceModel(load_scenario("baseline", {**SMALL, **over}), seed=9)
        logs.append(model.run(120).case_log())
        model.release()
    cols = ["id", "type", "grid", "resident", "t_arisen"]
    pd.testing.assert_frame_equal(logs[0][cols], logs[1][cols])
    assert not logs[0].t_closed.equals(logs[1].t_closed)


@pytest.mark.parametrize("spec", ["visits", "visits:", "visits: "])
def test_a_lever_without_its_required_setting_is_one_line(spec: str, capsys) -> None:
    from simulation.faces.cli import main

    assert main(["run", "mmc", "--days", "2", "--policy", spec]) == 2
    err = capsys.readouterr().err
    assert "policy 'visits' needs a value for 'per_worker_day': write " \
        "visits:per_worker_day=VALUE" in err and err.count("\n") == 1
