"""Provenance: where and with what a result was made (versions, commit, machine, time),
written beside every result and kept apart from the deterministic results."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mesa
import numpy
import pandas as pd

from .._version import __version__


def manifest(wall_seconds: float) -> dict[str, Any]:
    """Where and with what a result was made (not part of the deterministic results)."""
    return {
        "gridgov_version": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 3),
        "argv": sys.argv,
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None
