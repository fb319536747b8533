"""gridgov: an agent-based simulation of urban grid governance (网格化治理) on Mesa 3.

One run, its summary and its figure (docs/api.md is the Python API's guide):

>>> from simulation import GridGovernanceModel
>>> model = GridGovernanceModel("mmc", seed=1).run(30)  # 30 simulated days
>>> s = model.summary()  # float64 Series of the summary metrics (simulation.measures.outcomes)
>>> bool(s["issues_arisen"] == s["issues_resolved"] + s["issues_open"])  # mmc: none hidden
True

- a model: :class:`GridGovernanceModel` (``.run(days)``, ``.summary()``,
  ``.timeseries()``, ``.case_log()``, ``.plot()``), or :func:`run_scenario` in one call;
- inputs: :func:`load_scenario` (a scenario's validated :class:`Parameters`), policy
  levers (:class:`Lever`, or strings such as ``"mobilisation:mode=campaign"``);
- experiments (docs/experiments.md): :func:`run_sweep`, :func:`compare`,
  :func:`run_sensitivity`; figures: :mod:`simulation.analysis.plotting`.
"""

from __future__ import annotations

from ._version import __version__
from .faces.api import (
    Comparison,
    SensitivityResult,
    SweepResult,
    compare,
    run_sensitivity,
    run_sweep,
)
from .model import DEFAULT_SEED, GridGovernanceModel
from .parameters import PARAMS, ParameterError, Parameters
from .policies import LEVERS, Lever, apply_levers
from .running.result import RunResult, run_scenario
from .running.runner import RunRecord, run_model
from .scenarios import SCENARIOS, load_scenario

__all__ = [
    "DEFAULT_SEED",
    "LEVERS",
    "PARAMS",
    "SCENARIOS",
    "Comparison",
    "GridGovernanceModel",
    "Lever",
    "ParameterError",
    "Parameters",
    "RunRecord",
    "RunResult",
    "SensitivityResult",
    "SweepResult",
    "__version__",
    "apply_levers",
    "compare",
    "load_scenario",
    "run_model",
    "run_scenario",
    "run_sensitivity",
    "run_sweep",
]
