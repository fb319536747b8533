"""``gridgov compare RESULTS_DIR``: the policy comparison report of a sweep's results."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UsageError
from ..report.build import build_report, text_table
from .options import metric_names


def run_compare(args: argparse.Namespace) -> int:
    """``gridgov compare``."""
    return compare(args.folder, args.out, args.baseline, args.metrics, args.alpha)


def compare(folder: str, out: str | None, baseline: str | None, metrics: str | None,
            alpha: float) -> int:
    """Build the report of ``folder`` into ``out`` (FOLDER/report) and print its table."""
    if out is not None and not out.strip():
        raise UsageError("--out needs a folder name")
    names = metric_names(metrics)
    if out and Path(out).exists() and not Path(out).is_dir():
        raise UsageError(f"--out {out!r} is a file, not a folder")
    report = build_report(folder, out or None, baseline=baseline, metrics=names, alpha=alpha)
    print(text_table(report))
    print(f"wrote {report.html} and {len(report.figures)} figures "
          f"({', '.join(p.name for p in report.figures.values())}) and the tables as CSV")
    return 0

