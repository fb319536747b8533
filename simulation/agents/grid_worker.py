"""Grid workers (网格员) and office case staff.

A grid worker owns a beat (one grid, or several when staffing is thin), works office hours
(full-time) or a shorter day (part-time), visits households door to door, handles the issues
within their competence and escalates the rest. Each worker draws their own map of the beat
(the share of its households they know); local knowledge speeds discovery and handling.
Community, street, department and mediation-centre staff are plain servers (OfficeStaff).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import mesa
import numpy as np

from ..casebook import KNOWN
from ..issues import IssuePools, Source
from ..population import Population
from ..rules import trust_boost, visit_find_probability, visits_today
from ..service import Seat, Servers, ServicePoint
from ..worktime import HOURS_PER_DAY, Calendar
from ..world import World


class OfficeStaff(Seat):
    """A case officer at a service point above the grid (a server of its queue; its state
    is a row of ``servers``)."""

    __slots__ = ("calendar", "name", "seat", "servers")

    def __init__(self, name: str, calendar: Calendar, servers: Servers) -> None:
        self.name = name
        self.calendar = calendar
        self.servers = servers
        self.seat = servers.add(name, calendar)


class GridWorker(mesa.Agent, Seat):
    """A full- or part-time grid worker serving one beat's queue (a server: busy, hours
    done, knowledge and time factor are its row of ``servers``).

    ``knowledge`` is the share of the beat's households on this worker's map (a unit's own
    staff know a dedicated grid fully). The door-to-door state of all workers lives in one
    :class:`DoorToDoorRounds` so that a day's visits are one vectorised step.
    """

    def __init__(self, model: mesa.Model, beat: int, calendar: Calendar,
                 part_time: bool, dedicated: bool, visits_per_day: float,
                 visit_hours: float, servers: Servers) -> None:
        super().__init__(model)
        self.beat = beat
        self.calendar = calendar
        self.part_time = part_time
        self.dedicated = dedicated
        self.name = f"grid_worker:{self.unique_id}"
        self.servers = servers
        self.seat = servers.add(self.name, calendar, 1.0 if dedicated else 0.0)
        self.visits_per_day = 0.0 if dedicated else visits_per_day  # planned
        self.visit_hours = visit_hours  # working hours one household visit takes
        self.set_visits(self.visits_per_day)

    def set_visits(self, visits: float) -> None:
        """Plan ``visits`` household visits for today: they take working time from
        casework, as processor sharing with share f = visits x hours each / working hours of
        the day, so a case started today takes 1 / (1 - f) calendar hours per hour of work."""
        f = visits * self.visit_hours / self.calendar.hours_per_day
        self.time_factor = 1.0 / (1.0 - f)


class UnitInspections:
    """Dedicated grids' inspections: each dedicated grid's worker (``workers``, in order)
    inspects their unit's grids (``beat_grids`` of their beat) at the day's opening and finds
    each hidden issue with ``visits.dedicated_find_prob``: one draw each, worker by worker,
    grid by grid, in issue order. The grids and their workers' calendars are listed once."""

    def __init__(self, workers: list[GridWorker], beat_grids: list[list[int]]) -> None:
        self.calendars = list(dict.fromkeys(gw.calendar for gw in workers))
        self.grids = np.array([g for gw in workers for g in beat_grids[gw.beat]],
                              dtype=np.int64)
        self.calendar_of = np.array([self.calendars.index(gw.calendar) for gw in workers
                                     for _ in beat_grids[gw.beat]], dtype=np.int64)

    def inspect(self, day: int, pools: IssuePools, prob: float, rng: np.random.Generator,
                push_many: Callable[..., None]) -> None:
        """The inspections of ``day``: the issues found are pushed as becoming known."""
        if not len(self.grids):
            return
        opening = np.array([cal.next_open(float(day)) for cal in self.calendars])
        ids, when = pools.found_in_grids(self.grids, opening[self.calendar_of], prob, rng)
        push_many(when, KNOWN, ids, np.full(len(ids), int(Source.VISIT)))


class DoorToDoorRounds:
    """Door-to-door visiting (走家串户) of all basic-grid workers, as columns.

    Each worker walks their beat's households in their own fixed order (their hand-drawn
    map), ``visits.per_worker_day`` a working day (fractions carry over), from opening time,
    ``visits.hours_each`` apart. With ``visits.flexible``, a worker skips the day's visits
    while the beat's queue is long (:func:`rules.visits_today`): visits are the time a
    worker cuts first. A visited household joins the worker's map; each of its hidden
    issues is found with :func:`rules.visit_find_probability` of the worker's knowledge
    before today's visits; its members gain trust. ``planned`` and ``done`` count each
    worker's visits planned and made on working days.

    The rounds receive what they use: the parameters, the beats' queues (how long they
    are), the world and population (whose trust a visit raises), the issue pools (what a
    visit can find), the visits stream and the event queue's ``push_many``.
    """

    def __init__(self, workers: list[GridWorker], routes: list[np.ndarray],
                 params: Mapping[str, Any], beats: list[ServicePoint], world: World,
                 population: Population, pools: IssuePools, rng: np.random.Generator,
                 push_many: Callable[..., None]) -> None:
        self.params, self.beats, self.world, self.population = params, beats, world, population
        self.pools, self.rng, self.push_many = pools, rng, push_many
        knowledge, visit_hours = params["knowledge.initial"], params["visits.hours_each"]
        self.workers = workers
        self.length = np.array([len(r) for r in routes], dtype=np.int64)
        self.offset = np.cumsum(self.length) - self.length
        self.route = (np.concatenate(routes) if routes else np.empty(0)).astype(np.int64)
        self.owner = np.repeat(np.arange(len(routes)), self.length)  # worker of each slot
        self.known = np.zeros(len(self.route), dtype=bool)
        for w in range(len(routes)):
            self.known[self.offset[w]: self.offset[w] + round(knowledge * self.length[w])] = True
        self.n_known = np.array([int(self.known[o: o + n].sum())
                                 for o, n in zip(self.offset, self.length, strict=True)])
        # The known share is the part of the round already walked: go on from there.
        self.next = np.array([round(knowledge * n) for n in self.length], dtype=np.int64)
        self.next[self.next >= self.length] = 0
        self.credit = np.zeros(len(routes))
        self.rate = np.array([w.visits_per_day for w in workers])
        self.beat = np.array([w.beat for w in workers], dtype=np.int64)
        self.planned = np.zeros(len(routes))
        self.done = np.zeros(len(routes), dtype=np.int64)
        self.hours_done = 0.0  # visit hours of all workers
        self.visit_hours = visit_hours
        self.visit_days = visit_hours / HOURS_PER_DAY
        self.calendars = list(dict.fromkeys(gw.calendar for gw in workers))
        self.calendar_of = np.array([self.calendars.index(gw.calendar) for gw in workers],
                                    dtype=np.int64)
        self.beat_point = np.array([beats[b].index for b in self.beat], dtype=np.int64)
        self.beat_servers = np.array([len(beats[b].servers) for b in self.beat],
                                     dtype=np.int64)
        self.seats = np.array([gw.seat for gw in workers], dtype=np.int64)
        self.servers = workers[0].servers if workers else None
        self.day_hours = np.array([gw.calendar.hours_per_day for gw in workers])
        self._share_known()

    def _share_known(self) -> None:
        """Each worker's knowledge: the share of their beat's households on their map."""
        if len(self.workers):
            self.servers.knowledge[self.seats] = np.where(
                self.length > 0, self.n_known / np.maximum(self.length, 1), 1.0)

    def visit(self, day: int) -> None:
        """Everyone's visits of ``day``: discoveries, maps, and trust."""
        if len(self.workers) == 0:
            return
        p = self.params
        rate = self.rate
        if p["visits.flexible"]:
            table = self.beats[0].table  # every service point's queue length
            waiting = table.length[self.beat_point] / self.beat_servers
            rate = visits_today(rate, waiting, p["visits.pause_queue"])
        # GridWorker.set_visits for every worker at once
        self.servers.time_factor[self.seats] = 1.0 / (1.0 - rate * self.visit_hours
                                                      / self.day_hours)
        self.planned += self.rate
        self.credit += rate
        n = self.credit.astype(np.int64)
        n[self.length == 0] = 0
        self.credit -= n
        self.done += n
        total = int(n.sum())
        self.hours_done += total * self.visit_hours
        if total == 0:
            return
        w = np.repeat(np.arange(len(n)), n)
        k = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
        flat = self.offset[w] + (self.next[w] + k) % self.length[w]
        self.next = (self.next + n) % np.maximum(self.length, 1)
        opening = np.array([cal.next_open(float(day)) for cal in self.calendars])
        start = opening[self.calendar_of]
        times = start[w] + (k + 1) * self.visit_days
        households = self.route[flat]
        find = visit_find_probability(self.n_known / np.maximum(self.length, 1),
                                      p["visits.find_prob_min"], p["visits.find_prob_max"])
        ids, when = self.pools.found_in_households(households, times, find[w], self.rng,
                                                   self.world.household_building[households])
        self.push_many(when, KNOWN, ids, np.full(len(ids), int(Source.VISIT)))
        fresh = np.unique(flat[~self.known[flat]])
        self.known[fresh] = True
        self.n_known += np.bincount(self.owner[fresh], minlength=len(n))
        self._share_known()
        gain = p["visits.trust_gain"]
        if p["trust.enabled"] and gain > 0:
            members = self.world.household_members(households)
            when = np.repeat(times, self.world.household_size[households])
            self.population.update_in_order(members, when,
                                            lambda trust, _k: trust_boost(trust, gain))
