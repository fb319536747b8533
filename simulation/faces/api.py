"""Sweeps, comparisons and sensitivity analyses from Python: what ``gridgov sweep``,
``gridgov compare`` and ``gridgov sensitivity`` do, as functions that return pandas
objects and paths (docs/api.md).

    import simulation
    result = simulation.run_sweep("experiments/staffing.toml", workers=2)
    result.runs.groupby("policy").unresolved_issue_days_per_household.median()
    result.plot()                                   # outcomes by policy: a Figure
    cmp = simulation.compare(result, baseline="status_quo")
    cmp.table, cmp.report                           # a DataFrame, report.html's path

Each function reads an experiment file (docs/experiments.md) or takes an
:class:`~simulation.sweeps.experiment.Experiment`, runs through the same code as the command
line (:func:`simulation.sweeps.engine.run_sweep`,
:func:`simulation.analysis.report.build.build_report`,
:func:`simulation.analysis.sensitivity.analyse_folder`) and writes the same results folder, so
the command line can ``--resume`` or ``compare`` what Python started, and the other way
round. Problems with the input raise a :class:`~simulation.support.errors.GridgovError`
subclass (one line naming the problem and the valid choices) before any run starts;
what the command line prints on standard error (levers that cannot act, failed or
overloaded runs, no report) is a Python warning here.

Heavy modules (the sweep machinery, the report and its plotting stack) are imported
when a function is called, so ``import simulation`` stays light.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis.statistics import ALPHA

if TYPE_CHECKING:
    import concurrent.futures as cf

    from matplotlib.figure import Figure

    from ..sweeps.experiment import Experiment

__all__ = ["Comparison", "SensitivityResult", "SweepResult", "compare", "run_sensitivity",
           "run_sweep"]


@dataclass(frozen=True)
class SweepResult:
    """A sweep's results folder, read: what :func:`run_sweep` returns.

    ``runs`` is the runs table (one row per run: ids, seed, factors, every summary metric
    of :mod:`simulation.measures.outcomes` in its unit, ``status``, ``error``, ``wall_seconds``);
    ``timeseries`` every finished run's daily series in one long table (``run_id``,
    ``day``, ...; read from ``timeseries.parquet`` when first used); ``folder`` the
    results folder; ``report`` its comparison report (``report.html``; None if not
    written). ``plot()`` draws the outcomes by policy, ``compare()`` (re)builds the
    report.
    """

    folder: Path
    runs: pd.DataFrame = field(repr=False)
    report: Path | None = None
    name: str = ""

    @classmethod
    def load(cls, folder: str | Path) -> SweepResult:
        """The sweep in ``folder`` as written by ``gridgov sweep`` or :func:`run_sweep`
        (its runs table; its report if there is one). ReportError if it holds none."""
        from ..analysis.report.results import load_results
        from ..sweeps.folder import ResultsFolder

        results = load_results(folder)  # checks the folder, names what is missing
        html = ResultsFolder(folder).report / "report.html"
        return cls(Path(folder), results.runs, html if html.is_file() else None,
                   results.name)

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Every finished run's daily series (``run_id``, ``day``, open and hidden issues,
        mean trust, ...; one row per run and day); empty if none was stored."""
        from ..sweeps.folder import ResultsFolder

        path = ResultsFolder(self.folder).timeseries
        return pd.read_parquet(path) if path.is_file() else pd.DataFrame()

    @property
    def failed(self) -> pd.DataFrame:
        """The runs that did not finish (their ``error`` says why); empty if none."""
        return self.runs[self.runs["status"] != "ok"]

    def plot(self, metrics: Sequence[str] | None = None) -> Figure:
        """The outcomes by policy with the replications' spread
        (:func:`simulation.analysis.plotting.plot_outcomes`); a matplotlib Figure."""
        from ..analysis.plotting import plot_outcomes

        return plot_outcomes(self.runs, metrics, title=self.name or self.folder.name)

    def compare(self, baseline: str | None = None, metrics: Sequence[str] | None = None,
                out: str | Path | None = None, alpha: float = ALPHA) -> Comparison:
        """:func:`compare` of this sweep."""
        return compare(self.folder, baseline=baseline, metrics=metrics, out=out, alpha=alpha)


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` returns: the policy comparison of a sweep.

    ``table`` has one row per (arm, metric): the arm's median with its 95% interval and,
    for every arm but the baseline, the median paired difference from the baseline with
    its interval, Wilcoxon's p-value, Holm's adjusted p-value, the effect size and the
    verdict in words (docs/report.md). ``cost`` is the cost-effectiveness table (yuan a
    year per unit of effect), ``report`` the report.html written, ``figures`` its PNG
    figures by name, ``text`` the table as ``gridgov compare`` prints it.
    """

    table: pd.DataFrame = field(repr=False)
    report: Path
    figures: dict[str, Path] = field(default_factory=dict)
    cost: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    text: str = field(default="", repr=False)
    notes: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        """The report's folder (``report.html``, figures, CSV tables)."""
        return self.report.parent

    def plot(self) -> Figure:
        """Each arm's paired difference from its baseline with its 95% interval
        (:func:`simulation.analysis.plotting.plot_comparison`); a matplotlib Figure."""
        from ..analysis.plotting import plot_comparison

        return plot_comparison(self.table)


@dataclass(frozen=True)
class SensitivityResult:
    """What :func:`run_sensitivity` returns: the indices, one row per (policy, metric,
    parameter) — first- and total-order Sobol indices ``S1``, ``ST`` with their 95%
    intervals (``*_low``, ``*_high``), or Morris's ``mu_star`` (in the outcome's unit per
    full range of the parameter) and ``sigma`` — and the replication noise
    (``noise_share``); ``path`` is the sensitivity.csv written, ``folder`` the sweep's
    results folder, ``runs`` its runs table. ``plot()`` draws the indices."""

    indices: pd.DataFrame = field(repr=False)
    path: Path
    folder: Path
    runs: pd.DataFrame = field(repr=False)

    @property
    def text(self) -> str:
        """The indices as ``gridgov sensitivity`` prints them, with its warnings."""
        from ..analysis.sensitivity import text_table

        return text_table(self.indices)

    def plot(self) -> Figure:
        """The indices with their 95% intervals, one panel per outcome
        (:func:`simulation.analysis.sensitivity.bar_chart`); a matplotlib Figure."""
        from ..analysis.sensitivity import bar_chart

        return bar_chart(self.indices)


def run_sweep(experiment: str | Path | Experiment, out: str | Path | None = None, *,
              workers: int | None = None, scheduler: str | None = None,
              executor: cf.Executor | None = None, resume: bool = False,
              keep_cases: bool = False, report: bool = True,
              progress: bool = False, force: bool = False) -> SweepResult:
    """Run an experiment's sweep (``gridgov sweep FILE``) and read its results.

    Args:
        experiment: an experiment file (TOML, docs/experiments.md), the name of one that
            gridgov ships (``gridgov experiments``: ``"policy_comparison"``, ...) or a loaded
            :class:`~simulation.sweeps.experiment.Experiment`.
        out: the results folder (default ``results/NAME``, NAME the experiment's).
        workers: local worker processes (default one per core; 1 runs them one after
            another in this process).
        scheduler: a Dask scheduler's address instead (``tcp://HOST:8786``).
        executor: any ``concurrent.futures`` executor instead of both.
        resume: keep the runs already finished in ``out`` and run the rest; without it,
            a folder that holds a sweep is refused.
        keep_cases: also keep every run's case log (``cases/RUN_ID.parquet``).
        report: write the comparison report (``out/report/``) at the end.
        progress: show a progress bar (plain lines where standard error is no terminal).
        force: skip the memory and disk guards, as ``gridgov sweep --force``. Without it,
            local ``workers`` are lowered (a warning says why) to the cores and to as many
            runs as fit in the memory available, and TooBig / NoRoom are raised before
            anything runs if one run, the sweep or its results cannot fit.

    Returns:
        A :class:`SweepResult`: ``.runs`` (DataFrame), ``.timeseries``, ``.folder``,
        ``.report`` (Path of report.html, or None), ``.plot()``.

    Raises:
        ExperimentError, SweepError, FolderError (GridgovError): a bad file or folder,
        before anything runs. Failed runs do not raise: they are in ``.failed`` (and a
        warning names them). Lever and overload warnings are Python warnings.
    """
    from ..running.progress import make_progress
    from ..sweeps.engine import run_sweep as sweep_engine
    from ..sweeps.plan import failure_notice, missing_series_notice, overloaded_notice, plan_sweep

    exp = _experiment(experiment)
    folder = Path(out) if out is not None else Path("results") / exp.name
    plan = plan_sweep(exp, folder, workers=workers, scheduler=scheduler, executor=executor,
                      resume=resume, keep_cases=keep_cases, force=force)
    for line in plan.notices:
        warnings.warn(line, stacklevel=2)
    bar: Any = contextlib.nullcontext()
    if progress:
        bar = make_progress(len(plan.runs), plan.done, unit="run")
    with bar as shown:
        table = sweep_engine(exp, folder, progress=shown, plan=plan,
                             tell=lambda line: warnings.warn(line, stacklevel=3))
    for line in filter(None, (failure_notice(table, folder), overloaded_notice(table),
                              missing_series_notice(table))):
        warnings.warn(line, stacklevel=2)
    html = None
    if report and (table.status == "ok").any():
        from ..analysis.report.errors import ReportError

        try:
            html = compare(folder).report
        except ReportError as exc:  # the runs are safe; say why there is no report
            warnings.warn(f"no report: {exc}", stacklevel=2)
    return SweepResult(folder, table, html, exp.name)


def compare(results: str | Path | SweepResult, *, baseline: str | None = None,
            metrics: Sequence[str] | None = None, out: str | Path | None = None,
            alpha: float = ALPHA) -> Comparison:
    """Compare a sweep's policies with a baseline (``gridgov compare FOLDER``) and write
    the report: report.html, its figures (PNG) and tables (CSV).

    Args:
        results: a sweep's results folder, or a :class:`SweepResult`.
        baseline: the policy (or, with one policy, the design point ``pNNNN``) the others
            are compared with (default: ``status_quo``, else the first).
        metrics: the outcomes to compare (:mod:`simulation.measures.outcomes`; default
            ``outcomes.REPORT``: unresolved issue-days, shares resolved, trust change,
            cost, ...).
        out: the report's folder (default ``FOLDER/report``).
        alpha: family-wise error rate of Holm's correction (0.05).

    Returns:
        A :class:`Comparison`: ``.table`` (DataFrame, one row per arm and metric),
        ``.report`` (Path of report.html), ``.figures``, ``.cost``, ``.text``, ``.plot()``.

    Raises:
        ReportError: an unusable folder, baseline or metric (before anything is written).
    """
    from ..analysis.report.build import build_report, text_table

    folder = results.folder if isinstance(results, SweepResult) else results
    built = build_report(folder, out, baseline=baseline,
                         metrics=list(metrics) if metrics is not None else None, alpha=alpha)
    assert built.html is not None  # build_report writes it or raises
    return Comparison(built.table, built.html, dict(built.figures), built.cost,
                      text_table(built), list(built.notes))


def run_sensitivity(experiment: str | Path | Experiment, out: str | Path | None = None, *,
                    method: str = "sobol", samples: int | None = None,
                    metrics: Sequence[str] | None = None, workers: int | None = None,
                    scheduler: str | None = None, executor: cf.Executor | None = None,
                    resume: bool = False, progress: bool = False) -> SensitivityResult:
    """Global sensitivity analysis over an experiment's ``[ranges]`` (``gridgov
    sensitivity FILE``): run the design's sweep, then compute the indices.

    Args:
        experiment: an experiment file with ``[ranges]`` or a loaded Experiment.
        out: the results folder (default ``results/NAME``, or ``results/NAME-METHOD``
            when the file's own design is not the method's).
        method: ``"sobol"`` (Saltelli's design, N (d + 2) runs per replication and
            policy for d ranges: first- and total-order indices) or ``"morris"``
            (N trajectories of d + 1 points: mu* and sigma).
        samples: N (a power of 2 for sobol; default the file's ``samples``).
        metrics: outcomes to analyse (default: ``outcomes.SENSITIVITY``).
        workers, scheduler, executor, resume, progress: as for :func:`run_sweep`.

    Returns:
        A :class:`SensitivityResult`: ``.indices`` (DataFrame), ``.path``
        (sensitivity.csv), ``.folder``, ``.runs``, ``.text``, ``.plot()``.

    Raises:
        UsageError, ExperimentError: an unknown method or metric, a file whose design
        cannot be resampled; ReportError if no run finished.
    """
    from ..analysis.sensitivity import analyse_folder, prepare, warnings_for

    exp, name = prepare(_experiment(experiment), method, samples, metrics)
    folder = Path(out) if out is not None else Path("results") / name
    swept = run_sweep(exp, folder, workers=workers, scheduler=scheduler, executor=executor,
                      resume=resume, report=False, progress=progress)
    indices, written = analyse_folder(folder, metrics)
    for line in warnings_for(indices) if not indices.empty else []:
        warnings.warn(line, stacklevel=2)
    return SensitivityResult(indices, written / "sensitivity.csv", folder, swept.runs)


def _experiment(experiment: str | Path | Experiment) -> Experiment:
    """The Experiment a path names (read and validated), or ``experiment`` itself."""
    from ..sweeps.experiment import Experiment, load_experiment

    if isinstance(experiment, Experiment):
        return experiment
    if isinstance(experiment, str | Path):
        return load_experiment(experiment)
    raise TypeError(f"experiment must be an experiment file's path or an Experiment, "
                    f"not {experiment!r}")
