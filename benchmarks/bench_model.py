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
of it takes longer than gridgov's whole city run (each of its days is timed and the median
day scaled). Elsewhere gridgov and the reference run alternately ``--repeats`` times (5 by
default for the baseline), so the machine's drifts touch both, and the medians are compared.

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


def time_model(params: Any, days: int, seed: int) -> dict:
    """One model in this process (:func:`simulation.running.runner.run_model`): build, run
    (the simulation alone) and collect (the outputs), wall seconds, and the CPU seconds of
    all three."""
    gc.collect()  # start without the previous repeat's garbage
    c0 = time.process_time()
    record = run_model(params, seed=seed, days=days, inspect=lambda m: {
        "residents": m.world.n_residents, "agents": len(m.agents), "issues": len(m.issues)})
    cpu = time.process_time() - c0
    return {**record.extra, "events": record.events, "build": record.build_seconds,
            "run": record.run_seconds, "collect": record.collect_seconds, "cpu": cpu}


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


def time_reference(n_agents: int, days: int) -> tuple[float, list[float]]:
    """The trivial model of ``n_agents`` agents: its build time and each day's step time."""
    gc.collect()
    t0 = time.perf_counter()
    ref = TrivialModel(n_agents)
    build = time.perf_counter() - t0
    steps = []
    for _ in range(days):
        t1 = time.perf_counter()
        ref.step()
        steps.append(time.perf_counter() - t1)
    mesa.Agent._ids.pop(ref, None)  # the same Mesa 3.3.1 leak as GridGovernanceModel.release
    del ref
    return build, steps


def interleaved(params: Any, days: int, seed: int, repeats: int) -> tuple[dict, dict]:
    """gridgov and the trivial reference over as many agents, alternately ``repeats``
    times (so that the machine's drifts touch both): the medians of each, and the median
    of the repeats' own ratios."""
    runs, refs = [], []
    for _ in range(repeats):
        runs.append(time_model(params, days, seed))
        build, steps = time_reference(runs[-1]["agents"], days)
        refs.append({"build": build, "run": sum(steps)})
    med = statistics.median
    g = {**runs[-1], **{k: med(r[k] for r in runs) for k in ("build", "run", "collect",
                                                              "cpu")}}
    g["wall"], g["peak"] = g["build"] + g["run"], peak_rss_bytes()
    ref = {k: med(r[k] for r in refs) for k in ("build", "run")}
    ref["ratios"] = sorted(r["run"] / f["run"] for r, f in zip(runs, refs, strict=True))
    return g, ref


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=CASES, default="baseline")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, help="repeats of gridgov and the reference, "
                    "alternately (baseline 5, slice 1; the city runs once)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="worker processes for the city (one per core)")
    ap.add_argument("--reference-days", type=int, help="days the city's trivial reference "
                    "is stepped, each timed; the median day is scaled to --days (30)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a parameter (e.g. world.scale=0.5)")
    args = ap.parse_args()
    scenario, overrides = CASES[args.case]
    overrides = {**overrides, **dict(item.split("=", 1) for item in args.set)}
    repeats = args.repeats or (5 if args.case == "baseline" else 1)
    days = args.days

    if args.case == "city":
        g = time_city(scenario, overrides, days, args.seed, args.workers)
        ref_days = args.reference_days or 30
        ref_build, steps = time_reference(g["agents"], ref_days)
        ref = {"build": ref_build, "run": statistics.median(steps) * days}
        note = f"median of {ref_days} days x {days}"
    else:
        g, ref = interleaved(load_scenario(scenario, overrides), days, args.seed, repeats)
        note = f"median of {repeats}, each after a gridgov run" if repeats > 1 else "once"
    ref_peak = peak_rss_bytes()

    residents = g["residents"]
    print(f"machine: {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python "
          f"{platform.python_version()}, Mesa {mesa.__version__}, NumPy {np.__version__}")
    print(f"case {args.case}: {residents:,} residents, {g['agents']:,} Mesa agents, "
          f"{days} days, {g['issues']:,} issues, {g['events']:,} events"
          + (f" (median of {repeats})" if repeats > 1 else ""))
    if args.case == "city":
        print(f"gridgov   wall {g['wall']:7.1f} s on {args.workers} workers   "
              f"(CPU: build {g['build']:.1f} s + run {g['run']:.1f} s over "
              f"{len(g['districts'])} districts)")
        rate = g["wall"]
    else:
        print(f"gridgov   build {g['build']:7.3f} s   run {g['run']:7.3f} s   "
              f"collect {g['collect']:7.3f} s (outputs, not in the ratios)   "
              f"CPU {g['cpu']:7.3f} s (all three)")
        rate = g["run"]
    print(f"gridgov   {residents * days / rate / 1e6:6.2f} M resident-days/s   "
          f"{g['events'] / rate / 1e3:6.1f} k events/s   "
          f"({'wall' if args.case == 'city' else 'run'} time)")
    scope = "process tree" if args.case == "city" else "process"
    print(f"gridgov   peak RSS {g['peak'] / 2**30:6.2f} GiB ({scope}) = "
          f"{g['peak'] / residents:,.0f} bytes per resident")
    print(f"trivial   build {ref['build']:7.3f} s   run {ref['run']:7.3f} s a year ({note}; "
          f"agents.do('step') once a day; peak RSS now {ref_peak / 2**30:.2f} GiB)")
    if args.case == "city":
        print(f"ratio wall gridgov / trivial run = {g['wall'] / ref['run']:.3f}   "
              f"(target <= 0.10)   CPU gridgov run / trivial run = "
              f"{g['run'] / ref['run']:.3f}")
    else:
        spread = ", ".join(f"{r:.3f}" for r in ref["ratios"])
        print(f"ratio run gridgov / trivial = {g['run'] / ref['run']:.3f}   (target <= 0.15; "
              f"each repeat's: {spread})")
        print(f"ratio build+run           = "
              f"{(g['build'] + g['run']) / (ref['build'] + ref['run']):.3f}")


if __name__ == "__main__":
    main()
