"""The policy comparison report of a sweep: which policy is better, by how much, how sure
we are, and at what cost (``gridgov compare``).

The report is a list of sections (:data:`.sections.SECTIONS`), top to bottom:

1. :mod:`~.sections.heading` - the experiment and how it was run;
2. :mod:`~.sections.summary` - what the data say: every difference from the baseline
   and the arms that do best;
3. :mod:`~.sections.caveats` - what the comparisons rest on, the notes, the replications
   still needed;
4. :mod:`~.sections.gallery` - the figures (PNG);
5. :mod:`~.sections.design_points` - what each design point sets (factorial sweeps);
6. :mod:`~.sections.comparison_tables` - metric by metric (comparison.csv);
7. :mod:`~.sections.cost` - cost-effectiveness and the cost rates (cost_effectiveness.csv);
8. :mod:`~.sections.factor_effects` - each factor's effect (factor_effects.csv);
9. :mod:`~.sections.method` - how the numbers are made.

:func:`~.build.build_report` loads the results (:mod:`.results`), computes what sections
share (:mod:`.comparison`: the arms, the comparison table, cost-effectiveness, factor
effects), runs each section's ``compute`` in order, writes its tables and figures, and
joins the sections' ``html`` into report.html (:mod:`.page`); :func:`~.build.text_table`
joins their ``text`` for the terminal. :mod:`.figures` draws, :mod:`.formatting` words
the numbers.

To add a section: write a module in ``sections/`` with a subclass of
:class:`~.document.Section` (override ``compute`` for its tables, figures and notes,
``html`` for its part of the page, ``text`` for its terminal lines), and put an instance in
``SECTIONS`` where it belongs on the page. Nothing else changes.

Kept import-light: the CLI imports only what it uses.
"""
