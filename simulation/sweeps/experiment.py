"""Experiments: the data of a TOML sweep (:class:`Experiment`, its policies, runs and
targets), finding and reading its file (:func:`experiment_path`, :func:`load_experiment`),
and the same experiment over another design (:func:`resample`).

An experiment is a scenario, a set of design points (a full factorial over ``[factors]``,
crossed with ``samples`` points over ``[ranges]`` for sampled designs: :mod:`.designs`), a
list of named policies, and ``replications`` seeds. Every run = (design point, policy,
replication).

Seeds (common random numbers, :mod:`simulation.seeds`): replication r of *every* design
point and policy gets the same run seed, derived as
``SeedSequence(seed, spawn_key=(0,)).spawn(R)[r]``; inside a run each random process has its
own stream. Sampled designs draw from ``SeedSequence(seed, spawn_key=(1,))``, so adding
replications does not move them.

Everything is checked before any run starts (:mod:`.experiment_checks`); a problem raises
:class:`ExperimentError` whose message names the file, the section and key, and what is
valid.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..scenarios import get_scenario
from ..seeds import model_seed, replication_seeds, replication_sequences, seed_record
from ..support.errors import GridgovError
from ..support.shipped import shipped_experiments
from .designs import design_points, design_problem
from .experiment_checks import MAX_RUNS, InvalidFile, check_file

MAX_FILE_BYTES = 1_000_000  # an experiment file is a few kB; larger is not one


class ExperimentError(GridgovError, ValueError):
    """An experiment file is not valid; the message is one line for the user."""


@dataclass(frozen=True)
class PolicySpec:
    """A named policy of an experiment: parameter values set on top of each design point."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: everything needed to reproduce it alone."""

    run_id: str
    point: int
    policy: str
    replication: int
    seed: int
    scenario: str
    days: int
    overrides: dict[str, Any]  # fixed + design point + policy, in that order
    factors: dict[str, Any]  # the design point's values
    warmup_days: int = 0  # measures start after the warm-up ...
    followup_days: int = 0  # ... and cover issues arising before the follow-up


@dataclass(frozen=True)
class Target:
    """A published figure a calibration fits a summary metric to."""

    value: float
    tolerance: float  # the distance scale: how far off counts as one unit of misfit
    source: str


@dataclass
class Experiment:
    """A validated experiment file with its resolved design."""

    path: Path
    text: str
    raw: dict[str, Any]
    name: str
    scenario: str
    days: int
    replications: int
    seed: int
    description: str
    warmup_days: int
    followup_days: int
    fixed: dict[str, Any]
    factors: dict[str, list[Any]]
    ranges: dict[str, tuple[Any, Any]]
    method: str
    samples: int
    policies: list[PolicySpec]
    points: list[dict[str, Any]] = field(default_factory=list)
    targets: dict[str, Target] = field(default_factory=dict)  # for gridgov calibrate
    warnings: list[str] = field(default_factory=list)  # levers that cannot act somewhere

    @property
    def factor_names(self) -> list[str]:
        """The keys that vary between design points."""
        return [*self.factors, *self.ranges]

    def run_seeds(self) -> list[int]:
        """The seed of each replication (shared by every point and policy)."""
        return replication_seeds(self.seed, self.replications)

    @property
    def run_count(self) -> int:
        """Runs in the sweep: design points x policies x replications."""
        return len(self.points) * len(self.policies) * self.replications

    def runs(self) -> list[RunSpec]:
        """Every run, in a fixed order: point, then policy, then replication."""
        seeds = self.run_seeds()
        out = []
        for p, point in enumerate(self.points):
            for pol in self.policies:
                for r, seed in enumerate(seeds):
                    out.append(RunSpec(
                        run_id=f"p{p:04d}-{pol.name}-r{r:03d}", point=p, policy=pol.name,
                        replication=r, seed=seed, scenario=self.scenario, days=self.days,
                        overrides={**self.fixed, **point, **pol.values}, factors=dict(point),
                        warmup_days=self.warmup_days, followup_days=self.followup_days))
        return out

    def design_record(self) -> dict[str, Any]:
        """The resolved design, for the manifest."""
        return {
            "method": self.method,
            "samples": self.samples,
            "factors": self.factors,
            "ranges": {k: list(v) for k, v in self.ranges.items()},
            "points": self.points,
            "targets": {k: {"value": t.value, "tolerance": t.tolerance, "source": t.source}
                        for k, t in self.targets.items()},
            "policies": [{"name": p.name, "set": p.values, "description": p.description}
                         for p in self.policies],
            "replication_seeds": [
                {"replication": r, "seed": model_seed(seq), "seed_sequence": seed_record(seq)}
                for r, seq in enumerate(replication_sequences(self.seed, self.replications))],
        }


def experiment_path(file: str | Path) -> Path:
    """The experiment file ``file`` names: a path, else a shipped experiment's name
    (``policy_comparison``: :func:`simulation.support.shipped.shipped_experiments`). A name that is
    neither, or a missing path to a file gridgov ships, raises ExperimentError saying so."""
    path = Path(file)
    if path.exists():
        return path
    shipped = shipped_experiments()
    if str(file) in shipped:
        return shipped[str(file)].path
    if str(file) == path.name and not path.suffix:  # a bare name, not a path
        raise ExperimentError(f"{str(file)!r} is neither an experiment file nor a shipped "
                              f"experiment ({', '.join(shipped) or 'none found'}); "
                              "`gridgov experiments` lists them")
    if path.stem in shipped:  # e.g. experiments/policy_comparison.toml outside the clone
        raise ExperimentError(f"{path}: no such file; gridgov ships {path.stem}: give its "
                              f"name, {path.stem}, or copy it here to edit it: `gridgov "
                              f"experiments copy {path.stem}`")
    return path


def load_experiment(path: str | Path) -> Experiment:
    """Read, validate and resolve an experiment file (a path, or the name of a shipped
    experiment: :func:`experiment_path`); raises ExperimentError."""
    path = experiment_path(path)
    try:
        if not path.is_file():
            raise ExperimentError(f"{path}: no such file" if not path.exists() else
                                  f"{path}: not a regular file; give an experiment file "
                                  "(TOML), e.g. experiments/policy_comparison.toml")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ExperimentError(f"{path}: {path.stat().st_size:,} bytes is too large for "
                                  f"an experiment file (at most {MAX_FILE_BYTES:,})")
        # "utf-8-sig": a byte-order mark (as some editors write) is not part of the TOML
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExperimentError(f"{path}: cannot read: {exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{path}: not valid TOML: {exc}") from None
    try:
        checked = check_file(path, raw)
    except InvalidFile as exc:
        raise ExperimentError(str(exc)) from None
    values = {f.name: getattr(checked, f.name) for f in fields(checked)}  # every checked value
    return Experiment(
        path=path, text=text, raw=raw,
        **{**values, "policies": [PolicySpec(*p) for p in checked.policies],
           "targets": {k: Target(*t) for k, t in checked.targets.items()}})


def resample(experiment: Experiment, method: str, samples: int | None = None) -> Experiment:
    """``experiment`` with its [ranges] sampled by another ``method`` (e.g. for a
    sensitivity analysis); ExperimentError if the design does not suit it."""
    samples = samples or experiment.samples
    where = f"{experiment.path}: [design]"
    if not experiment.ranges:
        raise ExperimentError(f"{experiment.path}: [ranges]: missing; a sensitivity analysis "
                              "varies the parameters of [ranges] (key = [low, high])")
    problem = design_problem(method, samples, experiment.factors)
    if problem:
        raise ExperimentError(f"{where}: {problem}")
    specs = get_scenario(experiment.scenario).specs()
    out = replace(experiment, method=method, samples=samples)
    out.points = design_points(experiment.factors, experiment.ranges, method, samples,
                               experiment.seed, {k: specs[k] for k in experiment.ranges})
    total = out.run_count
    if total > MAX_RUNS:
        raise ExperimentError(f"{where}: {total} runs is more than {MAX_RUNS}")
    return out
