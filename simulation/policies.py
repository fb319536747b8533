"""Levers: the policy choices a run can make, as composable objects with a name, a
description and a serialisable form.

Words (one per concept): a *lever* (:class:`Lever`, EMA Workbench's word) is one policy
choice and sets ``policy.*`` and other parameters; a *policy* is a named bundle of levers
and parameter values, e.g. an experiment file's ``[[policies]]`` entry with its ``levers``
list. A scenario plus a list of levers plus overrides gives a run's parameters.
``Lever.from_dict(x.to_dict()) == x`` for every lever. (The serialised form's key
``"policy"``, the ``--policy`` option and the error texts keep their old word: they are
what users type and what results folders hold.)

>>> from simulation.policies import PartyBranch, VolunteerMobilisation, apply_levers
>>> from simulation import load_scenario
>>> params = apply_levers(load_scenario("baseline"),
...                       [PartyBranch(), VolunteerMobilisation("party_led")])
>>> params["policy.party_branch"], params["policy.mobilisation"]
(True, 'party_led')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from .parameters import ISSUE_TYPES, ParameterError, Parameters


@dataclass(frozen=True)
class Lever:
    """Base class of levers: subclasses are frozen dataclasses whose fields are the lever's
    settings."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def overrides(self) -> dict[str, Any]:
        """The parameter values this lever sets (None fields leave a value as it is)."""
        raise NotImplementedError

    def apply(self, params: Parameters) -> Parameters:
        """``params`` with this lever's values (validated); their source is recorded as
        ``policy NAME``."""
        return params.with_values(self.overrides(), source=f"policy {self.name}")

    def to_dict(self) -> dict[str, Any]:
        """Serialisable form: {"policy": name, **settings} (the key keeps its old word)."""
        return {"policy": self.name, **dataclasses.asdict(self)}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Lever:
        """Inverse of :meth:`to_dict`; unknown names or settings raise ParameterError."""
        data = dict(data)
        name = data.pop("policy", None)
        cls = LEVERS.get(name)
        if cls is None:
            raise ParameterError(
                f"unknown policy {name!r}; choose one of {', '.join(LEVERS)}")
        fields = {f.name for f in dataclasses.fields(cls)}
        bad = sorted(set(data) - fields)
        if bad:
            raise ParameterError(f"policy {name!r} has no setting {bad[0]!r}; valid: "
                                 f"{', '.join(sorted(fields)) or 'none'}")
        needed = [f.name for f in dataclasses.fields(cls)
                  if f.name not in data and f.default is dataclasses.MISSING
                  and f.default_factory is dataclasses.MISSING]
        if needed:
            raise ParameterError(f"policy {name!r} needs a value for {needed[0]!r}: write "
                                 f"{name}:{needed[0]}=VALUE")
        return cls(**data)


@dataclass(frozen=True)
class Staffing(Lever):
    """Grid-worker staffing: households per worker, part-time share, dedicated grids."""

    name: ClassVar[str] = "staffing"
    description: ClassVar[str] = "Households per grid worker, full/part-time mix, dedicated grids"
    households_per_worker: float | None = None
    part_time_share: float | None = None
    dedicated_grids: bool | None = None

    def overrides(self) -> dict[str, Any]:
        """Staffing keys."""
        out = {"staffing.households_per_worker": self.households_per_worker,
               "staffing.part_time_share": self.part_time_share,
               "policy.dedicated_grids": self.dedicated_grids}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class DoorToDoorVisits(Lever):
    """Door-to-door visits (走家串户): households a grid worker visits per working day."""

    name: ClassVar[str] = "visits"
    description: ClassVar[str] = "Households each grid worker visits per working day"
    per_worker_day: float

    def overrides(self) -> dict[str, Any]:
        """Visit frequency."""
        return {"visits.per_worker_day": self.per_worker_day}


@dataclass(frozen=True)
class PartyBranch(Lever):
    """Party branch in the grid (党支部建在网格上)."""

    name: ClassVar[str] = "party_branch"
    description: ClassVar[str] = "Party members of each grid form a branch that settles matters"
    enabled: bool = True

    def overrides(self) -> dict[str, Any]:
        """The branch switch."""
        return {"policy.party_branch": self.enabled}


@dataclass(frozen=True)
class VolunteerMobilisation(Lever):
    """Volunteer mobilisation: none, Party-led (needs branches), or a campaign."""

    name: ClassVar[str] = "mobilisation"
    description: ClassVar[str] = "Volunteer mobilisation: none, party_led or campaign"
    mode: str = "campaign"

    def overrides(self) -> dict[str, Any]:
        """The mobilisation mode."""
        return {"policy.mobilisation": self.mode}


@dataclass(frozen=True)
class MediationCentre(Lever):
    """The one-stop mediation centre (一站式矛盾纠纷多元调解中心)."""

    name: ClassVar[str] = "mediation_centre"
    description: ClassVar[str] = "Disputes escalated from a grid go straight to the centre"
    enabled: bool = True

    def overrides(self) -> dict[str, Any]:
        """The centre switch."""
        return {"policy.mediation_centre": self.enabled}


@dataclass(frozen=True)
class DigitalPlatform(Lever):
    """A digital reporting platform (数字化)."""

    name: ClassVar[str] = "digital_platform"
    description: ClassVar[str] = "Residents under 60 report faster and more often on a platform"
    enabled: bool = True

    def overrides(self) -> dict[str, Any]:
        """The platform switch."""
        return {"policy.digital_platform": self.enabled}


LEVERS: dict[str, type[Lever]] = {c.name: c for c in (
    Staffing, DoorToDoorVisits, PartyBranch, VolunteerMobilisation, MediationCentre,
    DigitalPlatform)}


def lever_warnings(params: Parameters) -> list[str]:
    """Levers that are pulled but cannot act with these parameters, one line each (empty if
    none). A run with such a lever gives the status quo's results under another name."""
    p = params
    out = []
    mode = p["policy.mobilisation"]
    if mode == "party_led" and not p["policy.party_branch"]:
        out.append("policy.mobilisation = party_led acts only in grids with a Party branch, "
                   "but policy.party_branch is off: it changes nothing (add the party_branch "
                   "lever)")
    if mode != "none" and (p["world.volunteer_share"] == 0 or
                           p["volunteers.available_share"] == 0):
        out.append(f"policy.mobilisation = {mode} has no volunteers to mobilise "
                   "(world.volunteer_share or volunteers.available_share is 0): it changes "
                   "nothing but the cost")
    if p["policy.party_branch"]:
        members = (p["world.party_share"] * p["world.households_per_grid_max"]
                   * p["world.residents_per_household"])
        if members < p["world.branch_min_members"]:
            out.append(f"policy.party_branch: a grid has about {members:.1f} Party members at "
                       f"most, fewer than world.branch_min_members "
                       f"({p['world.branch_min_members']}): no branch can form")
    if p["policy.mediation_centre"] and not any(
            p[f"issue.{t}.top"] == "mediation" and p[f"issue.{t}.escalate_grid"] > 0
            for t in ISSUE_TYPES):
        out.append("policy.mediation_centre: no issue type escalates to the mediation centre "
                   "(issue.*.top = mediation): it changes nothing but the cost")
    if p["policy.digital_platform"] and (p["world.elderly_share"] >= 1.0
                                         or p["reporting.always"]):
        out.append("policy.digital_platform: nobody can use it (every resident is 60 or over, "
                   "or reporting.always is on): it changes nothing but the cost")
    return out


def apply_levers(params: Parameters, levers: Iterable[Lever]) -> Parameters:
    """Apply levers in order (a later one wins where two set the same key)."""
    for lever in levers:
        params = lever.apply(params)
    return params


def parse_lever(spec: str) -> Lever:
    """Parse a lever as written on the command line (``--policy``) or in an experiment's
    ``levers`` list: ``NAME`` or ``NAME:key=value,key=value``."""
    name, _, rest = spec.partition(":")
    data: dict[str, Any] = {"policy": name.strip()}
    cls = LEVERS.get(data["policy"])
    if cls is None:
        raise ParameterError(f"unknown policy {name!r}; choose one of {', '.join(LEVERS)}")
    types = {f.name: f.type for f in dataclasses.fields(cls)}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ParameterError(f"policy setting {item!r} must be key=value")
        key = key.strip()
        if key not in types:
            raise ParameterError(f"policy {name!r} has no setting {key!r}; valid: "
                                 f"{', '.join(types) or 'none'}")
        data[key] = _parse_setting(value.strip(), str(types[key]))
    return Lever.from_dict(data)


def _parse_setting(text: str, type_text: str) -> Any:
    if "bool" in type_text:
        if text.lower() in ("true", "yes", "on", "1"):
            return True
        if text.lower() in ("false", "no", "off", "0"):
            return False
    if "float" in type_text:
        try:
            return float(text)
        except ValueError:
            pass
    return text


# Old names, kept for compatibility: existing imports keep working.
Policy = Lever  # old name, kept for compatibility
POLICIES = LEVERS  # old name, kept for compatibility
apply_policies = apply_levers  # old name, kept for compatibility
parse_policy = parse_lever  # old name, kept for compatibility
