"""The parameter registry (simulation/parameters.py): every default valid, values coerced
to their type or refused with a one-line message naming the key and the valid values,
updates recorded with their source, and contradictions between values refused."""

from __future__ import annotations

import ast
import math
import subprocess
import sys

import pytest
from conftest import ROOT

from simulation import ParameterError, load_scenario
from simulation.districts import JINAN, LAYOUTS, plans
from simulation.parameters import (
    CONSISTENCY_CHECKS,
    ISSUE_TYPES,
    MOBILISATION_MODES,
    PARAM_INDEX,
    PARAMS,
    TOP_LEVELS,
    Param,
    unknown_key_message,
)

# ------------------------------------------------------------------------------ the registry


def test_keys_are_unique_dotted_and_documented() -> None:
    keys = [p.key for p in PARAMS]
    assert len(keys) == len(set(keys)) == len(PARAM_INDEX)
    for p in PARAMS:
        group, _, name = p.key.partition(".")
        assert group and name, p.key
        assert p.unit and p.source and p.doc, p.key


def test_every_default_is_valid_for_its_own_spec() -> None:
    for p in PARAMS:
        assert p.coerce(p.default) == p.default, p.key
        assert p.kind in (bool, int, float, str), p.key
        if p.kind in (int, float):
            assert p.low is not None and p.high is not None and p.low < p.high, p.key


def test_every_issue_type_has_its_row_of_parameters() -> None:
    for t in ISSUE_TYPES:
        for field in ("rate", "dedicated_rate", "severity", "volunteer_ok", "branch_ok",
                      "escalate_grid", "top", "abandon_top"):
            assert f"issue.{t}.{field}" in PARAM_INDEX, (t, field)
        assert PARAM_INDEX[f"issue.{t}.top"].default in TOP_LEVELS
    assert PARAM_INDEX["policy.mobilisation"].choices == MOBILISATION_MODES


def test_layout_choices_are_the_layouts_the_districts_module_builds() -> None:
    assert PARAM_INDEX["world.layout"].choices == LAYOUTS


# ------------------------------------------------------------------------- coercing values


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("policy.party_branch", "yes", True), ("policy.party_branch", " off ", False),
    ("policy.party_branch", "1", True), ("policy.party_branch", False, False),
    ("trust.contacts", "7", 7), ("trust.contacts", 3.0, 3), ("trust.contacts", "+2", 2),
    ("trust.gain_good", "0.25", 0.25), ("trust.gain_good", 1, 1.0),
    ("trust.gain_good", "1e-1", 0.1),
    ("policy.mobilisation", "campaign", "campaign"),
])
def test_coerce_converts_to_the_type_of_the_default(key, raw, expected) -> None:
    value = PARAM_INDEX[key].coerce(raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("key", "raw", "message"), [
    ("policy.party_branch", "maybe", "policy.party_branch: 'maybe' is not true or false"),
    ("policy.party_branch", 1, "policy.party_branch: 1 is not true or false"),
    ("trust.contacts", 2.5, "trust.contacts: 2.5 is not an integer in [0, 100]"),
    ("trust.contacts", True, "trust.contacts: True is not an integer in [0, 100]"),
    ("trust.contacts", 101, "trust.contacts: 101 is out of range; must be an integer in "
                            "[0, 100]"),
    ("trust.gain_good", "lots", "trust.gain_good: 'lots' is not a number in [0, 1]"),
    ("trust.gain_good", math.nan, "trust.gain_good: NaN is not a number in [0, 1]"),
    ("trust.gain_good", -0.1, "trust.gain_good: -0.1 is out of range; must be a number in "
                              "[0, 1]"),
    ("policy.mobilisation", "all", "policy.mobilisation: 'all' is not one of none, party_led, "
                                   "campaign"),
    ("policy.mobilisation", 3, "policy.mobilisation: 3 is not one of none, party_led, "
                               "campaign"),
])
def test_coerce_refuses_with_the_key_and_the_valid_values(key, raw, message) -> None:
    with pytest.raises(ParameterError) as info:
        PARAM_INDEX[key].coerce(raw)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)  # callers may catch either


def test_valid_text_of_an_open_range() -> None:
    spec = Param("x.y", 1.0, "-", "test", "A test parameter.", low=0.0)
    assert spec.valid_text() == "a number in [0, inf]"
    assert spec.coerce(1e300) == 1e300


def test_unknown_key_message_suggests_close_keys_or_the_listing() -> None:
    assert unknown_key_message("trust.gain_god", PARAM_INDEX).startswith(
        "unknown parameter 'trust.gain_god'; did you mean trust.gain_good")  # closest first
    assert unknown_key_message("a.bd", ["a.bc", "x.yz"]) == (
        "unknown parameter 'a.bd'; did you mean a.bc?")
    assert unknown_key_message("zzz", PARAM_INDEX) == (
        "unknown parameter 'zzz'; see `gridgov params SCENARIO`")


# ---------------------------------------------------------------------- Parameters objects


def test_with_values_validates_records_the_source_and_leaves_the_original() -> None:
    base = load_scenario("baseline")
    new = base.with_values({"trust.contacts": "6", "policy.party_branch": "on"}, source="mine")
    assert new["trust.contacts"] == 6 and new["policy.party_branch"] is True
    assert new.sources["trust.contacts"] == new.sources["policy.party_branch"] == "mine"
    assert base["trust.contacts"] == PARAM_INDEX["trust.contacts"].default
    assert base.sources["trust.contacts"] == PARAM_INDEX["trust.contacts"].source
    assert len(new) == len(base) and set(new) == set(base)


def test_unknown_keys_are_refused_on_read_and_on_update() -> None:
    params = load_scenario("baseline")
    with pytest.raises(ParameterError, match=r"did you mean trust\.initial_mean"):
        params["trust.initial_man"]
    with pytest.raises(ParameterError, match="unknown parameter 'foo'"):
        params.with_values({"foo": 1})


def test_derived_keys_follow_the_scenario_inputs_and_cannot_be_set() -> None:
    params = load_scenario("mmc", {"mmc.workers": 2})
    assert params["mmc.workers"] == 2
    assert params.sources["issue.water.escalate_grid"] == "mmc: derived"
    with pytest.raises(ParameterError, match=r"derived by scenario 'mmc'.*set those instead"):
        params.with_values({"issue.facility.rate": 1.0})


# ------------------------------------------------------------------- consistency of values


@pytest.mark.parametrize(("overrides", "message"), [
    ({"world.grids_per_community_min": 9, "world.grids_per_community_max": 8},
     "world.grids_per_community_min (9) must be below world.grids_per_community_max (8)"),
    ({"calendar.open_hour": 17.0, "calendar.close_hour": 17.0},
     "calendar.open_hour (17.0) must be below calendar.close_hour (17.0)"),
    ({"calendar.part_time_hours": 9.0},
     "calendar.part_time_hours (9.0) exceeds the office day (8.0 h)"),
    ({"visits.per_worker_day": 30.0},
     "visits.per_worker_day x visits.hours_each = 7.5 h leaves no time for casework in a 8 h "
     "working day; lower either"),
    ({"staffing.part_time_share": 0.5, "visits.per_worker_day": 15.0},
     "visits.per_worker_day x visits.hours_each = 3.75 h leaves no time for casework in a 4 h "
     "working day; lower either"),
    ({"trust.initial_mean": 0.9, "trust.initial_sd": 0.3},
     "trust.initial_sd (0.3) is too large for trust.initial_mean (0.9); must be below 0.300"),
    ({"volunteers.initial_watching": 0.6, "volunteers.initial_following": 0.5},
     "volunteers.initial_* shares add up to 1.1018 > 1"),
    ({"world.district": 1},
     "world.district: 1 is out of range; the uniform layout has districts 0 to 0 (-1: all)"),
    ({"world.districts": 3, "world.district": 3},
     "world.district: 3 is out of range; the uniform layout has districts 0 to 2 (-1: all)"),
])
def test_contradicting_values_are_refused(overrides, message) -> None:
    with pytest.raises(ParameterError) as info:
        load_scenario("baseline", overrides)
    assert str(info.value) == message


def test_equal_world_bounds_are_allowed() -> None:
    params = load_scenario("baseline", {"world.households_per_grid_min": 400,
                                        "world.households_per_grid_max": 400})
    assert params["world.households_per_grid_min"] == params["world.households_per_grid_max"]


def test_the_district_check_is_one_check_run_at_load_and_at_build() -> None:
    """Parameters run the check of simulation/districts.py (registered there); building a
    world from plain, unchecked values runs the same check with the same message."""
    assert CONSISTENCY_CHECKS["world.district"].__module__ == "simulation.districts"
    n = len(JINAN)
    message = (f"world.district: {n} is out of range; the jinan layout has districts 0 to "
               f"{n - 1} (-1: all)")
    with pytest.raises(ParameterError) as at_load:
        load_scenario("jinan", {"world.district": n})
    values = dict(load_scenario("jinan").values, **{"world.district": n})
    with pytest.raises(ParameterError) as at_build:
        plans(values)
    assert str(at_load.value) == str(at_build.value) == message
    assert load_scenario("jinan", {"world.district": n - 1})["world.district"] == n - 1


def test_importing_the_package_registers_the_district_check() -> None:
    """A fresh interpreter that asks for the parameters alone gets the check too (importing
    any module of the package imports the model, hence simulation/districts.py)."""
    code = ("import simulation.parameters as p; "
            "print(p.CONSISTENCY_CHECKS['world.district'].__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "simulation.districts"


def test_parameters_imports_no_module_that_imports_it() -> None:
    """No import circle: parameters.py imports only the error base class of the package."""
    source = ROOT / "simulation" / "parameters.py"
    local = {node.module for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and node.level > 0}
    assert local == {"support.errors"}
