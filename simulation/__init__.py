"""gridgov: an agent-based simulation of urban grid governance (网格化治理) on Mesa 3.

>>> from simulation import GridGovernanceModel, load_scenario
>>> model = GridGovernanceModel(load_scenario("mmc"), seed=1).run(30)
>>> s = model.summary()
>>> s["issues_arisen"] == s["issues_resolved"] + s["issues_open"]  # mmc: nothing hidden
True
"""

from __future__ import annotations

__version__ = "0.1.0"  # before the imports: simulation.provenance reads it

from .model import GridGovernanceModel
from .parameters import PARAMS, ParameterError, Parameters
from .policies import LEVERS, POLICIES, Lever, Policy, apply_levers, apply_policies
from .run import RunResult, run_scenario
from .runner import RunRecord, run_model
from .scenarios import SCENARIOS, load_scenario

__all__ = [
    "LEVERS",
    "PARAMS",
    "POLICIES",  # old name of LEVERS
    "SCENARIOS",
    "GridGovernanceModel",
    "Lever",
    "ParameterError",
    "Parameters",
    "Policy",  # old name of Lever
    "RunRecord",
    "RunResult",
    "__version__",
    "apply_levers",
    "apply_policies",  # old name of apply_levers
    "load_scenario",
    "run_model",
    "run_scenario",
]
