"""``gridgov dashboard``: serve the interactive dashboard (simulation/dashboard_app.py)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from ..districts import district_count
from ..errors import UsageError
from ..scenarios import get_scenario, load_scenario


def dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard with Solara until interrupted (this process becomes the
    server)."""
    scenario, host, port = args.scenario, args.host, args.port
    if district_count(load_scenario(scenario)) > 1:
        raise UsageError(f"the dashboard shows one community's grids; {scenario!r} is a "
                         "city: choose baseline or wenheng")
    if get_scenario(scenario).derive is not None:
        raise UsageError(f"{scenario!r} sets the levers' keys from its own inputs (an "
                         "analytic check): choose baseline or wenheng")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family) as probe:
            # as the server binds: a stopped server's lingering connections do not count
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc}; "
                         "choose another --port or --host") from None
    solara = Path(sys.executable).with_name("solara")
    env = {**os.environ, "GRIDGOV_DASHBOARD_SCENARIO": scenario,
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}  # nothing is sent anywhere
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    print(f"gridgov dashboard: {scenario} at http://{shown}:{port}/ (Ctrl-C stops it; "
          "pause ▶ first, or press it twice)", flush=True)
    # this process becomes the server, so signals (Ctrl-C, SIGTERM) reach it directly
    os.execve(solara, [str(solara), "run", "simulation.dashboard_app", "--host", host,
                       "--port", str(port), "--no-open", "--production",
                       "--no-check-version"], env)
    return 0  # not reached
