"""The city's districts: how many street offices, communities and grids each one has.

A world is laid out district by district. The ``uniform`` layout gives every district the
same shape from the ``world.*`` counts (``world.streets_per_district`` street offices of
``world.communities_per_street`` communities, each with a random number of basic grids).
The ``jinan`` layout is Jinan's 13 districts and counties with their census populations and
the city's published grid totals (:data:`JINAN`).

``world.scale`` shrinks any layout for quick looks: each district keeps its place but gets
``scale`` times its grids, communities and street offices (at least one of each), so grid
sizes stay as at full scale. ``world.district`` keeps one district only: a partition of a
city run (:mod:`simulation.running.city`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .parameters import CONSISTENCY_CHECKS, ParameterError

LAYOUTS = ("uniform", "jinan")


@dataclass(frozen=True)
class District:
    """One district at full scale (counts of units; residents for proportions only)."""

    name: str
    residents: int  # census residents; the world draws its own households and residents
    streets: int  # street offices and towns (街道/镇)
    communities: int  # community and village committees (社区/村)
    basic_grids: int
    dedicated_grids: int


@dataclass(frozen=True)
class Plan:
    """What the world builder builds for one district (after scale and selection).

    ``basic_grids`` is None in the uniform layout: each community then draws its own count
    from ``world.grids_per_community_min``..``max`` (times ``grid_factor``).
    """

    name: str
    streets: int
    communities: int
    basic_grids: int | None
    dedicated_grids: int | None
    grid_factor: float = 1.0


def apportion(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainders), each
    part at least ``minimum``; ties go to the earlier part. Deterministic."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if total < minimum * n:
        raise ValueError(f"cannot give {n} parts at least {minimum} from {total}")
    rest = total - minimum * n
    exact = rest * weights / weights.sum()
    base = np.floor(exact).astype(np.int64)
    short = rest - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:short]] += 1
    return base + minimum


def even_split(total: int, parts: int, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into ``parts`` near-equal whole parts (each at least ``minimum``),
    the larger ones spread evenly along the order rather than bunched at its start (so
    that consecutive units, e.g. a street's communities, are alike). Deterministic."""
    if total < minimum * parts:
        raise ValueError(f"cannot give {parts} parts at least {minimum} from {total}")
    base, extra = divmod(total, parts)
    out = np.full(parts, base, dtype=np.int64)
    if extra:
        out[(np.arange(extra) * parts) // extra] += 1
    return out


# --- Jinan -------------------------------------------------------------------------------
# Residents by district: 2020 census (DOMAIN, in 10k people). Tianqiao, Jiyang and Gangcheng
# were not in the source: they share the remainder of the city's 9,202,432 equally
# (assumption). Pingyin's figure is given as "about 32".
_CENSUS_TOTAL = 9_202_432
_KNOWN = {
    "Licheng": 1_112_000, "Zhangqiu": 1_075_800, "Shizhong": 903_800, "Lixia": 819_100,
    "Laiwu": 816_000, "Huaiyin": 675_000, "Changqing": 595_500, "Shanghe": 527_300,
    "High-tech zone": 424_000, "Pingyin": 320_000,
}
_UNKNOWN = ("Tianqiao", "Jiyang", "Gangcheng")
JINAN_BASIC_GRIDS = 12_584  # DOMAIN (seed): 基础网格
JINAN_DEDICATED_GRIDS = 3_875  # DOMAIN (seed): 专属网格
JINAN_STREETS = 129  # DOMAIN: 64 street offices + 65 towns (2005 provincial chronicle)
JINAN_COMMUNITIES = 5_028  # DOMAIN: 400 urban community + 4,628 village committees (2005)
# Shizhong's grids are published (DOMAIN): 939 residential + 218 dedicated grids.
_PINNED = {"Shizhong": (939, 218)}


def _jinan() -> tuple[District, ...]:
    rest = _CENSUS_TOTAL - sum(_KNOWN.values())
    shares = apportion(rest, np.ones(len(_UNKNOWN)))
    residents = {**_KNOWN, **dict(zip(_UNKNOWN, shares.tolist(), strict=True))}
    names = sorted(residents, key=lambda n: -residents[n])
    pop = np.array([residents[n] for n in names], dtype=float)
    free = np.array([n not in _PINNED for n in names])

    def grids(total: int, k: int) -> np.ndarray:
        out = np.zeros(len(names), dtype=np.int64)
        out[free] = apportion(total - sum(v[k] for v in _PINNED.values()), pop[free], 1)
        for n, v in _PINNED.items():
            out[names.index(n)] = v[k]
        return out

    basic, dedicated = grids(JINAN_BASIC_GRIDS, 0), grids(JINAN_DEDICATED_GRIDS, 1)
    streets = apportion(JINAN_STREETS, pop, 1)
    communities = apportion(JINAN_COMMUNITIES, pop, 1)
    return tuple(District(n, int(r), int(s), int(c), int(b), int(d)) for n, r, s, c, b, d in
                 zip(names, pop, streets, communities, basic, dedicated, strict=True))


JINAN: tuple[District, ...] = _jinan()


# --- plans -------------------------------------------------------------------------------
def district_count(params: dict) -> int:
    """How many districts the layout has (before ``world.district`` selects one)."""
    if params["world.layout"] == "jinan":
        return len(JINAN)
    return int(params["world.districts"])


def is_city(params: Mapping[str, Any]) -> bool:
    """True for a world of several districts built whole (``world.district`` unset): what a
    run partitions by district (:func:`simulation.running.city.run`)."""
    return district_count(params) > 1 and params["world.district"] < 0


def district_names(params: dict) -> list[str]:
    """The districts' names, in order."""
    if params["world.layout"] == "jinan":
        return [d.name for d in JINAN]
    return [f"district {k}" for k in range(district_count(params))]


def plans(params: dict) -> list[Plan]:
    """The districts to build, after ``world.scale`` and ``world.district``."""
    p = params
    s = float(p["world.scale"])
    names = district_names(p)
    if p["world.layout"] == "jinan":
        out = [_scaled_table(d, s) for d in JINAN]
    else:
        streets = p["world.streets_per_district"]
        comms = streets * p["world.communities_per_street"]
        want = s * comms  # communities at this scale, fractional
        n_comm = max(1, round(want))
        n_streets = min(max(1, round(s * streets)), n_comm)
        factor = want / n_comm  # grids per community follow the scale exactly on average
        out = [Plan(name, n_streets, n_comm, None, None, factor) for name in names]
    check_district(p)
    k = p["world.district"]
    return out if k < 0 else [out[k]]


def check_district(params: Mapping[str, Any]) -> None:
    """Raise ParameterError if ``world.district`` names a district the layout does not have.

    The one place of this check: :class:`parameters.Parameters` runs it on every update
    (registered in ``parameters.CONSISTENCY_CHECKS`` below), :func:`plans` before building.
    """
    k = params.get("world.district", -1)
    if k < 0:
        return
    n = district_count(params)
    if k >= n:
        raise ParameterError(f"world.district: {k} is out of range; the "
                             f"{params['world.layout']} layout has districts 0 to {n - 1} "
                             "(-1: all)")


CONSISTENCY_CHECKS["world.district"] = check_district


def _scaled_table(d: District, s: float) -> Plan:
    """A district of a table layout at scale ``s``: at least one street, community, grid."""
    basic = max(1, round(s * d.basic_grids))
    dedicated = round(s * d.dedicated_grids)
    streets = max(1, round(s * d.streets))
    communities = min(max(streets, round(s * d.communities)), basic)
    return Plan(d.name, min(streets, communities), communities, basic, dedicated)
