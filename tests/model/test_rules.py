"""Unit tests of the pure behavioural functions in simulation/rules.py, each on its own.

Every expected number is computed by hand from the equation in the function's docstring
(see also docs/model.md), not by calling the function under test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simulation.rules import (
    FOLLOWING,
    INACTIVE,
    SELF_DRIVEN,
    WATCHING,
    disconfirmation,
    erlang_c,
    handling_multiplier,
    lateness,
    mobilisation_probabilities,
    report_probability,
    social_influence,
    trust_after_experience,
    trust_boost,
    trust_drift,
    unresolved_trust_factor,
    visit_find_probability,
    visits_today,
)

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)

unit = st.floats(0.0, 1.0, allow_nan=False)
signed_unit = st.floats(-1.0, 1.0, allow_nan=False)


def logistic(z: float) -> float:
    """Reference logistic function, written out independently of scipy."""
    return 1.0 / (1.0 + math.exp(-z))


# ---------------------------------------------------------------------------- disconfirmation


@pytest.mark.parametrize(
    ("r", "expected"),
    [(0.0, 1.0), (5.0, 0.0), (10.0, -1.0), (50.0, -1.0), (2.5, 0.5), (7.5, -0.5)],
)
def test_disconfirmation_exact_values(r, expected):
    # E = 5: r=0 -> 1, r=E -> 0, r=2E -> -1, r=10E -> -1 (clipped); halfway points are +-1/2.
    assert float(disconfirmation(r, 5.0)) == pytest.approx(expected, abs=1e-15)


def test_disconfirmation_is_clipped_above_at_one():
    # A negative resolution time is not physical, but the clip must still hold at +1.
    assert float(disconfirmation(-3.0, 2.0)) == 1.0


def test_disconfirmation_vectorised():
    r = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 20.0])
    d = disconfirmation(r, 2.0)
    assert d.shape == r.shape
    np.testing.assert_allclose(d, [1.0, 0.5, 0.0, -0.5, -1.0, -1.0], atol=1e-15)


def test_disconfirmation_accepts_lists_and_2d():
    d = disconfirmation([[0.0, 3.0], [6.0, 12.0]], 3.0)
    assert d.shape == (2, 2)
    np.testing.assert_allclose(d, [[1.0, 0.0], [-1.0, -1.0]], atol=1e-15)


@SETTINGS
@given(r1=st.floats(0.0, 100.0), r2=st.floats(0.0, 100.0), e=st.floats(0.1, 50.0))
def test_disconfirmation_range_and_monotone_decreasing(r1, r2, e):
    lo, hi = sorted((r1, r2))
    d_lo, d_hi = float(disconfirmation(lo, e)), float(disconfirmation(hi, e))
    assert -1.0 <= d_hi <= d_lo <= 1.0


# --------------------------------------------------------------------- trust_after_experience


def test_trust_after_good_news_hand_computed():
    # T' = T + w*gain*d*(1-T) = 0.4 + 0.2*0.5*0.6 = 0.46
    assert float(trust_after_experience(0.4, 0.5, gain=0.2, loss=0.6)) == pytest.approx(0.46)


def test_trust_after_bad_news_hand_computed():
    # T' = T + w*loss*d*T = 0.4 + 0.6*(-0.5)*0.4 = 0.28
    assert float(trust_after_experience(0.4, -0.5, gain=0.2, loss=0.6)) == pytest.approx(0.28)


def test_trust_after_extreme_news_hand_computed():
    # d = +1, gain = 1 closes the whole gap; d = -1, loss = 1 removes the whole level.
    assert float(trust_after_experience(0.3, 1.0, gain=1.0, loss=0.5)) == pytest.approx(1.0)
    assert float(trust_after_experience(0.3, -1.0, gain=0.5, loss=1.0)) == pytest.approx(0.0)


def test_trust_zero_disconfirmation_is_no_change():
    assert float(trust_after_experience(0.37, 0.0, gain=0.9, loss=0.9)) == pytest.approx(0.37)


def test_slovic_asymmetry_bad_news_moves_trust_more():
    # From T = 0.5 the gap to 1 and the level are equal, so only gain vs loss matters.
    t0, gain, loss = 0.5, 0.2, 0.6
    for mag in (0.1, 0.5, 1.0):
        up = float(trust_after_experience(t0, mag, gain, loss)) - t0
        down = t0 - float(trust_after_experience(t0, -mag, gain, loss))
        assert up > 0.0
        assert down > up
        assert down / up == pytest.approx(loss / gain)


def test_weight_zero_leaves_trust_unchanged():
    t = np.array([0.0, 0.2, 0.5, 0.9, 1.0])
    for d in (-1.0, -0.3, 0.0, 0.4, 1.0):
        out = trust_after_experience(t, d, gain=0.7, loss=0.9, weight=0.0)
        np.testing.assert_allclose(out, t, atol=1e-15)


@pytest.mark.parametrize("d", [-0.8, -0.2, 0.3, 1.0])
def test_weight_scales_the_change(d):
    t0, gain, loss = 0.6, 0.3, 0.5
    full = float(trust_after_experience(t0, d, gain, loss, weight=1.0)) - t0
    for w in (0.25, 0.5, 0.75):
        part = float(trust_after_experience(t0, d, gain, loss, weight=w)) - t0
        assert part == pytest.approx(w * full, rel=1e-12, abs=1e-15)


def test_trust_after_experience_vectorised_mixed_signs():
    t = np.array([0.4, 0.4, 0.8])
    d = np.array([0.5, -0.5, -1.0])
    out = trust_after_experience(t, d, gain=0.2, loss=0.6)
    np.testing.assert_allclose(out, [0.46, 0.28, 0.8 - 0.6 * 0.8])


@SETTINGS
@given(t=unit, d=signed_unit, gain=unit, loss=unit, w=unit)
def test_trust_after_experience_stays_in_unit_interval(t, d, gain, loss, w):
    out = float(trust_after_experience(t, d, gain, loss, weight=w))
    assert 0.0 <= out <= 1.0
    # In the valid ranges the clip is never needed: the output is the closed form itself.
    expected = t + w * gain * d * (1 - t) if d >= 0 else t + w * loss * d * t
    assert out == pytest.approx(expected, abs=1e-12)


@SETTINGS
@given(t=unit, d1=signed_unit, d2=signed_unit, gain=unit, loss=unit, w=unit)
def test_trust_after_experience_monotone_in_d(t, d1, d2, gain, loss, w):
    lo, hi = sorted((d1, d2))
    out_lo = float(trust_after_experience(t, lo, gain, loss, weight=w))
    out_hi = float(trust_after_experience(t, hi, gain, loss, weight=w))
    assert out_lo <= out_hi + 1e-15


# ------------------------------------------------------------------------------ trust_boost


def test_trust_boost_hand_computed():
    # T + g(1-T) = 0.4 + 0.25*0.6 = 0.55
    assert float(trust_boost(0.4, 0.25)) == pytest.approx(0.55)
    assert float(trust_boost(0.0, 0.3)) == pytest.approx(0.3)
    assert float(trust_boost(0.7, 1.0)) == pytest.approx(1.0)


def test_trust_boost_zero_gain_is_no_change():
    t = np.array([0.0, 0.3, 0.99, 1.0])
    np.testing.assert_array_equal(trust_boost(t, 0.0), t)


def test_trust_boost_vectorised_gain():
    out = trust_boost(np.array([0.5, 0.5, 0.2]), np.array([0.0, 0.5, 0.5]))
    np.testing.assert_allclose(out, [0.5, 0.75, 0.6])


@SETTINGS
@given(t=unit, g=unit)
def test_trust_boost_in_range_and_never_lowers(t, g):
    out = float(trust_boost(t, g))
    assert t - 1e-15 <= out <= 1.0
    assert out == pytest.approx(t + g * (1 - t), abs=1e-15)


# ------------------------------------------------------------------------------ trust_drift


def test_trust_drift_closed_form():
    # A + (T0 - A) exp(-r t) = 0.5 + (0.9 - 0.5) exp(-0.1*3)
    expected = 0.5 + 0.4 * math.exp(-0.3)
    assert float(trust_drift(0.9, 0.5, 0.1, 3.0)) == pytest.approx(expected, rel=1e-14)
    # from below the anchor it rises
    expected = 0.6 + (0.2 - 0.6) * math.exp(-0.05 * 10.0)
    assert float(trust_drift(0.2, 0.6, 0.05, 10.0)) == pytest.approx(expected, rel=1e-14)


def test_trust_drift_zero_elapsed_is_identity():
    t = np.array([0.0, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(trust_drift(t, 0.6, 0.3, 0.0), t, atol=1e-15)


def test_trust_drift_long_elapsed_tends_to_anchor():
    t = np.array([0.0, 0.3, 1.0])
    np.testing.assert_allclose(trust_drift(t, 0.55, 0.1, 1000.0), 0.55, atol=1e-12)


def test_trust_drift_vectorised_elapsed():
    out = trust_drift(0.8, 0.4, 0.2, np.array([0.0, 1.0, 5.0]))
    np.testing.assert_allclose(out, 0.4 + 0.4 * np.exp(-0.2 * np.array([0.0, 1.0, 5.0])))


@SETTINGS
@given(t0=unit, anchor=unit, rate=st.floats(0.0, 2.0), t1=st.floats(0.0, 500.0),
       t2=st.floats(0.0, 500.0))
def test_trust_drift_semigroup(t0, anchor, rate, t1, t2):
    two_steps = trust_drift(trust_drift(t0, anchor, rate, t1), anchor, rate, t2)
    one_step = trust_drift(t0, anchor, rate, t1 + t2)
    assert float(two_steps) == pytest.approx(float(one_step), abs=1e-12)


@SETTINGS
@given(t0=unit, anchor=unit, rate=st.floats(0.0, 2.0), elapsed=st.floats(0.0, 500.0))
def test_trust_drift_moves_monotonically_towards_anchor(t0, anchor, rate, elapsed):
    out = float(trust_drift(t0, anchor, rate, elapsed))
    assert min(t0, anchor) - 1e-15 <= out <= max(t0, anchor) + 1e-15


# ------------------------------------------------------------------------ report_probability


def test_report_probability_at_midpoints_is_expit_of_base():
    for b0 in (-2.0, 0.0, 1.3):
        p = float(report_probability(0.5, 0.5, b0, trust_coef=3.0, severity_coef=2.0))
        assert p == pytest.approx(logistic(b0), rel=1e-14)


def test_report_probability_hand_picked_point():
    # z = -1 + 2*(0.9-0.5) + 1.5*(0.2-0.5) + 0.7 = -1 + 0.8 - 0.45 + 0.7 = 0.05
    p = float(report_probability(0.9, 0.2, -1.0, 2.0, 1.5, channel_logit=0.7))
    assert p == pytest.approx(logistic(0.05), rel=1e-14)
    # z = 0.5 + 4*(0.1-0.5) + 1*(1-0.5) = 0.5 - 1.6 + 0.5 = -0.6
    p = float(report_probability(0.1, 1.0, 0.5, 4.0, 1.0))
    assert p == pytest.approx(logistic(-0.6), rel=1e-14)


def test_report_probability_vectorised_channel():
    p = report_probability(np.array([0.5, 0.5]), 0.5, 0.0, 1.0, 1.0,
                           channel_logit=np.array([0.0, 1.0]))
    np.testing.assert_allclose(p, [0.5, logistic(1.0)], rtol=1e-14)


coef = st.floats(0.01, 5.0)
logit = st.floats(-2.0, 2.0)


@SETTINGS
@given(t1=unit, t2=unit, s1=unit, s2=unit, c1=logit, c2=logit, b0=st.floats(-3.0, 3.0),
       bt=coef, bs=coef)
def test_report_probability_increasing_in_trust_severity_channel(t1, t2, s1, s2, c1, c2, b0,
                                                                   bt, bs):
    assume(min(abs(t1 - t2), abs(s1 - s2), abs(c1 - c2)) > 1e-3)
    t_lo, t_hi = sorted((t1, t2))
    s_lo, s_hi = sorted((s1, s2))
    c_lo, c_hi = sorted((c1, c2))

    def p(t, s, c):
        return float(report_probability(t, s, b0, bt, bs, c))

    base = p(t_lo, s_lo, c_lo)
    assert 0.0 < base < 1.0
    assert base < p(t_hi, s_lo, c_lo) < 1.0  # trust
    assert base < p(t_lo, s_hi, c_lo) < 1.0  # severity
    assert base < p(t_lo, s_lo, c_hi) < 1.0  # channel
    assert p(t_lo, s_lo, c_lo) == pytest.approx(
        logistic(b0 + bt * (t_lo - 0.5) + bs * (s_lo - 0.5) + c_lo), rel=1e-12)


# -------------------------------------------------------------------------- social_influence


def test_social_influence_is_half_at_threshold():
    for theta, w in ((0.1, 0.02), (0.3, 0.05), (0.5, 0.2)):
        assert float(social_influence(theta, theta, w)) == pytest.approx(0.5, abs=1e-15)


def test_social_influence_hand_computed():
    # g(x) = 1/(1+exp(-(x-theta)/w)); x=0.4, theta=0.3, w=0.05 -> logistic(2)
    assert float(social_influence(0.4, 0.3, 0.05)) == pytest.approx(logistic(2.0), rel=1e-14)


def test_social_influence_near_zero_far_below_threshold():
    # x = 0, theta = 0.3, w = 0.05 -> logistic(-6) ~ 0.0025
    assert float(social_influence(0.0, 0.3, 0.05)) < 0.01
    assert float(social_influence(0.05, 0.3, 0.02)) < 1e-5
    # ... and near 1 far above it
    assert float(social_influence(0.9, 0.3, 0.05)) > 0.99


def test_social_influence_monotone_on_grid():
    x = np.linspace(0.0, 1.0, 1001)
    g = social_influence(x, 0.3, 0.05)
    assert np.all(np.diff(g) >= 0.0)
    assert np.all((g > 0.0) & (g < 1.0))


@SETTINGS
@given(x1=unit, x2=unit, theta=st.floats(0.0, 1.0), w=st.floats(0.01, 1.0))
def test_social_influence_monotone(x1, x2, theta, w):
    lo, hi = sorted((x1, x2))
    assert float(social_influence(lo, theta, w)) <= float(social_influence(hi, theta, w))


# ------------------------------------------------------------------ mobilisation_probabilities


def mob_kwargs(**overrides):
    """All rates zero unless overridden."""
    kw = dict(base_rate=0.0, social_rate=0.0, threshold=0.3, width=0.05, party_rate=0.0,
              campaign_rate=0.0, trust_rate=0.0, fallback_rate=0.0, incentive_cut=0.0,
              dt_weeks=1.0)
    kw.update(overrides)
    return kw


def test_mobilisation_only_base_rate_hand_computed():
    p_up, p_down = mobilisation_probabilities(
        WATCHING, 0.0, 0.5, False, False, **mob_kwargs(base_rate=0.3, dt_weeks=2.0))
    assert float(p_up) == pytest.approx(1.0 - math.exp(-0.3 * 2.0), rel=1e-14)
    assert float(p_down) == 0.0


def test_mobilisation_only_fallback_hand_computed():
    # h_down = fallback*(1-T) = 0.4*0.75 = 0.3 per week
    p_up, p_down = mobilisation_probabilities(
        FOLLOWING, 0.0, 0.25, False, False, **mob_kwargs(fallback_rate=0.4))
    assert float(p_up) == 0.0
    assert float(p_down) == pytest.approx(1.0 - math.exp(-0.3), rel=1e-14)


def test_mobilisation_full_hazard_hand_computed():
    # h_up = 0.1 + 0.5*g(0.3)=0.25 + 0.2*1 + 0.3 + 0.4*(0.8-0.5)=0.12 -> 0.97
    # h_down = 0.5*(1-0.8)*(1-0.5) = 0.05;  p = 1 - exp(-h*0.5); sum < 1 so no scaling
    p_up, p_down = mobilisation_probabilities(
        WATCHING, 0.3, 0.8, True, True,
        **mob_kwargs(base_rate=0.1, social_rate=0.5, party_rate=0.2, campaign_rate=0.3,
                     trust_rate=0.4, fallback_rate=0.5, incentive_cut=0.5, dt_weeks=0.5))
    assert float(p_up) == pytest.approx(1.0 - math.exp(-0.97 * 0.5), rel=1e-12)
    assert float(p_down) == pytest.approx(1.0 - math.exp(-0.05 * 0.5), rel=1e-12)


def test_mobilisation_up_hazard_floored_at_zero():
    # trust_rate*(T-0.5) = 2*(-0.5) = -1 outweighs base 0.1: h_up floored at 0, not negative.
    p_up, _ = mobilisation_probabilities(
        WATCHING, 0.0, 0.0, False, False, **mob_kwargs(base_rate=0.1, trust_rate=2.0))
    assert float(p_up) == 0.0


def test_mobilisation_top_stage_cannot_move_up():
    kw = mob_kwargs(base_rate=5.0, social_rate=5.0, party_rate=5.0, campaign_rate=5.0,
                    trust_rate=5.0, fallback_rate=0.3)
    p_up, p_down = mobilisation_probabilities(SELF_DRIVEN, 1.0, 1.0, True, True, **kw)
    assert float(p_up) == 0.0
    p_up, p_down = mobilisation_probabilities(SELF_DRIVEN, 1.0, 0.2, True, False, **kw)
    assert float(p_up) == 0.0
    assert float(p_down) == pytest.approx(1.0 - math.exp(-0.3 * 0.8), rel=1e-14)


def test_mobilisation_inactive_cannot_fall_back():
    kw = mob_kwargs(base_rate=0.2, fallback_rate=10.0)
    p_up, p_down = mobilisation_probabilities(INACTIVE, 0.0, 0.0, False, False, **kw)
    assert float(p_down) == 0.0
    assert float(p_up) == pytest.approx(1.0 - math.exp(-0.2), rel=1e-14)


def test_mobilisation_vectorised_over_stages():
    stages = np.array([INACTIVE, WATCHING, FOLLOWING, SELF_DRIVEN])
    kw = mob_kwargs(base_rate=0.2, fallback_rate=0.4)
    p_up, p_down = mobilisation_probabilities(stages, np.zeros(4), np.full(4, 0.5),
                                              np.zeros(4, dtype=bool), False, **kw)
    e_up, e_down = 1.0 - math.exp(-0.2), 1.0 - math.exp(-0.2)
    np.testing.assert_allclose(p_up, [e_up, e_up, e_up, 0.0], rtol=1e-14)
    np.testing.assert_allclose(p_down, [0.0, e_down, e_down, e_down], rtol=1e-14)


def test_mobilisation_competing_probabilities_are_rescaled():
    # Both hazards huge: p_up and p_down both ~1 before scaling, 1/2 each after.
    kw = mob_kwargs(base_rate=100.0, fallback_rate=200.0)
    p_up, p_down = mobilisation_probabilities(WATCHING, 0.0, 0.0, False, False, **kw)
    assert float(p_up) == pytest.approx(0.5)
    assert float(p_down) == pytest.approx(0.5)
    assert float(p_up + p_down) <= 1.0


def test_mobilisation_branch_led_raises_p_up():
    kw = mob_kwargs(base_rate=0.1, party_rate=0.3, fallback_rate=0.2)
    off, _ = mobilisation_probabilities(WATCHING, 0.1, 0.5, False, False, **kw)
    on, _ = mobilisation_probabilities(WATCHING, 0.1, 0.5, True, False, **kw)
    assert float(on) > float(off)
    assert float(on) == pytest.approx(1.0 - math.exp(-0.4), rel=1e-14)


def test_mobilisation_campaign_raises_up_and_cuts_down():
    kw = mob_kwargs(base_rate=0.1, campaign_rate=0.2, fallback_rate=0.4, incentive_cut=0.5)
    up0, down0 = mobilisation_probabilities(FOLLOWING, 0.1, 0.5, False, False, **kw)
    up1, down1 = mobilisation_probabilities(FOLLOWING, 0.1, 0.5, False, True, **kw)
    assert float(up1) > float(up0)
    assert float(down1) < float(down0)
    assert float(up1) == pytest.approx(1.0 - math.exp(-0.3), rel=1e-14)
    assert float(down1) == pytest.approx(1.0 - math.exp(-0.4 * 0.5 * 0.5), rel=1e-14)


rate = st.floats(0.0, 1e3, allow_nan=False)
stage_st = st.sampled_from([INACTIVE, WATCHING, FOLLOWING, SELF_DRIVEN])


@SETTINGS
@given(stage=stage_st, x=unit, t=unit, branch=st.booleans(), campaign=st.booleans(),
       base=rate, social=rate, theta=unit, width=st.floats(0.01, 1.0), party=rate,
       camp=rate, trust_rate=st.floats(-1e3, 1e3), fallback=rate, cut=unit,
       dt=st.floats(0.01, 52.0))
def test_mobilisation_probabilities_are_valid(stage, x, t, branch, campaign, base, social,
                                              theta, width, party, camp, trust_rate,
                                              fallback, cut, dt):
    p_up, p_down = mobilisation_probabilities(
        stage, x, t, branch, campaign, base_rate=base, social_rate=social, threshold=theta,
        width=width, party_rate=party, campaign_rate=camp, trust_rate=trust_rate,
        fallback_rate=fallback, incentive_cut=cut, dt_weeks=dt)
    p_up, p_down = float(p_up), float(p_down)
    assert 0.0 <= p_up <= 1.0
    assert 0.0 <= p_down <= 1.0
    assert p_up + p_down <= 1.0 + 1e-12
    if stage == SELF_DRIVEN:
        assert p_up == 0.0
    if stage == INACTIVE:
        assert p_down == 0.0


@SETTINGS
@given(stage=st.sampled_from([WATCHING, FOLLOWING]), x=unit, t=unit, branch=st.booleans(),
       base=st.floats(0.0, 5.0), social=st.floats(0.0, 5.0), party=st.floats(0.0, 5.0),
       camp=st.floats(0.0, 5.0), trust_rate=st.floats(-2.0, 2.0),
       fallback=st.floats(0.0, 5.0), cut=unit, dt=st.floats(0.1, 4.0))
def test_mobilisation_campaign_and_branch_monotone(stage, x, t, branch, base, social, party,
                                                    camp, trust_rate, fallback, cut, dt):
    def probs(branch_led, campaign):
        up, down = mobilisation_probabilities(
            stage, x, t, branch_led, campaign, base_rate=base, social_rate=social,
            threshold=0.3, width=0.05, party_rate=party, campaign_rate=camp,
            trust_rate=trust_rate, fallback_rate=fallback, incentive_cut=cut, dt_weeks=dt)
        return float(up), float(down)

    up0, down0 = probs(branch, False)
    up1, down1 = probs(branch, True)
    assert up1 >= up0 - 1e-15
    assert down1 <= down0 + 1e-15
    up_no_branch, _ = probs(False, False)
    up_branch, _ = probs(True, False)
    assert up_branch >= up_no_branch - 1e-15


# ---------------------------------------------------------------------- visit_find_probability


def test_visit_find_probability_endpoints():
    assert visit_find_probability(0.0, 0.2, 0.8) == pytest.approx(0.2)
    assert visit_find_probability(1.0, 0.2, 0.8) == pytest.approx(0.8)


@SETTINGS
@given(k=unit, p_min=unit, p_max=unit)
def test_visit_find_probability_linear(k, p_min, p_max):
    p = visit_find_probability(k, p_min, p_max)
    assert p == pytest.approx(p_min + (p_max - p_min) * k, abs=1e-15)
    # linear: the value at k is the k-weighted mix of the endpoints
    mix = (1 - k) * visit_find_probability(0.0, p_min, p_max) + k * visit_find_probability(
        1.0, p_min, p_max)
    assert p == pytest.approx(mix, abs=1e-14)
    assert min(p_min, p_max) - 1e-15 <= p <= max(p_min, p_max) + 1e-15


def test_visit_find_probability_midpoint_and_slope():
    assert visit_find_probability(0.5, 0.1, 0.5) == pytest.approx(0.3)
    ks = np.linspace(0.0, 1.0, 11)
    ps = np.array([visit_find_probability(k, 0.1, 0.5) for k in ks])
    np.testing.assert_allclose(np.diff(ps), 0.04, atol=1e-14)


# ----------------------------------------------------------------------- handling_multiplier

N_GRID = 200_000
U_GRID = (np.arange(N_GRID) + 0.5) / N_GRID


def test_handling_exponential_is_minus_log_one_minus_u():
    # 1 - u is exact in floating point for these u, so -log(1 - u) is an exact reference.
    u = np.array([0.0, 0.125, 0.5, 0.75, 0.9375, 0.999])
    np.testing.assert_allclose(handling_multiplier(u, "exponential", 0.7), -np.log(1.0 - u),
                               rtol=1e-14)
    # tiny u: -ln(1 - u) = u + u^2/2 + ... (no cancellation loss)
    assert float(handling_multiplier(1e-12, "exponential", 0.0)) == pytest.approx(1e-12,
                                                                                  rel=1e-11)
    assert float(handling_multiplier(0.5, "exponential", 0.0)) == pytest.approx(math.log(2.0))


@pytest.mark.parametrize("sigma", [0.25, 0.5, 1.0, 1.5])
def test_handling_lognormal_median(sigma):
    assert float(handling_multiplier(0.5, "lognormal", sigma)) == pytest.approx(
        math.exp(-sigma**2 / 2), rel=1e-14)


def test_handling_lognormal_hand_computed_quantile():
    # Phi^-1(0.975) = 1.959963984540054; sigma = 0.5 -> exp(0.5*z - 0.125)
    z = 1.959963984540054
    assert float(handling_multiplier(0.975, "lognormal", 0.5)) == pytest.approx(
        math.exp(0.5 * z - 0.125), rel=1e-12)


@pytest.mark.parametrize("sigma", [0.5, 1.0])
def test_handling_lognormal_mean_is_one(sigma):
    assert float(np.mean(handling_multiplier(U_GRID, "lognormal", sigma))) == pytest.approx(
        1.0, abs=1e-3)


def test_handling_exponential_mean_is_one():
    assert float(np.mean(handling_multiplier(U_GRID, "exponential", 0.0))) == pytest.approx(
        1.0, abs=1e-3)


@pytest.mark.parametrize(("distribution", "sigma"),
                         [("exponential", 0.0), ("lognormal", 0.5), ("lognormal", 1.0)])
def test_handling_monotone_increasing_and_positive(distribution, sigma):
    m = handling_multiplier(U_GRID, distribution, sigma)
    assert np.all(m > 0.0)
    assert np.all(np.diff(m) > 0.0)


# -------------------------------------------------------------------------------- erlang_c


def test_erlang_c_reference_example():
    # lambda = 0.2, mu = 0.1, c = 3: a = 2, rho = 2/3, P0 = 1/9, C = 4/9, Wq = C/0.1
    c, wq = erlang_c(0.2, 0.1, 3)
    assert c == pytest.approx(4.0 / 9.0, abs=1e-12)
    assert c == pytest.approx(0.4444, abs=1e-3)
    assert wq == pytest.approx(4.444, abs=1e-3)
    assert wq == pytest.approx(40.0 / 9.0, rel=1e-12)


def test_erlang_c_single_server_hand_computed():
    # M/M/1, lambda = 0.3, mu = 0.5: C = rho = 0.6, Wq = rho/(mu - lambda) = 3
    c, wq = erlang_c(0.3, 0.5, 1)
    assert c == pytest.approx(0.6, rel=1e-12)
    assert wq == pytest.approx(3.0, rel=1e-12)


@SETTINGS
@given(mu=st.floats(0.01, 100.0), rho=st.floats(0.001, 0.999))
def test_erlang_c_single_server_is_mm1(mu, rho):
    lam = rho * mu
    c, wq = erlang_c(lam, mu, 1)
    assert c == pytest.approx(lam / mu, rel=1e-9)
    assert wq == pytest.approx((lam / mu) / (mu - lam), rel=1e-9)


def test_erlang_c_two_servers_hand_computed():
    # M/M/2: C = 2 rho^2 / (1 + rho); lambda = 1, mu = 1 -> a = 1, rho = 1/2: C = 1/3
    # Wq = C / (2*1 - 1) = 1/3
    c, wq = erlang_c(1.0, 1.0, 2)
    assert c == pytest.approx(1.0 / 3.0, rel=1e-12)
    assert wq == pytest.approx(1.0 / 3.0, rel=1e-12)


@SETTINGS
@given(servers=st.integers(1, 30), rho=st.floats(0.01, 0.99), mu=st.floats(0.01, 10.0))
def test_erlang_c_is_a_probability_and_wait_positive(servers, rho, mu):
    lam = rho * servers * mu
    c, wq = erlang_c(lam, mu, servers)
    assert 0.0 < c < 1.0
    assert wq > 0.0
    assert wq == pytest.approx(c / (servers * mu - lam), rel=1e-12)


def test_erlang_c_more_servers_means_less_waiting():
    waits = [erlang_c(0.2, 0.1, c)[1] for c in range(3, 10)]
    assert all(a > b for a, b in itertools.pairwise(waits))


@pytest.mark.parametrize(("lam", "mu", "servers"),
                         [(0.75, 0.25, 3), (0.5, 0.125, 3), (1.0, 1.0, 1), (2.0, 1.0, 1),
                          (10.0, 1.0, 4), (0.5, 0.25, 2)])
def test_erlang_c_unstable_queue_raises(lam, mu, servers):
    # Rates are exact binary fractions so rho = 1 really is 1 (0.3/0.1 in floats is < 3).
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(lam, mu, servers)


# --- routing rules -------------------------------------------------------------------------
def test_volunteer_take_probability_grows_with_hands_up_to_a_cap():
    from simulation.rules import volunteer_take_probability

    assert volunteer_take_probability(0, 0.02, 0.7) == 0.0
    assert volunteer_take_probability(10, 0.02, 0.7) == pytest.approx(0.2)
    assert volunteer_take_probability(35, 0.02, 0.7) == pytest.approx(0.7)
    assert volunteer_take_probability(1000, 0.02, 0.7) == 0.7


def test_grid_escalation_probability_cut_by_knowledge_only():
    from simulation.rules import grid_escalation_probability

    assert grid_escalation_probability(0.4, 0.0, 0.3) == pytest.approx(0.4)
    assert grid_escalation_probability(0.4, 1.0, 0.3) == pytest.approx(0.28)
    assert grid_escalation_probability(0.4, 0.5, 0.3) == pytest.approx(0.4 * 0.85)
    assert grid_escalation_probability(0.4, 1.0, 1.0) == 0.0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(base=st.floats(0, 1), k=st.floats(0, 1), kc=st.floats(0, 1))
def test_grid_escalation_probability_is_a_probability_never_above_base(base, k, kc):
    from simulation.rules import grid_escalation_probability

    p = grid_escalation_probability(base, k, kc)
    assert 0.0 <= p <= base + 1e-15


def test_serving_members_retired_first_then_in_order():
    from simulation.local_help import serving_members

    members = np.array([3, 5, 8, 13, 21])
    elderly = np.zeros(30, bool)
    elderly[[8, 21]] = True
    assert serving_members(members, elderly, 0.4).tolist() == [8, 21]
    assert serving_members(members, elderly, 0.6).tolist() == [3, 8, 21]
    assert serving_members(members, elderly, 1.0).tolist() == members.tolist()
    assert serving_members(members, elderly, 0.0).tolist() == []


def test_grid_handling_hours_shrink_with_knowledge():
    from simulation.rules import grid_handling_hours

    assert grid_handling_hours(4.0, 0.0, 0.3) == pytest.approx(4.0)
    assert grid_handling_hours(4.0, 1.0, 0.3) == pytest.approx(2.8)
    assert grid_handling_hours(4.0, 0.5, 0.3) == pytest.approx(3.4)


@SETTINGS
@given(servers=st.integers(1, 40), rho=st.floats(0.01, 0.99))
def test_erlang_c_recursion_matches_the_factorial_formula(servers, rho):
    import math

    a = rho * servers
    top = a**servers / (math.factorial(servers) * (1.0 - rho))
    closed = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    assert erlang_c(a, 1.0, servers)[0] == pytest.approx(closed, rel=1e-9)


def test_erlang_c_handles_a_city_sized_pool():
    # thousands of servers (a city department): the factorial formula overflows; at a
    # fixed load the chance of waiting falls as the pool grows (economies of scale)
    p = [erlang_c(0.86 * c, 1.0, c)[0] for c in (100, 300, 2580)]
    assert all(0.0 <= x < 1.0 for x in p)
    assert p[0] > p[1] > p[2] and p[2] < 1e-10


# ------------------------------------------------------------------------------ visits_today


def test_visits_go_ahead_while_the_queue_is_short_and_stop_when_it_is_long():
    # pause at 8 waiting cases per worker: 0 and 7.9 visit as planned, 8 and 20 do not.
    got = visits_today([4.0, 4.0, 4.0, 6.0], [0.0, 7.9, 8.0, 20.0], 8.0)
    assert got.tolist() == [4.0, 4.0, 0.0, 0.0]


@SETTINGS
@given(st.floats(0.0, 50.0), st.floats(0.0, 100.0), st.floats(0.0, 100.0))
def test_visits_today_is_all_or_nothing_of_the_plan(planned, waiting, pause):
    got = float(visits_today(planned, waiting, pause))
    assert got in (0.0, planned)
    assert (got == planned) == (waiting < pause) or planned == 0.0


# ---------------------------------------------------------------------------------- lateness


@pytest.mark.parametrize(("days", "expected"), [(0.0, 0.0), (7.0, 0.0), (10.5, 0.5),
                                                (14.0, 1.0), (100.0, 1.0), (np.nan, 0.0)])
def test_lateness_exact_values(days, expected):
    # E = 7: nothing until E, (x - 7) / 7 after, 1 from 2E on; NaN (not yet known) is 0.
    assert float(lateness(days, 7.0)) == pytest.approx(expected, abs=1e-15)


@SETTINGS
@given(st.floats(0.0, 400.0), st.floats(0.5, 60.0))
def test_lateness_is_the_negative_part_of_disconfirmation(r, expected_days):
    # the erosion while waiting and the penalty at closing are one quantity
    d = float(disconfirmation(r, expected_days))
    assert float(lateness(r, expected_days)) == pytest.approx(max(0.0, -d), abs=1e-12)


# ------------------------------------------------------------------- unresolved_trust_factor


def test_unresolved_trust_factor_by_hand():
    # E = 10, loss 0.25, burden 0.1:
    # known 15 days ago, arose 30 days ago, severity 0.8:
    #   (1 - 0.25 * 0.5) * (1 - 0.1 * 0.8 * 1) = 0.875 * 0.92 = 0.805
    # hidden (wait NaN), arose 12 days ago, severity 0.5:
    #   1 * (1 - 0.1 * 0.5 * 0.2) = 0.99
    # new: 1
    got = unresolved_trust_factor([30.0, 12.0, 1.0], [15.0, np.nan, np.nan],
                                  [0.8, 0.5, 0.9], 10.0, 0.25, 0.1)
    assert got.tolist() == pytest.approx([0.805, 0.99, 1.0], abs=1e-12)


def test_a_known_case_at_closing_time_weighs_what_the_closing_penalty_takes():
    # trust T with a late open case weighs T * (1 - loss * late); closing it then applies
    # trust_after_experience with d = -late: the same value, so nothing is counted twice.
    t, loss, expected, wait = 0.6, 0.25, 7.0, 11.0
    weighed = t * float(unresolved_trust_factor(wait, wait, 0.0, expected, loss, 0.0))
    closed = float(trust_after_experience(t, disconfirmation(wait, expected), 0.1, loss))
    assert weighed == pytest.approx(closed, abs=1e-12)


@SETTINGS
@given(st.floats(0.0, 500.0), st.floats(0.0, 500.0), unit, unit, unit)
def test_unresolved_trust_factor_stays_in_unit_interval(age, wait, severity, loss, burden):
    f = float(unresolved_trust_factor(age, min(wait, age), severity, 7.0, loss, burden))
    assert 0.0 <= f <= 1.0
