"""Build the city tree from a scenario: district → street → community → grid → building →
household → resident, deterministically from the world's random stream.

Everything is held in NumPy columns (one row per resident, household, grid, ...): residents
are sorted by household, households by grid, so each grid's and household's members are a
contiguous index range. Mesa agents are created on top of these columns by the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .districts import apportion, even_split, plans
from .parameters import ParameterError, Parameters
from .rules import Stage

DEDICATED_KINDS = ("school", "hospital", "market", "enterprise")
MAX_HOUSEHOLD = 8


@dataclass
class World:
    """The population and its places, as columns. Index = id of the entity."""

    # streets, communities
    street_district: np.ndarray
    community_street: np.ndarray
    # grids
    grid_community: np.ndarray
    grid_dedicated: np.ndarray  # bool
    grid_dedicated_kind: np.ndarray  # index into DEDICATED_KINDS, -1 for basic grids
    grid_first_household: np.ndarray
    grid_households: np.ndarray
    grid_first_resident: np.ndarray
    grid_residents: np.ndarray
    # buildings
    building_grid: np.ndarray
    # households
    household_grid: np.ndarray
    household_building: np.ndarray
    household_first: np.ndarray  # first resident
    household_size: np.ndarray
    # residents
    resident_household: np.ndarray
    resident_building: np.ndarray
    resident_grid: np.ndarray
    elderly: np.ndarray  # bool
    party: np.ndarray  # bool
    stage: np.ndarray  # int8 codes of rules.Stage, NOT_VOLUNTEER outside the volunteer pool
    available: np.ndarray  # bool: a registered volunteer who can give time at all
    trust: np.ndarray  # initial trust, float64

    @property
    def n_residents(self) -> int:
        """Number of residents."""
        return len(self.resident_household)

    @property
    def n_grids(self) -> int:
        """Number of grids (basic and dedicated)."""
        return len(self.grid_community)

    @property
    def n_households(self) -> int:
        """Number of households."""
        return len(self.household_grid)

    @cached_property
    def building_members(self) -> tuple[np.ndarray, np.ndarray]:
        """(first resident, resident count) of each building (residents are contiguous)."""
        nb = len(self.building_grid)
        counts = np.bincount(self.resident_building, minlength=nb)
        first = np.concatenate(([0], np.cumsum(counts)[:-1]))
        return first, counts

    @cached_property
    def building_households(self) -> np.ndarray:
        """Households of each building (a building's households are contiguous)."""
        return np.bincount(self.household_building, minlength=len(self.building_grid))

    @cached_property
    def building_first_household(self) -> np.ndarray:
        """First household of each building."""
        return np.cumsum(self.building_households) - self.building_households

    def household_members(self, households: np.ndarray) -> np.ndarray:
        """Resident indices of the given households (each household's in turn)."""
        first, size = self.household_first[households], self.household_size[households]
        offsets = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
        return np.repeat(first, size) + offsets

    def grid_households_of(self, grids: list[int]) -> np.ndarray:
        """The households of ``grids``, grid after grid, as int64 indices."""
        return np.concatenate(
            [np.arange(self.grid_first_household[g], self.grid_first_household[g]
                       + self.grid_households[g]) for g in grids]).astype(np.int64)


def beta_parameters(mean: float, sd: float) -> tuple[float, float]:
    """Beta(a, b) with the given mean and standard deviation (sd below sqrt(m(1-m)))."""
    var = sd * sd
    if var >= mean * (1.0 - mean):
        raise ParameterError(
            f"trust.initial_sd ({sd:g}) is too large for trust.initial_mean ({mean:g}); "
            f"must be below {np.sqrt(mean * (1 - mean)):.3f}"
        )
    k = mean * (1.0 - mean) / var - 1.0
    return mean * k, (1.0 - mean) * k


def community_tree(params: Parameters, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(district of each street, street of each community, basic and dedicated grids of
    each community) for the districts of :func:`districts.plans`."""
    p = params
    street_district, community_street, basic, fixed_dedicated = [], [], [], []
    uniform = []
    n_streets = 0
    for d, plan in enumerate(plans(p)):
        street_district.append(np.full(plan.streets, d))
        per_street = even_split(plan.communities, plan.streets)
        community_street.append(n_streets + np.repeat(np.arange(plan.streets), per_street))
        n_streets += plan.streets
        if plan.basic_grids is None:
            uniform.append(plan)
        else:
            b = even_split(plan.basic_grids, plan.communities, 1)
            basic.append(b)
            fixed_dedicated.append(apportion(plan.dedicated_grids, b))
    street_district = np.concatenate(street_district)
    community_street = np.concatenate(community_street)
    n_comm = len(community_street)
    if uniform:  # every district of a uniform layout has the same plan
        f = uniform[0].grid_factor
        lo = max(1, round(p["world.grids_per_community_min"] * f))
        hi = max(lo, round(p["world.grids_per_community_max"] * f))
        basic_per_comm = rng.integers(lo, hi + 1, size=n_comm)
        dedicated_per_comm = rng.poisson(basic_per_comm * p["world.dedicated_per_basic"])
    else:
        basic_per_comm = np.concatenate(basic)
        dedicated_per_comm = np.concatenate(fixed_dedicated)
    return street_district, community_street, basic_per_comm, dedicated_per_comm


def build_world(params: Parameters, rng: np.random.Generator) -> World:
    """Generate the city from ``params`` with draws from ``rng`` only."""
    p = params
    street_district, community_street, basic_per_comm, dedicated_per_comm = community_tree(
        p, rng)
    # Grids ordered by community; within a community, basic grids first.
    grid_community = np.repeat(np.arange(len(community_street)),
                               basic_per_comm + dedicated_per_comm)
    local = np.arange(len(grid_community)) - np.repeat(
        np.cumsum(basic_per_comm + dedicated_per_comm) - (basic_per_comm + dedicated_per_comm),
        basic_per_comm + dedicated_per_comm)
    grid_dedicated = local >= basic_per_comm[grid_community]
    n_grids = len(grid_community)
    grid_dedicated_kind = np.where(grid_dedicated,
                                   rng.integers(0, len(DEDICATED_KINDS), size=n_grids), -1)

    grid_households = np.where(
        grid_dedicated, 0,
        rng.integers(p["world.households_per_grid_min"], p["world.households_per_grid_max"] + 1,
                     size=n_grids))
    grid_first_household = np.cumsum(grid_households) - grid_households
    n_households = int(grid_households.sum())
    household_grid = np.repeat(np.arange(n_grids), grid_households)

    hpb = p["world.households_per_building"]
    buildings_per_grid = -(-grid_households // hpb)  # ceil
    first_building = np.cumsum(buildings_per_grid) - buildings_per_grid
    local_hh = np.arange(n_households) - grid_first_household[household_grid]
    household_building = first_building[household_grid] + local_hh // hpb
    building_grid = np.repeat(np.arange(n_grids), buildings_per_grid)

    extra = rng.poisson(p["world.residents_per_household"] - 1.0, size=n_households)
    household_size = 1 + np.minimum(extra, MAX_HOUSEHOLD - 1)
    household_first = np.cumsum(household_size) - household_size
    n_res = int(household_size.sum())
    resident_household = np.repeat(np.arange(n_households), household_size)
    resident_grid = household_grid[resident_household]
    resident_building = household_building[resident_household]
    grid_residents = np.bincount(resident_grid, minlength=n_grids)
    grid_first_resident = np.cumsum(grid_residents) - grid_residents

    elderly = rng.random(n_res) < p["world.elderly_share"]
    party = rng.random(n_res) < p["world.party_share"]
    ps, vs = p["world.party_share"], p["world.volunteer_share"]
    q = max(0.0, (vs - ps) / (1.0 - ps)) if ps < 1.0 else 0.0
    pool = party | (rng.random(n_res) < q)
    cuts = np.cumsum([p["volunteers.initial_self_driven"], p["volunteers.initial_following"],
                      p["volunteers.initial_watching"]])
    u = rng.random(n_res)
    stage = np.select([u < cuts[0], u < cuts[1], u < cuts[2]],
                      [Stage.SELF_DRIVEN, Stage.FOLLOWING, Stage.WATCHING],
                      Stage.INACTIVE).astype(np.int8)
    available = pool & (rng.random(n_res) < p["volunteers.available_share"])
    stage[~available] = Stage.INACTIVE  # registered, but with no time to give
    stage[~pool] = Stage.NOT_VOLUNTEER

    mean, sd = p["trust.initial_mean"], p["trust.initial_sd"]
    if sd > 0:
        a, b = beta_parameters(mean, sd)
        trust = rng.beta(a, b, size=n_res)
    else:
        trust = np.full(n_res, mean)

    return World(
        street_district=street_district, community_street=community_street,
        grid_community=grid_community, grid_dedicated=grid_dedicated,
        grid_dedicated_kind=grid_dedicated_kind, grid_first_household=grid_first_household,
        grid_households=grid_households, grid_first_resident=grid_first_resident,
        grid_residents=grid_residents, building_grid=building_grid,
        household_grid=household_grid, household_building=household_building,
        household_first=household_first, household_size=household_size,
        resident_household=resident_household, resident_building=resident_building,
        resident_grid=resident_grid, elderly=elderly, party=party, stage=stage,
        available=available, trust=trust,
    )
