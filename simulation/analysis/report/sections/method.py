"""The method: how differences, intervals, tests and verdicts are computed, in words."""

from __future__ import annotations

from ..document import Report, Section
from ..page import join


class Method(Section):
    """Pairing, bootstrap intervals, tests, effect sizes and Holm's correction."""

    name = "method"

    def html(self, report: Report) -> str:
        return join(["<h2>Method</h2>", _method(report.alpha)])


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
