"""The design points of a factorial sweep: what each point pNNNN sets (a table on the page,
a legend above the terminal's comparison)."""

from __future__ import annotations

from html import escape as e

from ..document import Report, Section


class DesignPoints(Section):
    """Each compared design point's factor values."""

    name = "design points"

    def html(self, report: Report) -> str:
        results = report.results
        points = _points(report)
        if results.sampled or not results.factor_names or len(points) < 2:
            return ""  # one point (or sampled points, pooled): nothing to tell apart
        design = results.design.get("points", [])
        head = "".join(f"<th><code>{e(f)}</code></th>" for f in results.factor_names)
        rows = "".join(
            f"<tr><td>p{p:04d}</td>" + "".join(
                f"<td>{e(str(design[p].get(f, '')))}</td>" for f in results.factor_names)
            + "</tr>" for p in points if p < len(design))
        return f"<h2>Design points</h2><table><tr><th>point</th>{head}</tr>{rows}</table>"

    def text(self, report: Report) -> list[str]:
        """'p0001: per_worker_day=6.0' for each compared point, then a blank line."""
        results = report.results
        if results.sampled or not results.factor_names:
            return []
        design = results.design.get("points", [])
        lines = [f"p{p:04d}: " + ", ".join(f"{k.split('.')[-1]}={v}"
                                           for k, v in design[p].items())
                 for p in _points(report) if p < len(design)]
        return [*lines, ""] if lines else []


def _points(report: Report) -> list[int]:
    """The design points of the compared arms, in order."""
    return sorted({a.point for a in report.arms if a.point is not None})
