"""gridgov's error types: one base class for every problem with the user's input.

A :class:`GridgovError` carries one line for the user; the command line prints it as
``gridgov: error: ...`` and exits with status 2 (:data:`EXIT_USAGE`), before anything runs
or is lost. Each module raises its own subclass (a bad parameter, experiment file, sweep
folder, results folder, command-line option), so callers in Python can catch one type or
the precise one. :class:`RunFailed` is different: the input was valid but a run broke (a
district's model raised, a worker died); the command exits with status 1.
"""

from __future__ import annotations

EXIT_USAGE = 2  # bad input: nothing was run
EXIT_FAILED = 1  # a run failed (or some runs of a sweep did)


class GridgovError(Exception):
    """A problem with the user's input; the message is one line naming it and the valid
    choices."""


class UsageError(GridgovError):
    """A bad command-line option or combination of options."""


class RunFailed(Exception):
    """A run failed although its input was valid; ``details`` holds the traceback."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details
