"""The ``gridgov`` command: the parser and the dispatch, nothing else.

:mod:`.parser` defines every command and names the function that handles it; each group of
commands is a small module imported only when one of its commands runs: :mod:`.info`
(scenarios, params, policies), :mod:`.dashboard`, :mod:`.run`, :mod:`.sweep`,
:mod:`.analyses` (sensitivity, calibrate), :mod:`.compare` and :mod:`.experiments` (the
shipped experiment files and docs); :mod:`.options` holds what they share. The work itself
is done by the package's modules (runner, partition, sweep, report, ...), which the commands
only call. ``python -m simulation`` and ``python -m simulation.faces.cli`` run the same command.

A command needing optional dependencies that are missing (``gridgov dashboard`` without
Solara, ``--scheduler`` without Dask) says in one line which ``pip install
'gridgov[EXTRA]'`` adds them, and exits with status 2. A ``simulation.py`` or
``simulation/`` in the current folder that is not gridgov's package is named in a warning:
the ``gridgov`` command still runs gridgov, but Python sessions and notebooks started in
that folder would import it instead.

Bad input (an unknown scenario, key, metric or policy, a value of the wrong type or out of
range, a malformed experiment file, an unwritable output folder) prints one line
``gridgov: error: ...`` and exits with status 2 (:class:`simulation.support.errors.GridgovError`),
before anything runs. A run that fails (a district's model raising) exits with 1.

Ctrl-C (SIGINT) and SIGTERM stop a command the same way: the runs still going and those
queued are dropped, the local worker processes stopped, and one line ``gridgov:
interrupted (SIGINT)`` (saying, for a sweep, that the finished runs are kept for
``--resume``) is printed; the exit status is 128 + the signal's number (130, 143). A second
signal while it stops is ignored (stopping takes a few seconds at most); a third ends it at
once.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from ...support.errors import EXIT_FAILED, EXIT_USAGE, GridgovError, RunFailed
from ...support.shipped import shadowing_warning
from .parser import build_parser

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # what interrupts a command


class Interrupted(KeyboardInterrupt):
    """A command stopped by signal ``signum`` (SIGINT or SIGTERM); a KeyboardInterrupt, so
    it unwinds as Ctrl-C does: workers stopped, the sweep's lock released."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Stopping:
    """How a command answers SIGINT and SIGTERM: the first raises :class:`Interrupted`
    (the command unwinds: a few seconds at most), a second is ignored, a third exits at
    once with the first's status, after killing the local worker processes (elsewhere
    than Linux they would outlive it)."""

    def __init__(self) -> None:
        self.signum = 0  # the first stop signal caught (0: none)
        self.hint = ""  # what the one line adds, e.g. that --resume continues a sweep
        self.told = False
        self.again = 0  # stop signals received after the first
        self.previous: dict[int, Any] = {}

    def install(self) -> None:
        """Catch the stop signals (only the main thread can; one that is ignored, as
        SIGINT is for a job a script starts with ``&``, stays ignored)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for s in STOP_SIGNALS:
            if signal.getsignal(s) not in (signal.SIG_IGN, None):
                self.previous[s] = signal.signal(s, self._first)

    def restore(self) -> None:
        """Give the stop signals back to whoever had them."""
        for s, handler in self.previous.items():
            signal.signal(s, handler)

    def ignore(self) -> None:
        """Ignore the stop signals from now on (for the last moments of an exit: Python
        gives the default action back to the handlers it set, and a second Ctrl-C there
        would end the process by SIGINT instead of with status 130)."""
        for s in self.previous:
            signal.signal(s, signal.SIG_IGN)

    def tell(self, signum: int, raw: bool = False) -> None:
        """Print the one line, once (``raw``: straight to file descriptor 2, as a signal
        handler must, not through ``sys.stderr``'s buffer)."""
        if self.told:
            return
        self.told = True
        line = f"gridgov: interrupted ({signal.Signals(signum).name}){self.hint}"
        if raw:
            os.write(2, f"{line}\n".encode())
        else:
            print(line, file=sys.stderr, flush=True)

    def _first(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        for s in self.previous:
            signal.signal(s, self._again)
        raise Interrupted(signum)

    def _again(self, signum: int, frame: FrameType | None) -> None:
        self.again += 1
        if self.again < 2:  # the stop takes a few seconds at most: let it finish
            return
        for child in multiprocessing.active_children():
            child.kill()
        self.tell(self.signum, raw=True)
        os._exit(128 + self.signum)


def _interrupt_hint(args: argparse.Namespace) -> str:
    """What the interrupted line adds: for a sweep, that the finished runs are kept."""
    if hasattr(args, "resume"):  # sweep, sensitivity, calibrate: runs in a results folder
        return "; the runs finished so far are kept: repeat the command with --resume " \
               "to continue"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridgov`` console script (``argv`` None: the command line's);
    returns the exit status. The stop signals' handlers are restored when it returns,
    except after an interruption of the command line's command: then the process is
    ending, and further signals are ignored (no traceback) until it has."""
    stopping = _Stopping()
    stopping.install()
    try:
        shadow = shadowing_warning()
        if shadow:
            print(f"gridgov: warning: {shadow}", file=sys.stderr)
        args = build_parser().parse_args(argv)
        stopping.hint = _interrupt_hint(args)
        module, function = args.handler
        return getattr(importlib.import_module(f"{__name__}.{module}"), function)(args)
    except GridgovError as exc:
        print(f"gridgov: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunFailed as exc:  # a district's run failed: not the user's input
        print(f"gridgov: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        signum = stopping.signum or signal.SIGINT
        stopping.tell(signum)
        return 128 + signum
    except BrokenPipeError:  # e.g. `gridgov params baseline | head`
        sys.stderr.close()
        return 0
    except OSError as exc:  # a file the command could not write or read (a full disk, say)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"gridgov: error: {where}{exc.strerror or exc}; free space or fix the "
              "folder's permissions, then repeat the command", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if stopping.signum and argv is None:
            atexit.register(stopping.ignore)  # Python's exit resets handlers it set
        else:
            stopping.restore()


__all__ = ["Interrupted", "build_parser", "main"]
