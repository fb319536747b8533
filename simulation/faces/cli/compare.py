"""``gridgov compare RESULTS_DIR``: the policy comparison report of a sweep's results."""

from __future__ import annotations

import argparse
from pathlib import Path

from ...support.errors import UsageError
from ..api import compare as compare_sweep
from .options import metric_names


def run_compare(args: argparse.Namespace) -> int:
    """``gridgov compare``."""
    return compare(args.folder, args.out, args.baseline, args.metrics, args.alpha)


def compare(folder: str, out: str | None, baseline: str | None, metrics: str | None,
            alpha: float) -> int:
    """Build the report of ``folder`` into ``out`` (FOLDER/report) and print its table
    (:func:`simulation.faces.api.compare`, what Python calls)."""
    if out is not None and not out.strip():
        raise UsageError("--out needs a folder name")
    names = metric_names(metrics)
    if out and Path(out).exists() and not Path(out).is_dir():
        raise UsageError(f"--out {out!r} is a file, not a folder")
    comparison = compare_sweep(folder, baseline=baseline, metrics=names, out=out or None,
                               alpha=alpha)
    print(comparison.text)
    print(f"wrote {comparison.report} and {len(comparison.figures)} figures "
          f"({', '.join(p.name for p in comparison.figures.values())}) and the tables as CSV")
    return 0

