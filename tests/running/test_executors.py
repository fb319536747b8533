"""Where runs execute: inline, local processes and a given executor behind one context
manager and one as-completed loop; a dead worker becomes a failed task, not a crash."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest
from conftest import TINY

from simulation.faces.cli import main
from simulation.running import executors
from simulation.running.executors import (
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


# --- a Dask scheduler's start-up is bounded: real sockets, a lowered timeout ----------------
class Listener:
    """A TCP server on 127.0.0.1 that accepts connections and holds them open, sending
    ``greeting`` first (nothing: silent); it never speaks Dask."""

    def __init__(self, greeting: bytes = b"") -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.greeting = greeting
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):  # closed by close()
            while True:
                conn, _ = self.server.accept()
                self.held.append(conn)
                if self.greeting:
                    conn.sendall(self.greeting)

    def close(self) -> None:
        for conn in [*self.held, self.server]:
            conn.close()


@pytest.fixture
def listener(request):
    server = Listener(getattr(request, "param", b""))
    yield server
    server.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refusal(address: str, timeout: float, monkeypatch) -> str:
    """The BackendError's message for ``--scheduler address`` with the start-up bounded
    by ``timeout`` seconds (asserted to come well within 5 s)."""
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", timeout)
    t0 = time.monotonic()
    with pytest.raises(BackendError) as info:
        make_backend(scheduler=address)
    assert time.monotonic() - t0 < 5
    return str(info.value)


@pytest.mark.parametrize("listener, needle", [
    (b"", "accepted the connection but did not answer as a Dask scheduler within 1 s"),
    (b"\xff" * 64, "is not a Dask scheduler: its answer is not in Dask's protocol ("),
    (b"HTTP/1.1 400 Bad Request\r\n\r\n", "its answer is not in Dask's protocol ("),
], indirect=["listener"], ids=["silent", "garbage", "http"])
def test_a_listener_that_is_no_dask_scheduler_fails_in_bounded_time(
        listener, needle: str, monkeypatch) -> None:
    """Dask's connect timeout does not cover its handshake: a silent listener hung the
    client forever, and garbage bytes crashed it ("Unable to allocate 3.01 EiB")."""
    address = f"tcp://127.0.0.1:{listener.port}"
    message = refusal(address, 1.0, monkeypatch)
    assert needle in message and repr(address) in message and "\n" not in message
    assert "not another service's" in message
    assert not [t for t in threading.enumerate() if t.name == "gridgov-scheduler-probe"]


def test_an_unreachable_scheduler_is_one_line(monkeypatch) -> None:
    address = f"127.0.0.1:{free_port()}"
    message = refusal(address, 0.5, monkeypatch)
    assert f"cannot reach the Dask scheduler at {address!r} within 0.5 s" in message
    assert "Connection refused" in message and "\n" not in message


def test_a_dask_worker_is_not_taken_for_its_scheduler() -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      protocol="tcp", dashboard_address=None) as cluster:
        executors.probe_scheduler(cluster.scheduler_address)  # the scheduler: no error
        worker = next(iter(cluster.scheduler_info["workers"]))
        with pytest.raises(BackendError, match="is a Dask Worker, not a scheduler"):
            executors.probe_scheduler(worker)


@pytest.mark.parametrize("command", ["sweep", "run"])
def test_the_commands_give_up_on_a_silent_scheduler_with_one_line(
        command: str, listener, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", 1.0)
    args = ([command, str(TINY), "--out", str(tmp_path / "out")] if command == "sweep"
            else [command, "jinan", "--scale", "0.004"])
    assert main([*args, "--scheduler", f"127.0.0.1:{listener.port}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gridgov: error: '127.0.0.1:{listener.port}' accepted the "
                          "connection but did not answer as a Dask scheduler within 1 s")
    assert err.count("\n") == 1


def test_gridgov_sweep_exits_on_a_silent_scheduler_and_leaves_nothing_running(
        listener, tmp_path) -> None:
    """The whole program, in a process of its own: one line, status 2, and no thread
    left behind holding the process open (the timeout lowered to 1 s)."""
    script = ("import sys\nfrom simulation.running import executors\n"
              "executors.SCHEDULER_TIMEOUT = 1.0\n"
              "from simulation.faces.cli import main\nsys.exit(main())\n")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script, "sweep", str(TINY), "--out",
                           str(tmp_path / "out"), "--scheduler",
                           f"127.0.0.1:{listener.port}"],
                          capture_output=True, text=True, timeout=30)
    assert time.monotonic() - t0 < 30
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "did not answer as a Dask scheduler within 1 s" in proc.stderr
