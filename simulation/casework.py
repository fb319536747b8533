"""The compiled event loop of routing: each event kind's handler, and the loop that runs
them in time order (:mod:`simulation.routing` states the rules; this module carries them
out on the arrays of :mod:`simulation.casebook`).

Everything the handlers touch is a NumPy column: the issues (:class:`~simulation.issues.
IssueStore`), their log, the service points and their FIFO queues (linked lists through
the issues), the servers, the grids' local help, the per-type parameters, the calendars and
the residents' grievances. The loop is compiled with numba (``cache=True``: compiled once
per installation and source change) and without fast-math, so every sum and product is
the same IEEE operation, in the same order, as the Python it replaced. Random draws
beyond an issue's own (who among the volunteers or members takes it; a later closure's
fix, call-back and return) come from the behaviour stream's generator, shared with numba.

The loop is one function: the handlers are its blocks, one per *action*, and an event
runs as a short chain of them (KNOWN routes the issue, which may arrive at the grid, where
handling may start; DONE closes, escalates or waits for outside work, then starts the
next in the queue; CLOSE decides whether the fix holds; RETURN hides a problem that came
back). One function, because numba counts references to every array it passes to a call
(~8 ns an array, ~250 ns for the whole book), more than the handlers' work. The rules the
handlers apply are :mod:`simulation.caserules`; the calendars and the heap are
:mod:`simulation.casebook`'s. The loop stops at ``t_end`` or when an array is nearly full
(the caller grows it and calls again).
"""

from __future__ import annotations

import math

import numpy as np

from .casebook import (
    ABANDONED,
    ARRIVE,
    BRANCH,
    C_ABANDONED,
    C_HIDDEN,
    C_OPEN,
    C_RESOLVED,
    CLOSED_N,
    COMMUNITY,
    CONTACTS_N,
    DONE,
    EXTERNAL_DONE,
    GRID,
    HEAP_N,
    HF_T,
    HF_X,
    HI_A,
    HI_B,
    HI_ISSUE,
    HI_KIND,
    HIDDEN,
    HM_EXTERNAL,
    KNOWN,
    LEVEL_RANK,
    LOCAL_DONE,
    LOG_ARRIVE,
    LOG_CALLBACK,
    LOG_DONE,
    LOG_N,
    LOG_RETURN,
    LOG_START,
    OPEN,
    P_BRANCH_TAKE,
    P_CALLBACK,
    P_CENTRE,
    P_ESC_CUT,
    P_FIX,
    P_FIX_SHORT,
    P_HANDOFF_CAL,
    P_HANDOFF_HOURS,
    P_KEEP,
    P_RETURN_DAYS,
    P_SATISFIED_DAYS,
    P_SHARED_FIX,
    P_SPEEDUP,
    P_TAKE_MAX,
    P_TAKE_PER_ACTIVE,
    P_VOLUNTEER_CAL,
    RESOLVED,
    RETURN,
    RETURNED_N,
    ROOM,
    VOLUNTEER_SOURCE,
    VOLUNTEERS,
    Books,
    add_work,
    jit,
    log,
    next_open,
    pop_root,
    push,
)
from .caserules import (
    ABANDON,
    NO_LEVEL,
    escalation_probability,
    free_server,
    handling_hours,
    level_above,
    mean_knowledge,
    next_level,
    take,
    take_probability,
)
from .hidden import relink, unlink
from .issues import (
    U_BRANCH_MEDIATE,
    U_BRANCH_TAKE,
    U_CALLBACK,
    U_ESCALATE,
    U_FIX,
    U_KEEP,
    U_LOCAL_RESOLVE,
    U_MEDIATE_RESOLVE,
    U_RETURN_DELAY,
    U_VOL_TAKE,
)

# The loop's actions (an event starts a chain of them).
(A_NONE, A_KNOWN, A_ARRIVE, A_START, A_DONE, A_LOCAL_START, A_LOCAL_DONE,
 A_CLOSE, A_RETURN) = range(9)


# --- the loop --------------------------------------------------------------------------------
@jit
def run_until(b: Books, rng: np.random.Generator, t_end: float) -> bool:
    """Run pending events before ``t_end`` in time order; False if it stopped early
    because an array is nearly full (grow them and call again)."""
    hf, hi, ctr, counts = b.heap.f, b.heap.i, b.ctr, b.counts
    s, lg, pt, sv, hp, r, news = b.issues, b.log, b.points, b.servers, b.help, b.rules, b.news
    kind, grid, household, hh_key, u, hm = s.kind, s.grid, s.household, s.hh_key, s.u, s.hm
    state, source, t_known, t_start, t_closed = (s.state, s.source, s.t_known, s.t_start,
                                                 s.t_closed)
    closed_by, max_level, handler, escalations, queued_next, branch_tried = (
        s.closed_by, s.max_level, s.handler, s.escalations, s.queued_next, s.branch_tried)
    returns, on_paper, reopen_level, renovated = (s.returns, s.on_paper, s.reopen_level,
                                                   s.renovated)
    sp_level, sp_first, sp_count, sp_one, sp_arrived = (pt.level, pt.first, pt.count,
                                                        pt.one_calendar, pt.arrived)
    sp_head, sp_tail, sp_length, by_grid = pt.head, pt.tail, pt.length, pt.by_grid
    calendar, busy, hours_done, knowledge, time_factor = (sv.calendar, sv.busy, sv.hours_done,
                                                          sv.knowledge, sv.time_factor)
    cals, params = r.calendars, r.params
    volunteer_cal, handoff_cal = int(params[P_VOLUNTEER_CAL]), int(params[P_HANDOFF_CAL])
    grievance_known, grievance_done, hid = b.grievance_known, b.grievance_done, b.hidden
    while ctr[HEAP_N] > 0 and hf[0, HF_T] < t_end:
        if (len(hf) - ctr[HEAP_N] < ROOM or len(lg.t) - ctr[LOG_N] < ROOM
                or len(news.closed) - ctr[CLOSED_N] < ROOM
                or len(news.contact_t) - ctr[CONTACTS_N] < ROOM
                or len(news.returned) - ctr[RETURNED_N] < ROOM):
            return False
        # the event becomes the first action; ``then`` holds one deferred action (DONE's
        # next start)
        t, x = hf[0, HF_T], hf[0, HF_X]
        ev, i, a, bb = hi[0, HI_KIND], hi[0, HI_ISSUE], hi[0, HI_A], hi[0, HI_B]
        pop_root(hf, hi, ctr)
        c = 0  # CLOSE's handler code
        short = False  # CLOSE: the closer lacked the authority the problem needs
        fallback = -1  # LOCAL_START: where an unsettled case goes (-1: the grid worker)
        act = (A_KNOWN if ev == KNOWN else A_ARRIVE if ev == ARRIVE else A_DONE if ev == DONE
               else A_LOCAL_DONE if ev == LOCAL_DONE else A_RETURN if ev == RETURN
               else A_CLOSE)
        if ev == EXTERNAL_DONE:  # the outside work on a settled case is finished
            a, bb, c = RESOLVED, a, bb
        then, then_i, then_a, then_b = A_NONE, 0, 0, 0
        while act != A_NONE:
            if act == A_KNOWN:
                # make_known: the issue becomes known (the first of two routes counts),
                # then goes to volunteers, the Party branch, or the grid worker; a problem
                # that came back keeps its first source and time known and goes one level
                # above the one whose closure failed
                act = A_NONE
                if state[i] == HIDDEN:
                    counts[C_HIDDEN] -= 1
                    state[i] = OPEN
                    if returns[i] == 0:
                        source[i], t_known[i] = a, t
                        grievance_known[i] = t
                    counts[C_OPEN] += 1
                    unlink(i, grid[i], hh_key[i], hid.g_head, hid.g_tail, hid.g_count,
                           hid.g_prev, hid.g_next, hid.hh_head, hid.hh_tail, hid.hh_prev,
                           hid.hh_next)
                    if a == VOLUNTEER_SOURCE and household[i] >= 0:  # a neighbour noticed
                        news.contact_household[ctr[CONTACTS_N]] = household[i]
                        news.contact_t[ctr[CONTACTS_N]] = t
                        ctr[CONTACTS_N] += 1
                    g, k = grid[i], kind[i]
                    active = hp.active_by_grid[g]
                    if returns[i] > 0:
                        act, a = A_ARRIVE, reopen_level[i]
                    elif (r.volunteer_ok[k] and active > 0
                            and u[i, U_VOL_TAKE] < take_probability(
                                float(active), params[P_TAKE_PER_ACTIVE], params[P_TAKE_MAX])
                            and take(hp.volunteer_left, hp.volunteer_offered,
                                     hp.volunteer_taken, g,
                                     r.local_hours[VOLUNTEERS] * hm[i, VOLUNTEERS])):
                        act, a = A_LOCAL_START, VOLUNTEERS
                    elif (r.branch_ok[k] and hp.has_branch[g]
                          and u[i, U_BRANCH_TAKE] < params[P_BRANCH_TAKE]
                          and take(hp.branch_left, hp.branch_offered, hp.branch_taken, g,
                                   r.local_hours[BRANCH] * hm[i, BRANCH])):
                        act, a, fallback = A_LOCAL_START, BRANCH, -1
                    else:
                        act, a = A_ARRIVE, GRID
            elif act == A_LOCAL_START:
                # volunteers or the branch take it (no queue: many hands within their
                # week's hours); one of them, drawn from the behaviour stream, handles it
                level, g = a, grid[i]
                if level == VOLUNTEERS:
                    who = hp.active_idx[hp.active_first[g] + rng.integers(0, hp.active_by_grid[g])]
                else:
                    who = hp.party_members[hp.party_first[g]
                                           + rng.integers(0, hp.party_count[g])]
                    branch_tried[i] = 1
                begin = next_open(cals, volunteer_cal, t)
                log(lg, ctr, i, t, LOG_ARRIVE, level, -1)
                log(lg, ctr, i, begin, LOG_START, level, who)
                if max_level[i] < 0 or LEVEL_RANK[level] > LEVEL_RANK[max_level[i]]:
                    max_level[i] = level
                if math.isnan(t_start[i]):
                    t_start[i] = begin
                if level == VOLUNTEERS and household[i] >= 0:  # a volunteer comes to help
                    news.contact_household[ctr[CONTACTS_N]] = household[i]
                    news.contact_t[ctr[CONTACTS_N]] = begin
                    ctr[CONTACTS_N] += 1
                hours = r.local_hours[level] * hm[i, level]
                push(hf, hi, ctr, add_work(cals, volunteer_cal, begin, hours), LOCAL_DONE, i,
                     level, who, float(fallback))
                act = A_NONE
            elif act == A_LOCAL_DONE:
                # volunteers / branch finish: settled, or passed on to the grid worker (a
                # case taken at intake) or up (a case the grid worker was passing up)
                log(lg, ctr, i, t, LOG_DONE, a, -1)
                up = int(x)
                draw = u[i, U_LOCAL_RESOLVE] if up < 0 else u[i, U_MEDIATE_RESOLVE]
                # they settle (P = resolve_prob) only what lies within their reach: a problem
                # the grid can settle (volunteers), or the community (the branch: 大事小事格内
                # 解决); what needs more they pass on, as when they cannot settle it
                k = kind[i]
                sp = by_grid[grid[i], GRID]
                beyond = up >= 0 or u[i, U_ESCALATE + GRID] < escalation_probability(
                    r.escalate[GRID, k], mean_knowledge(sp_first[sp], sp_count[sp],
                                                        knowledge), params[P_ESC_CUT])
                if beyond and a == BRANCH:
                    beyond = u[i, U_ESCALATE + COMMUNITY] < r.escalate[COMMUNITY, k]
                if draw < r.local_resolve[a] and not beyond:
                    act, c, a, bb = A_CLOSE, bb, RESOLVED, a
                elif up < 0:
                    act, a = A_ARRIVE, GRID
                else:
                    act = A_NONE
                    escalations[i] += 1
                    push(hf, hi, ctr, add_work(cals, handoff_cal, t, params[P_HANDOFF_HOURS]),
                         ARRIVE, i, up, 0, 0.0)
            elif act == A_ARRIVE:
                # the issue reaches a service point's queue; its hours count as arrived
                level = a
                log(lg, ctr, i, t, LOG_ARRIVE, level, -1)
                if max_level[i] < 0 or LEVEL_RANK[level] > LEVEL_RANK[max_level[i]]:
                    max_level[i] = level
                sp, k = by_grid[grid[i], level], kind[i]
                first, count = sp_first[sp], sp_count[sp]
                if level == GRID:  # knowledge matters at the grid only (1-3 workers)
                    known = mean_knowledge(first, count, knowledge)
                    sp_arrived[sp] += handling_hours(r.hours[k], known,
                                                     params[P_SPEEDUP]) * hm[i, GRID]
                else:
                    sp_arrived[sp] += r.hours[k] * r.level_factor[level] * hm[i, level]
                server = free_server(first, count, sp_one[sp], busy, calendar, cals, t)
                if server < 0:  # wait in the queue
                    if sp_length[sp] == 0:
                        sp_head[sp] = i
                    else:
                        queued_next[sp_tail[sp]] = i
                    sp_tail[sp] = i
                    queued_next[i] = -1
                    sp_length[sp] += 1
                    act = A_NONE
                else:
                    act, a, bb = A_START, sp, server
            elif act == A_START:
                # a server takes the issue: handling starts at its next working moment
                sp, server = a, bb
                level, k, cal = sp_level[sp], kind[i], calendar[server]
                begin = next_open(cals, cal, t)
                log(lg, ctr, i, begin, LOG_START, level, server)
                if math.isnan(t_start[i]):
                    t_start[i] = begin
                if level == GRID:
                    mean = handling_hours(r.hours[k], knowledge[server], params[P_SPEEDUP])
                else:
                    mean = r.hours[k] * r.level_factor[level]
                hours = mean * hm[i, level]
                busy[server] = True
                push(hf, hi, ctr, add_work(cals, cal, begin, hours * time_factor[server]),
                     DONE, i, sp, server, hours)
                act = A_NONE
            elif act == A_DONE:
                # a server finishes: resolve, abandon or escalate; then it takes the next
                sp, server, level = a, bb, sp_level[a]
                busy[server] = False
                hours_done[server] += x
                log(lg, ctr, i, t, LOG_DONE, level, -1)
                k = kind[i]
                nxt = next_level(u[i, U_ESCALATE + level], level, r.escalate[level, k],
                                 r.abandon_top[k], r.top[k], knowledge[server],
                                 params[P_ESC_CUT], params[P_CENTRE] != 0.0)
                act = A_NONE
                g = grid[i]
                if nxt >= 0 and level == GRID and u[i, U_KEEP] < params[P_KEEP]:
                    # the worker closes it although it needs a higher level (grid.keep_share)
                    act, a, bb, c, short = A_CLOSE, RESOLVED, level, server, True
                elif (nxt >= 0 and level == GRID and r.branch_ok[k] and hp.has_branch[g]
                        and branch_tried[i] == 0
                        and u[i, U_BRANCH_MEDIATE] < params[P_BRANCH_TAKE]
                        and take(hp.branch_left, hp.branch_offered, hp.branch_taken, g,
                                 r.local_hours[BRANCH] * hm[i, BRANCH])):
                    # the branch takes the case before it leaves the grid
                    act, a, fallback = A_LOCAL_START, BRANCH, nxt
                elif nxt == NO_LEVEL and r.external_days[level] > 0.0:
                    push(hf, hi, ctr, t + r.external_days[level] * hm[i, HM_EXTERNAL],
                         EXTERNAL_DONE, i, level, server, 0.0)
                elif nxt == NO_LEVEL:
                    act, a, bb, c = A_CLOSE, RESOLVED, level, server
                elif nxt == ABANDON:
                    act, a, bb, c = A_CLOSE, ABANDONED, level, server
                else:
                    escalations[i] += 1
                    push(hf, hi, ctr, add_work(cals, handoff_cal, t, params[P_HANDOFF_HOURS]),
                         ARRIVE, i, nxt, 0, 0.0)
                if sp_length[sp] > 0:  # the next in the queue, after the outcome
                    j = sp_head[sp]
                    sp_head[sp] = queued_next[j]
                    sp_length[sp] -= 1
                    if sp_length[sp] == 0:
                        sp_tail[sp] = -1
                    queued_next[j] = -1
                    then, then_i, then_a, then_b = A_START, j, sp, server
            elif act == A_RETURN:
                # a closed problem comes back: hidden again, unresolved from its first
                # arising; known again, it goes one level above the one that closed it
                act = A_NONE
                if state[i] == RESOLVED and renovated[i] == 0:  # (the works fixed it)
                    counts[C_RESOLVED] -= 1
                    counts[C_HIDDEN] += 1
                    state[i], t_closed[i], closed_by[i], handler[i] = HIDDEN, np.nan, -1, -1
                    returns[i] += 1
                    reopen_level[i] = level_above(a, r.top[kind[i]], params[P_CENTRE] != 0.0)
                    relink(i, grid[i], hh_key[i], hid.g_head, hid.g_tail, hid.g_count,
                           hid.g_prev, hid.g_next, hid.hh_head, hid.hh_tail, hid.hh_prev,
                           hid.hh_next)
                    grievance_done[i] = False  # it weighs again (on paper: it never stopped)
                    log(lg, ctr, i, t, LOG_RETURN, a, -1)
                    news.returned[ctr[RETURNED_N]] = i
                    news.returned_t[ctr[RETURNED_N]] = t
                    ctr[RETURNED_N] += 1
            else:  # A_CLOSE: resolved or abandoned (a = state, bb = level, c = handler)
                state[i], t_closed[i], closed_by[i], handler[i] = a, t, bb, c
                counts[C_OPEN] -= 1
                counts[C_RESOLVED if a == RESOLVED else C_ABANDONED] += 1
                paper = False
                if a == RESOLVED:
                    # fixed? (at the authority the problem needs: closure.fix_prob, or
                    # closure.shared_fix_prob for a building's problem before a renovation;
                    # else closure.fix_prob_short); the first closure's draws are the
                    # issue's own, a later one's from the behaviour stream
                    first = returns[i] == 0
                    fix = u[i, U_FIX] if first else rng.random()
                    answer = u[i, U_CALLBACK] if first else rng.random()
                    holds = params[P_FIX_SHORT if short else P_SHARED_FIX if s.building[i] >= 0
                                   else P_FIX]
                    if fix >= holds and renovated[i] == 0:
                        paper = short  # not fixed, and the resident knows
                        back = u[i, U_RETURN_DELAY] if first else rng.random()
                        push(hf, hi, ctr, t - params[P_RETURN_DAYS] * math.log1p(-back),
                             RETURN, i, bb, 0, 0.0)
                    if answer < params[P_CALLBACK]:  # the call-back: satisfied or not
                        late = t - t_known[i] >= params[P_SATISFIED_DAYS]
                        log(lg, ctr, i, t, LOG_CALLBACK, bb, 0 if paper or late else 1)
                on_paper[i] = paper
                grievance_done[i] = not paper
                news.closed[ctr[CLOSED_N]] = i
                ctr[CLOSED_N] += 1
                act = A_NONE
            if act == A_NONE and then != A_NONE:
                act, i, a, bb, then = then, then_i, then_a, then_b, A_NONE
    return True
