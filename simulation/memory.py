"""Will a run fit in memory? The estimate of a run's peak memory from the world it builds,
and the check made before a run starts (one model, or a city's largest districts at once).
"""

from __future__ import annotations

import psutil

from .districts import district_count, plans
from .errors import GridgovError
from .parameters import Parameters

# Peak memory of one model per resident, a year's issues included: 1,950 bytes measured for
# the whole of jinan as one model (benchmarks/README.md).
BYTES_PER_RESIDENT = 2_000


class TooBig(GridgovError):
    """A run that cannot fit in the memory available (one line: what to change)."""


def expected_residents(params: Parameters) -> float:
    """Rough residents of the world ``params`` builds (for progress and memory checks):
    grids (or communities x grids per community) x households per grid x residents per
    household, summed over its districts."""
    p = params
    hh = (p["world.households_per_grid_min"] + p["world.households_per_grid_max"]) / 2
    total = 0.0
    for plan in plans(p):
        grids = plan.basic_grids
        if grids is None:
            f = plan.grid_factor
            grids = plan.communities * max(1.0, (p["world.grids_per_community_min"]
                                                 + p["world.grids_per_community_max"]) / 2 * f)
        total += grids * hh * p["world.residents_per_household"]
    return total


def needed_bytes(params: Parameters, partitioned: bool, workers: int) -> float:
    """Estimated peak memory (bytes) of a run: one model of the whole world, or the
    ``workers`` largest districts running at once."""
    if not partitioned:
        return expected_residents(params) * BYTES_PER_RESIDENT
    sizes = sorted((expected_residents(params.with_values({"world.district": d}))
                    for d in range(district_count(params))), reverse=True)
    return sum(sizes[:workers]) * BYTES_PER_RESIDENT


def available_bytes() -> int:
    """This machine's memory available now (bytes)."""
    return int(psutil.virtual_memory().available)


def check_memory(params: Parameters, partitioned: bool, workers: int,
                 available: float | None = None) -> None:
    """Raise :class:`TooBig` if the run cannot fit in ``available`` bytes (this machine's
    available memory if None)."""
    have = available_bytes() if available is None else available
    need = needed_bytes(params, partitioned, workers)
    if need <= have:
        return
    if not partitioned:
        raise TooBig(f"one model of ~{expected_residents(params) / 1e6:.1f} M residents needs "
                     f"~{need / 2**30:.1f} GiB, more than the {have / 2**30:.1f} GiB "
                     "available: run it partitioned (drop --no-partition) or use --scale")
    raise TooBig(f"{min(workers, district_count(params))} districts at once need "
                 f"~{need / 2**30:.1f} GiB, more than the {have / 2**30:.1f} GiB available: "
                 "use fewer --workers or a smaller --scale")
