"""Working calendars: when staff can work, and when a piece of work started now ends.

Model time is in days (float). Day 0 starts Monday 00:00, so ``floor(t) % 7`` is the weekday
(0 = Monday ... 6 = Sunday). A calendar is a daily window ``[open_hour, close_hour)`` on a set
of weekdays; work is measured in hours of *working* time and only advances inside the window.
Public holidays are not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .support.compiled import jit

HOURS_PER_DAY = 24.0
_EPS_HOURS = 1e-9  # times this close to closing count as closed (float rounding)


@dataclass(frozen=True)
class Calendar:
    """A weekly working window; ``always`` means around the clock, every day."""

    open_hour: float  # hour of day (the scenario's calendar.* parameters give the values)
    close_hour: float
    workdays: int = 5  # Monday..(workdays-1) are working days
    always: bool = False

    @property
    def hours_per_day(self) -> float:
        """Working hours in one working day."""
        return HOURS_PER_DAY if self.always else self.close_hour - self.open_hour

    @property
    def hours_per_week(self) -> float:
        """Working hours in one week."""
        return self.hours_per_day * (7 if self.always else self.workdays)

    def is_open(self, t: float) -> bool:
        """True if ``t`` (days) falls inside working time."""
        if self.always:
            return True
        day = math.floor(t)
        hour = (t - day) * HOURS_PER_DAY
        return day % 7 < self.workdays and self.open_hour <= hour < self.close_hour - _EPS_HOURS

    def __post_init__(self) -> None:
        # Window edges in days, computed once (these methods are on the hot path).
        object.__setattr__(self, "_open", self.open_hour / HOURS_PER_DAY)
        object.__setattr__(self, "_close", self.close_hour / HOURS_PER_DAY)
        object.__setattr__(self, "_close_eps", (self.close_hour - _EPS_HOURS) / HOURS_PER_DAY)

    def edges(self) -> tuple[float, float, float]:
        """The window's opening, closing and closing less the rounding margin, in days
        (what :meth:`next_open` and :meth:`add_work` compare with)."""
        return self._open, self._close, self._close_eps

    def _next_workday(self, day: int) -> int:
        """The first working day at or after ``day``."""
        while day % 7 >= self.workdays:
            day += 1
        return day

    def next_open(self, t: float) -> float:
        """The earliest working moment at or after ``t`` (days)."""
        if self.always:
            return t
        day = math.floor(t)
        frac = t - day
        if day % 7 < self.workdays:
            if frac < self._open:
                return day + self._open
            if frac < self._close_eps:
                return t
        return self._next_workday(day + 1) + self._open

    def next_open_many(self, t: np.ndarray) -> np.ndarray:
        """:meth:`next_open` of each time in ``t`` (the same operations, elementwise)."""
        t = np.asarray(t, dtype=float)
        if self.always:
            return t.copy()
        day = np.floor(t)
        frac = t - day
        workday = day % 7 < self.workdays
        out = np.where(workday & (frac < self._close_eps), t, np.nan)
        out = np.where(workday & (frac < self._open), day + self._open, out)
        later = np.isnan(out)
        if later.any():
            nxt = day[later] + 1
            while (off := nxt % 7 >= self.workdays).any():
                nxt[off] += 1
            out[later] = nxt + self._open
        return out

    def add_work(self, t: float, hours: float) -> float:
        """When ``hours`` of working time started at ``t`` are done (days).

        Work started outside the window waits for the next opening; work that does not fit
        in today's window carries over to the next working day.
        """
        if self.always:
            return t + hours / HOURS_PER_DAY
        t = self.next_open(t)
        day = math.floor(t)
        frac = max(self._open, t - day)
        remaining = hours / HOURS_PER_DAY  # in days of clock time
        while True:
            left_today = self._close - frac
            if remaining <= left_today:
                return day + frac + remaining
            remaining -= left_today
            day = self._next_workday(day + 1)
            frac = self._open

    def working_hours_since_start(self, t: np.ndarray) -> np.ndarray:
        """Working hours from day 0 (Monday 00:00) to each time ``t`` (days), in closed form:
        whole weeks, then the week's earlier working days, then today's open hours."""
        t = np.asarray(t, dtype=float)
        if self.always:
            return t * HOURS_PER_DAY
        return _working_hours(t.ravel(), float(self.workdays), self.open_hour,
                              self.hours_per_day).reshape(t.shape)

    def working_days_between_many(self, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`working_days_between` (0 where ``t1 <= t0``)."""
        t0, t1 = np.asarray(t0, dtype=float), np.asarray(t1, dtype=float)
        hours = self.working_hours_since_start(t1) - self.working_hours_since_start(t0)
        return np.where(t1 > t0, np.maximum(hours, 0.0), 0.0) / self.hours_per_day

    def working_days_between(self, t0: float, t1: float) -> float:
        """Working time between ``t0`` and ``t1`` in working days (of ``hours_per_day``)."""
        if t1 <= t0:
            return 0.0
        if self.always:
            return t1 - t0
        hours = 0.0
        t = self.next_open(t0)
        while t < t1:
            day = math.floor(t)
            end = min(t1, day + self.close_hour / HOURS_PER_DAY)
            hours += max(0.0, end - t) * HOURS_PER_DAY
            t = self._next_workday(day + 1) + self.open_hour / HOURS_PER_DAY
        return hours / self.hours_per_day


@dataclass(frozen=True)
class Calendars:
    """The run's working calendars: the offices' (full-time grid workers and case staff),
    part-time grid workers' (the same opening, ``calendar.part_time_hours`` long),
    volunteers' (every day) and around the clock (``staffing.always_on``)."""

    office: Calendar
    part_time: Calendar
    volunteer: Calendar
    always: Calendar

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Calendars:
        """The calendars the ``calendar.*`` parameters describe."""
        p = params
        return cls(office=Calendar(p["calendar.open_hour"], p["calendar.close_hour"]),
                   part_time=Calendar(p["calendar.open_hour"],
                                      p["calendar.open_hour"] + p["calendar.part_time_hours"]),
                   volunteer=Calendar(p["calendar.volunteer_open_hour"],
                                      p["calendar.volunteer_close_hour"], workdays=7),
                   always=Calendar(0.0, 24.0, workdays=7, always=True))


@jit
def _working_hours(t: np.ndarray, workdays: float, open_hour: float,
                   hours_per_day: float) -> np.ndarray:
    """Calendar.working_hours_since_start, one time after another (a city's millions of
    issues without a temporary array per step; the same operations, so the same results)."""
    out = np.empty(len(t))
    for k in range(len(t)):
        if not math.isfinite(t[k]):
            out[k] = np.nan
            continue
        day = math.floor(t[k])
        weeks, weekday = day // 7.0, day % 7.0
        hour = (t[k] - day) * HOURS_PER_DAY
        today = 0.0
        if weekday < workdays:
            today = min(max(hour - open_hour, 0.0), hours_per_day)
        out[k] = (weeks * workdays + min(weekday, workdays)) * hours_per_day + today
    return out
