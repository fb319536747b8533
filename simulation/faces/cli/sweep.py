"""``gridgov sweep FILE``: an experiment's runs, in parallel and resumable, then the
comparison report; and what every sweeping command shares (folder, progress, failures)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ...analysis.report.errors import ReportError
from ...running.memory import SweepNeeds, check_disk, fit_sweep, sweep_needs
from ...running.progress import make_progress
from ...support.errors import UsageError
from ...sweeps.engine import completed_runs, run_sweep, summary_table
from ...sweeps.experiment import Experiment, load_experiment
from ...sweeps.folder import ResultsFolder
from .compare import compare
from .options import Workers, guard_cluster, wide_pandas


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
            compare(str(out), None, None, None, 0.05)
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
    """Run ``experiment``'s sweep into ``out`` with progress; the runs table."""
    total = experiment.run_count
    folder = ResultsFolder(out)
    # the guards come before the run list is built (a million runs take 0.5 GB and 20 s)
    done = (len(completed_runs(folder, experiment.runs(), keep_cases))
            if args.resume and folder.records.is_dir() else 0)
    workers, needs = guard(experiment, out, args, total - done, keep_cases)
    for line in experiment.warnings:
        print(f"gridgov: warning: {line}", file=sys.stderr)
    window = (f" (warm-up {experiment.warmup_days}, follow-up {experiment.followup_days})"
              if experiment.warmup_days or experiment.followup_days else "")
    print(f"gridgov sweep {experiment.name}: {total} runs = {len(experiment.points)} "
          f"design points x {len(experiment.policies)} policies x {experiment.replications} "
          f"replications of {experiment.scenario} for {experiment.days} days{window}"
          + (f"; {done} already done" if done else "") + f" -> {out}", flush=True)
    try:
        with make_progress(total, done, unit="run") as progress:
            table = run_sweep(experiment, out, workers=workers,
                              scheduler=args.scheduler, resume=args.resume,
                              keep_cases=keep_cases, progress=progress,
                              on_backend=None if needs is None else
                              lambda backend: guard_cluster(backend, needs.run))
    except OSError as exc:  # e.g. a full disk mid-sweep: finished runs are kept
        raise UsageError(f"cannot write to {str(out)!r}: {exc.strerror or exc}; finished "
                         "runs are kept: fix it and add --resume") from None
    warn_overloaded_runs(table)
    missing = table.attrs.get("series_missing") or []
    if missing:
        print(f"gridgov: warning: {len(missing)} finished run(s) have no readable daily "
              f"series ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}): "
              "timeseries.parquet leaves them out; add --resume to run them again",
              file=sys.stderr)
    return table


def guard(experiment: Experiment, out: Path, args: argparse.Namespace, todo: int,
          keep_cases: bool) -> tuple[int | None, SweepNeeds | None]:
    """The workers to run with: at most the cores and, unless --force, as many runs as fit
    in memory at once (one line on stderr if fewer than asked); :class:`TooBig` or
    :class:`NoRoom` (exit 2, naming --force) if one run, the sweep itself or its results
    cannot fit. With --scheduler only the sweep's own memory and its disk are this
    machine's (None: the cluster's workers, checked by :func:`guard_cluster` once
    connected). Also the estimates (None with --force)."""
    needs = None if getattr(args, "force", False) else sweep_needs(experiment, todo,
                                                                   keep_cases)
    if args.scheduler:
        if needs is not None:
            fit_sweep(needs, 1, cluster=True)
            check_disk(needs.disk, out)
        return None, needs
    workers = Workers.of(args.workers)
    if needs is not None:
        fit = fit_sweep(needs, workers.used)
        workers.lower(fit.workers, fit.why)
        check_disk(needs.disk, out)
    workers.say("run")
    return workers.used, needs


def warn_overloaded_runs(table: pd.DataFrame) -> None:
    """One line on standard error naming the policies (and design points) whose runs have
    an overloaded service point."""
    if "overloaded_points" not in table:
        return
    bad = table[(table.status == "ok") & (table.overloaded_points.fillna(0) > 0)]
    if bad.empty:
        return
    arms = sorted({f"{r.policy}" + (f" at p{int(r.point):04d}" if table.point.nunique() > 1
                                    else "") for r in bad.itertuples()})
    shown = ", ".join(arms[:6]) + (f" and {len(arms) - 6} more" if len(arms) > 6 else "")
    print(f"gridgov: warning: {len(bad)} of {len(table)} runs are overloaded (a service "
          f"point's analytic offered load >= 1, up to {bad.max_offered_load.max():.2f}): "
          f"{shown}; their time measures depend on the run length (loads/ per run)",
          file=sys.stderr)


def report_failures(table: pd.DataFrame, out: Path) -> int:
    """Exit status 1 (and a line on stderr) if any run failed, else 0."""
    failed = table[table.status != "ok"]
    if len(failed):
        ids = ", ".join(failed.run_id[:10]) + (" ..." if len(failed) > 10 else "")
        print(f"gridgov: {len(failed)} of {len(table)} runs failed: {ids} "
              f"(errors in {out}/runs.csv; rerun them with --resume)", file=sys.stderr)
        return 1
    return 0
