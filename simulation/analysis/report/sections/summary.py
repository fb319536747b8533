"""What the data say: each policy's difference from its baseline on every metric, coloured
by its verdict, and the arms that do best on the key outcomes and per yuan."""

from __future__ import annotations

from html import escape as e

import pandas as pd

from ....measures.outcomes import sign
from ..document import Report, Section
from ..formatting import fmt, fmt_difference, metric_label
from ..page import join, verdict_class

KEY_OUTCOMES = ("unresolved_issue_days_per_household", "share_resolved_within_90_days",
                "trust_change")  # the outcomes whose best arm the summary names


class Summary(Section):
    """The arms x metrics table of differences, and the best arms."""

    name = "summary"

    def html(self, report: Report) -> str:
        return join(["<h2>What the data say</h2>", differences(report)])


def differences(report: Report) -> str:
    """Arms x metrics: each cell the difference from the baseline, coloured by its verdict."""
    t = report.table
    if "verdict" not in t:
        return "<p>Only one arm: nothing to compare (see the figures).</p>"
    metrics = list(dict.fromkeys(t.metric))
    cells = t[t.baseline != ""].set_index(["arm", "metric"], drop=False)
    head = "".join(f"<th>{e(metric_label(m))}</th>" for m in metrics)
    rows = []
    for arm in report.arms:
        if arm.baseline is None:
            continue
        tds = []
        for m in metrics:
            r = cells.loc[(arm.label, m)]
            low, high = (fmt(m, v, signed=True, unit=False) for v in (r.difference_low,
                                                                       r.difference_high))
            tds.append(f'<td class="num {verdict_class(r.verdict)}" title="{e(r.verdict)}">'
                       f"{e(fmt(m, r.difference, signed=True))}<br>"
                       f'<span class="ci">[{e(low)}, {e(high)}]</span></td>')
        desc = report.results.policy_description(arm.policy)
        rows.append(f'<tr><td><b>{e(arm.label)}</b><br><span class="meta">{e(desc)}</span>'
                    f"</td>{''.join(tds)}</tr>")
    baselines = sorted({a.baseline for a in report.arms if a.baseline})
    return ("<p>Each cell: the policy minus its baseline "
            f"({e(', '.join(baselines))}), "
            "median of paired differences with its 95% bootstrap interval. "
            '<span class="better">Green</span>: better, <span class="worse">red</span>: worse '
            f"(Holm-adjusted p below {report.alpha} and the interval excludes zero); "
            '<span class="unclear">grey</span>: the data cannot tell it from zero; '
            '<span class="unstable">brown</span>: the policy (or its baseline) overloads a '
            "service point (analytic offered load of 1 or more), so its time measures depend "
            "on the run length and get no verdict.</p>"
            f'<div class="wide"><table class="summary"><tr><th>policy</th>{head}</tr>'
            f"{''.join(rows)}</table></div>{best_lines(report.table, report.cost)}")


def best_lines(table: pd.DataFrame, cost: pd.DataFrame) -> str:
    """One line per key outcome: which arm does best, and the cheapest way to gain (a list,
    or '' if no arm is better on any)."""
    t = table[table.baseline != ""]
    lines = []
    for metric in KEY_OUTCOMES:
        rows = t[(t.metric == metric) & t.verdict.str.startswith("better")]
        if rows.empty:
            continue
        best = rows.loc[(sign(metric) * rows.difference).idxmax()]
        lines.append(f"Largest gain in {e(metric_label(metric))}: <b>{e(best.arm)}</b> "
                     f"({e(fmt_difference(best))}).")
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
