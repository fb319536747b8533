"""The ``gridgov`` command: the parser and the dispatch, nothing else.

:mod:`.parser` defines every command and names the function that handles it; each group of
commands is a small module imported only when one of its commands runs: :mod:`.info`
(scenarios, params, policies), :mod:`.dashboard`, :mod:`.run`, :mod:`.sweep`,
:mod:`.analyses` (sensitivity, calibrate) and :mod:`.compare`; :mod:`.options` holds what
they share. The work itself is done by the
package's modules (runner, partition, sweep, report, ...), which the commands only call.

Bad input (an unknown scenario, key, metric or policy, a value of the wrong type or out of
range, a malformed experiment file, an unwritable output folder) prints one line
``gridgov: error: ...`` and exits with status 2 (:class:`simulation.errors.GridgovError`),
before anything runs. A run that fails (a district's model raising) exits with 1.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from ..errors import EXIT_FAILED, EXIT_USAGE, GridgovError, RunFailed
from .parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridgov`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        module, function = args.handler
        return getattr(importlib.import_module(f"{__name__}.{module}"), function)(args)
    except GridgovError as exc:
        print(f"gridgov: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunFailed as exc:  # a district's run failed: not the user's input
        print(f"gridgov: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("gridgov: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `gridgov params baseline | head`
        sys.stderr.close()
        return 0


__all__ = ["build_parser", "main"]
