"""The lock of a results folder: ``.lock`` holds the process id and start time of the sweep
writing the folder, so that a second sweep into it is refused while the first is alive,
and a lock left by a killed sweep (or whose process id was reused) is taken over."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from .folder import ResultsFolder, SweepError


def acquire_lock(folder: ResultsFolder) -> Path:
    """Take ``out/.lock``, holding this process's id and start time; refuse if the sweep
    that holds it is alive (the same id *and* start time: an id reused by an unrelated
    process does not hold the folder)."""
    out = folder.root
    out.mkdir(parents=True, exist_ok=True)
    path = folder.lock
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid, started = _read_lock(path)
            if pid and pid != os.getpid() and _holds(pid, started):
                raise SweepError(f"another sweep (process {pid}) is writing to {out}; wait "
                                 "for it to finish or choose another --out (if no sweep "
                                 f"is running there, delete {path})") from None
            path.unlink(missing_ok=True)  # left by a sweep that was killed
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()} {_start_time(os.getpid())!r}")
        return path
    raise SweepError(f"cannot take the lock {path}")


def _read_lock(path: Path) -> tuple[int, float | None]:
    """(process id, start time or None) written in a lock; (0, None) if unreadable."""
    try:
        fields = path.read_text(encoding="utf-8").split()
        pid = int(fields[0]) if fields else 0
    except (OSError, ValueError):
        return 0, None
    try:
        return pid, float(fields[1]) if len(fields) > 1 else None
    except ValueError:  # "None": the holder's start time was not known
        return pid, None


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch; None if it is gone)."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _holds(pid: int, started: float | None) -> bool:
    """True if process ``pid`` is alive and, when the lock says when its holder started,
    is that same process (a lock written before start times were recorded: alive is
    enough)."""
    if not psutil.pid_exists(pid):
        return False
    if started is None:
        return True
    now = _start_time(pid)
    return now is None or abs(now - started) < 0.01
