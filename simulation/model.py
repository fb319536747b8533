"""GridGovernanceModel: wiring, the day loop and its written order, data collection.

One ``step()`` is one simulated day (time in days; day 0 is a Monday). Within a day:

0. on the first day after the warm-up, the counters of the realised loads are read
   (:mod:`simulation.load`);
1. at the start of each week (day 7, 14, ...): volunteers move between mobilisation stages;
   every week (day 0 too) each grid's volunteers and Party branch get their week's hours;
2. on working days: grid workers visit households door to door unless their beat's queue is
   long (dedicated-grid workers inspect their unit), finding hidden issues;
3. active volunteers spot hidden issues in their grid, within their week's hours;
4. on ``renovation.day`` (with the renovation lever) the works fix every shared problem;
   today's new issues arise (one vectorised draw for all grids and types), then the
   problems shared by a building (their own stream), and their residents decide whether
   and how to report them;
5. every event of the day runs in time order (reports arriving, handling starting and
   ending, escalations, closures, closed problems coming back);
6. problems that came back today weigh on trust again and their residents decide whether
   to report them again; residents whose cases closed today (not on paper) update their
   trust and tell their neighbours (a shared problem: everyone in its building), and
   households that volunteers helped today gain any contact boost (in time order);
7. the weight of every resident's unresolved issues on their trust is recomputed
   (:class:`population.Grievances`);
8. the DataCollector records the end-of-day state.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from .agents import GridWorker, OfficeStaff, PartyMember, Resident, Volunteer
from .agents.grid_worker import DoorToDoorRounds, UnitInspections
from .arrivals import Arrivals, grid_daily_rates
from .cost import annual_cost
from .districts import district_count, is_city
from .footprint import check_one_model, model_bytes
from .issues import IssuePools, IssueStore, IssueTypes, Level
from .load import analytic_loads, counters, grid_casework_hours, load_table, queue_summary
from .local_help import LocalHelp
from .measures import daily
from .measures.caselog import case_log, grid_state
from .measures.outcomes import summarise
from .measures.tally import Tally
from .parameters import MAX_DAYS, Parameters
from .policies import LeverLike, apply_levers, lever_warnings
from .population import Grievances, Population
from .renovation import renovate
from .routing import EventQueue, Router
from .rules import Stage
from .scenarios import load_scenario
from .seeds import stream_sequences
from .service import Servers, ServicePoint, ServicePoints
from .staffing import plan_beats
from .support.machine import gib
from .worktime import Calendars
from .world import build_world

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
    shared: np.random.Generator


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
        whole_city: a city of several districts (``jinan``) is meant to be built as one
            model (without it, such a model is refused if its world cannot fit in memory, and
            a warning says that ``run_scenario`` and ``gridgov run`` partition it by district,
            one model per district).
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
                 whole_city: bool = False, **overrides: Any) -> None:
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
        if is_city(params) and not whole_city:
            _one_model_of_a_city(params)
        self.streams = Streams(int(seed))
        super().__init__(seed=int(self.streams.mesa.integers(2**31 - 1)))
        self.params = params
        self.seed_value = int(seed)
        self.warmup_days = int(warmup_days)  # measures count what happens from this day on
        self.now = 0.0
        self.day = 0
        self.types = IssueTypes(params)
        self.calendars = Calendars.of(params)

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
        """The world, its agents and staff, the issue pools and the day-0 state."""
        p, streams = self.params, self.streams
        self.world = w = build_world(p, streams.world)
        self.grievances = Grievances(w.n_residents, p["trust.expected_days"],
                                     p["trust.loss_bad"], p["trust.burden"], p["trust.enabled"],
                                     w.building_members)
        self.population = Population(
            w, p["trust.anchor"], p["trust.drift_per_day"] if p["trust.enabled"] else 0.0,
            self.grievances)
        self.residents: list[Resident] = [self._make_resident(i) for i in range(w.n_residents)]
        self.help = LocalHelp(w, PartyMember.branches(w, p), self.population.active(),
                              self.residents, p["branch.serving_share"])
        self.warnings = lever_warnings(p)  # levers that cannot act, one line each
        if p["policy.party_branch"] and not self.help.has_branch.any() and not any(
                "party_branch" in x for x in self.warnings):
            self.warnings.append("policy.party_branch: no grid has world.branch_min_members "
                                 "Party members, so no branch forms: it changes nothing")
        self.queue = EventQueue()
        self.pools = IssuePools(w.n_grids, w.n_households, len(w.building_grid))
        self._build_staff()
        self.router = Router(p, self.types, self.calendars, self.pools, self.queue,
                             self.points, self.points.by_grid(w), self.servers, self.help,
                             self.grievances, streams.behaviour)
        self.arrivals = Arrivals(p, self.types, w, self.population, self.grievances,
                                 self.pools, self.calendars.office, streams.arrivals,
                                 self.queue.push_many, streams.seeds["arrivals"],
                                 streams.seeds["shared"], streams.shared)
        self._hours_by_day: list[float] = []
        self.arrivals.backlog()
        self.arrivals.shared_backlog()
        self.grievances.refresh(0.0)
        self.window_start: dict[str, Any] = {}
        if self.warmup_days == 0:
            self._start_window()
        self.help.refill(p)  # week 0 (after the window opens: its hours count)
        self.datacollector = mesa.DataCollector(model_reporters=daily.reporters())
        self.datacollector.collect(self)

    # --- construction ---------------------------------------------------------------------
    def _make_resident(self, i: int) -> Resident:
        w = self.world
        if w.party[i]:
            return PartyMember(self, i)
        if int(w.stage[i]) >= Stage.INACTIVE:  # int(): NumPy scalar vs enum is ~30x slower
            return Volunteer(self, i)
        return Resident(self, i)

    def _start_window(self) -> None:
        """Read the counters of work arrived, done and planned as the measured period
        starts (after the warm-up): the realised loads are differences from here."""
        self.window_start = {"day": self.day, **counters(self.points, self.rounds, self.help)}

    def _build_staff(self) -> None:
        """Grid workers by beat, their door-to-door rounds, and the offices above the grid."""
        p, w, cal = self.params, self.world, self.calendars
        workload = (grid_casework_hours(p, self.types, w, grid_daily_rates(self.types, w),
                                        self.help)
                    if p["staffing.beats"] == "workload" else None)
        beats, grid_beat = plan_beats(w, p, workload)
        self.servers = servers = Servers(cal)
        beat_points: list[ServicePoint] = []
        self.grid_workers: list[GridWorker] = []
        order_rng = self.streams.visits
        visitors: list[GridWorker] = []
        routes: list[np.ndarray] = []
        for b, beat in enumerate(beats):
            # the beat's households in a random order, shared out: each worker walks a
            # round of their own share (包片: a team divides its grids' households)
            shares = (np.array_split(order_rng.permutation(w.grid_households_of(beat.grids)),
                                     beat.workers) if not beat.dedicated else [])
            workers = []
            for k in range(beat.workers):
                calendar = (cal.always if p["staffing.always_on"] else
                            cal.part_time if beat.part_time[k] else cal.office)
                gw = GridWorker(self, b, calendar, beat.part_time[k], beat.dedicated,
                                p["visits.per_worker_day"], p["visits.hours_each"], servers)
                workers.append(gw)
                if not beat.dedicated:
                    visitors.append(gw)
                    routes.append(shares[k])
            self.grid_workers.extend(workers)
            beat_points.append(ServicePoint(f"beat:{b}", Level.GRID, workers))
        self.dedicated_workers = [gw for gw in self.grid_workers if gw.dedicated]

        def office(name: str, level: Level, n: int) -> ServicePoint:
            staff = [OfficeStaff(f"{name}:{k}", cal.office, servers) for k in range(n)]
            return ServicePoint(name, level, staff)

        n_streets = len(w.street_district)
        self.points = ServicePoints(
            beats=beat_points, grid_beat=grid_beat, beat_grids=[b.grids for b in beats],
            communities=[office(f"community:{c}", Level.COMMUNITY, p["community.case_staff"])
                         for c in range(len(w.community_street))],
            streets=[office(f"street:{s}", Level.STREET, p["street.case_staff"])
                     for s in range(n_streets)],
            department=office("department", Level.DEPARTMENT,
                              p["department.case_staff"] * n_streets),
            mediation=office("mediation", Level.MEDIATION, p["mediation.case_staff"] * n_streets))
        self.rounds = DoorToDoorRounds(visitors, routes, p, beat_points, w, self.population,
                                       self.pools, self.streams.visits, self.queue.push_many)
        self.inspections = UnitInspections(self.dedicated_workers, self.points.beat_grids)
        self.working_hours_per_week = sum(gw.calendar.hours_per_week
                                          for gw in self.grid_workers)

    # --- the day loop ---------------------------------------------------------------------
    def step(self) -> None:
        """Advance one simulated day (see the module docstring for the order)."""
        day = self.day
        t0 = float(day)
        p, streams, pools = self.params, self.streams, self.pools
        self.now = t0
        pools.closed_today = np.empty(0, dtype=np.int64)
        if day == self.warmup_days and day > 0:
            self._start_window()
        if day % 7 == 0:
            if day > 0:
                Volunteer.update_stages(self.population, self.world, p, self.help,
                                        streams.behaviour, t0)
            self.help.refill(p)
        if p["staffing.always_on"] or day % 7 < self.calendars.office.workdays:
            self.rounds.visit(day)
            self.inspections.inspect(day, pools, p["visits.dedicated_find_prob"],
                                     streams.visits, self.queue.push_many)
        Volunteer.spot(p, self.help, pools, self.calendars.volunteer, streams.behaviour,
                       self.queue.push, day)
        if p["policy.renovation"] and day == p["renovation.day"]:
            renovate(pools, self.grievances, t0, self.router.rules.params,
                     p["closure.fix_prob"])
            self.arrivals.shared_factor = 1.0 - p["renovation.rate_cut"]
        self.arrivals.today(day)
        self.arrivals.shared_today(day)
        self.router.run_until(t0 + 1.0)
        store = pools.store
        returned, returned_t = pools.returned
        if len(returned):  # relapses weigh again; on paper they never stopped
            self.grievances.reopened(returned[store.on_paper[returned] == 0])
            self.arrivals.came_back(returned, returned_t, t0 + 1.0)
            pools.returned = (np.empty(0, dtype=np.int64), np.empty(0))
        closed = pools.closed_today
        # a closure on paper is no experience of a closed case: the problem still weighs
        # (nor one that came back the same day: it is open again)
        closed = closed[(store.resident[closed] >= 0) & (store.on_paper[closed] == 0)
                        & ~np.isnan(store.t_closed[closed])]
        Resident.share_experiences(p, self.world, self.population, streams.behaviour,
                                   store, closed, pools.contacts)
        pools.contacts = (np.empty(0, dtype=np.int64), np.empty(0))
        self.now = t0 + 1.0
        self.day = day + 1
        self.grievances.refresh(self.now)
        # grid workers hold the first seats; summed in order, as one by one
        self._hours_by_day.append(sum(self.servers.hours_done[: len(self.grid_workers)]
                                      .tolist()) + self.rounds.hours_done)
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
        self.pools.reserve(self.arrivals.expected(days))  # the issue store sized once
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
        self.pools.clear()
        self.residents.clear()
        # the model itself stays alive in reference cycles (agents <-> model) until a full
        # collection
        self.queue.clear()
        # Mesa 3.3.1 holds its agents strongly only in ``_agents`` (its AgentSets are
        # weak): emptying it lets each agent go as its last reference does, where
        # remove_all_agents() would deregister them one by one (four times slower).
        self._agents.clear()

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
        p, w, points = self.params, self.world, self.points
        staff = (len(points.communities) * p["community.case_staff"]
                 + len(points.streets) * p["street.case_staff"]
                 + len(points.department.servers)
                 + (len(points.mediation.servers) if p["policy.mediation_centre"] else 0))
        part = sum(gw.part_time for gw in self.grid_workers)
        cols = self.datacollector.model_vars
        active = np.add(cols["following"], cols["self_driven"])
        return annual_cost(
            p, full_time_workers=len(self.grid_workers) - part, part_time_workers=part,
            case_staff=staff, streets=len(w.street_district),
            branches=int(self.help.has_branch.sum()),
            registered_volunteers=len(self.population.pool),
            mean_active_volunteers=float(active.mean()), residents=w.n_residents,
            basic_grids=int((~w.grid_dedicated).sum()), households=w.n_households,
            branch_registered_volunteers=int(
                self.help.has_branch[w.resident_grid[self.population.pool]].sum()))

    @property
    def issues(self) -> IssueStore:
        """Every issue of the run so far, in the order they arose, as columns
        (:class:`~simulation.issues.IssueStore`: ``model.issues.view("t_known")``); their
        log is ``model.pools.events``."""
        return self.pools.store

    def tally(self, followup_days: int = 0) -> Tally:
        """The per-issue tally behind the summary (:class:`~simulation.measures.tally.Tally`),
        the last ``followup_days`` days being the follow-up; ``summarise(tally(f),
        model.timeseries())`` (:func:`simulation.measures.outcomes.summarise`) is the
        summary as a dict with integer counts."""
        w0, rounds = self.window_start, self.rounds
        planned = float(rounds.planned.sum() - w0["visits_planned"].sum()) if w0 else 0.0
        done = float(rounds.done.sum() - w0["visits_done"].sum()) if w0 else 0.0
        lowest = float("nan")
        if w0:
            beats = len(self.points.beats)
            beat_planned = np.bincount(rounds.beat, rounds.planned - w0["visits_planned"],
                                       beats)
            beat_done = np.bincount(rounds.beat, rounds.done - w0["visits_done"], beats)
            has = beat_planned > 0
            if has.any():
                lowest = float((beat_done[has] / beat_planned[has]).min())
        rho, over = queue_summary(self.analytic_loads())
        return Tally.of(self.pools.store, self.pools.events, now=self.now, days=self.day,
                        warmup=self.warmup_days, followup=int(followup_days), world=self.world,
                        grid_workers=len(self.grid_workers), calendar=self.calendars.office,
                        visits_planned=planned, visits_done=done,
                        lowest_beat_visits=lowest, max_offered_load=rho,
                        overloaded_points=over, cost=self.cost())

    def summary(self, followup_days: int = 0) -> pd.Series:
        """The run's summary metrics (:mod:`simulation.measures.outcomes`: meaning and unit
        of each) as a float64 Series indexed by metric name (counts are whole numbers; NaN
        where a metric is undefined, e.g. no issue resolved), measured after the model's
        warm-up and before the last ``followup_days`` days (docs/model.md 7.14;
        :meth:`tally` gives the same as a dict with integer counts)."""
        return pd.Series(summarise(self.tally(followup_days), self.timeseries()),
                         name="summary", dtype="float64")

    def analytic_loads(self) -> pd.DataFrame:
        """Every service point's analytic offered load (:func:`simulation.load.analytic_loads`)."""
        total, shared = grid_daily_rates(self.types, self.world, parts=True)
        return analytic_loads(self.params, self.types, self.world, total, self.help,
                              self.points, shared)

    def loads(self) -> pd.DataFrame:
        """Every service point's analytic and realised offered load (:mod:`simulation.load`)."""
        return load_table(self.analytic_loads(), self.points, self.rounds, self.help,
                          self.window_start, self.now)

    def grid_state(self) -> pd.DataFrame:
        """Each grid's state now: place, residents, mean trust, open and hidden issues
        (:func:`simulation.measures.caselog.grid_state`)."""
        return grid_state(self.world, self.pools.store, self.population,
                          self.help.has_branch, self.now)

    def timeseries(self) -> pd.DataFrame:
        """The daily time series (one row per day, day 0 = initial state): issues open,
        hidden, resolved (counts), mean trust (0-1), volunteer stages (residents), grid
        worker utilisation (share), ... (the DataCollector's model reporters: each column
        is declared in :mod:`simulation.measures.daily`)."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def plot(self, title: str | None = None) -> Figure:
        """The run's daily open and hidden issues and mean trust
        (:func:`simulation.measures.plot.plot_run`); returns a matplotlib Figure."""
        from .measures.plot import plot_run  # matplotlib only when plotting

        name = self.params.derived_by or "run"
        return plot_run(self.timeseries(), title=title or f"{name}, seed {self.seed_value}",
                        warmup_days=self.warmup_days)

    def case_log(self) -> pd.DataFrame:
        """One row per issue with every timestamp
        (:func:`simulation.measures.caselog.case_log`)."""
        return case_log(self.world, self.pools.store, self.pools.events, self.router.names)


def _one_model_of_a_city(params: Parameters) -> None:
    """The guard and the warning for a city of several districts built as one model: refused
    (TooBig) if its world cannot fit in memory; else a warning that a run of it is better
    partitioned by district."""
    advice = ("run it partitioned by district (run_scenario, gridgov run) or build one "
              "district (world.district)")
    check_one_model(params, 0, advice)
    warnings.warn(f"a city of {district_count(params)} districts is built here as one "
                  f"model (~{gib(model_bytes(params, 365))} for a year): run_scenario and "
                  "gridgov run partition it by district, one model per district (pass "
                  "whole_city=True to build it whole without this warning)", stacklevel=3)


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

