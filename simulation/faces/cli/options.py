"""What the commands share: the one-line-error parser, argument types, the options of
every command that runs a sweep, and small parsing and printing helpers."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from ...parameters import PARAM_INDEX, ParameterError
from ...running.executors import Backend, BackendError, check_address
from ...support.errors import UsageError

# The modules of each optional-dependency group (pyproject.toml's extras) that commands
# import: a command that needs a group checks them first (require_extra).
EXTRAS = {
    "dashboard": ("solara", "ipyvuetify", "ipyvue"),
    "dask": ("dask", "distributed"),
}


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def int_between(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in [minimum, maximum]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{value} is more than {maximum}")
        return value

    return parse


def scale(text: str) -> float:
    """An argparse type: a world scale (the registry's range of world.scale)."""
    try:
        return PARAM_INDEX["world.scale"].coerce(text)
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("world.scale: ", "")) from None


def probability(text: str) -> float:
    """An argparse type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{value} must lie strictly between 0 and 1")
    return value


def parse_sets(items: list[str]) -> dict[str, str]:
    """--set KEY=VALUE items as a dict (values as typed: the registry coerces them)."""
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"--set {item!r} must look like KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def metric_names(text: str | None) -> list[str] | None:
    """--metrics M1,M2 as a list (None if not given)."""
    if text is None:
        return None
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        raise UsageError("--metrics needs at least one metric name")
    return names


def check_writable(out: str) -> Path:
    """Create the output folder and prove it takes a file, before any run starts."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {out!r} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".gridgov-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"--out {out!r} is not writable: {exc.strerror or exc}") from None
    return path


def fmt(value: Any) -> str:
    """A value for a table: 4 significant digits, n/a for NaN, true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def wide_pandas() -> Any:
    """Wide, untruncated pandas printing (a context manager)."""
    return pd.option_context("display.width", 200, "display.max_columns", 50,
                             "display.max_colwidth", 40)


def guard_cluster(backend: Backend, run: float) -> None:
    """With a Dask cluster: TooBig (exit 2, naming --force) if no worker can hold one run
    of ``run`` bytes; one line if some cannot hold one on each of their threads."""
    from ...running.memory import cluster_notices  # not for the listing commands

    for line in cluster_notices(backend.client, run):
        print(f"gridgov: warning: {line}", file=sys.stderr)


def require_extra(extra: str, what: str) -> None:
    """UsageError naming ``pip install 'gridgov[EXTRA]'`` if a module of the optional
    dependencies ``extra`` (pyproject.toml) is not installed; ``what`` needs them."""
    missing = [m for m in EXTRAS[extra] if find_spec(m) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise UsageError(f"{what} needs {', '.join(missing)}, which {verb} not installed: "
                         f"pip install 'gridgov[{extra}]'")


def scheduler_address(text: str) -> str:
    """An argparse type: a Dask scheduler's address (not empty, a valid port), once Dask
    is known to be installed."""
    require_extra("dask", "--scheduler")
    try:
        return check_address(text)
    except BackendError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("--scheduler ", "")) from None
