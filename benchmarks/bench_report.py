"""Time ``gridgov compare`` on a sweep's results, phase by phase: reading the folder, the
comparison table (bootstrap intervals and tests), the figures, and the HTML page.

    python benchmarks/bench_report.py [RESULTS_DIR] [--repeats 3]

RESULTS_DIR defaults to results/policy_comparison (run `make run` first).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt

from simulation.analysis.report import figures
from simulation.analysis.report.build import build_report
from simulation.analysis.report.comparison import arms, check_metrics, comparison_table
from simulation.analysis.report.results import load_results


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default="results/policy_comparison")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    phases: dict[str, list[float]] = {"read": [], "table": [], "figures": [], "whole": []}
    for _ in range(args.repeats):
        dt, results = timed(load_results, args.folder)
        phases["read"].append(dt)
        metrics = check_metrics(results, None)
        dt, table = timed(comparison_table, results, metrics)
        phases["table"].append(dt)
        arm_list = arms(results)
        t0 = time.perf_counter()
        for fig in (figures.resolution_ecdf(results, arm_list),
                    figures.trust_over_time(results, arm_list),
                    figures.volunteer_stages(results, arm_list),
                    figures.cost_frontier(table, arm_list)):
            fig.savefig(Path(tempfile.gettempdir()) / "bench_report.png", dpi=110)
            plt.close(fig)
        phases["figures"].append(time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as out:
            dt, _ = timed(build_report, args.folder, out)
        phases["whole"].append(dt)
    ok = len(results.ok)
    print(f"{args.folder}: {ok} finished runs, {len(arm_list)} arms, {len(metrics)} metrics")
    for name, values in phases.items():
        print(f"  {name:<8} median {statistics.median(values):.2f} s "
              f"(of {len(values)}: {', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
