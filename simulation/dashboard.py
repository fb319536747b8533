"""The interactive dashboard: Mesa's SolaraViz over a community's grids.

``gridgov dashboard [SCENARIO]`` serves :func:`make_page` (``simulation/dashboard_app.py``)
with Solara. The levers are model parameters of :class:`DashboardModel`: as in any
SolaraViz app, a new setting takes effect when RESET builds a new model with it (the map's
caption shows the settings of the run on screen); the map and the time series follow each
step.

A served dashboard is bounded (``gridgov dashboard --max-sessions --max-days --cull-after``):
at most ``max_sessions`` tabs hold a model at once (:func:`admit_session`), a model plays at
most ``max_days`` days, and a model is let go when RESET replaces it or its tab's kernel
closes (Mesa would otherwise keep every model alive).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import solara
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter
from solara.server import kernel_context
from solara.server.kernel_context import PageStatus, VirtualKernelContext

from .issues import State
from .metrics import grid_state
from .model import GridGovernanceModel
from .parameters import MAX_DAYS, MOBILISATION_MODES
from .report.figures import schematic_layout
from .scenarios import load_scenario

DEFAULT_SEED = 1


def parse_seed(text: Any) -> tuple[int, str]:
    """(seed, note): the seed typed in the dashboard, or DEFAULT_SEED with a note saying
    why the text was not used (a page must not crash on a typo)."""
    try:
        value = int(str(text).strip())
    except ValueError:
        value = -1
    if value < 0:
        return DEFAULT_SEED, f"seed {str(text)!r} is not a whole number ≥ 0: used {DEFAULT_SEED}"
    return value, ""


class DashboardModel(GridGovernanceModel):
    """A scenario with the dashboard's levers applied; records each day's mean resolution
    time (days from known to resolved of the issues resolved that day). It stops at day
    ``max_days``, or for good once :meth:`let_go` is called: ``running`` turns False
    (which stops ▶ and disables Step) and further steps do nothing."""

    def __init__(self, scenario: str = "baseline", seed: int = 1,
                 households_per_worker: float | None = None,
                 visits_per_worker_day: float | None = None, party_branch: bool = False,
                 mobilisation: str = "none", mediation_centre: bool = False,
                 digital_platform: bool = False, max_days: int = MAX_DAYS) -> None:
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
        super().__init__(load_scenario(scenario, levers), seed=number)
        self.max_days = int(max_days)
        self.halted = False
        self.resolution_days: list[float] = []

    def step(self) -> None:
        """One day, then the day's mean days from known to resolved (NaN if none); nothing
        at day ``max_days`` (Mesa's render interval steps up to 100 days a click)."""
        if self.halted or self.day >= self.max_days:
            self.running = False
            return
        super().step()
        done = [i.t_closed - i.t_known for i in self.closed_today
                if i.state == State.RESOLVED]
        self.resolution_days.append(float(np.mean(done)) if done else float("nan"))
        self.running = self.day < self.max_days

    def let_go(self) -> None:
        """Stop for good and let the model be freed, once its tab's kernel closed or RESET
        replaced it: Mesa's ▶ loop goes on stepping in its thread after a tab closes, until
        the model stops running, and Mesa keeps every model alive until released."""
        self.halted = True
        self.release()


def stop_note(model: DashboardModel) -> str:
    """Why ▶ and Step stopped, once the model has reached its last day ("" before)."""
    if model.day < model.max_days:
        return ""
    return (f"Stopped at day {model.day}: the dashboard plays at most {model.max_days} days "
            "(gridgov dashboard --max-days), as each day adds to the memory a model holds. "
            "RESET starts a new run; `gridgov run --days` runs longer.")


MAP_COLOURS = {"mean trust": ("mean_trust", "viridis"), "open issues": ("backlog", "magma_r")}


def grid_figure(model: GridGovernanceModel, colour: str = "mean trust") -> Figure:
    """The community's grids (schematic: one square per grid, blocks = communities),
    coloured by ``colour`` on the day's range, with each grid's workers (triangles), Party
    members (red) and active volunteers (blue; marker area grows with the count)."""
    g = grid_state(model)
    column, cmap = MAP_COLOURS[colour]
    x, y = schematic_layout(g.community.to_numpy())
    fig = Figure(figsize=(6.0, 3.4), layout="constrained")
    ax = fig.subplots()
    cells = PatchCollection([Rectangle((a - 0.45, b - 0.45), 0.9, 0.9)
                             for a, b in zip(x, y, strict=True)], cmap=cmap,
                            edgecolor=np.where(g.dedicated.to_numpy(bool), "red", "none"),
                            linewidth=1.2)
    values = g[column].to_numpy(float)
    cells.set_array(np.ma.masked_invalid(values))
    # the day's own range: grids differ by little next to the scale's full extent
    low, high = (np.nanmin(values), np.nanmax(values)) if np.isfinite(values).any() else (0, 1)
    cells.set_clim(low, max(high, low + (0.01 if column == "mean_trust" else 1.0)))
    ax.add_collection(cells)
    fig.colorbar(cells, ax=ax, label=f"{colour} (grey: no residents)", shrink=0.8)
    cells.set_cmap(cells.get_cmap().with_extremes(bad="#cccccc"))
    w = model.world
    # a beat's workers are drawn once, on its first grid (a beat may span several grids)
    workers = np.zeros(w.n_grids, dtype=np.int64)
    for b, grids in enumerate(model.beat_grids):
        workers[grids[0]] = len(model.beat_points[b].servers)
    party = np.bincount(w.resident_grid[w.party], minlength=w.n_grids)
    active = model.active_by_grid
    ax.scatter(x - 0.25, y + 0.22, s=12 * np.minimum(workers, 6), marker="^", c="black",
               label="grid workers")
    ax.scatter(x, y - 0.22, s=2.0 * np.sqrt(party), c="red", alpha=0.8,
               label="Party members")
    ax.scatter(x + 0.25, y + 0.05, s=4.0 * np.sqrt(active), c="tab:blue", alpha=0.8,
               label="active volunteers")
    ax.set_xlim(x.min() - 1, x.max() + 1)
    ax.set_ylim(y.min() - 1, y.max() + 1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3, fontsize=8,
              frameon=False)
    ax.set_title(f"day {model.day}: {len(g)} grids (red edge: dedicated grid)", fontsize=10)
    return fig


def run_settings(model: GridGovernanceModel) -> str:
    """The levers of the run on screen (the controls take effect at RESET)."""
    p = model.params

    def on(key: str) -> str:
        return "on" if p[key] else "off"

    return (f"This run: {p['staffing.households_per_worker']:g} households per worker · "
            f"{p['visits.per_worker_day']:g} visits per worker-day · Party branch "
            f"{on('policy.party_branch')} · mobilisation {p['policy.mobilisation']} · "
            f"mediation centre {on('policy.mediation_centre')} · platform "
            f"{on('policy.digital_platform')} · seed {model.seed_value}"
            + (f" ({model.seed_note})" if getattr(model, "seed_note", "") else "")
            + "".join(f" · ⚠ {w}" for w in model.warnings))


@solara.component
def GridMap(model: GridGovernanceModel) -> None:
    """The settings of the run on screen, and the map with a choice of colour."""
    update_counter.get()
    colour, set_colour = solara.use_state("mean trust")
    with solara.Row(style={"align-items": "center"}):
        solara.ToggleButtonsSingle(value=colour, values=list(MAP_COLOURS), on_value=set_colour,
                                   dense=True)
        solara.Text(run_settings(model), style={"font-size": "12px"})
    if note := stop_note(model):
        solara.Warning(note, dense=True)
    solara.FigureMatplotlib(grid_figure(model, colour), format="png")


@solara.component
def ResolutionTimes(model: DashboardModel) -> None:
    """Mean days from known to resolved of the issues resolved each day."""
    update_counter.get()
    fig = Figure(figsize=(5, 3), layout="constrained")
    ax = fig.subplots()
    days = np.arange(1, len(model.resolution_days) + 1)
    ax.plot(days, model.resolution_days, ".", ms=3, color="tab:purple")
    ax.set_xlabel("day")
    ax.set_ylabel("days known → resolved")
    ax.set_title("resolution time of the issues resolved each day", fontsize=10)
    solara.FigureMatplotlib(fig, format="png")


def model_params(scenario: str, max_days: int = MAX_DAYS) -> dict[str, Any]:
    """SolaraViz controls: the policy levers and the seed, starting at the scenario's
    values (and ``max_days``, fixed, so that RESET keeps the day cap)."""
    p = load_scenario(scenario)
    return {
        "scenario": scenario,
        "max_days": max_days,
        "seed": {"type": "InputText", "value": 1, "label": "Seed"},
        "households_per_worker": {
            "type": "SliderFloat", "value": p["staffing.households_per_worker"], "min": 100.0,
            "max": 1000.0, "step": 20.0, "label": "Households per grid worker"},
        "visits_per_worker_day": {
            "type": "SliderFloat", "value": p["visits.per_worker_day"], "min": 0.0,
            "max": 8.0, "step": 0.5, "label": "Door-to-door visits per worker-day"},
        "party_branch": {"type": "Checkbox", "value": p["policy.party_branch"],
                         "label": "Party branch in the grid"},
        "mobilisation": {"type": "Select", "value": p["policy.mobilisation"],
                         "values": list(MOBILISATION_MODES), "label": "Volunteer mobilisation"},
        "mediation_centre": {"type": "Checkbox", "value": p["policy.mediation_centre"],
                             "label": "One-stop mediation centre"},
        "digital_platform": {"type": "Checkbox", "value": p["policy.digital_platform"],
                             "label": "Digital reporting platform"},
    }


class ClosedTab:
    """What a closed tab's model reactive holds instead of its model. Solara 1.58's
    ``use_task`` keeps every mount's task alive for the life of the process
    (widgetti/solara#1180), and with it Mesa's ▶ loop and the reactive it steps: holding
    the model there would keep each closed tab's model (tens of MiB) for good. Its one
    step ends a ▶ loop still running."""

    running = False

    def step(self) -> None:
        """Nothing: the tab is closed."""


CLOSED = ClosedTab()

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


def busy_message(max_sessions: int) -> str:
    """What a tab beyond the cap is shown instead of a model."""
    tabs = "1 tab is" if max_sessions == 1 else f"{max_sessions} tabs are"
    return (f"The dashboard is busy: {tabs} using it, its limit "
            "(gridgov dashboard --max-sessions). Close a tab you no longer need, or reload "
            "this page in a minute.")


def make_page(scenario: str = "baseline", *, max_days: int = MAX_DAYS,
              max_sessions: int | None = None) -> Any:
    """The dashboard's Solara page for ``scenario``: each browser tab gets a model of its
    own, playing at most ``max_days`` days; beyond ``max_sessions`` tabs (None: no cap) a
    tab gets :func:`busy_message` instead."""
    params = model_params(scenario, max_days)
    start = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}

    @solara.component
    def Dashboard() -> Any:
        first = solara.use_memo(lambda: DashboardModel(**start), [])
        model = solara.use_reactive(first)

        def let_go_when_done() -> Any:
            # when RESET replaces a model (told at once, as this component's re-render
            # may come late: seen while ▶'s thread renders), and when the kernel closes
            held = [first]

            def replaced(new: DashboardModel, old: DashboardModel) -> None:
                held[0] = new
                if old is not new:
                    old.let_go()

            unsubscribe = model.subscribe_change(replaced)

            def closed() -> None:
                unsubscribe()
                held[0].let_go()
                model.set(CLOSED)  # Solara keeps this reactive for good: not the model

            return closed

        solara.use_effect(let_go_when_done, [])
        return _viz(model, params, scenario)

    @solara.component
    def Page() -> Any:
        def admitted() -> bool:
            if max_sessions is None or not kernel_context.has_current_context():
                return True
            return admit_session(kernel_context.get_current_context(), max_sessions)

        if not solara.use_memo(admitted, []):
            return solara.Error(busy_message(max_sessions or 0))
        return Dashboard()

    return Page


def _viz(model: DashboardModel | solara.Reactive[DashboardModel], params: dict[str, Any],
         scenario: str) -> Any:
    """Mesa's SolaraViz with the dashboard's components."""
    return SolaraViz(
        model,
        components=[
            GridMap,
            make_plot_component({"open_issues": "tab:red", "hidden_issues": "tab:gray"}),
            ResolutionTimes,
            make_plot_component("mean_trust"),
            make_plot_component({"watching": "tab:olive", "following": "tab:cyan",
                                 "self_driven": "tab:blue"}),
        ],
        model_params=params, name=f"gridgov: {scenario}", play_interval=150)
