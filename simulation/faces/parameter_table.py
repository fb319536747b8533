"""The parameter tables of docs/model.md, rendered from the registry and the scenarios.

The tables sit between :data:`START` and :data:`END` in the document; :func:`render` puts
the current ones there. ``scripts/param_table.py`` rewrites the document (with ``--check``
it only says whether the document is out of date), and ``tests/test_docs.py`` fails when it
is, so the docs cannot drift from the code (:mod:`simulation.parameters`,
:mod:`simulation.scenarios`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..parameters import PARAMS, Param
from ..scenarios import SCENARIOS

START, END = "<!-- params:start -->", "<!-- params:end -->"
EXPLORED = ("calibration.toml", "sensitivity.toml")  # experiments whose [ranges] are priors


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


def _stated(p: Param) -> str:
    """The plausible range ``p`` declares in the registry, with its basis ('' if none)."""
    if p.plausible is None:
        return ""
    return f"{p.plausible.low:.4g} – {p.plausible.high:.4g} ({p.plausible.basis})"


def plausible_ranges(experiments: Path) -> dict[str, str]:
    """key -> 'low – high (file)' for the ranges the calibration and sensitivity analysis
    explore (the :data:`EXPLORED` files in the folder ``experiments``): the plausible
    ranges, kept in one place (the experiment files)."""
    out: dict[str, str] = {}
    for name in EXPLORED:
        path = experiments / name
        ranges = tomllib.loads(path.read_text(encoding="utf-8")).get("ranges", {})
        for key, (low, high) in ranges.items():
            out.setdefault(key, f"{_value(low)} – {_value(high)} ({name})")
    return out


def tables(experiments: Path) -> str:
    """The generated Markdown: every parameter, then each scenario's inputs and overrides."""
    plausible = plausible_ranges(experiments)
    out = ["| key | default | unit | valid range | plausible range | source | meaning |",
           "|---|---|---|---|---|---|---|"]
    for p in PARAMS:
        # An explored range is the one the results rest on, so it wins over the registry's.
        stated = plausible.get(p.key) or _stated(p) or "—"
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


def render(text: str, experiments: Path) -> str:
    """``text`` with the generated tables between the markers; ValueError without them."""
    if START not in text or END not in text:
        raise ValueError(f"markers {START} / {END} not found")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{tables(experiments)}\n{END}{tail}"
