"""The command line's surface in one place: every command, its arguments and help, and
the module and function that handle it (imported only when that command runs, so
``gridgov scenarios`` does not load the report's plotting stack)."""

from __future__ import annotations

import argparse
from typing import Any

from ..._version import __version__
from ...analysis.statistics import ALPHA
from ...parameters import MAX_DAYS
from ...policies import LEVERS
from ...running.result import DEFAULT_DAYS, DEFAULT_SEED
from .dashboard import CULL_SECONDS, MAX_PLAYED_DAYS, MAX_SESSIONS
from .options import Parser, int_between, probability, scale, scheduler_address


def handled_by(parser: argparse.ArgumentParser, module: str, function: str) -> None:
    """Say which function of which ``simulation.faces.cli`` module handles ``parser``'s command."""
    parser.set_defaults(handler=(module, function))


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface: one sub-parser per command, each with its handler."""
    ap = Parser(prog="gridgov", description="Agent-based simulation of urban grid governance.")
    ap.add_argument("--version", action="version", version=f"gridgov {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    handled_by(sub.add_parser("scenarios", help="list the scenarios"), "info", "scenarios")
    pp = sub.add_parser("params", help="list a scenario's parameters: value, unit, valid "
                        "range, meaning and source")
    pp.add_argument("scenario", metavar="SCENARIO", nargs="?", default="baseline",
                    help="the scenario (baseline)")
    pp.add_argument("--brief", action="store_true",
                    help="one line a parameter: key, value, unit and source")
    handled_by(pp, "info", "params")
    handled_by(sub.add_parser("policies", help="list the policy levers"), "info", "levers")
    add_shipped_commands(sub)

    dp = sub.add_parser("dashboard", help="the interactive dashboard in the browser: pull "
                        "the policy levers, step the model, watch the grids")
    dp.add_argument("scenario", metavar="SCENARIO", nargs="?", default="baseline",
                    help="the scenario to start from (baseline)")
    dp.add_argument("--host", default="127.0.0.1", help="address to serve on (127.0.0.1)")
    dp.add_argument("--port", type=int_between(1, 65535), default=8765,
                    help="port to serve on (8765)")
    dp.add_argument("--max-sessions", type=int_between(1, 1000), default=MAX_SESSIONS,
                    metavar="N", help=f"browser tabs with a model at once ({MAX_SESSIONS}): "
                    "one more frees the oldest tab no longer connected, or is told to wait")
    dp.add_argument("--max-days", type=int_between(1, MAX_DAYS), default=MAX_PLAYED_DAYS,
                    metavar="DAYS", help=f"days a model may be played ({MAX_PLAYED_DAYS}, "
                    "ten years; a model grows ~0.085 MiB a day)")
    dp.add_argument("--cull-after", type=int_between(1, 86_400), default=CULL_SECONDS,
                    metavar="SECONDS", help="seconds a tab's model is kept after its "
                    f"connection drops, for it to reconnect ({CULL_SECONDS})")
    dp.add_argument("--lang", choices=("en", "zh"), default="en",
                    help="language of the page: en (English) or zh (中文)")
    handled_by(dp, "dashboard", "dashboard")

    rp = sub.add_parser("run", help="run one simulation and print its summary")
    rp.add_argument("scenario", metavar="SCENARIO")
    rp.add_argument("--days", type=int_between(1, MAX_DAYS), default=DEFAULT_DAYS,
                    help=f"days to simulate ({DEFAULT_DAYS}; at most {MAX_DAYS}, a century)")
    rp.add_argument("--seed", type=int_between(0), default=DEFAULT_SEED,
                    help=f"random seed ({DEFAULT_SEED})")
    rp.add_argument("--warmup", type=int_between(0, MAX_DAYS), default=0, metavar="DAYS",
                    help="days before the measured window (0): the summary counts issues "
                    "arising after them (docs/model.md 7.14)")
    rp.add_argument("--followup", type=int_between(0, MAX_DAYS), default=0, metavar="DAYS",
                    help="last days that only follow up the window's issues (0)")
    rp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a parameter (repeatable); keys: `gridgov params SCENARIO`")
    rp.add_argument("--policy", action="append", default=[], metavar="NAME[:k=v,...]",
                    help=f"apply a policy lever (repeatable): {', '.join(LEVERS)}")
    rp.add_argument("--out", metavar="DIR", help="write summary.json, timeseries.csv, "
                    "cases.csv (a partitioned run: cases/DISTRICT.parquet, districts.csv), "
                    "parameters.json and manifest.json here")
    rp.add_argument("--scale", type=scale, metavar="S",
                    help="shrink the scenario to S times its grids, communities and street "
                    "offices (e.g. 0.01 for a quick look; same as --set world.scale=S)")
    rp.add_argument("--workers", type=int_between(1, 1024), metavar="N",
                    help="local worker processes for a city's districts (one per core; at "
                    "most the cores, fewer if fewer districts fit in memory at once)")
    rp.add_argument("--scheduler", metavar="ADDRESS", type=scheduler_address,
                    help="run the districts on a Dask distributed cluster, e.g. "
                    "tcp://10.0.0.5:8786")
    rp.add_argument("--no-partition", action="store_true",
                    help="run a city of several districts as one model in this process "
                    "(needs all its memory at once)")
    add_force(rp)
    handled_by(rp, "run", "run")

    sw = sub.add_parser("sweep", help="run an experiment file: designs x policies x "
                        "replications, in parallel, resumable")
    sw.add_argument("file", metavar="FILE", help="experiment file (TOML), e.g. "
                    "experiments/policy_comparison.toml, or a shipped experiment's name, "
                    "e.g. policy_comparison (`gridgov experiments`)")
    add_run_options(sw, "results/NAME")
    sw.add_argument("--keep-cases", action="store_true",
                    help="also keep every run's case log (cases/RUN_ID.parquet)")
    sw.add_argument("--no-report", action="store_true",
                    help="do not write the comparison report (OUT/report/) at the end")
    handled_by(sw, "sweep", "sweep")

    sp = sub.add_parser("sensitivity", help="Sobol indices (or Morris screening) of the "
                        "key outcomes over an experiment file's [ranges]")
    sp.add_argument("file", metavar="FILE", help="experiment file with [ranges], e.g. "
                    "experiments/sensitivity.toml, or a shipped one's name: sensitivity")
    sp.add_argument("--method", choices=("sobol", "morris"), default="sobol",
                    help="sobol: first- and total-order indices from Saltelli's design of "
                    "N (d + 2) points; morris: screening with N trajectories (sobol)")
    sp.add_argument("--samples", type=int_between(2, 2**20), metavar="N",
                    help="N: base samples (a power of 2) or trajectories (the file's samples)")
    sp.add_argument("--metrics", metavar="M1,M2,...", help="outcomes to analyse (default: "
                    "unresolved issue-days, shares resolved within 90 days and 5 working "
                    "days, hidden issues, trust change, active volunteers)")
    add_run_options(sp, "results/NAME-METHOD unless the file's own design is used")
    handled_by(sp, "analyses", "run_sensitivity")

    kp = sub.add_parser("calibrate", help="fit an experiment file's [ranges] to its "
                        "[targets] by approximate Bayesian computation")
    kp.add_argument("file", metavar="FILE", help="experiment file with [ranges], [targets] "
                    "and a sampled [design], e.g. experiments/calibration.toml, or a shipped "
                    "one's name: calibration")
    kp.add_argument("--accept", type=probability, default=0.1,
                    help="share of design points accepted (0.1)")
    kp.add_argument("--verify", type=int_between(0, 10_000), default=10, metavar="N",
                    help="replications of the fitted values run afresh to check the fit "
                    "(10; 0 skips)")
    add_run_options(kp, "results/NAME")
    handled_by(kp, "analyses", "run_calibration")

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
    cp.add_argument("--alpha", type=probability, default=ALPHA,
                    help=f"family-wise error rate for Holm's correction ({ALPHA:g})")
    handled_by(cp, "compare", "run_compare")
    return ap


def add_shipped_commands(sub: Any) -> None:
    """``gridgov experiments [copy NAME [DIR]]`` and ``gridgov docs [NAME]``: the files
    gridgov ships."""
    ep = sub.add_parser("experiments", help="list the shipped experiment files (gridgov "
                        "sweep NAME runs one); `experiments copy NAME` copies one to edit")
    handled_by(ep, "experiments", "listing")
    esub = ep.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    cp = esub.add_parser("copy", help="copy a shipped experiment file into a folder")
    cp.add_argument("name", metavar="NAME", help="a shipped experiment (`gridgov experiments`)")
    cp.add_argument("folder", metavar="DIR", nargs="?", default=".",
                    help="where to write NAME.toml (the current folder)")
    handled_by(cp, "experiments", "copy")
    dp = sub.add_parser("docs", help="where gridgov's docs are: list them, or print one's path")
    dp.add_argument("name", metavar="NAME", nargs="?", help="a doc, e.g. model: print its path")
    handled_by(dp, "experiments", "docs")


def add_run_options(parser: argparse.ArgumentParser, default_out: str) -> None:
    """--out, --workers, --scheduler and --resume: the options of every command that runs
    a sweep."""
    parser.add_argument("--out", metavar="DIR", help=f"results folder ({default_out})")
    parser.add_argument("--workers", type=int_between(1, 1024), metavar="N",
                        help="local worker processes (one per core; at most the cores, "
                        "fewer if fewer runs fit in memory at once)")
    parser.add_argument("--scheduler", metavar="ADDRESS", type=scheduler_address,
                        help="run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--resume", action="store_true",
                        help="skip runs already completed in the results folder")
    add_force(parser)


def add_force(parser: argparse.ArgumentParser) -> None:
    """--force: start even where the guards say it will not fit."""
    parser.add_argument("--force", action="store_true",
                        help="skip the memory and disk guards: start even if the estimates "
                        "say a run or the results will not fit (--workers stays at most "
                        "the cores)")
