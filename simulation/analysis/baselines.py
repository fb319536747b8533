"""Fixed-seed regression baselines: which runs are blessed, what is recorded of each, and how
a new record is compared with the blessed one.

A baseline is a JSON file ``NAME.json`` (one per entry of :data:`CASES`) holding
:func:`record` of a fixed-seed run: its summary, a few points of its daily series and its
case count. ``scripts/bless_baseline.py`` (``make bless``) writes them into
``tests/baselines/`` after an intended change of the model; ``tests/analysis/test_regression.py``
compares a fresh record with them (:func:`differences`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..running.result import run_scenario

# name: (scenario, days, seed)
CASES: dict[str, tuple[str, int, int]] = {
    "baseline_seed1": ("baseline", 365, 1),
    "wenheng_seed1": ("wenheng", 365, 1),
    "mmc_seed1": ("mmc", 365, 1),
}
CHECK_DAYS = (0, 30, 90, 180, 365)  # days of the daily series that are recorded
SERIES = ("open_issues", "hidden_issues", "resolved", "mean_trust", "self_driven")
REL_TOLERANCE = 1e-9  # room for libm rounding across machines, none for a change of behaviour


def record(scenario: str, days: int, seed: int) -> dict[str, Any]:
    """What a baseline holds of one run, as plain JSON values (a NaN summary value: None)."""
    result = run_scenario(scenario, days=days, seed=seed)
    ts = result.timeseries.set_index("day")
    return json.loads(json.dumps({
        "scenario": scenario,
        "days": days,
        "seed": seed,
        "summary": {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in result.summary.items()},
        "series": {col: {str(d): ts.loc[d, col].item() for d in CHECK_DAYS if d <= days}
                   for col in SERIES},
        "cases": len(result.cases),
    }))


def bless(folder: Path) -> list[Path]:
    """Run every case of :data:`CASES` and write its baseline into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, case in CASES.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(record(*case), indent=2) + "\n", encoding="utf-8")
        out.append(path)
    return out


def read(folder: Path, name: str) -> dict[str, Any]:
    """The blessed baseline ``name`` in ``folder``."""
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))


def differences(expected: dict[str, Any], got: dict[str, Any],
                rel: float = REL_TOLERANCE) -> list[str]:
    """Where ``got`` differs from the blessed ``expected``, one line each (empty: it matches).

    The top-level keys and the case count must be equal; so must whole numbers and text in
    the summary and series, and every other value to ``rel`` relative (1e-12 absolute near
    zero); None (NaN) only matches None.
    """
    if got.keys() != expected.keys():
        return [f"keys: {sorted(got)} instead of {sorted(expected)}"]
    out = []
    if got["cases"] != expected["cases"]:
        out.append(f"cases: {got['cases']} instead of {expected['cases']}")
    for section in ("summary", "series"):
        want, have = _flatten(expected[section]), _flatten(got[section])
        for key in sorted(want.keys() - have.keys()):
            out.append(f"{section}.{key}: missing")
        for key in sorted(have.keys() - want.keys()):
            out.append(f"{section}.{key}: not in the baseline")
        for key in sorted(want.keys() & have.keys()):
            if not _same(want[key], have[key], rel):
                out.append(f"{section}.{key}: {have[key]!r} instead of {want[key]!r}")
    return out


def _same(want: Any, have: Any, rel: float) -> bool:
    if want is None or have is None:
        return want is None and have is None
    if isinstance(want, str | int) and isinstance(have, str | int):
        return want == have  # text and whole numbers (counts) exactly
    return math.isclose(have, want, rel_tol=rel, abs_tol=1e-12)


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out
