"""Named scenarios: a scenario is the default parameters plus documented overrides.

``load_scenario(name, overrides)`` returns validated :class:`Parameters`; unknown names and
keys raise ParameterError with the valid choices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..parameters import ParameterError, Parameters
from . import baseline, jinan, mmc, wenheng
from .base import Scenario

if TYPE_CHECKING:
    from ..policies import Lever

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
                  levers: Iterable[Lever] = (), *,
                  policies: Iterable[Lever] | None = None) -> Parameters:
    """Parameters of scenario ``name``: its values, then ``levers``, then ``overrides``
    (``policies=`` is the old name of ``levers``, kept as an alias)."""
    if policies is not None:
        levers = policies
    return get_scenario(name).parameters(overrides or {}, levers)


__all__ = ["SCENARIOS", "Scenario", "get_scenario", "load_scenario"]
