"""Plausible ranges of the uncertain parameters: where a value could reasonably lie.

The valid range in the registry bounds what the code accepts; a plausible range bounds
what is credible for a Jinan street office. Ranges explored by the calibration and the
sensitivity analysis live in their experiment files (``experiments/calibration.toml``,
``experiments/sensitivity.toml``) and take precedence in docs/model.md's table. The rest
are judgement, stated here once with the reason: none is a measurement.
"""

from __future__ import annotations

from .parameters import Param

# key -> (low, high, basis)
PLAUSIBLE: dict[str, tuple[float, float, str]] = {
    "world.party_share": (0.05, 0.1, "DOMAIN: ~7% nationally; higher in old urban compounds"),
    "staffing.households_per_worker": (250.0, 800.0, "DOMAIN: grids of 300-500 households, "
                                       "Shenzhen ~672 per worker"),
    "visits.per_worker_day": (1.0, 8.0, "DOMAIN: 1-5 a day (Beijing), each home every two "
                              "weeks (Shenzhen)"),
    "cost.full_time_worker": (3200.0, 4000.0, "DOMAIN: Wuhan 2023 fieldwork"),
    "world.volunteer_share": (0.044, 0.2, "DOMAIN: 4.4% registered nationally; cities more"),
    "community.case_staff": (1, 6, "seed: two committees of 6, part of them on casework"),
    "trust.initial_mean": (0.3, 0.8, "DOMAIN: hotline satisfaction 53%-97%; seed: low at first"),
    "trust.expected_days": (3.0, 14.0, "DOMAIN: 5 working days, up to 10 with extension"),
    "volunteers.party_rate": (0.01, 0.1, "seed: Party members lead, a stage in weeks to months"),
    "volunteers.campaign_rate": (0.01, 0.1, "seed: a campaign moves people in weeks to months"),
    "volunteers.training_gain": (0.0, 0.2, "seed: training makes volunteers more capable"),
    "staffing.part_time_share": (0.0, 0.5, "policy lever; DOMAIN: Laiwu's Party-member workers"),
    "street.case_staff": (4, 20, "a street office's petition/case desk"),
    "mediation.case_staff": (1, 8, "a one-stop centre's mediators per street"),
    "handling.factor_community": (1.0, 4.0, "community staff redo the grid's groundwork"),
    "handling.factor_street": (2.0, 8.0, "between community and department"),
    "handling.factor_mediation": (2.0, 8.0, "mediation sessions take days"),
    "handling.volunteer_hours": (0.5, 6.0, "a neighbourly errand to half a day"),
    "handling.branch_hours": (1.0, 8.0, "a branch meeting or a visit"),
    "reporting.severity_coef": (1.0, 6.0, "severe issues are reported far more often"),
    "reporting.platform_logit": (0.0, 2.0, "a platform raises reporting, not beyond certain"),
    "reporting.delay_days": (0.2, 5.0, "from the same day to within a week"),
    "reporting.platform_delay_days": (0.02, 1.0, "minutes to a day"),
    "reporting.dedicated_prob": (0.6, 1.0, "units have staff whose job is to report"),
    "visits.hours_each": (0.1, 1.0, "DOMAIN: Shenzhen's fortnightly visits mean minutes; "
                          "Beijing's 1-5 a day allow an hour"),
    "visits.trust_gain": (0.0, 0.1, "a visit is a small positive experience"),
    "visits.find_prob_min": (0.1, 0.5, "a stranger finds little"),
    "visits.dedicated_find_prob": (0.05, 0.5, "weekly to monthly inspection rounds"),
    "knowledge.initial": (0.0, 1.0, "seed: from no map (Wenheng) to a complete one"),
    "knowledge.escalation_cut": (0.0, 0.6, "knowing the grid settles more locally"),
    "trust.initial_sd": (0.05, 0.25, "a Beta spread around the mean"),
    "trust.anchor": (0.3, 0.8, "DOMAIN: hotline satisfaction 65%-97%"),
    "trust.drift_per_day": (1 / 3650, 1 / 90, "trust forgets in a season to a decade"),
    "volunteers.initial_watching": (0.0, 0.3, "DOMAIN: most registered volunteers idle"),
    "volunteers.initial_following": (0.0, 0.1, "DOMAIN: ~14 hours per volunteer"),
    "volunteers.initial_self_driven": (0.0, 0.05, "DOMAIN: few are active"),
    "volunteers.base_rate": (0.0, 0.01, "spontaneous joining is rare"),
    "volunteers.threshold_width": (0.01, 0.1, "sharp to gradual thresholds"),
    "volunteers.trust_rate": (0.0, 0.05, "trust helps, does not drive"),
    "volunteers.fallback_rate": (0.01, 0.2, "volunteers drift away in months to years"),
    "volunteers.incentive_cut": (0.0, 0.8, "incentives keep people, not all"),
    "volunteers.spot_rate": (0.001, 0.05, "an active volunteer notices a problem a month"),
    "volunteers.take_per_active": (0.005, 0.05, "a few active volunteers cover a grid"),
    "volunteers.take_max": (0.3, 0.9, "minor issues only"),
    "volunteers.resolve_prob": (0.5, 0.95, "volunteers settle most of what they take"),
    "volunteers.contact_trust_gain": (0.0, 0.1, "a neighbour's help is a small positive "
                                      "experience"),
    "volunteers.hours_per_week": (0.5, 6.0, "DOMAIN: ~14 hours a year per registered "
                                  "volunteer; the active few give more"),
    "volunteers.available_share": (0.1, 0.5, "DOMAIN: most registered volunteers are idle"),
    "branch.hours_per_member_week": (0.25, 3.0, "members are residents with jobs; some "
                                     "retired"),
    "visits.pause_queue": (3.0, 20.0, "a day's to a week's casework waiting"),
    "trust.burden": (0.0, 0.3, "an unsolved problem weighs on trust, less than a failed "
                     "case"),
    "knowledge.handling_speedup": (0.0, 0.3, "seed: the map speeds service"),
    "branch.take_prob": (0.2, 0.9, "seed: branches settle matters in the grid"),
    "branch.resolve_prob": (0.4, 0.9, "a branch settles most of what it takes"),
    "branch.escalation_cut": (0.0, 0.6, "seed: 'small matters stay in the grid'"),
    "cost.part_time_worker": (800.0, 2500.0, "allowances below full-time pay"),
    "cost.employer_overhead": (0.2, 0.45, "social insurance and housing fund"),
    "cost.case_staff": (3500.0, 7000.0, "civil-service-level pay in Jinan"),
    "cost.mediation_centre": (1e5, 1e6, "premises and legal services"),
    "cost.party_branch": (500.0, 5000.0, "branch activity funds"),
    "cost.volunteer_incentive": (0.0, 1500.0, "points, small gifts, insurance"),
    "cost.campaign_training": (100.0, 800.0, "recruitment and training per volunteer"),
    "cost.platform": (1.0, 10.0, "a municipal app per resident"),
}
ISSUE_BASIS = "no per-type data: a factor of two either way"


def plausible_text(param: Param) -> str:
    """The plausible range of ``param`` for the parameter table ('' if none is stated).
    Per-type issue parameters get half to twice their default (capped at the valid
    range): there are no per-type data to do better."""
    if param.key in PLAUSIBLE:
        low, high, basis = PLAUSIBLE[param.key]
        return f"{low:.4g} – {high:.4g} ({basis})"
    if (param.key.startswith("issue.") and param.kind is float and param.default > 0):
        high = param.default * 2
        if param.high is not None:
            high = min(high, param.high)
        return f"{param.default / 2:.4g} – {high:.4g} ({ISSUE_BASIS})"
    return ""
