"""The figures: how fast issues are resolved, trust over time, volunteers by stage, outcome
against cost, a representative run's grids and the factor effects, each with a caption
that says what it shows and what its bands span. The page shows every figure the report
drew, in the order drawn."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure

from .. import figures
from ..comparison import Arm, arm_runs
from ..document import Report, Section
from ..page import embedded_figure, join
from ..results import SweepResults

CAPTIONS = {
    "resolution_times": "Share of every issue that arose in the measurement window resolved "
                        "within a given number of working days of arising: the Kaplan-Meier "
                        "estimate, with issues still hidden, open or abandoned at the end "
                        "counted as unresolved (censored), mean over replications. The "
                        "dashed line is Shandong's 5-working-day limit.",
    "trust_over_time": "Mean trust of all residents per day: the line is the median over "
                       "replications, the band spans the 10th to 90th percentile.",
    "volunteer_stages": "Registered volunteers by mobilisation stage (inactive, watching, "
                        "following, self-driven) as a share of all residents, median over "
                        "replications of each stage.",
    "cost_frontier": "Each policy's outcome against its annual cost (medians; bars are 95% "
                     "bootstrap intervals over replications). The dotted line links the "
                     "policies that no other policy beats on both cost and outcome.",
    "grid_map": "Every grid of a representative baseline run (the replication with the "
                "median unresolved issue-days) and, below it, the same seed under the policy "
                "that cuts them most, coloured by residents' mean trust "
                "and by open issues at the end. The layout is schematic (the simulated city "
                "has no geography): each block is a community; dedicated grids (red edge) "
                "have no residents.",
    "factor_effects": "Spearman's rank correlation between each varied parameter and each "
                      "outcome over all runs; * marks a 95% interval that excludes zero.",
}


class Gallery(Section):
    """Draws the report's figures (those that apply to this sweep) and shows every figure
    of the report."""

    name = "figures"

    def compute(self, report: Report) -> None:
        makers: dict[str, Callable[[], Figure | None]] = {
            "resolution_times": lambda: figures.resolution_ecdf(report.results, report.arms),
            "trust_over_time": lambda: figures.trust_over_time(report.results, report.arms),
            "volunteer_stages": lambda: figures.volunteer_stages(report.results, report.arms),
            "cost_frontier": lambda: (figures.cost_frontier(report.table, report.arms)
                                      if "annual_cost_yuan" in report.metrics
                                      and len(report.arms) > 1 else None),
            "grid_map": lambda: _grid_map(report),
            "factor_effects": lambda: (figures.factor_effects(report.effects)
                                       if not report.effects.empty else None),
        }
        for name, make in makers.items():
            try:
                fig = make()
            except (KeyError, AttributeError) as exc:  # results of an older gridgov, say
                report.notes.append(f"figure {name} not drawn: the results lack {exc}")
                continue
            if fig is not None:
                report.drawn[name] = fig
                report.captions.setdefault(name, CAPTIONS[name])  # the grid map's has its runs

    def html(self, report: Report) -> str:
        return join(["<h2>Figures</h2>", *(
            embedded_figure(name, path, report.captions.get(name, ""))
            for name, path in report.figures.items())])


def _grid_map(report: Report) -> Figure | None:
    """The grids of the representative runs; their names go into the caption."""
    panels = representative_panels(report.results, report.table, report.arms)
    if not panels:
        return None
    report.captions["grid_map"] = (CAPTIONS["grid_map"] + " Runs shown: " + "; ".join(
        title.replace("\n", " ") for title, _ in panels) + ".")
    return figures.grid_maps(panels)


def representative_panels(results: SweepResults, table: pd.DataFrame,
                          arm_list: list[Arm]) -> list[tuple[str, pd.DataFrame]]:
    """Grid tables for the map: the baseline's run with the median unresolved issue-days,
    and the same replication under the arm that cuts them the most (if any)."""
    base = next((a for a in arm_list if a.baseline is None), None)
    metric = "unresolved_issue_days_per_household"
    if base is None or metric not in results.ok:
        return []
    runs = arm_runs(results, base).reset_index()
    runs = runs[runs[metric].notna()]
    if runs.empty:
        return []
    median = runs[metric].median()
    rep = runs.loc[(runs[metric] - median).abs().sort_values(kind="stable").index[0]]
    out = []
    grids = results.grids(rep.run_id)
    if grids is not None:
        out.append((f"{base.label}\n{rep.run_id}\n(median unresolved issue-days)", grids))
    better = table[(table.metric == metric) & (table.baseline == base.label)
                   & table.get("verdict", pd.Series("", index=table.index)).str.startswith(
                       "better")] if "verdict" in table else table.iloc[0:0]
    if not better.empty:
        best = better.sort_values("difference").iloc[0]
        arm = next(a for a in arm_list if a.label == best.arm)
        twin = arm_runs(results, arm).reset_index()
        key = ["point", "replication"] if arm.point is None else ["replication"]
        match = twin
        for k in key:
            match = match[match[k] == rep[k]]
        if not match.empty and (g := results.grids(match.run_id.iloc[0])) is not None:
            out.append((f"{arm.label}\n{match.run_id.iloc[0]}\n(same seed)", g))
    return out
