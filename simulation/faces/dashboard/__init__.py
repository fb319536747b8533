"""The dashboard (``gridgov dashboard``): a Solara page of its own around a Mesa model."""
