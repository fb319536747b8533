"""The Solara app that ``gridgov dashboard`` serves: scenario and limits from the
environment it sets (simulation/cli/dashboard.py, ``server_environment``)."""

import os

from simulation.cli.dashboard import MAX_PLAYED_DAYS, MAX_SESSIONS
from simulation.dashboard import make_page

page = make_page(os.environ.get("GRIDGOV_DASHBOARD_SCENARIO", "baseline"),
                 max_days=int(os.environ.get("GRIDGOV_DASHBOARD_MAX_DAYS", MAX_PLAYED_DAYS)),
                 max_sessions=int(os.environ.get("GRIDGOV_DASHBOARD_MAX_SESSIONS",
                                                 MAX_SESSIONS)))
