"""How sure we are: what the comparisons rest on, the reader's notes (policies left out, too
few replications, figures not drawn), and the replications that would decide the
differences the data cannot yet tell from zero."""

from __future__ import annotations

from html import escape as e

from ..comparison import undecided
from ..document import Report, Section
from ..formatting import metric_label, replication_sentence
from ..page import join

SMALL_N = 8  # below this many pairs, bootstrap intervals under-cover noticeably
LISTED = 12  # undecided differences named on the page (comparison.csv has them all)


class Caveats(Section):
    """The replication statement, the notes and the replications still needed."""

    name = "caveats"

    def compute(self, report: Report) -> None:
        results = report.results
        finished = set(results.ok.policy)
        report.notes += [f"policy {p!r} has no finished run: left out" for p in
                         results.policy_names if p not in finished]
        if report.replications and int(report.replications["pairs_min"]) < SMALL_N:
            report.notes.append(f"some comparisons rest on fewer than {SMALL_N} replications: "
                                "bootstrap intervals are then too narrow (about 85% coverage "
                                "at n = 4); add replications before relying on them")

    def html(self, report: Report) -> str:
        parts = []
        if report.replications:
            parts.append(f'<p class="note">{e(replication_sentence(report.replications))}</p>')
        parts += [f'<p class="note">Note: {e(n)}.</p>' for n in report.notes]
        open_cases = undecided(report.table)
        if open_cases:
            items = "".join(f"<li>{e(a)} on {e(metric_label(m))}: about {n:,.0f} "
                            "replications</li>" for a, m, n in open_cases[:LISTED])
            parts.append("<p>Differences the data cannot yet tell from zero would need, if "
                         "the current estimate held, roughly these numbers of replications "
                         f"for the 95% interval to exclude zero:</p><ul>{items}</ul>"
                         + ("<p>(and more in comparison.csv)</p>"
                            if len(open_cases) > LISTED else ""))
        return join(parts)
