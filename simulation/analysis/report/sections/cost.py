"""Cost: each arm's annual cost, its extra cost over the baseline and the yuan a year per
unit of gain (cost_effectiveness.csv), with the scenario's cost rates and their sources."""

from __future__ import annotations

import math
from html import escape as e

from ....parameters import ParameterError
from ....scenarios import get_scenario
from ..document import Report, Section
from ..formatting import fmt
from ..page import join
from ..results import SweepResults


class Cost(Section):
    """Cost-effectiveness per arm, and the rates it rests on (if cost is compared)."""

    name = "cost"

    def compute(self, report: Report) -> None:
        report.tables["cost_effectiveness.csv"] = report.cost

    def html(self, report: Report) -> str:
        if report.cost.empty:
            return ""
        return join(["<h2>Cost</h2>", _cost(report), _rates(report.results)])


def _cost(report: Report) -> str:
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
    """A ratio in yuan with its range, or the words that replace it."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:,.0f} ({e(text)})"
    return f'<span class="unclear">{e(text)}</span>'
