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
WEEKS = 52


def staff_hourly_cost(p: Mapping[str, Any]) -> float:
    """A case officer's cost per office hour (yuan): 12 x pay x (1 + overhead) / (52 x
    office hours a week: five days from calendar.open_hour to close_hour)."""
    week = 5.0 * (p["calendar.close_hour"] - p["calendar.open_hour"])
    return MONTHS * p["cost.case_staff"] * (1.0 + p["cost.employer_overhead"]) / (WEEKS * week)


def annual_cost(p: Mapping[str, Any], *, full_time_workers: int, part_time_workers: int,
                case_staff: int, streets: int, branches: int, registered_volunteers: int,
                mean_active_volunteers: float, residents: int, basic_grids: int = 0,
                branch_registered_volunteers: int = 0, households: int = 0
                ) -> dict[str, float]:
    """Cost items and their total, in yuan per year.

    grid_workers = 12 x (full x full_pay + part x part_pay) x (1 + overhead)
    case_staff   = 12 x staff x staff_pay x (1 + overhead)     (community, street, ...)
    mediation    = centre x streets                            (with the centre policy)
    branches     = branches x activity funds                   (with Party branches)
    volunteers   = campaign:  registered x training + mean active x incentive
                              + basic grids x coordination hours x 52 x staff hourly cost
                   Party-led: registered in branch grids x training + mean active x points
                              + branches x coordination hours x 52 x staff hourly cost
    platform     = residents x platform rate                   (with the platform)
    renovation   = households x cost per household / years     (with a renovation)

    Every mobilisation mode pays for its inputs (training, incentives or points, staff
    time): none is cheap by assumption.
    """
    overhead = 1.0 + p["cost.employer_overhead"]
    mode = p["policy.mobilisation"]
    hourly = WEEKS * staff_hourly_cost(p)  # yuan a year for an hour a week
    if mode == "campaign":
        volunteers = (registered_volunteers * p["cost.campaign_training"]
                      + mean_active_volunteers * p["cost.volunteer_incentive"]
                      + basic_grids * p["cost.campaign_coordination_hours"] * hourly)
    elif mode == "party_led":
        volunteers = (branch_registered_volunteers * p["cost.party_led_training"]
                      + mean_active_volunteers * p["cost.party_led_points"]
                      + branches * p["cost.party_led_coordination_hours"] * hourly)
    else:
        volunteers = 0.0
    items = {
        "grid_workers": MONTHS * overhead * (full_time_workers * p["cost.full_time_worker"]
                                             + part_time_workers * p["cost.part_time_worker"]),
        "case_staff": MONTHS * overhead * case_staff * p["cost.case_staff"],
        "mediation_centre": (p["cost.mediation_centre"] * streets
                             if p["policy.mediation_centre"] else 0.0),
        "party_branches": branches * p["cost.party_branch"],
        "volunteers": volunteers,
        "platform": residents * p["cost.platform"] if p["policy.digital_platform"] else 0.0,
        "renovation": (households * p["cost.renovation_per_household"]
                       / p["cost.renovation_years"]) if p["policy.renovation"] else 0.0,
    }
    items["total"] = sum(items.values())
    return items
