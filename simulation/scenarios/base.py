"""The Scenario type: defaults + overrides (each with a source) + scenario-only inputs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..parameters import PARAM_INDEX, Param, ParameterError, Parameters, unknown_key_message


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

    def parameters(self, overrides: Mapping[str, Any]) -> Parameters:
        """Resolved, validated parameters with user ``overrides`` applied last."""
        specs = self.specs()
        values = {k: p.default for k, p in specs.items()}
        sources = {k: p.source for k, p in specs.items()}
        for key, (value, source) in self.overrides.items():
            values[key] = specs[key].coerce(value)
            sources[key] = f"{self.name}: {source}"
        for key, raw in overrides.items():
            if key not in specs:
                raise ParameterError(unknown_key_message(key, specs))
            values[key] = specs[key].coerce(raw)
            sources[key] = "override"
        if self.derive is not None:
            for key, value in self.derive(values).items():
                if key in overrides and overrides[key] != value:
                    raise ParameterError(
                        f"{key} is set by scenario {self.name!r} from its own inputs "
                        f"({', '.join(p.key for p in self.inputs)}); set those instead")
                values[key] = specs[key].coerce(value)
                sources[key] = f"{self.name}: derived"
        params = Parameters(values, sources, specs)
        params.check_consistency()
        return params
