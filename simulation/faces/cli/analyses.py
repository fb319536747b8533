"""``gridgov sensitivity FILE`` and ``gridgov calibrate FILE``: analyses that run a sampled
sweep and then read its results (:mod:`simulation.analysis.sensitivity`,
:mod:`simulation.analysis.calibration`)."""

from __future__ import annotations

import argparse
import sys

from ...analysis import calibration, sensitivity
from ...analysis.report.results import load_results
from ...scenarios import get_scenario
from ...support.ownership import output_error
from ...support.storage import atomic_write_text
from ...sweeps.experiment import load_experiment
from ...sweeps.folder import ResultsFolder
from .options import metric_names
from .sweep import execute, report_failures, sweep_folder


def run_sensitivity(args: argparse.Namespace) -> int:
    """Sweep the file's [ranges] by Saltelli's (or Morris's) design; print and write the
    indices (the steps of :func:`simulation.faces.api.run_sensitivity`, with the command line's
    guards and progress)."""
    experiment = load_experiment(args.file)
    names = metric_names(args.metrics)
    experiment, name = sensitivity.prepare(experiment, args.method, args.samples, names)
    out = sweep_folder(args, name)
    table = execute(experiment, out, args)
    if (table.status != "ok").all():
        return report_failures(table, out)
    indices, folder = sensitivity.analyse_folder(out, names)
    print(sensitivity.text_table(indices))
    print(f"wrote {folder}/sensitivity.csv and sensitivity.png")
    return report_failures(table, out)


def run_calibration(args: argparse.Namespace) -> int:
    """Sweep the prior, accept the closest points, print the posterior, write its files,
    and (--verify N) run the fitted values afresh to check the fit."""
    experiment = load_experiment(args.file)
    calibration.check_experiment(experiment)
    out = sweep_folder(args, experiment.name)
    table = execute(experiment, out, args)
    if (table.status != "ok").all():
        return report_failures(table, out)
    cal = calibration.calibrate(load_results(out), args.accept)
    folder = ResultsFolder(out).calibration
    units = {k: v.unit for k, v in get_scenario(experiment.scenario).specs().items()}
    later = ("verify.toml", "fit.csv") if args.verify else ()
    try:
        calibration.write_files(cal, experiment, folder, units, later)
    except OSError as exc:
        raise output_error(exc.filename or folder, exc) from None
    accepted = int(cal.points.accepted.sum())
    print(f"rejection ABC: {accepted} of {len(cal.points)} design points accepted "
          f"({accepted / len(cal.points):.0%}), effective sample size {cal.ess:.1f}"
          + (f"; {cal.saturated} refused as saturated (a queue's offered load >= 0.85)"
             if cal.saturated else "") + "; posterior median [90% credible interval]:")
    if cal.ess < calibration.MIN_ESS:
        print(f"gridgov: warning: effective sample size {cal.ess:.1f} is below "
              f"{calibration.MIN_ESS}: the credible intervals rest on few points; raise "
              "[design] samples", file=sys.stderr)
    for _, r in cal.posterior.iterrows():
        print(f"  {r.parameter:<32} {r['median']:.4g} [{r.q05:.4g}, {r.q95:.4g}]   prior "
              f"[{r.prior_low}, {r.prior_high}], best point {r.best:.4g}")
    status = report_failures(table, out)
    if args.verify:
        check = folder / "verify.toml"
        atomic_write_text(check, calibration.verify_toml(experiment, cal, args.verify))
        runs = execute(load_experiment(check), ResultsFolder(out).verify, args)
        fit = calibration.fit_table(runs[runs.status == "ok"], cal.targets)
        atomic_write_text(folder / "fit.csv", fit.to_csv(index=False))
        print(f"fit of the posterior medians over {args.verify} fresh replications:")
        for _, r in fit.iterrows():
            print(f"  {r.metric:<32} simulated {r.simulated:.4g} ± {r.se:.2g} (SE)   target "
                  f"{r.target:.4g} ± {r.tolerance:.2g}   z = {r.z:+.2f}")
        status = max(status, report_failures(runs, ResultsFolder(out).verify))
    print(f"wrote {folder}/points.csv, posterior.csv, fitted.toml, calibration.png"
          + (", fit.csv" if args.verify else ""))
    return status
