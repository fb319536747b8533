"""Will it fit? The guards made before any work starts, which never prompt.

Estimates: a run's peak memory from the world it builds and the days it runs (its issues
are all kept); a sweep's own memory beside its runs (its design, its tables at the end);
the disk its results take. Resources: the memory this process may really use (this
machine's, or its container's cgroup limit if lower) and the cores it may use.

``gridgov run`` and every sweeping command cap ``--workers`` at the cores and lower it,
with one line, when fewer runs (or districts) fit in memory at once; they refuse with one
line naming ``--force`` (:class:`TooBig`, :class:`NoRoom`; exit 2) only when a single run,
the sweep itself or its results cannot fit. ``--force`` skips the memory and disk guards.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from ..districts import district_count, plans
from ..parameters import PARAM_INDEX, Parameters
from ..scenarios import get_scenario
from ..support.errors import GridgovError
from .city import is_city

if TYPE_CHECKING:
    from ..sweeps.experiment import Experiment

# --- Memory of one run: peak resident memory of a fresh process running one model
# (runner.run_model, seed 1; measured 2026-12-03, 2 cores, Python 3.11.7): baseline (34,163
# residents) for 30 to 10,950 days, baseline with 10 street offices (296,634) for 365 and
# 1,095 days, Jinan's Pingyin (324,508) for 30 and 365 days and Licheng (1,132,894) a year.
# A run's peak = residents x (BYTES_PER_RESIDENT + BYTES_PER_RESIDENT_DAY x days) x MARGIN.
PROCESS_BYTES = 200e6  # a worker's interpreter with gridgov imported: 190 MB (196 MB with
#                        the sweep's modules)
BYTES_PER_RESIDENT = 600  # the world built: 566 B a resident (296,634), 603 B (Pingyin)
BYTES_PER_RESIDENT_DAY = 3.2  # growth a resident a day (every issue is kept, ~1.6e-3 arise
#   a resident a day): 3.08 B (baseline, 3,650 to 10,950 days), 3.21 B (296,634 residents,
#   365 to 1,095 days), 3.16 B (Pingyin, 30 to 365 days)
MARGIN = 1.1  # the fit is within 1% of Licheng's year (1.98 GB); the whole of Jinan as one
#               model peaked 12% above it (17.1 GiB, benchmarks/README.md)
PARENT_BYTES_PER_RESIDENT_DAY = 0.6  # a partitioned city's parent (or its sweep worker):
#   its districts' merged tallies and records, 0.60 B a resident a day (`gridgov run jinan`
#   a year at --scale 0.03 and 0.1: 255 and 396 MB peak)

# --- A sweep's own memory, in the process that runs it (simulation.sweeps.engine), per run of the
# design: 10^5 and 2 x 10^5 runs before the first run; 5,000 to 80,000 runs at its end.
DESIGN_BYTES_PER_RUN = 3_000  # before the first run (run list, fingerprint, manifest):
#   2,225 B (2 policies x 100,000 replications), 2,621 B (100,000 LHS points)
TABLE_BYTES_PER_RUN = 4_000  # at its end (sweep.assemble, then the manifest): its run list
#   and the runs table as it is built, 3.1 kB a run (fit to 5,000, 20,000 and 80,000 runs of
#   30 days; 3.7 kB from 5,000 to 20,000, 2.4 kB for 365 days), the run list 0.65 kB of it
#   (measured 2026-12-03, pandas 3.1.1, pyarrow 26.0.1)
TABLE_BYTES_PER_RUN_DAY = 0.07  # the daily series are streamed, a batch of runs at a time
#   (sweep.ASSEMBLE_BATCH_RUNS/_ROWS: 60 to 120 MB once with the writers' code, not counted,
#   like the sweep's interpreter); what grows is each row group's metadata, 14 kB + 2.7 kB
#   a 250,000 rows. Before streaming: 26.3 kB + 310 B a day a run (36 GB for 10^6 runs)

# --- A sweep's disk, per run (disk blocks of a sweep's files, du; baseline 30 and 365
# days, 30 and 600 basic grids):
RUN_FILE_BYTES = 36_000  # timeseries, grids, loads and record: 36 kB in 4 kB blocks
RUN_FILE_BYTES_PER_DAY = 48  # its daily series: 44 B a day
RUN_FILE_BYTES_PER_GRID = 100  # grids and loads: 91 B a basic grid
TABLE_FILE_BYTES_PER_RUN = 3_000  # its rows in runs.csv, runs.parquet, resolution, manifest
TABLE_FILE_BYTES_PER_RUN_DAY = 40  # its rows in timeseries.parquet: 40 B a day
SWEEP_FILE_BYTES = 100_000  # once a sweep: folders, runs.parquet's schema, manifest: ~90 kB
CASE_FILE_BYTES_PER_RESIDENT_DAY = 0.13  # --keep-cases: its case log, ~80 B an issue,
#                                          0.117 to 0.129 B a resident a day

UNLIMITED = 2**60  # a cgroup limit at or above this is none (v1 writes 2^63 - 4096)
CGROUP_ROOT = Path("/sys/fs/cgroup")
FORCE = "or --force to start anyway"


class TooBig(GridgovError):
    """A run (or a sweep) that cannot fit in the memory available (one line: what to
    change)."""


class NoRoom(GridgovError):
    """Results that cannot fit on the disk of their folder (one line: what to change)."""


@dataclass(frozen=True)
class Fit:
    """How many runs (or districts) may go at once, and why fewer than asked ('' if not)."""

    workers: int
    why: str = ""


def expected_grids(params: Mapping[str, Any]) -> float:
    """Rough basic grids of the world ``params`` builds: each district's grids (or its
    communities x grids per community), summed."""
    p = params
    total = 0.0
    for plan in plans(p):
        grids = plan.basic_grids
        if grids is None:
            f = plan.grid_factor
            grids = plan.communities * max(1.0, (p["world.grids_per_community_min"]
                                                 + p["world.grids_per_community_max"]) / 2 * f)
        total += grids
    return total


def expected_residents(params: Mapping[str, Any]) -> float:
    """Rough residents of the world ``params`` builds (for progress and memory checks):
    basic grids x households per grid x residents per household."""
    p = params
    hh = (p["world.households_per_grid_min"] + p["world.households_per_grid_max"]) / 2
    return expected_grids(p) * hh * p["world.residents_per_household"]


def model_bytes(params: Mapping[str, Any], days: int) -> float:
    """Peak memory (bytes) one model of ``params`` adds to its process over ``days``."""
    return expected_residents(params) * (BYTES_PER_RESIDENT
                                         + BYTES_PER_RESIDENT_DAY * days) * MARGIN


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
    """Peak memory (bytes) of one sweep run on its worker, its interpreter excluded: one
    model, or a city's districts in turn (the largest) with their merged results."""
    if is_city(params):  # type: ignore[arg-type]  # any mapping of the values will do
        return city_peak(district_bytes(params, days), merged_bytes(params, days), 1)
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


def gib(n: float) -> str:
    """``n`` bytes for a message: '3.2 GiB', or '250 MiB' below one GiB."""
    return f"{n / 2**30:,.1f} GiB" if abs(n) >= 2**30 else f"{n / 2**20:,.0f} MiB"


# --- resources -----------------------------------------------------------------------------
def available_bytes() -> int:
    """Memory this process may still use (bytes): this machine's available memory, or the
    room left under its container's cgroup limit if that is less."""
    have = int(psutil.virtual_memory().available)
    room = cgroup_room()
    return have if room is None else min(have, room)


def cgroup_room(root: Path = CGROUP_ROOT, membership: Path = Path("/proc/self/cgroup")
                ) -> int | None:
    """Memory (bytes) this process's cgroups let it still use: the tightest limit of its
    memory cgroup and the cgroups above it (v2 memory.max, v1 memory.limit_in_bytes) minus
    their usage (reclaimable page cache, inactive_file, not counted); None if unlimited or
    unknown."""
    room: int | None = None
    for folder, v2 in _cgroup_folders(root, membership, "memory"):
        limit = _read_int(folder / ("memory.max" if v2 else "memory.limit_in_bytes"))
        if limit is None or limit >= UNLIMITED:
            continue
        used = _read_int(folder / ("memory.current" if v2 else "memory.usage_in_bytes")) or 0
        cache = _stat(folder / "memory.stat", "inactive_file" if v2 else "total_inactive_file")
        left = max(0, limit - max(0, used - cache))
        room = left if room is None else min(room, left)
    return room


def usable_cores(root: Path = CGROUP_ROOT, membership: Path = Path("/proc/self/cgroup")
                 ) -> int:
    """The cores this process may use: those it may run on (its affinity), fewer if its
    cgroups' CPU quota (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us) is less
    (rounded up)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    for folder, v2 in _cgroup_folders(root, membership, "cpu"):
        if v2:
            fields = _read_text(folder / "cpu.max").split()
            quota, period = [*fields, "", ""][:2]
        else:
            quota = _read_text(folder / "cpu.cfs_quota_us").strip()
            period = _read_text(folder / "cpu.cfs_period_us").strip()
        try:
            share = int(quota) / int(period)
        except (ValueError, ZeroDivisionError):  # "max", -1 or unreadable: no quota
            continue
        if share > 0:
            cores = min(cores, max(1, math.ceil(share)))
    return max(1, cores)


def _cgroup_folders(root: Path, membership: Path, controller: str
                    ) -> list[tuple[Path, bool]]:
    """This process's cgroup folders for ``controller`` and those above them, each with
    True for cgroup v2 (``0::/path`` in /proc/self/cgroup) or False for v1
    (``N:memory,...:/path``, mounted at root/controller)."""
    try:
        lines = membership.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in lines:
        fields = line.split(":", 2)
        if len(fields) != 3:
            continue
        _, controllers, path = fields
        if controllers == "":
            base, v2 = root, True
        elif controller in controllers.split(","):
            base, v2 = root / controllers, False
            if not base.is_dir():  # e.g. cpu,cpuacct mounted under one of its names
                base = root / controller
        else:
            continue
        parts = [x for x in path.strip().strip("/").split("/") if x and x != ".."]
        out += [(base.joinpath(*parts[:k]), v2) for k in range(len(parts), -1, -1)]
    return out


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _read_int(path: Path) -> int | None:
    """The whole number in a one-value cgroup file; None if missing or not a number
    ("max")."""
    try:
        return int(_read_text(path).strip())
    except ValueError:
        return None


def _stat(path: Path, key: str) -> int:
    """``key``'s value in a cgroup's memory.stat (0 if missing)."""
    for line in _read_text(path).splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


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
    have = available_bytes() if available is None else available
    if not partitioned:
        need = model_bytes(params, days)
        if need <= have:
            return Fit(1)
        advice = ("run it partitioned (drop --no-partition), use --scale or fewer --days"
                  if is_city(params) else "use --scale or fewer --days")
        raise TooBig(f"one model of ~{expected_residents(params) / 1e6:,.1f} M residents for "
                     f"{days:,} days needs ~{gib(need)}, more than the {gib(have)} "
                     f"available: {advice}, {FORCE}")
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


# --- sweeps ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepNeeds:
    """What a sweep needs before it starts (bytes), for the runs it still has to do."""

    runs: int  # runs still to do
    total: int  # runs of the design
    days: int  # each run's length
    run: float  # the largest run's peak on its worker, its interpreter excluded
    residents: float  # ... and its world's residents
    design: float  # the sweep's own memory while it runs (its design)
    tables: float  # ... and at its end (the runs table; the long tables are streamed)
    disk: float  # the files it adds


def design_worlds(experiment: Experiment) -> list[tuple[Mapping[str, Any], int]]:
    """The different worlds an experiment's runs build, each with its number of runs:
    each distinct set of the world.* values (and of a scenario's own inputs, which may
    set them) among its design points and policies, resolved once (by the scenario where
    it derives values; else set on its defaults as given, checked when the file was read:
    ~23 us a world instead of ~75 us)."""
    scenario = get_scenario(experiment.scenario)
    base = scenario.parameters({})
    counts: dict[tuple[tuple[str, str], ...], tuple[dict[str, Any], int]] = {}
    for point in experiment.points:
        for policy in experiment.policies:
            world = {k: v for source in (experiment.fixed, point, policy.values)
                     for k, v in source.items()
                     if k.startswith("world.") or k not in PARAM_INDEX}
            key = tuple(sorted((k, repr(v)) for k, v in world.items()))
            seen = counts.get(key)
            counts[key] = (world, (seen[1] if seen else 0) + experiment.replications)
    if base.derive is None:
        values = dict(base.values)
        return [({**values, **world}, n) for world, n in counts.values()]
    return [(scenario.parameters(world), n) for world, n in counts.values()]


def run_file_bytes(params: Mapping[str, Any], days: int, keep_cases: bool) -> float:
    """Disk (bytes) one sweep run's own files take: its daily series, grids, loads and
    record, and with ``keep_cases`` its case log."""
    out = (RUN_FILE_BYTES + RUN_FILE_BYTES_PER_DAY * (days + 1)
           + RUN_FILE_BYTES_PER_GRID * expected_grids(params))
    if keep_cases:
        out += CASE_FILE_BYTES_PER_RESIDENT_DAY * expected_residents(params) * days
    return out


def sweep_needs(experiment: Experiment, todo: int, keep_cases: bool = False) -> SweepNeeds:
    """The memory and disk ``experiment``'s sweep needs with ``todo`` of its runs still to
    do (the others done: their files exist, its tables cover them all)."""
    total = experiment.run_count
    days = experiment.days
    run = residents = files = 0.0
    for params, count in design_worlds(experiment):
        need = run_bytes(params, days)
        if need > run:
            run, residents = need, expected_residents(params)
        files += count * run_file_bytes(params, days, keep_cases)
    share = todo / total if total else 0.0
    tables = total * (TABLE_BYTES_PER_RUN + TABLE_BYTES_PER_RUN_DAY * (days + 1))
    disk = SWEEP_FILE_BYTES + files * share + total * (TABLE_FILE_BYTES_PER_RUN
                                                       + TABLE_FILE_BYTES_PER_RUN_DAY * (days + 1))
    return SweepNeeds(todo, total, days, run, residents, total * DESIGN_BYTES_PER_RUN, tables,
                      disk)


def fit_sweep(needs: SweepNeeds, workers: int, available: float | None = None,
              cluster: bool = False) -> Fit:
    """How many runs may go at once in ``available`` bytes (the memory available if
    None): ``workers`` or fewer, each with the largest run's memory, beside the sweep's
    own. On a cluster (``cluster``) only the sweep's own memory is this machine's.
    Raises :class:`TooBig` if the sweep itself, or one run beside it, cannot fit."""
    have = available_bytes() if available is None else available
    if max(needs.design, needs.tables) > have:
        raise TooBig(f"the sweep itself needs ~{gib(max(needs.design, needs.tables))} for "
                     f"the tables of its {needs.total:,} runs of {needs.days:,} days, more "
                     f"than the {gib(have)} available: split it into smaller sweeps (fewer "
                     f"points, policies or replications), {FORCE}")
    if cluster or needs.runs == 0:
        return Fit(workers)
    k = most_at_once(needs.design, [needs.run] * min(workers, needs.runs), have)
    if k == 0:
        raise TooBig(f"one run of this design (~{needs.residents / 1e6:,.1f} M residents for "
                     f"{needs.days:,} days) needs ~{gib(needs.run)}, more than the "
                     f"{gib(have - needs.design)} available beside the sweep: use a smaller "
                     f"world (world.scale) or fewer days, {FORCE}")
    if k < min(workers, needs.runs):
        return Fit(k, f"each run needs up to ~{gib(needs.run + PROCESS_BYTES)} and "
                      f"{gib(have)} is available")
    return Fit(workers)


def free_disk_bytes(out: Path) -> int:
    """Free space (bytes) on the disk that holds (or will hold) the folder ``out``, for
    this user."""
    where = Path(os.path.abspath(out))
    while not where.exists() and where != where.parent:
        where = where.parent
    return shutil.disk_usage(where).free


def check_disk(need: float, out: Path, free: float | None = None) -> None:
    """Raise :class:`NoRoom` if ``need`` bytes do not fit in the free space at ``out``
    (``free`` bytes if given)."""
    have = free_disk_bytes(out) if free is None else free
    if need > have:
        raise NoRoom(f"the results need ~{gib(need)} on the disk of {str(out)!r}, more than "
                     f"the {gib(have)} free there: free some space or choose another --out, "
                     f"{FORCE}")
