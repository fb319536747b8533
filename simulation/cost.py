"""The annual cost of a scenario's staffing and policies (yuan per year).

A pure function of the parameters and a few counts of the simulated world, so policies can
be compared on cost as well as outcome. Every rate is a parameter with unit and source
(``cost.*`` in simulation/parameters.py); what every option pays alike (the community's other
work, the street office's other staff) is left out, since it cannot tell policies apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MONTHS = 12


def annual_cost(p: Mapping[str, Any], *, full_time_workers: int, part_time_workers: int,
                case_staff: int, streets: int, branches: int, registered_volunteers: int,
                mean_active_volunteers: float, residents: int) -> dict[str, float]:
    """Cost items and their total, in yuan per year.

    grid_workers = 12 x (full x full_pay + part x part_pay) x (1 + overhead)
    case_staff   = 12 x staff x staff_pay x (1 + overhead)     (community, street, ...)
    mediation    = centre x streets                            (with the centre policy)
    branches     = branches x activity funds                   (with Party branches)
    volunteers   = campaign x (registered x training + mean active x incentive)
    platform     = residents x platform rate                   (with the platform)
    """
    overhead = 1.0 + p["cost.employer_overhead"]
    campaign = p["policy.mobilisation"] == "campaign"
    items = {
        "grid_workers": MONTHS * overhead * (full_time_workers * p["cost.full_time_worker"]
                                             + part_time_workers * p["cost.part_time_worker"]),
        "case_staff": MONTHS * overhead * case_staff * p["cost.case_staff"],
        "mediation_centre": (p["cost.mediation_centre"] * streets
                             if p["policy.mediation_centre"] else 0.0),
        "party_branches": branches * p["cost.party_branch"],
        "volunteers": (registered_volunteers * p["cost.campaign_training"]
                       + mean_active_volunteers * p["cost.volunteer_incentive"])
        if campaign else 0.0,
        "platform": residents * p["cost.platform"] if p["policy.digital_platform"] else 0.0,
    }
    items["total"] = sum(items.values())
    return items
