"""Runs per minute of a sweep on 1 and on 2 local workers (issue 3: 2 workers should give
close to twice the runs per minute of 1), and what a worker process costs to start.

Mesa 3.3.1 sets multiprocessing's start method to "spawn": every worker re-imports
gridgov, Mesa, pandas and SciPy. That cost is paid once per worker per sweep.

    python benchmarks/bench_sweep.py [--runs 48] [--days 365]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = """
[experiment]
name = "bench"
scenario = "baseline"
days = {days}
replications = {runs}
seed = 1
"""


TIMED = """
import sys, time
from pathlib import Path
from simulation.sweeps.experiment import load_experiment
from simulation.sweeps.engine import run_sweep
experiment = load_experiment(sys.argv[1])
t0 = time.perf_counter()
table = run_sweep(experiment, Path(sys.argv[2]), workers=int(sys.argv[3]))
wall = time.perf_counter() - t0
assert (table.status == "ok").all()
print(len(table), wall, table.wall_seconds.mean())
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=48)
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import simulation.sweeps.engine, simulation.model"],
                   check=True)
    startup = time.perf_counter() - t0
    print(f"a fresh interpreter importing gridgov (what each spawned worker pays): "
          f"{startup:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(TEMPLATE.format(days=args.days, runs=args.runs), encoding="utf-8")
        rates = {}
        for workers in (1, 2):
            # each configuration in a fresh interpreter, as `gridgov sweep` runs it
            out = subprocess.run([sys.executable, "-c", TIMED, str(path),
                                  str(Path(tmp) / f"w{workers}"), str(workers)],
                                 check=True, capture_output=True, text=True).stdout
            n, wall, mean_run = (float(x) for x in out.split())
            rates[workers] = n / wall * 60
            print(f"{workers} worker(s): {n:.0f} runs of baseline x {args.days} days in "
                  f"{wall:6.1f} s = {rates[workers]:5.1f} runs/min "
                  f"(mean run {mean_run:.2f} s)")
    print(f"speed-up 2 workers / 1 worker = {rates[2] / rates[1]:.2f} (target: close to 2)")


if __name__ == "__main__":
    main()
