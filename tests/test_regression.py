"""Fixed-seed regression: runs must reproduce the blessed baselines.

A failure means the model's numbers changed. If the change is intended, run
`make bless` (scripts/bless_baseline.py), review `git diff tests/baselines`, and say why in
the commit. Integers must match exactly; floats to 1e-9 relative (room for libm rounding
across machines, none for a change of behaviour).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from bless_baseline import BASELINES, CASES, snapshot


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_blessed_baseline(name: str) -> None:
    expected = json.loads((BASELINES / f"{name}.json").read_text(encoding="utf-8"))
    got = json.loads(json.dumps(snapshot(*CASES[name])))
    assert got.keys() == expected.keys()
    assert got["cases"] == expected["cases"]
    for section in ("summary", "series"):
        assert _flatten(got[section]) == pytest.approx(_flatten(expected[section]), rel=1e-9,
                                                       nan_ok=True), section


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = float("nan") if v is None else v
    return out
