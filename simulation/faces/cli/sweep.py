"""``gridgov sweep FILE``: an experiment's runs, in parallel and resumable, then the
comparison report; and what every sweeping command shares (folder, progress, failures)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ...analysis.report.errors import ReportError
from ...analysis.statistics import ALPHA
from ...running.progress import make_progress
from ...support.errors import UsageError
from ...sweeps.engine import run_sweep, summary_table
from ...sweeps.experiment import Experiment, load_experiment
from ...sweeps.folder import ResultsFolder
from ...sweeps.plan import (
    failure_notice,
    missing_series_notice,
    overloaded_notice,
    plan_sweep,
)
from .compare import compare
from .options import wide_pandas


def sweep(args: argparse.Namespace) -> int:
    """Run the sweep; print the report's table (or the runs' summary); exit 1 on failures."""
    experiment = load_experiment(args.file)
    out = sweep_folder(args, experiment.name)
    table = execute(experiment, out, args, keep_cases=args.keep_cases)
    failed = table[table.status != "ok"]
    folder = ResultsFolder(out)
    written = [p.name for p in folder.summary_files if p.exists()]
    if len(failed) == len(table):  # nothing to tabulate: say so, not an empty table
        print(f"no run finished; wrote {out}/" + ", ".join(written))
    elif args.no_report:
        with wide_pandas():
            print(summary_table(table).to_string())
        print(f"wrote {out}/" + ", ".join(written))
    else:
        print(f"wrote {out}/" + ", ".join(written))
        try:
            compare(str(out), None, None, None, ALPHA)
        except ReportError as exc:  # the runs are safe; say why there is no report
            print(f"gridgov: no report: {exc}", file=sys.stderr)
    return report_failures(table, out)


def sweep_folder(args: argparse.Namespace, default_name: str) -> Path:
    """The results folder from --out (or results/NAME), after checking the options."""
    if args.workers and args.scheduler:
        raise UsageError("give --workers or --scheduler, not both")
    if args.out is not None and not args.out.strip():
        raise UsageError("--out needs a folder name")
    return Path(args.out) if args.out else Path("results") / default_name


def execute(experiment: Experiment, out: Path, args: argparse.Namespace,
            keep_cases: bool = False) -> pd.DataFrame:
    """Plan ``experiment``'s sweep into ``out`` (:func:`simulation.sweeps.plan.plan_sweep`:
    the guards, unless --force), say its notices, run it with progress; the runs table."""
    plan = plan_sweep(experiment, out, workers=args.workers, scheduler=args.scheduler,
                      resume=args.resume, keep_cases=keep_cases,
                      force=getattr(args, "force", False))
    for line in plan.notices:
        warn(line)
    window = (f" (warm-up {experiment.warmup_days}, follow-up {experiment.followup_days})"
              if experiment.warmup_days or experiment.followup_days else "")
    print(f"gridgov sweep {experiment.name}: {len(plan.runs)} runs = "
          f"{len(experiment.points)} design points x {len(experiment.policies)} policies x "
          f"{experiment.replications} replications of {experiment.scenario} for "
          f"{experiment.days} days{window}"
          + (f"; {plan.done} already done" if plan.done else "") + f" -> {out}", flush=True)
    try:
        with make_progress(len(plan.runs), plan.done, unit="run") as progress:
            table = run_sweep(experiment, out, progress=progress, plan=plan, tell=warn)
    except OSError as exc:  # e.g. a full disk mid-sweep: finished runs are kept
        raise UsageError(f"cannot write to {str(out)!r}: {exc.strerror or exc}; finished "
                         "runs are kept: fix it and add --resume") from None
    for line in filter(None, (overloaded_notice(table), missing_series_notice(table))):
        warn(line)
    return table


def warn(line: str) -> None:
    """A notice for the user: one line on standard error."""
    print(f"gridgov: warning: {line}", file=sys.stderr)


def report_failures(table: pd.DataFrame, out: Path) -> int:
    """Exit status 1 (and a line on stderr) if any run failed, else 0."""
    line = failure_notice(table, out)
    if line:
        print(f"gridgov: {line}", file=sys.stderr)
        return 1
    return 0
