"""The policy comparison report of a sweep: which policy is better, by how much, how sure
we are, and at what cost (``gridgov compare``).

Modules: :mod:`.results` reads a results folder, :mod:`.comparison` builds the statistics,
:mod:`.figures` draws, :mod:`.html` writes report.html, :mod:`.build` ties them together
(:func:`~.build.build_report`). Kept import-light: the CLI imports only what it uses.
"""

ALPHA = 0.05  # family-wise error rate of the comparison's Holm correction (--alpha)
