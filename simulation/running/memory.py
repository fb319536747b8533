"""Will a run fit? The guards ``gridgov run`` (and a sweep's worker) make before a run
starts, which never prompt: one model's memory (:mod:`simulation.footprint`), a
partitioned city's districts at once beside the city's merged results, and a Dask
cluster's workers.

``gridgov run`` and every sweeping command cap ``--workers`` at the cores and lower it, with
one line, when fewer runs (or districts) fit in memory at once; they refuse with one line
naming ``--force`` (:class:`~simulation.footprint.TooBig`; exit 2) only when a single run
cannot fit. ``--force`` skips the guards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from ..districts import district_count, is_city
from ..footprint import (
    FORCE,
    PROCESS_BYTES,
    TooBig,
    check_one_model,
    expected_residents,
    model_bytes,
)
from ..parameters import Parameters
from ..support import machine
from ..support.machine import gib

PARENT_BYTES_PER_RESIDENT_DAY = 0.6  # a partitioned city's parent (or its sweep worker):
#   its districts' merged tallies and records, 0.60 B a resident a day (`gridgov run jinan`
#   a year at --scale 0.03 and 0.1: 255 and 396 MB peak)


@dataclass(frozen=True)
class Fit:
    """How many runs (or districts) may go at once, and why fewer than asked ('' if not)."""

    workers: int
    why: str = ""


def merged_bytes(params: Mapping[str, Any], days: int) -> float:
    """Memory (bytes) of a partitioned city's merged results over ``days`` (in the process
    that collects its districts)."""
    return expected_residents(params) * PARENT_BYTES_PER_RESIDENT_DAY * days


def district_bytes(params: Mapping[str, Any], days: int) -> list[float]:
    """Peak memory (bytes) of each district's model of the city ``params`` describe over
    ``days``, largest first."""
    return sorted((model_bytes({**params, "world.district": d}, days)
                   for d in range(district_count(params))), reverse=True)


def run_bytes(params: Mapping[str, Any], days: int) -> float:
    """Peak memory (bytes) of one sweep task on its worker, its interpreter excluded: one
    model, or for a city its largest district (each district is a task of its own; the
    sweep's process joins them: :func:`merged_bytes`)."""
    if is_city(params):  # type: ignore[arg-type]  # any mapping of the values will do
        return district_bytes(params, days)[0]
    return model_bytes(params, days)


def city_peak(sizes: list[float], merged: float, workers: int) -> float:
    """Peak memory (bytes) of a partitioned city whose districts' models (``sizes``,
    largest first, the order they start in) run ``workers`` at once (on worker processes,
    each with its interpreter, when more than one) while this process holds the merged
    results of those finished (``merged`` for all of them, in proportion to their size)."""
    k = max(1, min(workers, len(sizes)))
    processes = k * PROCESS_BYTES if workers > 1 else 0.0
    total = sum(sizes) or 1.0
    peak, done = merged, 0.0
    for i in range(len(sizes)):
        peak = max(peak, merged * done / total + sum(sizes[i:i + k]) + processes)
        done += sizes[i]
    return peak


def needed_bytes(params: Parameters, partitioned: bool, workers: int, days: int) -> float:
    """Peak memory (bytes) of ``gridgov run`` over ``days``: one model in this process, or
    a city's districts ``workers`` at once, largest first (:func:`city_peak`)."""
    if not partitioned:
        return model_bytes(params, days)
    return city_peak(district_bytes(params, days), merged_bytes(params, days), workers)


def most_at_once(parent: float, sizes: Iterable[float], have: float) -> int:
    """How many tasks of ``sizes`` (bytes, largest first) fit in ``have`` bytes beside
    ``parent`` bytes: k >= 2 on worker processes (each with its interpreter), else 1 in
    this process, else 0."""
    sizes = list(sizes)
    totals = list(accumulate(sizes))
    for k in range(len(sizes), 1, -1):
        if parent + totals[k - 1] + k * PROCESS_BYTES <= have:
            return k
    return 1 if sizes and parent + sizes[0] <= have else 0


def cluster_memory(client: Any) -> list[tuple[int, int]]:
    """Each Dask worker's memory limit (bytes) and threads (runs it takes at once), from
    ``client.scheduler_info()``; workers without a limit are left out ([] if none is
    known)."""
    try:
        workers = client.scheduler_info()["workers"].values()
        out = [(int(w.get("memory_limit") or 0), int(w.get("nthreads") or 1))
               for w in workers]
    except Exception:  # an old or unreachable scheduler: nothing is known
        return []
    return [(limit, threads) for limit, threads in out if limit > 0]


def check_cluster(run: float, workers: list[tuple[int, int]]) -> str:
    """Check that runs of ``run`` bytes fit on a Dask cluster's ``workers``
    (:func:`cluster_memory`; Dask stops a worker at 95% of its limit): TooBig if none can
    hold even one run; a line for the user if some cannot hold a run on each of their
    threads at once; '' if all can (or nothing is known)."""
    if not workers:
        return ""
    room = [0.95 * limit - PROCESS_BYTES for limit, _ in workers]
    if run > max(room):
        raise TooBig(f"one run needs ~{gib(run)}, more than any Dask worker's memory (at "
                     f"most {gib(max(room))} for a run): use a smaller world (world.scale) "
                     f"or fewer days, or workers with more memory, {FORCE}")
    short = sum(1 for r, (_, threads) in zip(room, workers, strict=True) if run * threads > r)
    if short:
        return (f"{short} of the cluster's {len(workers)} Dask workers cannot hold a run "
                f"(~{gib(run)}) on each of their threads at once: give them fewer threads "
                "(--nthreads) or more memory, or they may run out")
    return ""


def check_memory(params: Parameters, partitioned: bool, workers: int, days: int,
                 available: float | None = None, cluster: bool = False) -> Fit:
    """How many districts of ``gridgov run`` may go at once in ``available`` bytes (the
    memory available if None): ``workers`` or fewer (1 for one model). On a cluster only
    the merged results are this machine's. Raises :class:`TooBig` if not even one fits."""
    have = machine.available_bytes() if available is None else available
    if not partitioned:
        advice = ("run it partitioned (drop --no-partition), use --scale or fewer --days"
                  if is_city(params) else "use --scale or fewer --days")
        check_one_model(params, days, f"{advice}, {FORCE}", have)
        return Fit(1)
    parent = merged_bytes(params, days)
    if cluster:
        if parent > have:
            raise TooBig(f"the city's merged results for {days:,} days need ~{gib(parent)} "
                         f"here, more than the {gib(have)} available: use --scale or fewer "
                         f"--days, {FORCE}")
        return Fit(workers)
    sizes = district_bytes(params, days)
    asked = max(1, min(workers, len(sizes)))
    for k in range(asked, 0, -1):
        if city_peak(sizes, parent, k) <= have:
            if k == asked:
                return Fit(workers)
            return Fit(k, f"{asked} at once need ~{gib(city_peak(sizes, parent, asked))} "
                          f"and {gib(have)} is available")
    raise TooBig(f"the districts at once need at least ~{gib(city_peak(sizes, parent, 1))} "
                 f"(one at a time: the largest for {days:,} days beside the city's merged "
                 f"results), more than the {gib(have)} available: use --scale or fewer "
                 f"--days, {FORCE}")


def cluster_notices(client: Any, run: float) -> list[str]:
    """On a Dask cluster (``client``; None: local workers, nothing to check), once
    connected: TooBig if no worker can hold a run of ``run`` bytes; a notice if some cannot
    hold one on each of their threads (:func:`check_cluster`)."""
    if client is None:
        return []
    line = check_cluster(run, cluster_memory(client))
    return [line] if line else []


@dataclass
class Workers:
    """--workers as asked (None: one per core), the cores, how many go at once, and why
    fewer than asked."""

    asked: int | None
    cores: int
    used: int
    why: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, asked: int | None) -> Workers:
        """At most one per usable core (:func:`simulation.support.machine.usable_cores`)."""
        cores = machine.usable_cores()
        want = asked or cores
        why = [f"{cores} core{'s' if cores != 1 else ''} here"] if want > cores else []
        return cls(asked, cores, min(want, cores), why)

    def lower(self, at_most: int, why: str) -> None:
        """Go on with at most ``at_most`` at once, for the reason ``why``."""
        if at_most < self.used:
            self.used = at_most
            self.why.append(why)

    def notices(self, unit: str) -> list[str]:
        """One line for the user if fewer ``unit``s go at once than asked (none if not)."""
        if not self.why:
            return []
        wanted = f"--workers {self.asked}" if self.asked else f"{self.cores} (one per core)"
        return [f"running {self.used} {unit}{'s' if self.used != 1 else ''} at a time, not "
                f"{wanted}: {'; '.join(self.why)}"]
