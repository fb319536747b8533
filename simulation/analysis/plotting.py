"""The common figures of the Python API, as matplotlib Figures (no pyplot state: each
figure is made with ``matplotlib.figure.Figure``, so it is shown where it is returned in a
notebook, saved with ``fig.savefig(path)``, and freed with its last reference).

- :func:`plot_outcomes`: a sweep's outcomes by policy, every replication a dot with the
  median and the 10-90% range (``SweepResult.plot()``);
- :func:`plot_comparison`: a comparison's paired differences from the baseline with
  their 95% intervals (``Comparison.plot()``).

One run's figure (``GridGovernanceModel.plot()``, ``RunResult.plot()``) is
:func:`simulation.measures.plot.plot_run`; the report's figures (``gridgov compare``) are
:mod:`simulation.analysis.report.figures`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..measures.outcomes import OUTCOMES
from .report.figures import panels

# The sweep figure's default outcomes: the burden residents carry, the share resolved
# within 90 days, and the change in trust (docs/report.md).
PLOT_METRICS = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
                "trust_change")


def arm_labels(runs: pd.DataFrame) -> pd.Series:
    """Each run's arm: its policy, with its design point (``pNNNN``) if the sweep has
    several."""
    if "point" in runs and runs["point"].nunique() > 1:
        return runs["policy"].astype(str) + " p" + runs["point"].map("{:04d}".format)
    return runs["policy"].astype(str)


def plot_outcomes(runs: pd.DataFrame, metrics: Sequence[str] | None = None, *,
                  title: str | None = None) -> Figure:
    """A sweep's outcomes by policy (and design point), one panel per outcome.

    Args:
        runs: the runs table (``SweepResult.runs`` or ``runs.parquet``: ``policy``,
            ``point``, ``status`` and a column per outcome); only finished runs are drawn.
        metrics: the outcomes to draw (:mod:`simulation.measures.outcomes`; default
            :data:`PLOT_METRICS`).
        title: the figure's title (None: none).

    Returns:
        A Figure: per arm, every replication as a dot, the median as a bar and the 10-90%
        range of the replications as a line; each axis is labelled with the outcome's
        label and unit. ValueError if a metric is not a column of ``runs``.
    """
    metrics = list(metrics or [m for m in PLOT_METRICS if m in runs])
    missing = [m for m in metrics if m not in runs]
    if missing or not metrics:
        raise ValueError(f"the runs table has no column {missing[0]!r}" if missing
                         else "no outcome to plot")
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    arms = arm_labels(ok)
    order = list(dict.fromkeys(arms))
    fig, axes = panels(len(metrics), max(4.5, 1.1 * len(order) + 2) / 1.6, 3.6)
    jitter = np.random.default_rng(0)  # fixed: the same figure every time
    for ax, metric in zip(axes, metrics, strict=False):
        for x, arm in enumerate(order):
            y = ok.loc[arms == arm, metric].astype(float).dropna().to_numpy()
            if not len(y):
                continue
            ax.scatter(x + jitter.uniform(-0.12, 0.12, len(y)), y, s=14, alpha=0.6,
                       color=f"C{x % 10}", lw=0)
            lo, med, hi = np.quantile(y, [0.1, 0.5, 0.9])
            ax.vlines(x + 0.25, lo, hi, color="black", lw=1.2)
            ax.hlines(med, x - 0.2, x + 0.3, color="black", lw=2)
        outcome = OUTCOMES.get(metric)
        ax.set_ylabel(outcome.unit if outcome is not None and outcome.unit else metric,
                      fontsize=8)
        ax.set_title(outcome.label if outcome is not None else metric, fontsize=9, wrap=True)
        ax.set_xticks(range(len(order)), order, rotation=30, ha="right", fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle((title + "\n" if title else "") + "dots: replications; bar: median; "
                 "line: 10-90% of replications", fontsize=10)
    return fig


def plot_comparison(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """A comparison's paired differences from the baseline, one panel per outcome.

    Args:
        table: the comparison table (``Comparison.table`` or ``comparison.csv``: ``metric``,
            ``arm``, ``baseline``, ``difference``, ``difference_low``, ``difference_high``,
            ``verdict``).
        title: the figure's title (None: none).

    Returns:
        A Figure: per arm, the median paired difference from its baseline with its 95%
        interval, in the outcome's unit; zero (no difference) is marked.
    """
    rows = table[table["baseline"].astype(str) != ""]
    metrics = list(dict.fromkeys(rows["metric"]))
    if not metrics:
        raise ValueError("the comparison has no arm besides its baseline")
    fig, axes = panels(len(metrics), 4.2, 0.5 * rows["arm"].nunique() + 2.2)
    for ax, metric in zip(axes, metrics, strict=False):
        t = rows[rows["metric"] == metric]
        pos = np.arange(len(t))
        diff = t["difference"].astype(float).to_numpy()
        err = [diff - t["difference_low"].astype(float).to_numpy(),
               t["difference_high"].astype(float).to_numpy() - diff]
        ax.errorbar(diff, pos, xerr=err, fmt="o", color="black", capsize=3, lw=1)
        ax.axvline(0, color="0.5", lw=0.8, ls="--")
        ax.set_yticks(pos, t["arm"], fontsize=8)
        ax.set_ylim(len(t) - 0.5, -0.5)  # the first arm on top
        outcome = OUTCOMES.get(metric)
        unit = f" ({outcome.unit})" if outcome is not None and outcome.unit else ""
        ax.set_xlabel(f"difference from {t['baseline'].iloc[0]}{unit}", fontsize=8)
        ax.set_title(outcome.label if outcome is not None else metric, fontsize=9, wrap=True)
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle((title + "\n" if title else "") + "median paired difference, bars: 95% "
                 "interval", fontsize=10)
    return fig
