"""The interactive dashboard: Mesa's SolaraViz over a community's grids.

``gridgov dashboard [SCENARIO]`` serves :func:`make_page` (``simulation/dashboard_app.py``)
with Solara. The levers are model parameters of :class:`DashboardModel`: as in any
SolaraViz app, a new setting takes effect when RESET builds a new model with it (the map's
caption shows the settings of the run on screen); the map and the time series follow each
step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import solara
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from .issues import State
from .metrics import grid_state
from .model import GridGovernanceModel
from .parameters import MOBILISATION_MODES
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
    time (days from known to resolved of the issues resolved that day)."""

    def __init__(self, scenario: str = "baseline", seed: int = 1,
                 households_per_worker: float | None = None,
                 visits_per_worker_day: float | None = None, party_branch: bool = False,
                 mobilisation: str = "none", mediation_centre: bool = False,
                 digital_platform: bool = False) -> None:
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
        self.resolution_days: list[float] = []

    def step(self) -> None:
        """One day, then the day's mean days from known to resolved (NaN if none)."""
        super().step()
        done = [i.t_closed - i.t_known for i in self.closed_today
                if i.state == State.RESOLVED]
        self.resolution_days.append(float(np.mean(done)) if done else float("nan"))


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


def model_params(scenario: str) -> dict[str, Any]:
    """SolaraViz controls: the policy levers and the seed, starting at the scenario's
    values."""
    p = load_scenario(scenario)
    return {
        "scenario": scenario,
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


def make_page(scenario: str = "baseline") -> Any:
    """The dashboard's Solara page for ``scenario``: each browser session gets a model of
    its own."""
    params = model_params(scenario)
    start = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}

    @solara.component
    def Page() -> Any:
        model = solara.use_memo(lambda: DashboardModel(**start), [])
        return _viz(model, params, scenario)

    return Page


def _viz(model: DashboardModel, params: dict[str, Any], scenario: str) -> Any:
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
