"""The Solara app that ``gridgov dashboard`` serves (scenario from GRIDGOV_DASHBOARD_SCENARIO)."""

import os

from simulation.dashboard import make_page

page = make_page(os.environ.get("GRIDGOV_DASHBOARD_SCENARIO", "baseline"))
