"""Where runs execute: inline, local processes and a given executor behind one context
manager and one as-completed loop; a dead worker becomes a failed task, not a crash."""

from __future__ import annotations

import os
import time

import psutil
import pytest

from simulation.executors import (
    BackendError,
    InlineExecutor,
    make_backend,
    open_backend,
    worker_failure,
)


def square(x: int) -> int:
    """A task (module level: picklable)."""
    return x * x


def die_on_three(x: int) -> int:
    """A task whose worker process dies for x = 3."""
    if x == 3:
        os._exit(3)
    return x * x


def failed(task: int, message: str) -> str:
    return f"{task} failed: {message}"


def test_one_worker_runs_inline_in_task_order() -> None:
    with open_backend(workers=1) as backend:
        assert backend.kind == "inline" and backend.inline
        seen = []
        for result in backend.results(lambda x: seen.append(x) or x * x, [3, 1, 2], failed):
            seen.append(("result", result))
    # each result is handed on before the next task starts (stored, then dropped)
    assert seen == [3, ("result", 9), 1, ("result", 1), 2, ("result", 4)]


def test_a_given_executor_is_used_and_left_open() -> None:
    given = InlineExecutor()
    with open_backend(executor=given) as backend:
        assert backend.executor is given and backend.kind == "inline"
        assert list(backend.results(square, [2, 5], failed)) == [4, 25]


def test_processes_give_every_result_and_a_dead_worker_is_a_failed_task() -> None:
    with open_backend(workers=2) as backend:
        assert backend.kind == "processes" and "2 local worker processes" in \
            backend.description
        assert sorted(backend.results(square, range(6), failed)) == [0, 1, 4, 9, 16, 25]
    with open_backend(workers=2) as backend:
        out = list(backend.results(die_on_three, [3], failed))
    assert out == ["3 failed: " + worker_failure(
        __import__("concurrent.futures.process").futures.process.BrokenProcessPool())]
    assert "worker process died" in out[0]


def test_an_error_in_the_loop_stops_the_local_workers() -> None:
    with pytest.raises(RuntimeError), open_backend(workers=2) as backend:
        results = backend.results(square, range(4), failed)
        next(results)
        pids = [p.pid for p in backend.executor._processes.values()]
        raise RuntimeError("the caller failed")
    # (the pool's own thread may reap a worker first, so ask the system, not is_alive())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(pid) for pid in pids):
        time.sleep(0.05)
    assert len(pids) == 2 and not any(running(pid) for pid in pids)


def running(pid: int) -> bool:
    """True if process ``pid`` exists and is not a zombie."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_an_unreachable_scheduler_is_one_line(monkeypatch) -> None:
    import dask.distributed

    def refuse(address, timeout):  # what Client raises after its 10 s timeout
        assert timeout == "10s"
        raise OSError(f"Timed out trying to connect to {address} after 10 s")

    monkeypatch.setattr(dask.distributed, "Client", refuse)
    with pytest.raises(BackendError) as info:
        make_backend(scheduler="tcp://127.0.0.1:1")
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'" in str(info.value)
    assert "\n" not in str(info.value)
