"""Every model parameter, defined once: key, default, unit, valid range, source and, for
an uncertain one, its plausible range.

Keys are dotted (``"staffing.households_per_worker"``). A scenario overrides some defaults
(with its own source); a run overrides more with ``--set KEY=VALUE``. Unknown keys and
out-of-range values raise :class:`ParameterError`, which names the key and the valid choices.

Sources: "DOMAIN" means ``shared/DOMAIN.md`` (published figures with their own sources);
"seed" means the Dazhong Daily article of 21 Nov 2022; "assumption" means a modelling choice
that calibration (see docs/model.md) should revisit.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .support.errors import GridgovError

MAX_DAYS = 36_500  # longest run (a century): every issue is kept, so longer only exhausts memory


class ParameterError(GridgovError, ValueError):
    """A parameter key or value is not valid; the message is one line for the user."""


@dataclass(frozen=True)
class Plausible:
    """Where an uncertain parameter's value could reasonably lie for a Jinan street office
    (an "uncertainty" in EMA Workbench's words), in the parameter's unit, with its basis.

    The valid range bounds what the code accepts; the plausible range bounds what is
    credible. Ranges the calibration and the sensitivity analysis explore live in their
    experiment files (``experiments/calibration.toml``, ``experiments/sensitivity.toml``)
    and take precedence in docs/model.md's table. The rest are judgement, stated once with
    the reason: none is a measurement.
    """

    low: float
    high: float
    basis: str


@dataclass(frozen=True)
class Param:
    """One parameter: its default and everything a user needs to judge it."""

    key: str
    default: Any
    unit: str
    source: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    plausible: Plausible | None = None

    def __post_init__(self) -> None:
        # Checked as the registry is built: a wrong range fails at import, naming its key.
        pl = self.plausible
        if pl is None:
            return
        if self.kind not in (int, float) or self.choices:
            raise ParameterError(f"{self.key}: only a number can have a plausible range")
        if not pl.low < pl.high or not pl.basis:
            raise ParameterError(
                f"{self.key}: plausible range [{pl.low:g}, {pl.high:g}] needs low < high "
                f"and a basis")
        if (self.low is not None and pl.low < self.low) or (
            self.high is not None and pl.high > self.high
        ):
            raise ParameterError(
                f"{self.key}: plausible range [{pl.low:g}, {pl.high:g}] lies outside the "
                f"valid range; must be {self.valid_text()}")

    @property
    def kind(self) -> type:
        """The Python type of the value (bool, int, float or str)."""
        return type(self.default)

    def valid_text(self) -> str:
        """Describe the valid values in words, for error messages."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        name = "an integer" if self.kind is int else "a number"
        return f"{name} in [{lo}, {hi}]"

    def coerce(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ParameterError."""
        kind = self.kind
        if isinstance(value, str) and kind is not str:
            value = _parse_text(value, kind)
        if kind is bool:
            if not isinstance(value, bool):
                raise ParameterError(f"{self.key}: {value!r} is not {self.valid_text()}")
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise ParameterError(f"{self.key}: {value!r} is not {self.valid_text()}")
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParameterError(f"{self.key}: {value!r} is not {self.valid_text()}")
            value = float(value)
            if value != value:  # NaN
                raise ParameterError(f"{self.key}: NaN is not {self.valid_text()}")
        elif kind is str and not isinstance(value, str):
            raise ParameterError(f"{self.key}: {value!r} is not {self.valid_text()}")
        if self.choices and value not in self.choices:
            raise ParameterError(f"{self.key}: {value!r} is not {self.valid_text()}")
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ParameterError(
                f"{self.key}: {value!r} is out of range; must be {self.valid_text()}")
        return value


def _parse_text(text: str, kind: type) -> Any:
    """Parse a command-line value ("true", "3", "0.5") into ``kind``."""
    t = text.strip()
    if kind is bool:
        low = t.lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        return t
    try:
        return int(t) if kind is int and t.lstrip("+-").isdigit() else float(t)
    except ValueError:
        return t


# Issue types (DOMAIN: the seed's problems and the Beijing/Jinan hotline case mixes).
ISSUE_TYPES: tuple[str, ...] = (
    "facility",  # public-facility repair (公共设施)
    "sanitation",  # sanitation and garbage (垃圾)
    "occupied_space",  # occupied public space (空地被占)
    "water",  # water supply (吃水难)
    "dispute",  # neighbour disputes (邻里纠纷)
    "elderly_care",  # elderly care and livelihood services
    "safety",  # safety hazards
)

# Per-type table: (rate per household-year, rate per dedicated grid-year, severity 0-1,
#   volunteers may handle, Party branch may handle, grid handling hours (mean),
#   P(escalate | grid), P(escalate | community), P(escalate | street), top level,
#   P(abandon | top)). All "assumption" unless noted in docs/model.md; the total arrival rate
#   (~1.5 per household-year, ~0.57 per resident-year) matches Beijing Dongcheng's grid platform
#   (~40,000 cases a month for ~0.85M people: DOMAIN).
_TYPE_TABLE: dict[str, tuple] = {
    "facility": (0.35, 20.0, 0.4, True, False, 3.0, 0.35, 0.40, 0.30, "department", 0.05),
    "sanitation": (0.45, 25.0, 0.3, True, False, 1.5, 0.10, 0.30, 0.20, "department", 0.02),
    "occupied_space": (0.12, 10.0, 0.4, False, True, 2.0, 0.40, 0.50, 0.40, "department", 0.10),
    "water": (0.08, 4.0, 0.9, False, False, 2.5, 0.70, 0.60, 0.50, "department", 0.05),
    "dispute": (0.15, 6.0, 0.6, False, True, 3.0, 0.30, 0.50, 0.50, "mediation", 0.10),
    "elderly_care": (0.25, 0.0, 0.6, True, True, 2.5, 0.20, 0.30, 0.20, "department", 0.03),
    "safety": (0.08, 15.0, 0.8, False, False, 1.5, 0.30, 0.40, 0.40, "department", 0.03),
}

# Problems shared by a whole building, per building-year (an assumption: no incidence data
# found; the share of a building's households affected is all of them): broken facilities,
# garbage, occupied space, the water supply, hazards. Disputes and elderly care are private.
_SHARED_RATE: dict[str, float] = {
    "facility": 0.5, "sanitation": 0.5, "occupied_space": 0.2, "water": 0.2, "dispute": 0.0,
    "elderly_care": 0.0, "safety": 0.1,
}

TOP_LEVELS = ("department", "mediation")
MOBILISATION_MODES = ("none", "party_led", "campaign")


ISSUE_BASIS = "no per-type data: a factor of two either way"


def _twofold(p: Param) -> Plausible:
    """Half to twice ``p``'s default, capped at its valid range: the plausible range of a
    per-type issue number, for want of per-type data to do better."""
    low, high = p.default / 2, p.default * 2
    if p.low is not None:
        low = max(low, p.low)
    if p.high is not None:
        high = min(high, p.high)
    return Plausible(low, high, ISSUE_BASIS)


def _issue_params() -> list[Param]:
    out: list[Param] = []
    for t, row in _TYPE_TABLE.items():
        rate, drate, sev, vol, branch, hours, eg, ec, es, top, ab = row
        p = f"issue.{t}."
        out += [
            Param(p + "rate", rate, "issues/household/year", "assumption (DOMAIN case mixes)",
                  f"Arrival rate of {t} issues in basic grids.", 0.0, 1000.0),
            Param(p + "dedicated_rate", drate, "issues/dedicated grid/year", "assumption",
                  f"Arrival rate of {t} issues in a dedicated grid (school, hospital, ...).",
                  0.0, 1e6),
            Param(p + "severity", sev, "0-1", "assumption",
                  f"Severity of a {t} issue (drives reporting).", 0.0, 1.0),
            Param(p + "volunteer_ok", vol, "bool",
                  "seed (volunteers: sanitation, help for the elderly, small repairs)",
                  f"Active volunteers may handle {t} issues.", None, None),
            Param(p + "branch_ok", branch, "bool", "seed (大事小事格内解决)",
                  f"A grid Party branch may settle {t} issues.", None, None),
            Param(p + "hours", hours, "working hours", "assumption",
                  f"Mean grid-worker handling time of a {t} issue.", 0.01, 1e6),
            Param(p + "escalate_grid", eg, "probability", "assumption",
                  f"P(a {t} issue handled by the grid worker needs the community).", 0.0, 1.0),
            Param(p + "escalate_community", ec, "probability", "assumption",
                  f"P(a {t} issue at the community needs the street office).", 0.0, 1.0),
            Param(p + "escalate_street", es, "probability", "assumption",
                  f"P(a {t} issue at the street office needs the top level).", 0.0, 1.0),
            Param(p + "top", top, "level",
                  "seed (one-stop mediation centre for disputes)" if top == "mediation"
                  else "assumption (city departments handle the rest)",
                  f"Where {t} issues escalated from a grid go when the mediation centre "
                  f"exists (mediation: straight there; department: the usual climb).",
                  None, None, TOP_LEVELS),
            Param(p + "abandon_top", ab, "probability", "assumption",
                  f"P(a {t} issue at the top level is closed unresolved).", 0.0, 1.0),
            Param(p + "initial_backlog", 0.0, "hidden issues/household", "assumption",
                  f"Hidden {t} issues per household already present at day 0.", 0.0, 100.0),
            Param(p + "shared_rate", _SHARED_RATE[t], "problems/building/year",
                  "assumption (no incidence data found; DOMAIN: the seed's compound had "
                  "broken facilities, rotting garbage, occupied space and no drinking water)",
                  f"Arrival rate of {t} problems shared by a whole building (every household "
                  f"of it affected; one case; one fix for all).", 0.0, 1000.0),
            Param(p + "initial_shared_backlog", 0.0, "hidden problems/building", "assumption",
                  f"Hidden shared {t} problems per building already present at day 0.",
                  0.0, 100.0),
        ]
    return [replace(p, plausible=_twofold(p)) if p.kind is float and p.default > 0 else p
            for p in out]


_P = Param


def _calibrated(interval: str, note: str = "") -> str:
    """The source of a value fitted by `gridgov calibrate experiments/calibration.toml`."""
    extra = f"; {note}" if note else ""
    return (f"calibrated (experiments/calibration.toml, rejection ABC; 90% CrI {interval}; "
            f"docs/validation.md){extra}")


PARAMS: tuple[Param, ...] = (
    # --- World: the city tree ------------------------------------------------------------
    _P("world.layout", "uniform", "-", "model switch (simulation/districts.py)",
       "How districts are laid out: uniform (every district alike, from the world.* counts) "
       "or jinan (Jinan's 13 districts and counties, published grid totals).",
       None, None, ("uniform", "jinan")),
    _P("world.scale", 1.0, "x full size", "model switch",
       "Shrink (or grow) every district: this times its grids, communities and street "
       "offices, at least one of each; grid sizes are kept.", 0.0001, 10.0),
    _P("world.district", -1, "district index", "model switch",
       "Build only this district (0-based; -1: all): one partition of a city run.", -1, 1000),
    _P("world.districts", 1, "districts", "assumption",
       "Districts in the city (uniform layout).", 1, 100),
    _P("world.streets_per_district", 1, "street offices", "assumption",
       "Street offices (街道) per district.", 1, 1000),
    _P("world.communities_per_street", 5, "communities", "assumption",
       "Communities (社区) per street office.", 1, 1000),
    _P("world.grids_per_community_min", 4, "basic grids", "assumption",
       "Fewest basic grids in a community.", 1, 1000),
    _P("world.grids_per_community_max", 8, "basic grids", "assumption",
       "Most basic grids in a community.", 1, 1000),
    _P("world.households_per_grid_min", 300, "households", "DOMAIN (grid norm 300-500)",
       "Fewest households in a basic grid.", 1, 100000),
    _P("world.households_per_grid_max", 500, "households", "DOMAIN (grid norm 300-500)",
       "Most households in a basic grid.", 1, 100000),
    _P("world.households_per_building", 48, "households", "assumption (6-storey walk-up)",
       "Households per residential building.", 1, 10000),
    _P("world.residents_per_household", 2.62, "residents", "2020 census, national mean",
       "Mean household size (1 + Poisson, at most 8).", 1.0, 8.0),
    _P("world.elderly_share", 0.1996, "share", "DOMAIN (Jinan 2020 census, 60+)",
       "Share of residents aged 60 or over.", 0.0, 1.0),
    _P("world.party_share", 0.07, "share", "assumption (~99M members / 1.41B people, 2023)",
       "Share of residents who are Party members.", 0.0, 1.0,
       plausible=Plausible(0.05, 0.1, "DOMAIN: ~7% nationally; higher in old urban compounds")),
    _P("world.volunteer_share", 0.10, "share",
       "assumption (above the 4.4% registered nationally, DOMAIN)",
       "Share of residents registered as volunteers (Party members always are).", 0.0, 1.0,
       plausible=Plausible(0.044, 0.2, "DOMAIN: 4.4% registered nationally; cities more")),
    _P("world.dedicated_per_basic", 0.31, "ratio", "DOMAIN (Jinan 3,875 / 12,584)",
       "Dedicated grids per basic grid.", 0.0, 10.0),
    _P("world.branch_min_members", 3, "Party members", "CCP Constitution art. 30",
       "Fewest Party members to form a branch in a grid.", 1, 1000),
    # --- Time ----------------------------------------------------------------------------
    _P("calendar.open_hour", 9.0, "hour of day", "assumption (office hours)",
       "Offices and full-time grid workers start work.", 0.0, 23.0),
    _P("calendar.close_hour", 17.0, "hour of day", "assumption (office hours)",
       "Offices and full-time grid workers stop work.", 1.0, 24.0),
    _P("calendar.part_time_hours", 4.0, "hours/working day", "assumption",
       "Working hours of a part-time grid worker (from open_hour).", 0.5, 24.0),
    _P("calendar.volunteer_open_hour", 8.0, "hour of day", "assumption",
       "Volunteers and Party members act from this hour, every day.", 0.0, 23.0),
    _P("calendar.volunteer_close_hour", 20.0, "hour of day", "assumption",
       "Volunteers and Party members act until this hour, every day.", 1.0, 24.0),
    # --- Staffing (levers) ---------------------------------------------------------------
    _P("staffing.households_per_worker", 300.0, "households/grid worker",
       "DOMAIN (Jinan: ~800 people, ~305 households, per basic grid, each with its worker; "
       "at most the smallest grid of the 300-500 norm, so that every grid has a worker)",
       "Households per grid worker; a worker covers several grids when this exceeds a grid.",
       1.0, 100000.0,
       plausible=Plausible(250.0, 800.0, "DOMAIN: grids of 300-500 households, Shenzhen ~672 "
                           "per worker")),
    _P("staffing.beats", "workload", "-", "assumption (beats sized by workload)",
       "How a community's grids and workers make beats: grid (each grid its own beat, spare "
       "workers to the largest grids) or workload (neighbouring grids joined into beats of "
       "staffing.beat_min_fte or more full-time equivalents, in proportion to their expected "
       "casework: simulation/staffing.py).", None, None, ("grid", "workload")),
    _P("staffing.beat_min_fte", 2.0, "full-time equivalents",
       "assumption (a team of two shares a queue: one covers while the other is busy)",
       "With staffing.beats = workload, the fewest full-time equivalents of grid workers a "
       "beat has (when its community has that many; a part-time post counts "
       "calendar.part_time_hours of the office day).", 1.0, 100.0),
    _P("staffing.part_time_share", 0.0, "share",
       "assumption (basic-grid workers full-time; unit staff of dedicated grids part-time)",
       "Share of basic-grid workers who are part-time (work calendar.part_time_hours).",
       0.0, 1.0,
       plausible=Plausible(0.0, 0.5, "policy lever; DOMAIN: Laiwu's Party-member workers")),
    _P("staffing.always_on", False, "bool", "analytic limit (mmc)",
       "Grid workers work around the clock (no office hours); for the M/M/c check.", None, None),
    _P("community.case_staff", 4, "staff", "seed (two committees of 6; most on casework)",
       "Community staff handling escalated cases.", 1, 10000,
       plausible=Plausible(1, 6, "seed: two committees of 6, part of them on casework")),
    _P("street.case_staff", 14, "staff",
       "assumption (sized so that its analytic load is below 0.85 in every world: at most "
       "0.79 over 20 baseline worlds, with closures that come back and shared problems; "
       "simulation/load.py)",
       "Street-office staff on cases.", 1, 10000,
       plausible=Plausible(4, 20, "a street office's petition/case desk")),
    _P("department.case_staff", 9, "staff",
       "assumption (an earlier calibration's 9; analytic load about 0.4 at the fitted "
       "handling, below 0.85 in every world: simulation/load.py)",
       "City-department case officers serving this street's cases.", 1, 10000),
    _P("mediation.case_staff", 3, "staff", "assumption",
       "One-stop mediation centre mediators serving this street's cases.", 1, 10000,
       plausible=Plausible(1, 8, "a one-stop centre's mediators per street")),
    # --- Handling ------------------------------------------------------------------------
    _P("handling.distribution", "lognormal", "-", "DOMAIN (right-skewed resolution times)",
       "Distribution of handling times.", None, None, ("lognormal", "exponential")),
    _P("handling.sigma", 1.47, "log-hours", _calibrated("[0.95, 1.71]"),
       "Log-scale spread of lognormal handling times.", 0.0, 5.0),
    _P("handling.factor_community", 2.0, "x grid hours", "assumption",
       "Community handling time relative to the grid worker's.", 0.01, 1000.0,
       plausible=Plausible(1.0, 4.0, "community staff redo the grid's groundwork")),
    _P("handling.factor_street", 4.0, "x grid hours", "assumption",
       "Street-office handling time relative to the grid worker's.", 0.01, 1000.0,
       plausible=Plausible(2.0, 8.0, "between community and department")),
    _P("handling.factor_department", 5.54, "x grid hours",
       _calibrated("[1.65, 9.03]"),
       "Department handling time relative to the grid worker's.", 0.01, 1000.0),
    _P("handling.factor_mediation", 4.0, "x grid hours", "assumption",
       "Mediation-centre handling time relative to the grid worker's.", 0.01, 1000.0,
       plausible=Plausible(2.0, 8.0, "mediation sessions take days")),
    _P("grid.external_days", 0.873, "calendar days", _calibrated("[0.35, 1.63]"),
       "Mean time a case the grid worker settles waits on outside parties (the property "
       "company, a repair crew, the household) before it closes; occupies no worker.",
       0.0, 365.0),
    _P("department.external_days", 20.3, "calendar days", _calibrated("[5.75, 29.0]"),
       "Mean time a city department's case waits on outside work (contractors, inspections, "
       "permits) after its officer's handling and before it closes; occupies no officer.",
       0.0, 365.0),
    _P("grid.keep_share", 0.0, "probability",
       "assumption (0: workers pass up what they cannot fix; DOMAIN: points for cases "
       "closed within 24 h and deductions for late closure invite closing early)",
       "P(a grid worker closes a case itself although it needs a higher level's authority "
       "or means): such a closure fixes the problem only with closure.fix_prob_short.",
       0.0, 1.0,
       plausible=Plausible(0.0, 0.3, "DOMAIN: assessment rules reward fast closure")),
    _P("closure.fix_prob", 0.95, "probability",
       "DOMAIN (Qingdao 12345 Jan-Sep 2025: 95.0% resolved, 96.2% satisfied; Beijing 2024: "
       "97% resolved)",
       "P(a closure by a level with the authority and means the problem needs fixes it); "
       "else it comes back after closure.return_days.", 0.0, 1.0,
       plausible=Plausible(0.85, 0.99, "hotline resolution rates 91%-97% (DOMAIN: Zhejiang "
                           "91.2% completed, Qingdao 95.0%, Beijing 97%)")),
    _P("closure.fix_prob_short", 0.3, "probability",
       "assumption (a grid worker cannot fix a water main; a stopgap sometimes holds)",
       "P(a closure by a level without the authority or means the problem needs fixes it); "
       "else the resident knows it is not fixed (a closure on paper) and it comes back.",
       0.0, 1.0,
       plausible=Plausible(0.1, 0.6, "a stopgap holds now and then")),
    _P("closure.shared_fix_prob", 0.95, "probability",
       "as closure.fix_prob (a building's problems are fixed like any other where its "
       "infrastructure is sound; an old compound's need a project: see scenario wenheng)",
       "P(a closure fixes a problem shared by a building) until a renovation (after it, "
       "closure.fix_prob); else it comes back after closure.return_days.", 0.0, 1.0,
       plausible=Plausible(0.2, 0.99, "a patched pipe in an old compound to a sound one")),
    _P("closure.return_days", 30.0, "days (mean, exponential)",
       "assumption (a patched problem shows again within weeks to months; the 90-day "
       "follow-up covers the 95th percentile, 3 x the mean)",
       "Mean time from a closure that did not fix the problem to its coming back (hidden "
       "again: re-reported by its resident, found on a visit or spotted).", 0.01, 365.0,
       plausible=Plausible(7.0, 30.0, "a week to a month; above 30 the 90-day follow-up "
                           "would not cover the 95th percentile")),
    _P("callback.response_rate", 0.6, "probability",
       "DOMAIN (Jinan 12345, one week of 2020: 159,600 call-backs for 259,500 requests; "
       "2017: 2.06M call-backs for 3.78M requests)",
       "P(the resident answers the call-back after a closure): satisfied if the problem is "
       "not closed on paper and the case closed within 2 x trust.expected_days of being "
       "known, else dissatisfied.", 0.0, 1.0,
       plausible=Plausible(0.5, 0.9, "DOMAIN: 0.54-0.61 call-backs per request")),
    _P("handling.volunteer_hours", 2.0, "hours", "assumption",
       "Mean time volunteers take on a minor issue.", 0.01, 1000.0,
       plausible=Plausible(0.5, 6.0, "a neighbourly errand to half a day")),
    _P("handling.branch_hours", 3.0, "hours", "assumption",
       "Mean time a grid Party branch takes to settle a matter.", 0.01, 1000.0,
       plausible=Plausible(1.0, 8.0, "a branch meeting or a visit")),
    _P("routing.handoff_hours", 8.22, "working hours",
       _calibrated("[2.85, 15.3]", "prior within DOMAIN's Shandong 2 working days"),
       "Transfer time between offices at each escalation.", 0.0, 1000.0),
    # --- Reporting -----------------------------------------------------------------------
    _P("reporting.always", False, "bool", "analytic limit (mmc)",
       "Every issue is reported at once (no hidden issues, no delay).", None, None),
    _P("reporting.base_logit", -0.5, "log-odds", "assumption",
       "Log-odds of reporting at trust 0.5 and severity 0.5.", -20.0, 20.0),
    _P("reporting.trust_coef", 4.0, "log-odds per unit trust", "assumption",
       "Effect of trust on reporting.", 0.0, 50.0),
    _P("reporting.severity_coef", 3.0, "log-odds per unit severity", "assumption",
       "Effect of severity on reporting.", 0.0, 50.0,
       plausible=Plausible(1.0, 6.0, "severe issues are reported far more often")),
    _P("reporting.platform_logit", 1.0, "log-odds", "assumption",
       "Extra log-odds of reporting for residents under 60 with the digital platform.",
       0.0, 20.0,
       plausible=Plausible(0.0, 2.0, "a platform raises reporting, not beyond certain")),
    _P("reporting.delay_days", 1.0, "days", "assumption",
       "Mean delay before a resident reports in person (then waits for office hours).",
       0.0, 365.0,
       plausible=Plausible(0.2, 5.0, "from the same day to within a week")),
    _P("reporting.platform_delay_days", 0.1, "days", "assumption",
       "Mean delay before a resident reports on the digital platform (any hour).", 0.0, 365.0,
       plausible=Plausible(0.02, 1.0, "minutes to a day")),
    _P("reporting.dedicated_prob", 0.9, "probability", "assumption",
       "P(a dedicated grid's unit reports an issue itself).", 0.0, 1.0,
       plausible=Plausible(0.6, 1.0, "units have staff whose job is to report")),
    # --- Door-to-door visits and local knowledge -----------------------------------------
    _P("visits.per_worker_day", 4.0, "households/working day",
       "DOMAIN (Beijing: 1-5 visits a day)", "Households a grid worker visits a working day.",
       0.0, 200.0,
       plausible=Plausible(1.0, 8.0, "DOMAIN: 1-5 a day (Beijing), each home every two weeks "
                           "(Shenzhen)")),
    _P("visits.hours_each", 0.25, "hours",
       "assumption (DOMAIN: Shenzhen's ~672 households each visited every two weeks means "
       "minutes a visit; Beijing: 1-5 a day)",
       "Working time one household visit takes (taken from casework).", 0.0, 8.0,
       plausible=Plausible(0.1, 1.0, "DOMAIN: Shenzhen's fortnightly visits mean minutes; "
                           "Beijing's 1-5 a day allow an hour")),
    _P("visits.flexible", True, "bool",
       "assumption (MODEL-REVIEW 3: real workers cut visits when their caseload is high)",
       "Door-to-door visits are flexible time: a worker skips a working day's visits while "
       "their beat's queue is long (off: visits as planned whatever the queue).", None, None),
    _P("visits.pause_queue", 8.0, "waiting cases per worker",
       "assumption (about two working days of casework waiting)",
       "A worker skips the day's visits when their beat has at least this many cases waiting "
       "per worker at the start of the day (resumes once the queue is shorter).",
       0.0, 10000.0,
       plausible=Plausible(3.0, 20.0, "a day's to a week's casework waiting")),
    _P("visits.trust_gain", 0.0, "fraction of gap to 1",
       "no source: a visit's own effect on trust is not measured (0 by default; trust "
       "moves with the service residents get. Kept as a switch for studies)",
       "Trust gain of each member of a visited household, for the visit itself.", 0.0, 1.0,
       plausible=Plausible(0.0, 0.1, "a visit is at most a small positive experience")),
    _P("visits.find_prob_min", 0.3, "probability", "assumption",
       "P(a visit finds a hidden issue of the household) with no local knowledge.", 0.0, 1.0,
       plausible=Plausible(0.1, 0.5, "a stranger finds little")),
    _P("visits.find_prob_max", 0.9, "probability", "assumption",
       "P(a visit finds a hidden issue of the household) with full local knowledge.", 0.0, 1.0),
    _P("visits.dedicated_find_prob", 0.2, "probability/working day", "assumption",
       "P(a dedicated grid's worker finds a given hidden issue on a working day).", 0.0, 1.0,
       plausible=Plausible(0.05, 0.5, "weekly to monthly inspection rounds")),
    _P("knowledge.initial", 0.5, "share of households known", "assumption",
       "Share of its households a grid worker already knows (the hand-drawn map) at day 0.",
       0.0, 1.0,
       plausible=Plausible(0.0, 1.0, "seed: from no map (Wenheng) to a complete one")),
    _P("knowledge.handling_speedup", 0.1, "share",
       "assumption (seed: the map speeds service; an earlier calibration's 0.097, which "
       "acted as a capacity knob on saturated queues, rounded)",
       "Handling time is cut by this share at full local knowledge.", 0.0, 0.95,
       plausible=Plausible(0.0, 0.3, "seed: the map speeds service")),
    _P("knowledge.escalation_cut", 0.3, "share", "assumption",
       "Grid escalation probability is cut by this share at full local knowledge.", 0.0, 1.0,
       plausible=Plausible(0.0, 0.6, "knowing the grid settles more locally")),
    # --- Trust ---------------------------------------------------------------------------
    _P("trust.enabled", True, "bool", "model switch (off for the analytic limit)",
       "Trust responds to experience (off: frozen).",
       None, None),
    _P("trust.initial_mean", 0.6, "0-1", "DOMAIN (Beijing 12345 satisfaction 65%, 2019)",
       "Mean initial trust (Beta distributed).", 0.01, 0.99,
       plausible=Plausible(0.3, 0.8, "DOMAIN: hotline satisfaction 53%-97%; seed: low at first")),
    _P("trust.initial_sd", 0.15, "0-1", "assumption", "Spread of initial trust.", 0.0, 0.45,
       plausible=Plausible(0.05, 0.25, "a Beta spread around the mean")),
    _P("trust.anchor", 0.565, "0-1",
       "assumption, set by scripts/tune_anchor.py so that the status quo's mean trust is "
       "flat over years 2-3 (median trend of 12 three-year replications +0.0011 a year; "
       "0.54-0.58 give -0.0021 to +0.0016, the median's noise about 0.001; inside the "
       "plausible range; docs/validation.md: stationarity)",
       "Level trust drifts back to without news.", 0.0, 1.0,
       plausible=Plausible(0.3, 0.8, "DOMAIN: hotline satisfaction 65%-97%")),
    _P("trust.drift_per_day", 1.0 / 365.0, "1/day", "assumption (half-life about 8 months)",
       "Rate of the drift of trust toward the anchor.", 0.0, 10.0,
       plausible=Plausible(1 / 3650, 1 / 90, "trust forgets in a season to a decade")),
    _P("trust.gain_good", 0.10, "fraction of gap", "Van Ryzin 2006 (disconfirmation)",
       "Trust gain from an issue solved faster than expected (full disconfirmation).",
       0.0, 1.0),
    _P("trust.loss_bad", 0.25, "fraction of level", "Slovic 1993 (asymmetry)",
       "Trust loss from an issue solved far slower than expected or abandoned.", 0.0, 1.0),
    _P("trust.expected_days", 7.0, "days", "DOMAIN (Shandong: 5 working days)",
       "Resolution time residents expect, from report to resolution.", 0.01, 365.0,
       plausible=Plausible(3.0, 14.0, "DOMAIN: 5 working days, up to 10 with extension")),
    _P("trust.word_of_mouth", 0.3, "weight", "assumption",
       "Weight of a neighbour's experience relative to one's own.", 0.0, 1.0),
    _P("trust.burden", 0.1, "fraction of level", "assumption (seed: trust was earned by "
       "solving residents' most urgent problems)",
       "Share of a resident's trust that an unresolved problem of severity 1 weighs on it "
       "once it is twice trust.expected_days old (scaled by severity; lifted when it closes).",
       0.0, 1.0,
       plausible=Plausible(0.0, 0.3, "an unsolved problem weighs on trust, less than a failed "
                           "case")),
    _P("trust.contacts", 4, "residents", "assumption",
       "Building neighbours who hear of each closed case.", 0, 100),
    # --- Volunteers (看着干 -> 跟着干 -> 主动干) --------------------------------------------
    _P("volunteers.available_share", 0.25, "share of registered volunteers",
       "assumption (DOMAIN: ~14 cumulative hours per registered volunteer, i.e. most never "
       "serve; at 2 hours a week that is ~14% active)",
       "Share of registered volunteers who can give time at all; the rest stay inactive "
       "whatever the policy.", 0.0, 1.0,
       plausible=Plausible(0.1, 0.5, "DOMAIN: most registered volunteers are idle")),
    _P("volunteers.initial_watching", 0.105, "share of available volunteers",
       "the status quo's steady state (docs/validation.md: stationarity)",
       "Share of available volunteers watching at day 0.", 0.0, 1.0,
       plausible=Plausible(0.0, 0.3, "DOMAIN: most registered volunteers idle")),
    _P("volunteers.initial_following", 0.0105, "share of available volunteers",
       "the status quo's steady state",
       "Share of available volunteers following at day 0.", 0.0, 1.0,
       plausible=Plausible(0.0, 0.1, "DOMAIN: ~14 hours per volunteer")),
    _P("volunteers.initial_self_driven", 0.0018, "share of available volunteers",
       "the status quo's steady state",
       "Share of available volunteers self-driven at day 0.", 0.0, 1.0,
       plausible=Plausible(0.0, 0.05, "DOMAIN: few are active")),
    _P("volunteers.base_rate", 0.001, "1/week", "assumption",
       "Spontaneous rate of moving up one stage.", 0.0, 10.0,
       plausible=Plausible(0.0, 0.01, "spontaneous joining is rare")),
    _P("volunteers.social_rate", 0.10, "1/week", "Centola 2010 (complex contagion)",
       "Rate of moving up at full social influence.", 0.0, 10.0),
    _P("volunteers.threshold", 0.30, "share of available volunteers",
       "Granovetter 1978 (thresholds); 0.3 keeps the status quo's low state stable",
       "Active share of the grid's available volunteers at which influence is half its "
       "maximum.",
       0.0, 1.0),
    _P("volunteers.threshold_width", 0.04, "share of available volunteers", "assumption",
       "Width of the threshold (logistic scale).", 0.001, 1.0,
       plausible=Plausible(0.01, 0.1, "sharp to gradual thresholds")),
    _P("volunteers.party_rate", 0.04, "1/week",
       "assumption (the seed says Party members lead but gives no rate; taken equal to "
       "volunteers.campaign_rate for want of either; its plausible range is what the "
       "sensitivity analysis explores)",
       "Extra rate of moving up in a grid with a Party branch under Party-led mobilisation.",
       0.0, 10.0,
       plausible=Plausible(0.01, 0.1, "seed: Party members lead, a stage in weeks to months")),
    _P("volunteers.campaign_rate", 0.04, "1/week",
       "assumption (the seed names recruitment, training and a platform, but no rate)",
       "Extra rate of moving up during a volunteer campaign.", 0.0, 10.0,
       plausible=Plausible(0.01, 0.1, "seed: a campaign moves people in weeks to months")),
    _P("volunteers.trust_rate", 0.01, "1/week per unit trust", "assumption",
       "Extra rate of moving up per unit of trust above 0.5 (negative below).", 0.0, 10.0,
       plausible=Plausible(0.0, 0.05, "trust helps, does not drive")),
    _P("volunteers.fallback_rate", 0.05, "1/week", "assumption",
       "Rate of falling back one stage at trust 0.", 0.0, 10.0,
       plausible=Plausible(0.01, 0.2, "volunteers drift away in months to years")),
    _P("volunteers.incentive_cut", 0.5, "share", "assumption (service points)",
       "Campaign incentives cut the fall-back rate by this share.", 0.0, 1.0,
       plausible=Plausible(0.0, 0.8, "incentives keep people, not all")),
    _P("volunteers.spot_rate", 0.01, "issues/day per active volunteer", "assumption",
       "Rate at which an active volunteer spots a hidden issue in the grid, while the "
       "grid's volunteers have hours left this week.", 0.0, 100.0,
       plausible=Plausible(0.001, 0.05, "an active volunteer notices a problem a month")),
    _P("volunteers.spot_hours", 1.0, "hours per issue spotted", "assumption",
       "Volunteers' hours one spotted issue takes (walking and watching the compound, "
       "checking, reporting), from the grid volunteers' weekly hours (as taking issues).",
       0.0, 100.0,
       plausible=Plausible(0.25, 4.0, "a quick report to an afternoon's round")),
    _P("volunteers.take_per_active", 0.02, "probability per active volunteer", "assumption",
       "P(volunteers take a minor issue) grows by this per active volunteer in the grid.",
       0.0, 1.0,
       plausible=Plausible(0.005, 0.05, "a few active volunteers cover a grid")),
    _P("volunteers.take_max", 0.7, "probability", "assumption",
       "Most likely volunteers take a minor issue.", 0.0, 1.0,
       plausible=Plausible(0.3, 0.9, "minor issues only")),
    _P("volunteers.resolve_prob", 0.8, "probability", "assumption",
       "P(volunteers settle an issue they take; else it goes to the grid worker).", 0.0, 1.0,
       plausible=Plausible(0.5, 0.95, "volunteers settle most of what they take")),
    _P("volunteers.training_gain", 0.1, "probability", "seed (强培训: training)",
       "A campaign's training raises volunteers' resolve_prob by this (capped at 1).",
       0.0, 1.0,
       plausible=Plausible(0.0, 0.2, "seed: training makes volunteers more capable")),
    _P("volunteers.hours_per_week", 2.0, "hours/week per active volunteer",
       "assumption (DOMAIN: ~14 cumulative hours per registered volunteer)",
       "Hours an active volunteer gives a week: the grid's volunteers take issues only while "
       "their week's hours last (then the issue goes to the grid worker).", 0.0, 168.0,
       plausible=Plausible(0.5, 6.0, "DOMAIN: ~14 hours a year per registered volunteer; the "
                           "active few give more")),
    _P("volunteers.contact_trust_gain", 0.0, "fraction of gap to 1",
       "no source: a contact's own effect on trust is not measured (0 by default; a "
       "neighbour's help counts through the case it settles. Kept as a switch for studies)",
       "Trust gain of each member of a household whose issue a volunteer takes or spots, "
       "for the contact itself.", 0.0, 1.0,
       plausible=Plausible(0.0, 0.1, "a neighbour's help is at most a small positive "
                           "experience")),
    # --- Party branch in the grid --------------------------------------------------------
    _P("branch.take_prob", 0.6, "probability", "assumption",
       "P(a grid Party branch takes an issue it may handle).", 0.0, 1.0,
       plausible=Plausible(0.2, 0.9, "seed: branches settle matters in the grid")),
    _P("branch.resolve_prob", 0.7, "probability", "assumption",
       "P(the branch settles an issue it takes; else it goes to the grid worker).", 0.0, 1.0,
       plausible=Plausible(0.4, 0.9, "a branch settles most of what it takes")),
    _P("branch.hours_per_member_week", 1.0, "hours/week per serving Party member",
       "双报到 rules found elsewhere: at least 50 hours a year (Xingtai Qiaoxi), service every "
       "six months (Foshan); no Jinan rule found",
       "Hours each serving member of a grid Party branch gives to settling matters a week: "
       "the branch takes issues only while its week's hours last.", 0.0, 168.0,
       plausible=Plausible(0.25, 3.0, "a half-yearly activity to 150 hours a year")),
    _P("branch.serving_share", 0.3, "share of the grid's Party members",
       "Xinyang (Henan): about 30% of in-service members who reported to their community "
       "signed up to one call to serve; nationally 21% of members are retired (2024)",
       "Share of a branch's members who serve (the rest are members in name only for its "
       "casework): the branch's weekly hours are members x this x hours_per_member_week.",
       0.0, 1.0,
       plausible=Plausible(0.1, 0.6, "a few active members to most of the retired ones")),
    # --- Cost (yuan; for comparing policies, not accounting) ------------------------------
    _P("cost.full_time_worker", 3600.0, "yuan/month", "DOMAIN (Wuhan 2023: 3,200-4,000)",
       "Pay of a full-time grid worker.", 0.0, 1e7,
       plausible=Plausible(3200.0, 4000.0, "DOMAIN: Wuhan 2023 fieldwork")),
    _P("cost.part_time_worker", 1500.0, "yuan/month", "assumption (an allowance)",
       "Allowance of a part-time or dedicated-grid (unit staff) grid worker.", 0.0, 1e7,
       plausible=Plausible(800.0, 2500.0, "allowances below full-time pay")),
    _P("cost.employer_overhead", 0.3, "share of pay", "assumption (social insurance, office)",
       "Employer's costs on top of grid workers' and staff pay.", 0.0, 5.0,
       plausible=Plausible(0.2, 0.45, "social insurance and housing fund")),
    _P("cost.case_staff", 4500.0, "yuan/month", "assumption",
       "Pay of a community, street, department or mediation-centre case officer.", 0.0, 1e7,
       plausible=Plausible(3500.0, 7000.0, "civil-service-level pay in Jinan")),
    _P("cost.mediation_centre", 300000.0, "yuan/year per street", "assumption",
       "Running cost of the one-stop mediation centre (premises, legal services), per street "
       "office served, on top of its mediators' pay.", 0.0, 1e9,
       plausible=Plausible(1e5, 1e6, "premises and legal services")),
    _P("cost.party_branch", 2000.0, "yuan/year per branch", "assumption (activity funds)",
       "Activity funds of a grid Party branch.", 0.0, 1e7,
       plausible=Plausible(500.0, 5000.0, "branch activity funds")),
    _P("cost.volunteer_incentive", 600.0, "yuan/year per active volunteer",
       "assumption (service points redeemable for goods, small gifts, insurance)",
       "Incentives for each active volunteer during a campaign.", 0.0, 1e7,
       plausible=Plausible(0.0, 1500.0, "points, small gifts, insurance")),
    _P("cost.campaign_training", 300.0, "yuan/year per registered volunteer", "assumption",
       "Recruitment and training of the volunteer pool during a campaign.", 0.0, 1e7,
       plausible=Plausible(100.0, 800.0, "recruitment and training per volunteer")),
    _P("cost.campaign_coordination_hours", 2.0, "staff hours/week per basic grid",
       "assumption (no source found for staff time spent organising volunteers)",
       "Community staff time a campaign takes (teams, platform, training sessions), costed "
       "at a case officer's hourly pay; not taken from casework (staff off the case desks).",
       0.0, 40.0,
       plausible=Plausible(0.5, 5.0, "an hour or two a week per grid to a day a fortnight")),
    _P("cost.party_led_points", 100.0, "yuan/year per active volunteer",
       "Jinan Laiwu: Party-member households rewarded with points exchanged for goods "
       "(People's Daily, 23 Feb 2024; no yuan value given); other points and time-bank "
       "schemes: about 1 yuan an hour served, x 2 hours a week",
       "Points for each active volunteer under Party-led mobilisation.", 0.0, 1e7,
       plausible=Plausible(50.0, 600.0, "1-6 yuan an hour at ~100 hours a year")),
    _P("cost.party_led_training", 100.0, "yuan/year per registered volunteer in a branch grid",
       "assumption (branches train their own volunteers: below a campaign's 300)",
       "Training of the volunteer pool of each grid with a branch under Party-led "
       "mobilisation.", 0.0, 1e7,
       plausible=Plausible(0.0, 400.0, "branch-run sessions to a campaign's level")),
    _P("cost.party_led_coordination_hours", 1.0, "staff hours/week per branch grid",
       "assumption (the community Party committee organises; branch secretaries are unpaid)",
       "Community staff time Party-led mobilisation takes, costed at a case officer's "
       "hourly pay; not taken from casework (staff off the case desks).", 0.0, 40.0,
       plausible=Plausible(0.25, 4.0, "a committee member's hour a week per branch")),
    _P("cost.platform", 3.0, "yuan/year per resident", "assumption",
       "Running the digital reporting platform.", 0.0, 1e5,
       plausible=Plausible(1.0, 10.0, "a municipal app per resident")),
    _P("cost.renovation_per_household", 26700.0, "yuan per household (one-off)",
       "DOMAIN search (2025 nationally: 133.2 bn yuan for 4.99 M households renovated)",
       "Capital cost of an old-compound renovation, annualised over cost.renovation_years.",
       0.0, 1e7,
       plausible=Plausible(10000.0, 50000.0, "light repairs to full retrofits")),
    _P("cost.renovation_years", 20.0, "years", "assumption (a renovation's working life)",
       "Years a renovation's capital cost is spread over.", 1.0, 100.0,
       plausible=Plausible(10.0, 30.0, "pipes and facilities last decades")),
    # --- Renovation ----------------------------------------------------------------------
    _P("renovation.day", 180, "day", "assumption (works finished half a year after the "
       "community was founded)",
       "Day the renovation's works are finished.", 0, 36500),
    _P("renovation.rate_cut", 0.5, "share", "assumption (new pipes, facilities and garbage "
       "points break down less often)",
       "Share by which the rate of new shared problems falls after the renovation.",
       0.0, 1.0,
       plausible=Plausible(0.2, 0.8, "new facilities fail less; old ones still age")),
    # --- Policy levers -------------------------------------------------------------------
    _P("policy.party_branch", False, "bool", "seed (党支部建在网格上)",
       "Party members of each grid form a branch (at least branch_min_members).", None, None),
    _P("policy.mobilisation", "none", "-", "seed (左邻右帮)",
       "Volunteer mobilisation policy.", None, None, MOBILISATION_MODES),
    _P("policy.mediation_centre", False, "bool", "seed (一站式矛盾纠纷多元调解中心)",
       "Disputes escalated from a grid go straight to the one-stop mediation centre.",
       None, None),
    _P("policy.digital_platform", False, "bool", "seed (综治中心+网格化+数字化)",
       "Residents under 60 may report on a platform: faster and more often.", None, None),
    _P("policy.renovation", False, "bool", "seed (Wenheng: road paved, greenery, a square, "
       "drinking-water machines); DOMAIN: old-compound renovation (老旧小区改造)",
       "An old-compound renovation: on renovation.day every problem shared by a building is "
       "fixed (hidden ones closed, open ones fixed when their case closes) and new ones "
       "arise renovation.rate_cut less often.", None, None),
    _P("policy.dedicated_grids", True, "bool", "seed (3,875 dedicated grids)",
       "Dedicated grids have their own (part-time) grid worker.", None, None),
    *_issue_params(),
)

PARAM_INDEX: dict[str, Param] = {p.key: p for p in PARAMS}


# Consistency checks that need knowledge another module owns, registered by that module
# (which imports this one; this module imports none of them): name -> check(values), which
# raises ParameterError. Today: "world.district" (simulation/districts.py), which knows how
# many districts each layout has. Run by Parameters.check_consistency.
CONSISTENCY_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {}


def unknown_key_message(key: str, valid: Iterable[str]) -> str:
    """One-line message for an unknown key, with the closest valid keys."""
    valid = list(valid)
    close = difflib.get_close_matches(key, valid, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else "see `gridgov params SCENARIO`"
    return f"unknown parameter {key!r}; {hint}"


@dataclass
class Parameters(Mapping[str, Any]):
    """Validated parameter values of one scenario (+ overrides), with each value's source.

    ``derive`` (set by scenarios with inputs of their own, e.g. mmc) maps the values to the
    keys it controls; it is re-applied after every update so derived values never go stale.
    """

    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    specs: dict[str, Param] = field(default_factory=lambda: dict(PARAM_INDEX))
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    derived_by: str = ""

    def __getitem__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise ParameterError(unknown_key_message(key, self.values)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def with_values(self, updates: Mapping[str, Any], source: str = "override") -> Parameters:
        """Return a copy with ``updates`` validated and applied; each update gets ``source``."""
        values, sources = dict(self.values), dict(self.sources)
        for key, raw in updates.items():
            spec = self.specs.get(key)
            if spec is None:
                raise ParameterError(unknown_key_message(key, self.specs))
            values[key] = spec.coerce(raw)
            sources[key] = source
        if self.derive is not None:
            for key, value in self.derive(values).items():
                if key in updates and values[key] != self.specs[key].coerce(value):
                    raise ParameterError(
                        f"{key} is derived by scenario {self.derived_by!r} from its own inputs; "
                        f"set those instead")
                values[key] = self.specs[key].coerce(value)
                sources[key] = f"{self.derived_by}: derived"
        new = Parameters(values, sources, self.specs, self.derive, self.derived_by)
        new.check_consistency()
        return new

    def check_consistency(self) -> None:
        """Raise ParameterError where two values contradict each other (including the
        checks other modules registered in :data:`CONSISTENCY_CHECKS`)."""
        v = self.values
        pairs = [
            ("world.grids_per_community_min", "world.grids_per_community_max"),
            ("world.households_per_grid_min", "world.households_per_grid_max"),
            ("calendar.open_hour", "calendar.close_hour"),
            ("calendar.volunteer_open_hour", "calendar.volunteer_close_hour"),
        ]
        for lo, hi in pairs:
            if lo in v and hi in v and not v[lo] < v[hi] and not (
                lo.startswith("world.") and v[lo] == v[hi]
            ):
                raise ParameterError(f"{lo} ({v[lo]}) must be below {hi} ({v[hi]})")
        if "calendar.open_hour" in v:
            day = v["calendar.close_hour"] - v["calendar.open_hour"]
            if v["calendar.part_time_hours"] > day:
                raise ParameterError(
                    f"calendar.part_time_hours ({v['calendar.part_time_hours']}) exceeds the "
                    f"office day ({day} h)"
                )
            visit = v["visits.per_worker_day"] * v["visits.hours_each"]
            short = (min(day, v["calendar.part_time_hours"])
                     if v["staffing.part_time_share"] > 0 else day)
            if visit >= 0.9 * short:
                raise ParameterError(
                    f"visits.per_worker_day x visits.hours_each = {visit:g} h leaves no time for "
                    f"casework in a {short:g} h working day; lower either"
                )
        for check in CONSISTENCY_CHECKS.values():
            check(v)
        mean, sd = v.get("trust.initial_mean", 0.5), v.get("trust.initial_sd", 0.0)
        if sd * sd >= mean * (1.0 - mean):
            raise ParameterError(
                f"trust.initial_sd ({sd:g}) is too large for trust.initial_mean ({mean:g}); "
                f"must be below {(mean * (1 - mean)) ** 0.5:.3f}")
        init = sum(v.get(f"volunteers.initial_{s}", 0.0)
                   for s in ("watching", "following", "self_driven"))
        if init > 1.0:
            raise ParameterError(f"volunteers.initial_* shares add up to {init:g} > 1")
