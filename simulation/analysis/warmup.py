"""Choosing the warm-up and checking the steady state.

**Welch's method** (Welch 1983; Law, *Simulation Modeling and Analysis*, 5th ed., 2015,
section 9.5.1), made automatic: average a daily series over replications, smooth the
average with a centred moving average of half-width w (shorter windows near day 0, as
Welch prescribes), take the *level* as the smoothed mean over the last third of the run,
and call the series settled from the first day after which the smoothed curve stays within
a tolerance of that level. The warm-up is chosen on the slowest series.

**Stationarity** of a run: :func:`year_ratios` compares the means of a later year with an
earlier one (year 3 against year 2 of a three-year run); a steady status quo keeps each
ratio near 1 (``shared/tools/steady-state`` does the same from the command line).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def welch_average(runs: np.ndarray, half_width: int) -> np.ndarray:
    """Welch's moving average of the replication mean of ``runs`` (replications x days):
    day i averages days i - w .. i + w, or i - (i-1) .. i + (i-1) (Welch's shorter window)
    for i < w; the last w days have no full window and are left out."""
    mean = np.asarray(runs, dtype=float).mean(axis=0)
    n = len(mean) - half_width
    out = np.empty(max(n, 0))
    cum = np.concatenate([[0.0], np.cumsum(mean)])
    for i in range(len(out)):
        k = min(i, half_width)
        out[i] = (cum[i + k + 1] - cum[i - k]) / (2 * k + 1)
    return out


def settled_day(smoothed: np.ndarray, tolerance: float) -> int:
    """The first day from which ``smoothed`` stays within ``tolerance`` (relative) of its
    level, the mean of its last third; len(smoothed) if it never does."""
    level = float(np.mean(smoothed[2 * len(smoothed) // 3:]))
    off = np.abs(smoothed - level) > tolerance * abs(level)
    if not off.any():
        return 0
    return int(np.flatnonzero(off)[-1] + 1)


def year_ratios(timeseries: pd.DataFrame, columns: list[str], earlier: int = 2,
                later: int = 3) -> dict[str, float]:
    """Mean of each column in year ``later`` / its mean in year ``earlier`` (years of 365
    days from day 0; NaN if the earlier mean is 0)."""
    def year(k: int) -> pd.DataFrame:
        return timeseries[(timeseries.day > 365 * (k - 1)) & (timeseries.day <= 365 * k)]

    a, b = year(earlier), year(later)
    out = {}
    for c in columns:
        base = float(a[c].mean())
        out[c] = float(b[c].mean()) / base if base else float("nan")
    return out
