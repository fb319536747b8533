"""``gridgov dashboard``: serve the interactive dashboard (simulation/faces/dashboard/app.py)."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from ...districts import district_count
from ...scenarios import get_scenario, load_scenario
from ...support.errors import UsageError
from .options import require_extra

# The limits of a served dashboard (``gridgov dashboard --help``). Each browser tab is a
# Solara kernel with a model of its own: about 30 MiB of the server's memory at day 0
# (baseline, measured: 85-89 MiB a 3 tabs), growing by about 0.085 MiB a simulated day.
# These bound what the server can be made to hold, by a colleague's forgotten tabs or by
# anyone who can reach the port: at worst MAX_SESSIONS x ~340 MiB (~2.7 GiB).
CULL_SECONDS = 60  # a tab whose connection dropped without closing is culled after this
MAX_SESSIONS = 8  # tabs with a model at once
MAX_PLAYED_DAYS = 3650  # ten years: ▶ and Step stop here (a model then holds ~340 MiB)


def server_environment(scenario: str, cull_seconds: int, max_sessions: int,
                       max_days: int, lang: str = "en") -> dict[str, str]:
    """The environment the Solara server starts with: the app's scenario, language and
    limits (read by simulation/faces/dashboard/app.py) and Solara's own settings, which it reads
    once at import, so they must be set before the server starts."""
    return {**os.environ, "GRIDGOV_DASHBOARD_SCENARIO": scenario,
            "GRIDGOV_DASHBOARD_LANG": lang,
            "GRIDGOV_DASHBOARD_MAX_SESSIONS": str(max_sessions),
            "GRIDGOV_DASHBOARD_MAX_DAYS": str(max_days),
            # Solara's default keeps a dropped tab's kernel for 24 hours
            "SOLARA_KERNEL_CULL_TIMEOUT": f"{cull_seconds}s",
            # no "This website runs on Solara" banner over the charts' corner
            "SOLARA_THEME_SHOW_BANNER": "False",
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}  # nothing is sent anywhere


def chinese_font_installed() -> bool:
    """Whether fontconfig knows a font for Chinese (what the browser and the charts use)."""
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                           check=False)
    return bool(found.stdout.strip())


def dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard with Solara until interrupted (this process becomes the
    server)."""
    require_extra("dashboard", "gridgov dashboard")
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
    lang = getattr(args, "lang", "en")
    env = server_environment(scenario, args.cull_after, args.max_sessions, args.max_days, lang)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    print(f"gridgov dashboard: {scenario} at http://{shown}:{port}/ (Ctrl-C stops it)",
          flush=True)
    print(f"  at most {args.max_sessions} tabs at once and {args.max_days} days a run; a tab "
          f"that drops its connection is freed after {args.cull_after} s", flush=True)
    if lang == "zh" and not chinese_font_installed():
        print("gridgov dashboard: warning: no Chinese font found (fc-list :lang=zh); the page "
              "may show boxes for Chinese text (Debian: apt-get install fonts-noto-cjk)",
              file=sys.stderr, flush=True)
    # this process becomes the server, so signals (Ctrl-C, SIGTERM) reach it directly
    os.execve(solara, [str(solara), "run", "simulation.faces.dashboard.app", "--host", host,
                       "--port", str(port), "--no-open", "--production",
                       "--no-check-version"], env)
    return 0  # not reached
