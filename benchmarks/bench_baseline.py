"""Time a one-year `baseline` run against a trivial time-stepped Mesa model of the same size.

The reference is the cheapest possible Mesa ABM over the same agents: every agent has a
one-line step and the model calls ``model.agents.do("step")`` once per simulated day.
gridgov's target (issue 2): its year takes at most a quarter of the reference's time.

    python benchmarks/bench_baseline.py [--days 365] [--seed 1] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time

import mesa

from simulation import GridGovernanceModel, load_scenario


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a parameter, e.g. world.communities_per_street=150 for a "
                    "slice of about a million residents")
    args = ap.parse_args()

    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = value
    params = load_scenario(args.scenario, overrides)
    build, run, n_agents, issues, events = [], [], 0, 0, 0
    for _ in range(args.repeats):
        model = None
        gc.collect()  # start each repeat without the previous one's garbage
        t0 = time.perf_counter()
        model = GridGovernanceModel(params, seed=args.seed)
        t1 = time.perf_counter()
        model.run(args.days)
        t2 = time.perf_counter()
        build.append(t1 - t0)
        run.append(t2 - t1)
        n_agents = len(model.agents)
        issues = len(model.issues)
        events = model.router._seq
        model.release()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    ref_build, ref_run = [], []
    for _ in range(args.repeats):
        ref = None
        gc.collect()
        t0 = time.perf_counter()
        ref = TrivialModel(n_agents)
        t1 = time.perf_counter()
        for _ in range(args.days):
            ref.step()
        t2 = time.perf_counter()
        ref_build.append(t1 - t0)
        mesa.Agent._ids.pop(ref, None)  # the same Mesa 3.3.1 leak as GridGovernanceModel.release
        ref_run.append(t2 - t1)

    med = statistics.median
    residents = model.world.n_residents
    print(f"scenario {args.scenario}: {residents} residents, {n_agents} Mesa agents, "
          f"{args.days} days, {issues} issues, {events} events (median of {args.repeats})")
    print(f"gridgov   build {med(build):7.3f} s   run {med(run):7.3f} s   "
          f"{residents * args.days / med(run) / 1e6:6.2f} M resident-days/s   "
          f"{events / med(run) / 1e3:6.1f} k events/s")
    print(f"gridgov   peak RSS {peak_mib:,.0f} MiB = "
          f"{peak_mib * 2**20 / residents:,.0f} bytes per resident (whole process)")
    print(f"trivial   build {med(ref_build):7.3f} s   run {med(ref_run):7.3f} s   "
          f"(agents.do('step') once a day)")
    print(f"ratio run gridgov / trivial = {med(run) / med(ref_run):.3f}   (target <= 0.25)")
    both = (med(build) + med(run)) / (med(ref_build) + med(ref_run))
    print(f"ratio build+run           = {both:.3f}")


if __name__ == "__main__":
    main()
