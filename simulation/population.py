"""Residents' hot state held in NumPy columns behind their Mesa agents.

Trust is stored with the time it was last touched and evaluated in closed form
(:func:`rules.trust_drift`), so idle residents cost nothing between events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .rules import FOLLOWING, INACTIVE, SELF_DRIVEN, trust_drift
from .world import World


class Population:
    """Trust and mobilisation stage of every resident, with their places."""

    def __init__(self, world: World, anchor: float, drift_per_day: float) -> None:
        self.world = world
        self.trust = world.trust.astype(float).copy()  # value at trust_time
        self.trust_time = np.zeros(world.n_residents)  # days
        self.stage = world.stage.copy()
        self.anchor = anchor
        self.drift = drift_per_day
        self.pool = np.flatnonzero(self.stage >= INACTIVE)  # registered volunteers
        # The population mean drifts like each resident (same anchor and rate), so it is
        # kept exactly in O(updates): (mean value, time it refers to).
        self._mean = float(self.trust.mean()) if len(self.trust) else float("nan")
        self._mean_time = 0.0
        self.refresh_stage_counts()

    def trust_at(self, idx: np.ndarray | int, t: float) -> np.ndarray | float:
        """Trust of residents ``idx`` at time ``t`` (days)."""
        elapsed = np.maximum(t - self.trust_time[idx], 0.0)
        return trust_drift(self.trust[idx], self.anchor, self.drift, elapsed)

    def _store(self, idx: np.ndarray | int, value: np.ndarray | float, old: np.ndarray | float,
               t_eff: np.ndarray | float) -> None:
        """Store new trust (``old`` = the value it replaces, at ``t_eff``)."""
        new = np.clip(value, 0.0, 1.0)
        self._add_to_mean(new - old, t_eff)
        self.trust[idx] = new
        self.trust_time[idx] = t_eff

    def _add_to_mean(self, change: np.ndarray | float, t: np.ndarray | float) -> None:
        """Add changes made at times ``t`` to the running mean."""
        tau = max(self._mean_time, float(np.max(t)))
        mean = self.mean_trust(tau)
        decay = np.exp(-self.drift * (tau - np.asarray(t, dtype=float)))
        self._mean = mean + float(np.sum(np.asarray(change) * decay)) / len(self.trust)
        self._mean_time = tau

    def mean_trust(self, t: float) -> float:
        """Mean trust of all residents at ``t`` (no earlier than the last update), O(1)."""
        if t < self._mean_time:
            return float(self.all_trust(t).mean())
        return float(trust_drift(self._mean, self.anchor, self.drift, t - self._mean_time))

    def resync_mean(self, t: float) -> None:
        """Recompute the running mean from all residents (after a bulk update)."""
        self._mean = float(self.all_trust(t).mean())
        self._mean_time = t

    def update_in_order(self, idx: np.ndarray, t: np.ndarray,
                        rule: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
        """Apply ``rule`` to residents ``idx`` at times ``t``, in the given order.

        ``rule(trust, k)`` returns the new trust of the entries at positions ``k``. Entries
        are applied in rounds: round r takes each resident's r-th entry, so every round's
        residents are distinct and one vectorised call per round gives exactly the result
        of applying the entries one by one (``t`` must not decrease for a resident).
        """
        if len(idx) == 0:
            return
        t = np.broadcast_to(np.asarray(t, dtype=float), idx.shape)
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
        if len(starts) == len(idx):  # all distinct: one round
            self._apply(idx, t, rule, slice(None))
            return
        rank = np.arange(len(idx)) - np.repeat(starts, np.diff(np.r_[starts, len(idx)]))
        for r in range(int(rank.max()) + 1):
            k = order[rank == r]
            self._apply(idx[k], t[k], rule, k)

    def _apply(self, who: np.ndarray, t: np.ndarray, rule: Callable[[np.ndarray, Any],
               np.ndarray], k: Any) -> None:
        """One round of update_in_order: ``who`` are distinct."""
        t_eff = np.maximum(t, self.trust_time[who])
        old = trust_drift(self.trust[who], self.anchor, self.drift, t_eff - self.trust_time[who])
        self._store(who, rule(old, k), old, t_eff)

    def all_trust(self, t: float) -> np.ndarray:
        """Everyone's trust at time ``t``."""
        elapsed = np.maximum(t - self.trust_time, 0.0)
        return trust_drift(self.trust, self.anchor, self.drift, elapsed)

    def active(self) -> np.ndarray:
        """Boolean column: following or self-driven volunteers."""
        return self.stage >= FOLLOWING

    def refresh_stage_counts(self) -> None:
        """Recount registered volunteers by stage (call after stages change)."""
        self.stage_counts = np.bincount(self.stage[self.pool], minlength=SELF_DRIVEN + 1)

    @property
    def active_share(self) -> float:
        """Share of all residents who are active volunteers (following or self-driven)."""
        n = len(self.stage)
        return float(self.stage_counts[FOLLOWING:].sum() / n) if n else 0.0
