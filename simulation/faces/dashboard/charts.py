"""The dashboard's figures: the map of the community's grids and the day charts.

Pure functions of a model (and a language): each returns a matplotlib Figure with its
title, axis labels and units; :func:`png` renders one to PNG bytes with fonts that cover
Chinese (Noto Sans CJK, Debian's fonts-noto-cjk) where the text needs them.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ...analysis.report.figures import schematic_layout
from .text import tr

if TYPE_CHECKING:
    from ...model import GridGovernanceModel

CJK_FAMILY = "Noto Sans CJK SC"

# The map's colours: column of grid_state, colour map, absolute scale (low, high). Trust is
# 0-1; open issues per grid run 0-50 at most settings (a grid's backlog peaks near 50 with a
# worker for 1000 households), more shows in the top colour (the bar's arrow).
MAP_COLOURS: dict[str, tuple[str, str, tuple[float, float]]] = {
    "trust": ("mean_trust", "viridis", (0.0, 1.0)),
    "open": ("backlog", "magma_r", (0.0, 50.0)),
}
SCALES = ("absolute", "relative")


def use_cjk_font() -> bool:
    """Make the Chinese font known to matplotlib (its font list may predate the font's
    installation); whether it is available."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    if CJK_FAMILY in names:
        return True
    if shutil.which("fc-match") is None:
        return False
    found = subprocess.run(["fc-match", "-f", "%{file}", f"{CJK_FAMILY}:lang=zh-cn"],
                           capture_output=True, text=True, check=False).stdout.strip()
    if not found or "CJK" not in found:
        return False
    font_manager.fontManager.addfont(found)
    return CJK_FAMILY in {f.name for f in font_manager.fontManager.ttflist}


@functools.cache
def fonts() -> dict[str, Any]:
    """matplotlib settings: DejaVu Sans, falling back to the Chinese font where it is
    installed (naming a missing font would log a warning at every figure)."""
    return {"font.family": ["DejaVu Sans", CJK_FAMILY] if use_cjk_font() else ["DejaVu Sans"]}


def png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    with matplotlib.rc_context(fonts()):
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def map_limits(values: np.ndarray, colour: str, scale: str) -> tuple[float, float]:
    """The colour scale: fixed (``absolute``: trust 0-1, open issues 0-50) or the day's own
    range (``relative``, widened to at least 0.01 of trust or 1 issue)."""
    absolute = MAP_COLOURS[colour][2]
    if scale == "absolute" or not np.isfinite(values).any():
        return absolute
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    return low, max(high, low + (0.01 if colour == "trust" else 1.0))


def grid_figure(model: GridGovernanceModel, lang: str = "en", colour: str = "trust",
                scale: str = "absolute") -> Figure:
    """The community's grids (schematic: one square per grid, blocks = communities),
    coloured by ``colour`` ("trust" or "open") on the ``scale`` of :func:`map_limits`, with
    each grid's workers (triangles), Party members (red) and active volunteers (blue;
    marker area grows with the count). Grids with no residents have no trust: grey."""
    g = model.grid_state()
    column, cmap, _ = MAP_COLOURS[colour]
    x, y = schematic_layout(g.community.to_numpy())
    values = g[column].to_numpy(float)
    low, high = map_limits(values, colour, scale)
    with matplotlib.rc_context(fonts()):  # text falls back to the Chinese font
        fig = Figure(figsize=(7.0, 2.9), layout="constrained")
        ax = fig.subplots()
        cells = PatchCollection([Rectangle((a - 0.45, b - 0.45), 0.9, 0.9)
                                 for a, b in zip(x, y, strict=True)],
                                cmap=matplotlib.colormaps[cmap].with_extremes(bad="#bbbbbb"),
                                edgecolor=np.where(g.dedicated.to_numpy(bool), "red", "none"),
                                linewidth=1.4)
        cells.set_array(np.ma.masked_invalid(values))
        cells.set_clim(low, high)
        ax.add_collection(cells)
        over = np.nanmax(values, initial=low) > high
        fig.colorbar(cells, ax=ax, label=tr(lang, "cbar_trust" if colour == "trust"
                                               else "cbar_open"),
                     shrink=0.9, extend="max" if over else "neither")
        w = model.world
        # a beat's workers are drawn once, on its first grid (a beat may span several grids)
        workers = np.zeros(w.n_grids, dtype=np.int64)
        for b, grids in enumerate(model.points.beat_grids):
            workers[grids[0]] = len(model.points.beats[b].servers)
        party = np.bincount(w.resident_grid[w.party], minlength=w.n_grids)
        active = model.help.active_by_grid
        ax.scatter(x - 0.25, y + 0.22, s=12 * np.minimum(workers, 6), marker="^", c="black")
        ax.scatter(x, y - 0.22, s=2.0 * np.sqrt(party), c="red", alpha=0.8)
        ax.scatter(x + 0.25, y + 0.05, s=4.0 * np.sqrt(active), c="tab:blue", alpha=0.8)
        ax.set_xlim(x.min() - 0.6, x.max() + 0.6)
        ax.set_ylim(y.min() - 0.6, y.max() + 0.6)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def _day_axis(ax: Any, lang: str, days: np.ndarray, warmup: int) -> None:
    """x from day 0 to today (at least 10 days wide), labelled, the warm-up shaded."""
    end = max(float(days.max()) if len(days) else 0.0, 10.0)
    ax.set_xlim(0, end)
    ax.set_xlabel(tr(lang, "day_axis"))
    if warmup > 0:
        ax.axvspan(0, warmup, color="0.92", zorder=0, label=tr(lang, "warmup_band"))
        ax.axvline(warmup, color="0.5", lw=0.8, ls="--", zorder=1)
    ax.grid(alpha=0.3)


def _count_limits(ax: Any, *series: np.ndarray) -> None:
    """y from 0 to a little above the largest count (at least 10)."""
    top = max([float(np.nanmax(s)) for s in series if len(s) and np.isfinite(s).any()],
              default=0.0)
    ax.set_ylim(0, max(10.0, 1.08 * top))


def series_figure(model: GridGovernanceModel, chart: str, lang: str = "en") -> Figure:
    """One day chart: ``issues`` (open and hidden), ``times`` (days from known to resolved
    of each day's resolved issues), ``trust`` (residents' mean, 0-1) or ``volunteers`` (by
    stage); x is the day, from 0, with the warm-up shaded."""
    ts = model.timeseries()
    days = ts["day"].to_numpy(float)
    warmup = int(getattr(model, "warmup_days", 0))
    with matplotlib.rc_context(fonts()):  # text falls back to the Chinese font
        fig = Figure(figsize=(4.6, 2.9), layout="constrained")
        ax = fig.subplots()
        _day_axis(ax, lang, days, min(warmup, int(model.day)))
        if chart == "issues":
            opened, hidden = ts["open_issues"].to_numpy(float), ts["hidden_issues"].to_numpy(float)
            ax.plot(days, opened, color="tab:red", label=tr(lang, "open_line"))
            ax.plot(days, hidden, color="tab:gray", label=tr(lang, "hidden_line"))
            _count_limits(ax, opened, hidden)
        elif chart == "times":
            times = np.asarray(getattr(model, "resolution_days", []), float)
            t_days = np.arange(1, len(times) + 1, dtype=float)
            ax.plot(t_days, times, ".", ms=3, color="tab:purple", label=tr(lang, "times_dots"))
            _count_limits(ax, times)
            if not np.isfinite(times).any():
                ax.text(0.5, 0.5, tr(lang, "none_yet"), transform=ax.transAxes,
                        ha="center", va="center", color="0.4")
        elif chart == "trust":
            trust = ts["mean_trust"].to_numpy(float)
            ax.plot(days, trust, color="tab:green", label=tr(lang, "trust_line"))
            mid = float(np.nanmean(trust)) if len(trust) else 0.5
            span = max(0.05, float(np.nanmax(trust) - np.nanmin(trust)) * 0.6)
            ax.set_ylim(max(0.0, mid - span), min(1.0, mid + span))
        elif chart == "volunteers":
            stages = {"watching": "tab:olive", "following": "tab:cyan", "self_driven": "tab:blue"}
            for stage, colour in stages.items():
                ax.plot(days, ts[stage].to_numpy(float), color=colour, label=tr(lang, stage))
            _count_limits(ax, *(ts[s].to_numpy(float) for s in stages))
        else:
            raise ValueError(f"unknown chart {chart!r}")
        ax.set_ylabel(tr(lang, CHARTS[chart][1]))
        # below the axes, inside the figure: it can cover neither the data nor the page
        fig.legend(loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    return fig


# chart -> (title key, y-axis key): the card's title is HTML, the axis in the figure
CHARTS: dict[str, tuple[str, str]] = {
    "issues": ("issues_title", "issues_axis"),
    "times": ("times_title", "times_axis"),
    "trust": ("trust_title", "trust_axis"),
    "volunteers": ("volunteers_title", "volunteers_axis"),
}
