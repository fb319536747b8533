"""Who staffs which grids: grid workers' beats from the staffing policy.

Workers are counted per community: n = max(1, round(basic households / households per
worker)). ``staffing.beats`` says how the community's grids and workers make beats:

* ``grid``: with at least one worker per basic grid, each grid is its own beat and spare
  workers go to the largest grids; with fewer, neighbouring grids are joined into n beats.
  Dedicated grids not given their own worker are folded into a beat of their community.
* ``workload``: beats are sized by workload. Neighbouring grids (in the world's order) are
  joined into beats and each beat gets k workers so that its casework per worker (the
  grids' ``workload``: expected casework hours, :func:`simulation.load.grid_casework_hours`)
  is within :data:`TOLERANCE` of the community's mean where possible, every beat having at
  least ``staffing.beat_min_fte`` full-time equivalents of workers (a team sharing one
  queue; part-time posts count calendar.part_time_hours / the office day) if the community
  has that many; among the partitions that do, the one with the most (smallest) beats, then
  the most even. Planned visit hours are the same for every worker, so equal casework per
  worker is an equal offered load (casework + planned visits) / hours available.

Dedicated grids get their own part-time worker (the unit's staff) under the dedicated-grid
policy. Part-time posts (``staffing.part_time_share``) go to beats' extra workers first.
Deterministic: no draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .parameters import Parameters
from .world import World

TOLERANCE = 0.10  # casework per worker within 10% of the community's mean
MAX_GRIDS_PER_BEAT = 6  # neighbouring grids a workload-sized beat may join


@dataclass
class BeatPlan:
    """A group of grids served by the same grid workers from one queue."""

    grids: list[int]
    workers: int
    part_time: list[bool] = field(default_factory=list)
    dedicated: bool = False  # a dedicated grid's own beat (no household visits)


def plan_beats(world: World, params: Parameters, workload: np.ndarray | None = None
               ) -> tuple[list[BeatPlan], np.ndarray]:
    """Beats of the whole city and the beat of every grid. ``workload`` (expected casework
    hours per grid) is used by ``staffing.beats = "workload"`` (households when None)."""
    hpw = params["staffing.households_per_worker"]
    by_workload = params["staffing.beats"] == "workload"
    if by_workload and workload is None:
        workload = world.grid_households.astype(float)
    min_workers = _team_size(params)
    beats: list[BeatPlan] = []
    grid_beat = np.full(world.n_grids, -1, dtype=np.int64)
    for c in range(len(world.community_street)):
        grids = np.flatnonzero(world.grid_community == c)
        basic = grids[~world.grid_dedicated[grids]]
        dedicated = grids[world.grid_dedicated[grids]]
        first = len(beats)
        n = max(1, round(float(world.grid_households[basic].sum()) / hpw))
        if by_workload:
            units = basic if params["policy.dedicated_grids"] else grids
            for group, k in _workload_beats(units, workload[units],
                                            ~world.grid_dedicated[units], n, min_workers):
                beats.append(BeatPlan([int(g) for g in group], k))
        elif n >= len(basic):
            extra = n - len(basic) * (n // len(basic))
            largest = set(basic[np.argsort(-world.grid_households[basic], kind="stable")][:extra])
            for g in basic:
                beats.append(BeatPlan([int(g)], n // len(basic) + (g in largest)))
        else:
            for group in np.array_split(basic, n):
                beats.append(BeatPlan([int(g) for g in group], 1))
        for i, g in enumerate(dedicated):
            if params["policy.dedicated_grids"]:
                beats.append(BeatPlan([int(g)], 1, [True], dedicated=True))
            elif not by_workload:
                beats[first + i % (len(beats) - first)].grids.append(int(g))
        for b in range(first, len(beats)):
            grid_beat[beats[b].grids] = b
    _assign_part_time(beats, params["staffing.part_time_share"])
    return beats, grid_beat


def _team_size(params: Parameters) -> int:
    """The fewest workers that make ``staffing.beat_min_fte`` full-time equivalents at the
    staffing's part-time share (a part-time post: calendar.part_time_hours of the day)."""
    day = params["calendar.close_hour"] - params["calendar.open_hour"]
    part = min(1.0, params["calendar.part_time_hours"] / day)
    fte = 1.0 - params["staffing.part_time_share"] * (1.0 - part)
    return max(1, math.ceil(params["staffing.beat_min_fte"] / fte - 1e-9))


def _workload_beats(units: np.ndarray, load: np.ndarray, basic: np.ndarray, n: int,
                    min_workers: int) -> list[tuple[np.ndarray, int]]:
    """Split the neighbouring ``units`` (grids, in order; ``load`` each, ``basic`` those
    with households) into beats of k >= min(min_workers, n) workers, n in all, each beat
    holding a basic grid: minimise (1) the sum of each beat's casework per worker beyond
    TOLERANCE of the mean, (2) minus the number of beats, (3) the workers' squared
    deviations from the mean; by dynamic programming over (grids, workers) used."""
    g_count = len(units)
    mean = float(load.sum()) / n if load.sum() > 0 else 1.0
    k_min = min(max(1, min_workers), n)
    inf = (np.inf, 0.0, np.inf)
    best = [[inf] * (n + 1) for _ in range(g_count + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (n + 1) for _ in range(g_count + 1)]
    best[0][0] = (0.0, 0.0, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(load)])
    cbasic = np.concatenate([[0], np.cumsum(basic)])
    for i in range(1, g_count + 1):
        for j in range(max(0, i - MAX_GRIDS_PER_BEAT), i):
            if cbasic[i] == cbasic[j]:
                continue  # a beat needs households to visit
            w = float(csum[i] - csum[j])
            for m0 in range(n + 1):
                prev = best[j][m0]
                if prev[0] == np.inf:
                    continue
                for k in range(k_min, n - m0 + 1):
                    r = w / k / mean
                    cost = (prev[0] + k * max(0.0, abs(r - 1.0) - TOLERANCE),
                            prev[1] - 1.0, prev[2] + k * (r - 1.0) ** 2)
                    if _better(cost, best[i][m0 + k]):
                        best[i][m0 + k], back[i][m0 + k] = cost, (j, k)
    if best[g_count][n][0] == np.inf:  # too few workers for k_min each: one beat
        return [(units, n)]
    out, i, m = [], g_count, n
    while i > 0:
        j, k = back[i][m]
        out.append((units[j:i], k))
        i, m = j, m - k
    return out[::-1]


def _better(a: tuple[float, float, float], b: tuple[float, float, float]) -> bool:
    """Lexicographic comparison with a little slack for rounding."""
    for x, y in zip(a, b, strict=True):
        if x < y - 1e-9:
            return True
        if x > y + 1e-9:
            return False
    return False


def _assign_part_time(beats: list[BeatPlan], share: float) -> None:
    """Make floor(share x basic-grid workers) posts part-time: first the beats' extra
    workers (a beat's second worker before any beat's first, so that no beat is left to
    part-timers alone while others have full-timers to spare), each tier spread evenly over
    the beats in order."""
    basic = [b for b in beats if not b.dedicated]
    for beat in basic:
        beat.part_time = [False] * beat.workers
    left = int(sum(b.workers for b in basic) * share + 1e-9)
    for tier in range(max((b.workers for b in basic), default=0) - 1, -1, -1):
        slots = [b for b in basic if b.workers > tier]
        r = min(left, len(slots))
        for i, beat in enumerate(slots):
            beat.part_time[tier] = (i + 1) * r // len(slots) > i * r // len(slots)
        left -= r
