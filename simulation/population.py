"""Residents' hot state held in NumPy columns behind their Mesa agents.

Trust is stored with the time it was last touched and evaluated in closed form
(:func:`rules.trust_drift`), so idle residents cost nothing between events. What residents'
unresolved issues do to their trust (:class:`Grievances`) is kept apart, as a factor
recomputed once a day from the unresolved issues alone, so its cost grows with the issues,
not with the residents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .rules import Stage, trust_drift, unresolved_trust_factor
from .world import World


class Grievances:
    """Residents' unresolved issues (hidden or open), which weigh on their trust.

    Per issue id (growing columns): resident, building (a problem the building shares: it
    weighs on every resident of it; -1 for a private issue), when it arose and became known,
    severity, and whether it is closed. :meth:`refresh` (once a day) recomputes ``factor``,
    each resident's product of :func:`rules.unresolved_trust_factor` over their unresolved
    issues (1 for everyone else), from the unresolved issues alone.
    """

    def __init__(self, n_residents: int, expected_days: float, loss: float, burden: float,
                 enabled: bool, building_members: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> None:
        self.expected, self.loss, self.burden = expected_days, loss, burden
        self.enabled = enabled and (loss > 0.0 or burden > 0.0)
        self.n = 0
        self.resident = np.empty(1024, dtype=np.int64)
        self.building = np.empty(1024, dtype=np.int64)
        self.members = building_members  # (first resident, count) of each building
        self.t_arisen = np.empty(1024)
        self.t_known = np.empty(1024)
        self.severity = np.empty(1024)
        self.done = np.empty(1024, dtype=bool)
        self.unresolved = np.empty(0, dtype=np.int64)  # ids, refreshed daily
        self._new: list[np.ndarray] = []
        self.factor = np.ones(n_residents)
        self.touched = np.empty(0, dtype=np.int64)  # residents whose factor is not 1
        self._mark = np.zeros(n_residents, dtype=bool)  # scratch: who is touched

    def add(self, residents: np.ndarray, t_arisen: np.ndarray, severity: np.ndarray,
            buildings: np.ndarray | None = None) -> None:
        """New issues, with ids n, n+1, ... in order (resident -1: a dedicated grid's;
        ``buildings`` of shared problems, None for private issues)."""
        k = len(residents)
        if self.n + k > len(self.resident):
            size = max(2 * len(self.resident), self.n + k)
            for name in ("resident", "building", "t_arisen", "t_known", "severity", "done"):
                old = getattr(self, name)
                new = np.empty(size, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
        sl = slice(self.n, self.n + k)
        self.resident[sl], self.t_arisen[sl], self.severity[sl] = residents, t_arisen, severity
        self.building[sl] = -1 if buildings is None else buildings
        self.t_known[sl] = np.nan
        self.done[sl] = False
        ids = np.arange(self.n, self.n + k)
        self._new.append(ids[np.asarray(residents) >= 0])
        self.n += k

    def known(self, issue_id: int, t: float) -> None:
        """The issue became known at ``t``."""
        self.t_known[issue_id] = t

    def reopened(self, ids: np.ndarray) -> None:
        """Closed problems that came back (their ``done`` already cleared): they weigh
        again from the next refresh."""
        self.done[ids] = False
        self._new.append(np.asarray(ids, dtype=np.int64)[self.resident[ids] >= 0])

    def closed(self, issue_id: int) -> None:
        """The issue was resolved or abandoned: it weighs no more."""
        self.done[issue_id] = True

    def refresh(self, t: float) -> None:
        """Recompute ``factor`` at time ``t`` from the unresolved issues."""
        ids = np.concatenate([self.unresolved, *self._new])
        self._new = []
        self.unresolved = ids = ids[~self.done[ids]]
        self.factor[self.touched] = 1.0
        if not self.enabled or len(ids) == 0:
            self.touched = np.empty(0, dtype=np.int64)
            return
        f = unresolved_trust_factor(t - self.t_arisen[ids], t - self.t_known[ids],
                                    self.severity[ids], self.expected, self.loss, self.burden)
        who = self.resident[ids]
        building = self.building[ids]
        shared = building >= 0
        if shared.any():  # a shared problem weighs on everyone in its building
            first, count = (x[building[shared]] for x in self.members)
            everyone = np.repeat(first, count) + (np.arange(int(count.sum()))
                                                  - np.repeat(np.cumsum(count) - count, count))
            who = np.concatenate([who[~shared], everyone])
            f = np.concatenate([f[~shared], np.repeat(f[shared], count)])
        np.multiply.at(self.factor, who, f)
        # distinct residents, sorted: a flag per resident is cheaper than sorting
        self._mark[who] = True
        self.touched = np.flatnonzero(self._mark)
        self._mark[self.touched] = False


class Population:
    """Trust and mobilisation stage of every resident, with their places.

    Trust as measured (``trust_at``, ``all_trust``, ``mean_trust``) is the stored trust,
    drifting between events, times the weight of the resident's unresolved issues
    (:class:`Grievances`, as of its last refresh). Experiences update the stored trust.
    """

    def __init__(self, world: World, anchor: float, drift_per_day: float,
                 grievances: Grievances | None = None) -> None:
        self.world = world
        self.trust = world.trust.astype(float).copy()  # value at trust_time
        self.trust_time = np.zeros(world.n_residents)  # days
        self.stage = world.stage.copy()
        self.anchor = anchor
        self.drift = drift_per_day
        self.grievances = grievances or Grievances(world.n_residents, 1.0, 0.0, 0.0, False)
        self.pool = np.flatnonzero(self.stage >= Stage.INACTIVE)  # registered volunteers
        self.available = world.available.copy()  # registered volunteers who can serve
        # The population mean drifts like each resident (same anchor and rate), so it is
        # kept exactly in O(updates): (mean value, time it refers to).
        self._mean = float(self.trust.mean()) if len(self.trust) else float("nan")
        self._mean_time = 0.0
        self.refresh_stage_counts()

    def trust_at(self, idx: np.ndarray | int, t: float) -> np.ndarray | float:
        """Trust of residents ``idx`` at time ``t`` (days), as measured."""
        return self.stored_trust_at(idx, t) * self.grievances.factor[idx]

    def stored_trust_at(self, idx: np.ndarray | int, t: float) -> np.ndarray | float:
        """Stored trust of residents ``idx`` at ``t``: without their unresolved issues."""
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
        mean = float(trust_drift(self._mean, self.anchor, self.drift, tau - self._mean_time))
        decay = np.exp(-self.drift * (tau - np.asarray(t, dtype=float)))
        self._mean = mean + float(np.sum(np.asarray(change) * decay)) / len(self.trust)
        self._mean_time = tau

    def mean_trust(self, t: float) -> float:
        """Mean measured trust of all residents at ``t`` (no earlier than the last update):
        O(1) for the stored trust, plus O(residents with unresolved issues)."""
        if t < self._mean_time:
            return float(self.all_trust(t).mean())
        mean = float(trust_drift(self._mean, self.anchor, self.drift, t - self._mean_time))
        who = self.grievances.touched
        if len(who):
            weight = self.grievances.factor[who] - 1.0
            # (an elementwise sum, not np.dot: BLAS threads would spin against other workers)
            mean += float(np.sum(self.stored_trust_at(who, t) * weight)) / len(self.trust)
        return mean

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
        """Everyone's measured trust at time ``t``."""
        elapsed = np.maximum(t - self.trust_time, 0.0)
        return trust_drift(self.trust, self.anchor, self.drift, elapsed) * self.grievances.factor

    def active(self) -> np.ndarray:
        """Boolean column: following or self-driven volunteers."""
        return self.stage >= Stage.FOLLOWING

    def refresh_stage_counts(self) -> None:
        """Recount registered volunteers by stage (call after stages change):
        ``stage_counts[Stage.X]`` volunteers are at stage X."""
        self.stage_counts = np.bincount(self.stage[self.pool], minlength=Stage.SELF_DRIVEN + 1)

    @property
    def active_share(self) -> float:
        """Share of all residents who are active volunteers (following or self-driven)."""
        n = len(self.stage)
        return float(self.stage_counts[Stage.FOLLOWING:].sum() / n) if n else 0.0
