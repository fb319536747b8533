"""The report's figures, each a matplotlib Figure built from a sweep's results.

Every axis names its quantity and unit; bands and error bars say what they span.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ...measures.outcomes import sign
from .comparison import Arm, arm_runs
from .formatting import metric_label
from .results import SweepResults


def subplots(*grid: int, figsize: tuple[float, float], layout: str | None = None,
             **kwargs) -> tuple[Figure, object]:
    """``pyplot.subplots`` without pyplot: a Figure that no backend or notebook holds (so
    building a report never switches a user's matplotlib backend) and its axes."""
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(*grid, **kwargs)


LIMIT_WORKING_DAYS = 5.0  # Shandong's hotline rule: resolve within 5 working days
STAGES = ("inactive", "watching", "following", "self_driven")
STAGE_COLOURS = ("#d9d9d9", "#9ecae1", "#4292c6", "#08519c")


def panels(n: int, width: float, height: float) -> tuple[Figure, np.ndarray]:
    """A Figure of ``n`` panels, three to a row, each ``width`` x ``height`` inches, and
    its first ``n`` axes (the rest of the last row hidden)."""
    ncols, nrows = min(n, 3), (n + 2) // 3
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def colours(arm_list: list[Arm]) -> dict[str, str]:
    """A fixed colour per arm: baselines black, the others from a qualitative map (tab10,
    or tab20 beyond ten arms; colours repeat only beyond twenty)."""
    others = sum(a.baseline is not None for a in arm_list)
    name, n = ("tab10", 10) if others <= 10 else ("tab20", 20)
    cmap = matplotlib.colormaps[name]
    out, k = {}, 0
    for a in arm_list:
        if a.baseline is None:
            out[a.label] = "black"
        else:
            out[a.label] = matplotlib.colors.to_hex(cmap(k % n))
            k += 1
    return out


def resolution_ecdf(results: SweepResults, arm_list: list[Arm]) -> Figure:
    """Share of every issue arising in the window resolved within x working days of
    arising, per arm: each run's Kaplan-Meier curve (unresolved issues censored, hidden and
    abandoned ones included), the mean over runs."""
    fig, ax = subplots(figsize=(8, 5), layout="constrained")
    q = results.resolution
    if q.empty or "share_resolved" not in q:
        ax.text(0.5, 0.5, "no resolution curves recorded", ha="center",
                transform=ax.transAxes)
        return fig
    col = colours(arm_list)
    by_run = {rid: g.sort_values("working_days") for rid, g in q.groupby("run_id", sort=False)}
    for arm in arm_list:
        curves = [by_run[rid] for rid in arm_runs(results, arm).run_id if rid in by_run]
        if not curves:
            continue
        x = curves[0].working_days.to_numpy(float)
        y = np.mean([c.share_resolved.to_numpy(float) for c in curves], axis=0)
        ax.step(x, y, where="post", color=col[arm.label],
                lw=2.2 if arm.baseline is None else 1.5,
                label=f"{arm.label} ({len(curves)} runs)")
    ax.axvline(LIMIT_WORKING_DAYS, color="firebrick", ls="--", lw=1)
    ax.text(LIMIT_WORKING_DAYS * 1.05, 0.02, "5-working-day limit", color="firebrick",
            rotation=90, va="bottom")
    ax.set_xlim(0, float(q.working_days.max()))
    ax.set_ylim(0, 1)
    ax.set_xlabel("working days from arising")
    ax.set_ylabel("share of issues resolved by then")
    ax.set_title("How fast every issue is resolved, hidden ones included (Kaplan-Meier, "
                 "mean over replications)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def _daily(results: SweepResults, arm: Arm, column: str,
           per_resident: bool = False) -> pd.DataFrame:
    """Per day: the median and 10th / 90th percentiles over the arm's runs of ``column``."""
    runs = arm_runs(results, arm)
    ts = results.timeseries
    ts = ts[ts.run_id.isin(set(runs.run_id))]
    values = ts[column].astype(float)
    if per_resident:
        values = values / ts.run_id.map(dict(zip(runs.run_id, runs.residents, strict=True)))
    g = values.groupby(ts.day)
    return pd.DataFrame({"median": g.median(), "p10": g.quantile(0.1),
                         "p90": g.quantile(0.9), "runs": g.size()})


def trust_over_time(results: SweepResults, arm_list: list[Arm]) -> Figure:
    """Mean trust of residents per day: median over replications with a 10-90% band."""
    fig, ax = subplots(figsize=(8, 5), layout="constrained")
    col = colours(arm_list)
    for arm in arm_list:
        d = _daily(results, arm, "mean_trust")
        if d.empty:
            continue
        ax.fill_between(d.index, d.p10, d.p90, color=col[arm.label], alpha=0.12, lw=0)
        ax.plot(d.index, d["median"], color=col[arm.label],
                lw=2.2 if arm.baseline is None else 1.5, label=arm.label)
    ax.set_xlabel("day of the simulation")
    ax.set_ylabel("mean trust of residents (0-1)")
    ax.set_title("Trust over time: median over replications, band = 10th-90th percentile")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncols=2)
    return fig


def volunteer_stages(results: SweepResults, arm_list: list[Arm]) -> Figure:
    """Registered volunteers by mobilisation stage per day (share of residents, median
    over replications), one panel per arm."""
    n = len(arm_list)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = subplots(rows, cols, figsize=(3.2 * cols + 0.8, 2.6 * rows + 0.9),
                             sharex=True, sharey=True, layout="constrained", squeeze=False)
    for ax, arm in zip(axes.flat, arm_list, strict=False):
        parts = [_daily(results, arm, s, per_resident=True)["median"] * 100 for s in STAGES]
        if parts[0].empty:
            continue
        ax.stackplot(parts[0].index, *parts, colors=STAGE_COLOURS,
                     labels=[s.replace("_", "-") for s in STAGES])
        ax.set_title(arm.label, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("% of residents")
    for ax in axes[-1, :]:
        ax.set_xlabel("day")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right upper", fontsize=8,
               title="stage")
    fig.suptitle("Registered volunteers by stage (median over replications)")
    return fig


def cost_frontier(table: pd.DataFrame, arm_list: list[Arm],
                  outcomes: tuple[str, ...] = ("unresolved_issue_days_per_household",
                                               "trust_change")) -> Figure:
    """Each arm's outcome (median, 95% bootstrap interval) against its annual cost, with
    the cost-effectiveness frontier: the arms no other arm beats on both cost and outcome."""
    outcomes = tuple(m for m in outcomes if m in set(table.metric))
    fig, axes = subplots(1, len(outcomes), figsize=(6.5 * len(outcomes), 5),
                             layout="constrained", squeeze=False)
    col = colours(arm_list)
    costs = table[table.metric == "annual_cost_yuan"].set_index("arm")[
        ["median", "low", "high"]] / 1e6
    for ax, m in zip(axes.flat, outcomes, strict=True):
        t = table[table.metric == m].set_index("arm")
        c = costs.reindex(t.index)
        x = c["median"]
        for arm in t.index:
            ax.errorbar(x[arm], t.loc[arm, "median"],
                        xerr=[[x[arm] - c.loc[arm, "low"]], [c.loc[arm, "high"] - x[arm]]],
                        yerr=[[t.loc[arm, "median"] - t.loc[arm, "low"]],
                              [t.loc[arm, "high"] - t.loc[arm, "median"]]],
                        fmt="o", color=col.get(arm, "grey"), capsize=3, ms=6)
            ax.annotate(arm, (x[arm], t.loc[arm, "median"]), textcoords="offset points",
                        xytext=(6, 4), fontsize=8)
        front = _frontier(x.to_numpy(), t["median"].to_numpy(), sign(m))
        ax.plot(x.to_numpy()[front], t["median"].to_numpy()[front], color="grey", ls=":",
                lw=1.2, drawstyle="steps-post", label="frontier (not beaten on both)")
        ax.set_xlabel("annual cost (million yuan/year)")
        ax.set_ylabel(metric_label(m))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Outcome against cost: median over replications, bars = 95% bootstrap "
                 "interval")
    return fig


def _frontier(cost: np.ndarray, outcome: np.ndarray, better: int) -> np.ndarray:
    """Indices, by increasing cost, of the points that no other point dominates."""
    sign = better or -1
    order = np.lexsort((-sign * outcome, cost))
    keep, best = [], -np.inf
    for i in order:
        if np.isfinite(outcome[i]) and sign * outcome[i] > best:
            keep.append(i)
            best = sign * outcome[i]
    return np.array(keep, dtype=int)


def schematic_layout(community: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) cell of each grid on a schematic map: communities as square blocks on a
    near-square lattice (in id order, so a street's communities sit together), each
    community's grids filling its block row by row. Not geography: the world has none."""
    community = np.asarray(community)
    ids, counts = np.unique(community, return_counts=True)
    side = math.ceil(math.sqrt(counts.max())) if len(counts) else 1
    per_row = math.ceil(math.sqrt(len(ids))) if len(ids) else 1
    x = np.zeros(len(community))
    y = np.zeros(len(community))
    block = {c: k for k, c in enumerate(ids)}
    seen: dict[int, int] = {}
    for g, c in enumerate(community):
        k, j = block[c], seen.get(c, 0)
        seen[c] = j + 1
        bx, by = k % per_row, k // per_row
        x[g] = bx * (side + 1) + j % side
        y[g] = -(by * (side + 1) + j // side)
    return x, y


def grid_maps(panels: list[tuple[str, pd.DataFrame]]) -> Figure:
    """Schematic maps of grids coloured by mean trust and by backlog at the end, one row
    per (title, grid table) panel; colour scales are shared down each column."""
    x0, y0 = schematic_layout(panels[0][1].community.to_numpy())
    aspect = (y0.max() - y0.min() + 2) / (x0.max() - x0.min() + 2)
    fig, axes = subplots(len(panels), 2, figsize=(10, 5 * aspect * len(panels) + 1.6),
                             layout="constrained", squeeze=False)
    columns = (("mean_trust", "residents' mean trust at the end (0-1; grey: no residents)",
                "viridis"),
               ("backlog", "open issues at the end (issues)", "magma_r"))
    for j, (col, label, cmap_name) in enumerate(columns):
        values = np.concatenate([g[col].to_numpy(float) for _, g in panels])
        vmin, vmax = np.nanmin(values), np.nanmax(values)
        if vmin == vmax:
            vmax = vmin + 1e-9
        cmap = matplotlib.colormaps.get_cmap(cmap_name).with_extremes(bad="#cccccc")
        for i, (title, grids) in enumerate(panels):
            ax = axes[i, j]
            x, y = schematic_layout(grids.community.to_numpy())
            cells = [Rectangle((a - 0.45, b - 0.45), 0.9, 0.9) for a, b in zip(x, y, strict=True)]
            coll = PatchCollection(cells, cmap=cmap, edgecolor=np.where(
                grids.dedicated.to_numpy(bool), "red", "none"), linewidth=1.2)
            coll.set_array(np.ma.masked_invalid(grids[col].to_numpy(float)))
            coll.set_clim(vmin, vmax)
            ax.add_collection(coll)
            ax.set_xlim(x.min() - 1, x.max() + 1)
            ax.set_ylim(y.min() - 1, y.max() + 1)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(title, fontsize=9)
        fig.colorbar(coll, ax=axes[:, j], label=label, location="bottom", shrink=0.9)
    fig.suptitle("Grids at the end of a representative run (schematic: one square per grid, "
                 "blocks = communities, red edge = dedicated grid)", fontsize=10)
    return fig


def factor_effects(effects: pd.DataFrame) -> Figure:
    """Spearman's rank correlation of each factor with each metric; * marks an interval
    that excludes zero."""
    factors = list(dict.fromkeys(effects.factor))
    metrics = list(dict.fromkeys(effects.metric))
    rho = effects.pivot(index="factor", columns="metric", values="spearman").reindex(
        index=factors, columns=metrics)
    sure = effects.assign(sure=(effects.low > 0) | (effects.high < 0)).pivot(
        index="factor", columns="metric", values="sure").reindex(index=factors, columns=metrics)
    fig, ax = subplots(figsize=(1.3 * len(metrics) + 4, 0.45 * len(factors) + 2.5),
                           layout="constrained")
    im = ax.imshow(rho.to_numpy(float), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for i in range(len(factors)):
        for j in range(len(metrics)):
            v = rho.iat[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:+.2f}{'*' if sure.iat[i, j] else ''}", ha="center",
                        va="center", fontsize=8, color="white" if abs(v) > 0.6 else "black")
    ax.set_xticks(range(len(metrics)), [metric_label(m) for m in metrics], rotation=30,
                  ha="right", fontsize=8)
    ax.set_yticks(range(len(factors)), factors, fontsize=8)
    fig.colorbar(im, ax=ax, label="Spearman's rho")
    ax.set_title("Each factor's effect on the outcomes (* = 95% interval excludes 0)")
    return fig
