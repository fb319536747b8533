"""The outcome registry: what each summary metric of a run means, once.

One responsibility: to say, for every outcome (summary metric), what it measures, how the
report labels it, its unit, and whether lower or higher is better; and to name the sets of
outcomes that the sweep, the report and the sensitivity analysis lead with. Every other
module reads these here: the CLI (``gridgov run``'s summary, ``--metrics``), experiment
files' ``[targets]``, the sweep's runs table and key metrics, the report's labels, units,
verdict directions and default metrics, and the sensitivity analysis's metrics
(``metrics.SUMMARY_DOCS`` is the meanings as a dict, kept for old callers).

Adding an outcome needs one entry in OUTCOMES (plus the code that computes it in
``Tally.summary``, simulation/measures/tally.py, at the same place in the order); to have it
lead, add its key to a named set. Keys, order and sets are checked when this module is
imported; tests/test_outcomes.py checks that a run's summary holds exactly these keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


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
    print_unit: bool = True


def _outcome(key: str, meaning: str, unit: str, direction: Direction = NEITHER,
             label: str | None = None, print_unit: bool = True) -> Outcome:
    """An Outcome; its label is the key in words unless given."""
    return Outcome(key, meaning, label or key.replace("_", " "), unit, direction, print_unit)


_RESOLVED_ONLY = "days, resolved only"

_ALL = (
    # --- the run --------------------------------------------------------------------------
    _outcome("days", "simulated days (warm-up + window + follow-up)", "days",
             print_unit=False),
    _outcome("warmup_days", "days before the window (not measured)", "days"),
    _outcome("window_days", "days of the measurement window", "days"),
    _outcome("residents", "residents in the world", "residents"),
    _outcome("households", "households in the world", "households"),
    _outcome("grids", "grids (basic and dedicated)", "grids"),
    _outcome("grid_workers", "grid workers", "grid workers"),
    # --- every issue: the lead measures ---------------------------------------------------
    _outcome("unresolved_issue_days_per_household",
             "issue-days of every issue unresolved during the window (hidden, open or "
             "abandoned), per household per year: the burden residents carry",
             "issue-days per household per year", LOWER,
             "unresolved issue-days (per household per year, every issue)"),
    _outcome("share_resolved_within_90_days",
             "share of the issues arising in the window resolved within 90 days of arising "
             "(Kaplan-Meier; every issue, unresolved ones censored)", "share", HIGHER,
             "resolved within 90 days of arising (share of every issue)"),
    _outcome("share_resolved_within_30_days",
             "share of the issues arising in the window resolved within 30 days of arising "
             "(Kaplan-Meier)", "share", HIGHER,
             "resolved within 30 days of arising (share of every issue)"),
    _outcome("share_resolved_within_5_working_days",
             "share of the issues arising in the window resolved within 5 working days of "
             "arising (Kaplan-Meier, working-day clock)", "share", HIGHER,
             "resolved within 5 working days of arising (share of every issue)"),
    _outcome("restricted_mean_days_to_resolve",
             "mean days from arising to resolution over the first 90 days (an issue "
             "unresolved by then counts 90; Kaplan-Meier restricted mean)", "days", LOWER,
             "mean days to resolution, first 90 days (days, every issue)", print_unit=False),
    # --- the cohort's issues --------------------------------------------------------------
    _outcome("issues_arisen", "issues that arose in the window (the cohort)", "issues"),
    _outcome("backlog_issues", "issues already present at day 0 (not in the cohort)",
             "issues"),
    _outcome("issues_reported", "cohort issues reported by their resident or unit", "issues"),
    _outcome("issues_found_on_visits",
             "cohort issues found on door-to-door visits or inspections", "issues"),
    _outcome("issues_spotted_by_volunteers", "cohort issues spotted by active volunteers",
             "issues"),
    _outcome("issues_resolved", "cohort issues resolved by the end of the run", "issues",
             HIGHER),
    _outcome("issues_abandoned", "cohort issues closed unresolved at the top level",
             "issues", LOWER),
    _outcome("issues_open", "cohort issues known and still being handled at the end",
             "issues", LOWER),
    _outcome("issues_never_known", "cohort issues still hidden at the end", "issues", LOWER),
    _outcome("issues_unresolved",
             "cohort issues not resolved at the end (hidden + open + abandoned)", "issues",
             LOWER),
    _outcome("hidden_issues", "mean number of hidden issues during the window (all ages)",
             "issues", LOWER, "hidden issues (mean over the window)"),
    # --- times (resolved issues only, unless said) ----------------------------------------
    _outcome("mean_wait_days",
             "mean days from known to first handling start, over cohort issues whose "
             "handling has started", "days", LOWER, "mean wait for handling (days)"),
    _outcome("mean_resolution_days",
             "mean days from arising to resolution, over resolved issues only", "days",
             LOWER, "mean resolution time (days from arising, resolved only)"),
    _outcome("median_resolution_days",
             "median days from arising to resolution, over resolved issues only", "days",
             LOWER, "median resolution time (days from arising, resolved only)"),
    _outcome("p90_resolution_days",
             "90th percentile of days from arising to resolution, over resolved issues only",
             "days", LOWER, "90th-percentile resolution time (days from arising, resolved "
             "only)"),
    _outcome("mean_days_known_to_resolved",
             "mean days from known to resolved, over resolved issues only", "days", LOWER,
             f"mean time from known to resolved ({_RESOLVED_ONLY})", print_unit=False),
    _outcome("median_days_known_to_resolved",
             "median days from known to resolved, over resolved issues only", "days", LOWER,
             f"median time from known to resolved ({_RESOLVED_ONLY})", print_unit=False),
    _outcome("skew_known_to_resolved",
             "mean / median of days from known to resolved, over resolved issues only: the "
             "right skew of resolution times", ""),
    _outcome("mean_days_known_to_resolved_reported",
             "mean days from known to resolved of resolved issues their resident or unit "
             "reported in person", "days", print_unit=False),
    _outcome("mean_days_known_to_resolved_platform",
             "the same, reported on the digital platform", "days", print_unit=False),
    _outcome("mean_days_known_to_resolved_visit", "the same, found on a visit or inspection",
             "days", print_unit=False),
    _outcome("mean_days_known_to_resolved_volunteer", "the same, spotted by a volunteer",
             "days", print_unit=False),
    # --- where issues end -----------------------------------------------------------------
    _outcome("share_known_resolved",
             "share of known cohort issues resolved by the end: the completion rate",
             "share", HIGHER, "completion rate (share of known issues resolved)"),
    _outcome("share_within_5_working_days",
             "share of resolved issues closed within 5 working days of becoming known "
             "(resolved issues only; Shandong rule)", "share", HIGHER,
             "closed within 5 working days of becoming known (share of resolved issues "
             "only)"),
    _outcome("share_resolved_in_grid",
             "share of resolved issues settled by volunteers, the Party branch or the grid "
             "worker", "share", HIGHER),
    _outcome("escalation_rate", "share of handled issues that went beyond the grid",
             "share"),
    # --- residents ------------------------------------------------------------------------
    _outcome("trust_start", "mean trust at the start of the window", "trust (0-1)"),
    _outcome("mean_trust", "mean trust at the end of the window", "trust (0-1)", HIGHER,
             "mean trust at the end of the window (trust, 0-1)"),
    _outcome("trust_change", "mean trust at the end of the window minus at its start",
             "trust (0-1)", HIGHER, "change in mean trust (trust, 0-1, over the window)"),
    _outcome("active_volunteer_share",
             "share of residents following or self-driven at the end of the window", "share",
             HIGHER, "active volunteers (share of residents)"),
    # --- load and stability ---------------------------------------------------------------
    _outcome("max_offered_load",
             "highest analytic offered load of a queue (beat or office): casework hours "
             "arriving / hours available; 1 or more never settles", "",
             label="highest offered load of a queue (hours arriving / available)"),
    _outcome("overloaded_points", "queues with an analytic offered load of 1 or more",
             "queues"),
    _outcome("visits_done_share", "door-to-door visits made / visits planned after the "
             "warm-up", "share", print_unit=False),
    _outcome("trend_open_issues",
             "change of open issues per year over the second half of the run, relative to "
             "their mean there (0: steady)", "relative change per year"),
    _outcome("trend_hidden_issues", "the same for the hidden stock",
             "relative change per year"),
    _outcome("trend_queued_above_grid", "the same for the queues above the grid",
             "relative change per year"),
    # --- cost -----------------------------------------------------------------------------
    _outcome("annual_cost_yuan",
             "yuan a year for grid workers, case staff and the policies' own costs "
             "(simulation/cost.py)", "yuan per year", LOWER, "annual cost (yuan/year)"),
)
OUTCOMES: dict[str, Outcome] = {o.key: o for o in _ALL}  # in the order of the summary

# The outcomes that lead: the sweep's summary table (`gridgov sweep` prints it) ...
KEY = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
       "hidden_issues", "trust_change", "active_volunteer_share", "max_offered_load",
       "annual_cost_yuan")
# ... the policy comparison report's default metrics (`gridgov compare`) ...
REPORT = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
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
