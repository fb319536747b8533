"""Measures: what a run is measured by — the outcome registry (each summary metric with its
meaning, unit, direction and computation), the per-issue tally behind them, and the per-run
tables. Part of the model's core: the model reports through them, and they read only the
columns and pieces they are given, never the model itself."""
