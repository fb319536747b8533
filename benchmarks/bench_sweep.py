"""Runs per minute of a sweep on 1 and on 2 workers (2 workers should give close to twice
the runs per minute of 1), and what a worker process costs to start.

Two cases (``--case``): ``baseline``, ``--runs`` replications of a street office's year
(48 by default); ``city``, ``--runs`` runs of the whole of Jinan (4 by default; ``--scale``
shrinks it), whose districts are the workers' tasks. Each configuration runs in a fresh
interpreter, as ``gridgov sweep`` runs it: local processes (``--workers``) and, with
``--dask``, a Dask LocalCluster of as many single-threaded worker processes.

Mesa 3.3.1 sets multiprocessing's start method to "spawn": every worker re-imports
gridgov, Mesa, pandas and SciPy. That cost is paid once per worker per sweep.

    python benchmarks/bench_sweep.py [--case baseline|city] [--runs N] [--days 365]
                                     [--scale 1.0] [--dask]
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
scenario = "{scenario}"
days = {days}
replications = {runs}
seed = 1
{fixed}"""


TIMED = """
import sys, time
from pathlib import Path
from simulation.sweeps.experiment import load_experiment
from simulation.sweeps.engine import run_sweep
experiment = load_experiment(sys.argv[1])
workers, kind = int(sys.argv[3]), sys.argv[4]
t0 = time.perf_counter()
if kind == "dask":
    from dask.distributed import LocalCluster
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        t0 = time.perf_counter()  # the cluster's start is not the sweep's
        table = run_sweep(experiment, Path(sys.argv[2]), scheduler=cluster.scheduler_address)
        wall = time.perf_counter() - t0
else:
    table = run_sweep(experiment, Path(sys.argv[2]), workers=workers)
    wall = time.perf_counter() - t0
assert (table.status == "ok").all()
print(len(table), wall, table.wall_seconds.mean())
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=("baseline", "city"), default="baseline")
    ap.add_argument("--runs", type=int, help="runs of the sweep (baseline 48, city 4)")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--scale", type=float, default=1.0, help="world.scale of the city")
    ap.add_argument("--dask", action="store_true", help="also on a Dask LocalCluster")
    ap.add_argument("--dask-only", action="store_true",
                    help="on a Dask LocalCluster only (not on local processes)")
    args = ap.parse_args()
    runs = args.runs or (4 if args.case == "city" else 48)
    scenario = "jinan" if args.case == "city" else "baseline"
    fixed = (f'[fixed]\n"world.scale" = {args.scale}\n'
             if args.case == "city" and args.scale != 1.0 else "")

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import simulation.sweeps.engine, simulation.model"],
                   check=True)
    startup = time.perf_counter() - t0
    print(f"a fresh interpreter importing gridgov (what each spawned worker pays): "
          f"{startup:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(TEMPLATE.format(scenario=scenario, days=args.days, runs=runs,
                                        fixed=fixed), encoding="utf-8")
        kinds = (("dask",) if args.dask_only else
                 ("processes", "dask") if args.dask else ("processes",))
        for kind in kinds:
            rates = {}
            for workers in (1, 2):
                out = subprocess.run([sys.executable, "-c", TIMED, str(path),
                                      str(Path(tmp) / f"{kind}{workers}"), str(workers), kind],
                                     check=True, capture_output=True, text=True).stdout
                n, wall, mean_run = (float(x) for x in out.split())
                rates[workers] = n / wall * 60
                where = "in process" if kind == "processes" and workers == 1 else kind
                print(f"{kind:9s} {workers} worker(s) ({where}): {n:.0f} runs of {scenario}"
                      f"{f' x{args.scale:g}' if fixed else ''} x {args.days} days in "
                      f"{wall:7.1f} s = {rates[workers]:6.2f} runs/min "
                      f"(mean run {mean_run:.1f} worker-s)")
            print(f"{kind:9s} speed-up 2 workers / 1 worker = {rates[2] / rates[1]:.2f} "
                  f"(target >= 1.8)")


if __name__ == "__main__":
    main()
