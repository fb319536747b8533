"""Ownership records: which files a gridgov command wrote in a folder, and so may overwrite.

Every command that writes files keeps an ownership record in the folder it writes
(:class:`Ownership`): ``gridgov run --out DIR`` in DIR, ``sweep`` in its folder, ``compare``
in its report folder, ``sensitivity`` and ``calibrate`` in theirs. A command overwrites or
deletes only files its own record lists, so repeating it with the same folder works and a
user's file is never touched: if a path it would write exists and is not its own, it stops
with one line (:class:`FolderError`, exit 2) before anything is written.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._version import __version__
from .errors import GridgovError
from .storage import TEMP_TAG, atomic_write_text


class FolderError(GridgovError):
    """A path a command would write exists and is not its own (one line for the user)."""


@dataclass
class Ownership:
    """The files command ``command`` owns in folder ``root`` (its record
    ``root/.gridgov-COMMAND.json``: command, gridgov version, file list).

    Entries are paths relative to ``root`` in POSIX form: a file (``summary.json``), a
    folder the command created (``cases/``; only ever removed when empty) or a pattern of
    per-run files (``runs/*.json``). The command may overwrite or delete only what its
    record lists; :meth:`begin` refuses a path that exists and is not listed.
    """

    root: Path
    command: str
    owned: set[str] = field(default_factory=set)
    readable: bool = True  # False if a record exists but could not be read

    @property
    def path(self) -> Path:
        """The record's file."""
        return self.root / f".gridgov-{self.command}.json"

    @classmethod
    def open(cls, root: str | Path, command: str, adopt: Iterable[str] = (),
             legacy: Callable[[Path], bool] | None = None) -> Ownership:
        """Read ``command``'s record in ``root``. Without one, a folder that ``legacy``
        recognises as written by an earlier gridgov (before records existed) is adopted:
        the entries of ``adopt`` that exist become the command's."""
        own = cls(Path(root), command)
        try:
            doc = json.loads(own.path.read_text(encoding="utf-8"))
            if not (isinstance(doc, dict) and doc.get("command") == command
                    and isinstance(doc.get("files"), list)):
                raise ValueError("not an ownership record")
            own.owned = {str(f) for f in doc["files"]}
        except FileNotFoundError:
            if legacy is not None and own.root.is_dir() and legacy(own.root):
                for entry in adopt:
                    if _is_pattern(entry):  # the pattern, and the files it finds
                        own.owned.add(entry)
                        own.owned.update(p.relative_to(own.root).as_posix()
                                         for p in own.root.glob(entry) if p.is_file())
                    elif own._exists(entry):
                        own.owned.add(entry)
        except (OSError, ValueError, UnicodeDecodeError):
            own.readable = False
        return own

    def owns(self, entry: str) -> bool:
        """True if ``entry`` (a relative path; folders end in ``/``) is listed as ours."""
        if entry in self.owned:
            return True
        return any(_is_pattern(o) and fnmatch.fnmatchcase(entry, o) for o in self.owned)

    def strangers(self, entries: Iterable[str]) -> list[str]:
        """The entries that exist in the folder but are not ours (in the given order)."""
        return [e for e in entries
                if e.rstrip("/") and self._exists(e) and not self.owns(e)]

    def check(self, entries: Iterable[str], what: str = "--out") -> None:
        """Raise FolderError, naming the first path, if any of ``entries`` exists and is
        not ours."""
        strangers = self.strangers(entries)
        if strangers:
            path = self.root / strangers[0].rstrip("/")
            why = ("its record " + str(self.path) + " is unreadable" if not self.readable
                   else f"gridgov {self.command} did not write it")
            raise FolderError(f"{path} exists and {why}; gridgov never overwrites what is "
                              f"not its own: move it away or choose another {what}")

    def begin(self, entries: Iterable[str], what: str = "--out") -> None:
        """Check ``entries`` and record them as ours (with what we owned before) before any
        is written, so an interrupted command can be repeated."""
        entries = list(entries)
        self.check(entries, what)
        self.owned |= set(entries)
        self.root.mkdir(parents=True, exist_ok=True)
        self._write()

    def finish(self, entries: Iterable[str]) -> list[str]:
        """Make ``entries`` the record: delete the files we owned and did not write this
        time (and our folders left empty); return what was deleted. Nothing not listed
        in the record is touched."""
        keep = set(entries)
        gone = []
        stale = sorted(self.owned - keep, key=lambda e: (e.endswith("/"), -e.count("/")))
        for entry in stale:
            if _is_pattern(entry):
                continue
            path = self.root / entry.rstrip("/")
            if entry.endswith("/"):
                if path.is_dir() and not path.is_symlink():
                    with contextlib.suppress(OSError):  # not empty: the user's files stay
                        path.rmdir()
                        gone.append(entry)
            elif path.is_file() or path.is_symlink():
                path.unlink()
                gone.append(entry)
        self.owned = keep
        self._write()
        return gone

    def clean_temporaries(self) -> None:
        """Delete the temporary files an interrupted atomic write of ours left
        (``.NAME.gridgov-XXXX.tmp`` beside an entry we own)."""
        for entry in self.owned:
            if entry.endswith("/"):
                continue
            parent, _, name = entry.rpartition("/")
            folder = self.root / parent if parent else self.root
            for leftover in folder.glob(f".{name}.{TEMP_TAG}*.tmp"):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _exists(self, entry: str) -> bool:
        path = self.root / entry.rstrip("/")
        return path.exists() or path.is_symlink()

    def _write(self) -> None:

        doc = {"command": self.command, "gridgov_version": __version__,
               "written_utc": datetime.now(UTC).isoformat(timespec="seconds"),
               "note": "the files this gridgov command wrote here and may overwrite or "
                       "delete; nothing else in this folder is touched",
               "files": sorted(self.owned)}
        atomic_write_text(self.path, json.dumps(doc, indent=1) + "\n")
        self.readable = True


def write_owned(root: Path, command: str, writers: dict[str, Callable[[Path], object]],
                later: Iterable[str] = (), marker: str | None = None,
                layout: Iterable[str] = ()) -> list[Path]:
    """Write files into ``root`` as command ``command`` owns them (:class:`Ownership`):
    each ``writers[name](path)`` writes one file (atomically); ``later`` names files the
    caller writes afterwards (checked and recorded now). The command's earlier files not
    written again are deleted. A folder without a record whose ``marker`` file exists
    (written by an older gridgov) is adopted: those of ``layout`` (every file the command
    may write there) that exist become the command's. Returns the paths written."""
    names = [*writers, *later]
    own = Ownership.open(root, command, adopt=[*names, *layout],
                         legacy=None if marker is None else lambda r: (r / marker).is_file())
    own.begin(names)
    for name, write in writers.items():
        write(root / name)
    own.finish(names)
    return [root / name for name in writers]


def _is_pattern(entry: str) -> bool:
    return any(c in entry for c in "*?[")


def json_field(path: Path, key: str) -> Any:
    """The value of ``key`` in the JSON object in ``path``; None if the file is missing,
    unreadable, not an object or lacks the key (a marker an older gridgov wrote, a
    fingerprint)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return doc.get(key) if isinstance(doc, dict) else None


def output_error(path: Path | str, exc: OSError, what: str = "--out") -> GridgovError:
    """A one-line error for a file that could not be written (a full disk, a read-only
    folder): what failed and what to do."""
    reason = exc.strerror or str(exc)
    return FolderError(f"cannot write {path}: {reason}; free space or fix the folder's "
                       f"permissions (or choose another {what}), then repeat the command: "
                       "files already written are whole and will be replaced")
