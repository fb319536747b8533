"""The Solara app that ``gridgov dashboard`` serves: scenario, language and limits from the
environment it sets (simulation/faces/cli/dashboard.py, ``server_environment``)."""

import os

from simulation.faces.dashboard.warnings import quiet_third_party_warnings

quiet_third_party_warnings()  # before the server handles a request

from simulation.faces.cli.dashboard import MAX_PLAYED_DAYS, MAX_SESSIONS  # noqa: E402
from simulation.faces.dashboard.charts import use_cjk_font  # noqa: E402
from simulation.faces.dashboard.page import make_page  # noqa: E402

use_cjk_font()
page = make_page(os.environ.get("GRIDGOV_DASHBOARD_SCENARIO", "baseline"),
                 lang=os.environ.get("GRIDGOV_DASHBOARD_LANG", "en"),
                 max_days=int(os.environ.get("GRIDGOV_DASHBOARD_MAX_DAYS", MAX_PLAYED_DAYS)),
                 max_sessions=int(os.environ.get("GRIDGOV_DASHBOARD_MAX_SESSIONS",
                                                 MAX_SESSIONS)))
