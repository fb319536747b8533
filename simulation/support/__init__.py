"""Support: what every layer leans on and that knows nothing of the model — the user's
errors, atomic file writes, ownership records, provenance, the machine's resources and the
files gridgov ships. The lowest layer: it imports nothing else of gridgov."""
