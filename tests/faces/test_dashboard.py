"""The dashboard: its model, words, figures and warnings, and the real app driven in headless
Chromium, in English and in Chinese."""

from __future__ import annotations

import csv
import gc
import inspect
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
import weakref
from pathlib import Path

import numpy as np
import pytest

from simulation.faces.cli import main
from simulation.faces.dashboard.charts import CHARTS, grid_figure, png, series_figure, use_cjk_font
from simulation.faces.dashboard.controls import CONTROLS
from simulation.faces.dashboard.run import (
    DashboardModel,
    page_warnings,
    run_settings,
    start_levers,
    tell_terminal,
)
from simulation.faces.dashboard.text import TEXT, all_text, lever_label, lever_tooltip, tr

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _model(**kwargs) -> DashboardModel:
    return DashboardModel("baseline", **{"warmup_days": 0, **kwargs})


def test_levers_reach_the_model_and_default_to_the_scenario():
    start = start_levers("wenheng")
    assert start["warmup_days"] == 365 and start["seed"] == "0"
    m = DashboardModel("wenheng", **start)
    assert m.params["policy.mobilisation"] == "campaign"  # wenheng's own value
    assert m.params["policy.party_branch"] is True
    assert m.warmup_days == 365 and m.day == 0  # the page's player warms it up
    m.release()
    m = _model(seed=3, households_per_worker=200.0, visits_per_worker_day=6.0,
               party_branch=True, mobilisation="party_led", mediation_centre=True,
               digital_platform=True)
    p = m.params
    assert (p["staffing.households_per_worker"], p["visits.per_worker_day"]) == (200.0, 6.0)
    assert p["policy.party_branch"] and p["policy.mediation_centre"]
    assert p["policy.digital_platform"] and p["policy.mobilisation"] == "party_led"
    assert m.seed_value == 3
    m.release()


def test_one_default_seed_and_a_bad_seed_is_noted_not_fatal():
    import simulation.faces.dashboard.run as dashboard
    from simulation.faces.dashboard.run import parse_seed
    from simulation.running.result import DEFAULT_SEED

    assert dashboard.DEFAULT_SEED is DEFAULT_SEED and DEFAULT_SEED == 0
    assert inspect.signature(DashboardModel).parameters["seed"].default == 0
    assert parse_seed("7") == (7, "") and parse_seed(" 12 ") == (12, "")
    for text in ("abc", "1.5", "-1", ""):
        seed, note = parse_seed(text)
        assert seed == 0 and "not a whole number" in note
    m = _model(seed="abc")
    assert m.seed_value == 0 and "used 0" in run_settings(m)
    assert "不是 ≥ 0 的整数：已改用 0" in run_settings(m, "zh")
    m.release()


def test_warm_up_runs_the_chosen_levers_from_day_0_within_the_day_cap():
    m = _model(warmup_days=30, party_branch=True)
    assert m.warming and m.warmup_days == 30
    m.run(30)
    assert not m.warming
    m.run(1)
    assert m.window_start["day"] == 30  # the measured window starts after it, as in sweeps
    assert m.pools.count("hidden") > 0 and m.pools.count("arisen") > 0  # no longer an empty city
    m.release()
    m = _model(warmup_days=365, max_days=100)
    assert m.warmup_days == 100  # never beyond the cap
    m.release()
    assert start_levers("baseline", max_days=100)["warmup_days"] == 50


def test_every_lever_shows_its_value_unit_and_a_tooltip_from_the_registry():
    from simulation.parameters import PARAM_INDEX

    assert lever_label("en", "households_per_worker", 300.0) == \
        "Households per grid worker: 300 households"
    assert lever_label("zh", "visits_per_worker_day", 4.0) == \
        "每名网格员每个工作日走访户数：4 户/工作日"
    assert lever_label("en", "party_branch", True) == "Party branch in the grid"
    for name, control in CONTROLS.items():
        spec = PARAM_INDEX[control.key]
        for lang in ("en", "zh"):
            tip = lever_tooltip(lang, name)
            assert spec.key in tip and spec.source in tip
        assert spec.doc in lever_tooltip("en", name)
    tip = lever_tooltip("en", "households_per_worker")
    assert "Unit: households" in tip and "1 – 100000" in tip
    assert "Party-led (党员带头) / campaign (集中动员)" in lever_tooltip("en", "mobilisation")


def test_the_lever_controls_set_exactly_the_keys_of_the_lever_settings_they_name():
    from simulation.faces.dashboard.controls import Control, lever_values, levers_for
    from simulation.faces.dashboard.text import LEVER_WORDS
    from simulation.policies import LEVERS, apply_levers
    from simulation.scenarios import load_scenario

    claimed = {name: LEVERS[c.lever].keys[c.setting] for name, c in CONTROLS.items()}
    assert claimed == {name: c.key for name, c in CONTROLS.items()}
    assert sorted(claimed.values()) == sorted(set(claimed.values()))  # one control a key
    assert LEVER_WORDS.keys() == CONTROLS.keys()
    for c in CONTROLS.values():
        spec = c.param
        if c.kind == "slider":
            low, high, step = c.slider
            assert spec.kind is float and spec.low <= low < high <= spec.high and step > 0
        else:
            assert c.slider is None
            assert (c.kind == "choice") == bool(spec.choices)
            assert (c.kind == "switch") == (spec.kind is bool)
    # the model's arguments set exactly those keys, to the values given, and nothing else
    base = load_scenario("baseline")
    chosen = {"households_per_worker": 200.0, "visits_per_worker_day": 6.0,
              "party_branch": True, "mobilisation": "party_led", "mediation_centre": True,
              "digital_platform": True}
    params = apply_levers(base, levers_for(chosen))
    assert {k for k in base if params[k] != base[k]} == set(claimed.values())
    assert lever_values(params) == chosen
    assert set(start_levers("wenheng")) == {*CONTROLS, "seed", "warmup_days"}
    # a number left out keeps the scenario's value; a switch or choice left out is off
    wenheng = load_scenario("wenheng")
    assert lever_values(apply_levers(wenheng, levers_for({}))) == {
        **lever_values(wenheng), "party_branch": False, "mobilisation": "none"}
    with pytest.raises(TypeError, match="no dashboard lever 'visits'"):
        levers_for({"visits": 6.0})
    with pytest.raises(ValueError, match="has no setting 'per_day'"):
        Control("visits_per_day", "visits", "per_day", slider=(0.0, 8.0, 0.5))
    with pytest.raises(ValueError, match=r"outside visits\.per_worker_day's range"):
        Control("visits_per_worker_day", "visits", "per_worker_day", slider=(0.0, 800.0, 1.0))
    with pytest.raises(ValueError, match="needs a slider range"):
        Control("households_per_worker", "staffing", "households_per_worker")


def test_the_chinese_table_has_every_phrase_with_the_same_fields():
    assert TEXT["en"].keys() == TEXT["zh"].keys()
    fields = re.compile(r"\{(\w+)")
    for key, en in TEXT["en"].items():
        zh = TEXT["zh"][key]
        assert set(fields.findall(en)) == set(fields.findall(zh)), key
        # Chinese text in every phrase but the few that are names or symbols
        assert CJK.search(zh), key


def test_the_map_has_an_absolute_scale_a_relative_one_and_draws_each_beat_once():
    m = _model(households_per_worker=1000.0)  # beats span grids
    m.run(20)
    assert any(len(g) > 1 for g in m.points.beat_grids)
    ax = grid_figure(m).axes[0]
    drawn = ax.collections[1].get_sizes()
    # marker area 12 per worker (capped at 6 a beat); zero where no beat starts
    assert (drawn > 0).sum() == len(m.points.beat_grids)
    assert drawn.sum() == 12 * sum(min(len(p.servers), 6) for p in m.points.beats)
    assert ax.collections[0].get_clim() == (0.0, 1.0)  # absolute trust: 0.300 ≈ 0.308
    trust = ax.collections[0].get_array()
    low, high = grid_figure(m, scale="relative").axes[0].collections[0].get_clim()
    assert (low, high) == (trust.min(), trust.max()) and high - low < 0.5
    fig = grid_figure(m, "en", "open")
    backlog = np.ma.filled(fig.axes[0].collections[0].get_array())
    assert backlog.sum() == m.pools.count("open") > 0
    assert fig.axes[0].collections[0].get_clim() == (0.0, 50.0)
    assert fig.axes[1].get_ylabel() == "open issues in the grid (count)"  # the colour bar
    assert grid_figure(m, "zh").axes[1].get_ylabel() == "居民平均信任度（0–1）"
    m.release()


def test_every_chart_has_axis_labels_with_units_and_day_0_is_not_a_blank_range():
    m = _model()
    for lang in ("en", "zh"):
        for chart, (_, y_key) in CHARTS.items():
            fig = series_figure(m, chart, lang)
            ax = fig.axes[0]
            assert ax.get_xlabel() == tr(lang, "day_axis")
            assert ax.get_ylabel() == tr(lang, y_key) and re.search(r"[（(]", ax.get_ylabel())
            assert ax.get_xlim() == (0.0, 10.0)  # day 0: not ±0.045
            assert ax.get_ylim()[0] >= 0 and ax.get_ylim()[1] - ax.get_ylim()[0] >= 0.05
            assert fig.legends and all(t.get_text() for t in fig.legends[0].get_texts())
    m.release()
    m = _model(warmup_days=20)
    m.run(40)
    fig = series_figure(m, "issues")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["warm-up", "open: known, not yet closed", "hidden: arisen, not yet known"]
    assert fig.axes[0].get_xlim() == (0.0, 40.0)
    assert len(m.resolution_days) == 40 and all(x >= 0 for x in m.resolution_days if x == x)
    m.release()


def test_chinese_figures_render_every_glyph():
    if not use_cjk_font():
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's fonts-noto-cjk for the Chinese dashboard")
        pytest.skip("no Chinese font here (apt-get install fonts-noto-cjk)")
    m = _model()
    m.run(3)
    with warnings.catch_warnings():
        # matplotlib warns "Glyph ... missing from font(s)" for each character it cannot draw
        warnings.filterwarnings("error", message="Glyph", category=UserWarning)
        for fig in [grid_figure(m, "zh"), grid_figure(m, "zh", "open"),
                    *(series_figure(m, c, "zh") for c in CHARTS)]:
            assert png(fig)[:4] == b"\x89PNG"
    m.release()


def test_an_installed_font_covers_every_chinese_character_the_page_uses():
    if shutil.which("fc-match") is None:
        pytest.skip("no fontconfig here")
    chars = sorted({c for text in all_text("zh") for c in text if CJK.match(c)})
    assert len(chars) > 150
    font = subprocess.run(["fc-match", "-f", "%{family}\n%{charset}", "sans-serif:lang=zh-cn"],
                          capture_output=True, text=True, check=True).stdout
    family, charset = font.split("\n", 1)
    covered = []
    for span in charset.split():
        low, _, high = span.partition("-")
        covered.append((int(low, 16), int(high or low, 16)))
    missing = [c for c in chars if not any(lo <= ord(c) <= hi for lo, hi in covered)]
    if "CJK" not in family and not os.environ.get("CI"):
        pytest.skip(f"no Chinese font here (fontconfig picks {family})")
    assert missing == [], f"{family} lacks {''.join(missing)}"


def test_the_page_shows_gridgov_s_own_warnings_in_words():
    m = _model(party_branch=False, mobilisation="party_led")
    (lever,) = page_warnings(m)
    assert lever.startswith("A lever cannot act in this run (policy.mobilisation):")
    assert "acts only in grids with a Party branch" in lever
    assert page_warnings(m, "zh")[0].startswith(
        "本次运行中有政策杠杆无法起作用（policy.mobilisation）")
    m.release()
    m = _model(households_per_worker=1000.0)
    (over,) = page_warnings(m)
    rho, n = m.overload()
    assert n > 0 and rho >= 1 and over.startswith(f"{n} service point(s) overloaded")
    assert f"{rho:.2f}" in over and "超负荷" in page_warnings(m, "zh")[0]
    # the server's terminal hears each kind once a run, in English, as gridgov run prints it
    terminal = io.StringIO()
    assert tell_terminal(m, terminal) == [over]
    m.step()
    assert tell_terminal(m, terminal) == []  # still overloaded: not repeated every day
    assert terminal.getvalue() == f"gridgov dashboard: warning: seed 0, day {m.day - 1}: {over}\n"
    m.release()
    m = _model()
    assert page_warnings(m) == [] and tell_terminal(m, terminal) == []  # every queue settles
    m.release()


def test_only_the_named_third_party_warnings_are_silenced():
    from simulation.faces.dashboard.warnings import quiet_third_party_warnings

    cookie = ("Cookies with samesite=none require https, but according to the asgi "
              "framework, the scheme is 'http'\nand the x-forwarded-proto header is 'http'.")

    def shown(message: str, module: str) -> bool:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            quiet_third_party_warnings()
            warnings.warn_explicit(message, UserWarning, "x.py", 1, module=module)
        return bool(seen)

    assert not shown(cookie, "solara.server.starlette")
    assert shown(cookie, "solara.server.app")  # another module: not ours to silence
    assert shown("Cookies are fine", "solara.server.starlette")
    assert shown("gridgov: warning: 3 service point(s) overloaded", "simulation.faces.cli.run")


def test_exports_hold_the_whole_run_warm_up_included():
    from simulation.faces.dashboard.run import case_csv, series_csv

    m = _model(warmup_days=5)
    m.run(12)
    rows = list(csv.DictReader(io.StringIO(series_csv(m))))
    assert [int(r["day"]) for r in rows] == list(range(13))
    assert rows[0]["resolution_days_mean"] == "" and "mean_trust" in rows[0]
    cases = list(csv.DictReader(io.StringIO(case_csv(m))))
    assert len(cases) == len(m.issues) > 0
    m.release()


def test_dashboard_refuses_a_city_and_a_busy_port(capsys):
    assert main(["dashboard", "jinan"]) == 2
    assert "is a city" in capsys.readouterr().err
    assert main(["dashboard", "mmc"]) == 2
    assert "choose baseline or wenheng" in capsys.readouterr().err
    assert main(["dashboard", "--lang", "fr"]) == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err and len(err.strip().splitlines()) == 1


def test_the_server_starts_with_the_limits_and_language_the_options_give(monkeypatch, capsys):
    import runpy

    import solara.server.settings as solara_settings
    import solara.util

    import simulation.faces.cli.dashboard as cli
    import simulation.faces.dashboard.page

    launched = []
    monkeypatch.setattr(cli.os, "execve", lambda path, argv, env: launched.append(env))
    port = str(_free_port())
    assert main(["dashboard", "--port", port]) == 0
    assert main(["dashboard", "wenheng", "--port", port, "--cull-after", "5",
                 "--max-sessions", "3", "--max-days", "400", "--lang", "zh"]) == 0
    default, chosen = launched
    assert default["SOLARA_KERNEL_CULL_TIMEOUT"] == f"{cli.CULL_SECONDS}s"
    assert default["GRIDGOV_DASHBOARD_MAX_SESSIONS"] == str(cli.MAX_SESSIONS)
    assert default["GRIDGOV_DASHBOARD_MAX_DAYS"] == str(cli.MAX_PLAYED_DAYS)
    assert (default["GRIDGOV_DASHBOARD_LANG"], chosen["GRIDGOV_DASHBOARD_LANG"]) == ("en", "zh")
    assert "at most 3 tabs at once and 400 days a run" in capsys.readouterr().out
    # what Solara and the app read from the environment the server starts with
    for key, value in chosen.items():
        monkeypatch.setenv(key, value)
    assert solara.util.parse_timedelta(solara_settings.Kernel().cull_timeout) == 5.0
    assert solara_settings.ThemeSettings().show_banner is False  # nothing over the charts
    pages = []
    monkeypatch.setattr(simulation.faces.dashboard.page, "make_page",
                        lambda *args, **kwargs: pages.append((args, kwargs)))
    runpy.run_module("simulation.faces.dashboard.app")
    assert pages == [(("wenheng",), {"lang": "zh", "max_days": 400, "max_sessions": 3})]
    for bad in (["--max-sessions", "0"], ["--cull-after", "0"], ["--max-days", "0"]):
        assert main(["dashboard", "--port", port, *bad]) == 2
    assert len(launched) == 2


def test_a_model_stops_at_its_last_day():
    from simulation.faces.dashboard.run import stop_note

    m = _model(max_days=3)
    for _ in range(2):
        m.step()
    assert m.running and stop_note(m) == ""
    m.run(5)
    assert (m.day, m.running, len(m.resolution_days)) == (3, False, 3)
    assert "Stopped at day 3" in stop_note(m) and "--max-days" in stop_note(m)
    assert "已在第 3 天停止" in stop_note(m, "zh")
    m.release()


@pytest.fixture
def tabs(monkeypatch):
    """Open a dashboard page in an in-process Solara kernel, as the server does for a
    browser tab: ``open(page)`` returns (kernel context, render context, model or None)."""
    import matplotlib
    import mesa

    monkeypatch.setenv("MPLBACKEND", matplotlib.get_backend())  # Solara would switch it
    import solara
    import solara.server.app  # noqa: F401  -- as served: each kernel's widgets apart (Solara's patch)
    from solara.server import kernel_context
    from solara.server.kernel import Kernel

    import simulation.faces.dashboard.sessions

    opened = []

    def open_tab(page: object) -> tuple:
        before = set(mesa.Agent._ids)
        ctx = kernel_context.VirtualKernelContext(id=f"test-{len(opened)}-{time.time_ns()}",
                                                  kernel=Kernel(), session_id="test")
        kernel_context.contexts[ctx.id] = ctx
        opened.append(weakref.ref(ctx))  # not to keep a closed tab's model alive
        ctx.page_connect("page")
        with ctx:
            _, rc = solara.render(solara.AppLayout(children=[page()]), handle_error=False)
            ctx.app_object = rc
        new = [m for m in mesa.Agent._ids if m not in before]
        return ctx, rc, (new[0] if new else None)

    yield open_tab
    for ref in opened:
        if (ctx := ref()) is not None and not ctx.closed_event.is_set():
            ctx.close()
    simulation.faces.dashboard.sessions._sessions.clear()


def _wait_for(condition, seconds: float = 30.0) -> bool:
    """Whether ``condition()`` came true within ``seconds`` (polled every 50 ms)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _alerts(ctx, rc) -> list[str]:
    import ipyvuetify as v

    with ctx:
        return [str(w.children) for w in rc.find(v.Alert).widgets]


def _button(ctx, rc, label: str):
    import ipyvuetify as v

    with ctx:
        return rc.find(v.Btn, children=[label]).widget


def _shows(ctx, rc, label: str, disabled: bool) -> bool:
    """Whether the page shows the button ``label`` (disabled or not) now."""
    import ipyvuetify as v

    with ctx:
        found = rc.find(v.Btn, children=[label]).widgets
    return len(found) == 1 and bool(found[0].disabled) == disabled


def _click(ctx, rc, label: str) -> None:
    """Click a button as its tab would: in the tab's kernel."""
    button = _button(ctx, rc, label)
    with ctx:
        button.click()


def test_a_tab_warms_up_plays_to_the_day_cap_says_why_and_a_new_run_keeps_the_cap(tabs):
    import mesa

    from simulation.faces.dashboard.page import make_page

    ctx, rc, model = tabs(make_page("baseline", max_days=6, max_sessions=2))
    assert model.warmup_days == 3  # half the cap
    # the warm-up plays by itself; then ▶ is enabled
    assert _wait_for(lambda: model.day == 3 and _shows(ctx, rc, "▶ Play", False))
    assert _alerts(ctx, rc) == []
    _click(ctx, rc, "▶ Play")
    assert _wait_for(lambda: any("Stopped at day 6" in a for a in _alerts(ctx, rc)))
    assert (model.day, model.running) == (6, False)
    assert _wait_for(lambda: _shows(ctx, rc, "Step 7 d", True)
                     and _shows(ctx, rc, "▶ Play", True), 10)  # ❚❚ is ▶ again
    before = set(mesa.Agent._ids)
    _click(ctx, rc, "New run with these settings")  # a new run, same cap; the old let go
    new = [m for m in mesa.Agent._ids if m not in before]
    assert len(new) == 1 and new[0] is not model and new[0].max_days == 6
    assert model.halted and model not in mesa.Agent._ids
    assert _wait_for(lambda: new[0].day == 3 and _shows(ctx, rc, "Step 7 d", False))
    assert _wait_for(lambda: _alerts(ctx, rc) == [], 10)  # the page re-renders the new run


def test_a_tab_beyond_the_cap_waits_unless_an_idle_one_makes_room(tabs, monkeypatch):
    import mesa
    import solara.server.settings as solara_settings
    from solara.server import kernel_context

    from simulation.faces.dashboard.page import make_page

    monkeypatch.setattr(solara_settings.kernel, "cull_timeout", "1h")  # no cull by Solara
    page = make_page("baseline", max_days=10, max_sessions=2)
    first, _, model = tabs(page)
    tabs(page)
    ctx, rc, refused = tabs(page)  # both tabs are on screen: the third waits, no model
    assert refused is None
    assert any("The dashboard is busy: 2 tab(s)" in a for a in _alerts(ctx, rc))
    first.page_disconnect("page")  # the first tab's connection dropped
    ctx, rc, admitted = tabs(page)  # room is made by closing it
    assert admitted is not None and _alerts(ctx, rc) == []
    assert first.closed_event.wait(10) and first.id not in kernel_context.contexts
    assert model.halted and model not in mesa.Agent._ids


def test_a_dropped_tab_is_culled_after_the_timeout_and_its_play_stops(tabs, monkeypatch):
    import mesa
    import solara.server.settings as solara_settings
    from solara.server import kernel_context

    from simulation.faces.dashboard.page import make_page

    monkeypatch.setattr(solara_settings.kernel, "cull_timeout", "0.2s")
    ctx, rc, model = tabs(make_page("baseline", max_days=3000, max_sessions=2))
    assert _wait_for(lambda c=ctx, r=rc: _shows(c, r, "▶ Play", False))  # warmed up
    _click(ctx, rc, "▶ Play")
    t0 = time.perf_counter()
    ctx.page_disconnect("page")  # a tab closed without Solara's beacon, still playing
    assert ctx.closed_event.wait(10), "the dropped tab's kernel was not culled"
    waited = time.perf_counter() - t0
    assert ctx.id not in kernel_context.contexts and 0.2 <= waited < 5
    assert model.halted and model not in mesa.Agent._ids
    day = model.day
    time.sleep(0.5)  # the player's thread would step on if the model were not stopped
    assert model.day == day < 3000
    # and nothing keeps it: not Mesa, nor anything Solara keeps of a closed tab
    gone = weakref.ref(model)
    del model, ctx, rc
    gc.collect()
    assert gone() is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp: Path, *options: str):
    """Start ``gridgov dashboard`` with ``options``; (url, log file, process)."""
    port = _free_port()
    gridgov = Path(sys.executable).with_name("gridgov")
    log = tmp / f"dashboard-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(gridgov), "dashboard", "--port", str(port), *options],
                                stdout=out, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return url, log, proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail(f"the dashboard did not start: {log.read_text()[-2000:]}")


def _stop(proc) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium for the dashboard test")
        pytest.skip("no chromium here")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _open(browser, url: str, ready: str, width: int = 1280, height: int = 800):
    """A new tab on ``url``, once warmed up (``ready`` on screen) with the map and the four
    charts drawn."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url, wait_until="networkidle")
    page.get_by_text(ready).wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('img').length >= 5", timeout=60_000)
    return page


# What must be on screen, whole and uncovered, at common window sizes: the run's day, a
# lever with its value, the map's title, colour and scale toggles, legend and picture, and
# each chart's title and picture (the old page clipped the map's title under its toggle and
# pushed the legend under the next chart).
LAID_OUT = ("text='Day 365'", "text=Households per grid worker: 300 households",
            "text=The community's grids on day 365", ".v-btn-toggle button:has-text('mean trust')",
            ".v-btn-toggle button:has-text('absolute scale')", "text=red edge: dedicated grid",
            "text=Open and hidden issues", "text=Resolution time of the issues resolved each day",
            "text=Residents' mean trust", "text=Volunteers by stage", "img")


def _hidden_or_covered(page, selectors: tuple[str, ...]) -> list[str]:
    """The selectors whose elements (each one for ``img``) are not wholly inside the
    window's width, have no size, or are covered at their centre by another element once
    scrolled into view; empty when everything is laid out as it should be."""
    problems = []
    for selector in selectors:
        found = page.locator(selector)
        for k in range(found.count() if selector == "img" else 1):
            element = found.nth(k)
            element.scroll_into_view_if_needed()
            ok = element.evaluate("""el => {
                const r = el.getBoundingClientRect();
                const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                return r.width > 0 && r.height > 0 && r.left >= 0
                    && r.right <= document.documentElement.clientWidth + 0.5
                    && top !== null && (el === top || el.contains(top));
            }""")
            if not ok:
                problems.append(f"{selector} #{k}")
    return problems


def _drawn(cdp, node: int) -> bool:
    """Whether Chromium lays out the element ``node`` (not ``display: none``)."""
    try:
        cdp.send("DOM.getBoxModel", {"nodeId": node})
    except Exception:  # playwright's Error: "Could not compute box model."
        return False
    return True


def _terminal(log: Path) -> list[str]:
    """What the server printed after its start-up lines."""
    lines = log.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "Solara server is starting" in line)
    return [line for line in lines[start + 1:] if line.strip()]


def test_the_app_in_chromium_labels_plays_runs_to_a_day_exports_and_stays_quiet(
        browser, tmp_path_factory):
    url, log, proc = _serve(tmp_path_factory.mktemp("en"), "baseline", "--max-days", "1200")
    shots = tmp_path_factory.mktemp("screenshots")
    try:
        page = _open(browser, url, "Days 0–364 were warm-up")
        assert page.title() == "gridgov: baseline — grid governance dashboard"  # the tab
        body = page.inner_text("body")
        for text in ("Households per grid worker: 300 households",
                     "Door-to-door visits per worker-day: 4 households/working day",
                     "Warm-up: 365 days", "Day 365", "Days 0–364 were warm-up",
                     "The community's grids on day 365", "red edge: dedicated grid",
                     "grey: no residents (dedicated grid)", "Open and hidden issues",
                     "Resolution time of the issues resolved each day",
                     "Residents' mean trust", "Volunteers by stage", "Speed: days per frame",
                     "mobilisation none", "seed 0", "Daily series (CSV)"):
            assert text.lower() in body.lower(), text  # buttons are upper case on screen
        for mesa_internal in ("Page 0", "PAGE 0", "Use Threads", "Render Interval",
                              "Play Interval", "party_led", "mean_trust"):
            assert mesa_internal not in body
        alts = page.eval_on_selector_all("img", "els => els.map(e => e.alt)")
        assert "Residents' mean trust (mean trust (0–1) / day)" in alts
        for width, height in ((1280, 800), (1920, 1080), (1366, 768)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(500)  # the layout follows the window
            page.screenshot(path=shots / f"en-{width}x{height}.png", full_page=True)
            assert _hidden_or_covered(page, LAID_OUT) == [], (width, height)
        cover = ("() => { const d = document.createElement('div'); d.id = 'cover'; "
                 "d.style.cssText = 'position:fixed;inset:0;z-index:9999'; "
                 "document.body.appendChild(d); }")
        page.evaluate(cover)  # the check can fail: a layer over everything hides it all
        assert _hidden_or_covered(page, LAID_OUT[:3]) == [f"{s} #0" for s in LAID_OUT[:3]]
        page.evaluate("() => document.getElementById('cover').remove()")
        page.get_by_text("Households per grid worker: 300 households").hover()
        tip = page.locator(".v-tooltip__content", has_text="staffing.households_per_worker")
        tip.wait_for(timeout=5_000)
        assert "Unit: households" in tip.inner_text() and "Source: DOMAIN" in tip.inner_text()

        with page.expect_download() as got:  # the case log of the year of warm-up
            page.get_by_role("button", name="Case log: one row per issue (CSV)").click()
        cases = Path(got.value.path()).read_text()
        assert cases.startswith("id,type,grid,community,street,dedicated_grid,")
        assert len(cases.splitlines()) > 10_000  # a year of a community's issues

        page.locator(".v-select", has_text="Volunteer mobilisation").click()
        options = page.locator(".v-list-item__title").all_inner_texts()
        assert "Party-led (党员带头)" in options and "party_led" not in options
        page.get_by_role("option", name="campaign (集中动员)").click()
        page.get_by_text("Changed: press “New run” to apply").wait_for(timeout=5_000)
        page.get_by_role("button", name="New run with these settings").click()
        page.get_by_text("mobilisation campaign (集中动员)").wait_for(timeout=30_000)
        page.get_by_text("Day 365", exact=True).wait_for(timeout=30_000)  # warmed up again

        page.get_by_role("button", name="Step 7 d").wait_for()
        before = page.locator("img").first.get_attribute("src")
        page.get_by_role("button", name="Step 7 d").click()
        page.get_by_text("Day 372", exact=True).wait_for(timeout=10_000)
        assert page.locator("img").first.get_attribute("src") != before  # the map changed

        page.locator(".v-select", has_text="Speed: days per frame").click()
        page.get_by_role("option", name="91 d per frame").click()
        run_to = page.get_by_label("Run to day")
        run_to.fill("737")
        run_to.press("Enter")
        button = page.get_by_role("button", name="Run to day 737")
        button.wait_for(timeout=60_000)  # the label follows once the server has the value
        t0 = time.perf_counter()
        button.click(timeout=60_000)
        page.get_by_text("Day 737", exact=True).wait_for(timeout=60_000)
        year = time.perf_counter() - t0  # a year, drawn every 91 days (the fastest speed)
        page.get_by_text("Last played at").wait_for(timeout=5_000)
        print(f"\na year at 91 days a frame: {year:.1f} s in Chromium")
        assert year < 20  # seconds, where the old dashboard took six minutes

        with page.expect_download() as got:
            page.get_by_role("button", name="Daily series (CSV)").click()
        rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text())))
        assert [int(r["day"]) for r in rows] == list(range(738))
        assert got.value.suggested_filename == "gridgov-baseline-seed0-day737-series.csv"
        page.close()
        assert _terminal(log) == []  # no warning on the user's terminal, page loads included
    finally:
        _stop(proc)


def test_the_app_in_chinese_shows_chinese_everywhere_with_every_glyph(browser, tmp_path_factory):
    url, log, proc = _serve(tmp_path_factory.mktemp("zh"), "--lang", "zh", "--max-days", "400")
    try:
        page = _open(browser, url, "第 0–199 天为预热期")
        assert page.title() == "gridgov：情景 baseline — 网格化治理仪表板"  # the browser tab
        body = page.inner_text("body")
        for text in ("每名网格员负责的户数：300 户", "每名网格员每个工作日走访户数：4 户/工作日",
                     "预热：200 天", "第 200 天", "第 0–199 天为预热期", "第 200 天的社区网格",
                     "红边：专属网格", "待办与隐藏问题", "居民平均信任度", "各阶段志愿者人数",
                     "速度：每帧天数", "志愿者动员 无", "随机种子 0", "每日时间序列（CSV）",
                     "按当前设置新运行", "运行到第 400 天", "平均信任度", "绝对刻度"):
            assert text in body, text
        for english in ("Households", "Warm-up", "Day ", "Play", "Step", "Speed", "New run",
                        "Export", "mean trust", "open issues", "legend", "none"):
            assert english not in body, english
        # every element with Chinese text draws each of its Chinese characters with a CJK
        # font (Chromium's own account of the fonts it used), none as a missing glyph
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        parents: dict[int, str] = {}

        def walk(node: dict) -> None:
            if node.get("nodeName") in ("HEAD", "TITLE"):  # not drawn: the tab's title
                return
            if node.get("nodeType") == 3 and CJK.search(node.get("nodeValue", "")):
                parents[node["parentId"]] = parents.get(node["parentId"], "") + node["nodeValue"]
            for child in node.get("children", []):
                walk(child)

        walk(root)
        drawn = {node: text for node, text in parents.items() if _drawn(cdp, node)}
        assert len(drawn) > 30  # Solara's hidden holder of the tab's title is not drawn
        for node, text in drawn.items():
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            cjk = sum(f["glyphCount"] for f in fonts if "CJK" in f["familyName"])
            assert cjk >= len(CJK.findall(text)), (text, fonts)
        page.close()
        assert _terminal(log) == []
    finally:
        _stop(proc)
