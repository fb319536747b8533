"""The report's sections, in page order: :data:`SECTIONS`. Each is a
:class:`~..document.Section` in a module of its own, named after what it shows."""

from __future__ import annotations

from ..document import Section
from .caveats import Caveats
from .comparison_tables import ComparisonTables
from .cost import Cost
from .design_points import DesignPoints
from .factor_effects import FactorEffects
from .gallery import Gallery
from .heading import Heading
from .method import Method
from .summary import Summary

SECTIONS: tuple[Section, ...] = (
    Heading(),  # the experiment and how it was run
    Summary(),  # what the data say: every difference from the baseline, the best arms
    Caveats(),  # how sure we are: replications, notes, replications still needed
    Gallery(),  # the figures
    DesignPoints(),  # what each design point sets (factorial sweeps)
    ComparisonTables(),  # metric by metric (comparison.csv)
    Cost(),  # cost-effectiveness and the cost rates (cost_effectiveness.csv)
    FactorEffects(),  # each factor's effect on each outcome (factor_effects.csv)
    Method(),  # how the numbers are made
)
"""The report, top to bottom: ``build_report`` runs them in this order."""
