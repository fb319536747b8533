"""The layout of a sweep's results folder: every file's name, in one place.

Written by :mod:`simulation.sweeps.engine`, read back by
:mod:`simulation.analysis.report.results` (and through it by the comparison report, the
sensitivity analysis and the calibration)::

    experiment.toml            the experiment file as read
    design.json                the resolved design and seeds, with the design's fingerprint
                               (checked again on --resume)
    runs/RUN_ID.json           one record per finished run (written last: its presence
                               with status "ok" means the run is complete)
    timeseries/RUN_ID.parquet  the run's daily time series
    grids/RUN_ID.parquet       each grid's state at the end (trust, backlog; for maps)
    loads/RUN_ID.parquet       every service point's offered load (simulation.load)
    cases/RUN_ID.parquet       the run's case log (only with keep_cases)
    runs.csv, runs.parquet     one row per run (ids, seed, factors, metrics, status, error,
                               wall seconds), in run order
    resolution.parquet         per run, the share of the issues arising in the window
                               resolved within 0, 1, ..., 60 working days of arising
                               (Kaplan-Meier)
    timeseries.parquet         every run's time series in one long table (run_id, day, ...)
    manifest.json              the experiment, design, seeds, versions, times, run statuses
    report/                    the policy comparison (gridgov compare): report.html, PNGs
    sensitivity/               gridgov sensitivity: sensitivity.csv, sensitivity.png
    calibration/               gridgov calibrate: points.csv, posterior.csv, fitted.toml,
                               calibration.png, verify.toml, fit.csv
    verify/                    gridgov calibrate: the verification sweep (this same layout)
    .lock                      held by the sweep writing the folder (its process id)
    .gridgov-sweep.json        the ownership record: the files the sweep may overwrite

The per-run folders are those of the per-run tables a sweep keeps as Parquet
(:mod:`simulation.measures.tables`); ownership records (which files a command may overwrite)
are :mod:`simulation.support.ownership`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..measures.tables import kept_as_parquet
from ..support.errors import GridgovError
from ..support.ownership import Ownership, json_field


@dataclass(frozen=True)
class ResultsFolder:
    """The paths of one sweep's results folder ``root``."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def experiment(self) -> Path:
        """The experiment file as read (TOML)."""
        return self.root / "experiment.toml"

    @property
    def design(self) -> Path:
        """The resolved design, seeds and fingerprint (JSON)."""
        return self.root / "design.json"

    @property
    def manifest(self) -> Path:
        """Inputs, versions, times and run statuses (JSON)."""
        return self.root / "manifest.json"

    @property
    def runs_csv(self) -> Path:
        """One row per run (CSV)."""
        return self.root / "runs.csv"

    @property
    def runs_table(self) -> Path:
        """One row per run (Parquet; what the report reads)."""
        return self.root / "runs.parquet"

    @property
    def timeseries(self) -> Path:
        """Every finished run's daily series in one long table."""
        return self.root / "timeseries.parquet"

    @property
    def resolution(self) -> Path:
        """Every finished run's resolution curve in one long table."""
        return self.root / "resolution.parquet"

    @property
    def report(self) -> Path:
        """The comparison report's default folder."""
        return self.root / "report"

    @property
    def sensitivity(self) -> Path:
        """The sensitivity analysis's folder."""
        return self.root / "sensitivity"

    @property
    def calibration(self) -> Path:
        """The calibration's folder."""
        return self.root / "calibration"

    @property
    def verify(self) -> Path:
        """The calibration's verification sweep (a results folder of its own)."""
        return self.root / "verify"

    @property
    def lock(self) -> Path:
        """The lock file of the sweep writing the folder."""
        return self.root / ".lock"

    @property
    def records(self) -> Path:
        """The folder of per-run records."""
        return self.root / "runs"

    def record(self, run_id: str) -> Path:
        """Run ``run_id``'s record (JSON; written last)."""
        return self.records / f"{run_id}.json"

    def per_run(self, kind: str, run_id: str) -> Path:
        """Run ``run_id``'s table of ``kind`` (one of those a sweep keeps as Parquet:
        :func:`~simulation.measures.tables.kept_as_parquet`)."""
        kinds = kept_as_parquet()
        if kind not in kinds:
            raise ValueError(f"unknown per-run table {kind!r}; one of {', '.join(kinds)}")
        return self.root / kind / f"{run_id}.parquet"

    def folders(self, keep_cases: bool = False) -> list[Path]:
        """The sub-folders a sweep creates (those of tables kept on request, the case log,
        only with ``keep_cases``)."""
        kinds = ("runs", *kept_as_parquet(keep_cases))
        return [self.root / k for k in kinds]

    @property
    def summary_files(self) -> list[Path]:
        """The assembled tables and the manifest (what ``gridgov sweep`` says it wrote)."""
        return [self.runs_csv, self.runs_table, self.timeseries, self.resolution,
                self.manifest]

    @property
    def layout(self) -> list[str]:
        """What a sweep owns in its folder, as ownership entries (:class:`Ownership`)."""
        kinds = kept_as_parquet()
        return [*SWEEP_FILES, *(f"{k}/" for k in ("runs", *kinds)), "runs/*.json",
                *(f"{k}/*.parquet" for k in kinds)]

    def ownership(self) -> Ownership:
        """The sweep's ownership record; a folder written before records existed (its
        design.json names a fingerprint) is adopted as the sweep's."""
        return Ownership.open(self.root, "sweep", adopt=self.layout,
                              legacy=lambda root: json_field(root / "design.json",
                                                             "fingerprint") is not None)


# The files at a sweep folder's top level (what ResultsFolder names).
SWEEP_FILES = ("experiment.toml", "design.json", "manifest.json", "runs.csv", "runs.parquet",
               "timeseries.parquet", "resolution.parquet", ".lock")


class SweepError(GridgovError):
    """A problem that stops a sweep before it starts (one line for the user)."""
