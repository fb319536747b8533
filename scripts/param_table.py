"""Write the parameter tables of docs/model.md from the registry (simulation/parameters.py).

    python scripts/param_table.py          # rewrite the tables between the markers
    python scripts/param_table.py --check  # exit 1 if docs/model.md is out of date

The tables sit between ``<!-- params:start -->`` and ``<!-- params:end -->``; the test
suite checks them too, so the docs cannot drift from the code. The rendering is
:mod:`simulation.faces.parameter_table`; this script only reads and writes the file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.faces.parameter_table import render

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"
EXPERIMENTS = ROOT / "experiments"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = DOC.read_text(encoding="utf-8")
    try:
        new = render(text, EXPERIMENTS)
    except ValueError as exc:
        raise SystemExit(f"{DOC}: {exc}") from None
    if args.check:
        if new != text:
            print(f"{DOC} is out of date: run python scripts/param_table.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
