"""The one place a model is run: run_model's record is what the model itself gives, its
hooks see every day and the finished model, and it travels whole to another process."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
from conftest import SMALL

from simulation import GridGovernanceModel, load_scenario
from simulation.measures.outcomes import summarise
from simulation.running.runner import RunRecord, run_model
from simulation.seeds import stream_seed_records

DAYS = 60


@pytest.fixture(scope="module")
def params():
    return load_scenario("baseline", SMALL)


@pytest.fixture(scope="module")
def record(params) -> RunRecord:
    return run_model(params, seed=4, days=DAYS, warmup_days=10, followup_days=5,
                     keep_cases=True)


def test_the_record_is_what_the_model_gives(params, record: RunRecord) -> None:
    model = GridGovernanceModel(params, seed=4, warmup_days=10).run(DAYS)
    expected = summarise(model.tally(5), model.timeseries())
    assert record.summary.keys() == expected.keys()
    for key, value in expected.items():  # equal to the bit, NaN where undefined
        got = record.summary[key]
        assert got == value or (got != got and value != value), key
    pd.testing.assert_frame_equal(record.timeseries, model.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(record.grids, model.grid_state(), check_exact=True)
    pd.testing.assert_frame_equal(record.loads, model.loads(), check_exact=True)
    pd.testing.assert_frame_equal(record.cases, model.case_log(), check_exact=True)
    assert record.stream_seeds == stream_seed_records(model.streams.seeds)
    assert record.events == model.queue.scheduled > 0
    assert record.casework_hours == model.working_hours_per_week > 0
    assert record.warnings == list(model.warnings)
    assert len(record.resolution_curve) == 61 and record.resolution_curve == sorted(
        record.resolution_curve)  # a cumulative share: never falls
    assert record.tally.residents == record.summary["residents"]
    assert record.districts is None and record.extra == {}


def test_times_are_split_and_add_up(record: RunRecord) -> None:
    parts = (record.build_seconds, record.run_seconds, record.collect_seconds)
    assert all(t > 0 for t in parts)
    assert record.wall_seconds >= sum(parts)  # plus freeing the model
    assert record.peak_rss_bytes > 0


def test_the_case_log_only_on_request(params) -> None:
    assert run_model(params, seed=4, days=5).cases is None


def test_on_day_sees_every_day_and_inspect_the_finished_model(params) -> None:
    days = []
    record = run_model(params, seed=1, days=12, on_day=days.append,
                       inspect=lambda m: {"day": m.day, "issues": len(m.issues)})
    assert days == list(range(1, 13))
    assert record.extra["day"] == 12 and record.extra["issues"] >= record.summary[
        "issues_arisen"]


def test_the_record_travels_whole(record: RunRecord) -> None:
    back = pickle.loads(pickle.dumps(record))
    assert back.summary.keys() == record.summary.keys()
    pd.testing.assert_frame_equal(back.timeseries, record.timeseries)
    assert back.stream_seeds == record.stream_seeds
