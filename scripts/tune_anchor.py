"""Find the trust anchor at which a scenario's status quo keeps its trust flat.

    python scripts/tune_anchor.py [SCENARIO] [--replications 12] [--workers 2]

Trust drifts toward ``trust.anchor`` between experiences; residents' experiences of
service (cases closed fast or late, unresolved problems) push it away. The status quo is
flat when the two balance at the initial mean. This script finds that anchor: for each
candidate it runs the status quo for three years (``--replications`` seeds, common to
every candidate), takes the least-squares slope of mean trust over years 2-3 (days
365-1095, per year) of each run, and bisects on the median slope (it rises with the
anchor). It prints every candidate and the anchor (to 0.005) whose median |slope| is
smallest, and whether that lies in the parameter's plausible range: a value outside it
means the model's service, not the anchor, should be revisited. Takes a few minutes on
2 cores for the baseline.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from simulation import load_scenario
from simulation.model import GridGovernanceModel
from simulation.parameters import PARAM_INDEX
from simulation.seeds import replication_seeds

DAYS = 3 * 365
TARGET = 0.002  # |median slope| per year that counts as flat (issue 24)


def slope(args: tuple[str, float, int]) -> float:
    """Mean trust's least-squares slope over days 365-1095 of one run, per year."""
    scenario, anchor, seed = args
    params = load_scenario(scenario, {"trust.anchor": anchor})
    model = GridGovernanceModel(params, seed=seed).run(DAYS)
    ts = model.timeseries()
    years = ts[ts.day >= 365]
    return float(np.polyfit(years.day.to_numpy() / 365.0, years.mean_trust.to_numpy(), 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="baseline")
    ap.add_argument("--replications", type=int, default=12)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2024, help="base seed of the replications")
    ap.add_argument("--bracket", type=float, nargs=2, metavar=("LOW", "HIGH"),
                    help="search only this interval (inside the plausible range; default: "
                         "the whole plausible range)")
    args = ap.parse_args()
    seeds = replication_seeds(args.seed, args.replications)
    plausible = PARAM_INDEX["trust.anchor"].plausible
    seen: dict[float, float] = {}
    with ProcessPoolExecutor(args.workers) as pool:
        def median(anchor: float) -> float:
            anchor = round(anchor, 4)
            if anchor not in seen:
                slopes = list(pool.map(slope, [(args.scenario, anchor, s) for s in seeds]))
                seen[anchor] = float(np.median(slopes))
                print(f"anchor {anchor:.4f}: median slope {seen[anchor]:+.5f}/year "
                      f"(replications {min(slopes):+.4f} .. {max(slopes):+.4f})", flush=True)
            return seen[anchor]

        lo, hi = args.bracket or (plausible.low, plausible.high)
        if not plausible.low <= lo < hi <= plausible.high:
            raise SystemExit(f"--bracket must lie inside [{plausible.low}, {plausible.high}]")
        if median(lo) > 0 or median(hi) < 0:
            print(f"no flat anchor in the plausible range [{lo}, {hi}]")
            return
        while hi - lo > 0.005:
            mid = (lo + hi) / 2
            if median(mid) < 0:
                lo = mid
            else:
                hi = mid
        best = round(round((lo + hi) / 2 / 0.005) * 0.005, 4)
        value = median(best)
    flat = "flat" if abs(value) <= TARGET else f"NOT flat (|slope| > {TARGET})"
    print(f"trust.anchor = {best} for {args.scenario}: median slope {value:+.5f}/year, "
          f"{flat}; plausible range [{plausible.low}, {plausible.high}]")


if __name__ == "__main__":
    main()
