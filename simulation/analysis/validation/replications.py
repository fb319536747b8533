"""The validation checks' runs, on the executor layer the sweeps use.

A check names what it needs as *batches*: a :class:`Replications` set (a scenario with
overrides at a :class:`Size`, one run per seed) or a :class:`QueueRuns` set (the ``mmc``
scenario's waits, for the queueing check). :func:`run_batches` makes every run of every
batch a task, runs them all at once on :func:`simulation.running.executors.open_backend`
(local worker processes; in this process with one worker), longest first, and hands each
batch its results in seed order: the numbers depend neither on the backend nor on the order
in which runs finish. Several checks pair their lever with the same status quo: identical
batches run once, and once per process (a run is a function of its inputs alone).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any, overload

import numpy as np
import pandas as pd

from ...issues import State
from ...model import GridGovernanceModel
from ...running.executors import open_backend
from ...running.runner import run_model
from ...scenarios import load_scenario
from ...seeds import validation_seeds
from ...support.errors import GridgovError

BASE_SEED = 20221121  # root of the checks' replication seeds (simulation.seeds.validation_seeds)
QUEUE_WARMUP_DAYS = 200.0  # days discarded before waits are measured in the mmc checks
# Rough run time of one mmc issue in units of one simulated day of the baseline world
# (measured: ~25 µs against ~3.5 ms), to start the longest tasks first.
QUEUE_ISSUE_COST = 1 / 150
REMEMBERED_MAX = 32  # batches kept in memory per process (the oldest goes first)


class ReplicationError(GridgovError):
    """A validation run that failed (the model, or the worker running it)."""


@dataclass(frozen=True)
class Size:
    """How big the checks run: replications, days (warm-up + window + follow-up), and
    overrides that shrink the world."""

    reps: int = 20
    days: int = 820
    warmup: int = 365
    followup: int = 90
    world: tuple[tuple[str, Any], ...] = ()  # e.g. (("world.communities_per_street", 2),)

    def seeds(self) -> list[int]:
        """Replication seeds: ``SeedSequence(BASE_SEED, spawn_key=(2,))``'s children
        (:func:`simulation.seeds.validation_seeds`)."""
        return validation_seeds(BASE_SEED, self.reps)


FULL = Size()
# The test suite's size: the same worlds (a toy world behaves differently: too few issues
# reach a city department to make the resolution times skewed), 6 replications (the
# fewest with which a Wilcoxon test can reach p < 0.05: 2 / 2^6 = 0.031), a half-year
# warm-up and a shorter window.
QUICK = Size(reps=6, days=455, warmup=180, followup=60)


@dataclass
class Run:
    """One finished replication: summary, daily series, and facts about the backlog."""

    summary: dict[str, Any]
    timeseries: pd.DataFrame
    backlog_total: int
    backlog_resolved: int


def run(scenario: str, overrides: dict[str, Any], seed: int, days: int, warmup: int = 0,
        followup: int = 0, collect_garbage: bool = False) -> Run:
    """Run one replication (:func:`simulation.running.runner.run_model`, which says what
    ``collect_garbage`` is for) and keep what the checks need."""
    record = run_model(load_scenario(scenario, overrides), seed=seed, days=days,
                       warmup_days=warmup, followup_days=followup, inspect=_backlog_and_years,
                       collect_garbage=collect_garbage)
    extra = record.extra
    out = Run(record.summary, record.timeseries, extra.pop("backlog_total"),
              extra.pop("backlog_resolved"))
    out.summary.update(extra)
    return out


def _backlog_and_years(model: GridGovernanceModel) -> dict[str, Any]:
    """What :func:`run` reads from the finished model: the initial backlog (issues that
    arose before day 0), how much of it was resolved, and :func:`_yearly`'s figures."""
    issues = model.issues
    backlog = issues.view("t_arisen") < 0
    return {"backlog_total": int(backlog.sum()),
            "backlog_resolved": int((issues.view("state")[backlog] == State.RESOLVED).sum()),
            **_yearly(model)}


YEAR_HORIZON = 90.0  # days each year's known issues are followed (the restricted mean's)


def _yearly(model: GridGovernanceModel) -> dict[str, float]:
    """Per year of the run (365 days from day 0): the restricted mean days from known to
    resolved, over YEAR_HORIZON days, of the issues that became known in the year's first
    365 - YEAR_HORIZON days (each followed that long: one unresolved by then counts the
    horizon, so a late year is not made to look fast by the cases it has not yet closed),
    and the issues abandoned that year."""
    out = {}
    known, closed, state = (model.issues.view(c) for c in ("t_known", "t_closed", "state"))
    for k in range(1, model.day // 365 + 1):
        year = (known >= 365 * (k - 1)) & (known < 365 * k - YEAR_HORIZON)
        days = np.where(state[year] == State.RESOLVED, closed[year] - known[year], np.inf)
        out[f"year{k}_days_known_to_resolved"] = (
            float(np.mean(np.minimum(days, YEAR_HORIZON))) if year.any() else float("nan"))
        out[f"year{k}_abandoned"] = float(np.sum((state == State.ABANDONED)
                                                 & (closed >= 365 * (k - 1))
                                                 & (closed < 365 * k)))
    return out


def _grid_waits(grids: int, model: GridGovernanceModel) -> dict[str, Any]:
    """Mean wait (known -> handling start, days) per grid of a finished ``mmc`` model, over
    issues known after :data:`QUEUE_WARMUP_DAYS` whose handling has started."""
    grid, known, start = (model.issues.view(c) for c in ("grid", "t_known", "t_start"))
    counted = (known >= QUEUE_WARMUP_DAYS) & (start <= model.now)
    return {"waits": [np.mean(start[counted & (grid == g)] - known[counted & (grid == g)])
                      for g in range(grids)]}


@dataclass(frozen=True)
class ReplicationTask:
    """One replication of a :class:`Replications` set (a task for a worker)."""

    scenario: str
    overrides: tuple[tuple[str, Any], ...]
    seed: int
    days: int
    warmup: int
    followup: int

    @property
    def cost(self) -> float:
        """Rough run time, in simulated days of the baseline world."""
        return float(self.days)

    def run(self, collect_garbage: bool = False) -> Run:
        return run(self.scenario, dict(self.overrides), self.seed, self.days, self.warmup,
                   self.followup, collect_garbage)


@dataclass(frozen=True)
class QueueTask:
    """One replication of a :class:`QueueRuns` set (a task for a worker)."""

    lam: float
    mu: float
    servers: int
    grids: int
    days: int
    seed: int

    @property
    def cost(self) -> float:
        """Rough run time, in simulated days of the baseline world (by its issues)."""
        return self.days * self.lam * self.grids * QUEUE_ISSUE_COST

    def run(self, collect_garbage: bool = False) -> np.ndarray:
        """Mean wait per grid (days)."""
        params = load_scenario("mmc", {"mmc.arrivals_per_day": self.lam,
                                       "mmc.handling_per_day": self.mu,
                                       "mmc.workers": self.servers, "mmc.grids": self.grids})
        record = run_model(params, seed=self.seed, days=self.days,
                           inspect=partial(_grid_waits, self.grids),
                           collect_garbage=collect_garbage)
        return np.asarray(record.extra["waits"], float)


@dataclass(frozen=True)
class Replications:
    """``size.reps`` replications of ``scenario`` with ``overrides`` (the size's world
    overrides first, then the check's), one per seed of the size."""

    scenario: str
    overrides: tuple[tuple[str, Any], ...]
    size: Size

    @classmethod
    def of(cls, scenario: str, overrides: dict[str, Any], size: Size) -> Replications:
        """The set a check asks for: ``overrides`` on top of the size's world."""
        return cls(scenario, tuple({**dict(size.world), **overrides}.items()), size)

    def key(self) -> str:
        """Everything that determines the runs (equal keys: equal runs)."""
        s = self.size
        return json.dumps([self.scenario, dict(self.overrides), s.days, s.warmup, s.followup,
                           s.seeds()], sort_keys=True, default=str)

    def tasks(self) -> list[ReplicationTask]:
        s = self.size
        return [ReplicationTask(self.scenario, self.overrides, seed, s.days, s.warmup,
                                s.followup) for seed in s.seeds()]

    def collect(self, runs: list[Run]) -> list[Run]:
        """The set's result from its tasks' results in seed order."""
        return runs


@dataclass(frozen=True)
class QueueRuns:
    """Replications of the ``mmc`` scenario: arrivals ``lam`` and handling ``mu`` per day,
    ``servers`` always-on workers per grid (``mmc.workers``), ``grids`` grids, ``days``
    days, one run per seed."""

    lam: float
    mu: float
    servers: int
    grids: int
    days: int
    seeds: tuple[int, ...]

    def key(self) -> str:
        return json.dumps(["mmc", self.lam, self.mu, self.servers, self.grids, self.days,
                           list(self.seeds)])

    def tasks(self) -> list[QueueTask]:
        return [QueueTask(self.lam, self.mu, self.servers, self.grids, self.days, seed)
                for seed in self.seeds]

    def collect(self, waits: list[np.ndarray]) -> np.ndarray:
        """Mean wait (days) per (replication, grid)."""
        return np.array(waits, float).reshape(len(self.seeds), self.grids)


Batch = Replications | QueueRuns
Task = ReplicationTask | QueueTask


class Results:
    """What :func:`run_batches` gives: each batch's result, looked up by the batch. Shared:
    callers read, never modify."""

    def __init__(self, by_key: dict[str, Any]) -> None:
        self._by_key = by_key

    @overload
    def __getitem__(self, batch: Replications) -> list[Run]: ...

    @overload
    def __getitem__(self, batch: QueueRuns) -> np.ndarray: ...

    def __getitem__(self, batch: Batch) -> Any:
        return self._by_key[batch.key()]


# Batches already run in this process, by key (see the module's docstring).
_REMEMBERED: dict[str, Any] = {}


def run_batches(batches: list[Batch], workers: int = 1, reuse: bool = True) -> Results:
    """Every batch's result: runs in seed order (:class:`Replications`) or waits per
    (replication, grid) (:class:`QueueRuns`). All their runs are tasks on one backend,
    ``workers`` local processes (1: in this process, in turn), the longest first. With
    ``reuse``, a batch already run in this process is not run again, and these are kept."""
    found: dict[str, Any] = {}
    todo: dict[str, Batch] = {}
    for batch in batches:
        key = batch.key()
        if reuse and key in _REMEMBERED:
            found[key] = _REMEMBERED[key]
        else:
            todo.setdefault(key, batch)
    parts: dict[str, list[Any]] = {}
    jobs: list[tuple[str, int, Task]] = []
    for key, batch in todo.items():
        tasks = batch.tasks()
        parts[key] = [None] * len(tasks)
        jobs += [(key, i, task) for i, task in enumerate(tasks)]
    jobs.sort(key=lambda job: -job[2].cost)  # stable: equal costs stay in plan order
    if jobs:
        with open_backend(max(1, min(workers, len(jobs)))) as backend:
            # a worker runs model after model: it frees each at once (not in this process,
            # where a full collection costs time in proportion to all else it holds)
            fn = partial(perform, collect_garbage=not backend.inline)
            for key, i, result in backend.results(fn, jobs, _failed):
                parts[key][i] = result
    fresh = {key: batch.collect(parts[key]) for key, batch in todo.items()}
    if reuse:
        for key, result in fresh.items():
            _REMEMBERED.pop(key, None)
            while len(_REMEMBERED) >= REMEMBERED_MAX:
                _REMEMBERED.pop(next(iter(_REMEMBERED)))
            _REMEMBERED[key] = result
    return Results({**found, **fresh})


def perform(job: tuple[str, int, Task], collect_garbage: bool = False
            ) -> tuple[str, int, Any]:
    """Run one task (in a worker): (its batch's key, its place in the batch, its result)."""
    key, i, task = job
    return key, i, task.run(collect_garbage)


def _failed(job: tuple[str, int, Task], message: str) -> tuple[str, int, Any]:
    """A run whose worker failed: the checks cannot do without it."""
    raise ReplicationError(f"validation run {job[2]} failed: {message}")


def replicate(scenario: str, overrides: dict[str, Any], size: Size,
              workers: int = 1) -> list[Run]:
    """``size.reps`` replications of ``scenario`` with the size's world overrides, in seed
    order (run once per process for the same inputs)."""
    batch = Replications.of(scenario, overrides, size)
    return run_batches([batch], workers)[batch]


def queue_waits(lam: float, mu: float, servers: int, grids: int, days: int,
                seeds: list[int], workers: int = 1) -> np.ndarray:
    """Mean wait (known -> handling start, days) per (replication, grid) of the ``mmc``
    scenario with ``servers`` workers per grid, over issues known after a warm-up whose
    handling has started."""
    batch = QueueRuns(lam, mu, servers, grids, days, tuple(seeds))
    return run_batches([batch], workers)[batch]
