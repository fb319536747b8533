"""The outcome registry: every summary metric of a run, declared once.

Each outcome says what it measures, how the report labels it, its unit, whether lower or
higher is better, and how it is computed from the run's measured window
(:class:`~simulation.measures.window.Measured`: the tally's cohort and the daily series).
:func:`summarise` computes them in the order declared, so a run's summary, the runs table's
columns and every place that lists outcomes follow this one list. The named sets are the
outcomes the sweep, the report and the sensitivity analysis lead with. Every other module
reads these here: the CLI (``gridgov run``'s summary, ``--metrics``), experiment files'
``[targets]``, the sweep's runs table and key metrics, the report's labels, units, verdict
directions and default metrics, and the sensitivity analysis's metrics.

Adding an outcome is one entry in ``_ALL`` (with its computation) and its test; to have it
lead, add its key to a named set. Keys, order and sets are checked when this module is
imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from ..issues import Source, State
from .survival import HORIZON_DAYS, restricted_mean, share_by
from .tally import Tally
from .window import Measured, mean, percentile, trend

NAN = float("nan")
REPORTED = [Source.IN_PERSON, Source.PLATFORM, Source.UNIT]  # reported by resident or unit


class Direction(Enum):
    """Which way an outcome is better: the report's verdicts say "better" / "worse" for
    LOWER and HIGHER, and "higher" / "lower" for NEITHER."""

    LOWER = "lower is better"
    HIGHER = "higher is better"
    NEITHER = "neither"

    @property
    def sign(self) -> int:
        """+1 if higher is better, -1 if lower is better, 0 for neither."""
        return {Direction.LOWER: -1, Direction.HIGHER: +1, Direction.NEITHER: 0}[self]


LOWER, HIGHER, NEITHER = Direction.LOWER, Direction.HIGHER, Direction.NEITHER


@dataclass(frozen=True)
class Outcome:
    """One summary metric of a run.

    ``unit`` is what one unit of the value is ("" for a ratio of like quantities); the
    report prints shares as percentages, "days" as " d", "yuan per year" as yuan and
    "trust (0-1)" to three decimals, anything else as a plain number. ``print_unit=False``
    prints a plain number even so (its label names the unit; so the report has always
    printed it).
    """

    key: str  # the summary's key and the runs table's column
    meaning: str  # what it measures, in a sentence (``gridgov run`` prints it)
    label: str  # what the report calls it, with its unit and scope
    unit: str
    direction: Direction
    compute: Callable[[Measured], Any]  # its value for a run (an int for counts; NaN if
    #                                     undefined)
    print_unit: bool = True


def _outcome(key: str, meaning: str, unit: str, direction: Direction = NEITHER,
             label: str | None = None, print_unit: bool = True, *,
             compute: Callable[[Measured], Any]) -> Outcome:
    """An Outcome; its label is the key in words unless given."""
    return Outcome(key, meaning, label or key.replace("_", " "), unit, direction, compute,
                   print_unit)


def _skew(m: Measured) -> float:
    """Mean over median of days from known to resolved (NaN without a positive median)."""
    if len(m.k2r) and percentile(m.k2r, 50) > 0:
        return mean(m.k2r) / percentile(m.k2r, 50)
    return NAN


def _in_grid(m: Measured) -> float:
    """Share of the resolved cohort settled inside the grid."""
    if not m.n_resolved:
        return NAN
    return float(m.tally.in_grid[m.c][m.resolved].sum() / m.n_resolved)


def _escalation(m: Measured) -> float:
    """Share of the handled cohort that went beyond the grid."""
    return float(m.beyond.sum() / m.handled.sum()) if m.handled.any() else NAN


def _visits_done(m: Measured) -> float:
    """Visits made over visits planned after the warm-up."""
    t = m.tally
    return t.visits_done / t.visits_planned if t.visits_planned > 0 else NAN


_RESOLVED_ONLY = "days, resolved only"

_ALL = (
    # --- the run --------------------------------------------------------------------------
    _outcome("days", "simulated days (warm-up + window + follow-up)", "days",
             print_unit=False,
             compute=lambda m: m.tally.days),
    _outcome("warmup_days", "days before the window (not measured)", "days",
             compute=lambda m: m.tally.warmup),
    _outcome("window_days", "days of the measurement window", "days",
             compute=lambda m: m.tally.days - m.tally.warmup - m.tally.followup),
    _outcome("residents", "residents in the world", "residents",
             compute=lambda m: m.tally.residents),
    _outcome("households", "households in the world", "households",
             compute=lambda m: m.tally.households),
    _outcome("grids", "grids (basic and dedicated)", "grids",
             compute=lambda m: m.tally.grids),
    _outcome("grid_workers", "grid workers", "grid workers",
             compute=lambda m: m.tally.grid_workers),
    # --- every issue: the lead measures ---------------------------------------------------
    _outcome("unresolved_issue_days_per_household",
             "issue-days of every issue unresolved during the window (hidden, open or "
             "abandoned), counted for every household it affects (a problem a building "
             "shares: each of its households), per household per year: the burden "
             "residents carry",
             "issue-days per household per year", LOWER,
             "unresolved issue-days (per household per year, every issue)",
             compute=lambda m: m.tally.burden()),
    _outcome("share_resolved_within_90_days",
             "share of the issues arising in the window resolved within 90 days of arising "
             "(Kaplan-Meier; every issue, unresolved ones censored)", "share", HIGHER,
             "resolved within 90 days of arising (share of every issue)",
             compute=lambda m: share_by(m.curve, HORIZON_DAYS)),
    _outcome("share_households_resolved_within_90_days",
             "share of the households affected by the issues arising in the window whose "
             "problem was resolved within 90 days of arising (Kaplan-Meier, each issue "
             "counted for every household it affects: a building's shared problem for each "
             "of its households)", "share", HIGHER,
             "resolved within 90 days (share of affected households)",
             compute=lambda m: m.tally.share_of_households_resolved(HORIZON_DAYS)),
    _outcome("shared_issue_days_per_household",
             "the burden's part from problems shared by a building (each affected "
             "household's unresolved days), per household and year", "days", LOWER,
             "unresolved shared-problem days per household per year",
             compute=lambda m: m.tally.burden(shared_only=True)),
    _outcome("issues_shared", "problems shared by a building that arose in the window",
             "issues", compute=lambda m: int((m.tally.shared & m.tally.cohort()).sum())),
    _outcome("duplicate_reports",
             "reports of the window's issues beyond the first (households reporting a "
             "problem their building shares: merged into its one case)", "reports",
             compute=lambda m: m.tally.duplicate_reports()),
    _outcome("share_resolved_within_30_days",
             "share of the issues arising in the window resolved within 30 days of arising "
             "(Kaplan-Meier)", "share", HIGHER,
             "resolved within 30 days of arising (share of every issue)",
             compute=lambda m: share_by(m.curve, 30.0)),
    _outcome("share_resolved_within_5_working_days",
             "share of the issues arising in the window resolved within 5 working days of "
             "arising (Kaplan-Meier, working-day clock)", "share", HIGHER,
             "resolved within 5 working days of arising (share of every issue)",
             compute=lambda m: share_by(m.work_curve, 5.0)),
    _outcome("restricted_mean_days_to_resolve",
             "mean days from arising to resolution over the first 90 days (an issue "
             "unresolved by then counts 90; Kaplan-Meier restricted mean)", "days", LOWER,
             "mean days to resolution, first 90 days (days, every issue)", print_unit=False,
             compute=lambda m: restricted_mean(m.curve, HORIZON_DAYS)),
    # --- the cohort's issues --------------------------------------------------------------
    _outcome("issues_arisen", "issues that arose in the window (the cohort)", "issues",
             compute=lambda m: int(m.c.sum())),
    _outcome("backlog_issues", "issues already present at day 0 (not in the cohort)",
             "issues",
             compute=lambda m: int((m.tally.t_arisen < 0).sum())),
    _outcome("issues_reported", "cohort issues reported by their resident or unit", "issues",
             compute=lambda m: int(np.isin(m.source, REPORTED).sum())),
    _outcome("issues_found_on_visits",
             "cohort issues found on door-to-door visits or inspections", "issues",
             compute=lambda m: int((m.source == Source.VISIT).sum())),
    _outcome("issues_spotted_by_volunteers", "cohort issues spotted by active volunteers",
             "issues",
             compute=lambda m: int((m.source == Source.VOLUNTEER).sum())),
    _outcome("issues_resolved", "cohort issues resolved by the end of the run", "issues",
             HIGHER,
             compute=lambda m: m.n_resolved),
    _outcome("issues_abandoned", "cohort issues closed unresolved at the top level",
             "issues", LOWER,
             compute=lambda m: int((m.state == State.ABANDONED).sum())),
    _outcome("issues_open", "cohort issues known and still being handled at the end",
             "issues", LOWER,
             compute=lambda m: int((m.state == State.OPEN).sum())),
    _outcome("issues_never_known", "cohort issues still hidden at the end", "issues", LOWER,
             compute=lambda m: int((m.state == State.HIDDEN).sum())),
    _outcome("issues_unresolved",
             "cohort issues not resolved at the end (hidden + open + abandoned)", "issues",
             LOWER,
             compute=lambda m: int(m.c.sum()) - m.n_resolved),
    _outcome("hidden_issues", "mean number of hidden issues during the window (all ages)",
             "issues", LOWER, "hidden issues (mean over the window)",
             compute=lambda m: m.window_mean("hidden_issues")),
    # --- times (resolved issues only, unless said) ----------------------------------------
    _outcome("mean_wait_days",
             "mean days from known to first handling start, over cohort issues whose "
             "handling has started", "days", LOWER, "mean wait for handling (days)",
             compute=lambda m: mean(m.waits)),
    _outcome("mean_resolution_days",
             "mean days from arising to resolution, over resolved issues only", "days",
             LOWER, "mean resolution time (days from arising, resolved only)",
             compute=lambda m: mean(m.a2r)),
    _outcome("median_resolution_days",
             "median days from arising to resolution, over resolved issues only", "days",
             LOWER, "median resolution time (days from arising, resolved only)",
             compute=lambda m: percentile(m.a2r, 50)),
    _outcome("p90_resolution_days",
             "90th percentile of days from arising to resolution, over resolved issues only",
             "days", LOWER, "90th-percentile resolution time (days from arising, resolved "
             "only)",
             compute=lambda m: percentile(m.a2r, 90)),
    _outcome("mean_days_known_to_resolved",
             "mean days from known to resolved, over resolved issues only", "days", LOWER,
             f"mean time from known to resolved ({_RESOLVED_ONLY})", print_unit=False,
             compute=lambda m: mean(m.k2r)),
    _outcome("median_days_known_to_resolved",
             "median days from known to resolved, over resolved issues only", "days", LOWER,
             f"median time from known to resolved ({_RESOLVED_ONLY})", print_unit=False,
             compute=lambda m: percentile(m.k2r, 50)),
    _outcome("skew_known_to_resolved",
             "mean / median of days from known to resolved, over resolved issues only: the "
             "right skew of resolution times", "",
             compute=_skew),
    _outcome("mean_days_known_to_resolved_reported",
             "mean days from known to resolved of resolved issues their resident or unit "
             "reported in person", "days", print_unit=False,
             compute=lambda m: m.known_to_resolved_by("reported")),
    _outcome("mean_days_known_to_resolved_platform",
             "the same, reported on the digital platform", "days", print_unit=False,
             compute=lambda m: m.known_to_resolved_by("platform")),
    _outcome("mean_days_known_to_resolved_visit", "the same, found on a visit or inspection",
             "days", print_unit=False,
             compute=lambda m: m.known_to_resolved_by("visit")),
    _outcome("mean_days_known_to_resolved_volunteer", "the same, spotted by a volunteer",
             "days", print_unit=False,
             compute=lambda m: m.known_to_resolved_by("volunteer")),
    # --- where issues end -----------------------------------------------------------------
    _outcome("share_known_resolved",
             "share of known cohort issues resolved by the end: the completion rate",
             "share", HIGHER, "completion rate (share of known issues resolved)",
             compute=lambda m: (m.n_resolved / m.n_known) if m.n_known else NAN),
    _outcome("share_within_5_working_days",
             "share of resolved issues closed within 5 working days of becoming known "
             "(resolved issues only; Shandong rule)", "share", HIGHER,
             "closed within 5 working days of becoming known (share of resolved issues "
             "only)",
             compute=lambda m: mean((m.working <= 5.0).astype(float))),
    _outcome("share_resolved_in_grid",
             "share of resolved issues settled by volunteers, the Party branch or the grid "
             "worker", "share", HIGHER,
             compute=_in_grid),
    _outcome("escalation_rate", "share of handled issues that went beyond the grid",
             "share",
             compute=_escalation),
    # --- residents ------------------------------------------------------------------------
    _outcome("trust_start", "mean trust at the start of the window", "trust (0-1)",
             compute=lambda m: m.trust["trust_start"]),
    _outcome("mean_trust", "mean trust at the end of the window", "trust (0-1)", HIGHER,
             "mean trust at the end of the window (trust, 0-1)",
             compute=lambda m: m.trust["mean_trust"]),
    _outcome("trust_change", "mean trust at the end of the window minus at its start",
             "trust (0-1)", HIGHER, "change in mean trust (trust, 0-1, over the window)",
             compute=lambda m: m.trust["trust_change"]),
    _outcome("active_volunteer_share",
             "share of residents following or self-driven at the end of the window", "share",
             HIGHER, "active volunteers (share of residents)",
             compute=lambda m: m.trust["active_volunteer_share"]),
    # --- load and stability ---------------------------------------------------------------
    _outcome("max_offered_load",
             "highest analytic offered load of a queue (beat or office): casework hours "
             "arriving / hours available; 1 or more never settles", "",
             label="highest offered load of a queue (hours arriving / available)",
             compute=lambda m: m.tally.max_offered_load),
    _outcome("overloaded_points", "queues with an analytic offered load of 1 or more",
             "queues",
             compute=lambda m: m.tally.overloaded_points),
    _outcome("visits_done_share", "door-to-door visits made / visits planned after the "
             "warm-up", "share", print_unit=False,
             compute=_visits_done),
    _outcome("satisfaction", "share of the call-backs answered after closures in the window "
             "that were satisfied (a closure on paper, or one more than 2 x "
             "trust.expected_days after the issue became known, is not)", "share", HIGHER,
             "satisfied at call-back (share)", print_unit=False,
             compute=lambda m: m.tally.satisfaction()),
    _outcome("reopened_share", "share of the cohort's issues closed at least once whose "
             "problem came back by the end of the run (the same issue, unresolved from its "
             "first arising)", "share", LOWER, "closed problems that came back (share)",
             print_unit=False, compute=lambda m: m.tally.reopened_share()),
    _outcome("lowest_beat_visits_share", "the lowest share of its planned door-to-door "
             "visits a beat made after the warm-up (the fleet's share can hide a beat that "
             "drops its round)", "share", print_unit=False,
             compute=lambda m: m.tally.lowest_beat_visits),
    _outcome("trend_open_issues",
             "change of open issues per year over the second half of the run, relative to "
             "their mean there (0: steady)", "relative change per year",
             compute=lambda m: trend(m.timeseries, "open_issues")),
    _outcome("trend_hidden_issues", "the same for the hidden stock",
             "relative change per year",
             compute=lambda m: trend(m.timeseries, "hidden_issues")),
    _outcome("trend_queued_above_grid", "the same for the queues above the grid",
             "relative change per year",
             compute=lambda m: trend(m.timeseries, "queued_above_grid")),
    # --- cost -----------------------------------------------------------------------------
    _outcome("annual_cost_yuan",
             "yuan a year for grid workers, case staff and the policies' own costs "
             "(simulation/cost.py)", "yuan per year", LOWER, "annual cost (yuan/year)",
             compute=lambda m: m.tally.cost["total"]),
)
OUTCOMES: dict[str, Outcome] = {o.key: o for o in _ALL}  # in the order of the summary

# The outcomes that lead: the sweep's summary table (`gridgov sweep` prints it) ...
KEY = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
       "hidden_issues", "trust_change", "active_volunteer_share", "max_offered_load",
       "annual_cost_yuan")
# ... the policy comparison report's default metrics (`gridgov compare`) ...
REPORT = ("unresolved_issue_days_per_household", "shared_issue_days_per_household",
          "share_resolved_within_90_days", "share_households_resolved_within_90_days",
          "share_resolved_within_30_days", "share_resolved_within_5_working_days",
          "restricted_mean_days_to_resolve", "hidden_issues", "mean_days_known_to_resolved",
          "trust_change", "active_volunteer_share", "annual_cost_yuan")
# ... the sensitivity analysis's default metrics (`gridgov sensitivity`) ...
SENSITIVITY = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
               "share_resolved_within_5_working_days", "hidden_issues", "trust_change",
               "active_volunteer_share")
# ... and the measures of time to resolution (and what follows from it): meaningless where
# a queue never settles, because they then grow with the run's length; the report gives an
# overloaded arm no verdict on these.
QUEUE_TIME = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
              "share_resolved_within_30_days", "share_resolved_within_5_working_days",
              "restricted_mean_days_to_resolve", "issues_resolved", "issues_open",
              "issues_unresolved", "mean_wait_days", "mean_resolution_days",
              "median_resolution_days", "p90_resolution_days", "mean_days_known_to_resolved",
              "median_days_known_to_resolved", "mean_days_known_to_resolved_reported",
              "mean_days_known_to_resolved_platform", "mean_days_known_to_resolved_visit",
              "mean_days_known_to_resolved_volunteer", "share_known_resolved",
              "share_within_5_working_days")
SETS: dict[str, tuple[str, ...]] = {"KEY": KEY, "REPORT": REPORT, "SENSITIVITY": SENSITIVITY,
                                    "QUEUE_TIME": QUEUE_TIME}


def summarise(tally: Tally, timeseries: pd.DataFrame) -> dict[str, Any]:
    """A run's summary: every outcome of :data:`OUTCOMES`, in order, as a flat dict of
    numbers (counts as ints, NaN where undefined), from its ``tally`` and daily
    ``timeseries``."""
    measured = Measured(tally, timeseries)
    return {key: outcome.compute(measured) for key, outcome in OUTCOMES.items()}


def sign(key: str) -> int:
    """+1 if higher is better for outcome ``key``, -1 if lower is, 0 for neither or for a
    name that is not an outcome."""
    outcome = OUTCOMES.get(key)
    return outcome.direction.sign if outcome is not None else 0


def _check() -> None:
    """Fail at import on a repeated key or label, or a misspelt key in a named set."""
    if len(OUTCOMES) != len(_ALL):
        raise ValueError("outcomes.OUTCOMES: two outcomes share a key")
    for name, keys in SETS.items():
        unknown = [k for k in keys if k not in OUTCOMES]
        if unknown or len(set(keys)) != len(keys):
            raise ValueError(f"outcomes.{name}: unregistered or repeated keys {unknown or keys}")
    if len(OUTCOMES) != len({o.label for o in OUTCOMES.values()}):
        raise ValueError("outcomes.OUTCOMES: two outcomes share a label")


_check()
