"""Progress shown to the user: plain lines with failures and time left, a bar weighted by
each task's share of the work that moves with the days the tasks report."""

from __future__ import annotations

import io
import queue

import pytest

from simulation.running.progress import (
    PROGRESS_DAYS,
    BarProgress,
    LineProgress,
    NoProgress,
    day_reporter,
    make_progress,
)


def test_plain_lines_count_done_and_failed_and_say_the_time_left() -> None:
    out = io.StringIO()
    progress = LineProgress(3, stream=out)
    progress.done("a", "ok in 1.0 s")
    progress.done("b", "failed (ValueError: x) in 0.5 s", ok=False)
    progress.done("c", "ok in 1.0 s")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1/3] a ok in 1.0 s; 0 failed; ")
    assert lines[1].startswith("[2/3] b failed (ValueError: x) in 0.5 s; 1 failed; ")
    assert lines[0].endswith(" s left") and lines[2].endswith("0 s left")


def test_a_resumed_batch_counts_from_what_was_done() -> None:
    out = io.StringIO()
    progress = LineProgress(10, initial=7, stream=out)
    progress.done("x")
    assert out.getvalue().startswith("[8/10] x ")
    assert progress.finished == 8 and progress.failed == 0


def test_no_progress_counts_but_shows_nothing(capsys) -> None:
    progress = NoProgress(2)
    progress.done("a", ok=False)
    assert progress.failed == 1 and capsys.readouterr() == ("", "")


def test_the_weighted_bar_moves_with_each_task_s_days() -> None:
    bar = BarProgress(2, unit="district", weights=[1.0, 3.0], days=10)
    try:
        bar.advance(1, 5)  # the larger task half way: 3/4 x 1/2 of the work
        assert bar.bar.n == pytest.approx(37.5)
        bar.advance(1, 4)  # days never go back
        assert bar.bar.n == pytest.approx(37.5)
        bar.done("small", task=0)  # a finished task counts whole
        assert bar.bar.n == pytest.approx(62.5) and bar.finished == 1
        assert isinstance(bar.day_queue(), queue.Queue)  # inline tasks reach it
    finally:
        bar.close()


def test_remote_tasks_get_no_queue_and_plain_progress_off_a_terminal() -> None:
    bar = BarProgress(1, weights=[1.0], days=5, reach="remote")
    assert bar.day_queue() is None
    bar.close()
    assert isinstance(make_progress(4, terminal=False), LineProgress)
    assert make_progress(4, terminal=False).day_queue() is None


def test_a_task_reports_every_progress_days_and_its_last_day() -> None:
    q: queue.Queue = queue.Queue()
    report = day_reporter(q, task=2, days=16)
    for day in range(1, 17):
        report(day)
    got = [q.get_nowait() for _ in range(q.qsize())]
    assert got == [(2, PROGRESS_DAYS), (2, 2 * PROGRESS_DAYS), (2, 16)]
    assert day_reporter(None, 0, 5) is None
