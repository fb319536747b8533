"""Atomic file writing: a result file is either complete or absent, never half-written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

# Temporary files are named .NAME.gridgov-XXXXXXXX.tmp beside NAME (what a command may
# clean up after a crash: simulation.results_folder.Ownership.clean_temporaries).
TEMP_TAG = "gridgov-"

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    _atomic(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as Parquet (no index) via a temporary file and a rename."""
    _atomic(Path(path), lambda tmp: frame.to_parquet(tmp, index=False))


def atomic_write_figure(path: Path, figure: Any, dpi: int = 110) -> None:
    """Save a matplotlib ``figure`` as PNG via a temporary file and a rename."""
    _atomic(Path(path), lambda tmp: figure.savefig(tmp, dpi=dpi, format="png"))


def _atomic(path: Path, write: Callable[[str], Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{TEMP_TAG}", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
