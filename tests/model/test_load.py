"""The offered load of every service point (simulation/load.py): analytic limits, the
realised figure against it, the parts of the demand, and the overload warning."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_model

from simulation import GridGovernanceModel, load_scenario
from simulation.arrivals import grid_daily_rates
from simulation.faces.cli import main
from simulation.load import QUEUE_KINDS, queue_summary
from simulation.local_help import WeeklyHours


@pytest.mark.parametrize(("lam", "mu", "c"), [(2.0, 1.0, 3), (0.5, 0.8, 1), (9.0, 10.0, 1)])
def test_mmc_beat_load_is_lambda_over_c_mu(lam, mu, c):
    # Poisson arrivals at lambda a day, exponential handling at mu a day per worker, c
    # always-on workers: the offered load is rho = lambda / (c mu), nothing reaches the
    # offices.
    model = GridGovernanceModel(load_scenario("mmc", {"mmc.arrivals_per_day": lam,
                                                      "mmc.handling_per_day": mu,
                                                      "mmc.workers": c}), seed=1)
    table = model.analytic_loads().set_index("kind")
    assert table.loc["beat", "rho"] == pytest.approx(lam / (c * mu), rel=1e-12)
    assert table.loc["beat", "hours_per_week"] == pytest.approx(168.0 * c)
    for kind in ("community", "street", "department", "mediation"):
        assert table.loc[kind, "demand_per_week"] == 0.0
    assert queue_summary(model.analytic_loads()) == (pytest.approx(lam / (c * mu)),
                                                    int(lam / (c * mu) >= 1.0))


def test_realised_load_matches_the_analytic_one_in_a_long_mmc_run():
    # 1,500 days at lambda = 2, mu = 1, c = 3: about 3,000 arrivals, so the arrived hours
    # are within a few per cent of their expectation (compound Poisson, CV about 2.6%).
    params = load_scenario("mmc", {"mmc.arrivals_per_day": 2.0, "mmc.handling_per_day": 1.0,
                                   "mmc.workers": 3})
    model = GridGovernanceModel(params, seed=5, warmup_days=100).run(1500)
    beat = model.loads().set_index("kind").loc["beat"]
    assert beat.realised_rho == pytest.approx(2.0 / 3.0, rel=0.08)
    # work done cannot exceed the hours available, and here nearly all that arrived is done
    assert beat.utilisation <= 1.0
    assert beat.utilisation == pytest.approx(beat.realised_rho, rel=0.02)


def test_planned_visits_count_in_a_beats_demand():
    # The same world with and without visits: the beat's demand differs by exactly
    # visits/day x hours each x 5 working days per worker, and the visits' own column says so.
    # (knowledge, which visits build, switched off: it would change the casework too)
    flat = {"knowledge.handling_speedup": 0.0, "knowledge.escalation_cut": 0.0}
    a = small_model(**flat, **{"visits.per_worker_day": 0.0}).analytic_loads()
    b = small_model(**flat, **{"visits.per_worker_day": 4.0,
                                              "visits.hours_each": 0.5}).analytic_loads()
    beats_a, beats_b = a[a.kind == "beat"], b[b.kind == "beat"]
    visits = b.loc[b.kind == "beat", "visit_hours_per_week"].to_numpy()
    model = small_model()
    workers = np.array([sum(not gw.dedicated for gw in sp.servers) for sp in model.points.beats])
    assert visits == pytest.approx(workers * 4.0 * 0.5 * 5)
    assert (beats_b.demand_per_week.to_numpy() - beats_a.demand_per_week.to_numpy()) \
        == pytest.approx(visits, rel=1e-9)


def test_offices_see_the_escalated_share_of_every_arising_issue():
    # Without volunteers, branch or knowledge effects, and with every closure holding, a
    # community's demand is sum over its grids and types of lambda (private and shared)
    # x P(escalate at the grid) x hours x factor.
    model = small_model(**{"knowledge.escalation_cut": 0.0, "world.volunteer_share": 0.0,
                           "closure.fix_prob": 1.0, "closure.shared_fix_prob": 1.0,
                           "volunteers.initial_watching": 0.0,
                           "volunteers.initial_following": 0.0,
                           "volunteers.initial_self_driven": 0.0})
    p, ty, w = model.params, model.types, model.world
    table = model.analytic_loads().set_index("point")
    for c in range(len(model.points.communities)):
        grids = np.flatnonzero(w.grid_community == c)
        rate = grid_daily_rates(ty, w)
        want = sum(rate[g, k] * 7 * ty.escalate[2][k] * ty.hours[k]
                   for g in grids for k in range(len(ty.hours))) * p["handling.factor_community"]
        assert table.loc[f"community:{c}", "demand_per_week"] == pytest.approx(want, rel=1e-9)


def test_default_scenarios_keep_every_queue_below_the_margin():
    # The defaults of baseline and wenheng (ten worlds each) leave every queue at rho < 0.85.
    for scenario in ("baseline", "wenheng"):
        for seed in range(10):
            table = GridGovernanceModel(load_scenario(scenario), seed=seed).analytic_loads()
            queues = table[table.kind.isin(QUEUE_KINDS)]
            assert queues.rho.max() < 0.85, (scenario, seed, queues.loc[queues.rho.idxmax()])


def test_jinan_default_loads_stay_below_the_margin_in_its_largest_district():
    # Licheng (district 0) at 2% scale keeps full-size grids, communities and streets
    table = GridGovernanceModel(
        load_scenario("jinan", {"world.district": 0, "world.scale": 0.02}),
        seed=1).analytic_loads()
    queues = table[table.kind.isin(QUEUE_KINDS)]
    assert queues.rho.max() < 0.85


def test_weekly_hours_are_spent_then_refused_until_refilled():
    pool = WeeklyHours(2)
    pool.refill(np.array([3.0, 0.0]))
    assert pool.take(0, 2.0) and pool.take(0, 2.0)  # the last job may overdraw the week
    assert not pool.take(0, 1.0)  # nothing left: refused
    assert not pool.take(1, 0.5)  # no volunteers at all
    assert pool.offered.tolist() == [5.0, 0.5] and pool.taken.tolist() == [4.0, 0.0]
    pool.refill(np.array([3.0, 0.0]))
    assert pool.take(0, 1.0) and pool.supplied.tolist() == [6.0, 0.0]


def test_volunteers_without_hours_take_nothing():
    model = small_model(days=120, **{"policy.mobilisation": "campaign",
                                     "volunteers.hours_per_week": 0.0})
    assert (model.issues.view("closed_by") != 0).all()  # Level.VOLUNTEERS == 0
    assert model.help.volunteer_hours.taken.sum() == 0.0


def test_cli_warns_of_an_overloaded_point(capsys):
    # one department officer for a street's escalations: the queue can never settle
    assert main(["run", "baseline", "--days", "20", "--set", "department.case_staff=1"]) == 0
    captured = capsys.readouterr()
    assert "overloaded" in captured.err and len(captured.err.strip().splitlines()) == 1
    row = next(line for line in captured.out.splitlines() if "max_offered_load" in line)
    assert float(row.split()[1]) >= 1.0


def test_cli_default_baseline_warns_nothing(capsys):
    assert main(["run", "baseline", "--days", "20"]) == 0
    assert "overloaded" not in capsys.readouterr().err
