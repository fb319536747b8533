"""Write the parameter tables of docs/model.md from the registry (simulation/parameters.py).

    python scripts/param_table.py          # rewrite the tables between the markers
    python scripts/param_table.py --check  # exit 1 if docs/model.md is out of date

The tables sit between ``<!-- params:start -->`` and ``<!-- params:end -->``; the test
suite runs --check so the docs cannot drift from the code.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from simulation.parameters import PARAMS, Param
from simulation.plausible import plausible_text
from simulation.scenarios import SCENARIOS

DOC = Path(__file__).resolve().parents[1] / "docs" / "model.md"
START, END = "<!-- params:start -->", "<!-- params:end -->"


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _range(p: Param) -> str:
    if p.choices:
        return " / ".join(p.choices)
    if p.kind is bool:
        return "true / false"
    return f"{_value(p.low)} – {_value(p.high)}"


EXPLORED = ("calibration.toml", "sensitivity.toml")  # experiments whose [ranges] are priors


def plausible_ranges() -> dict[str, str]:
    """key -> 'low – high (file)' for the ranges the calibration and sensitivity analysis
    explore: the plausible ranges, kept in one place (the experiment files)."""
    out: dict[str, str] = {}
    for name in EXPLORED:
        path = DOC.parents[1] / "experiments" / name
        ranges = tomllib.loads(path.read_text(encoding="utf-8")).get("ranges", {})
        for key, (low, high) in ranges.items():
            out.setdefault(key, f"{_value(low)} – {_value(high)} ({name})")
    return out


def tables() -> str:
    """The generated Markdown."""
    plausible = plausible_ranges()
    out = ["| key | default | unit | valid range | plausible range | source | meaning |",
           "|---|---|---|---|---|---|---|"]
    for p in PARAMS:
        stated = plausible.get(p.key) or plausible_text(p) or "—"
        out.append(f"| `{p.key}` | {_value(p.default)} | {p.unit} | {_range(p)} | "
                   f"{stated} | {p.source} | {p.doc} |")
    for sc in SCENARIOS.values():
        out += ["", f"**Scenario `{sc.name}`** — {sc.description}.", ""]
        if sc.inputs:
            out += ["Scenario inputs:", "", "| key | default | unit | valid range | source |",
                    "|---|---|---|---|---|"]
            out += [f"| `{p.key}` | {_value(p.default)} | {p.unit} | {_range(p)} | {p.source} |"
                    for p in sc.inputs]
            out.append("")
        if sc.overrides:
            out += ["| key | value | source |", "|---|---|---|"]
            out += [f"| `{k}` | {_value(v)} | {src} |" for k, (v, src) in sc.overrides.items()]
        else:
            out.append("All defaults.")
        if sc.derive is not None:
            out += ["", f"Derived from the inputs: {sc.derive.__doc__.strip()}"]
    return "\n".join(out)


def render(text: str) -> str:
    """``text`` with the generated tables between the markers."""
    if START not in text or END not in text:
        raise SystemExit(f"{DOC}: markers {START} / {END} not found")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{tables()}\n{END}{tail}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        if new != text:
            print(f"{DOC} is out of date: run python scripts/param_table.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
