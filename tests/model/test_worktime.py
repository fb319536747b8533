"""Unit tests of simulation/worktime.py ``Calendar``.

Time is in days; day 0 is Monday 00:00. The default calendar is open 9:00-17:00, Mon-Fri.
"""

from __future__ import annotations

import contextlib
import math
import signal
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.worktime import Calendar

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)

H = 1.0 / 24.0  # one hour in days
OFFICE = Calendar(9.0, 17.0)
PART_TIME = Calendar(9, 13)
SIX_DAY = Calendar(8.0, 18.0, workdays=6)
ALWAYS = Calendar(0.0, 24.0, workdays=7, always=True)
CALENDARS = [OFFICE, PART_TIME, SIX_DAY]


def at(day: int, hour: float) -> float:
    """Model time of ``hour`` o'clock on ``day`` (0 = Monday of week 0)."""
    return day + hour / 24.0


def hour_of(t: float) -> float:
    return (t - math.floor(t)) * 24.0


def in_window_or_at_close(cal: Calendar, t: float, tol_hours: float = 1e-9) -> bool:
    """True if ``t`` is on a working day with its hour in [open, close] (close included)."""
    day = math.floor(t)
    hour = hour_of(t)
    if hour > 24.0 - tol_hours:  # rounding put us just below midnight of the next day
        day, hour = day + 1, 0.0
    return (day % 7 < cal.workdays
            and cal.open_hour - tol_hours <= hour <= cal.close_hour + tol_hours)


def canonical(cal: Calendar, t: float, tol_hours: float = 1e-6) -> float:
    """Map a moment at closing time to the next opening: both are the same working instant."""
    day = math.floor(t + tol_hours * H)
    hour = (t - day) * 24.0
    if day % 7 < cal.workdays and abs(hour - cal.close_hour) <= tol_hours:
        return cal.next_open(day + (cal.close_hour + 2 * tol_hours) / 24.0)
    return t


@contextlib.contextmanager
def time_limit(seconds: float):
    """Fail instead of hanging if the body runs longer than ``seconds`` (POSIX only)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s (infinite loop?)")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------------------- properties


def test_hours_per_day_and_week():
    assert OFFICE.hours_per_day == 8.0
    assert OFFICE.hours_per_week == 40.0
    assert PART_TIME.hours_per_day == 4.0
    assert SIX_DAY.hours_per_week == 60.0
    assert ALWAYS.hours_per_day == 24.0
    assert ALWAYS.hours_per_week == 168.0


# ------------------------------------------------------------------------ is_open / next_open


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (at(0, 8.0), False),  # Monday before opening
        (at(0, 9.0), True),  # opening is open
        (at(0, 12.0), True),
        (at(0, 16.99), True),
        (at(0, 17.0), False),  # closing counts as closed
        (at(0, 17.5), False),
        (at(2, 3.0), False),  # Wednesday night
        (at(4, 12.0), True),  # Friday noon
        (at(4, 17.5), False),  # Friday evening
        (at(5, 12.0), False),  # Saturday noon
        (at(6, 12.0), False),  # Sunday noon
        (at(7, 10.0), True),  # Monday of week 1
    ],
)
def test_is_open(t, expected):
    assert OFFICE.is_open(t) is expected


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (at(0, 8.0), at(0, 9.0)),  # Monday 8:00 -> Monday 9:00
        (at(0, 0.0), at(0, 9.0)),
        (at(0, 12.0), at(0, 12.0)),  # open: itself
        (at(0, 9.0), at(0, 9.0)),
        (at(0, 17.0), at(1, 9.0)),  # at closing -> next morning
        (at(2, 20.0), at(3, 9.0)),  # Wednesday evening -> Thursday morning
        (4 + 17.5 / 24, 7 + 9 / 24),  # Friday 17:30 -> Monday 9:00 of next week
        (at(4, 17.0), at(7, 9.0)),  # Friday closing -> Monday
        (at(5, 0.0), at(7, 9.0)),  # Saturday -> Monday 9:00
        (at(5, 12.0), at(7, 9.0)),
        (at(6, 23.5), at(7, 9.0)),  # Sunday night -> Monday 9:00
        (at(14, 8.0), at(14, 9.0)),  # later weeks too
    ],
)
def test_next_open(t, expected):
    assert OFFICE.next_open(t) == pytest.approx(expected, abs=1e-12)


def test_is_open_exactly_at_close_monday():
    assert not OFFICE.is_open(17 / 24)
    assert OFFICE.is_open(17 / 24 - 1e-6)


def test_is_open_exactly_at_close_every_working_day():
    for week in range(4):
        for weekday in range(5):
            t = 7 * week + weekday + 17 / 24
            assert not OFFICE.is_open(t), f"day {7 * week + weekday} at 17:00 reported open"


@SETTINGS
@given(t=st.floats(0.0, 70.0))
def test_next_open_properties(t):
    for cal in CALENDARS:
        nxt = cal.next_open(t)
        assert nxt >= t
        assert nxt - t < 3.0  # at most a weekend plus a night away
        assert in_window_or_at_close(cal, nxt)
        # next_open of an opening moment is itself (idempotent)
        assert cal.next_open(nxt) == pytest.approx(nxt, abs=1e-12)


@SETTINGS
@given(t=st.floats(0.0, 70.0))
def test_open_moments_are_their_own_next_open(t):
    if OFFICE.is_open(t) and hour_of(t) < OFFICE.close_hour - 1e-6:
        assert OFFICE.next_open(t) == t
    if not OFFICE.is_open(t):
        assert OFFICE.next_open(t) > t


def test_always_calendar_is_always_open():
    for t in (0.0, at(0, 3.0), at(5, 12.0), at(6, 23.9), 123.456):
        assert ALWAYS.is_open(t)
        assert ALWAYS.next_open(t) == t


# ------------------------------------------------------------------------------- add_work


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at(0, 9.0), 2.0, at(0, 11.0)),  # 2 h from Monday 9:00 -> 11:00
        (at(0, 9.0), 8.0, at(0, 17.0)),  # a full day ends exactly at closing
        (at(0, 9.0), 10.0, at(1, 11.0)),  # 10 h -> Tuesday 11:00 (8 h day)
        (at(0, 9.0), 40.0, at(4, 17.0)),  # a full week
        (at(0, 9.0), 41.0, at(7, 10.0)),
        (at(4, 16.0), 3.0, at(7, 11.0)),  # Friday 16:00 + 3 h -> Monday 11:00
        (at(0, 8.0), 2.0, at(0, 11.0)),  # before opening: waits until 9:00
        (at(0, 20.0), 2.0, at(1, 11.0)),  # after closing: waits for next morning
        (at(5, 10.0), 1.0, at(7, 10.0)),  # Saturday: waits for Monday
        (at(6, 23.0), 8.5, at(8, 9.5)),  # Sunday night: Monday 9-17, then Tuesday 9:30
        (at(2, 13.5), 0.0, at(2, 13.5)),  # no work: ends when it starts
    ],
)
def test_add_work_examples(start, hours, expected):
    assert OFFICE.add_work(start, hours) == pytest.approx(expected, abs=1e-12)


def test_add_work_part_time_calendar():
    # 9:00-13:00: 4 h on Monday, 2 h on Tuesday -> Tuesday 11:00
    assert PART_TIME.add_work(at(0, 9.0), 6.0) == pytest.approx(at(1, 11.0), abs=1e-12)
    # Friday 12:00 + 3 h: 1 h Friday, 2 h Monday -> Monday 11:00
    assert PART_TIME.add_work(at(4, 12.0), 3.0) == pytest.approx(at(7, 11.0), abs=1e-12)


def test_add_work_six_day_calendar_works_saturday():
    # 8:00-18:00, Mon-Sat: Friday 17:00 + 4 h -> 1 h Friday, 3 h Saturday -> Saturday 11:00
    assert SIX_DAY.add_work(at(4, 17.0), 4.0) == pytest.approx(at(5, 11.0), abs=1e-12)
    assert SIX_DAY.add_work(at(5, 17.0), 4.0) == pytest.approx(at(7, 11.0), abs=1e-12)


@pytest.mark.parametrize("start", [0.0, at(0, 3.0), at(4, 16.0), at(5, 12.0), at(6, 23.5)])
@pytest.mark.parametrize("hours", [0.0, 0.5, 8.0, 30.0, 100.0])
def test_add_work_always_adds_hours_over_24(start, hours):
    assert ALWAYS.add_work(start, hours) == start + hours / 24.0


hours_st = st.floats(0.0, 200.0, allow_nan=False)
pos_hours = st.floats(1e-6, 100.0, allow_nan=False)
time_st = st.floats(0.0, 70.0, allow_nan=False)
cal_st = st.sampled_from(CALENDARS)


@SETTINGS
@given(cal=cal_st, t=time_st, h1=hours_st, h2=hours_st)
def test_add_work_after_start_and_monotone_in_hours(cal, t, h1, h2):
    lo, hi = sorted((h1, h2))
    end_lo, end_hi = cal.add_work(t, lo), cal.add_work(t, hi)
    assert end_lo >= t
    assert end_lo <= end_hi


@SETTINGS
@given(cal=cal_st, t=time_st, a=pos_hours, b=pos_hours)
def test_add_work_composes(cal, t, a, b):
    # An intermediate or final end exactly at closing is the same working instant as the next
    # opening, so compare after mapping closing times to the next opening.
    one = cal.add_work(t, a + b)
    two = cal.add_work(cal.add_work(t, a), b)
    assert canonical(cal, one) == pytest.approx(canonical(cal, two), abs=1e-9)


def test_add_work_composes_through_a_close_time():
    # 4 h + 4 h from Monday 9:00 ends at Monday 17:00 (= Tuesday 9:00 in working time).
    one = OFFICE.add_work(at(0, 9.0), 8.0)
    two = OFFICE.add_work(OFFICE.add_work(at(0, 9.0), 4.0), 4.0)
    assert canonical(OFFICE, one) == pytest.approx(at(1, 9.0), abs=1e-9)
    assert canonical(OFFICE, two) == pytest.approx(at(1, 9.0), abs=1e-9)
    # then continuing from the end gives the same as one call
    assert OFFICE.add_work(one, 2.0) == pytest.approx(OFFICE.add_work(at(0, 9.0), 10.0),
                                                      abs=1e-9)


@st.composite
def open_moments(draw, cal):
    week = draw(st.integers(0, 8))
    weekday = draw(st.integers(0, cal.workdays - 1))
    hour = draw(st.floats(cal.open_hour, cal.close_hour, exclude_max=True))
    return 7 * week + weekday + hour / 24.0


@SETTINGS
@given(data=st.data(), cal=cal_st, h=hours_st)
def test_working_days_between_inverts_add_work(data, cal, h):
    t = data.draw(open_moments(cal))
    end = cal.add_work(t, h)
    assert cal.working_days_between(t, end) == pytest.approx(h / cal.hours_per_day, abs=1e-9)


@SETTINGS
@given(cal=cal_st, t=time_st, h=hours_st)
def test_add_work_ends_inside_working_window(cal, t, h):
    end = cal.add_work(t, h)
    assert in_window_or_at_close(cal, end), (t, h, end, hour_of(end))


@SETTINGS
@given(t=time_st, h=hours_st)
def test_add_work_uses_exactly_the_working_time(t, h):
    # Counting whole working days: the end lands h / 8 working days after next_open(t).
    end = OFFICE.add_work(t, h)
    start = OFFICE.next_open(t)
    assert OFFICE.working_days_between(start, end) == pytest.approx(h / 8.0, abs=1e-9)


def test_working_days_between_examples():
    assert OFFICE.working_days_between(at(0, 9.0), at(0, 17.0)) == pytest.approx(1.0)
    assert OFFICE.working_days_between(at(0, 9.0), at(7, 9.0)) == pytest.approx(5.0)
    assert OFFICE.working_days_between(at(4, 16.0), at(7, 11.0)) == pytest.approx(3.0 / 8.0)
    assert OFFICE.working_days_between(at(5, 0.0), at(6, 23.0)) == 0.0  # weekend
    assert OFFICE.working_days_between(at(3, 10.0), at(2, 10.0)) == 0.0  # reversed
    assert ALWAYS.working_days_between(1.0, 3.5) == 2.5


# --------------------------------------------------------------------- regression guard


def test_add_work_terminates_just_before_closing():
    """A past float-rounding bug looped forever when t was closing time minus ~1e-13."""
    with time_limit(10.0):
        for cal in (*CALENDARS, Calendar(8.5, 17.25)):
            for day in range(60):
                for eps in (0.0, 1e-15, 1e-13, 1e-12, 1e-11):
                    t = day + cal.close_hour / 24.0 - eps
                    for h in (0.0, 1e-12, 0.5, 8.0, 17.3):
                        end = cal.add_work(t, h)
                        assert end >= t
                        assert in_window_or_at_close(cal, end)


def test_add_work_terminates_quickly_on_random_inputs():
    rng = np.random.default_rng(20240611)
    n = 5000
    days = rng.integers(0, 400, size=n)
    # half the starts sit within 1e-12 days of a close or opening, half anywhere
    near = rng.choice([17.0, 9.0, 13.0, 18.0], size=n) / 24.0 - rng.uniform(0, 1e-12, size=n)
    anywhere = rng.uniform(0.0, 1.0, size=n)
    starts = days + np.where(rng.random(n) < 0.5, near, anywhere)
    hours = np.where(rng.random(n) < 0.2, 0.0, rng.exponential(10.0, size=n))
    tic = time.perf_counter()
    with time_limit(10.0):
        for cal in CALENDARS:
            for t, h in zip(starts.tolist(), hours.tolist(), strict=True):
                end = cal.add_work(t, h)
                assert end >= t
                assert in_window_or_at_close(cal, end)
    assert time.perf_counter() - tic < 5.0


@SETTINGS
@given(cal=st.sampled_from([*CALENDARS, ALWAYS]),
       t0=st.lists(st.floats(0.0, 70.0), min_size=1, max_size=20),
       span=st.floats(-3.0, 40.0))
def test_vectorised_working_days_match_the_day_by_day_count(cal, t0, span):
    start = np.array(t0)
    end = start + span
    loop = np.array([cal.working_days_between(a, b) for a, b in zip(start, end, strict=True)])
    assert np.allclose(cal.working_days_between_many(start, end), loop, rtol=0, atol=1e-9)


def test_working_hours_since_start_counts_whole_weeks_and_today():
    # Wednesday of week 2 at 11:00: 5 days of week 1 + Mon, Tue + 2 hours today, 8 h each
    assert OFFICE.working_hours_since_start(np.array([at(9, 11.0)]))[0] == pytest.approx(
        (5 + 2) * 8 + 2)
    assert OFFICE.working_hours_since_start(np.array([at(5, 12.0)]))[0] == pytest.approx(40)


@settings(max_examples=200, deadline=None)
@given(times=st.lists(st.floats(0.0, 400.0), min_size=1, max_size=40),
       c=st.sampled_from([Calendar(9.0, 17.0), Calendar(8.0, 12.5, workdays=6),
                          Calendar(17.0, 21.0), Calendar(7.0, 19.0, workdays=7),
                          Calendar(0.0, 24.0, workdays=7, always=True)]))
def test_next_open_many_is_next_open_elementwise(times: list[float], c: Calendar) -> None:
    """The vectorised form gives exactly (not approximately) the scalar one's times."""
    assert c.next_open_many(np.array(times)).tolist() == [c.next_open(t) for t in times]


def hours_since_start_numpy(cal: Calendar, t: np.ndarray) -> np.ndarray:
    """Working hours from day 0 in closed form, one NumPy operation over all times at a
    time (the form the compiled loop replaced)."""
    day = np.floor(t)
    weeks, weekday = np.divmod(day, 7.0)
    hour = (t - day) * 24.0
    today = np.where(weekday < cal.workdays,
                     np.clip(hour - cal.open_hour, 0.0, cal.hours_per_day), 0.0)
    return (weeks * cal.workdays + np.minimum(weekday, cal.workdays)) * cal.hours_per_day \
        + today


@settings(max_examples=200, deadline=None)
@given(times=st.lists(st.floats(-400.0, 400.0) | st.just(float("nan")), min_size=1,
                      max_size=40),
       c=st.sampled_from([Calendar(9.0, 17.0), Calendar(8.0, 12.5, workdays=6),
                          Calendar(17.0, 21.0), Calendar(7.0, 19.0, workdays=7)]))
def test_working_hours_since_start_equal_the_closed_form_exactly(times: list[float],
                                                                 c: Calendar) -> None:
    t = np.array(times)
    np.testing.assert_array_equal(c.working_hours_since_start(t), hours_since_start_numpy(c, t))
