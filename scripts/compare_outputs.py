"""Compare two trees of outputs written by ``scripts/reference_outputs.sh`` (one checkout
before a change, one after): tables exactly (``assert_frame_equal(check_exact=True)``,
wall-clock columns aside), run records without their wall time, CLI output and report HTML
(and TOML files, which name the experiment file they came from) with timings, dates and
the two trees' and checkouts' paths masked, every other file byte for byte (PNG
figures aside: drawn from identical tables, their bytes may carry metadata). Prints the
number of files checked and each difference; exit status 1 if any.

    python scripts/compare_outputs.py BEFORE AFTER [--repos REPO_BEFORE REPO_AFTER]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

TIMES = {"wall_seconds", "build_seconds", "run_seconds", "worker_peak_rss_mib",
         "collect_seconds"}
SKIP = {"manifest.json", ".lock"}  # versions, wall times, the machine


def frame(path: Path) -> pd.DataFrame:
    """A table without its wall-clock columns."""
    df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    return df.drop(columns=[c for c in df.columns if c in TIMES])


def mask(text: str, root: Path, repos: list[str]) -> str:
    """Text with paths, timings, dates and process ids replaced, and progress lines sorted
    (their order depends on the workers)."""
    text = text.replace(str(root), "ROOT")
    for repo in repos:
        text = text.replace(repo, "REPO")
    for pattern, value in ((r"\d+(\.\d+)? s\b", "N s"), (r"\d+(\.\d+)?s\b", "Ns"),
                           (r"report made [^.<]*", "report made T"),
                           (r"gridgov commit \w+", "gridgov commit C"),
                           (r"\d{4}-\d\d-\d\d[ T][\d:]+( UTC|\+00:00)?", "T"),
                           (r"(process|pid) \d+", r"\1 N")):
        text = re.sub(pattern, value, text)
    lines = text.splitlines()
    progress = re.compile(r"^\[\d+/\d+\]")
    ordered = sorted(re.sub(r"^\[\d+/", "[", line) for line in lines if progress.match(line))
    return "\n".join([line for line in lines if not progress.match(line)] + ordered)


def differences(a: Path, b: Path, repos: list[str]) -> tuple[int, list[str]]:
    """(files checked, differences) between the trees ``a`` and ``b``."""
    bad: list[str] = []
    checked = 0
    for pa in sorted(p for p in a.rglob("*") if p.is_file()):
        rel = pa.relative_to(a)
        pb = b / rel
        if pa.name.startswith(".gridgov-") or pa.name in SKIP:
            continue
        if not pb.exists():
            bad.append(f"missing: {rel}")
            continue
        checked += 1
        try:
            if pa.suffix == ".parquet" or pa.name in ("runs.csv", "districts.csv"):
                assert_frame_equal(frame(pa), frame(pb), check_exact=True)
            elif pa.suffix == ".json" and pa.parent.name == "runs":
                da, db = json.loads(pa.read_text()), json.loads(pb.read_text())
                for d in (da, db):
                    d.pop("wall_seconds", None)
                assert da == db, "record differs"
            elif pa.suffix == ".png":
                continue
            elif rel.parts[0] == "cli" or pa.name == "report.html" or pa.suffix == ".toml":
                ta, tb = mask(pa.read_text(), a, repos), mask(pb.read_text(), b, repos)
                if ta != tb:
                    diff = difflib.unified_diff(ta.splitlines(), tb.splitlines(),
                                                lineterm="", n=0)
                    bad.append(f"text differs: {rel}\n" + "\n".join(list(diff)[:12]))
            elif pa.read_bytes() != pb.read_bytes():
                bad.append(f"bytes differ: {rel}")
        except AssertionError as exc:
            bad.append(f"table differs: {rel}: {str(exc)[:300]}")
    for pb in sorted(p for p in b.rglob("*") if p.is_file()):
        if not (a / pb.relative_to(b)).exists() and not pb.name.startswith(".gridgov-"):
            bad.append(f"extra: {pb.relative_to(b)}")
    return checked, bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--repos", nargs=2, default=[], metavar=("REPO_BEFORE", "REPO_AFTER"),
                    help="the two checkouts, masked where outputs name them")
    args = ap.parse_args()
    checked, bad = differences(args.before, args.after, [str(r) for r in args.repos])
    print(f"checked {checked} files; {len(bad)} differences")
    for line in bad:
        print(" -", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
