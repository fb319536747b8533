"""Statistics for comparing policies: intervals, tests, effect sizes, multiple comparisons.

Pure functions on arrays of per-replication outcomes (one value per run). Under common random
numbers replication r of two policies shares its seed, so their outcomes are *paired*:
the comparison uses the paired differences (Wilcoxon signed-rank test, matched-pairs
rank-biserial effect size); otherwise the samples are independent (Mann-Whitney U test,
Cliff's delta). Intervals are bootstrap percentiles (BCa) with a fixed seed, so a report is
reproducible. Holm's step-down correction controls the family-wise error rate across the
comparisons of one report.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

ALPHA = 0.05  # significance level: of a test alone, and the family-wise error rate of Holm's
#              correction over a report's comparisons (gridgov compare --alpha)
BOOTSTRAP_SEED = 20221121
N_BOOTSTRAP = 4999
_DEGENERATE = getattr(stats, "DegenerateDataWarning", RuntimeWarning)


@dataclass(frozen=True)
class Interval:
    """An estimate with a confidence interval."""

    estimate: float
    low: float
    high: float
    level: float

    @property
    def width(self) -> float:
        """high - low."""
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """True if ``value`` lies in [low, high]."""
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Comparison:
    """A policy against the baseline on one metric."""

    difference: Interval  # median of paired differences, or difference of medians
    p_value: float
    effect_size: float  # rank-biserial correlation / Cliff's delta, in [-1, 1]
    test: str  # "wilcoxon" or "mann-whitney"
    n: int  # replications (pairs, or the smaller sample)


def bootstrap_interval(values: ArrayLike, statistic: Callable[..., float] = np.median,
                       level: float = 0.95, seed: int = BOOTSTRAP_SEED) -> Interval:
    """``statistic`` of ``values`` with a BCa bootstrap interval (percentile if BCa fails).

    With fewer than 2 distinct values the interval collapses to the estimate.
    """
    x = _finite(values)
    if len(x) == 0:
        return Interval(math.nan, math.nan, math.nan, level)
    est = float(statistic(x))
    if len(np.unique(x)) < 2:
        return Interval(est, est, est, level)
    rng = np.random.default_rng(seed)
    try:
        with warnings.catch_warnings():  # a degenerate BCa interval is handled below
            # SciPy's own arithmetic on a degenerate sample, and its message saying so
            warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"scipy\.")
            warnings.filterwarnings("ignore", "The BCa confidence interval cannot be calculated",
                                    _DEGENERATE, r"scipy\.")
            res = stats.bootstrap((x,), statistic, confidence_level=level,
                                  n_resamples=N_BOOTSTRAP, method="BCa", rng=rng)
        low, high = res.confidence_interval
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError("degenerate BCa interval")
    except ValueError:
        res = stats.bootstrap((x,), statistic, confidence_level=level, n_resamples=N_BOOTSTRAP,
                              method="percentile", rng=np.random.default_rng(seed))
        low, high = res.confidence_interval
    return Interval(est, float(low), float(high), level)


def compare(baseline: ArrayLike, policy: ArrayLike, paired: bool,
            level: float = 0.95, with_interval: bool = True) -> Comparison:
    """Compare a policy's outcomes with the baseline's (policy minus baseline).

    paired: ``baseline[r]`` and ``policy[r]`` share replication r's seed. The difference is
    the median of the paired differences with a bootstrap interval; the test is Wilcoxon's
    signed-rank test (two-sided); the effect size is the matched-pairs rank-biserial
    correlation r = (W+ - W-) / (W+ + W-) (Kerby 2014).
    unpaired: the difference of medians with a two-sample bootstrap interval; Mann-Whitney
    U (two-sided); Cliff's delta = P(policy > base) - P(policy < base).
    ``with_interval=False`` skips the bootstrap (the interval is then the estimate alone),
    for when only the test is wanted, e.g. in power or error-rate studies.
    """
    a, b = np.asarray(baseline, float), np.asarray(policy, float)
    if paired:
        if a.shape != b.shape:
            raise ValueError("paired samples must have the same length")
        ok = np.isfinite(a) & np.isfinite(b)
        d = b[ok] - a[ok]
        interval = (bootstrap_interval(d, np.median, level) if with_interval
                    else _point(float(np.median(d)) if len(d) else math.nan, level))
        nonzero = d[d != 0]
        if len(nonzero) == 0:
            return Comparison(interval, 1.0, 0.0, "wilcoxon", len(d))
        p = float(stats.wilcoxon(nonzero, alternative="two-sided").pvalue)
        ranks = stats.rankdata(np.abs(nonzero))
        w_plus, w_minus = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
        return Comparison(interval, p, float((w_plus - w_minus) / (w_plus + w_minus)),
                          "wilcoxon", len(d))
    a, b = _finite(a), _finite(b)
    if len(a) == 0 or len(b) == 0:
        nan = Interval(math.nan, math.nan, math.nan, level)
        return Comparison(nan, math.nan, math.nan, "mann-whitney", 0)
    est = float(np.median(b) - np.median(a))
    if min(len(a), len(b)) < 2:  # one run on a side: a difference, nothing to test it by
        return Comparison(Interval(est, math.nan, math.nan, level), math.nan, math.nan,
                          "mann-whitney", min(len(a), len(b)))
    if len(np.unique(np.r_[a, b])) < 2:
        return Comparison(Interval(est, est, est, level), 1.0, 0.0, "mann-whitney",
                          min(len(a), len(b)))
    if with_interval:
        res = stats.bootstrap((b, a), lambda x, y: np.median(x) - np.median(y),
                              confidence_level=level, n_resamples=N_BOOTSTRAP,
                              method="percentile", rng=np.random.default_rng(BOOTSTRAP_SEED))
        low, high = res.confidence_interval
    else:
        low = high = est
    u = stats.mannwhitneyu(b, a, alternative="two-sided")
    delta = 2.0 * u.statistic / (len(a) * len(b)) - 1.0
    return Comparison(Interval(est, float(low), float(high), level), float(u.pvalue),
                      float(delta), "mann-whitney", min(len(a), len(b)))


def median_interval(values: ArrayLike, level: float = 0.95) -> Interval:
    """The median with its distribution-free interval from order statistics: [x(k),
    x(n+1-k)] with k the largest rank such that P(Binomial(n, 1/2) < k) <= (1 - level)/2
    (exact coverage >= level for any continuous distribution; the whole range when n is
    too small for that)."""
    x = np.sort(_finite(values))
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, level)
    k = max(1, int(stats.binom.ppf((1 - level) / 2, n, 0.5)))
    while k > 1 and stats.binom.cdf(k - 1, n, 0.5) > (1 - level) / 2:
        k -= 1
    return Interval(float(np.median(x)), float(x[k - 1]), float(x[n - k]), level)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control; NaN stays NaN).

    Sort the m finite p-values ascending, multiply the i-th (from 0) by (m - i), take the
    running maximum, cap at 1, and return them in the original order (Holm 1979).
    """
    p = np.asarray(p_values, float)
    out = np.full(p.shape, math.nan)
    idx = np.flatnonzero(np.isfinite(p))
    m = len(idx)
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    adjusted = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    out[order] = np.minimum(adjusted, 1.0)
    return out


def replications_to_shrink(n: int, width: float, target_width: float) -> int:
    """Replications needed for an interval of ``width`` at ``n`` to reach ``target_width``.

    Interval widths shrink as 1/sqrt(n): n' = ceil(n * (width / target)^2); halving a width
    takes four times the replications.
    """
    if not (width > 0 and target_width > 0):
        return n
    return math.ceil(n * (width / target_width) ** 2)


def verdict(comparison: Comparison, adjusted_p: float, alpha: float = ALPHA,
            better: int = 1) -> str:
    """The comparison in words. ``better`` = +1 if larger values are better, -1 if smaller."""
    diff = comparison.difference
    if not math.isfinite(adjusted_p) or adjusted_p >= alpha or diff.contains(0.0):
        return "cannot be told apart from the baseline"
    direction = "better" if math.copysign(1.0, diff.estimate) == better else "worse"
    return f"{direction} than the baseline"


def _point(estimate: float, level: float) -> Interval:
    return Interval(estimate, estimate, estimate, level)


def _finite(values: ArrayLike) -> np.ndarray:
    x = np.asarray(values, float).ravel()
    return x[np.isfinite(x)]
