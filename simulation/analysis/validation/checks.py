"""A check, its plan (the replications it needs and how it judges them), and the
decision rules the patterns (:mod:`.patterns`) share.

Decision rules are conservative and simple, so a pass is not an artefact of a fragile
interval with few replications:
- a paired effect (common random numbers) passes when Wilcoxon's signed-rank test on the
  paired differences gives p < 0.05 and the median difference has the expected sign
  (the bootstrap interval is reported beside it);
- a level passes when the distribution-free 95% interval of its median over the
  replications (order statistics, analysis.median_interval) lies beyond the threshold; an
  ordering of events must hold in every replication.

Checks are evaluated in two steps: every plan's replications are run together, on one
backend (:func:`.replications.run_batches`), then each plan judges its runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..statistics import ALPHA, compare
from .replications import Batch, Replications, Results, Run, Size, run_batches

STEADY_TOLERANCE = 0.10  # year 3 within 10% of year 2 (the definition of steady)


@dataclass
class Check:
    """One pattern, what was measured, and whether the model reproduces it."""

    name: str
    pattern: str  # the expected pattern, in words
    source: str  # where the pattern comes from
    measured: str = ""  # the measurement in words, with numbers
    passed: bool = False
    data: dict[str, Any] = field(default_factory=dict)  # numbers behind it, for figures
    kind: str = "emergent"  # or "verification": it restates a mechanism or an input


@dataclass(frozen=True)
class Plan:
    """What a check needs (replication sets) and how it judges their runs: ``judge``
    reads each set's runs from the results by the set (one check or several)."""

    needs: tuple[Replications, ...]
    judge: Callable[[Results], list[Check]]


def needs(plans: list[Plan]) -> list[Batch]:
    """Every replication set the plans need, in plan order (duplicates run once)."""
    return [batch for plan in plans for batch in plan.needs]


def judge(plans: list[Plan], results: Results) -> list[Check]:
    """Every plan's checks, in plan order, from results that hold what they need."""
    return [check for plan in plans for check in plan.judge(results)]


def evaluate(*plans: Plan, workers: int = 1) -> list[Check]:
    """Run what the plans need (``workers`` local processes; 1: in this process) and
    judge them."""
    return judge(list(plans), run_batches(needs(list(plans)), workers))


def paired_check(name: str, pattern: str, source: str, size: Size,
                 effects: list[tuple[str, int]], lever: dict[str, Any],
                 base: dict[str, Any] | None = None, scenario: str = "baseline",
                 kind: str = "emergent") -> Plan:
    """Paired runs without and with ``lever``; each (metric, sign) must move that way."""
    without = Replications.of(scenario, base or {}, size)
    with_lever = Replications.of(scenario, {**(base or {}), **lever}, size)

    def judge_pairs(results: Results) -> list[Check]:
        ok, data, parts = paired_effects(results[without], results[with_lever], effects)
        return [Check(name, pattern, source, "; ".join(parts) + f" ({size.reps} pairs)", ok,
                      data, kind=kind)]

    return Plan((without, with_lever), judge_pairs)


def paired_effects(a: list[Run], b: list[Run], effects: list[tuple[str, int]]
                   ) -> tuple[bool, dict[str, Any], list[str]]:
    """(all as expected?, numbers per metric, words per metric) of the paired runs ``a``
    (without the lever) and ``b`` (with it): each (metric, sign) must move that way."""
    parts, ok, data = [], True, {}
    for metric, sign in effects:
        x = np.array([r.summary[metric] for r in a], float)
        y = np.array([r.summary[metric] for r in b], float)
        c = compare(x, y, paired=True)
        d = c.difference
        good = bool(c.p_value < ALPHA and np.sign(d.estimate) == sign)
        ok &= bool(good)
        data[metric] = {"base": float(np.median(x)), "lever": float(np.median(y)),
                        "base_values": x.tolist(), "lever_values": y.tolist(),
                        "difference": d.estimate, "low": d.low, "high": d.high,
                        "expected_sign": sign, "pairs": c.n, "passed": bool(good)}
        data[metric]["p_value"] = c.p_value
        parts.append(f"{metric}: {np.median(x):.4g} → {np.median(y):.4g}, paired difference "
                     f"{d.estimate:+.4g} [{d.low:+.4g}, {d.high:+.4g}], Wilcoxon p "
                     f"{c.p_value:.2g} ({'as expected' if good else 'NOT as expected'})")
    return ok, data, parts


def steady_ratio(year2: np.ndarray, year3: np.ndarray) -> tuple[float, bool, str]:
    """(year 3 / year 2 of the pooled means, steady?, words): steady if within
    STEADY_TOLERANCE, or if the paired change is within two standard errors of zero (a
    series so small, e.g. a near-empty queue, that 10% is below its replication noise)."""
    ratio = float(year3.sum() / year2.sum()) if year2.sum() else float("nan")
    if abs(ratio - 1.0) <= STEADY_TOLERANCE:
        return ratio, True, ""
    diff = year3 - year2
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("inf")
    quiet = bool(abs(diff.mean()) <= 2.0 * se)
    words = (f"; change {diff.mean():+.3g} ± {se:.2g} (SE): "
             + ("within the noise" if quiet else "beyond the noise"))
    return ratio, quiet, words


def band(runs: list[Run], column: str) -> dict[str, list[float]]:
    """Median and 10th / 90th percentiles of ``column`` per day over the runs."""
    m = np.vstack([r.timeseries[column].to_numpy(float) for r in runs])
    return {"median": np.median(m, 0).tolist(), "p10": np.percentile(m, 10, 0).tolist(),
            "p90": np.percentile(m, 90, 0).tolist()}
