"""What a sweep needs before it starts: the memory of its largest run (on a worker) and its
own (its design, its tables at the end), and the disk its results take; whether that fits
(:func:`fit_sweep`: how many runs at once; :func:`check_disk`), refused with one line
naming ``--force`` (:class:`~simulation.footprint.TooBig`, :class:`NoRoom`) only when one
run, the sweep itself or its results cannot fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..districts import district_count, is_city
from ..footprint import FORCE, TooBig, expected_grids, expected_residents
from ..parameters import PARAM_INDEX
from ..running.memory import PROCESS_BYTES, Fit, merged_bytes, most_at_once, run_bytes
from ..scenarios import get_scenario
from ..support import machine
from ..support.errors import GridgovError
from ..support.machine import gib
from .experiment import Experiment

# A sweep's own memory, in the process that runs it (simulation.sweeps.engine), per run of the
# design: 10^5 and 2 x 10^5 runs before the first run; 5,000 to 80,000 runs at its end.
DESIGN_BYTES_PER_RUN = 3_000  # before the first run (run list, fingerprint, manifest):
#   2,225 B (2 policies x 100,000 replications), 2,621 B (100,000 LHS points)
ROW_BYTES_PER_RUN = 2_500  # each run's row of the runs table with its resolution curve,
#   kept from when its record is read (a resumed run) or written until the tables are
#   assembled (sweeps.records.Rows): 2,262 B a run (20,000 runs of the policy comparison's
#   records, tracemalloc, 2026-12-07)
TABLE_BYTES_PER_RUN = 4_600  # at its end (sweeps.assemble, then the manifest): its run
#   list, the rows and the runs table as it is built, 3.1 kB a run before the rows kept
#   each run's resolution curve (+0.6 kB) (fit to 5,000, 20,000 and 80,000 runs of 30 days;
#   3.7 kB from 5,000 to 20,000, 2.4 kB for 365 days), the run list 0.65 kB of it
#   (measured 2026-12-03, pandas 3.1.1, pyarrow 26.0.1)
TABLE_BYTES_PER_RUN_DAY = 0.07  # the daily series are streamed, a batch of runs at a time
#   (assemble.ASSEMBLE_BATCH_RUNS/_ROWS: 60 to 120 MB once with the writers' code, not counted,
#   like the sweep's interpreter); what grows is each row group's metadata, 14 kB + 2.7 kB
#   a 250,000 rows. Before streaming: 26.3 kB + 310 B a day a run (36 GB for 10^6 runs)

# A sweep's disk, per run (disk blocks of a sweep's files, du; baseline 30 and 365
# days, 30 and 600 basic grids):
RUN_FILE_BYTES = 36_000  # timeseries, grids, loads and record: 36 kB in 4 kB blocks
RUN_FILE_BYTES_PER_DAY = 48  # its daily series: 44 B a day
RUN_FILE_BYTES_PER_GRID = 100  # grids and loads: 91 B a basic grid
TABLE_FILE_BYTES_PER_RUN = 3_000  # its rows in runs.csv, runs.parquet, resolution, manifest
TABLE_FILE_BYTES_PER_RUN_DAY = 40  # its rows in timeseries.parquet: 40 B a day
SWEEP_FILE_BYTES = 100_000  # once a sweep: folders, runs.parquet's schema, manifest: ~90 kB
CASE_FILE_BYTES_PER_RESIDENT_DAY = 0.13  # --keep-cases: its case log, ~80 B an issue,
#                                          0.117 to 0.129 B a resident a day


class NoRoom(GridgovError):
    """Results that cannot fit on the disk of their folder (one line: what to change)."""


@dataclass(frozen=True)
class SweepNeeds:
    """What a sweep needs before it starts (bytes), for the runs it still has to do."""

    runs: int  # runs still to do
    total: int  # runs of the design
    days: int  # each run's length
    run: float  # the largest task's peak on its worker (a run, or a city's district), its
    #             interpreter excluded
    residents: float  # ... and its world's residents
    design: float  # the sweep's own memory while it runs (its design)
    tables: float  # ... and at its end (the runs table; the long tables are streamed)
    disk: float  # the files it adds
    merging: float = 0.0  # a city run's districts' results, held here until it is joined
    by_district: bool = False  # the largest task is a city's district (``run``, ``residents``)

    def own(self, workers: int) -> float:
        """The sweep's own memory while it runs on ``workers``: its design, and the city
        runs being joined (at most one more than there are workers: the tasks go run by
        run, so a run's last districts overlap only the next's first)."""
        return self.design + self.merging * min(self.runs, workers + 1)


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
    run = residents = files = merging = 0.0
    by_district = False
    for params, count in design_worlds(experiment):
        need = run_bytes(params, days)
        city = is_city(params)
        if need > run:
            run, by_district = need, city
            residents = (max(expected_residents({**params, "world.district": d})
                             for d in range(district_count(params))) if city
                         else expected_residents(params))
        if city:
            merging = max(merging, merged_bytes(params, days))
        files += count * run_file_bytes(params, days, keep_cases)
    share = todo / total if total else 0.0
    tables = total * (TABLE_BYTES_PER_RUN + TABLE_BYTES_PER_RUN_DAY * (days + 1))
    disk = SWEEP_FILE_BYTES + files * share + total * (TABLE_FILE_BYTES_PER_RUN
                                                       + TABLE_FILE_BYTES_PER_RUN_DAY * (days + 1))
    design = total * (DESIGN_BYTES_PER_RUN + ROW_BYTES_PER_RUN)  # the rows grow as runs end
    return SweepNeeds(todo, total, days, run, residents, design, tables, disk, merging,
                      by_district)


def fit_sweep(needs: SweepNeeds, workers: int, available: float | None = None,
              cluster: bool = False) -> Fit:
    """How many runs may go at once in ``available`` bytes (the memory available if
    None): ``workers`` or fewer, each with the largest run's memory, beside the sweep's
    own. On a cluster (``cluster``) only the sweep's own memory is this machine's.
    Raises :class:`TooBig` if the sweep itself, or one run beside it, cannot fit."""
    have = machine.available_bytes() if available is None else available
    own = needs.own(workers)
    if max(own, needs.tables) > have:
        raise TooBig(f"the sweep itself needs ~{gib(max(own, needs.tables))} for "
                     f"the tables of its {needs.total:,} runs of {needs.days:,} days, more "
                     f"than the {gib(have)} available: split it into smaller sweeps (fewer "
                     f"points, policies or replications), {FORCE}")
    if cluster or needs.runs == 0:
        return Fit(workers)
    k = most_at_once(own, [needs.run] * min(workers, needs.runs), have)
    if k == 0:
        task = "the largest district of a run" if needs.by_district else "one run"
        raise TooBig(f"{task} of this design (~{needs.residents / 1e6:,.1f} M residents for "
                     f"{needs.days:,} days) needs ~{gib(needs.run)}, more than the "
                     f"{gib(have - own)} available beside the sweep: use a smaller "
                     f"world (world.scale) or fewer days, {FORCE}")
    if k < min(workers, needs.runs):
        task = "district" if needs.by_district else "run"
        return Fit(k, f"each {task} needs up to ~{gib(needs.run + PROCESS_BYTES)} and "
                      f"{gib(have)} is available")
    return Fit(workers)


def check_disk(need: float, out: Path, free: float | None = None) -> None:
    """Raise :class:`NoRoom` if ``need`` bytes do not fit in the free space at ``out``
    (``free`` bytes if given)."""
    have = machine.free_disk_bytes(out) if free is None else free
    if need > have:
        raise NoRoom(f"the results need ~{gib(need)} on the disk of {str(out)!r}, more than "
                     f"the {gib(have)} free there: free some space or choose another --out, "
                     f"{FORCE}")
