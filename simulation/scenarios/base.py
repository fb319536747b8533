"""The Scenario type: defaults + overrides (each with a source) + scenario-only inputs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..parameters import PARAM_INDEX, Param, Parameters

if TYPE_CHECKING:
    from ..policies import Lever


@dataclass(frozen=True)
class Scenario:
    """A named, documented starting point for runs.

    ``overrides`` maps keys to (value, source). ``inputs`` are extra parameters only this
    scenario has (e.g. the M/M/c rates); ``derive`` maps all values to the model's keys.
    """

    name: str
    description: str
    overrides: Mapping[str, tuple[Any, str]] = field(default_factory=dict)
    inputs: tuple[Param, ...] = ()
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def specs(self) -> dict[str, Param]:
        """Every parameter this scenario accepts."""
        return {**PARAM_INDEX, **{p.key: p for p in self.inputs}}

    def parameters(self, overrides: Mapping[str, Any],
                   levers: Iterable[Lever] = ()) -> Parameters:
        """Resolved, validated parameters: defaults, then this scenario's overrides, then
        ``levers`` in order, then the user's ``overrides`` (which win)."""
        specs = self.specs()
        values = {k: p.default for k, p in specs.items()}
        sources = {k: p.source for k, p in specs.items()}
        for key, (value, source) in self.overrides.items():
            values[key] = specs[key].coerce(value)
            sources[key] = f"{self.name}: {source}"
        params = Parameters(values, sources, specs, self.derive, self.name)
        params = params.with_values({})  # derive and check the scenario on its own
        for lever in levers:
            params = lever.apply(params)
        return params.with_values(overrides, source="override")
