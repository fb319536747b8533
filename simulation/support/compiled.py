"""How gridgov compiles its hot loops with numba: cached (compiled once per installation
and source change, into ``__pycache__`` or numba's user cache) and without fast-math, so
every operation is the IEEE one Python would do, in the same order: compiled results are
bit-identical to the Python they replace."""

from __future__ import annotations

import numba

jit = numba.njit(cache=True, fastmath=False)
# a small helper inlined into its caller (numba IR inlining: no call, so no reference
# counting of the arrays it is given)
inline = numba.njit(cache=True, fastmath=False, inline="always")
