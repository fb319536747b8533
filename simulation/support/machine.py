"""The machine's resources, as this process may use them: the memory still available (this
machine's, or its container's cgroup limit if lower), the cores (affinity and cgroup CPU
quota) and the free disk of a folder; and bytes in words for messages."""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import shutil
from pathlib import Path

import psutil

UNLIMITED = 2**60  # a cgroup limit at or above this is none (v1 writes 2^63 - 4096)
CGROUP_ROOT = Path("/sys/fs/cgroup")


def gib(n: float) -> str:
    """``n`` bytes for a message: '3.2 GiB', or '250 MiB' below one GiB."""
    return f"{n / 2**30:,.1f} GiB" if abs(n) >= 2**30 else f"{n / 2**20:,.0f} MiB"


# --- resources -----------------------------------------------------------------------------

def available_bytes() -> int:
    """Memory this process may still use (bytes): this machine's available memory, or the
    room left under its container's cgroup limit if that is less."""
    have = int(psutil.virtual_memory().available)
    room = cgroup_room()
    return have if room is None else min(have, room)


def cgroup_room(root: Path = CGROUP_ROOT, membership: Path = Path("/proc/self/cgroup")
                ) -> int | None:
    """Memory (bytes) this process's cgroups let it still use: the tightest limit of its
    memory cgroup and the cgroups above it (v2 memory.max, v1 memory.limit_in_bytes) minus
    their usage (reclaimable page cache, inactive_file, not counted); None if unlimited or
    unknown."""
    room: int | None = None
    for folder, v2 in _cgroup_folders(root, membership, "memory"):
        limit = _read_int(folder / ("memory.max" if v2 else "memory.limit_in_bytes"))
        if limit is None or limit >= UNLIMITED:
            continue
        used = _read_int(folder / ("memory.current" if v2 else "memory.usage_in_bytes")) or 0
        cache = _stat(folder / "memory.stat", "inactive_file" if v2 else "total_inactive_file")
        left = max(0, limit - max(0, used - cache))
        room = left if room is None else min(room, left)
    return room


def usable_cores(root: Path = CGROUP_ROOT, membership: Path = Path("/proc/self/cgroup")
                 ) -> int:
    """The cores this process may use: those it may run on (its affinity), fewer if its
    cgroups' CPU quota (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us) is less
    (rounded up)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    for folder, v2 in _cgroup_folders(root, membership, "cpu"):
        if v2:
            fields = _read_text(folder / "cpu.max").split()
            quota, period = [*fields, "", ""][:2]
        else:
            quota = _read_text(folder / "cpu.cfs_quota_us").strip()
            period = _read_text(folder / "cpu.cfs_period_us").strip()
        try:
            share = int(quota) / int(period)
        except (ValueError, ZeroDivisionError):  # "max", -1 or unreadable: no quota
            continue
        if share > 0:
            cores = min(cores, max(1, math.ceil(share)))
    return max(1, cores)


def _cgroup_folders(root: Path, membership: Path, controller: str
                    ) -> list[tuple[Path, bool]]:
    """This process's cgroup folders for ``controller`` and those above them, each with
    True for cgroup v2 (``0::/path`` in /proc/self/cgroup) or False for v1
    (``N:memory,...:/path``, mounted at root/controller)."""
    try:
        lines = membership.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in lines:
        fields = line.split(":", 2)
        if len(fields) != 3:
            continue
        _, controllers, path = fields
        if controllers == "":
            base, v2 = root, True
        elif controller in controllers.split(","):
            base, v2 = root / controllers, False
            if not base.is_dir():  # e.g. cpu,cpuacct mounted under one of its names
                base = root / controller
        else:
            continue
        parts = [x for x in path.strip().strip("/").split("/") if x and x != ".."]
        out += [(base.joinpath(*parts[:k]), v2) for k in range(len(parts), -1, -1)]
    return out


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _read_int(path: Path) -> int | None:
    """The whole number in a one-value cgroup file; None if missing or not a number
    ("max")."""
    try:
        return int(_read_text(path).strip())
    except ValueError:
        return None


def _stat(path: Path, key: str) -> int:
    """``key``'s value in a cgroup's memory.stat (0 if missing)."""
    for line in _read_text(path).splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def free_disk_bytes(out: Path) -> int:
    """Free space (bytes) on the disk that holds (or will hold) the folder ``out``, for
    this user."""
    where = Path(os.path.abspath(out))
    while not where.exists() and where != where.parent:
        where = where.parent
    return shutil.disk_usage(where).free


def return_freed_memory() -> bool:
    """Give the memory this process has freed back to the operating system (glibc's
    ``malloc_trim``: a worker between districts holds half a GiB it no longer uses
    otherwise, measured after a year of Licheng); False where there is no glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError, TypeError):
        return False
