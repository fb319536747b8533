"""baseline: a typical Jinan street office before the policy levers are pulled.

One street office of five communities, each of 4-8 basic grids of 300-500 households
(~30 basic grids, ~12,000 households, ~34,000 residents) plus dedicated grids at Jinan's
ratio; one full-time grid worker per ~400 households (dedicated grids: a part-time worker
from the unit's staff); no Party branch in
the grid, no volunteer mobilisation, no mediation centre, no digital platform. Every value
is the registry default (simulation/parameters.py), where its unit and source are given.
"""

from .base import Scenario

SCENARIO = Scenario(
    name="baseline",
    description="A typical Jinan street office: 5 communities of 300-500-household grids, "
                "status-quo policies",
)
