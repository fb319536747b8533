"""Service points and their servers: the FIFO queues issues wait in (a beat's grid
workers, a community's, a street office's, the city departments', the mediation centre's)
and the state of every server (grid workers, office staff) as columns, which the agents
read through :class:`Seat` and routing's compiled loop (:mod:`simulation.casework`) writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import casebook as cb
from .issues import Level
from .worktime import Calendar, Calendars
from .world import World


class Servers:
    """Every server's state as columns, one row a server (its *seat*): the row of its
    calendar (:meth:`calendar_rows` order), busy, casework hours done, local knowledge
    (0-1), calendar hours per hour of casework; and its name."""

    def __init__(self, calendars: Calendars) -> None:
        self.calendars = calendar_rows(calendars)
        self.names: list[str] = []
        self.n = 0
        self.calendar = np.zeros(0, dtype=np.int64)
        self.busy = np.zeros(0, dtype=bool)
        self.hours_done = np.zeros(0)
        self.knowledge = np.zeros(0)
        self.time_factor = np.zeros(0)

    def add(self, name: str, calendar: Calendar, knowledge: float = 0.0) -> int:
        """A new server on ``calendar`` (one of the run's Calendars); its seat."""
        if self.n == len(self.busy):
            size = max(64, 2 * self.n)
            for col in ("calendar", "busy", "hours_done", "knowledge", "time_factor"):
                old = getattr(self, col)
                new = np.zeros(size, dtype=old.dtype)
                new[: self.n] = old
                setattr(self, col, new)
        k = self.n
        self.calendar[k] = next(r for r, c in enumerate(self.calendars) if c is calendar)
        self.knowledge[k] = knowledge
        self.time_factor[k] = 1.0
        self.names.append(name)
        self.n += 1
        return k

    def columns(self) -> cb.ServerCols:
        """The columns as the compiled loop reads them."""
        n = self.n
        return cb.ServerCols(self.calendar[:n], self.busy[:n], self.hours_done[:n],
                             self.knowledge[:n], self.time_factor[:n])


def calendar_rows(calendars: Calendars) -> list[Calendar]:
    """The run's calendars in row order: office, part-time, volunteer, always."""
    c = calendars
    return [c.office, c.part_time, c.volunteer, c.always]


def calendar_table(calendars: list[Calendar]) -> np.ndarray:
    """Calendars as rows of the compiled loop's calendar table (simulation.casework CAL_*:
    the window's edges in days, working days a week, around the clock)."""
    return np.array([[*c.edges(), float(c.workdays), float(c.always)] for c in calendars])


class Seat:
    """A server's state, kept in the :class:`Servers` columns (``servers``, row ``seat``)."""

    __slots__ = ()
    servers: Servers
    seat: int

    @property
    def busy(self) -> bool:
        """Handling a case now."""
        return bool(self.servers.busy[self.seat])

    @property
    def hours_done(self) -> float:
        """Hours of casework completed so far."""
        return float(self.servers.hours_done[self.seat])

    @property
    def knowledge(self) -> float:
        """Local knowledge: the share of the beat's households on this server's map."""
        return float(self.servers.knowledge[self.seat])

    @knowledge.setter
    def knowledge(self, value: float) -> None:
        self.servers.knowledge[self.seat] = value

    @property
    def time_factor(self) -> float:
        """Calendar time per hour of casework (visits share a worker's day)."""
        return float(self.servers.time_factor[self.seat])

    @time_factor.setter
    def time_factor(self, value: float) -> None:
        self.servers.time_factor[self.seat] = value


class ServicePoint:
    """A FIFO queue served by one or more servers (a beat's grid workers, an office). Its
    state (casework hours arrived, the queue) is a row of :class:`PointTable`."""

    __slots__ = ("index", "level", "name", "one_calendar", "servers", "table")

    def __init__(self, name: str, level: Level, servers: list[Any]) -> None:
        self.name = name
        self.level = level
        self.servers = servers
        # all servers on one calendar (an office): any idle one can start soonest
        self.one_calendar = len({s.calendar for s in servers}) <= 1
        self.index = -1
        self.table: PointTable | None = None

    @property
    def arrived_hours(self) -> float:
        """Casework hours that arrived here so far."""
        return float(self.table.arrived[self.index])

    @property
    def queued(self) -> int:
        """Issues waiting in the queue now."""
        return int(self.table.length[self.index])

    @property
    def hours_done(self) -> float:
        """Casework hours its servers have completed so far."""
        return sum(s.hours_done for s in self.servers)


class PointTable:
    """Every service point's row: level, servers (seats first..first+count-1), one
    calendar or several, casework hours arrived, and its FIFO queue (head and tail issue,
    length; the next issue of each is :attr:`IssueStore.queued_next`)."""

    def __init__(self, points: list[ServicePoint]) -> None:
        n = len(points)
        self.level = np.array([int(sp.level) for sp in points], dtype=np.int64)
        self.first = np.array([sp.servers[0].seat if sp.servers else 0 for sp in points],
                              dtype=np.int64)
        self.count = np.array([len(sp.servers) for sp in points], dtype=np.int64)
        self.one_calendar = np.array([sp.one_calendar for sp in points], dtype=bool)
        self.arrived = np.zeros(n)
        self.head = np.full(n, -1, dtype=np.int64)
        self.tail = np.full(n, -1, dtype=np.int64)
        self.length = np.zeros(n, dtype=np.int64)
        for k, sp in enumerate(points):
            seats = [s.seat for s in sp.servers]
            if seats and seats != list(range(seats[0], seats[0] + len(seats))):
                raise ValueError(f"{sp.name}: its servers' seats are not consecutive")
            sp.index, sp.table = k, self


@dataclass
class ServicePoints:
    """Every queue of the run: each beat's (its grid workers), each community's and street
    office's, the city departments' and the mediation centre's; ``grid_beat`` is each
    grid's beat. ``table`` holds their state (:class:`PointTable`, in :attr:`all` order)."""

    beats: list[ServicePoint]
    grid_beat: np.ndarray
    beat_grids: list[list[int]]
    communities: list[ServicePoint]
    streets: list[ServicePoint]
    department: ServicePoint
    mediation: ServicePoint
    table: PointTable = field(init=False)

    def __post_init__(self) -> None:
        self.table = PointTable(self.all)

    @property
    def all(self) -> list[ServicePoint]:
        """Every queue: the beats, communities, street offices, departments and the
        mediation centre, in that order (the order of the load table's first rows)."""
        return [*self.beats, *self.communities, *self.streets, self.department,
                self.mediation]

    def by_grid(self, world: World) -> np.ndarray:
        """For each grid, its service point's index at each level (-1 for volunteers and
        branch): an (n_grids, levels) array."""
        w = world
        out = np.full((w.n_grids, len(Level)), -1, dtype=np.int64)
        community = np.asarray(w.grid_community, dtype=np.int64)
        out[:, Level.GRID] = [self.beats[b].index for b in np.asarray(self.grid_beat).tolist()]
        out[:, Level.COMMUNITY] = np.array([sp.index for sp in self.communities],
                                     dtype=np.int64)[community]
        streets = np.array([sp.index for sp in self.streets], dtype=np.int64)
        out[:, Level.STREET] = streets[np.asarray(w.community_street, dtype=np.int64)[community]]
        out[:, Level.DEPARTMENT] = self.department.index
        out[:, Level.MEDIATION] = self.mediation.index
        return out

    def queued_above_grid(self) -> int:
        """Issues waiting in the queues above the grid."""
        return int(self.table.length[len(self.beats):].sum())
