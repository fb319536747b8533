"""The ``gridgov`` command: list scenarios and parameters, run a scenario.

Bad input (unknown scenario or key, a value of the wrong type or out of range, zero days,
an unwritable output folder) prints one line ``gridgov: error: ...`` and exits with status 2,
before anything runs.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .errors import EXIT_FAILED, EXIT_USAGE, GridgovError, RunFailed, UsageError
from .parameters import MAX_DAYS, ParameterError
from .policies import POLICIES, lever_warnings, parse_policy
from .report.errors import ReportError
from .run import DEFAULT_DAYS, DEFAULT_SEED
from .scenarios import SCENARIOS, get_scenario


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _int_at_least(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in [minimum, maximum]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{value} is more than {maximum}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    ap = _Parser(prog="gridgov", description="Agent-based simulation of urban grid governance.")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    sub.add_parser("scenarios", help="list the scenarios")
    pp = sub.add_parser("params", help="list a scenario's parameters with unit and source")
    pp.add_argument("scenario", metavar="SCENARIO")
    sub.add_parser("policies", help="list the policy levers")
    dp = sub.add_parser("dashboard", help="the interactive dashboard in the browser: pull "
                        "the policy levers, step the model, watch the grids")
    dp.add_argument("scenario", metavar="SCENARIO", nargs="?", default="baseline",
                    help="the scenario to start from (baseline)")
    dp.add_argument("--host", default="127.0.0.1", help="address to serve on (127.0.0.1)")
    dp.add_argument("--port", type=_int_at_least(1, 65535), default=8765,
                    help="port to serve on (8765)")
    rp = sub.add_parser("run", help="run one simulation and print its summary")
    rp.add_argument("scenario", metavar="SCENARIO")
    rp.add_argument("--days", type=_int_at_least(1, MAX_DAYS), default=DEFAULT_DAYS,
                    help=f"days to simulate ({DEFAULT_DAYS}; at most {MAX_DAYS}, a century)")
    rp.add_argument("--seed", type=_int_at_least(0), default=DEFAULT_SEED,
                    help=f"random seed ({DEFAULT_SEED})")
    rp.add_argument("--warmup", type=_int_at_least(0, MAX_DAYS), default=0, metavar="DAYS",
                    help="days before the measured window (0): the summary counts issues "
                    "arising after them (docs/model.md 7.14)")
    rp.add_argument("--followup", type=_int_at_least(0, MAX_DAYS), default=0, metavar="DAYS",
                    help="last days that only follow up the window's issues (0)")
    rp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a parameter (repeatable); keys: `gridgov params SCENARIO`")
    rp.add_argument("--policy", action="append", default=[], metavar="NAME[:k=v,...]",
                    help=f"apply a policy lever (repeatable): {', '.join(POLICIES)}")
    rp.add_argument("--out", metavar="DIR", help="write summary.json, timeseries.csv, "
                    "cases.csv (a partitioned run: cases/DISTRICT.parquet, districts.csv), "
                    "parameters.json and manifest.json here")
    rp.add_argument("--scale", type=_scale, metavar="S",
                    help="shrink the scenario to S times its grids, communities and street "
                    "offices (e.g. 0.01 for a quick look; same as --set world.scale=S)")
    rp.add_argument("--workers", type=_int_at_least(1, 1024), metavar="N",
                    help="local worker processes for a city's districts (one per core)")
    rp.add_argument("--scheduler", metavar="ADDRESS",
                    help="run the districts on a Dask distributed cluster, e.g. "
                    "tcp://10.0.0.5:8786")
    rp.add_argument("--no-partition", action="store_true",
                    help="run a city of several districts as one model in this process "
                    "(needs all its memory at once)")
    sw = sub.add_parser("sweep", help="run an experiment file: designs x policies x "
                        "replications, in parallel, resumable")
    sw.add_argument("file", metavar="FILE", help="experiment file (TOML), e.g. "
                    "experiments/policy_comparison.toml")
    _add_run_options(sw, "results/NAME")
    sw.add_argument("--keep-cases", action="store_true",
                    help="also keep every run's case log (cases/RUN_ID.parquet)")
    sw.add_argument("--no-report", action="store_true",
                    help="do not write the comparison report (OUT/report/) at the end")
    sp = sub.add_parser("sensitivity", help="Sobol indices (or Morris screening) of the "
                        "key outcomes over an experiment file's [ranges]")
    sp.add_argument("file", metavar="FILE", help="experiment file with [ranges], e.g. "
                    "experiments/sensitivity.toml")
    sp.add_argument("--method", choices=("sobol", "morris"), default="sobol",
                    help="sobol: first- and total-order indices from Saltelli's design of "
                    "N (d + 2) points; morris: screening with N trajectories (sobol)")
    sp.add_argument("--samples", type=_int_at_least(2, 2**20), metavar="N",
                    help="N: base samples (a power of 2) or trajectories (the file's samples)")
    sp.add_argument("--metrics", metavar="M1,M2,...", help="outcomes to analyse (default: "
                    "unresolved issue-days, shares resolved within 90 days and 5 working "
                    "days, hidden issues, trust change, active volunteers)")
    _add_run_options(sp, "results/NAME-METHOD unless the file's own design is used")
    kp = sub.add_parser("calibrate", help="fit an experiment file's [ranges] to its "
                        "[targets] by approximate Bayesian computation")
    kp.add_argument("file", metavar="FILE", help="experiment file with [ranges], [targets] "
                    "and a sampled [design], e.g. experiments/calibration.toml")
    kp.add_argument("--accept", type=_probability, default=0.1,
                    help="share of design points accepted (0.1)")
    kp.add_argument("--verify", type=_int_at_least(0, 10_000), default=10, metavar="N",
                    help="replications of the fitted values run afresh to check the fit "
                    "(10; 0 skips)")
    _add_run_options(kp, "results/NAME")
    cp = sub.add_parser("compare", help="compare a sweep's policies with a baseline: "
                        "table, report.html and figures")
    cp.add_argument("folder", metavar="RESULTS_DIR", help="a sweep's results folder, e.g. "
                    "results/policy_comparison")
    cp.add_argument("--baseline", metavar="POLICY", help="the policy (or, with one policy, "
                    "the design point pNNNN) to compare with (status_quo, else the first)")
    cp.add_argument("--metrics", metavar="M1,M2,...", help="metrics to compare (default: "
                    "unresolved issue-days, shares resolved within 90, 30 days and 5 working "
                    "days, mean days to resolution, hidden issues, days known to resolved, "
                    "trust change, active volunteers, cost)")
    cp.add_argument("--out", metavar="DIR", help="report folder (RESULTS_DIR/report)")
    cp.add_argument("--alpha", type=_probability, default=0.05,
                    help="family-wise error rate for Holm's correction (0.05)")
    return ap


def _add_run_options(parser: argparse.ArgumentParser, default_out: str) -> None:
    """--out, --workers, --scheduler and --resume: the options of every command that runs
    a sweep."""
    parser.add_argument("--out", metavar="DIR", help=f"results folder ({default_out})")
    parser.add_argument("--workers", type=_int_at_least(1, 1024), metavar="N",
                        help="local worker processes (one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--resume", action="store_true",
                        help="skip runs already completed in the results folder")


def _scale(text: str) -> float:
    """An argparse type: a world scale in [0.0001, 10]."""
    from .parameters import PARAM_INDEX

    try:
        return PARAM_INDEX["world.scale"].coerce(text)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("world.scale: ", "")) from None


def _probability(text: str) -> float:
    """An argparse type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{value} must lie strictly between 0 and 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridgov`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except GridgovError as exc:
        print(f"gridgov: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunFailed as exc:  # a district's run failed: not the user's input
        print(f"gridgov: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("gridgov: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `gridgov params baseline | head`
        sys.stderr.close()
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "scenarios":
        width = max(len(n) for n in SCENARIOS)
        for name, sc in SCENARIOS.items():
            print(f"{name:<{width}}  {sc.description}")
        return 0
    if args.command == "dashboard":
        return _dashboard(args.scenario, args.host, args.port)
    if args.command == "policies":
        for name, cls in POLICIES.items():
            print(f"{name:<17} {cls.description}")
        return 0
    if args.command == "params":
        _print_params(args.scenario)
        return 0
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "compare":
        return _compare(args.folder, args.out, args.baseline, args.metrics, args.alpha)
    if args.command == "sensitivity":
        return _sensitivity(args)
    if args.command == "calibrate":
        return _calibrate(args)
    return _run(args)


def _dashboard(scenario: str, host: str, port: int) -> int:
    """Serve the dashboard (simulation/dashboard_app.py) with Solara until interrupted."""
    import socket

    from .districts import district_count
    from .scenarios import load_scenario

    if district_count(load_scenario(scenario)) > 1:
        raise UsageError(f"the dashboard shows one community's grids; {scenario!r} is a "
                         "city: choose baseline or wenheng")
    if get_scenario(scenario).derive is not None:
        raise UsageError(f"{scenario!r} sets the levers' keys from its own inputs (an "
                         "analytic check): choose baseline or wenheng")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family) as probe:
            # as the server binds: a stopped server's lingering connections do not count
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc}; "
                         "choose another --port or --host") from None
    solara = Path(sys.executable).with_name("solara")
    env = {**os.environ, "GRIDGOV_DASHBOARD_SCENARIO": scenario,
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}  # nothing is sent anywhere
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    print(f"gridgov dashboard: {scenario} at http://{shown}:{port}/ (Ctrl-C stops it; "
          "pause ▶ first, or press it twice)", flush=True)
    # this process becomes the server, so signals (Ctrl-C, SIGTERM) reach it directly
    os.execve(solara, [str(solara), "run", "simulation.dashboard_app", "--host", host,
                       "--port", str(port), "--no-open", "--production",
                       "--no-check-version"], env)
    return 0  # not reached


def _print_params(scenario: str) -> None:
    params = get_scenario(scenario).parameters({})
    specs = params.specs
    rows = [(k, _fmt(params[k]), specs[k].unit, params.sources.get(k, "")) for k in params]
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'key':<{w[0]}}  {'value':<{w[1]}}  {'unit':<{w[2]}}  source")
    for key, value, unit, source in rows:
        print(f"{key:<{w[0]}}  {value:<{w[1]}}  {unit:<{w[2]}}  {source}")


def _parse_sets(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"--set {item!r} must look like KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _check_writable(out: str) -> Path:
    """Create the output folder and prove it takes a file, before any run starts."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {out!r} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".gridgov-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"--out {out!r} is not writable: {exc.strerror or exc}") from None
    return path


def _run(args: argparse.Namespace) -> int:
    from .partition import is_city
    from .scenarios import load_scenario

    get_scenario(args.scenario)  # unknown names fail before anything else
    overrides: dict[str, Any] = dict(_parse_sets(args.set))
    if args.scale is not None:
        if "world.scale" in overrides:
            raise UsageError("give either --scale or --set world.scale, not both")
        overrides["world.scale"] = args.scale
    policies = [parse_policy(spec) for spec in args.policy]
    # Validate everything before anything is created or run (the run resolves the same).
    params = load_scenario(args.scenario, overrides, policies)
    if args.warmup + args.followup >= args.days:
        raise UsageError(f"--warmup {args.warmup} + --followup {args.followup} leave no "
                         f"measurement window in --days {args.days} (the whole run)")
    partitioned = is_city(params) and not args.no_partition
    if not partitioned and (args.workers is not None or args.scheduler):
        raise UsageError("--workers and --scheduler run a city's districts in parallel; "
                         "this run is one model (one district, or --no-partition)")
    if args.workers is not None and args.scheduler:
        raise UsageError("give either --workers (local processes) or --scheduler (a Dask "
                         "cluster), not both")
    if not args.scheduler:  # a cluster's memory is the cluster's to check
        _check_memory(params, partitioned, args.workers or os.cpu_count() or 1)
    told = lever_warnings(params)
    for line in told:
        print(f"gridgov: warning: {line}", file=sys.stderr)
    if args.out is not None and not args.out.strip():
        raise UsageError("--out needs a folder name")
    out = _check_writable(args.out) if args.out else None
    try:
        if partitioned:
            result = _run_city(args, overrides, policies, params, out)
        else:
            result = _run_one(args, overrides, policies, params)
    except OSError as exc:  # e.g. a full disk while writing a district's cases
        raise UsageError(f"cannot write to --out {str(out)!r}: {exc.strerror or exc}; "
                         "nothing was kept") from None
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
            raise UsageError(f"cannot write to --out {str(out)!r}: {exc.strerror}") from None
        cases = "cases/*.parquet, districts.csv" if partitioned else "cases.csv"
        print(f"wrote {out}/summary.json, timeseries.csv, loads.csv, {cases}, "
              "parameters.json, manifest.json")
    return 0


def warn_overloaded(summary: dict[str, Any]) -> None:
    """One line on standard error if a queue's analytic offered load is 1 or more."""
    points = summary.get("overloaded_points") or 0
    if points:
        print(f"gridgov: warning: {points} service point(s) overloaded: analytic offered load "
              f"up to {summary['max_offered_load']:.2f} >= 1, so their queues never settle "
              "and time measures depend on the run length (loads.csv with --out)",
              file=sys.stderr)


# Peak memory of one model per resident, a year's issues included: 1,950 bytes measured for
# the whole of jinan as one model (benchmarks/README.md).
BYTES_PER_RESIDENT = 2_000


def _check_memory(params: Any, partitioned: bool, workers: int) -> None:
    """Refuse a run that cannot fit in this machine's available memory: one model, or the
    largest districts running at once on ``workers`` processes."""
    import psutil

    from .partition import expected_residents

    have = psutil.virtual_memory().available
    if not partitioned:
        need = expected_residents(params) * BYTES_PER_RESIDENT
        if need > have:
            raise UsageError(
                f"one model of ~{expected_residents(params) / 1e6:.1f} M residents needs "
                f"~{need / 2**30:.1f} GiB, more than the {have / 2**30:.1f} GiB available: "
                "run it partitioned (drop --no-partition) or use --scale")
        return
    from .districts import district_count

    sizes = sorted((expected_residents(params.with_values({"world.district": d}))
                    for d in range(district_count(params))), reverse=True)
    need = sum(sizes[:workers]) * BYTES_PER_RESIDENT
    if need > have:
        raise UsageError(f"{min(workers, len(sizes))} districts at once need "
                         f"~{need / 2**30:.1f} GiB, more than the {have / 2**30:.1f} GiB "
                         "available: use fewer --workers or a smaller --scale")


def _run_one(args: argparse.Namespace, overrides: dict[str, Any], policies: list[Any],
             params: Any) -> Any:
    """One model in this process, with a bar of simulated days on a terminal."""
    from .partition import expected_residents
    from .run import run_scenario

    bar = None
    if sys.stderr.isatty() and expected_residents(params) > 200_000:
        from tqdm import tqdm

        bar = tqdm(total=args.days, unit="day", file=sys.stderr, dynamic_ncols=True)
    try:
        return run_scenario(args.scenario, days=args.days, seed=args.seed,
                            overrides=overrides, policies=policies,
                            on_day=None if bar is None else lambda day: bar.update(1),
                            warmup_days=args.warmup, followup_days=args.followup)
    finally:
        if bar is not None:
            bar.close()


def _run_city(args: argparse.Namespace, overrides: dict[str, Any], policies: list[Any],
              params: Any, out: Path | None) -> Any:
    """The districts as separate processes (or a Dask cluster), with progress: on a
    terminal a bar of the city's simulated days (live from local workers), else a line per
    finished district."""
    import time

    from .districts import district_names, plans
    from .run import run_city
    from .sweep import InlineExecutor, make_executor, terminate_workers

    names = district_names(params)
    executor, description, close = make_executor(args.workers, args.scheduler)
    inline = isinstance(executor, InlineExecutor)
    print(f"gridgov run {args.scenario}: {len(names)} districts on {description}",
          file=sys.stderr, flush=True)
    reach = "inline" if inline else "remote" if args.scheduler else "processes"
    live = (_LiveProgress([p.basic_grids or p.communities for p in plans(params)], args.days,
                          reach) if sys.stderr.isatty() else None)
    t0 = time.perf_counter()
    done = [0]

    def arrived(outcome: Any) -> None:
        done[0] += 1
        if live is not None:
            live.finished(outcome.district, names[outcome.district])
        else:
            print(f"[{done[0]}/{len(names)}] {names[outcome.district]}: "
                  f"{outcome.tally.residents:,} residents, build {outcome.build_seconds:.1f} s, "
                  f"run {outcome.run_seconds:.1f} s; {time.perf_counter() - t0:.0f} s elapsed",
                  file=sys.stderr, flush=True)

    try:
        return run_city(args.scenario, days=args.days, seed=args.seed, overrides=overrides,
                        policies=policies, executor=None if inline else executor,
                        on_district=arrived, cases_dir=None if out is None else out / "cases",
                        progress=None if live is None else live.worker_queue,
                        warmup_days=args.warmup, followup_days=args.followup)
    except RunFailed as exc:
        terminate_workers(executor)  # stop the districts still running
        where = (out or Path(tempfile.gettempdir())) / f"gridgov-error-{os.getpid()}.txt"
        try:
            where.write_text(exc.details, encoding="utf-8")
            note = f" (traceback: {where})"
        except OSError:
            note = ""
        raise RunFailed(f"{exc}{note}", exc.details) from None
    finally:
        if live is not None:
            live.close()
        close()


class _LiveProgress:
    """A tqdm bar of a partitioned run: each district's simulated days, weighted by its
    size, as its worker reports them through ``queue`` (local processes or in process;
    a Dask cluster's workers cannot reach it, so the bar then moves as districts finish)."""

    def __init__(self, sizes: list[int], days: int, reach: str) -> None:
        import queue
        import threading

        from tqdm import tqdm

        self.weights = [s / sum(sizes) * 100.0 for s in sizes]
        self.days = days
        self.day = [0] * len(sizes)
        self.done = 0
        self.bar = tqdm(total=100.0, unit="%", file=sys.stderr, dynamic_ncols=True,
                        bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}<{remaining}{postfix}]")
        self.manager = None
        self.queue: Any = queue.Queue()
        if reach == "processes":
            import multiprocessing

            self.manager = multiprocessing.get_context("spawn").Manager()
            self.queue = self.manager.Queue()
        # what the districts are given: nothing for a Dask cluster's workers (a local queue
        # cannot travel there), so the bar then moves as districts finish
        self.worker_queue = None if reach == "remote" else self.queue
        self._lock = threading.Lock()  # the drain thread and finished() both advance
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _advance(self, district: int, day: int) -> None:
        with self._lock:
            if day > self.day[district]:
                self.bar.update(self.weights[district] * (day - self.day[district]) / self.days)
                self.day[district] = day

    def _drain(self) -> None:
        import queue

        while not self._stop.is_set():
            try:
                district, day = self.queue.get(timeout=0.5)
            except queue.Empty:
                self.bar.refresh()  # keep the elapsed time moving
                continue
            except (EOFError, OSError):  # the manager has gone
                return
            self._advance(district, day)

    def finished(self, district: int, name: str) -> None:
        """A district's results arrived."""
        self._advance(district, self.days)
        self.done += 1
        self.bar.set_postfix_str(f"{self.done}/{len(self.day)} districts, last {name}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.bar.close()
        if self.manager is not None:
            self.manager.shutdown()


def _sweep(args: argparse.Namespace) -> int:
    from .experiment import load_experiment
    from .sweep import summary_table

    experiment = load_experiment(args.file)
    out = _sweep_folder(args, experiment.name)
    table = _execute(experiment, out, args, keep_cases=args.keep_cases)
    failed = table[table.status != "ok"]
    written = [n for n in ("runs.csv", "runs.parquet", "timeseries.parquet",
                           "resolution.parquet", "manifest.json") if (out / n).exists()]
    if args.no_report or len(failed) == len(table):
        with pd_options():
            print(summary_table(table).to_string())
        print(f"wrote {out}/" + ", ".join(written))
    else:
        print(f"wrote {out}/" + ", ".join(written))
        try:
            _compare(str(out), None, None, None, 0.05)
        except ReportError as exc:  # the runs are safe; say why there is no report
            print(f"gridgov: no report: {exc}", file=sys.stderr)
    return _report_failures(table, out)


def warn_overloaded_runs(table: Any) -> None:
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


def _sweep_folder(args: argparse.Namespace, default_name: str) -> Path:
    """The results folder from --out (or results/NAME), after checking the options."""
    if args.workers and args.scheduler:
        raise UsageError("give --workers or --scheduler, not both")
    if args.out is not None and not args.out.strip():
        raise UsageError("--out needs a folder name")
    return Path(args.out) if args.out else Path("results") / default_name


def _execute(experiment: Any, out: Path, args: argparse.Namespace,
             keep_cases: bool = False) -> Any:
    """Run ``experiment``'s sweep into ``out`` with progress; the runs table."""
    from .sweep import bar_progress, completed_runs, plain_progress, run_sweep

    runs = experiment.runs()
    done = len(completed_runs(out)) if args.resume and (out / "runs").is_dir() else 0
    for line in experiment.warnings:
        print(f"gridgov: warning: {line}", file=sys.stderr)
    window = (f" (warm-up {experiment.warmup_days}, follow-up {experiment.followup_days})"
              if experiment.warmup_days or experiment.followup_days else "")
    print(f"gridgov sweep {experiment.name}: {len(runs)} runs = {len(experiment.points)} "
          f"design points x {len(experiment.policies)} policies x {experiment.replications} "
          f"replications of {experiment.scenario} for {experiment.days} days{window}"
          + (f"; {done} already done" if done else "") + f" -> {out}", flush=True)
    close = None
    if sys.stderr.isatty():
        progress, close = bar_progress(len(runs), done)
    else:
        progress = plain_progress()
    try:
        table = run_sweep(experiment, out, workers=args.workers, scheduler=args.scheduler,
                          resume=args.resume, keep_cases=keep_cases, progress=progress)
    except OSError as exc:  # e.g. a full disk mid-sweep: finished runs are kept
        raise UsageError(f"cannot write to {str(out)!r}: {exc.strerror or exc}; finished "
                         "runs are kept: fix it and add --resume") from None
    finally:
        if close is not None:
            close()
    warn_overloaded_runs(table)
    return table


def _report_failures(table: Any, out: Path) -> int:
    """Exit status 1 (and a line on stderr) if any run failed, else 0."""
    failed = table[table.status != "ok"]
    if len(failed):
        ids = ", ".join(failed.run_id[:10]) + (" ..." if len(failed) > 10 else "")
        print(f"gridgov: {len(failed)} of {len(table)} runs failed: {ids} "
              f"(errors in {out}/runs.csv; rerun them with --resume)", file=sys.stderr)
        return 1
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from .experiment import SENSITIVITY_METHODS, load_experiment, resample
    from .metrics import SUMMARY_DOCS
    from .report.comparison import check_metrics
    from .report.results import load_results
    from .sensitivity import SENSITIVITY_METRICS, analyse, bar_chart, text_table
    from .storage import atomic_write_text

    experiment = load_experiment(args.file)
    method = SENSITIVITY_METHODS[args.method]
    names = _metric_names(args.metrics)
    unknown = [m for m in names or [] if m not in SUMMARY_DOCS]
    if unknown:  # before any run starts
        raise UsageError(f"unknown metric {unknown[0]!r}; choose from: "
                         + ", ".join(SUMMARY_DOCS))
    if experiment.method != method or (args.samples and args.samples != experiment.samples):
        experiment = resample(experiment, method, args.samples)
        out = _sweep_folder(args, f"{experiment.name}-{args.method}")
    else:
        out = _sweep_folder(args, experiment.name)
    table = _execute(experiment, out, args)
    if (table.status != "ok").all():
        return _report_failures(table, out)
    results = load_results(out)
    metrics = check_metrics(results, names or [m for m in SENSITIVITY_METRICS
                                               if m in results.runs])
    indices = analyse(results, metrics)
    folder = out / "sensitivity"
    folder.mkdir(exist_ok=True)
    atomic_write_text(folder / "sensitivity.csv", indices.to_csv(index=False))
    print(text_table(indices))
    if not indices.empty:
        import matplotlib.pyplot as plt

        fig = bar_chart(indices)
        fig.savefig(folder / "sensitivity.png", dpi=110)
        plt.close(fig)
    print(f"wrote {folder}/sensitivity.csv and sensitivity.png")
    return _report_failures(table, out)


def _calibrate(args: argparse.Namespace) -> int:
    from .calibration import MIN_ESS, calibrate, figure, fit_table
    from .experiment import load_experiment
    from .report.results import load_results
    from .storage import atomic_write_text

    experiment = load_experiment(args.file)
    where = f"{experiment.path}:"
    if not experiment.targets:
        raise UsageError(f"{where} [targets]: missing; a calibration fits metrics to "
                         "published figures: metric = { value = ..., tolerance = ..., "
                         "source = \"...\" }")
    if experiment.method not in ("lhs", "sobol") or not experiment.ranges:
        raise UsageError(f"{where} [design]: a calibration samples its prior over [ranges] "
                         "with method = \"lhs\" or \"sobol\"")
    if experiment.factors:
        raise UsageError(f"{where} [factors]: a calibration fits [ranges] alone; move these "
                         "keys to [fixed] (one value) or [ranges] (a prior)")
    if len(experiment.policies) > 1:
        raise UsageError(f"{where} [[policies]]: a calibration fits one configuration; keep "
                         "one policy (or set its keys in [fixed])")
    out = _sweep_folder(args, experiment.name)
    table = _execute(experiment, out, args)
    if (table.status != "ok").all():
        return _report_failures(table, out)
    cal = calibrate(load_results(out), args.accept)
    folder = out / "calibration"
    folder.mkdir(exist_ok=True)
    atomic_write_text(folder / "points.csv", cal.points.to_csv(index_label="point"))
    atomic_write_text(folder / "posterior.csv", cal.posterior.to_csv(index=False))
    from .scenarios import get_scenario

    fig = figure(cal, {k: v.unit for k, v in get_scenario(experiment.scenario).specs().items()})
    fig.savefig(folder / "calibration.png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    accepted = int(cal.points.accepted.sum())
    print(f"rejection ABC: {accepted} of {len(cal.points)} design points accepted "
          f"({accepted / len(cal.points):.0%}), effective sample size {cal.ess:.1f}"
          + (f"; {cal.saturated} refused as saturated (a queue's offered load >= 0.85)"
             if cal.saturated else "") + "; posterior median [90% credible interval]:")
    if cal.ess < MIN_ESS:
        print(f"gridgov: warning: effective sample size {cal.ess:.1f} is below {MIN_ESS}: "
              "the credible intervals rest on few points; raise [design] samples",
              file=sys.stderr)
    for _, r in cal.posterior.iterrows():
        print(f"  {r.parameter:<32} {r['median']:.4g} [{r.q05:.4g}, {r.q95:.4g}]   prior "
              f"[{r.prior_low}, {r.prior_high}], best point {r.best:.4g}")
    fitted_text = _fitted_toml(experiment, cal, accepted)
    atomic_write_text(folder / "fitted.toml", fitted_text)
    status = _report_failures(table, out)
    if args.verify:
        check = folder / "verify.toml"
        atomic_write_text(check, _verify_toml(experiment, cal, args.verify))
        runs = _execute(load_experiment(check), out / "verify", args)
        fit = fit_table(runs[runs.status == "ok"], cal.targets)
        atomic_write_text(folder / "fit.csv", fit.to_csv(index=False))
        print(f"fit of the posterior medians over {args.verify} fresh replications:")
        for _, r in fit.iterrows():
            print(f"  {r.metric:<32} simulated {r.simulated:.4g} ± {r.se:.2g} (SE)   target "
                  f"{r.target:.4g} ± {r.tolerance:.2g}   z = {r.z:+.2f}")
        status = max(status, _report_failures(runs, out / "verify"))
    print(f"wrote {folder}/points.csv, posterior.csv, fitted.toml, calibration.png"
          + (", fit.csv" if args.verify else ""))
    return status


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)


def _fitted_toml(experiment: Any, cal: Any, accepted: int) -> str:
    lines = [f"# Fitted by `gridgov calibrate {experiment.path}`: rejection ABC, {accepted} of "
             f"{len(cal.points)} design points accepted.",
             "# Posterior medians; the comment gives the 90% credible interval.", "[fixed]"]
    values = cal.fitted()
    for _, r in cal.posterior.iterrows():
        lines.append(f'"{r.parameter}" = {_toml_value(values[r.parameter])}   '
                     f"# 90% CrI [{r.q05:.4g}, {r.q95:.4g}]")
    return "\n".join(lines) + "\n"


def _verify_toml(experiment: Any, cal: Any, replications: int) -> str:
    fixed = {**experiment.fixed, **cal.fitted()}
    lines = ["# The fitted values run afresh (new seeds) to check the fit.", "[experiment]",
             f'name = "{experiment.name}-verify"', f'scenario = "{experiment.scenario}"',
             f"days = {experiment.days}", f"warmup_days = {experiment.warmup_days}",
             f"followup_days = {experiment.followup_days}", f"replications = {replications}",
             f"seed = {experiment.seed + 1}", "", "[fixed]"]
    lines += [f'"{k}" = {_toml_value(v)}' for k, v in fixed.items()]
    return "\n".join(lines) + "\n"


def _metric_names(text: str | None) -> list[str] | None:
    """--metrics M1,M2 as a list (None if not given)."""
    if text is None:
        return None
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        raise UsageError("--metrics needs at least one metric name")
    return names


def _compare(folder: str, out: str | None, baseline: str | None, metrics: str | None,
             alpha: float) -> int:
    from .report.build import build_report, text_table

    if out is not None and not out.strip():
        raise UsageError("--out needs a folder name")
    names = _metric_names(metrics)
    if out and Path(out).exists() and not Path(out).is_dir():
        raise UsageError(f"--out {out!r} is a file, not a folder")
    report = build_report(folder, out or None, baseline=baseline, metrics=names, alpha=alpha)
    print(text_table(report))
    print(f"wrote {report.html} and {len(report.figures)} figures "
          f"({', '.join(p.name for p in report.figures.values())}) and the tables as CSV")
    return 0


def pd_options() -> Any:
    """Wide, untruncated pandas printing."""
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 50,
                             "display.max_colwidth", 40)


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as an aligned two-column table with each metric's meaning."""
    from .metrics import SUMMARY_DOCS

    width = max(len(k) for k in summary)
    lines = []
    for key, value in summary.items():
        lines.append(f"  {key:<{width}}  {_fmt(value):>10}  {SUMMARY_DOCS.get(key, '')}")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
