"""Named scenarios: a scenario is the default parameters plus documented overrides.

``load_scenario(name, overrides, levers)`` returns validated :class:`Parameters`; unknown
names and keys raise ParameterError with the valid choices.

>>> params = load_scenario("baseline", {"visits.per_worker_day": 6},
...                        levers=["party_branch", "mobilisation:mode=party_led"])
>>> params["visits.per_worker_day"], params["policy.mobilisation"]
(6.0, 'party_led')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..parameters import ParameterError, Parameters
from ..policies import LeverLike, as_levers
from . import baseline, jinan, mmc, wenheng
from .base import Scenario

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (baseline.SCENARIO, wenheng.SCENARIO,
                                                      mmc.SCENARIO, jinan.SCENARIO)}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ParameterError(
            f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}") from None


def load_scenario(name: str, overrides: Mapping[str, Any] | None = None,
                  levers: LeverLike | Iterable[LeverLike] | None = ()) -> Parameters:
    """The validated parameters of scenario ``name`` (``gridgov scenarios``): its values,
    then ``levers`` in order, then ``overrides`` (dotted keys, ``gridgov params NAME``, in
    each parameter's unit; they win).

    A lever is a :class:`~simulation.policies.Lever` or written as on the command line
    (``"party_branch"``, ``"staffing:households_per_worker=200"``) or as a dict.
    ParameterError names the valid choices for an unknown scenario, key or lever or an
    invalid value."""
    return get_scenario(name).parameters(overrides or {}, as_levers(levers))


__all__ = ["SCENARIOS", "Scenario", "get_scenario", "load_scenario"]
