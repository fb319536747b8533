"""The analytic limit: the `mmc` scenario's mean wait must match Erlang C.

Each load runs R independent replications (fixed seeds); the replication means are i.i.d.,
so the tolerance is 4 standard errors of their mean — derived from the replication spread,
not a fixed fudge — and the test also demands that this interval be tight (SE below 5% of
Wq), so it cannot pass by being loose.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation import GridGovernanceModel, load_scenario
from simulation.analysis.validation import queue_waits
from simulation.issues import Event, State
from simulation.rules import erlang_c


def replication_waits(lam: float, mu: float, c: int, days: int, reps: int) -> np.ndarray:
    """Mean wait (known -> handling start) of each replication, after a warm-up."""
    return queue_waits(lam, mu, c, 1, days, list(range(reps)))[:, 0]


@pytest.mark.parametrize(
    ("lam", "mu", "c", "days", "reps"),
    [
        (5.0, 10.0, 1, 800, 8),  # M/M/1, rho = 0.5
        (2.0, 1.0, 3, 1500, 20),  # DOMAIN.md's example in days/10: rho = 0.67, C = 0.444
        (8.0, 3.0, 3, 3000, 16),  # rho = 0.89, heavy
        (9.0, 5.0, 2, 1500, 16),  # rho = 0.9, heavy
    ],
)
def test_mean_wait_matches_erlang_c(lam: float, mu: float, c: int, days: int,
                                    reps: int) -> None:
    _, wq = erlang_c(lam, mu, c)
    waits = replication_waits(lam, mu, c, days, reps)
    se = waits.std(ddof=1) / math.sqrt(reps)
    assert se < 0.05 * wq, f"replications too noisy to test: SE {se:.4f} vs Wq {wq:.4f}"
    assert abs(waits.mean() - wq) < 4 * se, (
        f"mean wait {waits.mean():.4f} vs Erlang C {wq:.4f} (SE {se:.4f})")


def test_mmc_has_no_hidden_issues_no_escalation_no_trust_change() -> None:
    model = GridGovernanceModel(load_scenario("mmc", {"mmc.arrivals_per_day": 2.0,
                                                      "mmc.handling_per_day": 1.0}), seed=5)
    model.run(100)
    s = model.summary()
    assert s["hidden_issues"] == 0
    assert s["escalation_rate"] == 0.0
    assert s["trust_change"] == 0.0
    assert s["active_volunteer_share"] == 0.0
    issues = model.issues
    assert np.isin(issues.view("state"), [State.OPEN, State.RESOLVED]).all()
    # reported at once: known the moment it arose
    assert (issues.view("t_known") == issues.view("t_arisen")).all()


def test_mmc_service_times_are_exponential_with_rate_mu() -> None:
    mu = 2.0
    model = GridGovernanceModel(load_scenario("mmc", {"mmc.arrivals_per_day": 1.0,
                                                      "mmc.handling_per_day": mu,
                                                      "mmc.workers": 1}), seed=11)
    model.run(3000)
    log = model.pools.events
    done = log.view("event") == Event.DONE  # one level: each issue's handling ends once
    service = log.view("t")[done] - model.issues.t_start[log.view("issue")[done]]
    n = len(service)
    assert n > 2500
    # mean 1/mu within 4 standard errors; coefficient of variation 1 (exponential)
    assert abs(service.mean() - 1 / mu) < 4 * (1 / mu) / math.sqrt(n)
    assert abs(service.std() / service.mean() - 1.0) < 0.1


def grid_waits(lam: float, mu: float, grids: int, days: int, reps: int) -> np.ndarray:
    """Mean wait per (replication, grid) with one worker per grid, after a warm-up."""
    return queue_waits(lam, mu, 1, grids, days, list(range(reps)))


@pytest.mark.parametrize(("lam", "mu", "grids", "days", "reps"), [
    (0.6, 1.2, 4, 2000, 6),  # rho = 0.5
    (0.8, 1.0, 3, 3000, 8),  # rho = 0.8
])
def test_each_grid_with_its_own_worker_is_an_mm1_queue(lam: float, mu: float, grids: int,
                                                       days: int, reps: int) -> None:
    """Grids that share no worker are independent M/M/1 queues: Wq = rho / (mu - lambda)."""
    wq = (lam / mu) / (mu - lam)
    waits = grid_waits(lam, mu, grids, days, reps)
    for g in range(grids):  # every grid on its own
        se = waits[:, g].std(ddof=1) / math.sqrt(reps)
        assert abs(waits[:, g].mean() - wq) < 4 * se, (g, waits[:, g].mean(), wq, se)
    pooled = waits.ravel()
    se = pooled.std(ddof=1) / math.sqrt(len(pooled))
    assert se < 0.05 * wq, f"too noisy to test: SE {se:.4f} vs Wq {wq:.4f}"
    assert abs(pooled.mean() - wq) < 4 * se


def test_single_worker_grids_follow_lindleys_recursion_exactly() -> None:
    """Given the realised arrival and handling times, a FIFO single-server queue's waits
    are determined: W[n+1] = max(0, W[n] + S[n] - (A[n+1] - A[n])) (Lindley 1952). The
    model's waits must equal it issue by issue — the queue mechanics are exact, so any gap
    to M/M/1's Wq is sampling noise of the inputs."""
    params = load_scenario("mmc", {"mmc.grids": 3, "mmc.workers": 1,
                                   "mmc.arrivals_per_day": 0.8, "mmc.handling_per_day": 1.0})
    model = GridGovernanceModel(params, seed=3).run(400)
    for g in range(3):
        s = model.issues
        done = np.flatnonzero((s.view("grid") == g) & (s.view("state") == State.RESOLVED))
        done = done[np.argsort(s.t_known[done], kind="stable")]
        assert len(done) > 200
        arrive = s.t_known[done]
        service = s.t_closed[done] - s.t_start[done]
        wait = s.t_start[done] - s.t_known[done]
        lindley = np.zeros(len(done))
        for n in range(1, len(done)):
            lindley[n] = max(0.0, lindley[n - 1] + service[n - 1] - (arrive[n] - arrive[n - 1]))
        assert np.allclose(wait, lindley, rtol=0, atol=1e-9)
    model.release()


def test_arrivals_are_poisson_and_handling_exponential() -> None:
    """The inputs of the Erlang C check follow their laws: daily counts have variance
    equal to their mean (dispersion test), inter-arrival and handling times pass a
    Kolmogorov-Smirnov test against the exponential (fixed seed; alpha = 0.001)."""
    from scipy import stats

    lam, mu, days = 9.0, 10.0, 2000
    params = load_scenario("mmc", {"mmc.arrivals_per_day": lam, "mmc.handling_per_day": mu,
                                   "mmc.workers": 1})
    model = GridGovernanceModel(params, seed=11).run(days)
    t = np.sort(model.issues.view("t_known"))
    counts = np.bincount(np.floor(t).astype(int), minlength=days)[:days]
    dispersion = (days - 1) * counts.var(ddof=1) / counts.mean()  # ~ chi2(days - 1)
    p_disp = 2 * min(stats.chi2.cdf(dispersion, days - 1), stats.chi2.sf(dispersion, days - 1))
    assert p_disp > 0.001 and abs(counts.mean() - lam) < 4 * math.sqrt(lam / days)
    assert stats.kstest(np.diff(t), "expon", args=(0, 1 / lam)).pvalue > 0.001
    s = model.issues
    resolved = s.view("state") == State.RESOLVED
    service = s.view("t_closed")[resolved] - s.view("t_start")[resolved]
    assert stats.kstest(service, "expon", args=(0, 1 / mu)).pvalue > 0.001
    model.release()
