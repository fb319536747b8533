"""report.html: one self-contained page (figures embedded as data URIs, no network)."""

from __future__ import annotations

import base64
import html
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd

from ...measures.outcomes import sign
from ...parameters import ParameterError
from ...scenarios import get_scenario
from .comparison import Arm, undecided
from .formatting import (
    fmt,
    fmt_difference,
    fmt_interval,
    fmt_p,
    metric_label,
    replication_sentence,
)

if TYPE_CHECKING:
    from .build import Report
    from .results import SweepResults

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

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #ddd;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;white-space:nowrap}
tr.base td{background:#f8f8f8;font-style:italic}
.better{color:#1a7f37;font-weight:600}.worse{color:#c62828;font-weight:600}
.unclear{color:#777}.unstable{color:#8a5a00;font-style:italic}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}.meta{color:#555;font-size:.9em}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em .8em}
.wide{overflow-x:auto}table.summary{font-size:.8em}table.summary th{font-weight:600}
.ci{font-weight:400;font-size:.85em;color:#666}
"""

SCRIPT = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-figures-rendered", String(ok));
});
"""


def render(results: SweepResults, report: Report, arm_list: list[Arm], alpha: float) -> str:
    """The whole page as a string."""
    e = html.escape
    failed = int((results.runs.status != "ok").sum())
    commit = results.manifest.get("git_commit") or "unknown"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>gridgov report: {e(results.name)}</title><style>{STYLE}</style></head>",
        f'<body data-figures="{len(report.figures)}" data-figures-rendered="0">',
        f"<h1>Policy comparison: {e(results.name)}</h1>",
        f"<p>{e(results.description)}</p>" if results.description else "",
        f'<p class="meta">Scenario <b>{e(results.scenario)}</b>, {results.days} simulated days '
        f"per run ({_window_words(results)}), {results.replications} replications per arm, "
        f"base seed {results.seed} "
        f"(replication r uses the same seed in every arm: common random numbers). "
        f"{len(results.runs) - failed} runs finished"
        + (f", <b>{failed} failed or not run</b> (left out)" if failed else "")
        + f". gridgov commit {e(str(commit)[:12])}; report made "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.</p>",
        "<h2>What the data say</h2>", _summary(report, arm_list, alpha),
    ]
    if report.replications:
        parts.append(f'<p class="note">{e(replication_sentence(report.replications))}</p>')
    parts += [f'<p class="note">Note: {e(n)}.</p>' for n in report.notes]
    open_cases = undecided(report.table)
    if open_cases:
        items = "".join(f"<li>{e(a)} on {e(metric_label(m))}: about {n:,.0f} replications</li>"
                        for a, m, n in open_cases[:12])
        parts.append("<p>Differences the data cannot yet tell from zero would need, if the "
                     "current estimate held, roughly these numbers of replications for the "
                     f"95% interval to exclude zero:</p><ul>{items}</ul>"
                     + ("<p>(and more in comparison.csv)</p>" if len(open_cases) > 12 else ""))
    parts.append("<h2>Figures</h2>")
    for name, path in report.figures.items():
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        caption = CAPTIONS.get(name, "")
        if name == "grid_map" and report.representative:
            caption += " Runs shown: " + "; ".join(t.replace("\n", " ")
                                             for t in report.representative) + "."
        parts.append(f'<figure id="fig-{name}"><img alt="{e(name)}" '
                     f'src="data:image/png;base64,{data}"><figcaption>{e(caption)} '
                     f"({e(path.name)})</figcaption></figure>")
    parts += [_design_points(results, arm_list),
              "<h2>Comparison, metric by metric</h2>", _comparison(report.table)]
    if not report.cost.empty:
        parts += ["<h2>Cost</h2>", _cost(report), _rates(results)]
    if not report.effects.empty:
        parts += ["<h2>Factor effects</h2>", _effects(report.effects)]
    parts += ["<h2>Method</h2>", _method(alpha), f"<script>{SCRIPT}</script></body></html>"]
    return "\n".join(p for p in parts if p)


def _window_words(results: SweepResults) -> str:
    """'a 365-day warm-up, a 365-day measured window and a 90-day follow-up'."""
    window = results.days - results.warmup_days - results.followup_days
    parts = [f"a {results.warmup_days}-day warm-up"] if results.warmup_days else []
    parts.append(f"a {window}-day measured window")
    if results.followup_days:
        parts.append(f"a {results.followup_days}-day follow-up of its issues")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _summary(report: Report, arm_list: list[Arm], alpha: float) -> str:
    """Arms x metrics: each cell the difference from the baseline, coloured by its verdict."""
    e = html.escape
    t = report.table
    if "verdict" not in t:
        return "<p>Only one arm: nothing to compare (see the figures).</p>"
    metrics = list(dict.fromkeys(t.metric))
    cells = t[t.baseline != ""].set_index(["arm", "metric"], drop=False)
    head = "".join(f"<th>{e(metric_label(m))}</th>" for m in metrics)
    rows = []
    for arm in arm_list:
        if arm.baseline is None:
            continue
        tds = []
        for m in metrics:
            r = cells.loc[(arm.label, m)]
            cls = _verdict_class(r.verdict)
            low, high = (fmt(m, v, signed=True, unit=False) for v in (r.difference_low,
                                                           r.difference_high))
            tds.append(f'<td class="num {cls}" title="{e(r.verdict)}">'
                       f"{e(fmt(m, r.difference, signed=True))}<br>"
                       f'<span class="ci">[{e(low)}, {e(high)}]</span></td>')
        desc = report_description(report, arm.policy)
        rows.append(f'<tr><td><b>{e(arm.label)}</b><br><span class="meta">{e(desc)}</span>'
                    f"</td>{''.join(tds)}</tr>")
    best = _best_lines(report)
    return ("<p>Each cell: the policy minus its baseline "
            f"({e(', '.join(sorted({a.baseline for a in arm_list if a.baseline})))}), "
            "median of paired differences with its 95% bootstrap interval. "
            '<span class="better">Green</span>: better, <span class="worse">red</span>: worse '
            f"(Holm-adjusted p below {alpha} and the interval excludes zero); "
            '<span class="unclear">grey</span>: the data cannot tell it from zero; '
            '<span class="unstable">brown</span>: the policy (or its baseline) overloads a '
            "service point (analytic offered load of 1 or more), so its time measures depend "
            "on the run length and get no verdict.</p>"
            f'<div class="wide"><table class="summary"><tr><th>policy</th>{head}</tr>'
            f"{''.join(rows)}</table></div>{best}")


def _verdict_class(verdict: str) -> str:
    if verdict.startswith("unstable") or "(unstable" in verdict:
        return "unstable"
    if verdict.startswith(("better", "cheaper")):
        return "better"
    if verdict.startswith(("worse", "dearer")):
        return "worse"
    return "unclear"


def report_description(report: Report, policy: str) -> str:
    """The experiment file's description of ``policy`` (as kept in the report)."""
    return report.descriptions.get(policy, "")


def _best_lines(report: Report) -> str:
    """One line per key outcome: which arm does best, and the cheapest way to gain."""
    e = html.escape
    t = report.table[report.table.baseline != ""]
    lines = []
    for metric in ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
                   "trust_change"):
        rows = t[(t.metric == metric) & t.verdict.str.startswith("better")]
        if rows.empty:
            continue
        best = rows.loc[(sign(metric) * rows.difference).idxmax()]
        lines.append(f"Largest gain in {e(metric_label(metric))}: <b>{e(best.arm)}</b> "
                     f"({e(fmt_difference(best))}).")
    cost = report.cost
    if not cost.empty:
        for col, what in (("per_issue_day_cut", "per unresolved issue-day cut per "
                                                 "household and year"),
                          ("per_trust_point", "per 0.01 of trust gained")):
            ok = cost[cost[col].notna()]
            if not ok.empty:
                c = ok.loc[ok[col].idxmin()]
                lines.append(f"Cheapest {e(what)}: <b>{e(c.arm)}</b>, {c[col]:,.0f} yuan/year "
                             f"({e(c[col + '_range'])}).")
        free = cost[cost.per_issue_day_cut_range == "better and not dearer"]
        for _, c in free.iterrows():
            lines.append(f"<b>{e(c.arm)}</b> cuts the unresolved issue-days at no extra cost.")
    return "<ul>" + "".join(f"<li>{x}</li>" for x in lines) + "</ul>" if lines else ""


def _comparison(table: pd.DataFrame) -> str:
    e = html.escape
    blocks = []
    for metric, rows in table.groupby("metric", sort=False):
        body = []
        for _, r in rows.iterrows():
            level = fmt_interval(metric, r["median"], r.low, r.high)
            if r.baseline == "":
                body.append(f'<tr class="base"><td>{e(r.arm)}</td><td class="num">'
                            f"{e(level)}</td><td colspan=5>baseline ({r.runs} runs)</td></tr>")
                continue
            diff = fmt_difference(r)
            cls = _verdict_class(r.verdict)
            body.append(f"<tr><td>{e(r.arm)}</td><td class=num>{e(level)}</td>"
                        f"<td class=num>{e(diff)}</td><td class=num>{fmt_p(r.p_value)}</td>"
                        f"<td class=num>{fmt_p(r.p_holm)}</td><td class=num>"
                        f"{r.effect_size:+.2f}</td><td class={cls}>{e(r.verdict)} "
                        f"({_basis(r)})</td></tr>")
        blocks.append(f"<h3>{e(metric_label(metric))}</h3><table><tr><th>arm</th>"
                      "<th>median [95% CI]</th><th>difference from baseline [95% CI]</th>"
                      "<th>p</th><th>p (Holm)</th><th>effect size r</th><th>verdict</th></tr>"
                      + "".join(body) + "</table>")
    return "".join(blocks)


def _design_points(results: SweepResults, arm_list: list[Arm]) -> str:
    """For factorial designs: what each design point pNNNN sets."""
    points = sorted({a.point for a in arm_list if a.point is not None})
    if results.sampled or not results.factor_names or len(points) < 2:
        return ""
    e = html.escape
    design = results.design.get("points", [])
    head = "".join(f"<th><code>{e(f)}</code></th>" for f in results.factor_names)
    rows = "".join(
        f"<tr><td>p{p:04d}</td>" + "".join(
            f"<td>{e(str(design[p].get(f, '')))}</td>" for f in results.factor_names)
        + "</tr>" for p in points if p < len(design))
    return (f"<h2>Design points</h2><table><tr><th>point</th>{head}</tr>{rows}</table>")


def _basis(row: pd.Series) -> str:
    """What a comparison rests on: '12 pairs', or '12 runs, unpaired'."""
    if row.test == "wilcoxon":
        return f"{int(row.pairs)} pairs"
    return f"at least {int(row.pairs)} runs each, unpaired"


def _cost(report: Report) -> str:
    e = html.escape
    cost = report.table[report.table.metric == "annual_cost_yuan"].set_index("arm")
    rows = []
    for _, r in report.cost.iterrows():
        level = cost.loc[r.arm]
        rows.append(
            f"<tr><td>{e(r.arm)}</td><td class=num>{fmt('annual_cost_yuan', level['median'])}"
            f"</td><td class=num>{fmt('annual_cost_yuan', r.extra_cost_yuan, signed=True)}</td>"
            f"<td class=num>{_yuan(r.per_issue_day_cut, r.per_issue_day_cut_range)}</td>"
            f"<td class=num>{_yuan(r.per_trust_point, r.per_trust_point_range)}</td></tr>")
    base_rows = cost[cost.baseline == ""]
    base = "".join(f'<tr class="base"><td>{e(a)}</td><td class=num>'
                   f"{fmt('annual_cost_yuan', r['median'])}</td><td colspan=3>baseline</td>"
                   "</tr>" for a, r in base_rows.iterrows())
    return ("<p>Annual cost of grid workers, case staff and each policy's own costs "
            "(parameters <code>cost.*</code>, each with unit and source in docs/model.md). "
            "Cost per issue-day is per unresolved issue-day cut per household and year (the "
            "lead measure); per trust point is per 0.01 gained in residents' mean trust. "
            "Ranges follow the outcome's 95% interval; words replace a ratio that has no "
            "meaning.</p><table><tr><th>arm</th>"
            "<th>annual cost</th><th>extra cost</th><th>yuan/year per issue-day cut</th>"
            "<th>yuan/year per trust point</th></tr>" + base + "".join(rows) + "</table>")


def _rates(results: SweepResults) -> str:
    """The cost rates of the experiment's scenario, with unit and source."""
    e = html.escape
    try:
        params = get_scenario(results.scenario).parameters({})
    except ParameterError:  # a scenario this gridgov does not know: no rates
        return ""
    rows = "".join(
        f"<tr><td><code>{e(k)}</code></td><td class=num>{params[k]:,g}</td>"
        f"<td>{e(params.specs[k].unit)}</td><td>{e(params.sources.get(k, ''))}</td></tr>"
        for k in params if k.startswith("cost."))
    return ("<p>Rates (the scenario's defaults; a policy or design point may set others). "
            "Assumptions that shape the comparison: volunteers' incentives and training are "
            "costed only under a campaign (<code>policy.mobilisation = campaign</code>); "
            "Party-led mobilisation costs only the branches' funds; door-to-door visits take "
            "grid workers' time but cost nothing extra.</p><table><tr><th>rate</th>"
            f"<th>value</th><th>unit</th><th>source</th></tr>{rows}</table>")


def _yuan(value: float, text: str) -> str:
    e = html.escape
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:,.0f} ({e(text)})"
    return f'<span class="unclear">{e(text)}</span>'


def _effects(effects: pd.DataFrame) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(r.factor)}</td><td>{e(metric_label(r.metric))}</td><td class=num>"
        f"{r.spearman:+.2f} [{r.low:+.2f}, {r.high:+.2f}]</td><td class=num>"
        f"{fmt_p(r.p_value)}</td><td class=num>{r.runs}</td></tr>"
        for _, r in effects.iterrows())
    return ("<p>Spearman's rank correlation of each varied parameter with each outcome, "
            "over all finished runs, with a 95% interval (Fisher z, Bonett-Wright variance). "
            "For variance-based indices run <code>gridgov sensitivity FILE</code>.</p>"
            "<table><tr><th>factor</th><th>outcome</th><th>rho [95% CI]</th><th>p</th>"
            f"<th>runs</th></tr>{rows}</table>")


def _method(alpha: float) -> str:
    return (
        "<ul><li>Replication r of every arm runs from the same seed, so the runs are paired "
        "(common random numbers): the difference is the median of the paired differences, "
        "with a 95% BCa bootstrap interval (4,999 resamples, fixed seed); the test is "
        "Wilcoxon's signed-rank test (two-sided); the effect size is the matched-pairs "
        "rank-biserial correlation r in [-1, 1] (positive: the policy's values are "
        "higher). Runs that do not share seeds are compared unpaired instead: difference "
        "of medians, Mann-Whitney U, Cliff's delta.</li>"
        "<li>Medians of each arm carry a 95% BCa bootstrap interval over replications.</li>"
        f"<li>Holm's step-down correction is applied over every comparison in the report; "
        f"a difference is called better or worse only if its adjusted p-value is below "
        f"{alpha} and its interval excludes zero. Otherwise the report says it cannot be "
        "told apart from the baseline: that is not evidence of no effect.</li>"
        "<li>Intervals shrink as 1/sqrt(n): halving one takes four times the replications."
        "</li><li>All tables are also written as CSV next to this page.</li></ul>")
