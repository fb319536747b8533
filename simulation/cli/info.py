"""``gridgov scenarios``, ``gridgov params SCENARIO`` and ``gridgov policies``: what can be
run and set."""

from __future__ import annotations

import argparse

from ..policies import LEVERS
from ..scenarios import SCENARIOS, get_scenario
from .options import fmt


def scenarios(args: argparse.Namespace) -> int:
    """Each scenario's name and description."""
    width = max(len(n) for n in SCENARIOS)
    for name, sc in SCENARIOS.items():
        print(f"{name:<{width}}  {sc.description}")
    return 0


def levers(args: argparse.Namespace) -> int:
    """Each policy lever's name and description."""
    for name, cls in LEVERS.items():
        print(f"{name:<17} {cls.description}")
    return 0


def params(args: argparse.Namespace) -> int:
    """A scenario's parameters: key, value, unit and source."""
    values = get_scenario(args.scenario).parameters({})
    specs = values.specs
    rows = [(k, fmt(values[k]), specs[k].unit, values.sources.get(k, "")) for k in values]
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'key':<{w[0]}}  {'value':<{w[1]}}  {'unit':<{w[2]}}  source")
    for key, value, unit, source in rows:
        print(f"{key:<{w[0]}}  {value:<{w[1]}}  {unit:<{w[2]}}  {source}")
    return 0
