"""The hidden issues where they wait to be found: a list per grid and a list per household
(and per building, for the problems a building shares: key n_households + building; an
issue's key is the store's ``hh_key``),
linked through the issue store's rows (``g_prev``/``g_next``, ``hh_prev``/``hh_next``) in
the order they were hidden, each with its head and tail (:class:`Lists`). An issue joins
both lists as it arises (a dedicated grid's only its grid's) and leaves them as it becomes
known, which routing's compiled loop does (:func:`unlink`); a closed problem that comes
back joins them again (:func:`relink`). Visits, inspections and volunteers read them
(:func:`in_households`, :func:`in_grid`). Compiled with numba, like the loop; the cost
grows with the hidden issues touched, not with the households.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .support.compiled import jit


class Lists(NamedTuple):
    """Heads, tails and links of the hidden lists: by grid (with their lengths) and by
    household; ``*_prev``/``*_next`` are the store's columns (-1: none)."""

    g_head: np.ndarray
    g_tail: np.ndarray
    g_count: np.ndarray
    g_prev: np.ndarray
    g_next: np.ndarray
    hh_head: np.ndarray
    hh_tail: np.ndarray
    hh_prev: np.ndarray
    hh_next: np.ndarray


@jit
def _append(i: int, key: int, head: np.ndarray, tail: np.ndarray, prev: np.ndarray,
            nxt: np.ndarray) -> None:
    last = tail[key]
    prev[i], nxt[i] = last, -1
    if last < 0:
        head[key] = i
    else:
        nxt[last] = i
    tail[key] = i


@jit
def _remove(i: int, key: int, head: np.ndarray, tail: np.ndarray, prev: np.ndarray,
            nxt: np.ndarray) -> None:
    before, after = prev[i], nxt[i]
    if before < 0:
        head[key] = after
    else:
        nxt[before] = after
    if after < 0:
        tail[key] = before
    else:
        prev[after] = before
    prev[i], nxt[i] = -1, -1


@jit
def hide(ids: np.ndarray, grid: np.ndarray, household: np.ndarray, h: Lists) -> None:
    """New issues (ids in increasing order) join the hidden lists."""
    for i in ids:
        g = grid[i]
        _append(i, g, h.g_head, h.g_tail, h.g_prev, h.g_next)
        h.g_count[g] += 1
        if household[i] >= 0:
            _append(i, household[i], h.hh_head, h.hh_tail, h.hh_prev, h.hh_next)


@jit
def unlink(i: int, grid: int, household: int, g_head: np.ndarray, g_tail: np.ndarray,
           g_count: np.ndarray, g_prev: np.ndarray, g_next: np.ndarray, hh_head: np.ndarray,
           hh_tail: np.ndarray, hh_prev: np.ndarray, hh_next: np.ndarray) -> None:
    """A just-known issue leaves the hidden lists."""
    _remove(i, grid, g_head, g_tail, g_prev, g_next)
    g_count[grid] -= 1
    if household >= 0:
        _remove(i, household, hh_head, hh_tail, hh_prev, hh_next)


@jit
def relink(i: int, grid: int, household: int, g_head: np.ndarray, g_tail: np.ndarray,
           g_count: np.ndarray, g_prev: np.ndarray, g_next: np.ndarray, hh_head: np.ndarray,
           hh_tail: np.ndarray, hh_prev: np.ndarray, hh_next: np.ndarray) -> None:
    """A closed problem that came back joins the hidden lists again (at their ends: the
    lists are in the order issues were hidden)."""
    _append(i, grid, g_head, g_tail, g_prev, g_next)
    g_count[grid] += 1
    if household >= 0:
        _append(i, household, hh_head, hh_tail, hh_prev, hh_next)


@jit
def walk(keys: np.ndarray, head: np.ndarray, nxt: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """The issues of the lists of ``keys`` (in this order; a key may come twice), each
    list in issue order: (issue ids, index of the key in ``keys``)."""
    n = 0
    for key in keys:
        i = head[key]
        while i >= 0:
            n += 1
            i = nxt[i]
    ids = np.empty(n, dtype=np.int64)
    which = np.empty(n, dtype=np.int64)
    k = 0
    for j in range(len(keys)):
        i = head[keys[j]]
        while i >= 0:
            ids[k], which[k] = i, j
            k += 1
            i = nxt[i]
    return ids, which


def in_households(households: np.ndarray, h: Lists) -> tuple[np.ndarray, np.ndarray]:
    """The hidden issues of ``households`` (visited in this order): (issue ids, index of
    the visit)."""
    return walk(households, h.hh_head, h.hh_next)


def in_grids(grids: np.ndarray, h: Lists) -> tuple[np.ndarray, np.ndarray]:
    """The hidden issues of ``grids`` (inspected in this order): (issue ids, index of the
    grid in ``grids``)."""
    return walk(grids, h.g_head, h.g_next)


@jit
def count_linked(head: np.ndarray, nxt: np.ndarray) -> int:
    """Issues reachable from ``head`` through the links (a check of the lists)."""
    n = 0
    for first in head:
        i = first
        while i >= 0:
            n += 1
            i = nxt[i]
    return n
