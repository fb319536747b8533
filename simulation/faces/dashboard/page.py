"""The interactive dashboard: a community's grids, played day by day in the browser.

``gridgov dashboard [SCENARIO] [--lang zh]`` serves :func:`make_page`
(``simulation/faces/dashboard/app.py``) with Solara. Each browser tab gets a model of its own
(:class:`DashboardModel`, a Mesa model): it is first warmed up with the chosen levers (365
days by default, as the sweeps do), then played a frame at a time (some days, then the page
redraws) by :class:`Player`, or run to a chosen day. The levers take effect when "New run"
builds a new model with them. The page's words come from ``simulation/faces/dashboard/text.py``
and its figures from ``simulation/faces/dashboard/charts.py``.

A served dashboard is bounded (``gridgov dashboard --max-sessions --max-days
--cull-after``): at most ``max_sessions`` tabs hold a model at once (:func:`admit_session`),
a model plays at most ``max_days`` days (warm-up included), and a model is let go when a new
run replaces it or its tab's kernel closes.
"""

from __future__ import annotations

import base64
import html
import math
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np
import solara
from solara.server import kernel_context
from solara.server.kernel_context import PageStatus, VirtualKernelContext

from ...issues import State
from ...load import queue_summary
from ...model import DEFAULT_SEED, GridGovernanceModel
from ...parameters import MAX_DAYS, MOBILISATION_MODES
from ...scenarios import load_scenario
from .charts import CHARTS, MAP_COLOURS, SCALES, grid_figure, png, series_figure
from .text import (
    LEVERS,
    lever_label,
    lever_tooltip,
    option_label,
    tr,
)

DEFAULT_WARMUP = 365  # days, as the sweeps (experiments/policy_comparison.toml warmup_days)
MAX_WARMUP = 1095  # days the warm-up control offers (three years; within --max-days)
WARMUP_FRAME = 30  # days warmed up between two updates of the progress bar
SPEEDS = (1, 7, 30, 91)  # days per frame the speed control offers
DEFAULT_SPEED = 7
# lever -> (min, max, step) of its slider (the registry allows wider ranges)
SLIDERS = {"households_per_worker": (100.0, 1000.0, 20.0),
           "visits_per_worker_day": (0.0, 8.0, 0.5)}


def parse_seed(text: Any) -> tuple[int, str]:
    """(seed, note): the seed typed in the dashboard, or DEFAULT_SEED with a note (English)
    saying why the text was not used (a page must not crash on a typo)."""
    try:
        value = int(str(text).strip())
    except ValueError:
        value = -1
    if value < 0:
        return DEFAULT_SEED, tr("en", "bad_seed", text=repr(str(text)), seed=DEFAULT_SEED)
    return value, ""


class DashboardModel(GridGovernanceModel):
    """A scenario with the dashboard's levers applied, whose measures start after
    ``warmup_days`` (at most ``max_days``); records each day's mean resolution time (days
    from known to resolved of the issues resolved that day). It stops at day ``max_days``,
    or for good once :meth:`let_go` is called: ``running`` turns False and further steps do
    nothing."""

    def __init__(self, scenario: str = "baseline", seed: Any = DEFAULT_SEED,
                 households_per_worker: float | None = None,
                 visits_per_worker_day: float | None = None, party_branch: bool = False,
                 mobilisation: str = "none", mediation_centre: bool = False,
                 digital_platform: bool = False, warmup_days: int = DEFAULT_WARMUP,
                 max_days: int = MAX_DAYS) -> None:
        levers: dict[str, Any] = {
            "policy.party_branch": bool(party_branch),
            "policy.mobilisation": mobilisation,
            "policy.mediation_centre": bool(mediation_centre),
            "policy.digital_platform": bool(digital_platform),
        }
        if households_per_worker is not None:
            levers["staffing.households_per_worker"] = float(households_per_worker)
        if visits_per_worker_day is not None:
            levers["visits.per_worker_day"] = float(visits_per_worker_day)
        number, self.seed_note = parse_seed(seed)
        self.seed_text = str(seed)
        self.max_days = int(max_days)
        warmup = min(max(int(warmup_days), 0), self.max_days)
        super().__init__(load_scenario(scenario, levers), seed=number, warmup_days=warmup)
        self.halted = False
        self.told: set[str] = set()  # the warnings printed on the terminal (tell_terminal)
        self.resolution_days: list[float] = []
        self._overload: tuple[int, float, int] = (-1, 0.0, 0)

    @property
    def warming(self) -> bool:
        """Whether the model is still in its warm-up days."""
        return self.day < self.warmup_days

    def step(self) -> None:
        """One day, then the day's mean days from known to resolved (NaN if none); nothing
        at day ``max_days`` or once let go."""
        if self.halted or self.day >= self.max_days:
            self.running = False
            return
        super().step()
        done = [i.t_closed - i.t_known for i in self.pools.closed_today
                if i.state == State.RESOLVED]
        self.resolution_days.append(float(np.mean(done)) if done else float("nan"))
        self.running = self.day < self.max_days

    def overload(self) -> tuple[float, int]:
        """(largest analytic offered load of a queue, queues at 1 or more) today (the
        analytic loads follow the active volunteers, so they are recomputed each day)."""
        if self._overload[0] != self.day:
            rho, over = queue_summary(self.loads())
            self._overload = (self.day, rho, over)
        return self._overload[1], self._overload[2]

    def let_go(self) -> None:
        """Stop for good and let the model be freed, once its tab's kernel closed or a new
        run replaced it (Mesa keeps every model alive until released)."""
        self.halted = True
        self.running = False
        self.release()


def stop_note(model: DashboardModel, lang: str = "en") -> str:
    """Why play stopped, once the model has reached its last day ("" before)."""
    if model.day < model.max_days:
        return ""
    return tr(lang, "stopped", day=model.day, cap=model.max_days)


def run_settings(model: DashboardModel, lang: str = "en") -> str:
    """The levers of the run on screen (the controls take effect at "New run")."""
    p = model.params

    def on(key: str) -> str:
        return tr(lang, "on" if p[key] else "off")

    text = tr(lang, "run_settings", hh=p["staffing.households_per_worker"],
              visits=p["visits.per_worker_day"], branch=on("policy.party_branch"),
              mob=option_label(lang, p["policy.mobilisation"]),
              med=on("policy.mediation_centre"), plat=on("policy.digital_platform"),
              warm=model.warmup_days, seed=model.seed_value)
    if model.seed_note:
        text += " (" + tr(lang, "bad_seed", text=repr(model.seed_text),
                          seed=model.seed_value) + ")"
    return text


def run_warnings(model: DashboardModel, lang: str = "en") -> dict[str, str]:
    """gridgov's own warnings about the run on screen, by kind (``lever:`` and the
    registry's line, or ``overloaded``), each one line in ``lang``: each lever that cannot
    act (the registry's words, after a header in ``lang``) and overloaded queues."""
    out = {}
    for w in model.warnings:
        lever = w.split()[0].rstrip(":")
        out[f"lever:{w}"] = f"{tr(lang, 'lever_warning', lever=lever)} {w}"
    rho, over = model.overload()
    if over:
        out["overloaded"] = tr(lang, "overloaded", n=over, rho=rho)
    return out


def page_warnings(model: DashboardModel, lang: str = "en") -> list[str]:
    """The lines of :func:`run_warnings`, as the page shows them."""
    return list(run_warnings(model, lang).values())


def tell_terminal(model: DashboardModel, stream: TextIO | None = None) -> list[str]:
    """Print on the server's standard error, in English as ``gridgov run`` does, each kind
    of gridgov's warnings about a run the first time it arises in that run (a lever that
    cannot act; the first day a service point is overloaded); return the lines printed."""
    new = {k: line for k, line in run_warnings(model).items() if k not in model.told}
    model.told.update(new)
    for line in new.values():
        print(f"gridgov dashboard: warning: seed {model.seed_value}, day {model.day}: {line}",
              file=stream or sys.stderr, flush=True)
    return list(new.values())


def day_note(model: DashboardModel, lang: str = "en") -> str:
    """Which days were warm-up."""
    if model.warmup_days == 0:
        return tr(lang, "no_warmup")
    return tr(lang, "warmup_note", last=model.warmup_days - 1)


def series_csv(model: DashboardModel) -> str:
    """The run's daily series (day 0 = the start, warm-up included) with the day's mean
    days from known to resolved, as CSV."""
    ts = model.timeseries()
    ts["resolution_days_mean"] = [math.nan, *model.resolution_days][: len(ts)]
    return ts.to_csv(index=False)


def case_csv(model: DashboardModel) -> str:
    """The run's case log (one row per issue, times in days), as CSV."""
    return model.case_log().to_csv(index=False)


def start_levers(scenario: str, max_days: int = MAX_DAYS) -> dict[str, Any]:
    """The :class:`DashboardModel` arguments a page starts with: the scenario's levers, the
    default seed and warm-up (within ``max_days``: at most half of it)."""
    p = load_scenario(scenario)
    return {
        "seed": str(DEFAULT_SEED),
        "households_per_worker": p["staffing.households_per_worker"],
        "visits_per_worker_day": p["visits.per_worker_day"],
        "party_branch": p["policy.party_branch"],
        "mobilisation": p["policy.mobilisation"],
        "mediation_centre": p["policy.mediation_centre"],
        "digital_platform": p["policy.digital_platform"],
        "warmup_days": min(DEFAULT_WARMUP, max_days // 2),
    }


class ClosedTab:
    """What a closed tab's model reactive holds instead of its model, so that nothing
    Solara keeps of a closed kernel (widgetti/solara#1180) keeps the model (tens of MiB)."""

    running = False
    halted = True


CLOSED = ClosedTab()


class Player:
    """Plays one tab's model in a thread of its own, a frame at a time (some days, then
    ``frame`` is bumped and the page redraws, in that thread), up to a goal day; a newer
    :meth:`start` or :meth:`stop` ends the loop after its frame, and one loop steps a
    model at a time."""

    def __init__(self, model: solara.Reactive[Any], frame: solara.Reactive[int],
                 playing: solara.Reactive[bool], error: solara.Reactive[str]) -> None:
        self.model, self.frame, self.playing, self.error = model, frame, playing, error
        self.rate = math.nan  # days per second of the last play, drawing included
        self._stepping = threading.Lock()
        self._guard = threading.Lock()
        self._generation = 0

    def start(self, goal: int | None, days_per_frame: int, measure: bool = True) -> None:
        """Play until day ``goal`` (None: the model's last day), ``days_per_frame`` days a
        frame; ``measure``: record the rate."""
        with self._guard:
            self._generation += 1
            generation = self._generation
        self.playing.set(True)
        threading.Thread(target=self._loop, args=(generation, goal, days_per_frame, measure),
                         daemon=True, name="gridgov-player").start()

    def stop(self, quiet: bool = False) -> None:
        """End the loop after its frame (``quiet``: without a redraw: the tab is closing)."""
        with self._guard:
            self._generation += 1
        if not quiet:
            self.playing.set(False)

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    def _loop(self, generation: int, goal: int | None, days_per_frame: int,
              measure: bool) -> None:
        with self._stepping:
            model, t0, first = self.model.value, time.perf_counter(), None
            try:
                while self._current(generation):
                    model = self.model.value
                    if not isinstance(model, DashboardModel) or model.halted:
                        return
                    end = model.max_days if goal is None else min(goal, model.max_days)
                    if model.day >= end:
                        break
                    first = model.day if first is None else first
                    model.run(min(days_per_frame, end - model.day))
                    self.frame.set(self.frame.value + 1)  # the page redraws, here
                if measure and first is not None and model.day > first:
                    self.rate = (model.day - first) / (time.perf_counter() - t0)
            except Exception as exc:  # shown on the page: a tab must not die silently
                if isinstance(model, DashboardModel) and not model.halted:
                    self.error.set(f"{type(exc).__name__}: {exc}")
            finally:
                if self._current(generation) and not getattr(model, "halted", True):
                    self.playing.set(False)


# The kernels (browser tabs) that hold a model, by kernel id, oldest first.
_sessions: dict[str, VirtualKernelContext] = {}
_sessions_lock = threading.Lock()


def _connected(context: VirtualKernelContext) -> bool:
    """Whether a page (browser tab) is connected to ``context`` now. Read without the
    kernel's lock: it is held while that kernel renders, which may be waiting to be
    admitted."""
    return PageStatus.CONNECTED in list(context.page_status.values())


def admit_session(context: VirtualKernelContext, max_sessions: int) -> bool:
    """Whether the browser tab of ``context`` (its Solara kernel) may have a model: yes
    while fewer than ``max_sessions`` tabs hold one. At the cap the oldest kernel that no
    tab is connected to (a tab closed without saying so, or a dropped connection, which
    Solara would keep for the cull timeout) is closed to make room; if every one has a tab
    on screen, no: nobody's run is taken from them, and the newcomer is told to wait."""
    victim = None
    with _sessions_lock:
        for key, held in list(_sessions.items()):
            if held.closed_event.is_set() or kernel_context.contexts.get(key) is not held:
                del _sessions[key]
        if _sessions.get(context.id) is context:
            return True
        if len(_sessions) >= max_sessions:
            victim = next((c for c in _sessions.values() if not _connected(c)), None)
            if victim is None:
                return False
            del _sessions[victim.id]
        _sessions[context.id] = context
    if victim is not None:
        # as Solara's own cull does, from another thread: this one renders a kernel
        threading.Thread(target=victim.close, kwargs={"reason": "cull"}, daemon=True,
                         name=f"gridgov-cull-{victim.id}").start()
    return True


def forget_session() -> None:
    """Drop the current kernel from the tabs that hold a model (its tab closed)."""
    if kernel_context.has_current_context():
        context = kernel_context.get_current_context()
        with _sessions_lock:
            if _sessions.get(context.id) is context:
                del _sessions[context.id]


def busy_message(max_sessions: int, lang: str = "en") -> str:
    """What a tab beyond the cap is shown instead of a model."""
    return tr(lang, "busy", n=max_sessions)


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

    for name in LEVERS:
        value = values[name]
        if name in SLIDERS:
            low, high, step = SLIDERS[name]
            control = _slider(lever_label(lang, name, value), solara.SliderFloat(
                "", value=value, min=low, max=high, step=step, on_value=setter(name),
                thumb_label=False, disabled=disabled))
        elif name == "mobilisation":
            labels = {option_label(lang, m): m for m in MOBILISATION_MODES}
            set_mode = setter(name)
            control = solara.Select(lever_label(lang, name, value), values=list(labels),
                                    value=option_label(lang, value), disabled=disabled,
                                    on_value=lambda v, by=labels, to=set_mode: to(by[v]))
        else:
            control = solara.Checkbox(label=lever_label(lang, name, value), value=value,
                                      on_value=setter(name), disabled=disabled)
        solara.Tooltip(lever_tooltip(lang, name), children=[control])
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
        def admitted() -> bool:
            if max_sessions is None or not kernel_context.has_current_context():
                return True
            return admit_session(kernel_context.get_current_context(), max_sessions)

        if not solara.use_memo(admitted, []):
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
            if _pending(levers.value, m):
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


def _pending(levers: dict[str, Any], m: DashboardModel) -> bool:
    """Whether the levers on screen differ from those of the run on screen."""
    p = m.params
    now = {"households_per_worker": p["staffing.households_per_worker"],
           "visits_per_worker_day": p["visits.per_worker_day"],
           "party_branch": p["policy.party_branch"], "mobilisation": p["policy.mobilisation"],
           "mediation_centre": p["policy.mediation_centre"],
           "digital_platform": p["policy.digital_platform"], "warmup_days": m.warmup_days,
           "seed": m.seed_text}
    return any(str(levers[k]) != str(now[k]) for k in now)


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
