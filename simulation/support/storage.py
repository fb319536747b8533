"""Atomic file writing: a result file is either complete or absent, never half-written."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

# Temporary files are named .NAME.gridgov-XXXXXXXX.tmp beside NAME (what a command may
# clean up after a crash: simulation.support.ownership.Ownership.clean_temporaries).
TEMP_TAG = "gridgov-"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    _atomic(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as Parquet (no index) via a temporary file and a rename."""
    _atomic(Path(path), lambda tmp: frame.to_parquet(tmp, index=False))


def atomic_write_figure(path: Path, figure: Any, dpi: int = 110) -> None:
    """Save a matplotlib ``figure`` as PNG via a temporary file and a rename."""
    _atomic(Path(path), lambda tmp: figure.savefig(tmp, dpi=dpi, format="png"))


def temporary_file(path: Path) -> Path:
    """A new empty file beside ``path`` named ``.NAME.gridgov-XXXXXXXX.tmp`` (what a later
    command cleans up after a kill), with a new file's permissions (the umask's): write it,
    then rename it over ``path``."""
    path = Path(path)
    while True:
        tmp = path.with_name(f".{path.name}.{TEMP_TAG}{os.urandom(4).hex()}.tmp")
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return tmp


def _atomic(path: Path, write: Callable[[str], Any]) -> None:
    tmp = temporary_file(path)
    try:
        write(str(tmp))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
