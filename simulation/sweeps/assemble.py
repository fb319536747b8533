"""A sweep's tables, assembled from its runs in run order: the runs table (runs.csv,
runs.parquet) from each run's row, every run's daily series in one long table
(timeseries.parquet) and every run's resolution curve (resolution.parquet), streamed a
batch of runs at a time."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..measures.outcomes import OUTCOMES
from ..measures.survival import CURVE_WORKING_DAYS
from ..support.storage import temporary_file
from .experiment import Experiment, RunSpec
from .folder import ResultsFolder
from .records import Rows, read_record

# assemble writes the daily series and the resolution curves a batch of runs at a time (one
# Parquet row group each): this many runs, or fewer whose series reach this many rows. A
# batch holds ~18 kB a run and ~280 B a row (~30 MB for 1,000 runs of 30 days, ~75 MB for
# 250,000 rows); each row group's metadata stays in memory until its file is closed
# (~14 kB for the series, ~3 kB for the curves), so batches are not made smaller.
ASSEMBLE_BATCH_RUNS = 1_000
ASSEMBLE_BATCH_ROWS = 250_000


def assemble(folder: ResultsFolder, experiment: Experiment,
             runs: list[RunSpec] | None = None, rows: Rows | None = None) -> pd.DataFrame:
    """Build runs.csv / runs.parquet / timeseries.parquet / resolution.parquet from the
    runs' rows (``rows``: kept as each run's record was read or written; None: read from
    the folder's records, once each) and their per-run series (``runs``: the experiment's,
    in order, if None). A finished run whose series
    cannot be read is listed in ``table.attrs["series_missing"]`` (and the manifest), not
    skipped quietly.

    The long tables are streamed (:class:`_ParquetStream`: a batch of runs at a time,
    :data:`ASSEMBLE_BATCH_RUNS`), so only the runs table grows with the runs; the files are
    what one ``pd.concat`` of every run's frame would give. Each table goes to a temporary
    file renamed into place at the end: an interrupted assembly leaves the previous tables
    as they were."""
    runs = experiment.runs() if runs is None else runs
    reading = rows is None
    rows = Rows(experiment) if rows is None else rows
    missing: list[str] = []
    series, quantiles = _ParquetStream(folder.timeseries), _ParquetStream(folder.resolution)
    staged: list[tuple[Path, Path]] = []  # (temporary file, table) written, to rename
    batch: list[pd.DataFrame] = []
    curves: list[pd.DataFrame] = []
    table_rows: list[tuple[Any, ...]] = []
    held = batch_rows = 0
    try:
        for run in runs:
            if held >= ASSEMBLE_BATCH_RUNS or batch_rows >= ASSEMBLE_BATCH_ROWS:
                series.write(batch)
                quantiles.write(curves)
                held = batch_rows = 0
            held += 1
            if reading:
                rows.add(run, read_record(folder.record(run.run_id)))
            table_rows.append(rows.row(run))
            q = rows.curves.get(run.run_id)
            if q is not None:
                curves.append(pd.DataFrame({"run_id": run.run_id,
                                            "working_days": CURVE_WORKING_DAYS,
                                            "share_resolved": q}))
            if rows.status.get(run.run_id) == "ok":
                try:
                    ts = pd.read_parquet(folder.per_run("timeseries", run.run_id))
                except (OSError, ValueError, pa.ArrowException):
                    missing.append(run.run_id)
                    continue
                ts.insert(0, "run_id", run.run_id)
                batch.append(ts)
                batch_rows += len(ts)
        series.write(batch)
        quantiles.write(curves)
        # (as pd.DataFrame of the rows as dicts: the same inference of each column's dtype)
        table = pd.DataFrame(table_rows, columns=rows.columns)
        del table_rows
        # finished runs whose daily series is missing or unreadable (said, never skipped
        # quietly)
        table.attrs["series_missing"] = missing
        for m in OUTCOMES:  # counts stay integers even where a failed run leaves a gap
            if m in rows.integer_metrics and m not in rows.float_metrics:
                table[m] = table[m].astype("Int64")
        staged.append((temporary_file(folder.runs_csv), folder.runs_csv))
        table.to_csv(staged[-1][0], index=False, encoding="utf-8")  # as it is formatted
        staged.append((temporary_file(folder.runs_table), folder.runs_table))
        table.to_parquet(staged[-1][0], index=False)
        staged += [(tmp, s.path) for s in (series, quantiles)  # (only if any run had one)
                   if (tmp := s.close()) is not None]
        for tmp, path in staged:  # all written: each replaces its table
            os.replace(tmp, path)
        staged.clear()
    finally:  # what an interrupted assembly had written (the previous tables stay)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        series.discard()
        quantiles.discard()
    return table


class _ParquetStream:
    """A long table written to ``path`` one batch of frames at a time (each a row group)
    to a temporary file beside it: :meth:`close` ends it and hands it over (None if no
    batch came), :meth:`discard` deletes it.

    Its columns and dtypes are those of ``pd.concat`` of every frame: those of the first
    batch, widened (the file so far rewritten, one row group at a time) if a later batch
    brings columns or dtypes that ``pd.concat`` would combine into others."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp: Path | None = None
        self.writer: pq.ParquetWriter | None = None
        self.sample: pd.DataFrame | None = None  # one row with the table's dtypes

    def write(self, frames: list[pd.DataFrame]) -> None:
        """Write ``frames`` (concatenated) as one row group, and empty the list."""
        if not frames:
            return
        frame = pd.concat(frames, ignore_index=True)
        frames.clear()
        if self.sample is None:
            self._open(frame.iloc[:1].copy())  # (a copy: a view would keep the batch)
        elif not (frame.columns.equals(self.sample.columns)
                  and frame.dtypes.equals(self.sample.dtypes)):
            self._widen(frame.iloc[:1])
            frame = _cast(frame, self.sample)
        self._write(frame)

    def close(self) -> Path | None:
        """End the file (its footer) and hand it over: its temporary path, None if no
        batch was written."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        tmp, self.tmp = self.tmp, None
        return tmp

    def discard(self) -> None:
        """Delete what was written (if not handed over)."""
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
            self.writer = None
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None

    def _open(self, sample: pd.DataFrame) -> None:
        self.sample = sample
        self.tmp = temporary_file(self.path)
        schema = pa.Schema.from_pandas(sample, preserve_index=False)
        self.writer = pq.ParquetWriter(self.tmp, schema)

    def _write(self, frame: pd.DataFrame) -> None:
        assert self.writer is not None
        self.writer.write_table(pa.Table.from_pandas(frame, schema=self.writer.schema,
                                                     preserve_index=False))

    def _widen(self, sample: pd.DataFrame) -> None:
        """Take the dtypes ``pd.concat`` gives the table so far and ``sample``, and write
        what was written again with them."""
        assert self.sample is not None and self.writer is not None and self.tmp is not None
        self.writer.close()
        old, self.writer, self.tmp = self.tmp, None, None
        try:
            self._open(pd.concat([self.sample, sample], ignore_index=True).iloc[:1])
            with pq.ParquetFile(old) as written:
                for i in range(written.num_row_groups):
                    self._write(_cast(written.read_row_group(i).to_pandas(), self.sample))
        finally:
            old.unlink(missing_ok=True)


def _cast(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns (missing ones empty) and dtypes of ``like``."""
    frame = frame.reindex(columns=like.columns)
    return frame.astype(like.dtypes.to_dict())


