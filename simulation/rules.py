"""Behavioural rules as pure functions: trust, reporting, mobilisation, handling times.

Each function takes plain numbers or NumPy arrays and returns the same; none reads the model.
Agents call them one at a time, the model calls them on whole columns. docs/model.md gives
each equation with its source.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, ndtri
from scipy.stats import binom


class Stage(IntEnum):
    """A resident's volunteer mobilisation stage (看着干 -> 跟着干 -> 主动干), in order.

    The values are the int8 codes of the stage columns (``world.stage``,
    ``population.stage``): the columns stay int8 arrays, the enum names their codes.
    NumPy treats a member as a 64-bit integer, not as a Python int: an array compared with
    it gives the same booleans, but arithmetic with it would widen an int8 array to int64,
    so stored columns are only assigned to, never computed with a member.
    """

    NOT_VOLUNTEER = -1  # not registered as a volunteer
    INACTIVE = 0  # registered, not serving (those with no time to give stay here)
    WATCHING = 1  # 看着干: watches others serve, does not serve yet
    FOLLOWING = 2  # 跟着干: serves when led (active)
    SELF_DRIVEN = 3  # 主动干: serves on their own initiative (active)


# The stages' former names, kept importable.
NOT_VOLUNTEER = Stage.NOT_VOLUNTEER
INACTIVE = Stage.INACTIVE
WATCHING = Stage.WATCHING
FOLLOWING = Stage.FOLLOWING
SELF_DRIVEN = Stage.SELF_DRIVEN


def disconfirmation(resolution_days: ArrayLike, expected_days: float) -> NDArray:
    """Expectation disconfirmation d = clip((E - r) / E, -1, 1) (Van Ryzin 2006).

    d > 0: solved faster than expected; d < 0: slower; d = -1 at twice the expected time or
    later (and for an abandoned issue, by convention of the caller).
    Source: expectation-disconfirmation model of citizen satisfaction, Van Ryzin 2006,
    JPART 16:599; the linear, clipped form is an assumption.
    """
    r = np.asarray(resolution_days, dtype=float)
    return np.clip((expected_days - r) / expected_days, -1.0, 1.0)


def trust_after_experience(trust: ArrayLike, d: ArrayLike, gain: ArrayLike, loss: ArrayLike,
                           weight: ArrayLike = 1.0) -> NDArray:
    """Trust after an experience of disconfirmation ``d`` in [-1, 1].

    T' = T + w*gain*d*(1 - T)   if d >= 0 (good news closes part of the gap to 1)
    T' = T + w*loss*d*T         if d <  0 (bad news removes part of the level)
    With loss > gain, bad news moves trust more than good news (Slovic 1993). ``weight``
    w in [0, 1] scales second-hand experience (word of mouth). Stays in [0, 1].
    Source: trust asymmetry, Slovic 1993, Risk Analysis 13(6); the gap/level form keeps
    trust bounded (assumption).
    """
    t = np.asarray(trust, dtype=float)
    d = np.asarray(d, dtype=float)
    up = t + weight * gain * d * (1.0 - t)
    down = t + weight * loss * d * t
    return np.clip(np.where(d >= 0.0, up, down), 0.0, 1.0)


def lateness(days: ArrayLike, expected_days: float) -> NDArray:
    """How late something is against the expected time: clip((x - E) / E, 0, 1).

    0 until the expected time E, 1 at twice E and later; NaN (not started) gives 0. For a
    case closed after r days, -lateness(r) is the negative part of
    :func:`disconfirmation` (r, E), so lateness accrued while waiting and the penalty at
    closing are the same quantity.
    """
    x = np.asarray(days, dtype=float)
    return np.nan_to_num(np.clip((x - expected_days) / expected_days, 0.0, 1.0))


def unresolved_trust_factor(age_days: ArrayLike, wait_days: ArrayLike, severity: ArrayLike,
                            expected_days: float, loss: float, burden: float) -> NDArray:
    """The factor by which one unresolved issue weighs on its resident's trust now.

    F = (1 - loss x lateness(wait)) x (1 - burden x S x lateness(age))
    - wait: days since the issue became known (NaN while hidden): a known case that takes
      longer than expected erodes trust as it waits. At closing the same lateness is
      applied once and for all (:func:`trust_after_experience` with d = -lateness), so
      lateness is penalised once: the erosion is what the closing penalty would be now.
    - age: days since it arose: a problem left unresolved weighs on a resident in
      proportion to its severity S, hidden or not; the weight lifts when it is closed.
    A resident's measured trust is the stored trust times the product of F over their
    unresolved issues. Source: Van Ryzin 2006 (disconfirmation), Slovic 1993 (losses
    weigh more), seed (trust earned by solving urgent problems); the form is an assumption.
    """
    wait_late = lateness(wait_days, expected_days)
    age_late = lateness(age_days, expected_days)
    return ((1.0 - loss * wait_late)
            * (1.0 - burden * np.asarray(severity, dtype=float) * age_late))


def trust_boost(trust: ArrayLike, gain: ArrayLike) -> NDArray:
    """Trust after a positive contact (a visit, active volunteers): T' = T + g*(1 - T).

    Source: seed (trust earned by door-to-door work and solving urgent problems); the form
    is an assumption.
    """
    t = np.asarray(trust, dtype=float)
    return t + np.asarray(gain, dtype=float) * (1.0 - t)


def trust_drift(trust: ArrayLike, anchor: float, rate: float, elapsed_days: ArrayLike) -> NDArray:
    """Trust after ``elapsed_days`` without news: T(t) = A + (T0 - A) * exp(-rate * t).

    Exact solution of dT/dt = -rate * (T - A); lets trust be updated lazily, only when a
    resident is touched, at no cost on idle days. Source: assumption (exponential
    forgetting toward a reference level).
    """
    t = np.asarray(trust, dtype=float)
    return anchor + (t - anchor) * np.exp(-rate * np.asarray(elapsed_days, dtype=float))


def report_probability(trust: ArrayLike, severity: ArrayLike, base_logit: float,
                       trust_coef: float, severity_coef: float,
                       channel_logit: ArrayLike = 0.0) -> NDArray:
    """P(a resident reports an issue): logistic in trust, severity and channel.

    p = 1 / (1 + exp(-(b0 + bT*(T - 0.5) + bS*(S - 0.5) + bC)))
    where bC is the extra log-odds of an easier channel (the digital platform).
    Source: assumption (a logit choice model); the drivers — trust, severity, channel —
    are those named by the seed and DOMAIN.md.
    """
    z = (base_logit + trust_coef * (np.asarray(trust, dtype=float) - 0.5)
         + severity_coef * (np.asarray(severity, dtype=float) - 0.5)
         + np.asarray(channel_logit, dtype=float))
    return expit(z)


def reporters(probability: ArrayLike, households: ArrayLike, u: ArrayLike) -> NDArray:
    """How many of a problem's ``households`` report it, each with ``probability``: the
    (1 - u) quantile of Binomial(households, probability), from one uniform ``u`` (its
    inverse survival function at u, exact for small u).

    For one household it is 1 if u < probability, else 0 (the rule for a private issue);
    for several, every household decides alike and independently (an assumption: they
    share the raiser's trust and channel). Source: assumption (independent reports;
    duplicates are merged into one case, as a hotline does).
    """
    p, m, u = np.broadcast_arrays(np.asarray(probability, dtype=float),
                                  np.asarray(households), np.asarray(u, dtype=float))
    out = (u < p).astype(np.int64)  # one household: exactly the private rule
    multi = (m > 1) & (p > 0.0)  # the quantile (isf(0) would be n even at p = 0)
    if multi.any():
        out[multi] = binom.isf(u[multi], m[multi], p[multi]).astype(np.int64)
    return out


def social_influence(active_share: ArrayLike, threshold: float, width: float) -> NDArray:
    """Smooth threshold of complex contagion: g(x) = 1 / (1 + exp(-(x - theta) / w)).

    ``active_share`` x is the share of the grid's volunteer pool that is active (following
    or self-driven); g is 1/2 at the threshold theta (Granovetter 1978) and near 0 well
    below it, so a few active neighbours are not enough (Centola 2010).
    """
    return expit((np.asarray(active_share, dtype=float) - threshold) / width)


def mobilisation_probabilities(stage: ArrayLike, active_share: ArrayLike, trust: ArrayLike,
                               branch_led: ArrayLike, campaign: bool, *, base_rate: float,
                               social_rate: float, threshold: float, width: float,
                               party_rate: float, campaign_rate: float, trust_rate: float,
                               fallback_rate: float, incentive_cut: float,
                               dt_weeks: float = 1.0) -> tuple[NDArray, NDArray]:
    """Weekly probabilities of moving up and of falling back one mobilisation stage.

    Hazard up:   h_up = base + social*g(x) + party*[branch-led] + campaign*[campaign]
                        + trust_rate*(T - 0.5), floored at 0; zero at the top stage.
    Hazard down: h_down = fallback*(1 - T)*(1 - incentive_cut*[campaign]); zero when inactive.
    Probabilities over dt weeks: p = 1 - exp(-h*dt) (competing: p_up + p_down <= 1 is kept
    by scaling both by 1 / max(1, p_up + p_down)).
    Source: stages from the seed (看着干 → 跟着干 → 主动干); threshold contagion from
    Granovetter 1978 (AJS 83:1420) and Centola 2010 (Science 329:1194); hazards assumed.
    """
    s = np.asarray(stage)
    t = np.asarray(trust, dtype=float)
    h_up = (base_rate + social_rate * social_influence(active_share, threshold, width)
            + party_rate * np.asarray(branch_led, dtype=float)
            + (campaign_rate if campaign else 0.0) + trust_rate * (t - 0.5))
    h_up = np.where(s >= Stage.SELF_DRIVEN, 0.0, np.maximum(h_up, 0.0))
    cut = incentive_cut if campaign else 0.0
    h_down = np.where(s <= Stage.INACTIVE, 0.0, fallback_rate * (1.0 - t) * (1.0 - cut))
    p_up = -np.expm1(-h_up * dt_weeks)
    p_down = -np.expm1(-h_down * dt_weeks)
    total = np.maximum(1.0, p_up + p_down)
    return p_up / total, p_down / total


def visit_find_probability(knowledge: float, p_min: float, p_max: float) -> float:
    """P(a door-to-door visit finds a given hidden issue of the household).

    Linear in the worker's local knowledge K in [0, 1]: p = p_min + (p_max - p_min) * K.
    Source: seed (the worker's hand-drawn map speeds discovery); linear form assumed.
    """
    return p_min + (p_max - p_min) * knowledge


def visits_today(planned: ArrayLike, waiting_per_worker: ArrayLike,
                 pause_queue: float) -> NDArray:
    """A working day's door-to-door visits: as planned while the worker's queue is short,
    none while it is long.

    v = planned x [waiting cases per worker of the beat < pause_queue], decided each
    morning. Visits are the flexible part of a grid worker's day: a worker with a long
    queue does casework first and resumes the round once the queue has cleared.
    Source: assumption (MODEL-REVIEW 3: real workers cut visits when the caseload is high;
    DOMAIN: a Beijing grid manager *aims at* 1-5 visits a day); the threshold is
    ``visits.pause_queue``.
    """
    planned = np.asarray(planned, dtype=float)
    return np.where(np.asarray(waiting_per_worker, dtype=float) < pause_queue, planned, 0.0)


def volunteer_take_probability(active_volunteers: float, per_active: float,
                               cap: float) -> float:
    """P(a grid's active volunteers take a minor issue): min(cap, per_active x n_active).

    More hands make it likelier that someone takes the job, up to a ceiling (some issues
    always go to the grid worker). Source: seed (volunteers handle sanitation, help for the
    elderly, small repairs); the linear-capped form is an assumption.
    """
    return min(cap, per_active * active_volunteers)


def grid_escalation_probability(base: float, knowledge: float, knowledge_cut: float) -> float:
    """P(the grid worker must pass an issue to the community): base x (1 - knowledge_cut x K).

    Knowing the grid (K, the worker's local knowledge) keeps issues in the grid. A Party
    branch keeps them there only through its members' work (it takes and settles a case
    before it leaves: :mod:`simulation.routing`), not through this probability.
    Source: seed (the worker's map); the linear form is an assumption.
    """
    return base * (1.0 - knowledge_cut * knowledge)


def grid_handling_hours(base_hours: float, knowledge: float, speedup: float) -> float:
    """Mean grid-worker handling time: base x (1 - speedup x K).

    Local knowledge (the worker's own map of the grid) shortens handling. Source: seed
    (the map lets workers serve residents faster); the linear form is an assumption.
    """
    return base_hours * (1.0 - speedup * knowledge)


def handling_multiplier(u: ArrayLike, distribution: str, sigma: float) -> NDArray:
    """Handling time as a multiple of its mean, from uniform draws ``u`` in (0, 1).

    exponential: -ln(1 - u).
    lognormal: exp(sigma * z - sigma^2 / 2), z = Phi^-1(u) (mean 1, median exp(-sigma^2/2)).
    Handling hours = mean hours x multiplier. Inverse-CDF sampling keeps one uniform per
    issue and level: common random numbers. Source: DOMAIN.md (resolution times strongly
    right-skewed, NYC 311 mean about 3x median); exponential for the M/M/c check.
    """
    u = np.asarray(u, dtype=float)
    if distribution == "exponential":
        return -np.log1p(-u)
    return np.exp(sigma * ndtri(u) - 0.5 * sigma * sigma)


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float]:
    """Erlang C: (P(wait), mean wait Wq) of an M/M/c queue.

    a = lambda/mu, rho = a/c < 1, P0 = [sum_{k<c} a^k/k! + a^c/(c!(1-rho))]^-1,
    C = a^c/(c!(1-rho)) * P0, Wq = C / (c*mu - lambda). Raises ValueError if rho >= 1.
    Source: DOMAIN.md (standard queueing theory; e.g. lambda=0.2, mu=0.1, c=3: C=0.444,
    Wq=4.44).
    """
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1.0:
        raise ValueError(f"unstable queue: rho = {rho:.3f} >= 1")
    # Erlang B by its recursion B_k = a B_{k-1} / (k + a B_{k-1}) (no factorials, stable
    # for thousands of servers), then C = B / (1 - rho (1 - B)): the same value.
    b = 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    c = b / (1.0 - rho * (1.0 - b))
    return c, c / (servers * service_rate - arrival_rate)
