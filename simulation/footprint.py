"""How big a model is before it is built: the grids and residents the world that its
parameters describe will have, and the memory one model of it takes over a run
(measured), so that a run too large for the machine is refused before it starts.
A city of several districts is better run partitioned (:mod:`simulation.running.city`);
:func:`check_one_model` is the guard for one model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .districts import plans
from .support import machine
from .support.errors import GridgovError
from .support.machine import gib

# Peak resident memory of a fresh process running one model
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

FORCE = "or --force to start anyway"  # what the command line's refusals end with


class TooBig(GridgovError):
    """A run (or a sweep) that cannot fit in the memory available (one line: what to
    change)."""


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


def check_one_model(params: Mapping[str, Any], days: int, advice: str,
                    available: float | None = None) -> None:
    """Raise :class:`TooBig` if one model of ``params`` run ``days`` days would need more
    than the memory available (``available`` bytes if given); the message ends with
    ``advice`` (what to change)."""
    have = machine.available_bytes() if available is None else available
    need = model_bytes(params, days)
    if need > have:
        raise TooBig(f"one model of ~{expected_residents(params) / 1e6:,.1f} M residents for "
                     f"{days:,} days needs ~{gib(need)}, more than the {gib(have)} "
                     f"available: {advice}")
