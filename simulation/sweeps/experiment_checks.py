"""The checks of an experiment file: every rule a parsed TOML sweep must follow, in the order
they are checked; a failure is one line naming the file, the section and key, and what is
valid.

:func:`check_file` returns the checked values (:class:`CheckedFile`: the resolved design
points, the policies' parameter values, the targets, the warnings) or raises
:class:`InvalidFile`. :func:`simulation.sweeps.experiment.load_experiment` builds the
``Experiment`` from them and raises a failure as its ``ExperimentError``; the checks know no
experiment class, so that module can import this one and not the other way round.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..measures.outcomes import OUTCOMES
from ..measures.tally import window_problem
from ..parameters import MAX_DAYS, Param, ParameterError, unknown_key_message
from ..policies import lever_warnings, parse_lever
from ..scenarios import SCENARIOS, get_scenario
from .designs import DESIGN_METHODS, design_points, design_problem, points_per_sample

SECTIONS = ("experiment", "fixed", "factors", "policies", "design", "ranges", "targets")
TARGET_KEYS = ("value", "tolerance", "source")
EXPERIMENT_KEYS = {"name": str, "scenario": str, "days": int, "replications": int,
                   "seed": int, "description": str, "warmup_days": int, "followup_days": int}
REQUIRED_EXPERIMENT_KEYS = ("name", "scenario", "days", "replications", "seed")
POLICY_KEYS = ("name", "description", "set", "levers")
DESIGN_KEYS = ("method", "samples")
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # used with fullmatch: no "\n" at the end
MAX_RUNS = 1_000_000  # runs in one sweep (each leaves files on disk)
MAX_SAMPLES = 2**20  # points of a sampled design

CheckedPolicy = tuple[str, dict[str, Any], str]  # name, parameter values, description
CheckedTarget = tuple[float, float, str]  # value, tolerance (the misfit unit), source


class InvalidFile(ValueError):
    """An experiment file breaks a rule; the message is one line naming the file and key."""


@dataclass
class CheckedFile:
    """An experiment file's values once every check has passed, with its design resolved."""

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
    policies: list[CheckedPolicy]
    points: list[dict[str, Any]]
    targets: dict[str, CheckedTarget]
    warnings: list[str]  # levers that cannot act somewhere


def check_file(path: Path, raw: dict[str, Any]) -> CheckedFile:
    """Check the parsed experiment file ``raw`` read from ``path`` and resolve its design;
    raises InvalidFile at the first problem."""
    return _Checker(path, raw).experiment()


class _Checker:
    """Checks one parsed file; every error names the file and the key."""

    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        self.path, self.raw = path, raw
        self.specs: dict[str, Param] = {}  # the scenario's parameters, once it is known

    def fail(self, where: str, message: str) -> InvalidFile:
        return InvalidFile(f"{self.path}: {where}: {message}")

    def experiment(self) -> CheckedFile:
        """Every check, in the order a user meets them (the first failure is reported), then
        the design points, the targets and each run's parameters."""
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

        points = design_points(factors, ranges, method, samples, exp["seed"],
                               {k: self.specs[k] for k in ranges})
        targets = self.targets()
        warnings = self.check_runs(exp["scenario"], fixed, points, policies)
        return CheckedFile(
            name=name, scenario=exp["scenario"], days=exp["days"],
            replications=exp["replications"], seed=exp["seed"],
            description=exp.get("description", ""), warmup_days=warmup,
            followup_days=followup, fixed=fixed, factors=factors, ranges=ranges, method=method,
            samples=samples, policies=policies, points=points, targets=targets,
            warnings=warnings)

    def targets(self) -> dict[str, CheckedTarget]:
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
            out[key] = (float(value), float(tol), spec["source"])
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

    def policies(self, varying: set[str]) -> list[CheckedPolicy]:
        raw = self.raw.get("policies", [])
        if not isinstance(raw, list):
            raise self.fail("[[policies]]", "must be an array of tables ([[policies]] blocks)")
        if not raw:
            return [("default", {}, "the scenario as it is")]
        out: list[CheckedPolicy] = []
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
            if name in {p[0] for p in out}:
                raise self.fail(f"{where} 'name'", f"{name!r} is used twice")
            values: dict[str, Any] = {}
            levers = entry.get("levers", [])
            if not isinstance(levers, list) or not all(isinstance(x, str) for x in levers):
                raise self.fail(f"{where} 'levers'", 'must be a list like ["party_branch", '
                                '"mobilisation:mode=campaign"]')
            for spec in levers:
                try:
                    values.update(parse_lever(spec).overrides())
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
            out.append((name, values, str(entry.get("description", ""))))
        return out

    def check_runs(self, scenario_name: str, fixed: dict[str, Any],
                   points: list[dict[str, Any]], policies: list[CheckedPolicy]) -> list[str]:
        """Resolve every (point, policy) combination once, so nothing fails mid-sweep; the
        levers that cannot act (:func:`policies.lever_warnings`), one line each."""
        scenario = get_scenario(scenario_name)
        found: dict[str, list[str]] = {}
        for p, point in enumerate(points):
            for pol_name, pol_values, _ in policies:
                try:
                    params = scenario.parameters({**fixed, **point, **pol_values})
                except ParameterError as exc:
                    raise self.fail(f"design point {p} with policy {pol_name!r}",
                                    str(exc)) from None
                for line in lever_warnings(params):
                    where = pol_name if len(points) == 1 else f"{pol_name} at p{p:04d}"
                    found.setdefault(line, []).append(where)
        return [
            f"{', '.join(w[:4])}{f' and {len(w) - 4} more' if len(w) > 4 else ''}: {line}"
            for line, w in found.items()]

