"""Build the policy comparison report of a sweep: load the results, compute what the
sections share, run the sections (:data:`.sections.SECTIONS`) in order, write the tables
(CSV), figures (PNG) and report.html; ``text_table`` gives the terminal's text."""

from __future__ import annotations

from pathlib import Path

from ...support.ownership import FolderError, Ownership, output_error
from ...support.storage import atomic_write_figure, atomic_write_text
from ...sweeps.folder import ResultsFolder
from ..statistics import ALPHA
from . import sections
from .comparison import (
    arms,
    check_metrics,
    comparison_table,
    cost_effectiveness,
    factor_effects,
    replication_note,
)
from .document import Report
from .errors import ReportError
from .formatting import replication_sentence
from .page import page
from .results import load_results


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
    report = Report(out, results, arm_list, metric_list, alpha, table,
                    cost=cost_effectiveness(table),  # the summary's and the cost section's
                    effects=factor_effects(results, metric_list),  # a figure's and a table's
                    replications=replication_note(table),
                    sections=sections.SECTIONS)  # looked up now: a test may add one
    for section in report.sections:
        section.compute(report)
    _write(report)
    return report


def text_table(report: Report) -> str:
    """The comparison as plain text for the terminal: the sections' lines in order, then
    what the numbers rest on and the notes (last, where a terminal's reader looks)."""
    lines = [line for section in report.sections for line in section.text(report)]
    if report.replications:
        lines.append(replication_sentence(report.replications))
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


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


def _write(report: Report) -> None:
    """Write the report's files into ``report.out``: only over files of an earlier report
    of ours (its ownership record), each atomically; report.html is removed first and
    written last (the sections' parts, rendered once the figures they embed are on disk),
    so a folder without it holds no finished report. The earlier report's files this one
    does not write again (a figure for a metric no longer compared) are deleted."""
    out = report.out
    tables = {name: frame for name, frame in report.tables.items() if not frame.empty}
    report.figures = {name: out / f"{name}.png" for name in report.drawn}
    report.html = out / "report.html"
    entries = [*tables, *(p.name for p in report.figures.values()), report.html.name]
    try:
        own = report_ownership(out)
        own.begin(entries)
        report.html.unlink(missing_ok=True)  # ours (begin checked): stale until rewritten
        for name, frame in tables.items():
            atomic_write_text(out / name, frame.to_csv(index=False))
        for name, fig in report.drawn.items():
            atomic_write_figure(report.figures[name], fig, dpi=110)
        report.drawn.clear()  # on disk now: let the figures' memory go
        atomic_write_text(report.html, page(report.results.name, len(report.figures),
                                            [s.html(report) for s in report.sections]))
        own.finish(entries)
    except OSError as exc:
        raise ReportError(str(output_error(exc.filename or out, exc))) from None
    except FolderError as exc:  # a stranger's file where the report goes
        raise ReportError(str(exc)) from None
