"""Where runs execute: in this process, on local worker processes or on a Dask cluster.

One context manager, :func:`open_backend`, chooses and closes the backend; one loop,
:meth:`Backend.results`, yields each task's result as it finishes. Sweeps (a run per task)
and partitioned city runs (a district per task) both use them, so "inline", "local
processes" and "Dask" mean the same everywhere. A task function never raises (it returns
its failure as data); when the *worker* fails (a process killed, a lost Dask worker) the
loop yields ``failed(task, message)`` instead and goes on.

Local processes are started with ``spawn`` (what Mesa 3.3.1 sets anyway): each worker
imports gridgov afresh, so results cannot depend on state left in the parent. Each worker
leaves Ctrl-C to the parent, which stops the workers (:meth:`Backend.terminate`), and on
Linux dies with the parent whatever kills it, SIGKILL included (a parent-death signal,
:func:`die_with_parent`); multiprocessing's resource tracker exits once the parent and the
workers have gone (its pipe closes).

A Dask scheduler is first asked who it is (:func:`probe_scheduler`): connection, handshake
and an ``identity`` request, all within :data:`SCHEDULER_TIMEOUT`, so an address that
accepts connections but is no Dask scheduler is one line, not a hang or a crash.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import contextlib
import ctypes
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait as wait_for_exit
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..support.errors import GridgovError

T = TypeVar("T")
R = TypeVar("R")

SCHEDULER_TIMEOUT = 10.0  # seconds to reach a Dask scheduler and hear it answer
STOP_SECONDS = 2.0  # seconds a terminated worker gets to exit before it is killed


class BackendError(GridgovError):
    """A backend that cannot be used (an unreachable scheduler); one line for the user."""


class InlineExecutor(cf.Executor):
    """Runs each task at once in this process (the executor for one worker)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # pragma: no cover - task functions do not raise
            future.set_exception(exc)
        return future


def _exited(pid: int | None) -> bool:
    """True once process ``pid`` has finished exiting (a zombie, or gone). Where there is
    no /proc to read (not Linux), its closed sentinel is taken as enough."""
    if pid is None:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


class Backend:
    """An executor with its kind ("inline", "processes", "dask" or "given"), a description
    for the user, and what closing or stopping it means."""

    def __init__(self, executor: cf.Executor, kind: str, description: str,
                 close: Callable[[], None] = lambda: None, client: Any = None) -> None:
        self.executor = executor
        self.kind = kind
        self.description = description
        self.client = client  # the dask.distributed Client of a "dask" backend
        self._close = close

    @property
    def inline(self) -> bool:
        """True if tasks run one after another in this process."""
        return self.kind == "inline"

    def results(self, fn: Callable[[T], R], tasks: Iterable[T],
                failed: Callable[[T, str], R]) -> Iterator[R]:
        """``fn(task)`` for every task, as each finishes (in task order inline, one at a
        time, so a finished result can be stored and dropped before the next starts).
        A worker's failure yields ``failed(task, message)``. When the caller stops
        iterating early (an error, Ctrl-C), the tasks not yet started are cancelled, and
        local workers are stopped at once, running tasks and all."""
        if self.inline:
            for task in tasks:
                yield fn(task)
            return
        with ignoring_ctrl_c() if self.kind == "processes" else contextlib.nullcontext():
            futures = {self.executor.submit(fn, task): task for task in tasks}  # spawns
        try:
            for future in cf.as_completed(futures):
                task = futures.pop(future)  # drop each result as soon as it is handed on
                try:
                    result = future.result()
                except Exception as exc:  # the worker, not the task, failed
                    result = failed(task, worker_failure(exc))
                yield result
        finally:
            if futures and self.kind == "processes":
                # No one will collect these: stop the workers now (the pool then fails
                # its futures itself; cancelling them first would make its thread raise
                # InvalidStateError when it sees the workers gone).
                self.terminate()
            for future in futures if self.kind != "processes" else ():
                future.cancel()

    def terminate(self) -> None:
        """Stop local worker processes at once (after an error: the tasks still running
        are of no use, and waiting for them would hold the command open). Returns once
        they have exited: killed if they outlive :data:`STOP_SECONDS`."""
        running = {}  # sentinel (readable once the process has exited): process
        for process in self._worker_processes():
            with contextlib.suppress(OSError, ValueError):  # gone already, or closed
                process.terminate()
                running[process.sentinel] = process
        # (the pool's own thread may reap them too: watch the sentinels, not exitcode)
        deadline = time.monotonic() + STOP_SECONDS
        pids = [p.pid for p in running.values()]
        while running and time.monotonic() < deadline:
            for ready in wait_for_exit(list(running), deadline - time.monotonic()):
                running.pop(ready)
        for process in running.values():
            with contextlib.suppress(OSError, ValueError):
                process.kill()
        # A sentinel closes as its process starts to exit; return once each has finished
        # exiting (a zombie or reaped), so that nothing of them outlives this call.
        while any(not _exited(pid) for pid in pids) and time.monotonic() < deadline + 1.0:
            time.sleep(0.005)

    def _worker_processes(self) -> list[multiprocessing.process.BaseProcess]:
        """The pool's worker processes, and any it has started but not yet recorded (a
        stop signal can arrive between a worker's start and the pool's bookkeeping, while
        the worker already runs): this process's spawned children other than a progress
        Manager's server."""
        known = list((getattr(self.executor, "_processes", None) or {}).values())
        if self.kind != "processes":
            return known
        ids = {p.pid for p in known}
        return known + [p for p in multiprocessing.active_children()
                        if p.name.startswith("SpawnProcess") and p.pid not in ids]

    def close(self) -> None:
        """Release the backend (workers exit once their current task is done)."""
        self._close()


def worker_failure(exc: BaseException) -> str:
    """One line for a task whose worker failed (not the task itself)."""
    if isinstance(exc, BrokenProcessPool):
        return ("a worker process died (out of memory?) while this or another task was "
                "running")
    return f"{type(exc).__name__}: {exc or 'worker process died'}"


def check_address(address: str) -> str:
    """``address`` if it can name a Dask scheduler (``tcp://HOST:PORT``, ``HOST:PORT``, a
    scheme Dask knows); else BackendError saying what is wrong."""
    if not address.strip():
        raise BackendError("--scheduler needs an address, e.g. tcp://10.0.0.5:8786")
    try:
        port = urlsplit(address if "://" in address else f"tcp://{address}").port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise BackendError(f"--scheduler {address!r}: the port must be a number from 1 to "
                           "65535, e.g. tcp://10.0.0.5:8786")
    return address


def probe_scheduler(address: str, timeout: float | None = None) -> None:
    """Return if a Dask scheduler at ``address`` accepts a connection, completes Dask's
    handshake and says it is a scheduler, all within ``timeout`` seconds
    (:data:`SCHEDULER_TIMEOUT` if None); else BackendError saying what to check. (Dask's
    own connect timeout does not cover the handshake: a silent listener hangs it.)"""
    if address.startswith("inproc://"):  # this process's own cluster: nothing to hear
        return
    seconds = SCHEDULER_TIMEOUT if timeout is None else timeout
    state: dict[str, Any] = {"stage": "connect", "error": None}
    outcome: list[Any] = []

    def probe() -> None:  # a fresh event loop in a thread of its own: bounded, closed
        try:
            outcome.append(asyncio.run(asyncio.wait_for(_identify(address, seconds, state),
                                                        seconds)))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=probe, name="gridgov-scheduler-probe", daemon=True)
    thread.start()
    thread.join(seconds + 5.0)  # the loop's own deadline ends it; this one is a backstop
    answer = outcome[0] if outcome else TimeoutError()
    where = "(`dask scheduler` prints its address; port 8786 by default)"
    if isinstance(answer, BaseException) and state["stage"] == "connect":
        timed_out = isinstance(answer, TimeoutError)
        why = state["error"] if timed_out else answer
        raise BackendError(f"cannot reach the Dask scheduler at {address!r}"
                           + (f" within {seconds:g} s" if timed_out else "")
                           + (f" ({_first_line(why)})" if why else "")
                           + f"; check that it is running and the address is right {where}")
    other = f"check that the address is a Dask scheduler's {where}, not another service's"
    if isinstance(answer, TimeoutError):
        raise BackendError(f"{address!r} accepted the connection but did not answer as a "
                           f"Dask scheduler within {seconds:g} s; {other}")
    if isinstance(answer, BaseException):
        raise BackendError(f"{address!r} is not a Dask scheduler: its answer is not in "
                           f"Dask's protocol ({_first_line(answer)}); {other}")
    kind = answer.get("type") if isinstance(answer, dict) else None
    if kind != "Scheduler":
        raise BackendError(f"{address!r} is a Dask {kind or 'server'}, not a scheduler; "
                           f"{other}")


async def _identify(address: str, seconds: float, state: dict[str, Any]) -> Any:
    """Connect to ``address`` (retrying a refusal, as Dask does, until ``seconds`` pass),
    do Dask's handshake and return the server's ``identity``; ``state["stage"]`` says
    how far it got and ``state["error"]`` the last refusal."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import normalize_address
    from distributed.comm.registry import get_backend
    from distributed.security import Security

    scheme, location = parse_address(normalize_address(address))
    connector = get_backend(scheme).get_connector()
    args = Security().get_connection_args("client")
    deadline = time.monotonic() + seconds
    while True:
        try:
            comm = await connector.connect(location, deserialize=False, **args)
            break
        except OSError as exc:  # refused or unreachable: perhaps not started yet
            state["error"] = exc
            await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    try:
        state["stage"] = "handshake"
        await comm.write(comm.handshake_info())
        await comm.read()
        state["stage"] = "identity"
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def _first_line(exc: BaseException) -> str:
    """``Type: message`` of an exception, on one line of at most 160 characters."""
    text = re.sub(r"^in <[^>]*>: ", "", " ".join(str(exc).split()))  # Dask's "in <comm>: "
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


@contextlib.contextmanager
def ignoring_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT meanwhile (in the main thread; elsewhere nothing changes). A process
    started meanwhile inherits that from the start: a Ctrl-C while it is still starting
    (importing, a few seconds) prints no traceback of its own; its parent stops it."""
    previous = (signal.getsignal(signal.SIGINT)
                if threading.current_thread() is threading.main_thread() else None)
    if previous is None:  # not the main thread, or a handler Python did not set
        yield
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:  # not re-set meanwhile
            signal.signal(signal.SIGINT, previous)


def start_worker(parent: int) -> None:
    """Run first in every local worker process (and progress's queue manager): leave
    Ctrl-C to the parent (process ``parent``), which stops its workers itself, and die
    with it (:func:`die_with_parent`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


def die_with_parent(parent: int) -> bool:
    """Make this process receive SIGKILL when its parent (process ``parent``, whose thread
    started it) dies, however it dies; exit at once if the parent has died already.
    Linux only (prctl PR_SET_PDEATHSIG); elsewhere does nothing and returns False."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # 1: PR_SET_PDEATHSIG
            return False
    except (OSError, AttributeError):  # no libc to call: no parent-death signal
        return False
    if os.getppid() != parent:  # the parent died before the signal was set: follow it
        os._exit(1)
    return True


def make_backend(workers: int | None = None, scheduler: str | None = None,
                 executor: cf.Executor | None = None) -> Backend:
    """The backend for ``executor`` (any concurrent.futures executor, used as given), else
    a Dask cluster at ``scheduler``, else ``workers`` local processes (one per core if
    None; one means inline)."""
    if executor is not None:
        kind = "inline" if isinstance(executor, InlineExecutor) else "given"
        return Backend(executor, kind, "given executor")
    if scheduler is not None:
        check_address(scheduler)
        try:
            from dask.distributed import Client
        except ImportError:  # an optional dependency: gridgov[dask]
            raise BackendError("a Dask scheduler needs dask.distributed, which is not "
                               "installed: pip install 'gridgov[dask]'") from None
        probe_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT:g}s")
        except Exception as exc:  # e.g. it went away since the probe; one line either way
            raise BackendError(f"cannot reach the Dask scheduler at {scheduler!r}: "
                               f"{_first_line(exc)}") from None
        return Backend(client.get_executor(), "dask", f"dask scheduler {scheduler}",
                       client.close, client=client)
    n = workers or os.cpu_count() or 1
    if n == 1:
        return Backend(InlineExecutor(), "inline", "1 local worker (in process)")
    pool = cf.ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=start_worker, initargs=(os.getpid(),))
    # Every future is done (or cancelled) when close() is called: let the workers exit,
    # freeing what they hold, while the caller goes on (e.g. to write the report).
    return Backend(pool, "processes", f"{n} local worker processes",
                   lambda: pool.shutdown(wait=False, cancel_futures=True))


@contextlib.contextmanager
def open_backend(workers: int | None = None, scheduler: str | None = None,
                 executor: cf.Executor | None = None) -> Iterator[Backend]:
    """:func:`make_backend` as a context: closed at the end; on an error (or Ctrl-C) its
    local workers are stopped first. A given ``executor`` is left for its owner to close."""
    backend = make_backend(workers, scheduler, executor)
    try:
        yield backend
    except BaseException:
        if executor is None:
            backend.terminate()
        raise
    finally:
        if executor is None:
            backend.close()
