"""The city tree (simulation/world.py): counts within the parameters' bounds, every entity's
members contiguous and consistent, volunteer stages as specified, initial trust from a Beta
with the given mean and spread, and the same world from the same random stream."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL

from simulation import ParameterError, load_scenario
from simulation.districts import plans
from simulation.rules import INACTIVE, NOT_VOLUNTEER
from simulation.world import (
    DEDICATED_KINDS,
    MAX_HOUSEHOLD,
    World,
    beta_parameters,
    build_world,
    community_tree,
)


def world_of(seed: int = 1, scenario: str = "baseline", **overrides: object) -> World:
    params = load_scenario(scenario, {**SMALL, **overrides})
    return build_world(params, np.random.default_rng(seed))


@pytest.fixture(scope="module")
def world() -> World:
    """A small world with three districts of two streets (every level has several units)."""
    return world_of(seed=5, **{"world.districts": 3, "world.streets_per_district": 2})


# --- beta_parameters ----------------------------------------------------------------------
@pytest.mark.parametrize(("mean", "sd", "a", "b"), [
    (0.5, 0.1, 12.0, 12.0),  # var 0.01: k = 0.25 / 0.01 - 1 = 24
    (0.6, 0.2, 3.0, 2.0),  # var 0.04: k = 0.24 / 0.04 - 1 = 5
    (0.2, 0.1, 3.0, 12.0),  # var 0.01: k = 0.16 / 0.01 - 1 = 15
])
def test_beta_parameters_hand_computed(mean, sd, a, b) -> None:
    got = beta_parameters(mean, sd)
    assert got == pytest.approx((a, b))
    a, b = got  # and the Beta's own moments give back the mean and sd
    assert a / (a + b) == pytest.approx(mean)
    assert np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(sd)


def test_beta_parameters_refuse_a_spread_too_large_for_the_mean() -> None:
    with pytest.raises(ParameterError) as info:
        beta_parameters(0.5, 0.5)
    assert str(info.value) == ("trust.initial_sd (0.5) is too large for trust.initial_mean "
                               "(0.5); must be below 0.500")


# --- the tree -----------------------------------------------------------------------------
def test_the_tree_has_the_counts_of_the_parameters(world: World) -> None:
    p = load_scenario("baseline", SMALL)
    assert len(world.street_district) == 3 * 2
    np.testing.assert_array_equal(np.bincount(world.street_district), [2, 2, 2])
    per_street = np.bincount(world.community_street)
    assert (per_street == p["world.communities_per_street"]).all()
    basic = ~world.grid_dedicated
    per_community = np.bincount(world.grid_community[basic])
    assert per_community.min() >= p["world.grids_per_community_min"]
    assert per_community.max() <= p["world.grids_per_community_max"]
    hh = world.grid_households[basic]
    assert hh.min() >= p["world.households_per_grid_min"]
    assert hh.max() <= p["world.households_per_grid_max"]
    assert (world.grid_households[world.grid_dedicated] == 0).all()  # units, not homes
    assert (world.grid_dedicated_kind[basic] == -1).all()
    assert set(world.grid_dedicated_kind[world.grid_dedicated]) <= set(range(len(DEDICATED_KINDS)))
    assert world.n_grids == len(world.grid_community)
    assert world.n_households == world.grid_households.sum() == len(world.household_size)
    assert world.n_residents == world.household_size.sum()


def test_grids_are_ordered_by_community_basic_grids_first(world: World) -> None:
    assert (np.diff(world.grid_community) >= 0).all()
    assert (np.diff(world.community_street) >= 0).all()
    for c in range(len(world.community_street)):
        dedicated = world.grid_dedicated[world.grid_community == c]
        assert (np.diff(dedicated.astype(int)) >= 0).all()  # False ... False, True ... True


def test_members_are_contiguous_and_agree_at_every_level(world: World) -> None:
    w = world
    # residents sorted by household, households by grid
    assert (np.diff(w.resident_household) >= 0).all() and (np.diff(w.household_grid) >= 0).all()
    np.testing.assert_array_equal(w.household_first, np.searchsorted(
        w.resident_household, np.arange(w.n_households)))
    np.testing.assert_array_equal(w.grid_first_household, np.searchsorted(
        w.household_grid, np.arange(w.n_grids)))
    np.testing.assert_array_equal(w.grid_first_resident, np.searchsorted(
        w.resident_grid, np.arange(w.n_grids)))
    np.testing.assert_array_equal(w.grid_residents, np.bincount(w.resident_grid,
                                                                minlength=w.n_grids))
    # a resident lives in their household's building and grid; a building in one grid
    np.testing.assert_array_equal(w.resident_grid, w.household_grid[w.resident_household])
    np.testing.assert_array_equal(w.resident_building,
                                  w.household_building[w.resident_household])
    np.testing.assert_array_equal(w.building_grid[w.household_building], w.household_grid)
    assert w.household_size.min() >= 1 and w.household_size.max() <= MAX_HOUSEHOLD


def test_buildings_hold_at_most_households_per_building(world: World) -> None:
    hpb = load_scenario("baseline", SMALL)["world.households_per_building"]
    per_building = np.bincount(world.household_building)
    assert per_building.max() <= hpb and per_building.min() >= 1
    # the fewest buildings that can hold each grid's households
    per_grid = np.bincount(world.building_grid, minlength=world.n_grids)
    np.testing.assert_array_equal(per_grid, -(-world.grid_households // hpb))
    first, count = world.building_members
    np.testing.assert_array_equal(count, np.bincount(world.resident_building))
    for b in (0, len(count) // 2, len(count) - 1):
        assert (world.resident_building[first[b]:first[b] + count[b]] == b).all()


def test_volunteer_stages_follow_the_pool_and_availability(world: World) -> None:
    w = world
    pool = w.stage != NOT_VOLUNTEER
    assert (pool[w.party]).all()  # every Party member is a registered volunteer
    assert not (w.available & ~pool).any()
    assert (w.stage[pool & ~w.available] == INACTIVE).all()
    assert (w.stage[pool] >= INACTIVE).all()


def test_shares_are_near_their_parameters(world: World) -> None:
    p = load_scenario("baseline", SMALL)
    n = world.n_residents
    for share, key in ((world.elderly.mean(), "world.elderly_share"),
                       (world.party.mean(), "world.party_share"),
                       ((world.stage != NOT_VOLUNTEER).mean(), "world.volunteer_share")):
        expected = p[key]
        assert abs(share - expected) < 5 * np.sqrt(expected * (1 - expected) / n), key
    assert abs(world.household_size.mean() - p["world.residents_per_household"]) < 0.1
    mean, sd = p["trust.initial_mean"], p["trust.initial_sd"]
    assert abs(world.trust.mean() - mean) < 5 * sd / np.sqrt(n)
    assert world.trust.std() == pytest.approx(sd, rel=0.05)
    assert ((world.trust > 0) & (world.trust < 1)).all()


def test_no_spread_gives_everyone_the_mean_trust() -> None:
    w = world_of(**{"trust.initial_sd": 0.0, "trust.initial_mean": 0.37})
    assert (w.trust == 0.37).all()


def test_the_same_stream_builds_the_same_world_another_stream_another() -> None:
    a, b, c = world_of(seed=3), world_of(seed=3), world_of(seed=4)
    for name in World.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.n_residents != c.n_residents or not np.array_equal(a.trust, c.trust)


def test_a_table_layout_builds_its_planned_grids_and_communities() -> None:
    params = load_scenario("jinan", {"world.scale": 0.01})
    plan = plans(params)
    streets, communities, basic, dedicated = community_tree(params, np.random.default_rng(1))
    assert len(streets) == sum(d.streets for d in plan)
    assert len(communities) == sum(d.communities for d in plan)
    assert basic.sum() == sum(d.basic_grids for d in plan)
    assert dedicated.sum() == sum(d.dedicated_grids for d in plan)
    assert basic.min() >= 1  # every community has a basic grid
    np.testing.assert_array_equal(np.bincount(streets), [d.streets for d in plan])


def test_one_district_alone_is_that_district_of_the_city() -> None:
    params = load_scenario("jinan", {"world.scale": 0.01, "world.district": 2})
    (only,) = plans(params)
    city = plans(load_scenario("jinan", {"world.scale": 0.01}))
    assert only == city[2]
    streets, communities, basic, _ = community_tree(params, np.random.default_rng(1))
    assert (streets == 0).all() and len(streets) == only.streets
    assert len(communities) == only.communities
    assert basic.sum() == only.basic_grids
