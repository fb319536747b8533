"""GridGovernanceModel: wiring, the day loop and its written order, data collection.

One ``step()`` is one simulated day (time in days; day 0 is a Monday). Within a day:

0. on the first day after the warm-up, the counters of the realised loads are read
   (:mod:`simulation.load`);
1. at the start of each week (day 7, 14, ...): volunteers move between mobilisation stages;
   every week (day 0 too) each grid's volunteers and Party branch get their week's hours;
2. on working days: grid workers visit households door to door unless their beat's queue is
   long (dedicated-grid workers inspect their unit), finding hidden issues;
3. active volunteers spot hidden issues in their grid;
4. today's new issues arise (one vectorised draw for all grids and types) and their
   residents decide whether and how to report them;
5. every event of the day runs in time order (reports arriving, handling starting and
   ending, escalations, closures);
6. residents whose cases closed today update their trust and tell their neighbours, and
   households that volunteers helped today gain trust (in time order);
7. the weight of every resident's unresolved issues on their trust is recomputed
   (:class:`population.Grievances`);
8. the DataCollector records the end-of-day state.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from .agents import GridWorker, OfficeStaff, PartyMember, Resident, Volunteer
from .agents.grid_worker import DoorToDoorRounds
from .cost import annual_cost
from .issues import HANDLING_COLUMNS, N_UNIFORMS, Issue, IssueTypes, Level, Source, State
from .load import load_table
from .measures import tally as metrics
from .parameters import MAX_DAYS, Parameters
from .policies import LeverLike, apply_levers, lever_warnings
from .population import Grievances, Population
from .routing import KNOWN, Router, ServicePoint, WeeklyHours
from .rules import Stage, handling_multiplier
from .scenarios import load_scenario
from .seeds import STREAMS as STREAMS  # re-exported: the streams' names moved to seeds
from .seeds import stream_sequences
from .staffing import plan_beats
from .worktime import HOURS_PER_DAY, Calendar
from .world import build_world

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_SOURCES = list(Source)
DEFAULT_SEED = 0  # the one default seed of the Python API and the command line
DEFAULT_SCENARIO = "baseline"


class Streams:
    """One NumPy generator per random process, all derived from the run's seed
    (:mod:`simulation.seeds` says what each stream draws)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.seeds = stream_sequences(seed)
        for name, child in self.seeds.items():
            setattr(self, name, np.random.default_rng(child))

    world: np.random.Generator
    arrivals: np.random.Generator
    behaviour: np.random.Generator
    visits: np.random.Generator
    mesa: np.random.Generator


class GridGovernanceModel(mesa.Model):
    """Grid governance in a city: residents, volunteers, Party members and grid workers.

    One step is one simulated day. Build it from a scenario's name, or from parameters
    made by :func:`~simulation.scenarios.load_scenario`, then ``run(days)`` and read
    ``summary()``, ``timeseries()``, ``case_log()`` and ``loads()``, or ``plot()``:

    >>> from simulation import GridGovernanceModel
    >>> model = GridGovernanceModel("mmc", seed=1, levers=["digital_platform"],
    ...                             **{"mmc.arrivals_per_day": 2.0}).run(30)
    >>> model.day, model.params["mmc.arrivals_per_day"], model.params["policy.digital_platform"]
    (30, 2.0, True)

    Args:
        params: a scenario's name (``gridgov scenarios``; ``"baseline"`` if neither this nor
            ``scenario`` is given) or :class:`~simulation.parameters.Parameters`.
        seed: the run's seed, an integer >= 0 (default 0); every random stream is derived
            from it (:mod:`simulation.seeds`), so the same inputs and seed give the same run.
        warmup_days: days (>= 0) before the measured window: the summary counts what
            happens from this day on (docs/model.md 7.14).
        scenario: the scenario's name as a keyword (what ``mesa.batch_run`` passes).
        levers: policy levers applied after the scenario: Lever objects or strings as on
            the command line (``"party_branch"``, ``"staffing:households_per_worker=200"``).
        **overrides: parameter values by dotted key (``gridgov params SCENARIO``), in each
            parameter's unit; they win over the scenario and the levers. Python accepts
            dotted names through ``**{...}``, and so does ``mesa.batch_run``.

    Raises ParameterError for an unknown scenario, key or lever or an invalid value, and
    ValueError for a bad seed or warm-up. ``mesa.batch_run`` passes no seed of its own:
    vary ``"seed"`` in its parameters (``iterations`` repeats the same seed).
    """

    def __init__(self, params: Parameters | str | None = None, seed: int = DEFAULT_SEED,
                 warmup_days: int = 0, *, scenario: str | None = None,
                 levers: LeverLike | Iterable[LeverLike] | None = None,
                 **overrides: Any) -> None:
        """Build the world and its agents at day 0 from a scenario (its name or its
        Parameters), the seed, the warm-up, levers and dotted overrides: the class
        docstring gives each argument with its unit (``help(GridGovernanceModel)``)."""
        if "rng" in overrides:
            raise TypeError("GridGovernanceModel takes seed= (an integer >= 0), not rng=: "
                            "every random stream is derived from the seed")
        params = _parameters(params, scenario, levers, overrides)
        if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
        if (not isinstance(warmup_days, int | np.integer) or isinstance(warmup_days, bool)
                or not 0 <= warmup_days <= MAX_DAYS):
            raise ValueError(f"warmup_days must be an integer from 0 to {MAX_DAYS}, "
                             f"not {warmup_days!r}")
        self.streams = Streams(int(seed))
        super().__init__(seed=int(self.streams.mesa.integers(2**31 - 1)))
        self.params = params
        self.seed_value = int(seed)
        self.warmup_days = int(warmup_days)  # measures count what happens from this day on
        self.now = 0.0
        self.day = 0
        p = params
        self.types = IssueTypes(p)
        self.office_calendar = Calendar(p["calendar.open_hour"], p["calendar.close_hour"])
        self.part_time_calendar = Calendar(
            p["calendar.open_hour"], p["calendar.open_hour"] + p["calendar.part_time_hours"])
        self.volunteer_calendar = Calendar(p["calendar.volunteer_open_hour"],
                                           p["calendar.volunteer_close_hour"], workdays=7)
        self.always_calendar = Calendar(0.0, 24.0, workdays=7, always=True)

        # Building makes millions of long-lived objects (agents, columns): keep the cyclic
        # garbage collector from rescanning them as they accumulate (measured: 40% of the
        # build of a million-resident district).
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._build()
        finally:
            if enabled:
                gc.enable()

    def _build(self) -> None:
        """The world, its agents and staff, the issue stores and the day-0 state."""
        p = self.params
        self.world = w = build_world(p, self.streams.world)
        self.grievances = Grievances(w.n_residents, p["trust.expected_days"],
                                     p["trust.loss_bad"], p["trust.burden"], p["trust.enabled"])
        self.population = Population(
            w, p["trust.anchor"], p["trust.drift_per_day"] if p["trust.enabled"] else 0.0,
            self.grievances)
        self.building_first, self.building_count = w.building_members()
        self.residents: list[Resident] = [self._make_resident(i) for i in range(w.n_residents)]
        self.grid_has_branch = PartyMember.branches(self)
        self.warnings = lever_warnings(p)  # levers that cannot act, one line each
        if p["policy.party_branch"] and not self.grid_has_branch.any() and not any(
                "party_branch" in x for x in self.warnings):
            self.warnings.append("policy.party_branch: no grid has world.branch_min_members "
                                 "Party members, so no branch forms: it changes nothing")
        self.party_by_grid = {g: np.flatnonzero(w.party & (w.resident_grid == g))
                              for g in np.flatnonzero(self.grid_has_branch)}
        self.available_by_grid = np.bincount(w.resident_grid[w.available], minlength=w.n_grids)
        self.refresh_active_volunteers()
        self.volunteer_hours = WeeklyHours(w.n_grids)
        self.branch_hours = WeeklyHours(w.n_grids)
        self.branch_members = np.zeros(w.n_grids)
        for g, members in self.party_by_grid.items():
            self.branch_members[g] = len(members)
        self.contacts: list[tuple[int, float]] = []  # (household, time) helped by volunteers
        self._build_staff()

        # Issues: all of them, and the hidden ones by grid and by household.
        self.issues: list[Issue] = []
        self.hidden_by_grid: list[dict[int, Issue]] = [{} for _ in range(w.n_grids)]
        self.hidden_by_household: dict[int, dict[int, Issue]] = defaultdict(dict)
        self.counts = {"arisen": 0, "hidden": 0, "open": 0, "resolved": 0, "abandoned": 0}
        self.closed_today: list[Issue] = []
        self.router = Router(self)
        basic = ~w.grid_dedicated
        self.daily_rate = np.where(basic[:, None],
                                   self.types.rate[None, :] * w.grid_households[:, None],
                                   self.types.dedicated_rate[None, :]) / 365.0
        self._hours_by_day: list[float] = []
        self._seed_backlog()
        self.grievances.refresh(0.0)
        self.window_start: dict[str, Any] = {}
        if self.warmup_days == 0:
            self._start_window()
        self._refill_local_hours()  # week 0 (after the window opens: its hours count)
        self.datacollector = mesa.DataCollector(model_reporters=_reporters())
        self.datacollector.collect(self)

    # --- construction ---------------------------------------------------------------------
    def _make_resident(self, i: int) -> Resident:
        w = self.world
        if w.party[i]:
            return PartyMember(self, i)
        if int(w.stage[i]) >= Stage.INACTIVE:  # int(): NumPy scalar vs enum is ~30x slower
            return Volunteer(self, i)
        return Resident(self, i)

    def _refill_local_hours(self) -> None:
        """A new week: each grid's active volunteers and Party branch get their hours."""
        p = self.params
        self.volunteer_hours.refill(self.active_by_grid * p["volunteers.hours_per_week"])
        self.branch_hours.refill(self.branch_members * p["branch.hours_per_member_week"])

    def _start_window(self) -> None:
        """Read the counters of work arrived, done and planned as the measured period
        starts (after the warm-up): the realised loads are differences from here."""
        points = self.service_points
        self.window_start = {
            "day": self.day,
            "arrived": np.array([sp.arrived_hours for sp in points]),
            "done": np.array([sp.hours_done for sp in points]),
            "visits_planned": self.rounds.planned.copy(),
            "visits_done": self.rounds.done.copy(),
            **{f"{name}_{what}": getattr(getattr(self, f"{name}_hours"), what).copy()
               for name in ("volunteer", "branch") for what in ("offered", "supplied", "taken")},
        }

    def _build_staff(self) -> None:
        """Grid workers by beat, and the offices above the grid."""
        p, w = self.params, self.world
        beats, self.grid_beat = plan_beats(w, p)
        self.beat_grids = [b.grids for b in beats]
        self.beat_points: list[ServicePoint] = []
        self.grid_workers: list[GridWorker] = []
        order_rng = self.streams.visits
        visitors: list[GridWorker] = []
        routes: list[np.ndarray] = []
        for b, beat in enumerate(beats):
            households = np.concatenate(
                [np.arange(w.grid_first_household[g], w.grid_first_household[g]
                           + w.grid_households[g]) for g in beat.grids]).astype(np.int64)
            workers = []
            for k in range(beat.workers):
                cal = (self.always_calendar if p["staffing.always_on"] else
                       self.part_time_calendar if beat.part_time[k] else self.office_calendar)
                gw = GridWorker(self, b, cal, beat.part_time[k], beat.dedicated,
                                p["visits.per_worker_day"], p["visits.hours_each"])
                workers.append(gw)
                if not beat.dedicated:
                    visitors.append(gw)
                    routes.append(order_rng.permutation(households))
            self.grid_workers.extend(workers)
            self.beat_points.append(ServicePoint(f"beat:{b}", Level.GRID, workers))
        self.rounds = DoorToDoorRounds(visitors, routes, p["knowledge.initial"],
                                       p["visits.hours_each"])
        self.dedicated_workers = [gw for gw in self.grid_workers if gw.dedicated]

        def office(name: str, level: Level, n: int) -> ServicePoint:
            staff = [OfficeStaff(f"{name}:{k}", self.office_calendar) for k in range(n)]
            return ServicePoint(name, level, staff)

        n_streets = len(w.street_district)
        self.community_points = [office(f"community:{c}", Level.COMMUNITY,
                                        p["community.case_staff"])
                                 for c in range(len(w.community_street))]
        self.street_points = [office(f"street:{s}", Level.STREET, p["street.case_staff"])
                              for s in range(n_streets)]
        self.department_point = office("department", Level.DEPARTMENT,
                                       p["department.case_staff"] * n_streets)
        self.mediation_point = office("mediation", Level.MEDIATION,
                                      p["mediation.case_staff"] * n_streets)
        self.working_hours_per_week = sum(gw.calendar.hours_per_week
                                          for gw in self.grid_workers)

    def _seed_backlog(self) -> None:
        """Hidden issues already present at day 0 (e.g. the Wenheng compound's backlog)."""
        w, ty = self.world, self.types
        if not ty.initial_backlog.any():
            return
        rng = self.streams.arrivals
        lam = np.where(~w.grid_dedicated[:, None],
                       ty.initial_backlog[None, :] * w.grid_households[:, None], 0.0)
        grids, kinds = self._expand(rng.poisson(lam))
        ages = rng.random(len(grids)) * 365.0  # arose within the past year
        for issue in self._create_issues(grids, kinds, -ages, rng)[0]:
            self._hide(issue)

    # --- the day loop ---------------------------------------------------------------------
    def step(self) -> None:
        """Advance one simulated day (see the module docstring for the order)."""
        day = self.day
        t0 = float(day)
        self.now = t0
        self.closed_today = []
        if day == self.warmup_days and day > 0:
            self._start_window()
        if day % 7 == 0:
            if day > 0:
                Volunteer.update_stages(self, t0)
            self._refill_local_hours()
        if self.params["staffing.always_on"] or day % 7 < self.office_calendar.workdays:
            self.rounds.visit(self, day)
            for gw in self.dedicated_workers:
                gw.inspect_unit(day)
        self._volunteers_spot(day)
        self._arrivals(day)
        self.router.run_until(t0 + 1.0)
        Resident.share_experiences(self, [i for i in self.closed_today if i.resident >= 0],
                                   self.contacts)
        self.contacts = []
        self.now = t0 + 1.0
        self.day = day + 1
        self.grievances.refresh(self.now)
        self._hours_by_day.append(sum(gw.hours_done for gw in self.grid_workers)
                                  + self.rounds.hours_done)
        self.datacollector.collect(self)

    def run(self, days: int, on_day: Callable[[int], None] | None = None
            ) -> GridGovernanceModel:
        """Simulate ``days`` more days (one ``step()`` each) from the model's current day.

        Args:
            days: how many days to simulate, an integer from 1 to 36,500 (a century);
                calling ``run`` again continues where the last call stopped.
            on_day: called as ``on_day(day)`` after each simulated day with the number of
                days simulated so far (e.g. to move a progress bar); None for nothing.

        Returns:
            The model itself, for chaining: ``GridGovernanceModel("mmc").run(30).summary()``.
            Afterwards ``model.day`` is the number of days simulated, ``summary()`` the
            metrics over the measured window (after ``warmup_days``), ``timeseries()``
            one row per day (day 0 the initial state).

        Raises:
            ValueError: if ``days`` is not an integer from 1 to 36,500.
        """
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be an integer from 1 to {MAX_DAYS}, not {days!r}")
        # The world and the case records live for the whole run: keep the cyclic garbage
        # collector from rescanning them day after day (measured: a quarter of a baseline
        # year) by freezing what survives each day; unfreeze at the end so that a finished
        # model can be collected.
        freeze = gc.get_freeze_count() == 0  # never unfreeze what a host process froze
        if freeze:
            gc.freeze()
        try:
            for _ in range(days):
                self.step()
                if freeze:
                    gc.freeze()
                if on_day is not None:
                    on_day(self.day)
        finally:
            if freeze:
                gc.unfreeze()
        return self

    def release(self) -> None:
        """Let a finished model be freed: Mesa 3.3.1 keeps every model alive in its
        class-level agent-id counter (``mesa.Agent._ids``), so repeated runs in one process
        would grow without bound. Agents cannot be added to the model afterwards."""
        mesa.Agent._ids.pop(self, None)

    def discard(self) -> None:
        """``release()``, then drop the issues and agent lists so that reference counting
        frees most of the model at once instead of a later full garbage collection (which
        would compete with whatever runs next). The model is unusable afterwards."""
        self.release()
        self.issues.clear()
        self.residents.clear()
        self.closed_today = []
        # pending events, queues and hidden pools hold issues too; the model itself stays
        # alive in reference cycles (router <-> model) until a full collection
        self.router.heap.clear()
        for sp in self.service_points:
            sp.queue.clear()
        self.hidden_by_grid = []
        self.hidden_by_household.clear()
        # Mesa 3.3.1 holds its agents strongly only in ``_agents`` (its AgentSets are
        # weak): emptying it lets each agent go as its last reference does, where
        # remove_all_agents() would deregister them one by one (four times slower).
        self._agents.clear()

    # --- issues arising, hiding and becoming known ------------------------------------------
    @staticmethod
    def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grids, kinds = np.nonzero(counts)
        c = counts[grids, kinds]
        return np.repeat(grids, c), np.repeat(kinds, c)

    def _create_issues(self, grids: np.ndarray, kinds: np.ndarray, times: np.ndarray,
                       rng: np.random.Generator) -> tuple[list[Issue], np.ndarray, np.ndarray]:
        """Issue records, with their rows of uniform draws and their raisers (-1: none)."""
        w = self.world
        n = len(grids)
        pick = rng.random(n)
        u = rng.random((n, N_UNIFORMS))
        hm = handling_multiplier(u[:, HANDLING_COLUMNS], self.params["handling.distribution"],
                                 self.params["handling.sigma"]).tolist()
        dedicated = w.grid_dedicated[grids]
        residents = np.where(dedicated, -1, w.grid_first_resident[grids]
                             + (pick * w.grid_residents[grids]).astype(np.int64))
        households = np.where(dedicated, -1, w.resident_household[np.maximum(residents, 0)])
        sev = self.types.severity[kinds].tolist()
        self.grievances.add(residents, times, self.types.severity[kinds])
        base = len(self.issues)
        out = [Issue(base + k, kd, g, hh, r, sv, t, uk, hk) for k, (kd, g, hh, r, sv, t, uk, hk)
               in enumerate(zip(kinds.tolist(), grids.tolist(), households.tolist(),
                                residents.tolist(), sev, times.tolist(), u, hm,
                                strict=True))]
        self.issues.extend(out)
        self.counts["arisen"] += n
        return out, u, residents

    def _arrivals(self, day: int) -> None:
        """Today's new issues: Poisson counts per grid and type, uniform times in the day."""
        rng = self.streams.arrivals
        grids, kinds = self._expand(rng.poisson(self.daily_rate))
        times = day + rng.random(len(grids))
        order = np.argsort(times, kind="stable")
        issues, u, residents = self._create_issues(grids[order], kinds[order], times[order], rng)
        if not issues:
            return
        basic = residents >= 0
        known_at = np.full(len(issues), np.nan)
        source = np.full(len(issues), -1)
        if basic.any():
            known_at[basic], source[basic] = Resident.decide_reports(
                self, residents[basic], self.types.severity[kinds[order][basic]],
                u[basic], times[order][basic], float(day))
        push, by_grid, by_household = (self.router.push, self.hidden_by_grid,
                                       self.hidden_by_household)
        self.counts["hidden"] += len(issues)
        for issue, at, src in zip(issues, known_at.tolist(), source.tolist(), strict=True):
            by_grid[issue.grid][issue.id] = issue  # every new issue starts hidden (_hide)
            if issue.resident >= 0:
                by_household[issue.household][issue.id] = issue
                if src >= 0:
                    push(at, KNOWN, issue, _SOURCES[src])
            else:
                known = Resident.unit_report(self, issue)
                if known is not None:
                    push(known[0], KNOWN, issue, known[1])

    def _hide(self, issue: Issue) -> None:
        self.counts["hidden"] += 1
        self.hidden_by_grid[issue.grid][issue.id] = issue
        if issue.household >= 0:
            self.hidden_by_household[issue.household][issue.id] = issue

    def forget_hidden(self, issue: Issue) -> None:
        """Remove a just-known issue from the hidden pools."""
        self.counts["hidden"] -= 1
        del self.hidden_by_grid[issue.grid][issue.id]
        if issue.household >= 0:
            pool = self.hidden_by_household[issue.household]
            del pool[issue.id]
            if not pool:
                del self.hidden_by_household[issue.household]

    def discover_households(self, households: list[int], times: list[float],
                            probs: list[float]) -> None:
        """Visits: at ``times[j]`` each hidden issue of ``households[j]`` is found with
        ``probs[j]`` (one uniform draw per hidden issue, from the visits stream)."""
        pools = self.hidden_by_household
        found = [(issue, t, p) for hh, t, p in zip(households, times, probs, strict=True)
                 if hh in pools for issue in pools[hh].values()]
        if not found:
            return
        u = self.streams.visits.random(len(found)).tolist()
        push = self.router.push
        for (issue, t, p), x in zip(found, u, strict=True):
            if x < p:
                push(max(t, issue.t_arisen), KNOWN, issue, Source.VISIT)

    def discover_in_grid(self, grid: int, t: float, prob: float) -> None:
        """An inspection at ``t``: each hidden issue of the grid is found with ``prob``."""
        pool = self.hidden_by_grid[grid]
        if not pool:
            return
        found = self.streams.visits.random(len(pool)) < prob
        for issue, hit in zip(list(pool.values()), found, strict=True):
            if hit:
                self.router.push(max(t, issue.t_arisen), KNOWN, issue, Source.VISIT)

    def _volunteers_spot(self, day: int) -> None:
        rng = self.streams.behaviour
        n_spot = rng.poisson(Volunteer.spot_rates(self))
        cal = self.volunteer_calendar
        for g in np.flatnonzero(n_spot):
            pool = self.hidden_by_grid[g]
            if not pool:
                continue
            issues = list(pool.values())
            k = min(int(n_spot[g]), len(issues))
            picks = rng.choice(len(issues), size=k, replace=False)
            hours = cal.open_hour + rng.random(k) * (cal.close_hour - cal.open_hour)
            for j, h in zip(picks, hours, strict=True):
                self.router.push(max(day + h / HOURS_PER_DAY, issues[j].t_arisen), KNOWN,
                                 issues[j], Source.VOLUNTEER)

    # --- lookups used by the router and the agents ------------------------------------------
    @property
    def service_points(self) -> list[ServicePoint]:
        """Every queue: the beats, communities, street offices, departments and the
        mediation centre, in that order (the order of the load table's first rows)."""
        return [*self.beat_points, *self.community_points, *self.street_points,
                self.department_point, self.mediation_point]

    def service_points_by_grid(self) -> list[list[ServicePoint | None]]:
        """For each grid, its service point at each level (None for volunteers, branch)."""
        w = self.world
        out = []
        for g in range(w.n_grids):
            c = int(w.grid_community[g])
            out.append([None, None, self.beat_points[self.grid_beat[g]],
                        self.community_points[c], self.street_points[int(w.community_street[c])],
                        self.department_point, self.mediation_point])
        return out

    def refresh_active_volunteers(self) -> None:
        """Recount active volunteers per grid (after stages change)."""
        active = np.flatnonzero(self.population.active())
        self.active_idx = active  # sorted by resident, hence by grid
        grid = self.world.resident_grid[active]
        self.active_by_grid = np.bincount(grid, minlength=self.world.n_grids)
        self.active_list = self.active_by_grid.tolist()  # for scalar look-ups in routing
        self.active_first = np.searchsorted(grid, np.arange(self.world.n_grids))

    def volunteer_take_probability(self, grid: int) -> float:
        """P(the grid's active volunteers take a minor issue)."""
        return Volunteer.take_probability(self, grid)

    def pick_local_handler(self, grid: int, level: Level) -> str:
        """Name the volunteer or Party member who takes an issue in ``grid``."""
        rng = self.streams.behaviour
        if level == Level.VOLUNTEERS:
            k = int(self.active_first[grid] + rng.integers(self.active_by_grid[grid]))
            return f"volunteer:{self.residents[self.active_idx[k]].unique_id}"
        members = self.party_by_grid[grid]
        return f"party_member:{self.residents[members[rng.integers(len(members))]].unique_id}"

    def household_members(self, households: np.ndarray) -> np.ndarray:
        """Resident indices of the given households."""
        w = self.world
        first, size = w.household_first[households], w.household_size[households]
        offsets = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
        return np.repeat(first, size) + offsets

    # --- outputs --------------------------------------------------------------------------
    def grid_worker_utilisation(self) -> float:
        """Casework and visit hours done in the last 7 days / working hours in a week."""
        h = self._hours_by_day
        if not h or self.working_hours_per_week == 0:
            return 0.0
        done = h[-1] - (h[-8] if len(h) >= 8 else 0.0)
        return done / self.working_hours_per_week * 7.0 / min(7, len(h))

    def cost(self) -> dict[str, float]:
        """Annual cost of this run's staffing and policies, by item (yuan/year)."""
        p, w = self.params, self.world
        staff = (len(self.community_points) * p["community.case_staff"]
                 + len(self.street_points) * p["street.case_staff"]
                 + len(self.department_point.servers)
                 + (len(self.mediation_point.servers) if p["policy.mediation_centre"] else 0))
        part = sum(gw.part_time for gw in self.grid_workers)
        cols = self.datacollector.model_vars
        active = np.add(cols["following"], cols["self_driven"])
        return annual_cost(
            p, full_time_workers=len(self.grid_workers) - part, part_time_workers=part,
            case_staff=staff, streets=len(w.street_district),
            branches=int(self.grid_has_branch.sum()),
            registered_volunteers=len(self.population.pool),
            mean_active_volunteers=float(active.mean()), residents=w.n_residents)

    def summary(self, followup_days: int = 0) -> pd.Series:
        """The run's summary metrics (:mod:`simulation.measures.outcomes`: meaning and unit of each)
        as a float64 Series indexed by metric name (counts are whole numbers; NaN where a
        metric is undefined, e.g. no issue resolved), measured after the model's warm-up
        and before the last ``followup_days`` days (docs/model.md 7.14;
        ``metrics.summarise(model)`` gives the same as a dict with integer counts)."""
        return pd.Series(metrics.summarise(self, followup_days), name="summary",
                         dtype="float64")

    def loads(self) -> pd.DataFrame:
        """Every service point's analytic and realised offered load (:mod:`simulation.load`)."""
        return load_table(self)

    def timeseries(self) -> pd.DataFrame:
        """The daily time series (one row per day, day 0 = initial state): issues open,
        hidden, resolved (counts), mean trust (0-1), volunteer stages (residents), grid
        worker utilisation (share), ... (the DataCollector's model reporters)."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def plot(self, title: str | None = None) -> Figure:
        """The run's daily open and hidden issues and mean trust
        (:func:`simulation.analysis.plotting.plot_run`); returns a matplotlib Figure."""
        from .analysis.plotting import plot_run  # matplotlib only when plotting

        name = self.params.derived_by or "run"
        return plot_run(self.timeseries(), title=title or f"{name}, seed {self.seed_value}",
                        warmup_days=self.warmup_days)

    def case_log(self) -> pd.DataFrame:
        """One row per issue with every timestamp (see :mod:`simulation.measures.tally`)."""
        return metrics.case_log(self)

    def state_counts(self) -> dict[str, int]:
        """Issues by state, recounted from the issue records (for the conservation check)."""
        counts = np.bincount([int(i.state) for i in self.issues], minlength=len(State))
        return {s.name.lower(): int(counts[s]) for s in State}


def _parameters(params: Parameters | str | None, scenario: str | None,
                levers: LeverLike | Iterable[LeverLike] | None,
                overrides: dict[str, Any]) -> Parameters:
    """The model's parameters from a scenario name or Parameters, levers and overrides."""
    if params is not None and scenario is not None:
        raise TypeError("give the scenario either as the first argument or as scenario=, "
                        "not both")
    if isinstance(params, Parameters):
        return apply_levers(params, levers).with_values(overrides) \
            if levers or overrides else params
    name = scenario if scenario is not None else params if params is not None \
        else DEFAULT_SCENARIO
    if not isinstance(name, str):
        raise TypeError(f"params must be a scenario's name or Parameters, not {name!r}")
    return load_scenario(name, overrides, levers)


def _reporters() -> dict[str, Any]:
    """Model reporters of the DataCollector: the daily time series."""

    def stage(k: Stage):
        return lambda m: int(m.population.stage_counts[k])

    return {
        "day": lambda m: m.day,
        "arisen": lambda m: m.counts["arisen"],
        "hidden_issues": lambda m: m.counts["hidden"],
        "open_issues": lambda m: m.counts["open"],
        "resolved": lambda m: m.counts["resolved"],
        "abandoned": lambda m: m.counts["abandoned"],
        "queued_above_grid": lambda m: sum(len(sp.queue) for sp in m.community_points)
        + sum(len(sp.queue) for sp in m.street_points)
        + len(m.department_point.queue) + len(m.mediation_point.queue),
        "closed_today": lambda m: len(m.closed_today),
        "mean_trust": lambda m: m.population.mean_trust(m.now),
        "inactive": stage(Stage.INACTIVE),
        "watching": stage(Stage.WATCHING),
        "following": stage(Stage.FOLLOWING),
        "self_driven": stage(Stage.SELF_DRIVEN),
        "active_volunteer_share": lambda m: m.population.active_share,
        "grid_worker_utilisation": lambda m: m.grid_worker_utilisation(),
    }
