"""Global sensitivity analysis of a sweep over [ranges]: Sobol indices or Morris screening.

A ``saltelli`` design (Saltelli's scheme, N (d + 2) points) gives first-order (S1) and
total-order (ST) Sobol indices; a ``morris`` design (r trajectories of d + 1 points) gives
Morris's mu* (mean absolute elementary effect) and sigma. Each design point's outcome is the
mean over its replications, so the indices describe the model's expected outcome; the share
of single-run variance that is replication noise is reported beside them. Intervals are
SALib's bootstrap 95% intervals (estimate +- conf), computed with a fixed seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..measures.outcomes import OUTCOMES, SENSITIVITY
from ..support.errors import UsageError
from ..support.ownership import output_error, write_owned
from ..support.storage import atomic_write_figure, atomic_write_text
from ..sweeps.designs import MORRIS_LEVELS, SENSITIVITY_METHODS, unit_sample
from ..sweeps.experiment import Experiment, resample
from ..sweeps.folder import ResultsFolder
from .report.comparison import check_metrics
from .report.errors import ReportError
from .report.formatting import metric_label
from .report.results import SweepResults, load_results

SENSITIVITY_METRICS = SENSITIVITY  # the default metrics (simulation/measures/outcomes.py)
ANALYSIS_SEED = 20221121
RESAMPLES = 1000


def prepare(experiment: Experiment, method: str = "sobol", samples: int | None = None,
            metrics: Sequence[str] | None = None) -> tuple[Experiment, str]:
    """The sweep a sensitivity analysis by ``method`` ("sobol": Saltelli's design, or
    "morris") runs, and the name of its default results folder (the file's name, with
    ``-METHOD`` when the file's own design is not used). ``samples`` (None: the file's)
    is N, a power of 2, or the number of Morris trajectories. UsageError for an unknown
    metric or method; ExperimentError if the file's [ranges] do not suit the design."""
    if method not in SENSITIVITY_METHODS:
        raise UsageError(f"unknown method {method!r}; choose from: "
                         + ", ".join(SENSITIVITY_METHODS))
    unknown = [m for m in metrics or [] if m not in OUTCOMES]
    if unknown:  # before any run starts
        raise UsageError(f"unknown metric {unknown[0]!r}; choose from: " + ", ".join(OUTCOMES))
    design = SENSITIVITY_METHODS[method]
    if experiment.method != design or (samples and samples != experiment.samples):
        return resample(experiment, design, samples), f"{experiment.name}-{method}"
    return experiment, experiment.name


def analyse_folder(out: str | Path, metrics: Sequence[str] | None = None
                   ) -> tuple[pd.DataFrame, Path]:
    """Analyse the finished sweep in ``out`` and write OUT/sensitivity/sensitivity.csv and
    sensitivity.png; returns (the indices, :func:`analyse`'s table; the folder written).
    ``metrics`` default to those of :data:`SENSITIVITY_METRICS` the runs have. ReportError
    for an unusable folder or metric, FolderError if a file cannot be written."""
    results = load_results(out)
    names = check_metrics(results, list(metrics) if metrics else
                          [m for m in SENSITIVITY if m in results.runs])
    indices = analyse(results, names)
    folder = ResultsFolder(out).sensitivity
    try:
        write_files(indices, folder)
    except OSError as exc:
        raise output_error(exc.filename or folder, exc) from None
    return indices, folder


def point_means(results: SweepResults, metric: str,
                policy: str | None = None) -> tuple[np.ndarray, float, float]:
    """(mean of ``metric`` over each design point's finished runs, in point order; the
    share of a single run's variance that is replication noise, within / (within +
    between), a one-way random-effects split; the share of the point means' variance that
    is noise, (within / R) / var(point means)). ReportError if a point has no run."""
    ok = results.ok if policy is None else results.ok[results.ok.policy == policy]
    n_points = len(results.design.get("points", []))
    # as floats: a count column (Int64) would give pd.NA, not NaN, where a point has one run
    reps = ok[metric].astype(float).groupby(ok["point"])
    y = reps.mean().reindex(range(n_points))
    missing = int(y.isna().sum())
    if missing:
        raise ReportError(f"{missing} of {n_points} design points have no finished run with "
                          f"{metric}; rerun them with `--resume` before the analysis")
    within = float(reps.var().mean())  # replication variance of a single run
    if not math.isfinite(within):  # one replication: noise cannot be estimated
        return y.to_numpy(float), math.nan, math.nan
    per_point = float(reps.size().mean())
    var_means = float(y.var())
    between = max(var_means - within / per_point, 0.0)  # of the expected outcome
    noise = within / (within + between) if within + between > 0 else math.nan
    noise_means = min(1.0, within / per_point / var_means) if var_means > 0 else math.nan
    return y.to_numpy(float), noise, noise_means


def warnings_for(indices: pd.DataFrame) -> list[str]:
    """Signs that the indices rest on too few samples or too much noise."""
    out = []
    for (policy, metric), t in indices.groupby(["policy", "metric"], sort=False):
        what = f"{metric}" + (f" ({policy})" if indices.policy.nunique() > 1 else "")
        if "ST" in t:
            half = ((t.ST_high - t.ST_low) / 2).max()
            if (t[["S1", "ST"]] > 1.05).any().any() or half > 0.25:
                out.append(f"{what}: indices above 1 or intervals wider than +-0.25: too few "
                           "samples; raise --samples")
        if t.mean_noise_share.iloc[0] > 0.2:
            out.append(f"{what}: {t.mean_noise_share.iloc[0]:.0%} of the point means' "
                       "variance is replication noise; add replications")
    return out


def analyse(results: SweepResults, metrics: list[str]) -> pd.DataFrame:
    """One row per (policy, metric, parameter) with the indices and their 95% intervals
    (each policy is analysed on its own: the design repeats for every policy)."""
    from SALib.analyze import morris, sobol

    method = results.method
    if method not in ("saltelli", "morris"):
        raise ReportError(f"{results.folder} holds a {method!r} design; a sensitivity "
                          "analysis needs saltelli or morris (run `gridgov sensitivity FILE`)")
    names = list(results.design["ranges"])
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    rows = []
    policies = list(dict.fromkeys(results.ok.policy))
    for policy, metric in ((p, m) for p in policies for m in metrics):
        y, noise, noise_means = point_means(results, metric, policy)
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            continue  # a constant outcome has no variance to apportion
        if method == "saltelli":
            si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                               conf_level=0.95, seed=ANALYSIS_SEED)
            for k, name in enumerate(names):
                rows.append({"policy": policy, "metric": metric, "parameter": name,
                             "noise_share": noise, "mean_noise_share": noise_means,
                             "S1": si["S1"][k], "S1_low": si["S1"][k] - si["S1_conf"][k],
                             "S1_high": si["S1"][k] + si["S1_conf"][k], "ST": si["ST"][k],
                             "ST_low": si["ST"][k] - si["ST_conf"][k],
                             "ST_high": si["ST"][k] + si["ST_conf"][k]})
        else:
            x = unit_sample("morris", names, int(results.design["samples"]), results.seed)
            si = morris.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=0.95,
                                num_levels=MORRIS_LEVELS, seed=ANALYSIS_SEED)
            for k, name in enumerate(names):
                rows.append({"policy": policy, "metric": metric, "parameter": name,
                             "noise_share": noise, "mean_noise_share": noise_means,
                             "mu_star": si["mu_star"][k],
                             "mu_star_low": si["mu_star"][k] - si["mu_star_conf"][k],
                             "mu_star_high": si["mu_star"][k] + si["mu_star_conf"][k],
                             "mu": si["mu"][k], "sigma": si["sigma"][k]})
    return pd.DataFrame(rows)


def bar_chart(indices: pd.DataFrame) -> Figure:
    """One panel per metric: each parameter's indices with their 95% intervals."""
    groups = list(dict.fromkeys(zip(indices.policy, indices.metric, strict=True)))
    several = indices.policy.nunique() > 1
    sobol_kind = "S1" in indices
    fig = Figure(figsize=(9, 2.2 + 0.32 * indices.parameter.nunique() * len(groups)),
                 layout="constrained")  # no pyplot: freed with its last reference
    axes = fig.subplots(len(groups), 1, squeeze=False)
    for ax, (policy, metric) in zip(axes[:, 0], groups, strict=True):
        t = indices[(indices.policy == policy) & (indices.metric == metric)]
        pos = np.arange(len(t))
        if sobol_kind:
            for off, key, colour in ((-0.2, "S1", "#4292c6"), (0.2, "ST", "#08519c")):
                ax.barh(pos + off, t[key], height=0.38, color=colour, label=key,
                        xerr=[t[key] - t[f"{key}_low"], t[f"{key}_high"] - t[key]],
                        error_kw={"lw": 0.8, "capsize": 2})
            ax.set_xlabel("Sobol index (share of output variance)")
            ax.axvline(0, color="black", lw=0.6)
        else:
            ax.barh(pos, t.mu_star, height=0.6, color="#4292c6", label="mu*",
                    xerr=[t.mu_star - t.mu_star_low, t.mu_star_high - t.mu_star],
                    error_kw={"lw": 0.8, "capsize": 2})
            ax.set_xlabel(f"mu*: mean |elementary effect| on {metric_label(metric)} per "
                          "full range")
        ax.set_yticks(pos, t.parameter, fontsize=8)
        ax.invert_yaxis()
        noise = t.noise_share.iloc[0]
        extra = f"; replication noise {noise:.0%} of single-run variance" \
            if math.isfinite(noise) else ""
        who = f"{policy}: " if several else ""
        ax.set_title(f"{who}{metric_label(metric)}{extra}", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper right", fontsize=8)
    fig.suptitle(("First-order (S1) and total-order (ST) Sobol indices" if sobol_kind
                  else "Morris screening") + ", bars = 95% bootstrap intervals")
    return fig


def text_table(indices: pd.DataFrame) -> str:
    """The indices as plain text, one block per metric."""
    lines = []
    several = indices.policy.nunique() > 1
    for (policy, metric), t in indices.groupby(["policy", "metric"], sort=False):
        who = f"{policy}: " if several else ""
        lines.append(f"{who}{metric} (replication noise: {t.noise_share.iloc[0]:.0%} of a "
                     f"single run's variance, {t.mean_noise_share.iloc[0]:.0%} of the point "
                     "means')")
        for _, r in t.iterrows():
            if "S1" in r:
                lines.append(f"  {r.parameter:<30} S1 {r.S1:+.3f} [{r.S1_low:+.3f}, "
                             f"{r.S1_high:+.3f}]   ST {r.ST:+.3f} [{r.ST_low:+.3f}, "
                             f"{r.ST_high:+.3f}]")
            else:
                lines.append(f"  {r.parameter:<30} mu* {r.mu_star:.4g} [{r.mu_star_low:.4g}, "
                             f"{r.mu_star_high:.4g}]   sigma {r.sigma:.4g}")
        lines.append("")
    lines += [f"warning: {w}" for w in warnings_for(indices)]
    return "\n".join(lines)


def write_files(indices: pd.DataFrame, folder: Path) -> list[Path]:
    """Write sensitivity.csv (and sensitivity.png if there are indices) into ``folder``
    (created; only over files of an earlier ``gridgov sensitivity``: its ownership record);
    return their paths."""
    writers: dict[str, Callable[[Path], object]] = {
        "sensitivity.csv": lambda p: atomic_write_text(p, indices.to_csv(index=False))}
    if not indices.empty:
        fig = bar_chart(indices)
        writers["sensitivity.png"] = lambda p: atomic_write_figure(p, fig, dpi=110)
    return write_owned(folder, "sensitivity", writers, marker="sensitivity.csv",
                       layout=("sensitivity.csv", "sensitivity.png"))
