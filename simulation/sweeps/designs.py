"""Experiment designs: the design methods, the design points they give, and the unit-cube
samples behind them.

A design is the full factorial over an experiment's ``[factors]``, crossed, for a sampled
method, with ``samples`` points over its ``[ranges]``: a Latin hypercube (``lhs``), a
scrambled Sobol sequence (``sobol``), Saltelli's scheme for Sobol indices (``saltelli``) or
Morris's trajectories (``morris``). Sampled designs draw from
``SeedSequence(seed, spawn_key=(1,))`` (:func:`simulation.seeds.design_rng`), so adding
replications does not move them.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..parameters import Param
from ..seeds import design_rng

DESIGN_METHODS = ("factorial", "lhs", "sobol", "saltelli", "morris")
SENSITIVITY_METHODS = {"sobol": "saltelli", "morris": "morris"}  # gridgov sensitivity
MORRIS_LEVELS = 4  # grid levels of a Morris design (SALib's default)


def points_per_sample(method: str, d: int) -> int:
    """Design points per unit of ``samples`` over ``d`` ranges: Saltelli's scheme takes
    N (d + 2) points (first and total order), Morris's r trajectories r (d + 1)."""
    return {"saltelli": d + 2, "morris": d + 1}.get(method, 1)


def design_problem(method: str, samples: int, factors: dict[str, list[Any]]) -> str:
    """Why ``samples`` or ``factors`` do not suit ``method`` ('' if they do)."""
    if method in ("sobol", "saltelli") and samples & (samples - 1):
        return (f"samples: {samples} is not a power of 2, which a Sobol sequence needs "
                "(e.g. 16, 32, 64)")
    if method in ("saltelli", "morris") and factors:
        return (f"a {method} design analyses [ranges] alone; move these keys to [fixed] or "
                "[ranges]")
    return ""


def design_points(factors: dict[str, list[Any]], ranges: dict[str, tuple[Any, Any]],
                  method: str, samples: int, seed: int,
                  specs: dict[str, Param]) -> list[dict[str, Any]]:
    """The design: the full factorial over ``factors``, crossed with ``samples`` points over
    ``ranges`` (Latin hypercube or scrambled Sobol, scipy.stats.qmc) for sampled methods.

    Integer parameters stay integers: u in [0, 1) maps to low + floor(u * (high - low + 1)).
    """
    grid = [dict(zip(factors, combo, strict=True))
            for combo in itertools.product(*factors.values())] or [{}]
    if method == "factorial" or not ranges:
        return grid
    u = unit_sample(method, list(ranges), samples, seed)
    sampled = []
    for row in u:
        point = {}
        for (key, (low, high)), x in zip(ranges.items(), row, strict=True):
            if specs[key].kind is int:
                point[key] = int(min(high, low + math.floor(x * (high - low + 1))))
            else:
                point[key] = float(low + x * (high - low))
        sampled.append(point)
    return [{**g, **s} for g in grid for s in sampled]


def unit_sample(method: str, names: list[str], samples: int, seed: int) -> np.ndarray:
    """The design's points on the unit hypercube [0, 1]^d, one row per point, from the
    experiment's seed (stream spawn_key=(1,)): what :func:`design_points` maps to ranges."""
    rng = design_rng(seed)
    d = len(names)
    unit = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    if method == "lhs":
        from scipy.stats import qmc  # imported here: sweep workers never need it

        u = qmc.LatinHypercube(d=d, rng=rng).random(samples)
    elif method == "saltelli":  # Saltelli's scheme for first- and total-order Sobol indices
        from SALib.sample import sobol as saltelli

        u = saltelli.sample(unit, samples, calc_second_order=False, scramble=True, seed=rng)
    elif method == "morris":  # Morris's elementary-effects trajectories
        from SALib.sample import morris

        u = morris.sample(unit, samples, num_levels=MORRIS_LEVELS, seed=rng)
    else:
        from scipy.stats import qmc

        u = qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(int(math.log2(samples)))
    return u
