"""Volunteers: registered residents who move inactive → watching (看着干) → following
(跟着干) → self-driven (主动干) and back, by social influence within the grid, Party-branch
leadership, campaigns and trust. Active volunteers (following or self-driven) spot hidden
issues, handle minor ones, and raise their neighbours' trust.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..rules import (
    FOLLOWING,
    STAGE_NAMES,
    mobilisation_probabilities,
    trust_boost,
    volunteer_take_probability,
)
from .resident import Resident

if TYPE_CHECKING:
    from ..model import GridGovernanceModel


class Volunteer(Resident):
    """A resident registered as a volunteer, with a mobilisation stage."""

    @property
    def stage(self) -> str:
        """Mobilisation stage: inactive, watching, following or self_driven."""
        return STAGE_NAMES[int(self.model.population.stage[self.index])]

    @property
    def active(self) -> bool:
        """Following or self-driven: spots issues, handles minor ones."""
        return bool(self.model.population.stage[self.index] >= FOLLOWING)

    @classmethod
    def update_stages(cls, model: GridGovernanceModel, t: float, dt_weeks: float = 1.0) -> None:
        """Move every registered volunteer up, down or not, by one stage (weekly).

        Social influence is the share of the grid's volunteer pool that is active (following
        or self-driven) (:func:`rules.mobilisation_probabilities`); Party-led mobilisation
        acts in grids with a Party branch, a campaign everywhere.
        """
        pop, w, p = model.population, model.world, model.params
        idx = pop.pool
        if len(idx) == 0:
            return
        stage = pop.stage[idx].astype(np.int64)
        grid = w.resident_grid[idx]
        active = model.active_by_grid / np.maximum(model.pool_by_grid, 1)
        share = active[grid]
        mode = p["policy.mobilisation"]
        branch_led = (mode == "party_led") & model.grid_has_branch[grid]
        p_up, p_down = mobilisation_probabilities(
            stage, share, pop.trust_at(idx, t), branch_led, mode == "campaign",
            base_rate=p["volunteers.base_rate"], social_rate=p["volunteers.social_rate"],
            threshold=p["volunteers.threshold"], width=p["volunteers.threshold_width"],
            party_rate=p["volunteers.party_rate"], campaign_rate=p["volunteers.campaign_rate"],
            trust_rate=p["volunteers.trust_rate"], fallback_rate=p["volunteers.fallback_rate"],
            incentive_cut=p["volunteers.incentive_cut"], dt_weeks=dt_weeks)
        u = model.streams.behaviour.random(len(idx))
        pop.stage[idx] = stage + (u < p_up) - ((u >= p_up) & (u < p_up + p_down))
        pop.refresh_stage_counts()
        model.refresh_active_volunteers()

    @classmethod
    def encourage_neighbours(cls, model: GridGovernanceModel, t: float) -> None:
        """Weekly: residents' trust gains gain_week x (active share of the grid's pool)."""
        pop, p = model.population, model.params
        if not p["trust.enabled"] or p["volunteers.trust_gain_week"] == 0.0:
            return
        share = model.active_by_grid / np.maximum(model.pool_by_grid, 1)
        if not share.any():
            return
        gain = p["volunteers.trust_gain_week"] * share[model.world.resident_grid]
        pop.trust[:] = trust_boost(pop.all_trust(t), gain)
        pop.trust_time[:] = t
        pop.resync_mean(t)

    @classmethod
    def spot_rates(cls, model: GridGovernanceModel) -> np.ndarray:
        """Expected hidden issues spotted per grid per day (active volunteers x rate)."""
        return model.params["volunteers.spot_rate"] * model.active_by_grid

    @classmethod
    def take_probability(cls, model: GridGovernanceModel, grid: int) -> float:
        """P(the grid's active volunteers take a minor issue)."""
        p = model.params
        return volunteer_take_probability(float(model.active_by_grid[grid]),
                                          p["volunteers.take_per_active"],
                                          p["volunteers.take_max"])
