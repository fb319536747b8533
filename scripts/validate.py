"""Run every validation check at full size and write docs/validation.md with its figures.

    python scripts/validate.py              # full size (a few minutes on 2 cores)
    python scripts/validate.py --quick      # the test suite's size, into results/validation-quick/
    python scripts/validate.py --workers 1  # every run in this process (default: one
                                            # local worker process per usable core)

Exit status 1 if any check fails (the page is written either way).

`make validate` runs `gridgov calibrate experiments/calibration.toml --resume` first, so the
calibration section shows the current fit. Everything in docs/validation.md comes from this
script: edit the script, not the page.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulation.analysis import validation
from simulation.rules import erlang_c
from simulation.seeds import queue_check_seeds
from simulation.support.machine import usable_cores

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "validation.md"
FIGS = ROOT / "docs" / "validation"
CALIBRATION = ROOT / "results" / "calibration" / "calibration"
QUICK_OUT = ROOT / "results" / "validation-quick"  # --quick never overwrites docs/
QUEUE_SEED = 20221121  # each row's replications: seeds.queue_check_seeds(this, row...)

# (lambda, mu, workers per grid, grids, days, replications): light to heavy, 1 and 3 workers.
# 30 replications a row: at heavy load a run's mean wait has a long right tail, and the
# standard error estimated from 10 replications is itself too unreliable to test against.
QUEUES = [
    (3.0, 10.0, 1, 1, 600, 30), (5.0, 10.0, 1, 1, 800, 30), (7.0, 10.0, 1, 1, 1500, 30),
    (9.0, 10.0, 1, 1, 3000, 30), (9.0, 10.0, 3, 1, 600, 30), (15.0, 10.0, 3, 1, 800, 30),
    (21.0, 10.0, 3, 1, 1500, 30), (27.0, 10.0, 3, 1, 3000, 30),
    (0.6, 1.2, 1, 4, 2000, 8), (0.8, 1.0, 1, 3, 3000, 10),
]


def queue_runs(lam: float, mu: float, c: int, grids: int, days: int,
               reps: int) -> validation.QueueRuns:
    """One row's replications, each row's seeds from its own SeedSequence."""
    seeds = queue_check_seeds(QUEUE_SEED, lam, mu, c, grids, reps)
    return validation.QueueRuns(lam, mu, c, grids, days, tuple(seeds))


def queue_row(runs: validation.QueueRuns, waits: np.ndarray) -> dict:
    """Simulated mean wait per (replication, grid) against Erlang C / M/M/1."""
    lam, mu, c = runs.lam, runs.mu, runs.servers
    x = waits.ravel()
    se = x.std(ddof=1) / math.sqrt(len(x))
    wq = erlang_c(lam, mu, c)[1]
    return {"lambda": lam, "mu": mu, "workers": c, "grids": runs.grids, "rho": lam / (c * mu),
            "days": runs.days, "samples": len(x), "analytic": wq, "simulated": float(x.mean()),
            "se": float(se), "z": float((x.mean() - wq) / se),
            "passed": bool(abs(x.mean() - wq) < 4 * se)}


def queue_figure(table: pd.DataFrame) -> plt.Figure:
    fig, (ax, rel) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
    for (c, g), t in table.groupby(["workers", "grids"]):
        label = f"c = {c}" + (f", {g} grids (M/M/1 each)" if g > 1 else ", one grid")
        ax.errorbar(t.analytic, t.simulated, yerr=4 * t.se, fmt="o", capsize=3, label=label)
        rel.errorbar(t.rho, 100 * (t.simulated / t.analytic - 1), yerr=400 * t.se / t.analytic,
                     fmt="o", capsize=3, label=label)
    lim = [table.analytic.min() * 0.7, table.analytic.max() * 1.4]
    ax.plot(lim, lim, color="grey", ls="--", lw=1, label="simulated = analytic")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("analytic mean wait Wq, Erlang C (days)")
    ax.set_ylabel("simulated mean wait (days), bars ±4 SE (the pass rule)")
    ax.set_title("Simulated against analytic")
    rel.axhline(0, color="grey", ls="--", lw=1)
    rel.set_xlabel("load ρ = λ / (c μ)")
    rel.set_ylabel("simulated / analytic − 1 (%), bars ±4 SE")
    rel.set_title("Relative error by load")
    for a in (ax, rel):
        a.grid(alpha=0.3, which="both")
        a.legend(fontsize=8)
    fig.suptitle("Queueing core against Erlang C and M/M/1")
    return fig


def band(ax: plt.Axes, series: dict, label: str, colour: str) -> None:
    days = np.arange(len(series["median"]))
    ax.fill_between(days, series["p10"], series["p90"], color=colour, alpha=0.2, lw=0)
    ax.plot(days, series["median"], color=colour, label=label)


def wenheng_figure(checks: dict[str, validation.Check], residents_note: str) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    band(axes[0], checks["wenheng_trust"].data["series"], "mean trust", "#08519c")
    axes[0].set_ylabel("mean trust of residents (0-1)")
    band(axes[1], checks["wenheng_backlog"].data["series"], "hidden issues", "#a50f15")
    axes[1].set_ylabel("hidden issues (issues)")
    stages = checks["wenheng_stages"].data["series"]
    for s, col in zip(("watching", "following", "self_driven"),
                      ("#9ecae1", "#4292c6", "#08519c"), strict=True):
        band(axes[2], stages[s], s.replace("_", "-"), col)
    axes[2].set_ylabel("volunteers in the stage (residents)")
    axes[2].legend(fontsize=8)
    for ax, title in zip(axes, ("trust", "hidden issues (day-0 backlog and new)",
                                "volunteer stages"), strict=True):
        ax.set_xlabel("day since grid governance arrived")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    fig.suptitle(f"wenheng: median and 10th-90th percentile over replications "
                 f"({residents_note})")
    return fig


def effects_figure(checks: list[validation.Check]) -> plt.Figure:
    """One panel per (check, metric): baseline and lever, median with the 10th-90th
    percentile over replications, in the metric's own units."""
    rows = [(c, m, d) for c in checks for m, d in c.data.items()
            if isinstance(d, dict) and "expected_sign" in d]
    fig, axes = plt.subplots(1, len(rows), figsize=(2.6 * len(rows) + 1, 3.6),
                             layout="constrained", squeeze=False)
    for ax, (check, metric, d) in zip(axes[0], rows, strict=True):
        for k, key in enumerate(("base_values", "lever_values")):
            v = np.array(d[key])
            med = np.median(v)
            ax.errorbar(k, med, yerr=[[med - np.percentile(v, 10)],
                                      [np.percentile(v, 90) - med]],
                        fmt="o", capsize=4, color="#1a7f37" if d["passed"] else "#c62828")
        ax.set_xticks([0, 1], ["baseline", "lever"])
        ax.set_xlim(-0.5, 1.5)
        way = "up" if d["expected_sign"] > 0 else "down"
        ax.set_title(f"{check.name}\n{metric}\n(expected {way}, p {d['p_value']:.2g})",
                     fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle("Policy patterns: median and 10th-90th percentile over replications "
                 "(green: as expected)")
    return fig


# Welch's method on the status quo's three-year runs: (series, label, relative tolerance).
# The hidden stock and trust are the slow series the warm-up is chosen on; open issues and
# the queues above the grid settle in weeks (their tolerance is looser: they are small and
# noisy day to day).
WARMUP_SERIES = [("hidden_issues", "hidden issues", 0.05), ("mean_trust", "mean trust", 0.01),
                 ("open_issues", "open issues", 0.10)]
WELCH_HALF_WIDTH = 30  # days either side of the moving average
WARMUP_DAYS = 365  # the warm-up the experiment files use


def warmup_section(check: validation.Check) -> tuple[list[str], plt.Figure]:
    """Welch's method on the stationarity check's runs: when each series settles."""
    from simulation.analysis.warmup import settled_day, welch_average

    runs = check.data["runs"]
    fig, axes = plt.subplots(1, len(WARMUP_SERIES) + 1, figsize=(16, 3.8),
                             layout="constrained")
    rows, slow = [], []
    for ax, (col, label, tol) in zip(axes, WARMUP_SERIES, strict=False):
        x = np.array(runs[col])
        smooth = welch_average(x, WELCH_HALF_WIDTH)
        day = settled_day(smooth, tol)
        if col in ("hidden_issues", "mean_trust"):
            slow.append(day)
        rows.append(f"| {label} | ±{tol:.0%} of its level | {day} |")
        band(ax, check.data["series"][col], "median, 10th-90th percentile", "#9ecae1")
        ax.plot(np.arange(len(smooth)), smooth, color="#08519c", lw=1.5,
                label=f"Welch average (±{WELCH_HALF_WIDTH} days)")
        ax.axvline(day, color="#08519c", ls=":", lw=1, label=f"settled: day {day}")
        ax.axvline(WARMUP_DAYS, color="firebrick", ls="--", lw=1, label="warm-up used")
        ax.set_title(label)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    ax = axes[-1]
    for col, colour in (("following", "#4292c6"), ("self_driven", "#08519c")):
        x = np.array(runs[col])
        ax.plot(x.mean(axis=0), color=colour, label=col.replace("_", "-"))
    ax.set_title("active volunteers (mean over replications)")
    ax.set_xlabel("day")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.suptitle("The status quo (baseline) over three years: when each series settles")
    need = max(slow)
    lines = [
        "Welch's method (simulation/analysis/warmup.py; Welch 1983, Law 2015 §9.5.1) on the same "
        "three-year runs of the status quo: the replication mean of each daily series, "
        f"smoothed by a centred moving average of ±{WELCH_HALF_WIDTH} days; a series has "
        "settled from the first day after which the smoothed curve stays within the "
        "tolerance of its level (its mean over the last third of the run).", "",
        "| series | tolerance | settled from day |", "|---|---|---|", *rows, "",
        f"The slow series (the hidden stock and trust) settle by day {need}; the experiment "
        f"files use a warm-up of {WARMUP_DAYS} days"
        + (" (a margin over that day)." if need <= WARMUP_DAYS else
           f", **shorter than the {need} days measured**."), ""]
    return lines, fig


def save(fig: plt.Figure, name: str) -> str:
    FIGS.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGS / name, dpi=100)
    plt.close(fig)
    return f"validation/{name}"


def calibration_section() -> list[str]:
    posterior, fit = CALIBRATION / "posterior.csv", CALIBRATION / "fit.csv"
    if not posterior.is_file():
        return ["*Not run: `gridgov calibrate experiments/calibration.toml` writes "
                "results/calibration/calibration/; `make validate` runs it first.*", ""]
    post = pd.read_csv(posterior)
    post["covers"] = (post.q95 - post.q05) / (post.prior_high - post.prior_low)
    lines = ["| parameter | prior range | posterior median | 90% credible interval | "
             "share of the prior it covers |", "|---|---|---|---|---|"]
    lines += [f"| `{r.parameter}` | [{r.prior_low:g}, {r.prior_high:g}] | {r['median']:.4g} | "
              f"[{r.q05:.4g}, {r.q95:.4g}] | {r.covers:.0%} |" for _, r in post.iterrows()]
    points = pd.read_csv(CALIBRATION / "points.csv")
    w = points.weight.to_numpy(float)
    ess = w.sum() ** 2 / (w * w).sum()
    weak = ", ".join(f"`{r.parameter}`" for _, r in post.iterrows() if r.covers > 0.5)
    narrow = ", ".join(f"`{r.parameter}`" for _, r in post.iterrows() if r.covers <= 0.5)
    saturated = (int((points.max_offered_load >= 0.85).sum())
                 if "max_offered_load" in points else 0)
    n_targets = len(pd.read_csv(fit)) if fit.is_file() else "the"
    lines += ["", f"{int(points.accepted.sum())} of {len(points)} design points accepted "
              f"(closest distance {points.distance.min():.2f}, largest accepted "
              f"{points.distance[points.accepted].max():.2f}; distance = RMS of "
              f"(simulated − target) / tolerance); effective sample size {ess:.1f}. "
              f"{saturated} points were refused because a queue's analytic offered load "
              "reached 0.85 (simulation/load.py): the fit cannot rest on a saturated queue. "
              "With so few effective points the 90% intervals are rough (their ends sit on "
              "single accepted points).", "",
              f"Identification: {n_targets} targets for {len(post)} parameters. "
              + (f"The intervals of {weak} cover more than half of their priors: the targets "
                 "hardly constrain them, so those defaults are essentially prior choices the "
                 "targets do not contradict. " if weak else "")
              + (f"{narrow} {'is' if narrow.count('`') == 2 else 'are'} identified (an "
                 "interval of at most half the prior)." if narrow else
                 "No parameter is identified: the targets are met over most of the prior."),
              ""]
    if fit.is_file():
        f = pd.read_csv(fit)
        lines += ["Fit of the posterior medians, run afresh with new seeds:", "",
                  "| target | published | tolerance | simulated (mean ± SE) | z | source |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| `{r.metric}` | {r.target:g} | {r.tolerance:g} | {r.simulated:.4g} ± "
                  f"{r.se:.2g} | {r.z:+.2f} | {r.source} |" for _, r in f.iterrows()]
        off = f.assign(se_away=(f.simulated - f.target).abs() / f.se)
        inside = [f"`{r.metric}`" for _, r in off.iterrows() if abs(r.z) < 1]
        outside = [f"`{r.metric}` (z = {r.z:+.2f})" for _, r in off.iterrows() if abs(r.z) >= 1]
        lines += ["", ("Within one tolerance: " + ", ".join(inside) + ". " if inside else "")
                  + ("**Outside one tolerance: " + ", ".join(outside) + ".** " if outside
                     else "")
                  + "None is met exactly: "
                  + "; ".join(f"`{r.metric}` is {r.se_away:.0f} standard errors from the "
                              "published figure" for _, r in off.iterrows())
                  + ". The tolerances express how far figures from other places and "
                  "systems (Zhejiang, Beijing, Shandong's rule, NYC's shape) can be trusted "
                  "for a Jinan street, not simulation noise.", ""]
    shutil.copy(CALIBRATION / "calibration.png", FIGS / "calibration.png")
    lines += ["![ABC distances per parameter](validation/calibration.png)", ""]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the test suite's size")
    ap.add_argument("--workers", type=int, default=None, metavar="N",
                    help="local worker processes (default: one per usable core; 1 runs "
                         "everything in this process)")
    args = ap.parse_args()
    if args.workers is not None and args.workers < 1:
        ap.error("--workers must be at least 1")
    workers = args.workers or usable_cores()
    size = validation.QUICK if args.quick else validation.FULL
    global FIGS
    doc = QUICK_OUT / "validation.md" if args.quick else DOC
    FIGS = doc.parent / "validation"
    t0 = time.perf_counter()
    # Every run (the queue rows' and the patterns' replications) is a task: all of them
    # on one backend at once, then each row and check is computed from its runs.
    rows = [queue_runs(*q) for q in (QUEUES[:2] + QUEUES[-2:] if args.quick else QUEUES)]
    plans = validation.plan_all(size)
    results = validation.run_batches([*rows, *validation.needs(plans)], workers)
    print(f"runs done in {time.perf_counter() - t0:.0f} s on {workers} worker"
          f"{'s' if workers > 1 else ''}", file=sys.stderr)
    qt = pd.DataFrame([queue_row(r, results[r]) for r in rows])
    checks = validation.judge(plans, results)
    by_name = {c.name: c for c in checks}
    world = "full-size world" if not size.world else "small world: " + ", ".join(
        f"{k}={v}" for k, v in size.world)
    lines = [
        "# Validation",
        "",
        f"*Generated by `scripts/validate.py`{' --quick' if args.quick else ''} "
        f"(`make validate`) on {datetime.now(UTC):%Y-%m-%d}; do not edit by hand.* "
        f"Patterns: {size.reps} replications of {size.days} days, {world}. "
        f"Run time {time.perf_counter() - t0:.0f} s.",
        "",
        "## 1. Analytic limits: the queueing core",
        "",
        "Scenario `mmc` (docs/model.md 7.13): Poisson arrivals, exponential handling, c "
        "always-on workers per grid, nothing escalates. Each row: the mean wait per "
        "(replication, grid) after a 200-day warm-up; pass if the simulated mean lies "
        "within 4 standard errors of the analytic Wq (Erlang C; M/M/1 when c = 1). The "
        "test suite also checks every single-worker grid issue by issue against Lindley's "
        "recursion (exact), and that arrival counts, inter-arrival times and handling times "
        "follow their Poisson and exponential laws (tests/model/test_mmc.py). Each row draws its "
        "replications' seeds from its own SeedSequence. With 10 replications a row, the "
        "ρ = 0.7 single-worker row failed (z = −4.4): at heavy load a run's mean wait has a "
        "long right tail, so 10 runs rarely include a high one and understate both the mean "
        "and its standard error; the rows now use 30 replications.",
        "",
        "| λ/day | μ/day | c | grids | ρ | days | samples | Wq analytic | simulated ± SE | z | |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {r['lambda']:g} | {r.mu:g} | {r.workers} | {r.grids} | {r.rho:.2f} | "
              f"{r.days} | {r.samples} | {r.analytic:.4f} | {r.simulated:.4f} ± {r.se:.4f} | "
              f"{r.z:+.2f} | {'pass' if r.passed else '**FAIL**'} |" for _, r in qt.iterrows()]
    queues_png = save(queue_figure(qt), "queues.png")
    steady = by_name["stationary_status_quo"]
    warm_lines, warm_fig = warmup_section(steady)
    lines += ["", f"![Simulated against analytic mean waits]({queues_png})", "",
              "## 2. Steady state and warm-up", "",
              f"`stationary_status_quo`: {steady.measured}. "
              + ("**Pass.**" if steady.passed else "**FAIL.**") + " (Criterion: "
              f"{steady.pattern}.)", "", *warm_lines,
              f"![The status quo over three years]({save(warm_fig, 'steady_state.png')})", "",
              "## 3. Patterns (pattern-oriented modelling)", "",
              "Kind: *emergent* patterns follow from interacting mechanisms; *verification* "
              "checks mostly restate a coded mechanism (a branch whose members settle cases, "
              "visits that find hidden issues), so they test the implementation, not the "
              "theory.", "",
              "| check | kind | expected pattern | source | measured | |",
              "|---|---|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.kind} | {c.pattern} | {c.source} | {c.measured} | "
              f"{'pass' if c.passed else '**FAIL**'} |" for c in checks
              if c.name != "stationary_status_quo"]
    lines += ["", "Trust moves with service alone: the boosts of a visit and of a volunteer's "
              "contact are 0 by default (`visits.trust_gain` = "
              "`volunteers.contact_trust_gain` = 0; the trust checks set them to 0 "
              "explicitly too), so every trust check passes or fails because of what "
              "residents experience; `idle_volunteers` compares a campaign whose volunteers "
              "neither take nor spot issues with a status quo whose volunteers are just as "
              "idle; `close_at_grid` forces every case to close at the grid, needed or not, "
              "and repeats the comparison with every fix holding; `wenheng_renovation` "
              "compares Wenheng's first year with and without the renovation that fixes its "
              "buildings' shared problems."]
    wenheng_png = save(wenheng_figure(by_name, world), "wenheng.png")
    effects_png = save(effects_figure(checks), "effects.png")
    lines += ["", f"![wenheng over time]({wenheng_png})", "",
              f"![Policy patterns]({effects_png})", "",
              "## 4. Calibration", "",
              "`gridgov calibrate experiments/calibration.toml`: rejection ABC over a Latin "
              "hypercube of the prior ranges (simulation/analysis/calibration.py). The baseline's "
              "defaults for these parameters are the posterior medians (their source in "
              "`gridgov params baseline` says so).", ""]
    lines += calibration_section()
    failed = [c.name for c in checks if not c.passed] + [
        f"queue λ={r['lambda']:g} c={r.workers}" for _, r in qt.iterrows() if not r.passed]
    lines += ["## Summary", "",
              ("All checks pass." if not failed else
               "Failed: " + ", ".join(failed) + ". A failed check is reported, not tuned "
               "away: see the discussion in docs/model.md and the issue notes."), ""]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n".join(lines), encoding="utf-8")
    (FIGS / "checks.json").write_text(json.dumps(
        {"queues": qt.to_dict("records"),
         "patterns": [{"name": c.name, "passed": c.passed, "measured": c.measured}
                      for c in checks]}, indent=1), encoding="utf-8")
    print(f"wrote {doc} ({len(failed)} failed) in {time.perf_counter() - t0:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
