"""Where runs execute: in this process, on local worker processes or on a Dask cluster.

One context manager, :func:`open_backend`, chooses and closes the backend; one loop,
:meth:`Backend.results`, yields each task's result as it finishes. Sweeps (a run per task)
and partitioned city runs (a district per task) both use them, so "inline", "local
processes" and "Dask" mean the same everywhere. A task function never raises (it returns
its failure as data); when the *worker* fails (a process killed, a lost Dask worker) the
loop yields ``failed(task, message)`` instead and goes on.

Local processes are started with ``spawn`` (what Mesa 3.3.1 sets anyway): each worker
imports gridgov afresh, so results cannot depend on state left in the parent.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .errors import GridgovError

T = TypeVar("T")
R = TypeVar("R")


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


class Backend:
    """An executor with its kind ("inline", "processes", "dask" or "given"), a description
    for the user, and what closing or stopping it means."""

    def __init__(self, executor: cf.Executor, kind: str, description: str,
                 close: Callable[[], None] = lambda: None) -> None:
        self.executor = executor
        self.kind = kind
        self.description = description
        self._close = close

    @property
    def inline(self) -> bool:
        """True if tasks run one after another in this process."""
        return self.kind == "inline"

    def results(self, fn: Callable[[T], R], tasks: Iterable[T],
                failed: Callable[[T, str], R]) -> Iterator[R]:
        """``fn(task)`` for every task, as each finishes (in task order inline, one at a
        time, so a finished result can be stored and dropped before the next starts).
        A worker's failure yields ``failed(task, message)``. Tasks not yet started when the
        caller stops iterating (an error, Ctrl-C) are cancelled."""
        if self.inline:
            for task in tasks:
                yield fn(task)
            return
        futures = {self.executor.submit(fn, task): task for task in tasks}
        try:
            for future in cf.as_completed(futures):
                task = futures.pop(future)  # drop each result as soon as it is handed on
                try:
                    result = future.result()
                except Exception as exc:  # the worker, not the task, failed
                    result = failed(task, worker_failure(exc))
                yield result
        finally:
            for future in futures:
                future.cancel()

    def terminate(self) -> None:
        """Stop local worker processes at once (after an error: the tasks still running
        are of no use, and waiting for them would hold the command open)."""
        processes = getattr(self.executor, "_processes", None) or {}
        for process in list(processes.values()):
            process.terminate()

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
        except ImportError:  # pragma: no cover - dask is a dependency
            raise BackendError("--scheduler needs dask.distributed: pip install "
                               "'dask[distributed]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise BackendError(f"cannot reach the Dask scheduler at {scheduler!r}: "
                               f"{exc}") from None
        return Backend(client.get_executor(), "dask", f"dask scheduler {scheduler}",
                       client.close)
    n = workers or os.cpu_count() or 1
    if n == 1:
        return Backend(InlineExecutor(), "inline", "1 local worker (in process)")
    pool = cf.ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
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
