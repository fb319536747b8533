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

Wherever levers are taken (:func:`apply_levers`, ``load_scenario``, ``run_scenario``,
``GridGovernanceModel``, the sweep entry points) a lever may also be written as on the
command line (``"party_branch"``, ``"staffing:households_per_worker=200"``) or in its
serialised form (a dict); :func:`as_levers` turns any of them into Lever objects. A lever
checks its settings when it is made, against the parameter registry:

>>> VolunteerMobilisation("party-led")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
simulation.parameters.ParameterError: policy 'mobilisation': mode 'party-led' is not one of ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

from .parameters import ISSUE_TYPES, PARAM_INDEX, ParameterError, Parameters


@dataclass(frozen=True)
class Lever:
    """Base class of levers: subclasses are frozen dataclasses whose fields are the lever's
    settings, each setting one parameter (:attr:`keys`: setting -> dotted key) in that
    parameter's unit. Settings are checked and converted when a lever is made
    (ParameterError naming the valid values); ``overrides()`` gives the values it sets,
    ``apply(params)`` returns the parameters with them. Make one by its class
    (``Staffing(households_per_worker=200)``), its command-line text
    (:func:`parse_lever`) or its serialised form (:meth:`from_dict`)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    keys: ClassVar[dict[str, str]] = {}  # setting (field) -> the parameter it sets

    def __post_init__(self) -> None:
        """Check and convert every setting with its parameter's rules (type, range,
        choices: :meth:`simulation.parameters.Param.coerce`); ParameterError naming the
        lever, the setting and the valid values otherwise. None leaves a value as it is,
        where the setting is optional (its default is None)."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            key = self.keys.get(f.name)
            if key is None:
                continue
            if value is None:
                if f.default is not None:
                    raise ParameterError(f"policy {self.name!r}: {f.name} is required: "
                                         f"{PARAM_INDEX[key].valid_text()} (it sets {key})")
                continue
            spec = PARAM_INDEX[key]
            try:
                coerced = spec.coerce(value)
            except ParameterError as exc:
                text = str(exc)  # "KEY: VALUE is not ..." / "KEY: VALUE is out of range; ..."
                detail = text[text.find(" is "):] if " is " in text else f": {text}"
                raise ParameterError(f"policy {self.name!r}: {f.name} {value!r}{detail} "
                                     f"(it sets {key})") from None
            object.__setattr__(self, f.name, coerced)  # e.g. 300 -> 300.0, "on" -> True

    def overrides(self) -> dict[str, Any]:
        """The parameter values this lever sets, by key (None settings are left out)."""
        return {key: getattr(self, f) for f, key in self.keys.items()
                if getattr(self, f) is not None}

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
    keys: ClassVar[dict[str, str]] = {
        "households_per_worker": "staffing.households_per_worker",  # households/worker
        "part_time_share": "staffing.part_time_share",  # share of basic-grid workers
        "dedicated_grids": "policy.dedicated_grids",
        "beats": "staffing.beats",  # grid or workload
        "beat_min_fte": "staffing.beat_min_fte"}  # full-time equivalents
    households_per_worker: float | None = None
    part_time_share: float | None = None
    dedicated_grids: bool | None = None
    beats: str | None = None
    beat_min_fte: float | None = None


@dataclass(frozen=True)
class DoorToDoorVisits(Lever):
    """Door-to-door visits (走家串户): households a grid worker visits per working day."""

    name: ClassVar[str] = "visits"
    description: ClassVar[str] = "Households each grid worker visits per working day"
    keys: ClassVar[dict[str, str]] = {"per_worker_day": "visits.per_worker_day"}
    per_worker_day: float  # households visited per worker and working day


@dataclass(frozen=True)
class PartyBranch(Lever):
    """Party branch in the grid (党支部建在网格上)."""

    name: ClassVar[str] = "party_branch"
    description: ClassVar[str] = "Party members of each grid form a branch that settles matters"
    keys: ClassVar[dict[str, str]] = {"enabled": "policy.party_branch"}
    enabled: bool = True


@dataclass(frozen=True)
class VolunteerMobilisation(Lever):
    """Volunteer mobilisation: none, Party-led (needs branches), or a campaign."""

    name: ClassVar[str] = "mobilisation"
    description: ClassVar[str] = "Volunteer mobilisation: none, party_led or campaign"
    keys: ClassVar[dict[str, str]] = {"mode": "policy.mobilisation"}
    mode: str = "campaign"  # none, party_led or campaign


@dataclass(frozen=True)
class MediationCentre(Lever):
    """The one-stop mediation centre (一站式矛盾纠纷多元调解中心)."""

    name: ClassVar[str] = "mediation_centre"
    description: ClassVar[str] = "Disputes escalated from a grid go straight to the centre"
    keys: ClassVar[dict[str, str]] = {"enabled": "policy.mediation_centre"}
    enabled: bool = True


@dataclass(frozen=True)
class DigitalPlatform(Lever):
    """A digital reporting platform (数字化)."""

    name: ClassVar[str] = "digital_platform"
    description: ClassVar[str] = "Residents under 60 report faster and more often on a platform"
    keys: ClassVar[dict[str, str]] = {"enabled": "policy.digital_platform"}
    enabled: bool = True


@dataclass(frozen=True)
class Renovation(Lever):
    """An old-compound renovation (老旧小区改造): every shared problem fixed on a day."""

    name: ClassVar[str] = "renovation"
    description: ClassVar[str] = "Old-compound renovation: buildings' shared problems fixed"
    keys: ClassVar[dict[str, str]] = {"enabled": "policy.renovation", "day": "renovation.day",
                                      "rate_cut": "renovation.rate_cut"}
    enabled: bool = True
    day: int | None = None  # the day the works are finished
    rate_cut: float | None = None  # share by which new shared problems fall after it


LEVERS: dict[str, type[Lever]] = {c.name: c for c in (
    Staffing, DoorToDoorVisits, PartyBranch, VolunteerMobilisation, MediationCentre,
    DigitalPlatform, Renovation)}


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


LeverLike: TypeAlias = "Lever | str | Mapping[str, Any]"
"""A lever, its command-line spec (``"mobilisation:mode=campaign"``) or its serialised form
(``{"policy": "mobilisation", "mode": "campaign"}``)."""


def as_lever(lever: LeverLike) -> Lever:
    """The Lever ``lever`` stands for: a Lever as it is, a string parsed by
    :func:`parse_lever`, a dict by :meth:`Lever.from_dict`. ParameterError for an unknown
    name or setting or an invalid value; TypeError for anything else."""
    if isinstance(lever, Lever):
        return lever
    if isinstance(lever, str):
        return parse_lever(lever)
    if isinstance(lever, Mapping):
        return Lever.from_dict(dict(lever))
    raise TypeError(f"a policy lever must be a Lever, a string like 'party_branch' or "
                    f"'staffing:households_per_worker=200', or a dict; not {lever!r}")


def as_levers(levers: LeverLike | Iterable[LeverLike] | None) -> list[Lever]:
    """A list of Lever objects from one lever or several (each as :func:`as_lever`
    takes it); None gives an empty list."""
    if levers is None:
        return []
    if isinstance(levers, Lever | str | Mapping):
        return [as_lever(levers)]
    return [as_lever(x) for x in levers]


def apply_levers(params: Parameters,
                 levers: LeverLike | Iterable[LeverLike] | None) -> Parameters:
    """``params`` with ``levers`` applied in order (a later one wins where two set the same
    key); each lever as :func:`as_lever` takes it. Returns new Parameters (the values
    validated, each set value's source ``policy NAME``)."""
    for lever in as_levers(levers):
        params = lever.apply(params)
    return params


def parse_lever(spec: str) -> Lever:
    """Parse a lever as written on the command line (``--policy``) or in an experiment's
    ``levers`` list: ``NAME`` or ``NAME:key=value,key=value`` (values as typed; each is
    converted and checked by the lever). ParameterError naming the valid choices."""
    name, _, rest = spec.partition(":")
    data: dict[str, Any] = {"policy": name.strip()}
    cls = LEVERS.get(data["policy"])
    if cls is None:
        raise ParameterError(f"unknown policy {name!r}; choose one of {', '.join(LEVERS)}")
    settings = [f.name for f in dataclasses.fields(cls)]
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ParameterError(f"policy setting {item!r} must be key=value")
        key = key.strip()
        if key not in settings:
            raise ParameterError(f"policy {name!r} has no setting {key!r}; valid: "
                                 f"{', '.join(settings) or 'none'}")
        data[key] = value.strip()
    return Lever.from_dict(data)

