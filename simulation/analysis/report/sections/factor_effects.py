"""Factor effects: Spearman's rank correlation of each varied parameter with each outcome,
over all finished runs (factor_effects.csv; its figure is in the gallery)."""

from __future__ import annotations

from html import escape as e

import pandas as pd

from ..document import Report, Section
from ..formatting import fmt_p, metric_label
from ..page import join


class FactorEffects(Section):
    """Each factor's monotone effect on each outcome (if the sweep varies any)."""

    name = "factor effects"

    def compute(self, report: Report) -> None:
        report.tables["factor_effects.csv"] = report.effects

    def html(self, report: Report) -> str:
        if report.effects.empty:
            return ""
        return join(["<h2>Factor effects</h2>", _effects(report.effects)])


def _effects(effects: pd.DataFrame) -> str:
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
