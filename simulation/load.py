"""Offered load of every service point: casework hours arriving / casework hours available.

A queue whose offered load ρ is 1 or more never settles: its backlog and waits grow for as
long as the run lasts, so any measure of time depends on the run's length. Near 1 it settles
only slowly and with huge waits (right-skewed handling times make it worse). Every
comparison therefore starts from the loads.

**Analytic ρ** (:func:`analytic_loads`), from the model's own rates when it is built:

1. every issue that arises becomes known in the long run (hidden ones are found on visits,
   spotted or reported), so demand counts *every arising issue*, λ[g, k] per grid and type;
2. the grid's active volunteers take a minor issue with their take probability, up to
   their weekly hours (after the hours their spotting takes), and the grid Party branch
   the types it may handle, up to its members' weekly hours; they settle only what lies
   within their reach (what the grid, for the branch the community, can settle); what
   they do not settle reaches the grid worker;
3. the grid worker's mean hours fall with local knowledge K; K is taken at its long-run
   value (1 where workers visit door to door: their rounds map the whole beat); before a
   case leaves the grid the branch takes one it has not tried (members' hours again);
4. escalations climb community → street office → city department (or go straight to the
   mediation centre for disputes under that policy), each level's mean hours its
   ``handling.factor_*`` times the type's grid hours; handling-time draws have mean 1;
5. grid workers' demand adds their *planned* door-to-door visit hours;
6. ρ = demand per week / working hours per week of the point's servers.

Volunteers and branches are loss systems, not queues: when their week's hours are spent
they pass the issue to the grid worker (where it is counted), so they cannot build a
backlog. Their ρ is shown; only queues count towards ``max_offered_load`` and
``overloaded_points``.

**Realised ρ** (:func:`load_table`): casework hours that *arrived* at the point after the
warm-up (each issue's drawn hours at that level), plus planned visit hours, over the working
hours of the same period. Hours *done* over hours available cannot exceed 1 and so cannot
reveal an overload; that figure is given beside it as utilisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .agents.grid_worker import DoorToDoorRounds
from .issues import IssueTypes, Level
from .local_help import LocalHelp
from .routing import local_resolve_probabilities
from .rules import grid_escalation_probability, grid_handling_hours, volunteer_take_probability
from .service import ServicePoint, ServicePoints
from .world import World

STABLE_LOAD = 0.85  # the margin every default scenario keeps (docs/model.md 7.17)
QUEUE_KINDS = ("beat", "community", "street", "department", "mediation")


def analytic_loads(params: Mapping[str, Any], types: IssueTypes, world: World,
                   daily_rate: np.ndarray, help: LocalHelp, points: ServicePoints,
                   shared_rate: np.ndarray | None = None) -> pd.DataFrame:
    """One row per service point: kind, name, servers, hours available and demanded per
    week, and the analytic offered load ρ (see the module docstring), from the rates the
    run was built with (``daily_rate``: issues per grid, type and day), its grids' local
    help now and its service points."""
    p, ty, w = params, types, world
    lam = daily_rate * 7.0  # issues per week, [grid, type]
    local = _local_help(p, ty, w, lam, help)
    has_branch, active, members = local["has_branch"], local["active"], local["members"]
    p_vol, p_branch, resolve = local["p_vol"], local["p_branch"], local["resolve"]
    vol_demand, vol_capacity = local["vol_demand"], local["vol_capacity"]

    # 3. the grid worker, at long-run knowledge; before a case leaves the grid the branch
    # takes one it has not tried, from the same weekly hours as its intake (both are
    # scaled down together where the members' hours do not cover them)
    beat_of = points.grid_beat
    knowledge = np.array([_long_run_knowledge(points.beats[b]) for b in beat_of])
    grid_hours = np.array([[grid_handling_hours(h, k, p["knowledge.handling_speedup"])
                            for h in ty.hours] for k in knowledge])
    escalate = np.array([[grid_escalation_probability(e, k, p["knowledge.escalation_cut"])
                          for e in ty.escalate[Level.GRID]] for k in knowledge])
    untried = 1.0 - p_vol * resolve[Level.VOLUNTEERS] - p_branch  # share of lam
    p_mediate = (untried * escalate * ty.branch_ok[None, :]
                 * (has_branch * p["branch.take_prob"])[:, None])
    branch_demand = (lam * (p_branch + p_mediate)).sum(axis=1) * p["handling.branch_hours"]
    branch_capacity = members * has_branch * p["branch.hours_per_member_week"]
    served = _served_share(branch_demand, branch_capacity)[:, None]
    p_branch, p_mediate = p_branch * served, p_mediate * served
    reach_grid = lam * (1.0 - p_vol * resolve[Level.VOLUNTEERS]
                        - p_branch * resolve[Level.BRANCH])
    beat_casework = np.bincount(beat_of, weights=(reach_grid * grid_hours).sum(axis=1),
                                minlength=len(points.beats))
    up = reach_grid * escalate - lam * p_mediate * resolve["mediate"]

    # 4. above the grid; a closure that does not hold comes back one level up (one pass:
    # a share fail of what each level settles, fail = 1 - the fix probability, for a
    # building's problems before a renovation 1 - closure.shared_fix_prob)
    fail = 1.0 - p["closure.fix_prob"]
    if shared_rate is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            part = np.where(daily_rate > 0, shared_rate / daily_rate, 0.0)
        fail = fail + part * (p["closure.fix_prob"] - (p["closure.fix_prob"] if p[
            "policy.renovation"] else p["closure.shared_fix_prob"]))
    up = up + (reach_grid - up) * fail
    to_centre = np.array([t == Level.MEDIATION for t in ty.top]) & bool(
        p["policy.mediation_centre"])
    mediation_demand = float((up[:, to_centre] * ty.hours[to_centre]).sum()
                             * p["handling.factor_mediation"])
    climb = up * ~to_centre[None, :]
    community_of = w.grid_community
    community_demand = np.bincount(community_of, weights=(climb * ty.hours).sum(axis=1),
                                   minlength=len(points.communities)) \
        * p["handling.factor_community"]
    esc_c, esc_s = ty.escalate[Level.COMMUNITY][None, :], ty.escalate[Level.STREET][None, :]
    street_flow = climb * (esc_c + (1.0 - esc_c) * fail)
    street_of = w.community_street[community_of]
    street_demand = np.bincount(street_of, weights=(street_flow * ty.hours).sum(axis=1),
                                minlength=len(points.streets)) * p["handling.factor_street"]
    top_flow = street_flow * (esc_s + (1.0 - esc_s) * fail)
    top_flow = top_flow / (1.0 - fail * (1.0 - ty.abandon_top[None, :]))  # returns to it
    department_demand = float((top_flow * ty.hours).sum() * p["handling.factor_department"])

    # 5. planned visits, 6. hours available
    rows = []
    for b, sp in enumerate(points.beats):
        visits = sum(gw.visits_per_day * gw.visit_hours * gw.calendar.workdays
                     for gw in sp.servers)
        rows.append(_row("beat", sp, beat_casework[b] + visits, visits))
    for c, sp in enumerate(points.communities):
        rows.append(_row("community", sp, community_demand[c]))
    for s, sp in enumerate(points.streets):
        rows.append(_row("street", sp, street_demand[s]))
    rows.append(_row("department", points.department, department_demand))
    rows.append(_row("mediation", points.mediation, mediation_demand))
    for g in np.flatnonzero(vol_capacity + vol_demand > 0):
        rows.append({"kind": "volunteers", "point": f"volunteers:{g}", "servers": int(active[g]),
                     "hours_per_week": float(vol_capacity[g]),
                     "demand_per_week": float(vol_demand[g]), "visit_hours_per_week": 0.0})
    for g in np.flatnonzero(has_branch):
        rows.append({"kind": "branch", "point": f"branch:{g}", "servers": int(members[g]),
                     "hours_per_week": float(branch_capacity[g]),
                     "demand_per_week": float(branch_demand[g]), "visit_hours_per_week": 0.0})
    table = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rho"] = np.where(table.hours_per_week > 0,
                                table.demand_per_week / table.hours_per_week,
                                np.where(table.demand_per_week > 0, np.inf, 0.0))
    return table


def _local_help(p: Mapping[str, Any], ty: IssueTypes, w: World, lam: np.ndarray,
                help: LocalHelp) -> dict[str, Any]:
    """Step 2 of the module docstring: each grid's branch, active volunteers and serving
    Party members; the share of ``lam`` (issues a week per grid and type) volunteers take
    (capped by their hours, after spotting's) and the branch would take at intake (before
    its cap, which :func:`analytic_loads` applies with the cases it takes from the grid
    worker); the volunteers' demand and capacity (hours a week)."""
    has_branch = help.has_branch.astype(bool)
    active = help.active_by_grid.astype(float)
    members = np.array([len(help.party_by_grid.get(g, ())) for g in range(w.n_grids)], float)
    take = np.array([volunteer_take_probability(a, p["volunteers.take_per_active"],
                                                p["volunteers.take_max"]) for a in active])
    p_vol = np.where((active > 0)[:, None], ty.volunteer_ok[None, :] * take[:, None], 0.0)
    spot_demand = 7.0 * p["volunteers.spot_rate"] * active * p["volunteers.spot_hours"]
    vol_demand = spot_demand + (lam * p_vol).sum(axis=1) * p["handling.volunteer_hours"]
    vol_capacity = active * p["volunteers.hours_per_week"]
    p_vol = p_vol * _served_share(vol_demand, vol_capacity)[:, None]
    p_branch = ((1.0 - p_vol) * ty.branch_ok[None, :]
                * (has_branch * p["branch.take_prob"])[:, None])
    # they settle only what lies within their reach (at long-run knowledge 1): a problem
    # the grid can settle (volunteers), or the community (the branch)
    resolve = local_resolve_probabilities(p)
    esc_g = np.array([grid_escalation_probability(e, 1.0, p["knowledge.escalation_cut"])
                      for e in ty.escalate[Level.GRID]])
    esc_c = ty.escalate[Level.COMMUNITY]
    settle = {Level.VOLUNTEERS: resolve[Level.VOLUNTEERS] * (1.0 - esc_g),
              Level.BRANCH: resolve[Level.BRANCH] * (1.0 - esc_g * esc_c),
              "mediate": resolve[Level.BRANCH] * (1.0 - esc_c)}  # of a case beyond the grid
    return {"has_branch": has_branch, "active": active, "members": members, "p_vol": p_vol,
            "p_branch": p_branch, "resolve": settle,
            "vol_demand": vol_demand, "vol_capacity": vol_capacity}


def grid_casework_hours(params: Mapping[str, Any], types: IssueTypes, world: World,
                        daily_rate: np.ndarray, help: LocalHelp, knowledge: float = 1.0
                        ) -> np.ndarray:
    """Expected casework hours a week that reach each grid's worker at local ``knowledge``
    (steps 1-3 of the module docstring, before the branch's cap on its hours): what
    ``staffing.beats = "workload"`` sizes beats by (:mod:`simulation.staffing`)."""
    p, ty = params, types
    lam = daily_rate * 7.0
    local = _local_help(p, ty, world, lam, help)
    resolve = local["resolve"]
    reach = lam * (1.0 - local["p_vol"] * resolve[Level.VOLUNTEERS]
                   - local["p_branch"] * resolve[Level.BRANCH])
    hours = np.array([grid_handling_hours(h, knowledge, p["knowledge.handling_speedup"])
                      for h in ty.hours])
    return (reach * hours[None, :]).sum(axis=1)


def _row(kind: str, sp: ServicePoint, demand: float, visits: float = 0.0) -> dict:
    return {"kind": kind, "point": sp.name, "servers": len(sp.servers),
            "hours_per_week": float(sum(s.calendar.hours_per_week for s in sp.servers)),
            "demand_per_week": float(demand), "visit_hours_per_week": float(visits)}


def _served_share(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Share of a loss system's offered work it takes: min(1, capacity / demand)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(demand > 0, np.minimum(1.0, capacity / demand), 1.0)


def _long_run_knowledge(beat: ServicePoint) -> float:
    """Mean local knowledge of a beat's workers in the long run: 1 where they visit door to
    door (their rounds map every household), else what they know now."""
    servers = beat.servers
    return float(np.mean([1.0 if gw.visits_per_day > 0 else gw.knowledge for gw in servers]))


def queue_summary(table: pd.DataFrame) -> tuple[float, int]:
    """(max_offered_load, overloaded_points) over the queues of an analytic load table."""
    queues = table[table.kind.isin(QUEUE_KINDS)]
    if queues.empty:
        return 0.0, 0
    return float(queues.rho.max()), int((queues.rho >= 1.0).sum())


def counters(points: ServicePoints, rounds: DoorToDoorRounds, help: LocalHelp
             ) -> dict[str, Any]:
    """The counters of work arrived, done and planned so far, read when the measured
    period starts (after the warm-up): the realised loads are differences from them."""
    queues = points.all
    return {
        "arrived": np.array([sp.arrived_hours for sp in queues]),
        "done": np.array([sp.hours_done for sp in queues]),
        "visits_planned": rounds.planned.copy(),
        "visits_done": rounds.done.copy(),
        **{f"{name}_{what}": getattr(help.hours(level), what).copy()
           for name, level in (("volunteer", Level.VOLUNTEERS), ("branch", Level.BRANCH))
           for what in ("offered", "supplied", "taken")},
    }


def load_table(table: pd.DataFrame, points: ServicePoints, rounds: DoorToDoorRounds,
               help: LocalHelp, window_start: dict[str, Any], now: float) -> pd.DataFrame:
    """The analytic loads (``table``, :func:`analytic_loads`) with, for the period since
    the warm-up (``window_start``: the day it began and :func:`counters` then; empty before
    it), the realised offered load (hours arrived + planned visit hours) / hours available,
    the utilisation (hours done + visit hours made) / hours available, each beat's visits
    planned and made, and each queue's length at the end (``now``). Realised figures are NaN
    before the warm-up has passed."""
    w0 = window_start
    n = len(table)
    realised, used = np.full(n, np.nan), np.full(n, np.nan)
    planned, made = np.full(n, np.nan), np.full(n, np.nan)
    queued = np.full(n, np.nan)
    queues = points.all
    queued[: len(queues)] = [sp.queued for sp in queues]
    weeks = (now - w0["day"]) / 7.0 if w0 else 0.0
    if weeks > 0:
        beats = len(points.beats)
        v_planned = np.bincount(rounds.beat, rounds.planned - w0["visits_planned"], beats)
        v_made = np.bincount(rounds.beat, rounds.done - w0["visits_done"], beats)
        planned[:beats], made[:beats] = v_planned, v_made
        hours = rounds.visit_hours
        extra = np.zeros(len(queues))
        extra_done = np.zeros(len(queues))
        extra[:beats], extra_done[:beats] = v_planned * hours, v_made * hours
        available = table.hours_per_week.to_numpy()[: len(queues)] * weeks
        arrived = np.array([sp.arrived_hours for sp in queues]) - w0["arrived"]
        done = np.array([sp.hours_done for sp in queues]) - w0["done"]
        with np.errstate(divide="ignore", invalid="ignore"):
            realised[: len(queues)] = (arrived + extra) / available
            used[: len(queues)] = (done + extra_done) / available
        for kind, name, level in (("volunteers", "volunteer", Level.VOLUNTEERS),
                                  ("branch", "branch", Level.BRANCH)):
            rows = np.flatnonzero(table.kind.to_numpy() == kind)
            if not len(rows):
                continue
            grids = table.point.iloc[rows].str.split(":").str[1].astype(int).to_numpy()
            pool = help.hours(level)
            offered, supplied, taken = ((getattr(pool, what) - w0[f"{name}_{what}"])[grids]
                                        for what in ("offered", "supplied", "taken"))
            with np.errstate(divide="ignore", invalid="ignore"):
                realised[rows] = np.where(supplied > 0, offered / supplied, np.nan)
                used[rows] = np.where(supplied > 0, taken / supplied, np.nan)
    table["realised_rho"] = realised
    table["utilisation"] = used
    table["visits_planned"] = planned
    table["visits_made"] = made
    table["queue_at_end"] = queued
    return table
