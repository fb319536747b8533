"""jinan: the whole city — 13 districts and counties, 12,584 basic and 3,875 dedicated grids.

About 9.2 million residents (2020 census) in households, laid out district by district in
census proportions (:data:`simulation.districts.JINAN`, each count with its source). Basic
grids hold ~280 households (the census population over the basic grids), each with a
full-time and a part-time grid worker ("tens of thousands of full- and part-time grid
workers", seed); dedicated grids have a part-time worker from the unit; Party members (7%) and
registered volunteers (10%) as in the baseline. Case staff above the grid are scaled from
the calibrated baseline street office to Jinan's larger street offices and smaller
communities, so each officer serves as many households as in the baseline. Policies are
the baseline's status quo: pull the levers with ``--policy``.

A year takes a few minutes: ``gridgov run jinan`` runs the districts as separate processes
(:mod:`simulation.running.city`); ``--scale 0.01`` gives a quick look at 1% of the grids.
"""

from __future__ import annotations

from ..districts import JINAN, JINAN_BASIC_GRIDS
from ..parameters import PARAM_INDEX
from .base import Scenario


def _default(key: str) -> float:
    return PARAM_INDEX[key].default


_HOUSEHOLD = _default("world.residents_per_household")
_RESIDENTS = sum(d.residents for d in JINAN)
HOUSEHOLDS_PER_GRID = _RESIDENTS / _HOUSEHOLD / JINAN_BASIC_GRIDS  # ~279
# The baseline street office and community, in households (expected values of its draws).
_BASE_GRID = (_default("world.households_per_grid_min")
              + _default("world.households_per_grid_max")) / 2
_BASE_COMMUNITY = _BASE_GRID * (_default("world.grids_per_community_min")
                                + _default("world.grids_per_community_max")) / 2
_BASE_STREET = _BASE_COMMUNITY * _default("world.communities_per_street")
# Units differ in size between districts (streets and communities are shared out by census
# residents, grids by the published totals): staff are sized for each level's largest unit,
# so that no unit is more heavily loaded than the baseline's (simulation/load.py).
STREET_RATIO = max(d.basic_grids / d.streets for d in JINAN) * HOUSEHOLDS_PER_GRID \
    / _BASE_STREET  # ~2.8
COMMUNITY_RATIO = max(d.basic_grids / d.communities for d in JINAN) * HOUSEHOLDS_PER_GRID \
    / _BASE_COMMUNITY  # ~0.3


def _staff(key: str, ratio: float) -> int:
    return max(1, round(_default(key) * ratio))


_SCALED = (f"assumption: the baseline's households per officer at Jinan's largest street "
           f"office (x{STREET_RATIO:.2f} the baseline's households)")
SCENARIO = Scenario(
    name="jinan",
    description="The whole city: 13 districts, 12,584 basic + 3,875 dedicated grids, "
                "~9.2M residents (2020 census), status-quo policies",
    overrides={
        "world.layout": ("jinan", "DOMAIN (districts, grids; simulation/districts.py)"),
        "world.households_per_grid_min": (
            round(HOUSEHOLDS_PER_GRID * 0.8),
            f"DOMAIN: 9,202,432 residents / {JINAN_BASIC_GRIDS:,} basic grids / "
            f"{_HOUSEHOLD} per household = {HOUSEHOLDS_PER_GRID:.0f} households, +-20%"),
        "world.households_per_grid_max": (
            round(HOUSEHOLDS_PER_GRID * 1.2),
            f"DOMAIN: {HOUSEHOLDS_PER_GRID:.0f} households per basic grid, +-20%"),
        "staffing.households_per_worker": (
            round(HOUSEHOLDS_PER_GRID / 2, 1),
            "seed: tens of thousands of full- and part-time grid workers (数万名专兼职网格员) "
            "for 12,584 basic grids: two per basic grid (assumption on the number)"),
        "staffing.part_time_share": (
            0.5, "seed: full- and part-time workers (专兼职); one of each per basic grid "
                 "(assumption on the split)"),
        "community.case_staff": (_staff("community.case_staff", COMMUNITY_RATIO),
                                 f"assumption: the baseline's households per officer at the "
                                 f"largest community (x{COMMUNITY_RATIO:.2f} households)"),
        "street.case_staff": (_staff("street.case_staff", STREET_RATIO), _SCALED),
        "department.case_staff": (_staff("department.case_staff", STREET_RATIO), _SCALED),
        "mediation.case_staff": (_staff("mediation.case_staff", STREET_RATIO), _SCALED),
    },
)
