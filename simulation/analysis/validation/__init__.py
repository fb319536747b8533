"""Pattern-oriented validation (Grimm et al. 2005): qualitative patterns from the seed
article and DOMAIN.md that the model must reproduce, each measured over replications.

- :mod:`.patterns`: the patterns, each a plan naming the replications it needs;
- :mod:`.checks`: a check's result, plans, and the decision rules they share;
- :mod:`.replications`: the runs, every one a task on the executor layer the sweeps use
  (:func:`run_batches`; local worker processes, or this process with one worker).

``plan_all(size)`` gives every check's plan; ``evaluate(plan, ...)`` runs and judges some
of them; scripts/validate.py runs them all (``run_batches``, then ``judge``) and writes
docs/validation.md.
"""

from .checks import ALPHA, STEADY_TOLERANCE, Check, Plan, evaluate, judge, needs, paired_check
from .patterns import (
    CHECKS,
    IDLE,
    NO_BOOST,
    STEADY_SERIES,
    branch,
    half_casework,
    halve_workers,
    idle_volunteers,
    more_visits,
    no_visits,
    plan_all,
    right_skew,
    stationary,
    wenheng,
)
from .replications import (
    BASE_SEED,
    FULL,
    QUEUE_WARMUP_DAYS,
    QUICK,
    QueueRuns,
    Replications,
    Results,
    Run,
    Size,
    queue_waits,
    replicate,
    run,
    run_batches,
)

__all__ = ["ALPHA", "BASE_SEED", "CHECKS", "FULL", "IDLE", "NO_BOOST", "QUEUE_WARMUP_DAYS",
           "QUICK", "STEADY_SERIES", "STEADY_TOLERANCE", "Check", "Plan", "QueueRuns",
           "Replications", "Results", "Run", "Size", "branch", "evaluate", "half_casework",
           "halve_workers", "idle_volunteers", "judge", "more_visits", "needs", "no_visits",
           "paired_check", "plan_all", "queue_waits", "replicate", "right_skew", "run",
           "run_batches", "stationary", "wenheng"]
