"""One run's figure: its open and hidden issues and residents' mean trust, day by day
(``GridGovernanceModel.plot()``, ``RunResult.plot()``), a matplotlib Figure made without
pyplot state (shown where it is returned in a notebook, saved with ``fig.savefig(path)``,
freed with its last reference). A sweep's and a comparison's figures are
:mod:`simulation.analysis.plotting`."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

ISSUE_COLOURS = {"open_issues": "#08519c", "hidden_issues": "#cb181d"}


def plot_run(timeseries: pd.DataFrame, *, title: str | None = None, warmup_days: int = 0,
             followup_days: int = 0) -> Figure:
    """One run's day-by-day state in two panels sharing the day axis.

    Args:
        timeseries: the run's daily series (``model.timeseries()``; one row per day with
            ``day``, ``open_issues``, ``hidden_issues`` (counts) and ``mean_trust``
            (0-1)).
        title: the figure's title (None: none).
        warmup_days, followup_days: days outside the measured window, shaded grey
            (0: nothing shaded).

    Returns:
        A Figure: top, the issues known and not yet resolved (open) and the issues nobody
        has reported yet (hidden), in issues; bottom, residents' mean trust in
        government (0-1).
    """
    ts = timeseries
    fig = Figure(figsize=(8, 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for column, label in (("open_issues", "open (known, unresolved)"),
                          ("hidden_issues", "hidden (not yet known)")):
        top.plot(ts["day"], ts[column], color=ISSUE_COLOURS[column], lw=1.4, label=label)
    top.set_ylabel("issues")
    top.set_ylim(bottom=0)
    top.legend(loc="best", fontsize=8, framealpha=0.8)
    top.set_title("Issues open and hidden at the end of each day", fontsize=10)
    bottom.plot(ts["day"], ts["mean_trust"], color="#238b45", lw=1.4)
    bottom.set_ylabel("mean trust (0-1)")
    bottom.set_xlabel("day of the run (days)")
    bottom.set_title("Residents' mean trust in government", fontsize=10)
    last = float(ts["day"].max()) if len(ts) else 0.0
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        if warmup_days:
            ax.axvspan(0, warmup_days, color="0.9", zorder=0)
        if followup_days:
            ax.axvspan(last - followup_days, last, color="0.9", zorder=0)
    if warmup_days or followup_days:
        bottom.annotate("grey: outside the measured window", (0.01, 0.03),
                        xycoords="axes fraction", fontsize=7, color="0.4")
    if title:
        fig.suptitle(title)
    return fig
