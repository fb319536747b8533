"""Compare policies (or design points) with a baseline, metric by metric.

An *arm* is what is compared: a policy (pooled over design points for sampled designs) or,
for a factorial design, a (design point, policy) pair. Each arm is compared with its
baseline arm on each metric: the baseline policy at the same design point, or design point
0 when the experiment has a single policy. Runs are paired by the key that shares a seed
under common random numbers: the replication (and the design point, for sampled designs).
If the paired runs do not share their seeds, the arms are compared as independent samples
(Mann-Whitney U, Cliff's delta) instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ...measures.outcomes import OUTCOMES, QUEUE_TIME, REPORT, sign
from ..statistics import (
    ALPHA,
    Comparison,
    Interval,
    bootstrap_interval,
    compare,
    holm,
    replications_to_shrink,
    verdict,
)
from .errors import ReportError
from .results import SweepResults

# An overloaded arm's verdict on a measure of time to resolution (outcomes.QUEUE_TIME: it
# grows with the run's length), and the flag on its other measures' verdicts.
UNSTABLE = "unstable: results depend on the run length"
UNSTABLE_FLAG = " (unstable: overloaded)"
# A comparison without a single finite pair (e.g. a 90-day share in runs shorter than 90
# days): no verdict, no test, and no replications that would decide it.
NO_DATA = "no data: the measure is undefined in these runs"


@dataclass(frozen=True)
class Arm:
    """One compared thing: a policy at a design point, or a policy over all points."""

    label: str
    policy: str
    point: int | None  # None: pooled over design points
    baseline: str | None  # label of the arm it is compared with (None for a baseline)


def arms(results: SweepResults, baseline: str | None = None) -> list[Arm]:
    """The arms of ``results`` with their baselines; ReportError for an unknown baseline."""
    finished = set(results.ok.policy)
    policies = [p for p in results.policy_names if p in finished]
    points = sorted(int(p) for p in results.ok.point.unique())
    if results.sampled or len(points) == 1 or len(results.policy_names) > 1:
        base = _baseline_policy(results.policy_names, baseline)
        if base not in finished:
            raise ReportError(f"the baseline policy {base!r} has no finished run; rerun the "
                              "sweep with --resume or choose another --baseline")
    if results.sampled or len(points) == 1:
        point = None if results.sampled else points[0]
        return [Arm(p, p, point, None if p == base else base) for p in policies]
    if len(results.policy_names) == 1:
        labels = [f"p{p:04d}" for p in points]
        if baseline is not None and baseline not in labels:
            raise ReportError(f"unknown baseline {baseline!r}; choose one of the design "
                              f"points: {', '.join(labels)}")
        base = baseline or labels[0]
        return [Arm(lab, policies[0], p, None if lab == base else base)
                for lab, p in zip(labels, points, strict=True)]
    return [Arm(f"p{pt:04d}/{pol}", pol, pt, None if pol == base else f"p{pt:04d}/{base}")
            for pt in points for pol in policies]


def _baseline_policy(policies: list[str], baseline: str | None) -> str:
    if baseline is None:
        return "status_quo" if "status_quo" in policies else policies[0]
    if baseline not in policies:
        raise ReportError(f"unknown baseline {baseline!r}; choose one of the policies: "
                          f"{', '.join(policies)}")
    return baseline


def arm_runs(results: SweepResults, arm: Arm) -> pd.DataFrame:
    """The finished runs of ``arm``, indexed by their pairing key."""
    ok = results.ok
    rows = ok[(ok.policy == arm.policy) & ((ok.point == arm.point) if arm.point is not None
                                           else True)]
    key = ["point", "replication"] if arm.point is None else ["replication"]
    return rows.set_index(key).sort_index()


def check_metrics(results: SweepResults, metrics: list[str] | None) -> list[str]:
    """The metrics to compare (default: those of outcomes.REPORT that the finished runs
    define, e.g. no 90-day share for 60-day runs); ReportError if unknown."""
    numeric = [c for c in results.runs.columns if c not in
               ("run_id", "point", "policy", "replication", "seed", "status", "error",
                "wall_seconds", *results.factor_names)
               and pd.api.types.is_numeric_dtype(results.runs[c])]
    if metrics is None:
        return [m for m in REPORT if m in numeric and results.ok[m].notna().any()]
    unknown = [m for m in metrics if m not in numeric]
    if unknown:
        raise ReportError(f"unknown metric {unknown[0]!r}; choose from: {', '.join(numeric)}")
    return list(dict.fromkeys(metrics))


def comparison_table(results: SweepResults, metrics: list[str], baseline: str | None = None,
                     alpha: float = ALPHA) -> pd.DataFrame:
    """One row per (arm, metric): the arm's median with a bootstrap interval and, for
    non-baseline arms, the paired difference from the baseline with its interval, the
    p-value, Holm's adjusted p-value over all comparisons of the table, the effect size,
    the words, and the replications needed to tell the difference from zero."""
    arm_list = arms(results, baseline)
    by_label = {a.label: a for a in arm_list}
    rows = []
    for arm in arm_list:
        runs = arm_runs(results, arm)
        base = arm_runs(results, by_label[arm.baseline]) if arm.baseline else None
        for m in metrics:
            values = runs[m].astype(float)
            level = bootstrap_interval(values.to_numpy())
            row = {"arm": arm.label, "policy": arm.policy, "point": arm.point,
                   "baseline": arm.baseline or "", "metric": m, "runs": int(values.notna().sum()),
                   "median": level.estimate, "low": level.low, "high": level.high}
            if base is not None:
                a, b = base[m].astype(float).align(values, join="inner")
                if shares_seeds(base, runs):
                    c = compare(a.to_numpy(), b.to_numpy(), paired=True)
                else:  # no common random numbers: independent samples
                    c = compare(base[m].to_numpy(float), values.to_numpy(), paired=False)
                row.update({"pairs": c.n, "difference": c.difference.estimate,
                            "difference_low": c.difference.low,
                            "difference_high": c.difference.high, "p_value": c.p_value,
                            "effect_size": c.effect_size, "test": c.test})
            rows.append(row)
    table = pd.DataFrame(rows)
    unstable = {a.label for a in arm_list if overloaded(arm_runs(results, a))}
    table["unstable"] = [a in unstable or b in unstable
                         for a, b in zip(table.arm, table.baseline, strict=True)]
    if "p_value" not in table:
        return table
    # no finite pair (the measure is undefined in these runs): no test, and say so
    no_data = table.baseline.ne("") & table.pairs.fillna(0).eq(0)
    table.loc[no_data, ["p_value", "effect_size"]] = np.nan
    compared = table.p_value.notna()
    table.loc[compared, "p_holm"] = holm(table.loc[compared, "p_value"].to_numpy())
    table["verdict"] = ""
    table["replications_to_decide"] = np.nan
    for i in np.flatnonzero(compared.to_numpy()):
        row = table.iloc[i]
        words = _words(row, alpha)
        if row.unstable:
            words = UNSTABLE if row.metric in QUEUE_TIME else words + UNSTABLE_FLAG
        table.iat[i, table.columns.get_loc("verdict")] = words
        if not row.unstable:
            need = _replications_to_decide(row, alpha, int(compared.sum()))
            table.iat[i, table.columns.get_loc("replications_to_decide")] = need
    table.loc[no_data, "verdict"] = NO_DATA
    return table


def overloaded(runs: pd.DataFrame) -> bool:
    """True if any of an arm's runs has a queue with analytic offered load >= 1."""
    return "overloaded_points" in runs and bool((runs.overloaded_points.fillna(0) > 0).any())


def shares_seeds(base: pd.DataFrame, runs: pd.DataFrame) -> bool:
    """True if the two arms' runs pair up: matching keys exist and carry the same seeds
    (common random numbers), so paired differences are valid."""
    seeds_a, seeds_b = base.seed.align(runs.seed, join="inner")
    return len(seeds_a) > 0 and bool((seeds_a.to_numpy() == seeds_b.to_numpy()).all())


def _words(row: pd.Series, alpha: float) -> str:
    c = Comparison(Interval(row.difference, row.difference_low, row.difference_high, 0.95),
                   row.p_value, row.effect_size, row.test, int(row.pairs))
    better = sign(row.metric)
    outcome = OUTCOMES.get(row.metric)
    if outcome is not None and outcome.unit == "yuan per year":  # for money, say what it is
        text = verdict(c, row.p_holm, alpha, better)
        return text.replace("better", "cheaper").replace("worse", "dearer")
    if better:
        return verdict(c, row.p_holm, alpha, better)
    text = verdict(c, row.p_holm, alpha, +1)
    return text.replace("better", "higher").replace("worse", "lower")


def _replications_to_decide(row: pd.Series, alpha: float, m: int) -> float:
    """Pairs that would decide a comparison the data cannot tell from zero yet, if its
    estimate held (NaN if decided or the estimate is 0): the most of
    - n (h / |estimate|)^2, h = the distance from the estimate to the interval's end on
      zero's side (the interval shrinks as 1/sqrt(n) until that end passes zero);
    - the fewest pairs at which Wilcoxon's smallest p-value, 2 / 2^n, times the m
      comparisons of Holm's correction, falls below alpha;
    - n + 1."""
    decided = row.p_holm < alpha and not (row.difference_low <= 0.0 <= row.difference_high)
    est = float(row.difference)
    if decided or not est:
        return math.nan
    n = int(row.pairs)
    near = row.difference_low if est > 0 else row.difference_high
    h = abs(est - near)
    by_width = math.ceil(n * (h / abs(est)) ** 2) if h > 0 else n
    by_test = math.floor(math.log2(2.0 * max(m, 1) / alpha)) + 1
    return float(max(by_width, by_test, n + 1))


def undecided(table: pd.DataFrame) -> list[tuple[str, str, float]]:
    """(arm, metric, replications to decide) for differences not told apart from zero."""
    if "replications_to_decide" not in table:
        return []
    rows = table[table.replications_to_decide.notna()]
    return [(r.arm, r.metric, float(r.replications_to_decide)) for _, r in rows.iterrows()
            if math.isfinite(r.replications_to_decide)]


def replication_note(table: pd.DataFrame) -> dict[str, object]:
    """How many pairs the comparisons rest on, the widest difference interval (relative to
    the baseline's median) and the replications that would halve it (width ~ 1/sqrt(n))."""
    if "difference" not in table:
        return {}
    cmp = table[table.baseline != ""].dropna(subset=["difference_low", "difference_high"])
    if cmp.empty:
        return {}
    base_median = table[table.baseline == ""].groupby("metric")["median"].median()
    rel = (cmp.difference_high - cmp.difference_low) / cmp.metric.map(base_median).abs()
    i = rel.replace([np.inf, -np.inf], np.nan).fillna(-1).to_numpy().argmax()
    row = cmp.iloc[i]
    n = int(row.pairs)
    width = float(row.difference_high - row.difference_low)
    return {"pairs_min": int(cmp.pairs.min()), "pairs_max": int(cmp.pairs.max()),
            "paired": bool((cmp.test == "wilcoxon").all()),
            "widest_metric": row.metric, "widest_arm": row.arm, "widest_width": width,
            "widest_relative": float(rel.iloc[i]),
            "halve_replications": replications_to_shrink(n, width, width / 2.0),
            "more_replications": replications_to_shrink(n, width, width / 2.0) - n}


COST_OUTCOMES = (("unresolved_issue_days_per_household", "per_issue_day_cut", -1.0),
                 ("trust_change", "per_trust_point", 100.0))


def cost_effectiveness(table: pd.DataFrame) -> pd.DataFrame:
    """Per compared arm: extra annual cost, and yuan a year per unresolved issue-day cut
    per household and per point (0.01) of trust gained, with ranges from the outcome's
    interval. Words replace a ratio where it has no meaning (no measurable gain, a worse
    outcome, a gain that saves money, or an overloaded arm's time measure)."""
    need = {"annual_cost_yuan", *(m for m, _, _ in COST_OUTCOMES)}
    if not need <= set(table.metric) or "difference" not in table:
        return pd.DataFrame()
    cmp = table[table.baseline != ""].set_index(["arm", "metric"])
    rows = []
    for arm in dict.fromkeys(cmp.index.get_level_values(0)):
        cost = cmp.loc[(arm, "annual_cost_yuan")]
        row: dict[str, object] = {"arm": arm, "extra_cost_yuan": cost.difference}
        for metric, name, scale in COST_OUTCOMES:
            r = cmp.loc[(arm, metric)]
            gain = (r.difference * scale, *sorted((r.difference_low * scale,
                                                   r.difference_high * scale)))
            row[name], row[f"{name}_range"] = _ratio(
                (cost.difference, cost.difference_low, cost.difference_high), gain,
                r.verdict.startswith("better"), r.verdict.startswith("worse"),
                r.verdict == UNSTABLE)
        rows.append(row)
    return pd.DataFrame(rows)


def _ratio(extra_cost: tuple[float, float, float], gain: tuple[float, float, float],
           better: bool, worse: bool, unstable: bool = False) -> tuple[object, str]:
    """(yuan per unit gained, range text) or (nan, words). The range takes both intervals'
    ends: lowest extra cost over largest gain to highest extra cost over smallest gain."""
    cost, cost_low, cost_high = extra_cost
    if unstable:
        return math.nan, "unstable (overloaded)"
    if worse:
        return math.nan, "outcome worse"
    if not better:
        return math.nan, "no measurable gain"
    if cost <= 0:
        return math.nan, "better and not dearer"
    est, low, high = gain
    low_ratio = max(cost_low, 0.0) / high
    return cost / est, f"{low_ratio:,.0f} to {cost_high / max(low, 1e-12):,.0f}"


def factor_effects(results: SweepResults, metrics: list[str]) -> pd.DataFrame:
    """Each factor's monotone effect on each metric: Spearman's rank correlation over the
    finished runs, with a bootstrap interval and p-value (all policies pooled; a
    design with one factor value has none)."""
    ok = results.ok
    rows = []
    for f in results.factor_names:
        if f not in ok or ok[f].nunique() < 2:
            continue
        x = pd.to_numeric(ok[f].astype(float), errors="coerce")
        for m in metrics:
            y = ok[m].astype(float)
            keep = x.notna() & y.notna()
            if keep.sum() < 4 or y[keep].nunique() < 2 or x[keep].nunique() < 2:
                continue  # a constant outcome has no rank correlation
            rho, p = stats.spearmanr(x[keep], y[keep])
            low, high = spearman_interval(float(rho), int(keep.sum()))
            rows.append({"factor": f, "metric": m, "spearman": float(rho), "low": low,
                         "high": high, "p_value": float(p), "runs": int(keep.sum())})
    return pd.DataFrame(rows)


def spearman_interval(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Interval for Spearman's rho by Fisher's z with Bonett & Wright's (2000) variance
    (1 + rho^2 / 2) / (n - 3)."""
    if not (math.isfinite(rho) and n > 3):
        return math.nan, math.nan
    z = math.atanh(min(max(rho, -0.999999), 0.999999))
    half = stats.norm.ppf(0.5 + level / 2) * math.sqrt((1 + rho * rho / 2) / (n - 3))
    return math.tanh(z - half), math.tanh(z + half)
