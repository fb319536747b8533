"""Time to resolution as survival data: the Kaplan-Meier estimate of the share of issues
resolved within t of arising, with unresolved issues (hidden, open or abandoned at the end)
right-censored (scipy.stats.ecdf on CensoredData), and what is read off it: the share
resolved by a given time and the restricted mean time to resolution."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

HORIZON_DAYS = 90.0  # the restricted mean's horizon and the longest share's
CURVE_WORKING_DAYS = np.arange(0, 61)  # where each run's resolution curve is kept


def resolution_curve(times: np.ndarray, resolved: np.ndarray) -> Any:
    """The Kaplan-Meier estimate of time to resolution (scipy.stats.ecdf on CensoredData:
    resolved issues are events, the rest right-censored at their time); None if empty."""
    if len(times) == 0:
        return None
    data = stats.CensoredData(uncensored=times[resolved], right=times[~resolved])
    return stats.ecdf(data)


def _observed_to(curve: Any, t: float) -> bool:
    """True if the curve is estimated up to ``t``: some issue was followed that long, or
    every issue was resolved earlier."""
    return bool(curve.sf.quantiles[-1] >= t or curve.sf.probabilities[-1] == 0.0)


def share_by(curve: Any, t: float) -> float:
    """Estimated share resolved by time ``t`` (NaN without data, or if no issue was
    followed that long while some were still unresolved)."""
    if curve is None or not _observed_to(curve, t):
        return float("nan")
    return float(1.0 - curve.sf.evaluate(t))


def restricted_mean(curve: Any, horizon: float) -> float:
    """Restricted mean time to resolution over [0, horizon]: the area under the estimated
    share unresolved, S(t), from 0 to the horizon (an issue unresolved by then counts the
    horizon). NaN without data or where the curve ends before the horizon with issues left
    unresolved and no observation that long."""
    if curve is None or not _observed_to(curve, horizon):
        return float("nan")
    q = np.asarray(curve.sf.quantiles, dtype=float)
    s = np.asarray(curve.sf.probabilities, dtype=float)
    edges = np.concatenate([[0.0], np.minimum(q[q < horizon], horizon), [horizon]])
    levels = np.concatenate([[1.0], s[q < horizon]])
    return float(np.sum(np.diff(edges) * levels))


def weighted_share_by(times: np.ndarray, resolved: np.ndarray, weights: np.ndarray,
                      t: float) -> float:
    """Kaplan-Meier share resolved by ``t`` with each issue counted ``weights`` times (the
    households it affects): S(t) = prod over resolution times s <= t of (1 - d_s / n_s),
    d_s the weight resolved at s, n_s the weight still unresolved and followed at s
    (censored ones leave after their time). With unit weights it is :func:`share_by` of
    :func:`resolution_curve`. NaN without data or if nothing was followed that long while
    some weight was still unresolved."""
    if len(times) == 0:
        return float("nan")
    times = np.asarray(times, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(times, kind="stable")
    times, resolved, w = times[order], np.asarray(resolved)[order], w[order]
    event_t, first = np.unique(times, return_index=True)
    at_risk = w.sum() - np.concatenate([[0.0], np.cumsum(w)])[first]  # followed at event_t
    d = np.bincount(np.searchsorted(event_t, times), weights=w * resolved,
                    minlength=len(event_t))
    keep = (event_t <= t) & (d > 0)
    surv = float(np.prod(1.0 - d[keep] / at_risk[keep]))
    if times.max() < t and surv > 0.0:
        return float("nan")
    return 1.0 - surv
