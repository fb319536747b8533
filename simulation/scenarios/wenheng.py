"""wenheng: the seed's case study — Wenheng community (文恒社区), Lixia district, Jinan.

An old compound of 1980s-90s buildings with no Party organisation, no property management
and no self-organisation: broken facilities, occupied space, rotting garbage and, above
all, difficult access to drinking water; residents distrust the new committee. The
community is founded (day 0 = April 2021) with grid governance: grid workers who start
without a map, door-to-door visits, a Party branch built in each grid, the "left
neighbour, right help" (左邻右帮) volunteer campaign, and a renovation that fixes the
buildings' shared problems (the backlog: each building's broken facilities, garbage,
occupied space and water supply) on renovation.day.
"""

from .base import Scenario

_S = "seed"
SCENARIO = Scenario(
    name="wenheng",
    description="The seed's case: an old compound with a backlog and low trust; then grid "
                "governance, a Party branch and a volunteer campaign arrive",
    overrides={
        "world.communities_per_street": (1, "one community"),
        "world.grids_per_community_min": (4, "assumption"),
        "world.grids_per_community_max": (4, "assumption"),
        "world.households_per_grid_min": (250, "assumption (old compound)"),
        "world.households_per_grid_max": (350, "assumption (old compound)"),
        "world.households_per_building": (24, "assumption (old walk-ups)"),
        "world.elderly_share": (0.30, "assumption (older than Jinan's 20%: an old compound)"),
        "world.dedicated_per_basic": (0.25, "assumption"),
        "world.volunteer_share": (0.12, "assumption (53 volunteer teams)"),
        "trust.initial_mean": (0.30, f"{_S}: residents distrusted the new committee"),
        "trust.anchor": (0.30, f"{_S}: no organisation before"),
        "reporting.base_logit": (-1.5, f"{_S}: nobody to report to, little expectation"),
        "knowledge.initial": (0.0, f"{_S}: a new community; maps drawn from scratch"),
        "visits.per_worker_day": (6.0, f"{_S}: 走家串户, the secretary visits with the workers"),
        "volunteers.initial_watching": (0.05, "assumption: no self-organisation"),
        "volunteers.initial_following": (0.01, "assumption: no self-organisation"),
        "volunteers.initial_self_driven": (0.0, "assumption: no self-organisation"),
        "issue.facility.initial_shared_backlog": (1.0, f"{_S}: broken public facilities"),
        "issue.sanitation.initial_shared_backlog": (1.0, f"{_S}: rotting garbage"),
        "issue.occupied_space.initial_shared_backlog": (0.5, f"{_S}: occupied open space"),
        "issue.water.initial_shared_backlog": (1.0, f"{_S}: drinking water the top problem"),
        "issue.facility.shared_rate": (1.0, "assumption (old facilities, no property "
                                             "management: twice the default)"),
        "issue.sanitation.shared_rate": (1.0, "assumption (no property management)"),
        "issue.water.shared_rate": (0.4, "assumption (old pipes: twice the default)"),
        "closure.shared_fix_prob": (0.3, f"{_S}: old pipes and facilities, no property "
                                         "management: casework patches, a project fixes"),
        "policy.renovation": (True, f"{_S}: road paved, greenery, a square, drinking-water "
                                    "machines installed"),
        "policy.party_branch": (True, f"{_S}: 党支部建在网格上"),
        "policy.mobilisation": ("campaign", f"{_S}: 左邻右帮, 53 teams, training, platform"),
    },
)
