"""Will a run fit? The resident estimate against the worlds actually built, and the check
for one model and for a city's largest districts at once."""

from __future__ import annotations

import pytest

from simulation import GridGovernanceModel, load_scenario
from simulation.districts import district_count
from simulation.memory import (
    BYTES_PER_RESIDENT,
    TooBig,
    check_memory,
    expected_residents,
    needed_bytes,
)


@pytest.mark.parametrize("scenario, overrides", [
    ("baseline", {}),
    ("wenheng", {}),
    ("jinan", {"world.scale": 0.01, "world.district": 3}),
])
def test_the_estimate_is_close_to_the_world_built(scenario: str, overrides: dict) -> None:
    params = load_scenario(scenario, overrides)
    built = GridGovernanceModel(params, seed=1).world.n_residents
    assert expected_residents(params) == pytest.approx(built, rel=0.15)


def test_one_model_needs_the_whole_city_and_partitions_the_largest_districts() -> None:
    city = load_scenario("jinan")
    n = district_count(city)
    whole = needed_bytes(city, partitioned=False, workers=1)
    assert whole == pytest.approx(expected_residents(city) * BYTES_PER_RESIDENT)
    sizes = [needed_bytes(city, True, w) for w in range(1, n + 2)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[1]  # more workers, more at once
    assert sizes[n - 1] == sizes[n] == pytest.approx(whole, rel=1e-9)  # all at once
    assert sizes[0] < whole / 5  # Licheng, the largest, is about an eighth of Jinan


def test_the_check_refuses_only_what_does_not_fit() -> None:
    city = load_scenario("jinan")
    whole = needed_bytes(city, False, 1)
    check_memory(city, False, 1, available=whole * 1.01)
    with pytest.raises(TooBig, match=r"one model of ~9\.\d M residents needs .*drop "
                       r"--no-partition"):
        check_memory(city, False, 1, available=whole * 0.99)
    two = needed_bytes(city, True, 2)
    check_memory(city, True, 2, available=two)
    with pytest.raises(TooBig, match=r"2 districts at once need .*fewer --workers"):
        check_memory(city, True, 2, available=two - 1)
