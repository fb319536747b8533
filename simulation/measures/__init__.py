"""Measures: what a run is measured by — the outcome registry (each summary metric with its
meaning, unit, direction and computation), the per-issue tally behind them, and the per-run
tables. Part of the model's core: the model reports through them. The tally reads only
the columns and pieces it is given; the daily series and the per-run tables are each a
declared reader of the model (what it shows at the end of a day or a run)."""
