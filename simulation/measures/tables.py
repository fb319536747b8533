"""The per-run tables, declared once: what a run gives besides its summary (the daily
series, each grid's state, every service point's load, the resolution curve, the case log),
each with how it is read from a finished model, how the districts of a city combine into
the city's table, and where it is written — ``gridgov run --out``'s file and a sweep's
per-run store.

The run record (:class:`simulation.running.runner.RunRecord`) holds them by name; the city
merge, a sweep's store and resume check and ``gridgov run``'s files all iterate
:data:`RUN_TABLES`. Adding a per-run table is one entry here and its test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import daily
from .tally import Tally


@dataclass(frozen=True)
class District:
    """What a city's merge needs of one district's run: its tables, residents and grid
    workers' hours a week."""

    tables: dict[str, Any]
    residents: int
    casework_hours: float


@dataclass(frozen=True)
class RunTable:
    """One per-run table (or series of values: the resolution curve is a list).

    ``collect(model, tally)`` reads it from a finished model; ``merge(districts, names,
    tally)`` combines a city's districts (in district order; ``tally`` is the city's merged
    tally) when every district holds the table (a city's case log is usually handed on
    district by district instead: :func:`simulation.running.city.run`).
    ``district_column``: a district's table gains a first column ``district`` (its name) as
    it arrives. ``run_file``: the CSV that ``gridgov
    run --out`` writes (None: none). ``sweep``: how a sweep keeps it for each run,
    "parquet" (``NAME/RUN_ID.parquet``) or "record" (in the run's record, ``runs/RUN_ID.
    json``, under NAME). ``on_request``: kept only when asked (``keep_cases``)."""

    name: str
    meaning: str
    collect: Callable[[Any, Tally], Any]
    merge: Callable[[Sequence[District], Sequence[str], Tally], Any]
    run_file: str | None
    sweep: str
    district_column: bool = False
    on_request: bool = False


def _merge_series(parts: Sequence[District], names: Sequence[str], tally: Tally
                  ) -> pd.DataFrame:
    return daily.merge([p.tables["timeseries"] for p in parts],
                       np.array([p.residents for p in parts], dtype=float),
                       np.array([p.casework_hours for p in parts], dtype=float))


def _merge_grids(parts: Sequence[District], names: Sequence[str], tally: Tally
                 ) -> pd.DataFrame:
    """The districts' grid tables as one, with grids, communities and streets numbered
    city-wide (district after district) and a ``district`` column."""
    frames, offsets = [], {"grid": 0, "community": 0, "street": 0}
    for d, p in enumerate(parts):
        g = p.tables["grids"].copy()
        sizes = {k: int(g[k].max()) + 1 if len(g) else 0 for k in offsets}
        for k in offsets:
            g[k] += offsets[k]
            offsets[k] += sizes[k]
        g.insert(1, "district", names[d])
        frames.append(g)
    return pd.concat(frames, ignore_index=True)


def _stack(name: str) -> Callable[[Sequence[District], Sequence[str], Tally], pd.DataFrame]:
    def stack(parts: Sequence[District], names: Sequence[str], tally: Tally) -> pd.DataFrame:
        return pd.concat([p.tables[name] for p in parts], ignore_index=True)
    return stack


RUN_TABLES: tuple[RunTable, ...] = (
    RunTable("timeseries", "the daily series, one row per day (simulation.measures.daily)",
             lambda model, tally: model.timeseries(), _merge_series, "timeseries.csv",
             "parquet"),
    RunTable("grids", "each grid's state at the end: place, residents, mean trust, open "
             "and hidden issues (simulation.measures.caselog.grid_state)",
             lambda model, tally: model.grid_state(), _merge_grids, None, "parquet"),
    RunTable("loads", "every service point's analytic and realised offered load "
             "(simulation.load)", lambda model, tally: model.loads(), _stack("loads"),
             "loads.csv", "parquet", district_column=True),
    RunTable("resolution_curve", "the share of the window's issues resolved within 0, 1, "
             "..., 60 working days of arising (Kaplan-Meier)",
             lambda model, tally: tally.resolution_curve(),
             lambda parts, names, tally: tally.resolution_curve(), None, "record"),
    RunTable("cases", "the case log: one row per issue with every timestamp "
             "(simulation.measures.caselog.case_log)", lambda model, tally: model.case_log(),
             _stack("cases"), "cases.csv", "parquet", district_column=True, on_request=True),
)


def kept_as_parquet(keep_cases: bool = True) -> tuple[str, ...]:
    """The tables a sweep keeps for each run as ``NAME/RUN_ID.parquet``, in order (the
    results folder's per-run folders); those kept only on request (the case log) only with
    ``keep_cases``."""
    return tuple(t.name for t in RUN_TABLES
                 if t.sweep == "parquet" and (keep_cases or not t.on_request))


def collect(model: Any, tally: Tally, keep: bool = False) -> dict[str, Any]:
    """Every per-run table of a finished ``model`` (those kept only on request with
    ``keep``), by name, in order."""
    return {t.name: t.collect(model, tally) for t in RUN_TABLES if keep or not t.on_request}


def merge(parts: Sequence[District], names: Sequence[str], tally: Tally) -> dict[str, Any]:
    """A city's per-run tables from its districts' (in district order), each by its rule;
    a table some district does not hold (a case log not kept) is left out."""
    return {t.name: t.merge(parts, names, tally) for t in RUN_TABLES
            if all(t.name in p.tables for p in parts)}


def label_district(tables: dict[str, Any], name: str) -> None:
    """Give a district's tables that carry one their ``district`` column (``name``)."""
    for t in RUN_TABLES:
        frame = tables.get(t.name)
        if t.district_column and frame is not None:
            frame.insert(0, "district", name)
