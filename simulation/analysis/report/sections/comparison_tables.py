"""The comparison metric by metric: each arm's median with its interval and, for compared
arms, the difference from the baseline, p-values, effect size and verdict (comparison.csv,
a table per metric on the page, a block per metric in the terminal)."""

from __future__ import annotations

from html import escape as e

import pandas as pd

from ..document import Report, Section
from ..formatting import fmt_difference, fmt_interval, fmt_p, metric_label
from ..page import join, verdict_class


class ComparisonTables(Section):
    """One table per metric, every arm against its baseline."""

    name = "comparison"

    def compute(self, report: Report) -> None:
        report.tables["comparison.csv"] = report.table

    def html(self, report: Report) -> str:
        return join(["<h2>Comparison, metric by metric</h2>", _tables(report.table)])

    def text(self, report: Report) -> list[str]:
        lines = []
        for metric, rows in report.table.groupby("metric", sort=False):
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
        return lines


def _tables(table: pd.DataFrame) -> str:
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
            cls = verdict_class(r.verdict)
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


def _basis(row: pd.Series) -> str:
    """What a comparison rests on: '12 pairs', or '12 runs, unpaired'."""
    if row.test == "wilcoxon":
        return f"{int(row.pairs)} pairs"
    return f"at least {int(row.pairs)} runs each, unpaired"
