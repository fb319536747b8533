"""The run on screen: the dashboard's model and what the page reads of it.

:class:`DashboardModel` is a scenario with the page's levers applied (``controls.py``),
warmed up and then played day by day; the functions below read it for the page, in English
or Chinese: its settings, why it stopped, gridgov's warnings about it (also told once on
the server's terminal) and its exports as CSV.
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any, TextIO

import numpy as np

from ...issues import State
from ...load import queue_summary
from ...model import DEFAULT_SEED, GridGovernanceModel
from ...parameters import MAX_DAYS
from ...scenarios import load_scenario
from .controls import lever_values, levers_for
from .text import lever_setting, tr

DEFAULT_WARMUP = 365  # days, as the sweeps (experiments/policy_comparison.toml warmup_days)


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
    nothing (a day in progress in the play thread ends first: :meth:`let_go` waits for it).

    ``levers`` are the page's lever controls by name (``controls.CONTROLS``, e.g.
    ``households_per_worker=200.0, mobilisation="party_led"``), each in its parameter's
    unit: a number left out keeps the scenario's value, a switch or choice left out is off.
    ``seed`` is as typed (a bad one is noted and replaced by DEFAULT_SEED)."""

    def __init__(self, scenario: str = "baseline", seed: Any = DEFAULT_SEED,
                 warmup_days: int = DEFAULT_WARMUP, max_days: int = MAX_DAYS,
                 **levers: Any) -> None:
        number, self.seed_note = parse_seed(seed)
        self.seed_text = str(seed)
        self.max_days = int(max_days)
        warmup = min(max(int(warmup_days), 0), self.max_days)
        super().__init__(load_scenario(scenario, levers=levers_for(levers)), seed=number,
                         warmup_days=warmup)
        self.halted = False
        self._day_lock = threading.Lock()  # a day is stepped or the model let go, not both
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
        with self._day_lock:
            if self.halted or self.day >= self.max_days:
                self.running = False
                return
            super().step()
            store, closed = self.pools.store, self.pools.closed_today
            closed = closed[store.state[closed] == State.RESOLVED]
            done = store.t_closed[closed] - store.t_known[closed]
            self.resolution_days.append(float(np.mean(done)) if len(done) else float("nan"))
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
        run replaced it (Mesa keeps every model alive until released). A day the play thread
        is stepping ends first, so no day is stepped after this returns and no agent is
        released mid-day."""
        with self._day_lock:
            self.halted = True
            self.running = False
            self.release()


def start_levers(scenario: str, max_days: int = MAX_DAYS) -> dict[str, Any]:
    """The :class:`DashboardModel` arguments a page starts with: the scenario's levers, the
    default seed and warm-up (within ``max_days``: at most half of it)."""
    return {"seed": str(DEFAULT_SEED), **lever_values(load_scenario(scenario)),
            "warmup_days": min(DEFAULT_WARMUP, max_days // 2)}


def pending(levers: dict[str, Any], model: DashboardModel) -> bool:
    """Whether the levers on screen (:func:`start_levers`' keys) differ from those of the
    run on screen."""
    now = {**lever_values(model.params), "warmup_days": model.warmup_days,
           "seed": model.seed_text}
    return any(str(levers[k]) != str(now[k]) for k in now)


def stop_note(model: DashboardModel, lang: str = "en") -> str:
    """Why play stopped, once the model has reached its last day ("" before)."""
    if model.day < model.max_days:
        return ""
    return tr(lang, "stopped", day=model.day, cap=model.max_days)


def run_settings(model: DashboardModel, lang: str = "en") -> str:
    """The levers of the run on screen (the controls take effect at "New run")."""
    levers = " · ".join(lever_setting(lang, name, value)
                        for name, value in lever_values(model.params).items())
    text = tr(lang, "run_settings", levers=levers, warm=model.warmup_days,
              seed=model.seed_value)
    if model.seed_note:
        text += " (" + tr(lang, "bad_seed", text=repr(model.seed_text),
                          seed=model.seed_value) + ")"
    return text


def day_note(model: DashboardModel, lang: str = "en") -> str:
    """Which days were warm-up."""
    if model.warmup_days == 0:
        return tr(lang, "no_warmup")
    return tr(lang, "warmup_note", last=model.warmup_days - 1)


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


def series_csv(model: DashboardModel) -> str:
    """The run's daily series (day 0 = the start, warm-up included) with the day's mean
    days from known to resolved, as CSV."""
    ts = model.timeseries()
    ts["resolution_days_mean"] = [math.nan, *model.resolution_days][: len(ts)]
    return ts.to_csv(index=False)


def case_csv(model: DashboardModel) -> str:
    """The run's case log (one row per issue, times in days), as CSV."""
    return model.case_log().to_csv(index=False)
