"""Volunteers: registered residents who move inactive → watching (看着干) → following
(跟着干) → self-driven (主动干) and back, by social influence within the grid, Party-branch
leadership, campaigns and trust. Most registered volunteers never serve (DOMAIN): only the
``volunteers.available_share`` who can give time at all move through the stages. Active
volunteers (following or self-driven) spot hidden issues and handle minor ones within their
weekly hours; the residents they help or whose problems they spot gain a little trust
(:func:`rules.trust_boost`), and the issues they settle count like any other case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..rules import Stage, mobilisation_probabilities, volunteer_take_probability
from .resident import Resident

if TYPE_CHECKING:
    from ..model import GridGovernanceModel


class Volunteer(Resident):
    """A resident registered as a volunteer, with a mobilisation stage."""

    @property
    def stage(self) -> str:
        """Mobilisation stage: inactive, watching, following or self_driven."""
        return Stage(int(self.model.population.stage[self.index])).name.lower()

    @property
    def active(self) -> bool:
        """Following or self-driven: spots issues, handles minor ones."""
        # int() first: comparing a NumPy scalar with an enum member is ~30 times slower
        return int(self.model.population.stage[self.index]) >= Stage.FOLLOWING

    @classmethod
    def update_stages(cls, model: GridGovernanceModel, t: float, dt_weeks: float = 1.0) -> None:
        """Move every registered volunteer up, down or not, by one stage (weekly).

        Social influence is the share of the grid's available volunteers that is active
        (following or self-driven) (:func:`rules.mobilisation_probabilities`); Party-led
        mobilisation acts in grids with a Party branch, a campaign everywhere. Registered
        volunteers with no time to give (not ``available``) stay inactive.
        """
        pop, w, p = model.population, model.world, model.params
        idx = pop.pool
        if len(idx) == 0:
            return
        stage = pop.stage[idx].astype(np.int64)
        grid = w.resident_grid[idx]
        active = model.active_by_grid / np.maximum(model.available_by_grid, 1)
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
        p_up = np.where(pop.available[idx], p_up, 0.0)
        u = model.streams.behaviour.random(len(idx))
        pop.stage[idx] = stage + (u < p_up) - ((u >= p_up) & (u < p_up + p_down))
        pop.refresh_stage_counts()
        model.refresh_active_volunteers()

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
