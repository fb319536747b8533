"""The dashboard's lever controls, defined once from the lever registry.

Each :class:`Control` names one setting of a lever in :data:`simulation.policies.LEVERS`
(as ``--policy staffing:households_per_worker=200`` writes it); the parameter it sets, the
kind of widget (a number's slider, a switch, a choice) and the choices come from the lever
and parameter registries. :data:`CONTROLS` is the page's list, in the order it shows them;
the model's arguments (:func:`levers_for`), the values a run holds (:func:`lever_values`)
and the words beside each control (``text.py``) are derived from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ...parameters import PARAM_INDEX, Param
from ...policies import LEVERS, Lever


@dataclass(frozen=True)
class Control:
    """One lever setting the dashboard offers: ``name`` is the page's and the model's word
    for it (``DashboardModel(households_per_worker=...)``), ``lever`` and ``setting`` name
    it in the lever registry, ``slider`` is a number's (min, max, step) in its parameter's
    unit (narrower than the registry's valid range); switches and choices have none."""

    name: str
    lever: str
    setting: str
    slider: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        """Check the control against the registries (ValueError naming the valid ones)."""
        cls = LEVERS.get(self.lever)
        if cls is None:
            raise ValueError(f"control {self.name!r}: no lever {self.lever!r}; "
                             f"valid: {', '.join(LEVERS)}")
        if self.setting not in cls.keys:
            raise ValueError(f"control {self.name!r}: lever {self.lever!r} has no setting "
                             f"{self.setting!r}; valid: {', '.join(cls.keys)}")
        if (self.slider is not None) != (self.kind == "slider"):
            raise ValueError(f"control {self.name!r}: a number needs a slider range, a "
                             "switch or choice has none")
        if self.slider is not None:
            low, high, _ = self.slider
            spec = self.param
            if not ((spec.low is None or spec.low <= low) and low < high
                    and (spec.high is None or high <= spec.high)):
                raise ValueError(f"control {self.name!r}: slider {low:g}-{high:g} is outside "
                                 f"{self.key}'s range {self.param.valid_text()}")

    @property
    def key(self) -> str:
        """The dotted parameter key the setting sets (the lever's own mapping)."""
        return LEVERS[self.lever].keys[self.setting]

    @property
    def param(self) -> Param:
        """The parameter's registry entry (meaning, unit, valid values, source)."""
        return PARAM_INDEX[self.key]

    @property
    def kind(self) -> Literal["slider", "switch", "choice"]:
        """The widget: a choice among the parameter's choices, a switch for a yes/no, a
        slider for a number."""
        if self.param.choices:
            return "choice"
        return "switch" if self.param.kind is bool else "slider"

    def lever_with(self, value: Any) -> Lever:
        """The lever with this setting at ``value`` (its other settings left as they are);
        ParameterError for an invalid value."""
        return LEVERS[self.lever](**{self.setting: value})


# The page's levers, in the order it shows them.
CONTROLS: dict[str, Control] = {c.name: c for c in (
    Control("households_per_worker", "staffing", "households_per_worker",
            slider=(100.0, 1000.0, 20.0)),  # households per worker
    Control("visits_per_worker_day", "visits", "per_worker_day",
            slider=(0.0, 8.0, 0.5)),  # households per worker and working day
    Control("party_branch", "party_branch", "enabled"),
    Control("mobilisation", "mobilisation", "mode"),
    Control("mediation_centre", "mediation_centre", "enabled"),
    Control("digital_platform", "digital_platform", "enabled"),
)}


def levers_for(settings: Mapping[str, Any]) -> list[Lever]:
    """The levers that give a run the controls' ``settings`` (by control name, each in its
    parameter's unit): a number left out (or None) keeps the scenario's value, a switch or
    choice left out is off (its registry default). TypeError for an unknown name,
    ParameterError for an invalid value (the lever checks it)."""
    unknown = sorted(set(settings) - set(CONTROLS))
    if unknown:
        raise TypeError(f"no dashboard lever {unknown[0]!r}; valid: {', '.join(CONTROLS)}")
    levers = []
    for name, control in CONTROLS.items():
        value = settings.get(name, None if control.kind == "slider" else control.param.default)
        if value is not None:
            levers.append(control.lever_with(value))
    return levers


def lever_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """The value of each control in ``params`` (a run's or a scenario's parameters), by
    control name."""
    return {name: params[control.key] for name, control in CONTROLS.items()}
