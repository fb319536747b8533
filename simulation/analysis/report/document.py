"""The report as a document: :class:`Report` (what ``build_report`` computes, writes and
returns) and :class:`Section` (one part of it: its own tables, figures, page part and
terminal lines). The sections in order are :data:`.sections.SECTIONS`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .comparison import Arm
    from .results import SweepResults


@dataclass
class Report:
    """A policy comparison report. ``build_report`` fills the shared fields (what several
    sections use); each section then adds its tables, figures and notes, in section
    order; ``build_report`` writes them and sets ``figures`` and ``html``."""

    out: Path  # the report's folder
    results: SweepResults  # the sweep compared
    arms: list[Arm]  # what is compared, each with its baseline (comparison.arms)
    metrics: list[str]  # the outcomes compared, in table order
    alpha: float  # family-wise error rate of Holm's correction
    table: pd.DataFrame  # one row per arm and metric (comparison.comparison_table)
    cost: pd.DataFrame  # cost-effectiveness per compared arm (empty without cost metrics)
    effects: pd.DataFrame  # each factor's effect on each metric (empty without factors)
    replications: dict[str, object]  # what the comparisons rest on (replication_note)
    sections: Sequence[Section]  # the sections that made it, in page order
    notes: list[str] = field(default_factory=list)  # warnings for the reader
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # CSV file -> table
    drawn: dict[str, Figure] = field(default_factory=dict)  # figure name -> figure (unsaved)
    captions: dict[str, str] = field(default_factory=dict)  # figure name -> its caption
    figures: dict[str, Path] = field(default_factory=dict)  # figure name -> its PNG file
    html: Path | None = None  # report.html, once written


class Section:
    """One part of the report. ``build_report`` calls ``compute`` of every section in
    order, writes the tables and figures they made, then joins their ``html`` into
    report.html; ``text_table`` joins their ``text`` for the terminal. Subclasses override
    what they have (the defaults make and show nothing)."""

    name: ClassVar[str] = ""  # what the section shows, in one word

    def compute(self, report: Report) -> None:
        """Add this section's tables (``report.tables``, by CSV file name; an empty one is
        not written), figures (``report.drawn`` and ``report.captions``, by name) and
        notes (``report.notes``) to ``report``."""

    def html(self, report: Report) -> str:
        """This section's part of report.html ('' for none); runs after every section's
        ``compute`` and after the files are written (``report.figures`` is set)."""
        return ""

    def text(self, report: Report) -> list[str]:
        """This section's lines of the terminal text, each block ending with a blank line
        (none by default)."""
        return []
