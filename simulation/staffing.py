"""Who staffs which grids: grid workers' beats from the staffing policy.

Workers are counted per community: n = max(1, round(basic households / households per
worker)). With at least one worker per basic grid, each grid is its own beat and spare
workers go to the largest grids; with fewer, neighbouring grids are joined into n beats.
Dedicated grids get their own part-time worker (the unit's staff) under the dedicated-grid
policy; otherwise they are folded into a beat of their community. Part-time posts
(``staffing.part_time_share``) go to beats' extra workers first. Deterministic: no draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .parameters import Parameters
from .world import World


@dataclass
class BeatPlan:
    """A group of grids served by the same grid workers from one queue."""

    grids: list[int]
    workers: int
    part_time: list[bool] = field(default_factory=list)
    dedicated: bool = False  # a dedicated grid's own beat (no household visits)


def plan_beats(world: World, params: Parameters) -> tuple[list[BeatPlan], np.ndarray]:
    """Beats of the whole city and the beat of every grid."""
    hpw = params["staffing.households_per_worker"]
    beats: list[BeatPlan] = []
    grid_beat = np.full(world.n_grids, -1, dtype=np.int64)
    for c in range(len(world.community_street)):
        grids = np.flatnonzero(world.grid_community == c)
        basic = grids[~world.grid_dedicated[grids]]
        dedicated = grids[world.grid_dedicated[grids]]
        first = len(beats)
        n = max(1, round(float(world.grid_households[basic].sum()) / hpw))
        if n >= len(basic):
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
            else:
                beats[first + i % (len(beats) - first)].grids.append(int(g))
        for b in range(first, len(beats)):
            grid_beat[beats[b].grids] = b
    _assign_part_time(beats, params["staffing.part_time_share"])
    return beats, grid_beat


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
