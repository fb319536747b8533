"""Residents: belong to a household, building and grid; raise issues, report them or not,
and update their trust from their own and their neighbours' experience.

A resident's state (trust, stage) and places live in the population's and the world's
columns; the agent holds its row (``index``). Population-wide decisions are class methods
working on whole columns, given what they use (parameters, world, population, calendar,
random stream), never the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from ..issues import U_CHANNEL, U_DELAY, U_REPORT, IssueStore, Source, State
from ..population import Population
from ..rules import disconfirmation, report_probability, reporters, trust_after_experience
from ..worktime import Calendar
from ..world import World


class Resident(mesa.Agent):
    """A registered resident (落格进楼: every resident belongs to a grid and a building)."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index  # row in the population columns

    @classmethod
    def decide_reports(cls, params: Mapping[str, Any], world: World, population: Population,
                       office: Calendar, residents: np.ndarray, severity: np.ndarray,
                       u: np.ndarray, t_arisen: np.ndarray, t: float,
                       households: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For new issues raised by ``residents``: when each becomes known and by which
        channel (``Source`` value), or (NaN, -1) if it is never reported, and how many
        households reported it.

        P(report) is :func:`rules.report_probability` of the raiser's trust (at ``t``) and
        the issue's severity; residents under 60 use the digital platform where it exists
        (extra log-odds, shorter delay, any hour); others report in person and wait for
        office hours (the ``office`` calendar). ``u`` holds each issue's row of uniform draws.
        A problem shared by ``households`` households (None: one each) is reported by
        :func:`rules.reporters` of them, each with the raiser's probability and channel;
        the first report, the earliest of their delays, makes the case (the rest are
        duplicates merged into it).
        """
        p = params
        n = len(residents)
        if p["reporting.always"]:
            return t_arisen.copy(), np.full(n, int(Source.IN_PERSON)), np.ones(n, np.int64)
        platform = (np.zeros(n, bool) if not p["policy.digital_platform"]
                    else ~world.elderly[residents])
        prob = report_probability(population.trust_at(residents, t), severity,
                                  p["reporting.base_logit"], p["reporting.trust_coef"],
                                  p["reporting.severity_coef"],
                                  np.where(platform, p["reporting.platform_logit"], 0.0))
        mean_delay = np.where(platform, p["reporting.platform_delay_days"],
                              p["reporting.delay_days"])
        if households is None:
            at = t_arisen - mean_delay * np.log1p(-u[:, U_DELAY])
            reported = u[:, U_REPORT] < prob
            count = reported.astype(np.int64)
        else:
            count = reporters(prob, households, u[:, U_REPORT])
            reported = count >= 1
            # the earliest of k exponential delays: one exponential of mean / k
            at = t_arisen - mean_delay / np.maximum(count, 1) * np.log1p(-u[:, U_DELAY])
        in_person = np.flatnonzero(reported & ~platform)
        at[in_person] = office.next_open_many(at[in_person])
        at[~reported] = np.nan
        source = np.where(platform, int(Source.PLATFORM), int(Source.IN_PERSON))
        return at, np.where(reported, source, -1), count

    @staticmethod
    def unit_report(params: Mapping[str, Any], office: Calendar, t_arisen: float,
                    u: np.ndarray) -> tuple[float, Source] | None:
        """A dedicated grid's unit reports its issue (arisen at ``t_arisen``, with draws
        ``u``) in person (in ``office`` hours) with a fixed probability."""
        p = params
        if p["reporting.always"]:
            return t_arisen, Source.UNIT
        if u[U_CHANNEL] >= p["reporting.dedicated_prob"]:
            return None
        delay = -p["reporting.delay_days"] * math.log1p(-u[U_DELAY])
        return office.next_open(t_arisen + delay), Source.UNIT

    @classmethod
    def share_experiences(cls, params: Mapping[str, Any], world: World,
                          population: Population, rng: np.random.Generator,
                          store: IssueStore, closed: np.ndarray,
                          contacts: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Update trust after the day's news, in time order: residents' closed cases (own
        and neighbours'), and volunteers' help.

        Own update: :func:`rules.trust_after_experience` with the disconfirmation of the
        known-to-closed time (an abandoned issue counts as d = -1). Word of mouth: for each
        case, ``contacts`` random residents of the same building get the same update with
        weight ``w``. A problem shared by a building is every resident's own experience
        (weight 1; no word of mouth: the building is all affected). Volunteer contacts
        ``(households, times)`` (a volunteer took or spotted the household's issue): each
        member gains ``volunteers.contact_trust_gain`` of their gap to full trust. Applied in
        time order, exactly as one by one; ``rng`` (the behaviour stream) picks the
        neighbours.
        """
        p = params
        households, contact_t = contacts if contacts is not None else ((), ())
        if not p["trust.enabled"] or not (len(closed) or len(households)):
            return
        targets, times, d, gain, weight = [], [], [], [], []
        shared = closed[store.building[closed] >= 0]
        closed = closed[store.building[closed] < 0]
        if len(shared):  # everyone the building's problem affected has the experience
            t = store.t_closed[shared]
            dc = np.where(store.state[shared] == State.ABANDONED, -1.0, disconfirmation(
                t - store.t_known[shared], p["trust.expected_days"]))
            first, count = (x[store.building[shared]] for x in world.building_members)
            targets.append(np.repeat(first, count) + (
                np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)))
            times.append(np.repeat(t, count))
            d.append(np.repeat(dc, count))
            weight.append(np.ones(int(count.sum())))
            gain.append(np.full(int(count.sum()), p["trust.gain_good"]))
        if len(closed):
            n = len(closed)
            owner = store.resident[closed]
            t = store.t_closed[closed]
            known = store.t_known[closed]
            abandoned = store.state[closed] == State.ABANDONED
            dc = np.where(abandoned, -1.0, disconfirmation(t - known, p["trust.expected_days"]))
            k = p["trust.contacts"]
            building = world.resident_building[owner]
            first, count = (x[building] for x in world.building_members)
            picks = first[:, None] + rng.integers(
                0, np.maximum(count - 1, 1)[:, None], size=(n, k))
            picks[picks >= owner[:, None]] += 1  # anyone in the building but oneself
            who = np.concatenate([owner[:, None], picks], axis=1)
            w = np.concatenate([np.ones((n, 1)), np.full((n, k), p["trust.word_of_mouth"])],
                               axis=1)
            keep = np.ones((n, k + 1), bool)
            keep[:, 1:] = (count > 1)[:, None]  # alone in the building: nobody to tell
            targets.append(who[keep])
            times.append(np.repeat(t, k + 1).reshape(n, k + 1)[keep])
            d.append(np.repeat(dc, k + 1).reshape(n, k + 1)[keep])
            weight.append(w[keep])
            gain.append(np.full(int(keep.sum()), p["trust.gain_good"]))
        if len(households) and p["volunteers.contact_trust_gain"] > 0:
            households = np.asarray(households, dtype=np.int64)
            members = world.household_members(households)
            size = world.household_size[households]
            targets.append(members)
            times.append(np.repeat(np.asarray(contact_t, dtype=float), size))
            d.append(np.ones(len(members)))
            weight.append(np.ones(len(members)))
            gain.append(np.full(len(members), p["volunteers.contact_trust_gain"]))
        if not targets:
            return
        order = np.argsort(np.concatenate(times), kind="stable")
        t_all = np.concatenate(times)[order]
        d_all, g_all, w_all = (np.concatenate(x)[order] for x in (d, gain, weight))
        loss = p["trust.loss_bad"]
        population.update_in_order(
            np.concatenate(targets)[order], t_all,
            lambda trust, j: trust_after_experience(trust, d_all[j], g_all[j], loss, w_all[j]))
