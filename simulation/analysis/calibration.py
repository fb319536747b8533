"""Calibration by approximate Bayesian computation (rejection ABC, Pritchard et al. 1999;
Beaumont et al. 2002's kernel weights).

The experiment's [ranges] are a uniform prior; its sampled design (lhs or sobol) draws
from it; each design point's outcome is the mean of each target metric over its
replications. The distance of a point is the root mean square of the standardised misfits
(simulated - target) / tolerance over the [targets]; a point whose queues reach an analytic
offered load of ``load.STABLE_LOAD`` (0.85) gets an infinite distance, so a fit can never
rest on a saturated queue; the closest ``accept`` share of the points are accepted and
weighted with an Epanechnikov kernel on their distance. The
weighted accepted points approximate the posterior; its median is the fitted value, the
5th-95th weighted percentiles its 90% credible interval. A verification sweep then runs
the fitted values afresh with new replications and reports the fit against each target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..load import STABLE_LOAD
from ..support.errors import GridgovError
from ..support.ownership import write_owned
from ..support.storage import atomic_write_figure, atomic_write_text
from ..sweeps.experiment import Experiment, Target
from .report.errors import ReportError
from .report.figures import panels
from .report.results import SweepResults

DEFAULT_ACCEPT = 0.1  # share of design points accepted
MIN_ESS = 50  # below this effective sample size the credible intervals are rough


@dataclass
class Calibration:
    """What a calibration found."""

    points: pd.DataFrame  # one row per design point: parameters, metric means, distance
    posterior: pd.DataFrame  # one row per parameter: prior, posterior median and 90% CrI
    targets: dict[str, Target]

    @property
    def saturated(self) -> int:
        """Design points refused because a queue's offered load reached STABLE_LOAD."""
        if "max_offered_load" not in self.points:
            return 0
        return int((self.points.max_offered_load >= STABLE_LOAD).sum())

    @property
    def ess(self) -> float:
        """Kish's effective sample size of the accepted points, (sum w)^2 / sum w^2."""
        w = self.points.weight.to_numpy(float)
        return float(w.sum() ** 2 / (w * w).sum()) if (w > 0).any() else 0.0

    def fitted(self) -> dict[str, float | int]:
        """The posterior medians (integers rounded for integer parameters)."""
        out: dict[str, float | int] = {}
        for _, r in self.posterior.iterrows():
            value = float(r["median"])
            out[r.parameter] = round(value) if r.integer else value
        return out


def distances(means: pd.DataFrame, targets: dict[str, Target]) -> np.ndarray:
    """RMS of the standardised misfits (mean - value) / tolerance over the targets."""
    z = np.column_stack([(means[k].to_numpy(float) - t.value) / t.tolerance
                         for k, t in targets.items()])
    return np.sqrt(np.mean(z * z, axis=1))


def accept(dist: np.ndarray, share: float) -> np.ndarray:
    """Epanechnikov weights: the closest ``share`` of the points (at least 2) get weight
    1 - (d / h)^2 with h just above the largest accepted distance; the rest get 0."""
    finite = np.isfinite(dist)
    k = min(int(finite.sum()), max(2, math.ceil(share * len(dist))))
    if k == 0:
        return np.zeros(len(dist))
    h = np.sort(dist[finite])[k - 1] * (1 + 1e-9) + 1e-12
    w = np.where(finite & (dist <= h), 1.0 - (dist / h) ** 2, 0.0)
    return w / w.sum()


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The q-quantile of ``x`` under weights ``w`` (mid-point interpolation of the CDF)."""
    keep = w > 0
    x, w = np.asarray(x, float)[keep], np.asarray(w, float)[keep]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cdf, x))


def calibrate(results: SweepResults, share: float = DEFAULT_ACCEPT) -> Calibration:
    """Rejection ABC over the design points of a finished sweep with [targets]."""
    targets = {k: Target(**v) for k, v in results.design.get("targets", {}).items()}
    ranges = results.design.get("ranges", {})
    if not targets:
        raise ReportError(f"{results.folder} has no [targets]; a calibration needs "
                          "metric = { value = ..., tolerance = ..., source = \"...\" }")
    if not ranges:
        raise ReportError(f"{results.folder} has no [ranges]: nothing to calibrate")
    missing = [k for k in targets if k not in results.runs]
    if missing:
        raise ReportError(f"the runs do not record {missing[0]!r}; rerun the sweep with "
                          "this version of gridgov")
    ok = results.ok
    means = ok.groupby("point")[list(targets)].mean()
    points = pd.DataFrame(results.design["points"]).loc[means.index]
    table = pd.concat([points, means], axis=1)
    table["replications"] = ok.groupby("point").size()
    table["distance"] = distances(means, targets)
    if "max_offered_load" in ok:
        load = ok.groupby("point").max_offered_load.max()
        table["max_offered_load"] = load
        table.loc[load >= STABLE_LOAD, "distance"] = np.inf  # never accepted
    if not np.isfinite(table.distance).any():
        raise ReportError(
            f"no design point of {results.folder} can be accepted: every one has a queue "
            f"at an analytic offered load of {STABLE_LOAD} or more (lowest "
            f"{table.max_offered_load.min():.3f}); give the scenario the staff its queues "
            f"need, or narrow the [ranges]")
    table["weight"] = accept(table.distance.to_numpy(), share)
    table["accepted"] = table.weight > 0
    rows = []
    for key, (low, high) in ranges.items():
        x, w = table[key].to_numpy(float), table.weight.to_numpy()
        best = table.loc[table.distance.idxmin(), key]
        rows.append({"parameter": key, "prior_low": low, "prior_high": high,
                     "median": weighted_quantile(x, w, 0.5),
                     "q05": weighted_quantile(x, w, 0.05), "q95": weighted_quantile(x, w, 0.95),
                     "best": best, "integer": isinstance(low, int) and isinstance(high, int)})
    return Calibration(table.sort_values("distance"), pd.DataFrame(rows), targets)


def fit_table(runs: pd.DataFrame, targets: dict[str, Target]) -> pd.DataFrame:
    """Each target against the runs' mean with its standard error and the standardised
    misfit z = (mean - value) / tolerance."""
    rows = []
    for key, t in targets.items():
        x = runs[key].astype(float).dropna()
        se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan
        mean = float(x.mean())
        rows.append({"metric": key, "target": t.value, "tolerance": t.tolerance,
                     "simulated": mean, "se": se, "z": (mean - t.value) / t.tolerance,
                     "runs": len(x), "source": t.source})
    return pd.DataFrame(rows)


def figure(cal: Calibration, units: dict[str, str] | None = None) -> Figure:
    """Per parameter: the prior range, the design points' distances, and the accepted
    points (size = weight) with the posterior median and 90% interval."""
    fig, axes = panels(len(cal.posterior), 4.2, 3.2)
    t = cal.points
    for ax, (_, r) in zip(axes, cal.posterior.iterrows(), strict=True):
        ax.scatter(t[r.parameter], t.distance, s=8, color="#bbbbbb", label="design points")
        acc = t[t.accepted]
        ax.scatter(acc[r.parameter], acc.distance, s=20 + 300 * acc.weight, color="#08519c",
                   label="accepted (size = weight)")
        ax.axvspan(r.q05, r.q95, color="#4292c6", alpha=0.15, label="90% credible interval")
        ax.axvline(r["median"], color="#08519c", lw=1.5, label="posterior median")
        ax.set_xlim(r.prior_low, r.prior_high)
        ax.set_yscale("log")
        unit = (units or {}).get(r.parameter, "")
        ax.set_xlabel(f"{r.parameter}" + (f" ({unit})" if unit else "") + ", over its prior")
        ax.set_ylabel("distance to targets (RMS z)")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=8)
    fig.suptitle("Rejection ABC: distance of each design point to the targets")
    return fig


class CalibrationError(GridgovError):
    """An experiment file that cannot be a calibration (one line for the user)."""


def check_experiment(experiment: Experiment) -> None:
    """Raise :class:`CalibrationError` unless ``experiment`` is a calibration: [targets],
    a prior sampled over [ranges] (lhs or sobol), no [factors], one policy."""
    where = f"{experiment.path}:"
    if not experiment.targets:
        raise CalibrationError(f"{where} [targets]: missing; a calibration fits metrics to "
                               "published figures: metric = { value = ..., tolerance = ..., "
                               "source = \"...\" }")
    if experiment.method not in ("lhs", "sobol") or not experiment.ranges:
        raise CalibrationError(f"{where} [design]: a calibration samples its prior over "
                               "[ranges] with method = \"lhs\" or \"sobol\"")
    if experiment.factors:
        raise CalibrationError(f"{where} [factors]: a calibration fits [ranges] alone; move "
                               "these keys to [fixed] (one value) or [ranges] (a prior)")
    if len(experiment.policies) > 1:
        raise CalibrationError(f"{where} [[policies]]: a calibration fits one configuration; "
                               "keep one policy (or set its keys in [fixed])")


def toml_value(v: Any) -> str:
    """``v`` as a TOML value (booleans, strings with escapes, numbers)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)


def fitted_toml(experiment: Experiment, cal: Calibration) -> str:
    """fitted.toml: a [fixed] table of the posterior medians, each with its 90% credible
    interval as a comment (ready to paste into a scenario or an experiment file)."""
    accepted = int(cal.points.accepted.sum())
    lines = [f"# Fitted by `gridgov calibrate {experiment.path}`: rejection ABC, {accepted} of "
             f"{len(cal.points)} design points accepted.",
             "# Posterior medians; the comment gives the 90% credible interval.", "[fixed]"]
    values = cal.fitted()
    for _, r in cal.posterior.iterrows():
        lines.append(f'"{r.parameter}" = {toml_value(values[r.parameter])}   '
                     f"# 90% CrI [{r.q05:.4g}, {r.q95:.4g}]")
    return "\n".join(lines) + "\n"


def verify_toml(experiment: Experiment, cal: Calibration, replications: int) -> str:
    """verify.toml: an experiment that runs the fitted values afresh, ``replications``
    times with new seeds (the calibration's seed + 1), to check the fit."""
    fixed = {**experiment.fixed, **cal.fitted()}
    lines = ["# The fitted values run afresh (new seeds) to check the fit.", "[experiment]",
             f'name = "{experiment.name}-verify"', f'scenario = "{experiment.scenario}"',
             f"days = {experiment.days}", f"warmup_days = {experiment.warmup_days}",
             f"followup_days = {experiment.followup_days}", f"replications = {replications}",
             f"seed = {experiment.seed + 1}", "", "[fixed]"]
    lines += [f'"{k}" = {toml_value(v)}' for k, v in fixed.items()]
    return "\n".join(lines) + "\n"


def write_files(cal: Calibration, experiment: Experiment, folder: Path,
                units: dict[str, str] | None = None, later: Iterable[str] = ()) -> list[Path]:
    """Write points.csv, posterior.csv, fitted.toml and calibration.png into ``folder``
    (created; only over files of an earlier ``gridgov calibrate``: its ownership record,
    which also lists ``later``, the files the caller writes next); return their paths."""
    fig = figure(cal, units)
    writers: dict[str, Callable[[Path], object]] = {
        "points.csv": lambda p: atomic_write_text(p, cal.points.to_csv(index_label="point")),
        "posterior.csv": lambda p: atomic_write_text(p, cal.posterior.to_csv(index=False)),
        "fitted.toml": lambda p: atomic_write_text(p, fitted_toml(experiment, cal)),
        "calibration.png": lambda p: atomic_write_figure(p, fig, dpi=110),
    }
    return write_owned(folder, "calibrate", writers, later, marker="posterior.csv",
                       layout=(*writers, "verify.toml", "fit.csv"))
