"""Time a year of gridgov against a trivial time-stepped Mesa model of the same size.

Three cases (``--case``):

- ``baseline``: one street office (~34,000 residents), one model in this process;
- ``slice``: Jinan's largest district, Licheng (~1.1 million residents), one model;
- ``city``: the whole of Jinan (~9.2 million residents), partitioned by district on
  ``--workers`` local processes, as ``gridgov run jinan`` does.

Each prints wall time, peak memory (the whole process tree for the city), simulated
resident-days and issue events per second, and, in the same process, the trivial reference:
as many Mesa agents as gridgov has, each with a one-line ``step``, stepped with
``model.agents.do("step")`` once per simulated day. For the city the reference is timed over
``--reference-days`` days and scaled to the year (its cost per day is constant), since a year
of it takes longer than gridgov's whole city run.

    python benchmarks/bench_model.py --case baseline|slice|city [--repeats N] [--workers 2]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import threading
import time
from typing import Any

import mesa
import numpy as np
import psutil

from simulation import load_scenario
from simulation.running.city import run_partitioned
from simulation.running.executors import open_backend
from simulation.running.runner import peak_rss_bytes, run_model

CASES = {
    "baseline": ("baseline", {}),
    "slice": ("jinan", {"world.district": 0}),
    "city": ("jinan", {}),
}


class TrivialAgent(mesa.Agent):
    """An agent whose daily step does one attribute update."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.x = 0.0

    def step(self) -> None:
        self.x += 1.0


class TrivialModel(mesa.Model):
    """``n`` trivial agents stepped once per day with ``agents.do``."""

    def __init__(self, n: int, seed: int = 0) -> None:
        super().__init__(seed=seed)
        for _ in range(n):
            TrivialAgent(self)

    def step(self) -> None:
        self.agents.do("step")


class TreePeak:
    """Peak resident memory of this process and its children, sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                rss = me.memory_info().rss + sum(
                    c.memory_info().rss for c in me.children(recursive=True))
                self.peak = max(self.peak, rss)
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def time_model(scenario: str, overrides: dict, days: int, seed: int, repeats: int) -> dict:
    """One model in this process (:func:`simulation.running.runner.run_model`): medians of build,
    run (the simulation alone) and collect (the outputs) over ``repeats``."""
    params = load_scenario(scenario, overrides)
    build, run, collect = [], [], []
    for _ in range(repeats):
        gc.collect()  # start each repeat without the previous one's garbage
        record = run_model(params, seed=seed, days=days, inspect=lambda m: {
            "residents": m.world.n_residents, "agents": len(m.agents),
            "issues": len(m.issues)})
        build.append(record.build_seconds)
        run.append(record.run_seconds)
        collect.append(record.collect_seconds)
        out = {**record.extra, "events": record.events}
        del record
    med = statistics.median
    return {**out, "build": med(build), "run": med(run), "collect": med(collect),
            "wall": med(build) + med(run), "cpu": med(build) + med(run), "peak": peak_rss_bytes()}


def time_city(scenario: str, overrides: dict, days: int, seed: int, workers: int) -> dict:
    """The whole city partitioned by district on ``workers`` processes (one repeat)."""
    params = load_scenario(scenario, overrides)
    with TreePeak() as peak:
        t0 = time.perf_counter()
        with open_backend(workers) as backend:
            city = run_partitioned(params, seed=seed, days=days,
                                   backend=backend)
        wall = time.perf_counter() - t0
    t = city.districts
    # Mesa agents per district: residents + grid workers (office staff are not agents)
    agents = int(t.residents.sum()) + city.tally.grid_workers
    return {"residents": int(t.residents.sum()), "agents": agents,
            "issues": int(t.issues.sum()), "events": int(t.events.sum()),
            "build": float(t.build_seconds.sum()), "run": float(t.run_seconds.sum()),
            "collect": city.collect_seconds, "wall": wall,
            "cpu": float(t.build_seconds.sum() + t.run_seconds.sum()),
            "peak": max(peak.peak, peak_rss_bytes()), "districts": t}


def time_reference(n_agents: int, days: int, repeats: int) -> tuple[float, float]:
    """Medians of (build, run) of the trivial model over ``days`` days."""
    build, run = [], []
    for _ in range(repeats):
        ref = None
        gc.collect()
        t0 = time.perf_counter()
        ref = TrivialModel(n_agents)
        t1 = time.perf_counter()
        for _ in range(days):
            ref.step()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        run.append(t2 - t1)
        mesa.Agent._ids.pop(ref, None)  # the same Mesa 3.3.1 leak as GridGovernanceModel.release
        del ref
    return statistics.median(build), statistics.median(run)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=CASES, default="baseline")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, help="repeats of each timing (baseline 3, "
                    "else 1)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="worker processes for the city (one per core)")
    ap.add_argument("--reference-days", type=int, help="days the trivial reference is "
                    "timed over, scaled to --days (city: 30, else all)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a parameter (e.g. world.scale=0.5)")
    args = ap.parse_args()
    scenario, overrides = CASES[args.case]
    overrides = {**overrides, **dict(item.split("=", 1) for item in args.set)}
    repeats = args.repeats or (3 if args.case == "baseline" else 1)
    ref_days = args.reference_days or (30 if args.case == "city" else args.days)

    if args.case == "city":
        g = time_city(scenario, overrides, args.days, args.seed, args.workers)
    else:
        g = time_model(scenario, overrides, args.days, args.seed, repeats)
    ref_build, ref_run = time_reference(g["agents"], ref_days, repeats)
    ref_year = ref_run * args.days / ref_days
    ref_peak = peak_rss_bytes()

    residents, days = g["residents"], args.days
    print(f"machine: {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python "
          f"{platform.python_version()}, Mesa {mesa.__version__}, NumPy {np.__version__}")
    print(f"case {args.case}: {residents:,} residents, {g['agents']:,} Mesa agents, "
          f"{days} days, {g['issues']:,} issues, {g['events']:,} events"
          + (f" (median of {repeats})" if repeats > 1 else ""))
    if args.case == "city":
        print(f"gridgov   wall {g['wall']:7.1f} s on {args.workers} workers   "
              f"(build {g['build']:.1f} s + run {g['run']:.1f} s of CPU over "
              f"{len(g['districts'])} districts)")
        rate = g["wall"]
    else:
        print(f"gridgov   build {g['build']:7.3f} s   run {g['run']:7.3f} s   "
              f"collect {g['collect']:7.3f} s (outputs, not in the ratios)")
        rate = g["run"]
    print(f"gridgov   {residents * days / rate / 1e6:6.2f} M resident-days/s   "
          f"{g['events'] / rate / 1e3:6.1f} k events/s   "
          f"({'wall' if args.case == 'city' else 'run'} time)")
    scope = "process tree" if args.case == "city" else "process"
    print(f"gridgov   peak RSS {g['peak'] / 2**30:6.2f} GiB ({scope}) = "
          f"{g['peak'] / residents:,.0f} bytes per resident")
    scaled = f" over {ref_days} days, x{days / ref_days:.1f}" if ref_days != days else ""
    print(f"trivial   build {ref_build:7.3f} s   run {ref_year:7.3f} s a year{scaled} "
          f"(agents.do('step') once a day; peak RSS now {ref_peak / 2**30:.2f} GiB)")
    if args.case == "city":
        print(f"ratio wall gridgov / trivial run = {g['wall'] / ref_year:.3f}   "
              f"CPU gridgov run / trivial run = {g['run'] / ref_year:.3f}")
    else:
        print(f"ratio run gridgov / trivial = {g['run'] / ref_year:.3f}   (target <= 0.25)")
        print(f"ratio build+run           = "
              f"{(g['build'] + g['run']) / (ref_build + ref_year):.3f}")


if __name__ == "__main__":
    main()
