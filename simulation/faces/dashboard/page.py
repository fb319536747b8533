"""The dashboard's page: its components and layout, and :func:`make_page`, which gives each
browser tab a model of its own (``run.py``) once admitted (``sessions.py``), warms it up and
plays it with a :class:`~.player.Player`.

The page: a title bar; a sidebar with the run's controls (play, step, speed, run to a day),
the lever controls (``controls.py``; they take effect at "New run", which builds a new model
with them) and the exports; gridgov's warnings about the run, the map of the community's
grids and four day charts (``charts.py``), in the words of ``text.py``.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable
from typing import Any

import solara

from ...parameters import MAX_DAYS
from .charts import CHARTS, MAP_COLOURS, SCALES, grid_figure, png, series_figure
from .controls import CONTROLS
from .player import Player
from .run import (
    DashboardModel,
    case_csv,
    day_note,
    page_warnings,
    pending,
    run_settings,
    series_csv,
    start_levers,
    stop_note,
    tell_terminal,
)
from .sessions import CLOSED, admitted, busy_message, forget_session
from .text import lever_label, lever_tooltip, option_label, tr

MAX_WARMUP = 1095  # days the warm-up control offers (three years; within --max-days)
WARMUP_FRAME = 30  # days warmed up between two updates of the progress bar
SPEEDS = (1, 7, 30, 91)  # days per frame the speed control offers
DEFAULT_SPEED = 7


def _para(text: str, kind: str = "gridgov-text") -> Any:
    """A paragraph of plain text (escaped) in the page's small print."""
    return solara.HTML(tag="div", unsafe_innerHTML=html.escape(text), classes=[kind])


def _image(data: bytes, alt: str) -> Any:
    """A PNG as an <img> that scales to its column, with ``alt`` for screen readers."""
    src = "data:image/png;base64," + base64.b64encode(data).decode()
    return solara.HTML(tag="img", attributes={"src": src, "alt": alt},
                       style="width: 100%; height: auto; display: block")


@solara.component
def GridMap(model: DashboardModel, day: int, lang: str) -> None:
    """The map, its colour and scale switches, the run's settings and the legend."""
    colour, set_colour = solara.use_state("trust")
    scale, set_scale = solara.use_state("absolute")
    image = solara.use_memo(lambda: png(grid_figure(model, lang, colour, scale)),
                            [model, day, colour, scale])
    with solara.Card(tr(lang, "map_title", day=day), margin=0, classes=["gridgov-map"]):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center", "gap": "8px"}):
            solara.ToggleButtonsSingle(value=colour, dense=True, on_value=set_colour, children=[
                                           solara.Button(tr(lang, f"colour_{c}"), value=c)
                                           for c in MAP_COLOURS])
            solara.ToggleButtonsSingle(value=scale, dense=True, on_value=set_scale, children=[
                                           solara.Button(tr(lang, f"scale_{s}"), value=s)
                                           for s in SCALES])
        _para(run_settings(model, lang))
        _image(image, tr(lang, "map_title", day=day))
        legend = [tr(lang, k) for k in ("legend_workers", "legend_party",
                                         "legend_volunteers", "legend_dedicated")]
        if colour == "trust":
            legend.append(tr(lang, "legend_grey"))
        _para(" · ".join(legend), "gridgov-legend")
        _para(tr(lang, "map_note"), "gridgov-note")


@solara.component
def Chart(model: DashboardModel, day: int, chart: str, lang: str) -> None:
    """One day chart in a card titled in words (the figure has the axes and legend)."""
    image = solara.use_memo(lambda: png(series_figure(model, chart, lang)), [model, day])
    title = tr(lang, CHARTS[chart][0])
    with solara.Card(title, margin=0, classes=["gridgov-chart"]):
        _image(image, f"{title} ({tr(lang, CHARTS[chart][1])} / {tr(lang, 'day_axis')})")


@solara.component
def LeverControls(levers: solara.Reactive[dict[str, Any]], lang: str, max_days: int,
                  disabled: bool) -> None:
    """Every lever with its value, unit and a tooltip from the parameter registry."""
    values = levers.value

    def setter(name: str) -> Callable[[Any], None]:
        return lambda v: levers.set({**levers.value, name: v})

    for name, control in CONTROLS.items():
        value = values[name]
        if control.slider is not None:  # a number (Control checks it has a range)
            low, high, step = control.slider
            widget = _slider(lever_label(lang, name, value), solara.SliderFloat(
                "", value=value, min=low, max=high, step=step, on_value=setter(name),
                thumb_label=False, disabled=disabled))
        elif control.kind == "choice":
            labels = {option_label(lang, m): m for m in control.param.choices or ()}
            set_mode = setter(name)
            widget = solara.Select(lever_label(lang, name, value), values=list(labels),
                                   value=option_label(lang, value), disabled=disabled,
                                   on_value=lambda v, by=labels, to=set_mode: to(by[v]))
        else:
            widget = solara.Checkbox(label=lever_label(lang, name, value), value=value,
                                     on_value=setter(name), disabled=disabled)
        solara.Tooltip(lever_tooltip(lang, name), children=[widget])
    cap = min(MAX_WARMUP, max_days)
    solara.Tooltip(tr(lang, "warmup_tip"), children=[_slider(
        tr(lang, "warmup", value=values["warmup_days"]), solara.SliderInt(
            "", value=values["warmup_days"], min=0, max=cap, step=5 if cap >= 50 else 1,
            on_value=setter("warmup_days"), thumb_label=False, disabled=disabled))])
    solara.Tooltip(tr(lang, "seed_tip"), children=[solara.InputText(
        tr(lang, "seed"), value=str(values["seed"]), on_value=setter("seed"),
        disabled=disabled)])


def _slider(label: str, slider: Any) -> Any:
    """A slider under its label (which carries the value and unit): the slider keeps the
    card's full width."""
    return solara.Column(children=[_para(label, "gridgov-lever"), slider], gap="0px",
                         classes=["gridgov-slider"])


def make_page(scenario: str = "baseline", *, lang: str = "en", max_days: int = MAX_DAYS,
              max_sessions: int | None = None) -> Any:
    """The dashboard's Solara page for ``scenario`` in ``lang`` ("en" or "zh"): each browser
    tab gets a model of its own, playing at most ``max_days`` days; beyond ``max_sessions``
    tabs (None: no cap) a tab gets :func:`busy_message` instead."""
    start = start_levers(scenario, max_days)

    def build(levers: dict[str, Any]) -> DashboardModel:
        return DashboardModel(scenario, max_days=max_days, **levers)

    @solara.component
    def Dashboard() -> Any:
        first = solara.use_memo(lambda: build(start), [])
        model = solara.use_reactive(first)
        frame = solara.use_reactive(0)
        playing = solara.use_reactive(False)
        error = solara.use_reactive("")
        levers = solara.use_reactive(dict(start))
        speed = solara.use_reactive(DEFAULT_SPEED)
        target = solara.use_reactive(min(max_days, start["warmup_days"] + 365))
        player = solara.use_memo(lambda: Player(model, frame, playing, error), [])

        def lifecycle() -> Callable[[], None]:
            # warm the first model up; let each model go when a new run replaces it
            # (told at once) and when the kernel closes
            held = [first]

            def replaced(new: Any, old: Any) -> None:
                held[0] = new
                if old is not new and isinstance(old, DashboardModel):
                    old.let_go()

            unsubscribe = model.subscribe_change(replaced)
            player.start(first.warmup_days, WARMUP_FRAME, measure=False)

            def closed() -> None:
                unsubscribe()
                forget_session()
                player.stop(quiet=True)
                if isinstance(held[0], DashboardModel):
                    held[0].let_go()
                model.set(CLOSED)  # Solara may keep this reactive for good: not the model

            return closed

        solara.use_effect(lifecycle, [])
        m = model.value
        if not isinstance(m, DashboardModel):
            return solara.Text("")
        frame.get()  # redraw after each frame the player plays

        def new_run() -> None:
            player.stop()
            error.set("")
            new = build(levers.value)
            model.set(new)
            player.start(new.warmup_days, WARMUP_FRAME, measure=False)

        def play_pause() -> None:
            if playing.value:
                player.stop()
            else:
                player.start(None, speed.value)

        return _layout(m, lang, scenario, max_days, levers, speed, target, playing.value,
                       error.value, player, new_run, play_pause)

    @solara.component
    def Page() -> Any:
        if not solara.use_memo(lambda: admitted(max_sessions), []):
            return solara.Error(busy_message(max_sessions or 0, lang))
        return Dashboard()

    return Page


STYLE = """
.gridgov-chart .v-card__title, .gridgov-map .v-card__title {
    font-size: 15px; line-height: 1.3; word-break: normal; padding-bottom: 4px; }
.gridgov-text, .gridgov-legend { font-size: 13px; line-height: 1.4; margin: 2px 0; }
.gridgov-note { font-size: 12px; color: #666; margin: 2px 0; }
.gridgov-lever { font-size: 15px; color: rgba(0, 0, 0, 0.75); margin-top: 8px; }
.gridgov-slider .v-input__slot { margin-bottom: 0; }
"""


# Chinese in the simplified forms (a page without lang="zh-CN" would take the font's
# Japanese forms first)
CJK_STYLE = """
.v-application, .v-application .v-card__title { font-family: Roboto, "Noto Sans CJK SC",
    "Noto Sans SC", sans-serif !important; }
"""


def _layout(m: DashboardModel, lang: str, scenario: str, max_days: int,
            levers: solara.Reactive[dict[str, Any]], speed: solara.Reactive[int],
            target: solara.Reactive[int], playing: bool, error: str, player: Player,
            new_run: Callable[[], None], play_pause: Callable[[], None]) -> None:
    """The page: title bar; sidebar with the run's controls, the levers and the exports;
    the warnings, the map and the four day charts."""
    warming = m.warming
    busy = warming or playing
    solara.Style(STYLE + (CJK_STYLE if lang == "zh" else ""))
    solara.Title(tr(lang, "title", scenario=scenario))  # the browser tab's title
    with solara.AppBar(), solara.AppBarTitle():
        solara.Text(tr(lang, "title", scenario=scenario))
    with solara.Sidebar(), solara.Column():
        with solara.Card(tr(lang, "run_card"), margin=0):
            solara.Markdown(f"**{tr(lang, 'day_now', day=m.day)}**")
            if warming:
                solara.ProgressLinear(100.0 * m.day / max(m.warmup_days, 1))
                solara.Text(tr(lang, "warming", day=m.day, goal=m.warmup_days))
            else:
                solara.Text(day_note(m, lang), style={"font-size": "13px"})
            done = m.day >= m.max_days
            with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
                solara.Button(tr(lang, "pause" if playing and not warming else "play"),
                              color="primary",
                              on_click=play_pause, disabled=warming or done)
                solara.Button(tr(lang, "step", days=speed.value), color="primary",
                              disabled=busy or done,
                              on_click=lambda: player.start(m.day + speed.value, speed.value))
            labels = {tr(lang, "speed_value", days=d): d for d in SPEEDS}
            solara.Select(tr(lang, "speed"), values=list(labels),
                          value=tr(lang, "speed_value", days=speed.value),
                          on_value=lambda v: speed.set(labels[v]))
            if not math.isnan(player.rate):
                solara.Text(tr(lang, "rate", rate=player.rate, year=365 / player.rate),
                            style={"font-size": "13px"})
            with solara.Row(style={"align-items": "center", "gap": "8px"}):
                solara.InputInt(tr(lang, "run_to"), value=target, dense=True,
                                style={"max-width": "110px"})
                solara.Button(tr(lang, "run_to_button", day=target.value), color="primary",
                              disabled=busy or done or target.value <= m.day,
                              on_click=lambda: player.start(target.value, speed.value))
            if note := stop_note(m, lang):
                solara.Warning(note, dense=True)
            if error:
                solara.Error(tr(lang, "error", error=error), dense=True)
        with solara.Card(tr(lang, "levers_card"), margin=0):
            LeverControls(levers, lang, max_days, disabled=False)
            solara.Button(tr(lang, "new_run"), color="primary", on_click=new_run,
                          style={"margin-top": "8px"})
            if pending(levers.value, m):
                solara.Info(tr(lang, "pending"), dense=True)
        with solara.Card(tr(lang, "export_card"), margin=0):
            Exports(m, m.day, lang, scenario, disabled=busy)
    with solara.Column(style={"min-width": "0"}):
        for warning in page_warnings(m, lang):
            solara.Warning(warning, dense=True)
        tell_terminal(m)
        if warming:
            return
        GridMap(m, m.day, lang)
        with solara.ColumnsResponsive(12, medium=6, large=6):
            for chart in CHARTS:
                Chart(m, m.day, chart, lang)


@solara.component
def Exports(m: DashboardModel, day: int, lang: str, scenario: str, disabled: bool) -> None:
    """Download buttons for the run's daily series and case log (built when clicked)."""
    stem = f"gridgov-{scenario}-seed{m.seed_value}-day{day}"
    series = solara.use_memo(lambda: (lambda: series_csv(m)), [m, day])
    cases = solara.use_memo(lambda: (lambda: case_csv(m)), [m, day])
    solara.Text(tr(lang, "export_note", day=day), style={"font-size": "13px"})
    for kind, data in (("series", series), ("cases", cases)):
        solara.FileDownload(data, filename=f"{stem}-{kind}.csv", mime_type="text/csv",
                            children=[solara.Button(tr(lang, f"{kind}_csv"), text=True,
                                                    icon_name="mdi-download",
                                                    disabled=disabled)])
