"""mmc: the analytic limit — M/M/c queues inside the full model.

``mmc.grids`` grids (default one) of one community; in each, issues arrive as a Poisson
process (rate ``mmc.arrivals_per_day`` per grid) and are reported at once; handling times
are exponential (rate ``mmc.handling_per_day`` per worker); each grid has its own
``mmc.workers`` identical always-on workers sharing one FIFO queue (grids share no
workers); nothing escalates; no visits, no trust feedback, no volunteers. Each grid's mean
wait before handling must equal Erlang C's Wq — with one worker, M/M/1's
rho / (mu - lambda) (rules.erlang_c; tests/model/test_mmc.py).
"""

from __future__ import annotations

from typing import Any

from ..parameters import ISSUE_TYPES, Param
from .base import Scenario

HOUSEHOLDS = 100  # the one grid's households (only their number matters)
INPUTS = (
    # Ranges: what the model's own keys can carry (issue rate <= 1000 per household-year,
    # handling 0.01-1e6 hours, at least one household per worker).
    Param("mmc.arrivals_per_day", 0.2, "issues/day", "DOMAIN (Erlang C example)",
          "Poisson arrival rate lambda.", 1e-6, 1000.0 * HOUSEHOLDS / 365.0),
    Param("mmc.handling_per_day", 0.1, "issues/day/worker", "DOMAIN (Erlang C example)",
          "Service rate mu of one worker.", 24.0 / 1e6, 24.0 / 0.01),
    Param("mmc.workers", 3, "workers", "DOMAIN (Erlang C example)",
          "Identical always-on workers c sharing one queue, in every grid.", 1, HOUSEHOLDS),
    Param("mmc.grids", 1, "grids", "assumption (test design)",
          "Independent grids, each its own M/M/c queue (no shared workers).", 1, 1000),
)


def derive(v: dict[str, Any]) -> dict[str, Any]:
    """Map lambda, mu and c onto the model's own keys."""
    out: dict[str, Any] = {
        "world.households_per_grid_min": HOUSEHOLDS,
        "world.households_per_grid_max": HOUSEHOLDS,
        "world.grids_per_community_min": v["mmc.grids"],
        "world.grids_per_community_max": v["mmc.grids"],
        "staffing.households_per_worker": HOUSEHOLDS / v["mmc.workers"],
        "handling.distribution": "exponential",
    }
    for t in ISSUE_TYPES:
        first = t == ISSUE_TYPES[0]
        out[f"issue.{t}.rate"] = v["mmc.arrivals_per_day"] * 365.0 / HOUSEHOLDS if first else 0.0
        out[f"issue.{t}.shared_rate"] = 0.0  # no problems shared by a building
        out[f"issue.{t}.hours"] = 24.0 / v["mmc.handling_per_day"]
        for k in ("escalate_grid", "escalate_community", "escalate_street"):
            out[f"issue.{t}.{k}"] = 0.0
        out[f"issue.{t}.volunteer_ok"] = False
        out[f"issue.{t}.branch_ok"] = False
    return out


SCENARIO = Scenario(
    name="mmc",
    description="Analytic limit: Poisson arrivals, exponential handling, c always-on "
                "workers per grid sharing one queue (Erlang C; M/M/1 with c = 1)",
    overrides={
        "world.communities_per_street": (1, "one community"),
        "world.dedicated_per_basic": (0.0, "no dedicated grids"),
        "world.volunteer_share": (0.0, "no volunteers"),
        "world.party_share": (0.0, "no Party branch"),
        "staffing.always_on": (True, "always-on workers"),
        "staffing.part_time_share": (0.0, "identical workers"),
        "staffing.beats": ("grid", "each grid its own queue"),
        "closure.fix_prob": (1.0, "every closure fixes its problem: nothing comes back"),
        "closure.fix_prob_short": (1.0, "every closure fixes its problem"),
        "reporting.always": (True, "every issue reported at once"),
        "visits.per_worker_day": (0.0, "no visits"),
        "grid.external_days": (0.0, "a case closes when its handling ends"),
        "knowledge.handling_speedup": (0.0, "no knowledge effect"),
        "knowledge.escalation_cut": (0.0, "no knowledge effect"),
        "trust.enabled": (False, "no trust feedback"),
        "volunteers.initial_watching": (0.0, "no volunteers"),
        "volunteers.initial_following": (0.0, "no volunteers"),
        "volunteers.initial_self_driven": (0.0, "no volunteers"),
    },
    inputs=INPUTS,
    derive=derive,
)
