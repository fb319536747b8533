"""The annual cost model: hand-computed items, and each policy adding its own item."""

from __future__ import annotations

import pytest
from conftest import SMALL

from simulation import GridGovernanceModel, load_scenario
from simulation.cost import annual_cost


def test_items_by_hand():
    p = load_scenario("baseline", {"policy.mobilisation": "campaign",
                                   "policy.mediation_centre": True,
                                   "policy.digital_platform": True,
                                   "cost.employer_overhead": 0.5})
    c = annual_cost(p, full_time_workers=10, part_time_workers=4, case_staff=20, streets=2,
                    branches=7, registered_volunteers=100, mean_active_volunteers=30.0,
                    residents=5000)
    assert c["grid_workers"] == pytest.approx(12 * 1.5 * (10 * 3600 + 4 * 1500))
    assert c["case_staff"] == pytest.approx(12 * 1.5 * 20 * 4500)
    assert c["mediation_centre"] == pytest.approx(2 * 300000)
    assert c["party_branches"] == pytest.approx(7 * 2000)
    hourly = 12 * 4500 * 1.5 / (52 * 5 * 8)  # a case officer's yuan per office hour
    assert c["volunteers"] == pytest.approx(100 * 300 + 30 * 600 + 0 * 2.0 * 52 * hourly)
    assert c["platform"] == pytest.approx(5000 * 3)
    assert c["total"] == pytest.approx(sum(v for k, v in c.items() if k != "total"))


def test_every_mobilisation_mode_pays_for_its_inputs():
    """Campaign: training of every registered volunteer, incentives per active one, staff
    coordination per basic grid. Party-led: training in branch grids, points per active
    volunteer, staff coordination per branch. Neither is free."""
    from simulation.cost import staff_hourly_cost

    counts = dict(full_time_workers=0, part_time_workers=0, case_staff=0, streets=1,
                  branches=7, registered_volunteers=100, mean_active_volunteers=30.0,
                  residents=5000, basic_grids=10, branch_registered_volunteers=60)
    p = load_scenario("baseline", {"policy.mobilisation": "campaign"})
    hourly = staff_hourly_cost(p)
    assert hourly == pytest.approx(12 * 4500 * 1.3 / (52 * 40))
    assert annual_cost(p, **counts)["volunteers"] == pytest.approx(
        100 * 300 + 30 * 600 + 10 * 2.0 * 52 * hourly)
    p = load_scenario("baseline", {"policy.mobilisation": "party_led",
                                   "policy.party_branch": True})
    c = annual_cost(p, **counts)
    assert c["volunteers"] == pytest.approx(60 * 100 + 30 * 100 + 7 * 1.0 * 52 * hourly)
    assert c["party_branches"] == pytest.approx(7 * 2000)
    zero = {k: 0.0 for k in ("cost.party_led_points", "cost.party_led_training",
                             "cost.party_led_coordination_hours")}
    assert annual_cost(p.with_values(zero), **counts)["volunteers"] == 0.0


def test_items_off_without_their_policy():
    c = annual_cost(load_scenario("baseline"), full_time_workers=1, part_time_workers=0,
                    case_staff=1, streets=1, branches=0, registered_volunteers=50,
                    mean_active_volunteers=5.0, residents=100)
    assert c["mediation_centre"] == c["volunteers"] == c["platform"] == 0.0


@pytest.mark.parametrize(("lever", "item"), [
    ({"policy.party_branch": True}, "party_branches"),
    ({"policy.mobilisation": "campaign"}, "volunteers"),
    ({"policy.mobilisation": "party_led", "policy.party_branch": True}, "volunteers"),
    ({"policy.mediation_centre": True}, "mediation_centre"),
    ({"policy.digital_platform": True}, "platform"),
    ({"staffing.households_per_worker": 70.0}, "grid_workers"),
])
def test_each_policy_costs_more_and_says_where(lever, item):
    def run(extra):
        model = GridGovernanceModel(load_scenario("baseline", {**SMALL, **extra}), seed=1)
        return model.run(30).cost()

    base, with_lever = run({}), run(lever)
    assert with_lever[item] > base[item]
    assert with_lever["total"] - base["total"] == pytest.approx(
        sum(with_lever[k] - base[k] for k in base if k != "total"))
    summary = GridGovernanceModel(load_scenario("baseline", SMALL), seed=1).run(5).summary()
    assert summary["annual_cost_yuan"] > 0
