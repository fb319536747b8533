"""Re-bless the fixed-seed regression baselines after an intended change of the model.

    python scripts/bless_baseline.py    (or: make bless)

Writes tests/baselines/*.json: the summary and a few time-series points of each case in
simulation.analysis.baselines.CASES. Review `git diff tests/baselines` and explain the change in the
commit message.
"""

from __future__ import annotations

from pathlib import Path

from simulation.analysis.baselines import bless

BASELINES = Path(__file__).resolve().parents[1] / "tests" / "baselines"


def main() -> None:
    for path in bless(BASELINES):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
