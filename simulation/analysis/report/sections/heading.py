"""The page's heading: the experiment's name and description, and how it was run (scenario,
days, window, replications, seeds, runs finished, gridgov's commit)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape as e

from ..document import Report, Section
from ..page import join
from ..results import SweepResults


class Heading(Section):
    """Title, description and the run's set-up."""

    name = "heading"

    def html(self, report: Report) -> str:
        results = report.results
        failed = int((results.runs.status != "ok").sum())
        commit = results.manifest.get("git_commit") or "unknown"
        return join([
            f"<h1>Policy comparison: {e(results.name)}</h1>",
            f"<p>{e(results.description)}</p>" if results.description else "",
            f'<p class="meta">Scenario <b>{e(results.scenario)}</b>, {results.days} simulated '
            f"days per run ({window_words(results)}), {results.replications} replications "
            f"per arm, base seed {results.seed} "
            f"(replication r uses the same seed in every arm: common random numbers). "
            f"{len(results.runs) - failed} runs finished"
            + (f", <b>{failed} failed or not run</b> (left out)" if failed else "")
            + f". gridgov commit {e(str(commit)[:12])}; report made "
            f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.</p>"])


def window_words(results: SweepResults) -> str:
    """'a 365-day warm-up, a 365-day measured window and a 90-day follow-up'."""
    window = results.days - results.warmup_days - results.followup_days
    parts = [f"a {results.warmup_days}-day warm-up"] if results.warmup_days else []
    parts.append(f"a {window}-day measured window")
    if results.followup_days:
        parts.append(f"a {results.followup_days}-day follow-up of its issues")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
