"""The sweep plan, shared by ``gridgov sweep`` (and sensitivity, calibrate) and the Python
API (:func:`simulation.run_sweep`): before any run starts, what the sweep is (every run,
its design's fingerprint), whether its folder may take it, what is already done (each run
record read once, on ``resume``), how many runs go at once, whether memory and disk
suffice (:mod:`simulation.sweeps.needs`), and what to tell the user. The command line
prints the notices as ``gridgov: warning:`` lines; the API issues them as Python warnings.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from ..measures.tables import kept_as_parquet
from ..running.executors import Backend
from ..running.memory import Workers, cluster_notices
from ..scenarios import get_scenario
from ..support.ownership import json_field
from .experiment import Experiment, RunSpec
from .folder import SWEEP_FILES, ResultsFolder, SweepError
from .needs import SweepNeeds, check_disk, fit_sweep, sweep_needs
from .records import Rows, complete, read_records


@dataclass
class SweepPlan:
    """A sweep ready to run: its ``runs`` (in order), those still ``todo``, the ``rows`` of
    the runs table kept so far (from the records a resumed sweep keeps), each run's status
    as recorded when the sweep starts, where it runs (``workers`` local processes, a Dask
    ``scheduler`` or a given ``executor``), what it needs (None with ``force``) and the
    ``notices`` for the user before the first run."""

    experiment: Experiment
    folder: ResultsFolder
    runs: list[RunSpec]
    fingerprint: str
    resume: bool
    keep_cases: bool
    rows: Rows
    recorded: dict[str, str]  # run id -> status recorded before this session
    todo: list[RunSpec]
    workers: int | None = None
    scheduler: str | None = None
    executor: cf.Executor | None = None
    needs: SweepNeeds | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        """Runs already done (kept from an earlier session)."""
        return len(self.runs) - len(self.todo)

    def statuses(self) -> pd.DataFrame:
        """Each run's id and recorded status as the session starts (the manifest's)."""
        return pd.DataFrame({"run_id": [r.run_id for r in self.runs],
                             "status": [self.recorded.get(r.run_id, "not run")
                                        for r in self.runs]})

    def cluster_notices(self, backend: Backend) -> list[str]:
        """On a Dask cluster, once connected: TooBig if no worker can hold a run; a notice
        if some cannot hold one on each of their threads."""
        return [] if self.needs is None else cluster_notices(backend.client, self.needs.run)


def plan_sweep(experiment: Experiment, out: str | Path, *, workers: int | None = None,
               scheduler: str | None = None, executor: cf.Executor | None = None,
               resume: bool = False, keep_cases: bool = False, force: bool = False,
               guard: bool = True) -> SweepPlan:
    """Plan ``experiment``'s sweep into ``out``: refuse a folder that cannot take it
    (:func:`check_folder`), keep what a resumed sweep keeps (each record read once), and
    — with ``guard``, unless ``force`` or a given ``executor`` — size it: local ``workers``
    at most the usable cores and as many runs as fit in memory at once (a notice if fewer
    than asked), TooBig / NoRoom if one run, the sweep itself or its results cannot fit.
    The lever warnings of the experiment are notices too."""
    folder = ResultsFolder(Path(out))
    notices: list[str] = []
    recorded: dict[str, str] = {}
    rows = Rows(experiment)
    if resume and folder.records.is_dir():
        runs = experiment.runs()
        fingerprint = design_fingerprint(experiment, runs)
        check_folder(folder, fingerprint, resume)
        specs = {r.run_id: r for r in runs}
        for run_id, record in read_records(folder).items():
            if run_id in specs:
                recorded[run_id] = record["status"]
                if complete(folder, record, specs[run_id], keep_cases):
                    rows.add(specs[run_id], record)
        todo_count = len(runs) - len(rows.rows)
    else:
        runs, todo_count = [], experiment.run_count  # the guards come before the run list
    needs = None
    if guard and not force and executor is None:
        needs = sweep_needs(experiment, todo_count, keep_cases)
        if scheduler is not None:  # the cluster's workers hold the runs: checked once open
            fit_sweep(needs, 1, cluster=True)
            check_disk(needs.disk, folder.root)
        else:
            counted = Workers.of(workers)
            fit = fit_sweep(needs, counted.used)
            counted.lower(fit.workers, fit.why)
            check_disk(needs.disk, folder.root)
            notices += counted.notices("run")
            workers = counted.used
    if not runs:  # (a million runs take 0.5 GB and 20 s: after the guards)
        runs = experiment.runs()
        fingerprint = design_fingerprint(experiment, runs)
        check_folder(folder, fingerprint, resume)
    todo = [r for r in runs if r.run_id not in rows.rows]
    return SweepPlan(experiment, folder, runs, fingerprint, resume, keep_cases, rows,
                     recorded, todo, workers, scheduler, executor, needs,
                     notices + list(experiment.warnings))


def design_fingerprint(experiment: Experiment, runs: list[RunSpec] | None = None) -> str:
    """A hash of everything that determines the runs (to refuse a mismatched --resume):
    every run's inputs and seed, and the scenario's resolved defaults of the keys the design
    does not set itself (so new defaults, e.g. from a calibration, do not mix with runs made
    under the old ones, while a calibration's own folder stays valid after its fit is
    adopted: its [ranges] override the keys it fits)."""
    own = {*experiment.fixed, *experiment.factor_names,
           *(k for pol in experiment.policies for k in pol.values)}
    defaults = {k: v for k, v in get_scenario(experiment.scenario).parameters({}).items()
                if k not in own}
    runs = experiment.runs() if runs is None else runs
    # The SHA-256 of json.dumps({"runs": [asdict(r) ...], "scenario_defaults": defaults},
    # sort_keys=True, default=str), fed run by run so a large design is never one string.
    digest = hashlib.sha256(b'{"runs": [')
    for i, run in enumerate(runs):
        digest.update(((", " if i else "") + json.dumps(asdict(run), sort_keys=True,
                                                          default=str)).encode())
    digest.update(b'], "scenario_defaults": ')
    digest.update(json.dumps(defaults, sort_keys=True, default=str).encode())
    digest.update(b"}")
    return digest.hexdigest()


def check_folder(folder: ResultsFolder, fingerprint: str, resume: bool) -> None:
    """Refuse an output folder that is a file, holds a path the sweep would write that is
    not the sweep's own (:class:`~simulation.sweeps.folder.Ownership`), or holds another
    sweep (or this one without --resume). An unreadable design.json falls back on the
    manifest's fingerprint; with neither, --resume keeps only the records that match
    their runs (:func:`.records.complete`)."""
    out = folder.root
    if out.exists() and not out.is_dir():
        raise SweepError(f"--out {str(out)!r} is a file, not a folder")
    # (the lock has its own protocol: acquire_lock)
    folder.ownership().check([*(f for f in SWEEP_FILES if f != folder.lock.name),
                              *(f"{k}/" for k in ("runs", *kept_as_parquet()))])
    if not folder.design.exists():
        return
    previous = _fingerprint(folder.design)
    if previous is None:
        previous = _fingerprint(folder.manifest)
    if not resume:
        raise SweepError(f"{out} already holds results of a sweep; add --resume to "
                         "continue it, or choose another --out")
    if previous is not None and previous != fingerprint:
        raise SweepError(f"{out} holds a different experiment (design, seeds or the "
                         "scenario's default parameters changed); choose another --out")


def _fingerprint(path: Path) -> str | None:
    """The design fingerprint recorded in ``path`` (design.json or manifest.json), or
    None if it is missing or unreadable."""
    value = json_field(path, "fingerprint")
    return value if isinstance(value, str) else None


def overloaded_notice(table: pd.DataFrame) -> str | None:
    """The policies (and design points) whose runs have an overloaded service point, in
    one line (None if none)."""
    if "overloaded_points" not in table:
        return None
    bad = table[(table.status == "ok") & (table.overloaded_points.fillna(0) > 0)]
    if bad.empty:
        return None
    arms = sorted({f"{r.policy}" + (f" at p{int(r.point):04d}" if table.point.nunique() > 1
                                    else "") for r in bad.itertuples()})
    shown = ", ".join(arms[:6]) + (f" and {len(arms) - 6} more" if len(arms) > 6 else "")
    return (f"{len(bad)} of {len(table)} runs are overloaded (a service point's analytic "
            f"offered load >= 1, up to {bad.max_offered_load.max():.2f}): {shown}; their "
            "time measures depend on the run length (loads/ per run)")


def missing_series_notice(table: pd.DataFrame) -> str | None:
    """The finished runs whose daily series could not be read, in one line (None if
    none)."""
    missing = table.attrs.get("series_missing") or []
    if not missing:
        return None
    return (f"{len(missing)} finished run(s) have no readable daily series "
            f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}): "
            "timeseries.parquet leaves them out; add --resume to run them again")


def failure_notice(table: pd.DataFrame, out: Path) -> str | None:
    """The failed runs in one line (None if none)."""
    failed = table[table.status != "ok"]
    if not len(failed):
        return None
    ids = ", ".join(failed.run_id[:10]) + (" ..." if len(failed) > 10 else "")
    return (f"{len(failed)} of {len(table)} runs failed: {ids} (errors in {out}/runs.csv; "
            "rerun them with --resume)")
