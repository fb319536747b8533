"""How far a batch of tasks (a sweep's runs, a city's districts) has got, shown to the user.

One interface, :class:`Progress`: ``done(label, note, ok)`` when a task finishes,
``part(label, note)`` when a part of one does (a district of a sweep's city run), and
``close()``. :func:`make_progress` picks the display — a tqdm bar on a terminal, plain
lines with the time left in logs and pipes. A city run can also show its districts'
simulated days live: :meth:`Progress.day_queue` is a queue the workers put
``(task, day)`` on (a local queue inline, a multiprocessing manager's across local
processes; none for a Dask cluster, whose workers cannot reach it).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import sys
import threading
import time
from multiprocessing.managers import SyncManager
from typing import Any, TextIO

from tqdm import tqdm

from .executors import ignoring_ctrl_c, start_worker

PROGRESS_DAYS = 7  # a task reports its simulated day every this many days


class Progress:
    """Progress of ``total`` tasks, ``initial`` of them done before (e.g. on --resume)."""

    def __init__(self, total: int, initial: int = 0) -> None:
        self.total = total
        self.finished = initial
        self.failed = 0

    def done(self, label: str, note: str = "", ok: bool = True,
             task: int | None = None) -> None:
        """Task ``label`` (number ``task`` of the weighted tasks, if any) finished;
        ``note`` says what to say of it, ``ok`` False if it failed."""
        self.finished += 1
        self.failed += not ok
        if task is not None:
            self._finish(task)
        self._show(label, note, ok)

    def part(self, label: str, note: str = "") -> None:
        """A part of a task (``label``: e.g. a city run's district) finished."""

    def _finish(self, task: int) -> None:
        pass

    def day_queue(self) -> Any:
        """A queue the tasks may put ``(task, day)`` on as they simulate (None: not shown)."""
        return None

    def close(self) -> None:
        """Stop showing progress."""

    def _show(self, label: str, note: str, ok: bool) -> None:
        raise NotImplementedError

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class NoProgress(Progress):
    """Shows nothing (for the Python API and tests)."""

    def _show(self, label: str, note: str, ok: bool) -> None:
        pass


class LineProgress(Progress):
    """A plain line per finished task: ``[done/total] label note; k failed; time left``."""

    def __init__(self, total: int, initial: int = 0, stream: TextIO | None = None) -> None:
        super().__init__(total, initial)
        self.stream = stream
        self.t0 = time.perf_counter()
        self.first = initial

    def _show(self, label: str, note: str, ok: bool) -> None:
        elapsed = time.perf_counter() - self.t0
        rate = (self.finished - self.first) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.finished) / rate if rate > 0 else math.nan
        eta = f"{left:.0f} s left" if math.isfinite(left) else "time left unknown"
        print(f"[{self.finished}/{self.total}] {label} {note}; {self.failed} failed; {eta}",
              file=self.stream or sys.stderr, flush=True)

    def part(self, label: str, note: str = "") -> None:
        print(f"[{self.finished}/{self.total}] {label} {note}",
              file=self.stream or sys.stderr, flush=True)


class BarProgress(Progress):
    """A tqdm bar (for terminals). With ``weights`` (each task's share of the work) and
    ``days`` (each task's simulated days), the bar moves with the days the tasks report
    through :meth:`day_queue`; ``reach`` says where those tasks run ("inline",
    "processes" or "remote")."""

    def __init__(self, total: int, initial: int = 0, unit: str = "run",
                 weights: list[float] | None = None, days: int = 0,
                 reach: str = "inline") -> None:
        super().__init__(total, initial)
        self.weights = weights
        if weights is None:
            self.bar = tqdm(total=total, initial=initial, unit=unit, file=sys.stderr,
                            dynamic_ncols=True)
            return
        self.shares = [w / sum(weights) * 100.0 for w in weights]
        self.days = days
        self.day = [0] * len(weights)
        self.bar = tqdm(total=100.0, unit="%", file=sys.stderr, dynamic_ncols=True,
                        bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}<{remaining}{postfix}]")
        self._manager: Any = None
        self._queue: Any = queue.Queue()
        if reach == "processes":  # a server process, which dies with this one (Linux)
            self._manager = SyncManager(ctx=multiprocessing.get_context("spawn"))
            with ignoring_ctrl_c():
                self._manager.start(start_worker, (os.getpid(),))
            self._queue = self._manager.Queue()
        self._reach = reach
        self._lock = threading.Lock()  # the drain thread and done() both advance
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def day_queue(self) -> Any:
        if self.weights is None or self._reach == "remote":
            return None
        return self._queue

    def advance(self, task: int, day: int) -> None:
        """Task ``task`` has simulated ``day`` days."""
        with self._lock:
            if day > self.day[task]:
                self.bar.update(self.shares[task] * (day - self.day[task]) / self.days)
                self.day[task] = day

    def _finish(self, task: int) -> None:
        if self.weights is not None:
            self.advance(task, self.days)

    def _drain(self) -> None:
        while not self._stop.is_set():
            try:
                task, day = self._queue.get(timeout=0.5)
            except queue.Empty:
                self.bar.refresh()  # keep the elapsed time moving
                continue
            except (EOFError, OSError):  # the manager has gone
                return
            self.advance(task, day)

    def part(self, label: str, note: str = "") -> None:
        self.bar.set_postfix_str(f"{self.finished}/{self.total} done, last {label}")

    def _show(self, label: str, note: str, ok: bool) -> None:
        if self.weights is None:
            self.bar.update(self.finished - self.bar.n)
            self.bar.set_postfix(failed=self.failed, refresh=False)
        else:
            self.bar.set_postfix_str(f"{self.finished}/{self.total} done, last {label}")

    def close(self) -> None:
        if self.weights is not None:
            self._stop.set()
            self._thread.join()
        self.bar.close()
        if self.weights is not None and self._manager is not None:
            self._manager.shutdown()


def make_progress(total: int, initial: int = 0, *, unit: str = "run",
                  weights: list[float] | None = None, days: int = 0, reach: str = "inline",
                  terminal: bool | None = None) -> Progress:
    """A bar on a terminal (``terminal`` None: standard error's), else plain lines."""
    if terminal is None:
        terminal = sys.stderr.isatty()
    if terminal:
        return BarProgress(total, initial, unit, weights, days, reach)
    return LineProgress(total, initial)


def day_reporter(progress_queue: Any, task: int, days: int) -> Any:
    """``on_day`` for task number ``task``'s model: puts ``(task, day)`` on the queue every
    :data:`PROGRESS_DAYS` days and on the last (None without a queue)."""
    if progress_queue is None:
        return None

    def report(day: int) -> None:
        if day % PROGRESS_DAYS == 0 or day == days:
            progress_queue.put((task, day))

    return report
