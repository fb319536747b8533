"""The play thread: a tab's model played a frame at a time, so the page stays live."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import solara

from .run import DashboardModel


class Player:
    """Plays one tab's model in a thread of its own, a frame at a time (some days, then
    ``frame`` is bumped and the page redraws, in that thread), up to a goal day; a newer
    :meth:`start` or :meth:`stop` ends the loop after its frame, and one loop steps a
    model at a time."""

    def __init__(self, model: solara.Reactive[Any], frame: solara.Reactive[int],
                 playing: solara.Reactive[bool], error: solara.Reactive[str]) -> None:
        self.model, self.frame, self.playing, self.error = model, frame, playing, error
        self.rate = math.nan  # days per second of the last play, drawing included
        self._stepping = threading.Lock()
        self._guard = threading.Lock()
        self._generation = 0

    def start(self, goal: int | None, days_per_frame: int, measure: bool = True) -> None:
        """Play until day ``goal`` (None: the model's last day), ``days_per_frame`` days a
        frame; ``measure``: record the rate."""
        with self._guard:
            self._generation += 1
            generation = self._generation
        self.playing.set(True)
        threading.Thread(target=self._loop, args=(generation, goal, days_per_frame, measure),
                         daemon=True, name="gridgov-player").start()

    def stop(self, quiet: bool = False) -> None:
        """End the loop after its frame (``quiet``: without a redraw: the tab is closing)."""
        with self._guard:
            self._generation += 1
        if not quiet:
            self.playing.set(False)

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    def _loop(self, generation: int, goal: int | None, days_per_frame: int,
              measure: bool) -> None:
        with self._stepping:
            model, t0, first = self.model.value, time.perf_counter(), None
            try:
                while self._current(generation):
                    model = self.model.value
                    if not isinstance(model, DashboardModel) or model.halted:
                        return
                    end = model.max_days if goal is None else min(goal, model.max_days)
                    if model.day >= end:
                        break
                    first = model.day if first is None else first
                    model.run(min(days_per_frame, end - model.day))
                    self.frame.set(self.frame.value + 1)  # the page redraws, here
                if measure and first is not None and model.day > first:
                    self.rate = (model.day - first) / (time.perf_counter() - t0)
            except Exception as exc:  # shown on the page: a tab must not die silently
                if isinstance(model, DashboardModel) and not model.halted:
                    self.error.set(f"{type(exc).__name__}: {exc}")
            finally:
                if self._current(generation) and not getattr(model, "halted", True):
                    self.playing.set(False)
