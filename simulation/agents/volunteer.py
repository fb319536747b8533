"""Volunteers: registered residents who move inactive → watching (看着干) → following
(跟着干) → self-driven (主动干) and back, by social influence within the grid, Party-branch
leadership, campaigns and trust. Most registered volunteers never serve (DOMAIN): only the
``volunteers.available_share`` who can give time at all move through the stages. Active
volunteers (following or self-driven) spot hidden issues and handle minor ones, both within
their weekly hours; the issues they settle count like any other case (and move trust as any
closed case does; a contact's own boost, :func:`rules.trust_boost`, is 0 by default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..casebook import KNOWN
from ..issues import IssuePools, Source
from ..local_help import LocalHelp
from ..population import Population
from ..rules import Stage, mobilisation_probabilities
from ..worktime import HOURS_PER_DAY, Calendar
from ..world import World
from .resident import Resident


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
    def update_stages(cls, population: Population, world: World, params: Mapping[str, Any],
                      help: LocalHelp, rng: np.random.Generator, t: float,
                      dt_weeks: float = 1.0) -> None:
        """Move every registered volunteer up, down or not, by one stage (weekly; one draw
        each from ``rng``), then recount the grids' active volunteers (``help``).

        Social influence is the share of the grid's available volunteers that is active
        (following or self-driven) (:func:`rules.mobilisation_probabilities`); Party-led
        mobilisation acts in grids with a Party branch, a campaign everywhere. Registered
        volunteers with no time to give (not ``available``) stay inactive.
        """
        pop, w, p = population, world, params
        idx = pop.pool
        if len(idx) == 0:
            return
        stage = pop.stage[idx].astype(np.int64)
        grid = w.resident_grid[idx]
        active = help.active_by_grid / np.maximum(help.available_by_grid, 1)
        share = active[grid]
        mode = p["policy.mobilisation"]
        branch_led = (mode == "party_led") & help.has_branch[grid]
        p_up, p_down = mobilisation_probabilities(
            stage, share, pop.trust_at(idx, t), branch_led, mode == "campaign",
            base_rate=p["volunteers.base_rate"], social_rate=p["volunteers.social_rate"],
            threshold=p["volunteers.threshold"], width=p["volunteers.threshold_width"],
            party_rate=p["volunteers.party_rate"], campaign_rate=p["volunteers.campaign_rate"],
            trust_rate=p["volunteers.trust_rate"], fallback_rate=p["volunteers.fallback_rate"],
            incentive_cut=p["volunteers.incentive_cut"], dt_weeks=dt_weeks)
        p_up = np.where(pop.available[idx], p_up, 0.0)
        u = rng.random(len(idx))
        pop.stage[idx] = stage + (u < p_up) - ((u >= p_up) & (u < p_up + p_down))
        pop.refresh_stage_counts()
        help.refresh(pop.active())

    @classmethod
    def spot_rates(cls, params: Mapping[str, Any], help: LocalHelp) -> np.ndarray:
        """Expected hidden issues spotted per grid per day (active volunteers x rate)."""
        return params["volunteers.spot_rate"] * help.active_by_grid

    @classmethod
    def spot(cls, params: Mapping[str, Any], help: LocalHelp, pools: IssuePools,
             calendar: Calendar, rng: np.random.Generator,
             push: Callable[..., None], day: int) -> None:
        """Today's spotting: each grid's active volunteers notice a Poisson number of its
        hidden issues (:meth:`spot_rates`; at most as many as there are), each at a random
        moment of their ``calendar``'s day, and make them known (draws from ``rng``). Each
        spotted issue takes ``volunteers.spot_hours`` of the grid volunteers' week
        (:class:`~simulation.local_help.WeeklyHours`, shared with taking issues): once the
        week's hours are spent they spot no more that week."""
        n_spot = rng.poisson(cls.spot_rates(params, help))
        spot_hours = params["volunteers.spot_hours"]
        hours_left = help.volunteer_hours
        for g in np.flatnonzero(n_spot):
            if not pools.g_count[g]:
                continue
            issues = pools.hidden_in_grid(g)  # in issue order
            k = min(int(n_spot[g]), len(issues))
            picks = rng.choice(len(issues), size=k, replace=False)
            hours = calendar.open_hour + rng.random(k) * (calendar.close_hour
                                                          - calendar.open_hour)
            arisen = pools.store.t_arisen
            for j, h in zip(picks.tolist(), hours.tolist(), strict=True):
                if not hours_left.take(g, spot_hours):
                    break
                issue = int(issues[j])
                push(max(day + h / HOURS_PER_DAY, float(arisen[issue])), KNOWN, issue,
                     int(Source.VOLUNTEER))
