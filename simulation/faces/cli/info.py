"""``gridgov scenarios``, ``gridgov params [SCENARIO]`` and ``gridgov policies``: what can be
run and set."""

from __future__ import annotations

import argparse
import textwrap

from ...policies import LEVERS
from ...scenarios import SCENARIOS, get_scenario
from .options import fmt

WIDTH = 100  # a terminal's columns
INDENT = "    "


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
    """A scenario's parameters: a block each (key = value unit, its meaning, valid range and
    source), or with --brief a line each (key, value, unit and source)."""
    values = get_scenario(args.scenario).parameters({})
    specs = values.specs
    if args.brief:
        rows = [(k, fmt(values[k]), specs[k].unit, values.sources.get(k, "")) for k in values]
        w = [max(len(r[i]) for r in rows) for i in range(3)]
        print(f"{'key':<{w[0]}}  {'value':<{w[1]}}  {'unit':<{w[2]}}  source")
        for key, value, unit, source in rows:
            print(f"{key:<{w[0]}}  {value:<{w[1]}}  {unit:<{w[2]}}  {source}")
        return 0
    print(f"{args.scenario}: {len(values)} parameters (set one with --set KEY=VALUE; "
          "`--brief`: a line each)")
    for key in values:
        spec = specs[key]
        unit = "" if spec.unit in ("", "-") else f" {spec.unit}"
        print(f"\n{key} = {fmt(values[key])}{unit}")
        for label, text in (("", spec.doc), ("valid: ", spec.valid_text()),
                            ("source: ", values.sources.get(key, "") or "-")):
            print(textwrap.fill(f"{label}{text}", WIDTH, initial_indent=INDENT,
                                subsequent_indent=INDENT + " " * len(label),
                                break_on_hyphens=False))
    return 0
