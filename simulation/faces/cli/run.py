"""``gridgov run SCENARIO``: one simulation (one model, or a city partitioned by district),
its summary printed and, with --out, its files written."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ...districts import district_names
from ...footprint import expected_residents
from ...measures.outcomes import OUTCOMES
from ...measures.tables import RUN_TABLES
from ...measures.tally import window_problem
from ...parameters import Parameters
from ...policies import Lever, lever_warnings, parse_lever
from ...running.city import DistrictOutcome, district_sizes, partitioned
from ...running.executors import open_backend
from ...running.memory import Workers, check_memory, district_bytes
from ...running.progress import make_progress
from ...running.result import RunResult, output_entries, run_ownership, run_params
from ...scenarios import get_scenario, load_scenario
from ...support.errors import RunFailed, UsageError
from ...support.ownership import output_error
from .options import check_writable, fmt, guard_cluster, parse_sets

# A one-model run shows a bar of simulated days on a terminal above this many residents.
BAR_RESIDENTS = 200_000


def run(args: argparse.Namespace) -> int:
    """Check everything, run, print the summary, write the files."""
    get_scenario(args.scenario)  # unknown names fail before anything else
    overrides: dict[str, Any] = dict(parse_sets(args.set))
    if args.scale is not None:
        if "world.scale" in overrides:
            raise UsageError("give either --scale or --set world.scale, not both")
        overrides["world.scale"] = args.scale
    levers = [parse_lever(spec) for spec in args.policy]
    # Validate everything before anything is created or run; the run uses these.
    params = load_scenario(args.scenario, overrides, levers)
    problem = window_problem(args.days, args.warmup, args.followup)
    if problem:  # in the options' words
        raise UsageError(problem.replace("warmup_days", "--warmup").replace(
            "followup_days", "--followup"))
    by_district = partitioned(params, not args.no_partition)
    if not by_district and (args.workers is not None or args.scheduler):
        raise UsageError("--workers and --scheduler run a city's districts in parallel; "
                         "this run is one model (one district, or --no-partition)")
    if args.workers is not None and args.scheduler:
        raise UsageError("give either --workers (local processes) or --scheduler (a Dask "
                         "cluster), not both")
    guard_memory(args, params, by_district)
    told = lever_warnings(params)
    for line in told:
        print(f"gridgov: warning: {line}", file=sys.stderr)
    if args.out is not None and not args.out.strip():
        raise UsageError("--out needs a folder name")
    out = check_writable(args.out) if args.out else None
    if out is not None:  # claim what it will write before the run: refuse a stranger's file
        entries = output_entries(by_district, len(district_names(params)) if by_district else 0)
        try:
            run_ownership(out).begin(entries)
        except OSError as exc:
            raise output_error(out, exc) from None
    try:
        if by_district:
            result = _run_districts(args, params, overrides, levers, out)
        else:
            result = _run_one_model(args, params, overrides, levers)
    except OSError as exc:  # e.g. a full disk while writing a district's cases
        raise output_error(exc.filename or out, exc) from None
    print(f"gridgov run {args.scenario}: {args.days} days, seed {args.seed}, "
          f"{result.summary['residents']:,} residents, {result.summary['grids']:,} grids, "
          f"{result.summary['issues_arisen']:,} issues in the window, "
          f"{result.wall_seconds:.1f} s")
    print(format_summary(result.summary))
    warn_overloaded(result.summary)
    for line in result.warnings:
        if line not in told:
            print(f"gridgov: warning: {line}", file=sys.stderr)
    if out is not None:
        try:
            result.write(out)
        except OSError as exc:
            raise output_error(exc.filename or out, exc) from None
        tables = [t.run_file for t in RUN_TABLES if t.run_file and not t.on_request]
        cases = "cases/*.parquet, districts.csv" if by_district else "cases.csv"
        print(f"wrote {out}/" + ", ".join(["summary.json", *tables, cases, "parameters.json",
                                          "manifest.json"]))
    return 0


def guard_memory(args: argparse.Namespace, params: Parameters, partitioned: bool) -> None:
    """Set ``args.workers`` for a city's districts: at most the cores and, unless --force,
    as many as fit in memory at once (one line on stderr if fewer than asked); TooBig
    (exit 2, naming --force) if the run cannot fit even one district at a time. With
    --scheduler only the city's merged results are this machine's."""
    force = getattr(args, "force", False)
    if not partitioned or args.scheduler:
        if not force:
            check_memory(params, partitioned, 1, args.days, cluster=bool(args.scheduler))
        return
    workers = Workers.of(args.workers)
    if not force:
        fit = check_memory(params, True, workers.used, args.days)
        workers.lower(fit.workers, fit.why)
    for line in workers.notices("district"):
        print(f"gridgov: warning: {line}", file=sys.stderr)
    args.workers = workers.used


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as an aligned two-column table with each outcome's meaning."""
    width = max(len(k) for k in summary)
    lines = []
    for key, value in summary.items():
        meaning = OUTCOMES[key].meaning if key in OUTCOMES else ""
        lines.append(f"  {key:<{width}}  {fmt(value):>10}  {meaning}")
    return "\n".join(lines)


def warn_overloaded(summary: dict[str, Any]) -> None:
    """One line on standard error if a queue's analytic offered load is 1 or more."""
    points = summary.get("overloaded_points") or 0
    if points:
        print(f"gridgov: warning: {points} service point(s) overloaded: analytic offered load "
              f"up to {summary['max_offered_load']:.2f} >= 1, so their queues never settle "
              "and time measures depend on the run length (loads.csv with --out)",
              file=sys.stderr)


def _run_one_model(args: argparse.Namespace, params: Parameters, overrides: dict[str, Any],
                   levers: list[Lever]) -> RunResult:
    """One model in this process (a city only with --no-partition), with a bar of simulated
    days on a large run's terminal."""
    bar = None
    if sys.stderr.isatty() and expected_residents(params) > BAR_RESIDENTS:
        bar = tqdm(total=args.days, unit="day", file=sys.stderr, dynamic_ncols=True)
    try:
        return run_params(params, scenario=args.scenario, seed=args.seed, days=args.days,
                          overrides=overrides, levers=levers, partition=not args.no_partition,
                          on_day=None if bar is None else lambda day: bar.update(1),
                          warmup_days=args.warmup, followup_days=args.followup)
    finally:
        if bar is not None:
            bar.close()


def _run_districts(args: argparse.Namespace, params: Parameters, overrides: dict[str, Any],
                   levers: list[Lever], out: Path | None) -> RunResult:
    """The districts on worker processes (or a Dask cluster), with progress: on a terminal
    a bar of the city's simulated days (live from local workers), else a line per
    finished district. A failed district stops the rest; its traceback goes to a file."""
    names = district_names(params)
    with open_backend(args.workers, args.scheduler) as backend:
        if backend.client is not None and not getattr(args, "force", False):
            guard_cluster(backend, district_bytes(params, args.days)[0])
        print(f"gridgov run {args.scenario}: {len(names)} districts on "
              f"{backend.description}", file=sys.stderr, flush=True)
        reach = "remote" if backend.kind == "dask" else backend.kind
        with make_progress(len(names), unit="district",
                           weights=[float(s) for s in district_sizes(params)],
                           days=args.days, reach=reach) as progress:

            def arrived(outcome: DistrictOutcome) -> None:
                r = outcome.record
                progress.done(names[outcome.district],
                              f"{r.tally.residents:,} residents, build {r.build_seconds:.1f} s, "
                              f"run {r.run_seconds:.1f} s", task=outcome.district)

            try:
                return run_params(params, scenario=args.scenario, seed=args.seed,
                                  days=args.days, overrides=overrides, levers=levers,
                                  backend=backend, on_district=arrived,
                                  cases_dir=None if out is None else out / "cases",
                                  progress=progress.day_queue(), warmup_days=args.warmup,
                                  followup_days=args.followup)
            except RunFailed as exc:
                backend.terminate()  # stop the districts still running
                raise RunFailed(f"{exc}{_save_traceback(exc.details, out)}",
                                exc.details) from None


def _save_traceback(details: str, out: Path | None) -> str:
    """Write a failed district's traceback to a file; the note naming it ('' if none)."""
    where = (out or Path(tempfile.gettempdir())) / f"gridgov-error-{os.getpid()}.txt"
    try:
        where.write_text(details, encoding="utf-8")
    except OSError:
        return ""
    return f" (traceback: {where})"
