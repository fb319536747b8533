"""Re-bless the fixed-seed regression baselines after an intended change of the model.

    python scripts/bless_baseline.py    (or: make bless)

Writes tests/baselines/*.json: the summary and a few time-series points of each case in
CASES. Review `git diff tests/baselines` and explain the change in the commit message.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from simulation import run_scenario

BASELINES = Path(__file__).resolve().parents[1] / "tests" / "baselines"
# name: (scenario, days, seed)
CASES: dict[str, tuple[str, int, int]] = {
    "baseline_seed1": ("baseline", 365, 1),
    "wenheng_seed1": ("wenheng", 365, 1),
    "mmc_seed1": ("mmc", 365, 1),
}
CHECK_DAYS = (0, 30, 90, 180, 365)
SERIES = ("open_issues", "hidden_issues", "resolved", "mean_trust", "self_driven")


def snapshot(scenario: str, days: int, seed: int) -> dict[str, Any]:
    """What the regression test compares."""
    result = run_scenario(scenario, days=days, seed=seed)
    ts = result.timeseries.set_index("day")
    return {
        "scenario": scenario,
        "days": days,
        "seed": seed,
        "summary": {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in result.summary.items()},
        "series": {col: {str(d): ts.loc[d, col].item() for d in CHECK_DAYS if d <= days}
                   for col in SERIES},
        "cases": len(result.cases),
    }


def main() -> None:
    BASELINES.mkdir(parents=True, exist_ok=True)
    for name, case in CASES.items():
        path = BASELINES / f"{name}.json"
        path.write_text(json.dumps(snapshot(*case), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
