"""Experiment files: parse and validate a TOML sweep, resolve its design, derive its seeds.

An experiment is a scenario, a set of design points (a full factorial over ``[factors]``,
crossed with ``samples`` points over ``[ranges]`` for ``lhs`` / ``sobol`` designs), a list of
named policies, and ``replications`` seeds. Every run = (design point, policy, replication).

Seeds (common random numbers, :mod:`simulation.seeds`): replication r of *every* design
point and policy gets the same run seed, derived as
``SeedSequence(seed, spawn_key=(0,)).spawn(R)[r]``; inside a run each random process has its
own stream. Sampled designs draw from ``SeedSequence(seed, spawn_key=(1,))``, so adding
replications does not move them.

Everything is checked before any run starts; a problem raises :class:`ExperimentError`
whose message names the file, the section and key, and what is valid.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..measures.outcomes import OUTCOMES
from ..measures.tally import window_problem
from ..parameters import MAX_DAYS, Param, ParameterError, unknown_key_message
from ..policies import lever_warnings, parse_policy
from ..scenarios import SCENARIOS, get_scenario
from ..seeds import design_rng, model_seed, replication_seeds, replication_sequences, seed_record
from ..support.errors import GridgovError
from ..support.shipped import shipped_experiments

SECTIONS = ("experiment", "fixed", "factors", "policies", "design", "ranges", "targets")
TARGET_KEYS = ("value", "tolerance", "source")
EXPERIMENT_KEYS = {"name": str, "scenario": str, "days": int, "replications": int,
                   "seed": int, "description": str, "warmup_days": int, "followup_days": int}
REQUIRED_EXPERIMENT_KEYS = ("name", "scenario", "days", "replications", "seed")
POLICY_KEYS = ("name", "description", "set", "levers")
DESIGN_METHODS = ("factorial", "lhs", "sobol", "saltelli", "morris")
SENSITIVITY_METHODS = {"sobol": "saltelli", "morris": "morris"}  # gridgov sensitivity
MORRIS_LEVELS = 4  # grid levels of a Morris design (SALib's default)
DESIGN_KEYS = ("method", "samples")
MAX_FILE_BYTES = 1_000_000  # an experiment file is a few kB; larger is not one
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # used with fullmatch: no "\n" at the end
MAX_RUNS = 1_000_000  # runs in one sweep (each leaves files on disk)
MAX_SAMPLES = 2**20  # points of a sampled design


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
    return _Validator(path, text, raw).experiment()


class _Validator:
    """Checks one parsed file; every error names the file and the key."""

    def __init__(self, path: Path, text: str, raw: dict[str, Any]) -> None:
        self.path, self.text, self.raw = path, text, raw

    def fail(self, where: str, message: str) -> ExperimentError:
        return ExperimentError(f"{self.path}: {where}: {message}")

    def experiment(self) -> Experiment:
        raw = self.raw
        for section in raw:
            if section not in SECTIONS:
                raise self.fail(f"[{section}]", f"unknown section; valid: {', '.join(SECTIONS)}")
        exp = raw.get("experiment")
        if not isinstance(exp, dict):
            raise self.fail("[experiment]", "missing section; it needs "
                            + ", ".join(REQUIRED_EXPERIMENT_KEYS))
        for key in exp:
            if key not in EXPERIMENT_KEYS:
                raise self.fail(f"[experiment] {key!r}",
                                f"unknown key; valid: {', '.join(EXPERIMENT_KEYS)}")
        for key in REQUIRED_EXPERIMENT_KEYS:
            if key not in exp:
                raise self.fail(f"[experiment] {key!r}", "missing")
        for key, kind in EXPERIMENT_KEYS.items():
            if key in exp and (not isinstance(exp[key], kind) or isinstance(exp[key], bool)):
                what = "a whole number" if kind is int else "text"
                raise self.fail(f"[experiment] {key!r}", f"{exp[key]!r} is not {what}")
        name = exp["name"]
        if not NAME_RE.fullmatch(name):
            raise self.fail("[experiment] 'name'", f"{name!r} must be letters, digits, '_', "
                            "'-' or '.' (it names the results folder)")
        if exp["scenario"] not in SCENARIOS:
            raise self.fail("[experiment] 'scenario'", f"unknown scenario {exp['scenario']!r}; "
                            f"choose one of {', '.join(SCENARIOS)}")
        for key, low in (("days", 1), ("replications", 1), ("seed", 0)):
            if exp[key] < low:
                raise self.fail(f"[experiment] {key!r}", f"{exp[key]} must be at least {low}")
        for key, high in (("days", MAX_DAYS), ("replications", MAX_RUNS)):
            if exp[key] > high:
                raise self.fail(f"[experiment] {key!r}", f"{exp[key]} is more than {high}")
        warmup, followup = exp.get("warmup_days", 0), exp.get("followup_days", 0)
        for key, value in (("warmup_days", warmup), ("followup_days", followup)):
            if value < 0:
                raise self.fail(f"[experiment] {key!r}", f"{value} must be at least 0")
        problem = window_problem(exp["days"], warmup, followup)
        if problem:
            raise self.fail("[experiment] 'days'", problem)
        scenario = get_scenario(exp["scenario"])
        self.specs = scenario.specs()

        fixed = {k: self.value("fixed", k, v) for k, v in self.table("fixed").items()}
        factors: dict[str, list[Any]] = {}
        for key, values in self.table("factors").items():
            if not isinstance(values, list) or not values:
                raise self.fail(f"[factors] {key!r}", "must be a non-empty list of values")
            factors[key] = [self.value("factors", key, v) for v in values]
            if len(set(map(repr, factors[key]))) != len(factors[key]):
                raise self.fail(f"[factors] {key!r}", "lists a value twice")
        design = self.table("design")
        for key in design:
            if key not in DESIGN_KEYS:
                raise self.fail(f"[design] {key!r}",
                                f"unknown key; valid: {', '.join(DESIGN_KEYS)}")
        method = design.get("method", "factorial")
        if method not in DESIGN_METHODS:
            raise self.fail("[design] 'method'",
                            f"{method!r} is not one of {', '.join(DESIGN_METHODS)}")
        ranges = {k: self.range(k, v) for k, v in self.table("ranges").items()}
        samples = design.get("samples", 0)
        if method == "factorial":
            if ranges:
                raise self.fail("[ranges]", "needs a sampled [design] method (lhs, sobol, "
                                "saltelli or morris); a factorial design uses [factors]")
            if "samples" in design:
                raise self.fail("[design] 'samples'", "only for sampled designs (lhs, sobol, "
                                "saltelli, morris)")
        else:
            if not ranges:
                raise self.fail("[ranges]", f"missing; a {method} design samples over "
                                "[ranges] (key = [low, high])")
            if (not isinstance(samples, int) or isinstance(samples, bool)
                    or not 2 <= samples <= MAX_SAMPLES):
                raise self.fail("[design] 'samples'",
                                f"must be a whole number from 2 to {MAX_SAMPLES}")
            problem = design_problem(method, samples, factors)
            if problem:
                raise self.fail("[design] 'samples'" if "samples" in problem else "[factors]",
                                problem)
        for key in fixed:
            if key in factors or key in ranges:
                raise self.fail(f"[fixed] {key!r}", "also varies in [factors] or [ranges]")
        for key in factors:
            if key in ranges:
                raise self.fail(f"[factors] {key!r}", "also in [ranges]")
        policies = self.policies(set(factors) | set(ranges))
        n_points = math.prod(len(v) for v in factors.values()) * (
            samples * points_per_sample(method, len(ranges)) if ranges else 1)
        total = n_points * len(policies) * exp["replications"]
        if total > MAX_RUNS:
            raise self.fail("design", f"{total} runs ({n_points} points x {len(policies)} "
                            f"policies x {exp['replications']} replications) is more than "
                            f"{MAX_RUNS}")

        experiment = Experiment(
            path=self.path, text=self.text, raw=self.raw, name=name,
            scenario=exp["scenario"], days=exp["days"], replications=exp["replications"],
            seed=exp["seed"], description=exp.get("description", ""), warmup_days=warmup,
            followup_days=followup, fixed=fixed,
            factors=factors, ranges=ranges, method=method, samples=samples,
            policies=policies)
        experiment.points = design_points(factors, ranges, method, samples, exp["seed"],
                                          {k: self.specs[k] for k in ranges})
        experiment.targets = self.targets()
        self.check_runs(experiment)
        return experiment

    def targets(self) -> dict[str, Target]:
        """[targets]: metric = { value = x, tolerance = y, source = "..." }."""
        out = {}
        for key, spec in self.table("targets").items():
            where = f"[targets] {key!r}"
            if key not in OUTCOMES:
                raise self.fail(where, "unknown metric; choose from "
                                + ", ".join(OUTCOMES))
            if not isinstance(spec, dict):
                raise self.fail(where, "must be a table: { value = 0.9, tolerance = 0.03, "
                                "source = \"...\" }")
            for k in spec:
                if k not in TARGET_KEYS:
                    raise self.fail(where, f"unknown key {k!r}; valid: {', '.join(TARGET_KEYS)}")
            value, tol = spec.get("value"), spec.get("tolerance")
            for name, v in (("value", value), ("tolerance", tol)):
                if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                    raise self.fail(where, f"{name} must be a number")
            if tol <= 0:
                raise self.fail(where, f"tolerance {tol} must be above 0")
            if not isinstance(spec.get("source", ""), str) or not spec.get("source"):
                raise self.fail(where, "needs a source: where the figure is published")
            out[key] = Target(float(value), float(tol), spec["source"])
        return out

    def table(self, section: str) -> dict[str, Any]:
        value = self.raw.get(section, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{section}]", "must be a table of key = value lines")
        return value

    def spec(self, section: str, key: str) -> Param:
        spec = self.specs.get(key)
        if spec is None:
            raise self.fail(f"[{section}] {key!r}", unknown_key_message(key, self.specs))
        return spec

    def value(self, section: str, key: str, value: Any) -> Any:
        spec = self.spec(section, key)
        if isinstance(value, str) and spec.kind is not str:
            raise self.fail(f"[{section}] {key!r}", f"{value!r} is text; write "
                            f"{spec.valid_text()} without quotes")
        try:
            return spec.coerce(value)
        except ParameterError as exc:
            raise self.fail(f"[{section}] {key!r}", str(exc)) from None

    def range(self, key: str, value: Any) -> tuple[Any, Any]:
        spec = self.spec("ranges", key)
        if spec.kind not in (int, float):
            raise self.fail(f"[ranges] {key!r}", f"is {spec.valid_text()}: not numeric; "
                            "list its values in [factors]")
        if not (isinstance(value, list) and len(value) == 2):
            raise self.fail(f"[ranges] {key!r}", "must be [low, high]")
        low, high = (self.value("ranges", key, v) for v in value)
        if not low < high:
            raise self.fail(f"[ranges] {key!r}", f"low {low!r} must be below high {high!r}")
        return low, high

    def policies(self, varying: set[str]) -> list[PolicySpec]:
        raw = self.raw.get("policies", [])
        if not isinstance(raw, list):
            raise self.fail("[[policies]]", "must be an array of tables ([[policies]] blocks)")
        if not raw:
            return [PolicySpec("default", {}, "the scenario as it is")]
        out: list[PolicySpec] = []
        for i, entry in enumerate(raw):
            where = f"[[policies]] #{i + 1}"
            if not isinstance(entry, dict):
                raise self.fail(where, "must be a table")
            for key in entry:
                if key not in POLICY_KEYS:
                    raise self.fail(f"{where} {key!r}",
                                    f"unknown key; valid: {', '.join(POLICY_KEYS)}")
            name = entry.get("name")
            if not isinstance(name, str) or not NAME_RE.fullmatch(name):
                raise self.fail(f"{where} 'name'", "missing or not letters, digits, '_', '-'")
            if name in {p.name for p in out}:
                raise self.fail(f"{where} 'name'", f"{name!r} is used twice")
            values: dict[str, Any] = {}
            levers = entry.get("levers", [])
            if not isinstance(levers, list) or not all(isinstance(x, str) for x in levers):
                raise self.fail(f"{where} 'levers'", 'must be a list like ["party_branch", '
                                '"mobilisation:mode=campaign"]')
            for spec in levers:
                try:
                    values.update(parse_policy(spec).overrides())
                except ParameterError as exc:
                    raise self.fail(f"{where} 'levers'", str(exc)) from None
            settings = entry.get("set", {})
            if not isinstance(settings, dict):
                raise self.fail(f"{where} 'set'", 'must be a table like { "key" = value }')
            for key, value in settings.items():
                values[key] = self.value(f"policies {name}", key, value)
            for key in values:
                if key in varying:
                    raise self.fail(f"{where} {key!r}", "also varies in [factors] or [ranges]")
            out.append(PolicySpec(name, values, str(entry.get("description", ""))))
        return out

    def check_runs(self, experiment: Experiment) -> None:
        """Resolve every (point, policy) combination once, so nothing fails mid-sweep, and
        note the levers that cannot act (:func:`policies.lever_warnings`)."""
        scenario = get_scenario(experiment.scenario)
        found: dict[str, list[str]] = {}
        for p, point in enumerate(experiment.points):
            for pol in experiment.policies:
                try:
                    params = scenario.parameters({**experiment.fixed, **point, **pol.values})
                except ParameterError as exc:
                    raise self.fail(f"design point {p} with policy {pol.name!r}",
                                    str(exc)) from None
                for line in lever_warnings(params):
                    where = pol.name if len(experiment.points) == 1 else f"{pol.name} at p{p:04d}"
                    found.setdefault(line, []).append(where)
        experiment.warnings = [
            f"{', '.join(w[:4])}{f' and {len(w) - 4} more' if len(w) > 4 else ''}: {line}"
            for line, w in found.items()]


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
