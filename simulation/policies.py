"""Policy levers: composable objects with a name, a description and a serialisable form.

A policy sets parameters (EMA Workbench's "lever"); a scenario plus a list of policies plus
overrides gives a run's parameters. ``Policy.from_dict(p.to_dict()) == p`` for every policy.

>>> from simulation.policies import PartyBranch, VolunteerMobilisation, apply_policies
>>> from simulation import load_scenario
>>> params = apply_policies(load_scenario("baseline"),
...                         [PartyBranch(), VolunteerMobilisation("party_led")])
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
class Policy:
    """Base class: subclasses are frozen dataclasses whose fields are the lever's settings."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def overrides(self) -> dict[str, Any]:
        """The parameter values this policy sets (None fields leave a value as it is)."""
        raise NotImplementedError

    def apply(self, params: Parameters) -> Parameters:
        """``params`` with this policy's values (validated)."""
        return params.with_values(self.overrides(), source=f"policy {self.name}")

    def to_dict(self) -> dict[str, Any]:
        """Serialisable form: {"policy": name, **settings}."""
        return {"policy": self.name, **dataclasses.asdict(self)}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Policy:
        """Inverse of :meth:`to_dict`; unknown names or settings raise ParameterError."""
        data = dict(data)
        name = data.pop("policy", None)
        cls = POLICIES.get(name)
        if cls is None:
            raise ParameterError(
                f"unknown policy {name!r}; choose one of {', '.join(POLICIES)}")
        fields = {f.name for f in dataclasses.fields(cls)}
        bad = sorted(set(data) - fields)
        if bad:
            raise ParameterError(f"policy {name!r} has no setting {bad[0]!r}; valid: "
                                 f"{', '.join(sorted(fields)) or 'none'}")
        return cls(**data)


@dataclass(frozen=True)
class Staffing(Policy):
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
class DoorToDoorVisits(Policy):
    """Door-to-door visits (走家串户): households a grid worker visits per working day."""

    name: ClassVar[str] = "visits"
    description: ClassVar[str] = "Households each grid worker visits per working day"
    per_worker_day: float

    def overrides(self) -> dict[str, Any]:
        """Visit frequency."""
        return {"visits.per_worker_day": self.per_worker_day}


@dataclass(frozen=True)
class PartyBranch(Policy):
    """Party branch in the grid (党支部建在网格上)."""

    name: ClassVar[str] = "party_branch"
    description: ClassVar[str] = "Party members of each grid form a branch that settles matters"
    enabled: bool = True

    def overrides(self) -> dict[str, Any]:
        """The branch switch."""
        return {"policy.party_branch": self.enabled}


@dataclass(frozen=True)
class VolunteerMobilisation(Policy):
    """Volunteer mobilisation: none, Party-led (needs branches), or a campaign."""

    name: ClassVar[str] = "mobilisation"
    description: ClassVar[str] = "Volunteer mobilisation: none, party_led or campaign"
    mode: str = "campaign"

    def overrides(self) -> dict[str, Any]:
        """The mobilisation mode."""
        return {"policy.mobilisation": self.mode}


@dataclass(frozen=True)
class MediationCentre(Policy):
    """The one-stop mediation centre (一站式矛盾纠纷多元调解中心)."""

    name: ClassVar[str] = "mediation_centre"
    description: ClassVar[str] = "Disputes escalated from a grid go straight to the centre"
    enabled: bool = True

    def overrides(self) -> dict[str, Any]:
        """The centre switch."""
        return {"policy.mediation_centre": self.enabled}


@dataclass(frozen=True)
class DigitalPlatform(Policy):
    """A digital reporting platform (数字化)."""

    name: ClassVar[str] = "digital_platform"
    description: ClassVar[str] = "Residents under 60 report faster and more often on a platform"
    enabled: bool = True

    def overrides(self) -> dict[str, Any]:
        """The platform switch."""
        return {"policy.digital_platform": self.enabled}


POLICIES: dict[str, type[Policy]] = {c.name: c for c in (
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


def apply_policies(params: Parameters, policies: Iterable[Policy]) -> Parameters:
    """Apply policies in order (a later one wins where two set the same key)."""
    for policy in policies:
        params = policy.apply(params)
    return params


def parse_policy(spec: str) -> Policy:
    """Parse a command-line policy: ``NAME`` or ``NAME:key=value,key=value``."""
    name, _, rest = spec.partition(":")
    data: dict[str, Any] = {"policy": name.strip()}
    cls = POLICIES.get(data["policy"])
    if cls is None:
        raise ParameterError(f"unknown policy {name!r}; choose one of {', '.join(POLICIES)}")
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
    return Policy.from_dict(data)


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
