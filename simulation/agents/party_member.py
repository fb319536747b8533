"""Party members: residents (and registered volunteers). Under the *Party branch in the grid*
policy (党支部建在网格上) the members of a grid form a branch when there are enough of them:
its serving members (:func:`simulation.local_help.serving_members`) mediate disputes and
settle small matters inside the grid (大事小事格内解决) in their own weekly hours — cases
they take as they become known, and cases the grid worker would pass up — and the branch
leads volunteers under Party-led mobilisation. Without the policy they act as ordinary
residents and volunteers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..world import World
from .volunteer import Volunteer


class PartyMember(Volunteer):
    """A Party member living in a grid."""

    @classmethod
    def branches(cls, world: World, params: Mapping[str, Any]) -> np.ndarray:
        """Boolean per grid: a branch exists (policy on, enough members, basic grid)."""
        w, p = world, params
        if not p["policy.party_branch"]:
            return np.zeros(w.n_grids, bool)
        members = np.bincount(w.resident_grid[w.party], minlength=w.n_grids)
        return (members >= p["world.branch_min_members"]) & ~w.grid_dedicated
