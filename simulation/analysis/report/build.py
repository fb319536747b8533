"""Build the policy comparison report of a sweep: tables (CSV), figures (PNG), report.html."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ...support.storage import atomic_write_figure, atomic_write_text
from ...sweeps.folder import FolderError, Ownership, ResultsFolder, output_error
from . import ALPHA, figures
from .comparison import (
    Arm,
    arm_runs,
    arms,
    check_metrics,
    comparison_table,
    cost_effectiveness,
    factor_effects,
    replication_note,
)
from .errors import ReportError
from .formatting import fmt_difference, fmt_interval, fmt_p, metric_label, replication_sentence
from .html import render
from .results import SweepResults, load_results

SMALL_N = 8  # below this many pairs, bootstrap intervals under-cover noticeably


@dataclass
class Report:
    """What ``build_report`` made."""

    out: Path
    table: pd.DataFrame
    cost: pd.DataFrame
    effects: pd.DataFrame
    replications: dict[str, object]
    figures: dict[str, Path] = field(default_factory=dict)
    html: Path | None = None
    representative: list[str] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)  # policy -> description
    notes: list[str] = field(default_factory=list)  # warnings for the reader
    points: dict[str, str] = field(default_factory=dict)  # pNNNN -> its factor values


def build_report(folder: str | Path, out: str | Path | None = None, baseline: str | None = None,
                 metrics: list[str] | None = None, alpha: float = ALPHA) -> Report:
    """Compare the arms of the sweep in ``folder``; write the report to ``out``
    (default: FOLDER/report). ReportError for an unusable folder, baseline or metric."""
    results = load_results(folder)
    metric_list = check_metrics(results, metrics)
    arm_list = arms(results, baseline)  # bad names fail here, before anything is written
    out = Path(out) if out is not None else ResultsFolder(results.folder).report
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out} is a file, not a folder; choose another --out")
    table = comparison_table(results, metric_list, baseline, alpha)
    report = Report(out, table, cost_effectiveness(table), factor_effects(results, metric_list),
                    replication_note(table),
                    descriptions={p: results.policy_description(p) for p in results.policy_names})
    if not results.sampled and results.factor_names:
        design = results.design.get("points", [])
        for p in sorted({a.point for a in arm_list if a.point is not None}):
            if p < len(design):
                report.points[f"p{p:04d}"] = ", ".join(
                    f"{k.split('.')[-1]}={v}" for k, v in design[p].items())
    finished = set(results.ok.policy)
    report.notes += [f"policy {p!r} has no finished run: left out" for p in
                     results.policy_names if p not in finished]
    if report.replications and int(report.replications["pairs_min"]) < SMALL_N:
        report.notes.append(f"some comparisons rest on fewer than {SMALL_N} replications: "
                            "bootstrap intervals are then too narrow (about 85% coverage "
                            "at n = 4); add replications before relying on them")
    tables = {f"{name}.csv": frame for name, frame in
              (("comparison", table), ("cost_effectiveness", report.cost),
               ("factor_effects", report.effects)) if not frame.empty}
    drawn = _draw(results, table, arm_list, metric_list, report)
    _write(report, tables, drawn, lambda: render(results, report, arm_list, alpha))
    return report


# Everything gridgov compare may write into its folder (an older report's files are these).
REPORT_FILES = ("comparison.csv", "cost_effectiveness.csv", "factor_effects.csv",
                "resolution_times.png", "trust_over_time.png", "volunteer_stages.png",
                "cost_frontier.png", "grid_map.png", "factor_effects.png", "report.html")


def report_ownership(out: Path) -> Ownership:
    """``gridgov compare``'s ownership record in ``out`` (a report folder written before
    records existed, with its report.html and a comparison.csv of gridgov's columns, is
    adopted)."""
    return Ownership.open(out, "compare", adopt=REPORT_FILES, legacy=_older_report)


def _older_report(root: Path) -> bool:
    """True if ``root`` holds a report an older gridgov compare wrote."""
    try:
        with (root / "comparison.csv").open(encoding="utf-8") as f:
            head = f.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return (root / "report.html").is_file() and head.startswith("arm,policy,point,baseline,")


def _draw(results: SweepResults, table: pd.DataFrame, arm_list: list[Arm],
          metric_list: list[str], report: Report) -> dict[str, Figure]:
    """The report's figures, by name (those that apply to this sweep)."""
    makers: dict[str, Callable[[], Figure | None]] = {
        "resolution_times": lambda: figures.resolution_ecdf(results, arm_list),
        "trust_over_time": lambda: figures.trust_over_time(results, arm_list),
        "volunteer_stages": lambda: figures.volunteer_stages(results, arm_list),
        "cost_frontier": lambda: (figures.cost_frontier(table, arm_list)
                                  if "annual_cost_yuan" in metric_list and len(arm_list) > 1
                                  else None),
        "grid_map": lambda: _grid_map(results, table, arm_list, report),
        "factor_effects": lambda: (figures.factor_effects(report.effects)
                                   if not report.effects.empty else None),
    }
    drawn = {}
    for name, make in makers.items():
        try:
            fig = make()
        except (KeyError, AttributeError) as exc:  # results of an older gridgov, say
            report.notes.append(f"figure {name} not drawn: the results lack {exc}")
            continue
        if fig is not None:
            drawn[name] = fig
    return drawn


def _write(report: Report, tables: dict[str, pd.DataFrame], drawn: dict[str, Figure],
           html: Callable[[], str]) -> None:
    """Write the report's files into ``report.out``: only over files of an earlier report
    of ours (its ownership record), each atomically; report.html is removed first and
    written last, so a folder without it holds no finished report. The earlier report's
    files this one does not write again (a figure for a metric no longer compared) are
    deleted."""
    out = report.out
    report.figures = {name: out / f"{name}.png" for name in drawn}
    report.html = out / "report.html"
    entries = [*tables, *(p.name for p in report.figures.values()), report.html.name]
    try:
        own = report_ownership(out)
        own.begin(entries)
        report.html.unlink(missing_ok=True)  # ours (begin checked): stale until rewritten
        for name, frame in tables.items():
            atomic_write_text(out / name, frame.to_csv(index=False))
        for name, fig in drawn.items():
            atomic_write_figure(report.figures[name], fig, dpi=110)
        atomic_write_text(report.html, html())
        own.finish(entries)
    except OSError as exc:
        raise ReportError(str(output_error(exc.filename or out, exc))) from None
    except FolderError as exc:  # a stranger's file where the report goes
        raise ReportError(str(exc)) from None


def _grid_map(results: SweepResults, table: pd.DataFrame, arm_list: list[Arm],
              report: Report) -> Figure | None:
    panels = representative_panels(results, table, arm_list)
    if not panels:
        return None
    report.representative = [title for title, _ in panels]
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


def text_table(report: Report) -> str:
    """The comparison as plain text, one block per metric (for the terminal)."""
    t = report.table
    lines = [f"{label}: {what}" for label, what in report.points.items()]
    if lines:
        lines.append("")
    for metric, rows in t.groupby("metric", sort=False):
        lines.append(f"{metric_label(metric)}")
        for _, r in rows.iterrows():
            level = fmt_interval(metric, r["median"], r.low, r.high)
            if r.baseline == "":
                lines.append(f"  {r.arm:<24} {level:<34} baseline ({r.runs} runs)")
                continue
            diff = fmt_difference(r)
            lines.append(f"  {r.arm:<24} {level:<34} {diff:<36} p(Holm) "
                         f"{fmt_p(r.p_holm):<7} r={r.effect_size:+.2f}  {r.verdict}")
        lines.append("")
    note = report.replications
    if note:
        lines.append(replication_sentence(note))
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)
