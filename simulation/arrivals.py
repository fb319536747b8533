"""Issues arising: the day-0 backlog and each day's new issues (Poisson counts per grid and
type, uniform times in the day), each issue's row of uniform draws and handling-time
multipliers, its raiser, and whether and when it is reported.

Every new issue starts hidden; a report (the resident's, or a dedicated grid's unit's)
schedules the moment it becomes known. All draws come from the arrivals stream, except
each issue's draws added after the first block (:data:`simulation.issues.LATER_DRAWS`),
each from a stream of its own (:func:`simulation.seeds.later_draw_sequences`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from . import issues as draws
from .agents import Resident
from .casebook import KNOWN
from .issues import ARISEN, HANDLING_COLUMNS, N_UNIFORMS, IssuePools, IssueTypes
from .population import Grievances, Population
from .rules import handling_multiplier
from .seeds import later_draw_sequences
from .worktime import Calendar
from .world import World


class Arrivals:
    """Where and how often issues arise (``daily_rate``: expected issues per grid, type and
    day), and the issues themselves as they do, into ``pools``. It receives what it uses:
    the parameters and issue types, the world and population (who raises an issue, how
    much they trust), the residents' grievances, the office calendar (in-person reports
    wait for it), the arrivals stream (``sequence``: its seed sequence, from which each
    later draw's stream is derived) and the event queue's ``push_many``."""

    def __init__(self, params: Mapping[str, Any], types: IssueTypes, world: World,
                 population: Population, grievances: Grievances, pools: IssuePools,
                 office: Calendar, rng: np.random.Generator,
                 push_many: Callable[..., None],
                 sequence: np.random.SeedSequence | None = None,
                 shared: np.random.SeedSequence | None = None,
                 shared_rng: np.random.Generator | None = None) -> None:
        self.params, self.types, self.world, self.population = params, types, world, population
        self.grievances, self.pools, self.office, self.rng = grievances, pools, office, rng
        self.push_many = push_many
        # the shared problems' stream, and a stream of its own for each later draw
        self.shared = shared_rng if shared_rng is not None else np.random.default_rng(shared)
        self.shared_later = ([np.random.default_rng(q) for q in later_draw_sequences(
            shared, len(draws.LATER_DRAWS))] if shared is not None else [])
        later = draws.LATER_DRAWS
        self.later = ([np.random.default_rng(s) for s in later_draw_sequences(sequence,
                                                                              len(later))]
                      if later and sequence is not None else [])
        if len(self.later) != len(later):
            raise ValueError("issue draws added after the block need the arrivals stream's "
                             "seed sequence")
        self.daily_rate = daily_rates(types, world)
        self.shared_daily_rate = shared_daily_rates(types, world)  # [building, type]
        self.shared_factor = 1.0  # a renovation lowers the rate of new shared problems

    def expected(self, days: int) -> int:
        """A generous count of the issues ``days`` days bring: the expected count plus four
        standard deviations (Poisson), to size the issue store once."""
        mean = float(self.daily_rate.sum() + self.shared_daily_rate.sum()) * days
        return int(mean + 4.0 * mean ** 0.5) + 64

    @staticmethod
    def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grids, kinds = np.nonzero(counts)
        c = counts[grids, kinds]
        return np.repeat(grids, c), np.repeat(kinds, c)

    def _draws(self, rng: np.random.Generator, later: list[np.random.Generator], n: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n`` new issues' draws, in this order: who raises each (a uniform), its block
        of uniforms from ``rng``, then each later draw from its own stream (``later``,
        appended); and their handling-time multipliers."""
        p = self.params
        pick = rng.random(n)
        u = rng.random((n, N_UNIFORMS))
        if later:
            u = np.column_stack([u, *(g.random(n) for g in later)])
        hm = handling_multiplier(u[:, HANDLING_COLUMNS], p["handling.distribution"],
                                 p["handling.sigma"])
        return pick, u, hm

    def _create(self, grids: np.ndarray, kinds: np.ndarray, times: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """New issues in the store, with their rows of uniform draws and their raisers (-1:
        none); their ids, draws and raisers."""
        w = self.world
        n = len(grids)
        pick, u, hm = self._draws(self.rng, self.later, n)
        dedicated = w.grid_dedicated[grids]
        residents = np.where(dedicated, -1, w.grid_first_resident[grids]
                             + (pick * w.grid_residents[grids]).astype(np.int64))
        households = np.where(dedicated, -1, w.resident_household[np.maximum(residents, 0)])
        severity = self.types.severity[kinds]
        self.grievances.add(residents, times, severity)
        ids = self.pools.store.add(kinds, grids, households, residents, severity, times, u, hm)
        self.pools.counts[ARISEN] += n
        return ids, u, residents

    def backlog(self) -> None:
        """Hidden issues already present at day 0 (e.g. the Wenheng compound's backlog),
        each arisen within the past year."""
        w, ty = self.world, self.types
        if not ty.initial_backlog.any():
            return
        rng = self.rng
        lam = np.where(~w.grid_dedicated[:, None],
                       ty.initial_backlog[None, :] * w.grid_households[:, None], 0.0)
        grids, kinds = self._expand(rng.poisson(lam))
        ages = rng.random(len(grids)) * 365.0  # arose within the past year
        self.pools.hide(self._create(grids, kinds, -ages)[0])

    def shared_backlog(self) -> None:
        """Hidden shared problems already present at day 0 (the shared stream's first
        draws), each arisen within the past year."""
        ty = self.types
        if not ty.initial_shared_backlog.any() or not len(self.shared_daily_rate):
            return
        rng = self.shared
        lam = ((self.world.building_households > 0)[:, None]
               * ty.initial_shared_backlog[None, :])
        buildings, kinds = self._expand(rng.poisson(lam))
        ages = rng.random(len(buildings)) * 365.0
        self.pools.hide(self._create_shared(buildings, kinds, -ages)[0])

    def _create_shared(self, buildings: np.ndarray, kinds: np.ndarray, times: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """New problems shared by ``buildings``, every draw from the shared stream (the
        block; each later draw from a child stream of its own, as for private issues) (the
        raiser: a resident of the building, who noticed it first); their ids, draws and
        raisers."""
        w = self.world
        n = len(buildings)
        pick, u, hm = self._draws(self.shared, self.shared_later, n)
        if u.shape[1] != len(draws.draw_names()):
            raise ValueError("shared problems' later draws need the shared stream's seed "
                             "sequence")
        first, count = w.building_members
        residents = first[buildings] + (pick * count[buildings]).astype(np.int64)
        severity = self.types.severity[kinds]
        self.grievances.add(residents, times, severity, buildings)
        ids = self.pools.store.add(kinds, w.building_grid[buildings],
                                   np.full(n, -1, dtype=np.int64), residents, severity, times,
                                   u, hm, buildings, self.pools.n_households + buildings)
        self.pools.counts[ARISEN] += n
        return ids, u, residents

    def shared_today(self, day: int) -> None:
        """Today's new shared problems: Poisson counts per building and type, uniform times
        in the day; the building's households decide whether and when to report them
        (several may: the first report makes the case, the rest are duplicates)."""
        if not len(self.shared_daily_rate):
            return
        rng = self.shared
        buildings, kinds = self._expand(rng.poisson(self.shared_daily_rate
                                                    * self.shared_factor))
        times = day + rng.random(len(buildings))
        order = np.argsort(times, kind="stable")
        buildings, kinds, times = buildings[order], kinds[order], times[order]
        ids, u, residents = self._create_shared(buildings, kinds, times)
        if not len(ids):
            return
        known_at, source, reports = Resident.decide_reports(
            self.params, self.world, self.population, self.office, residents,
            self.types.severity[kinds], u, times, float(day),
            households=self.world.building_households[buildings])
        self.pools.store.reports[ids] = reports
        self.pools.hide(ids)
        reported = source >= 0
        self.push_many(known_at[reported], KNOWN, ids[reported], source[reported])

    def today(self, day: int) -> None:
        """Today's new issues: Poisson counts per grid and type, uniform times in the day;
        their residents (or units) decide whether and when to report them."""
        rng = self.rng
        grids, kinds = self._expand(rng.poisson(self.daily_rate))
        times = day + rng.random(len(grids))
        order = np.argsort(times, kind="stable")
        ids, u, residents = self._create(grids[order], kinds[order], times[order])
        if not len(ids):
            return
        p, pools = self.params, self.pools
        basic = residents >= 0
        known_at = np.full(len(ids), np.nan)
        source = np.full(len(ids), -1)
        if basic.any():
            known_at[basic], source[basic], _ = Resident.decide_reports(
                p, self.world, self.population, self.office, residents[basic],
                self.types.severity[kinds[order][basic]], u[basic], times[order][basic],
                float(day))
        t_arisen = times[order]
        for k in np.flatnonzero(~basic).tolist():  # dedicated grids: their unit reports
            known = Resident.unit_report(p, self.office, float(t_arisen[k]), u[k])
            if known is not None:
                known_at[k], source[k] = known[0], int(known[1])
        pools.hide(ids)  # every new issue starts hidden
        reported = source >= 0
        self.push_many(known_at[reported], KNOWN, ids[reported], source[reported])

    def came_back(self, ids: np.ndarray, times: np.ndarray, now: float) -> None:
        """Closed problems that came back (hidden again at ``times``): their residents (or
        units) decide again whether and when to report them, as for a new issue but with
        the issue's own re-report draws (``rereport``, ``rereport_delay``: the same at every
        return) and their trust ``now``; a report falls no earlier than ``now`` (the end
        of the day whose events brought them back)."""
        if not len(ids):
            return
        store, p = self.pools.store, self.params
        u = store.u[ids].copy()
        u[:, draws.U_REPORT] = u[:, draws.U_REREPORT]
        u[:, draws.U_DELAY] = u[:, draws.U_REREPORT_DELAY]
        residents, buildings = store.resident[ids], store.building[ids]
        basic = residents >= 0
        known_at = np.full(len(ids), np.nan)
        source = np.full(len(ids), -1)
        if basic.any():
            households = np.where(buildings >= 0, self.world.building_households[
                np.maximum(buildings, 0)], 1)[basic]
            known_at[basic], source[basic], _ = Resident.decide_reports(
                p, self.world, self.population, self.office, residents[basic],
                store.severity[ids[basic]], u[basic], times[basic], now,
                households=households)
        for k in np.flatnonzero(~basic).tolist():
            known = Resident.unit_report(p, self.office, float(times[k]), u[k])
            if known is not None:
                known_at[k], source[k] = known[0], int(known[1])
        reported = source >= 0
        self.push_many(np.maximum(known_at[reported], now), KNOWN, ids[reported],
                       source[reported])


def daily_rates(types: IssueTypes, world: World) -> np.ndarray:
    """Expected issues per grid, type and day: a basic grid's in proportion to its
    households, a dedicated grid's the type's dedicated rate."""
    basic = ~world.grid_dedicated
    return np.where(basic[:, None], types.rate[None, :] * world.grid_households[:, None],
                    types.dedicated_rate[None, :]) / 365.0


def shared_daily_rates(types: IssueTypes, world: World) -> np.ndarray:
    """Expected problems shared by each building per type and day (buildings with
    households; a dedicated grid has none)."""
    has = (world.building_households > 0).astype(float)
    return has[:, None] * types.shared_rate[None, :] / 365.0


def grid_daily_rates(types: IssueTypes, world: World, parts: bool = False) -> Any:
    """Expected issues per grid, type and day, private and shared: the cases each grid's
    service sees (the offered load's arrivals); with ``parts``, (that, its shared part)."""
    shared = np.zeros((world.n_grids, len(types.names)))
    np.add.at(shared, world.building_grid, shared_daily_rates(types, world))
    total = daily_rates(types, world) + shared
    return (total, shared) if parts else total
