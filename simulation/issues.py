"""Issues: types, levels, the case record and its timestamped life cycle.

An issue *arises* (hidden), becomes *known* (reported by its resident or unit, found on a
door-to-door visit, or spotted by a volunteer), is *handled* at one or more levels
(volunteers / grid Party branch / grid worker, then community, street office, and a city
department or the one-stop mediation centre), and ends *resolved* or *abandoned*.
At every moment: arisen = hidden + open + resolved + abandoned.
"""

from __future__ import annotations

from collections import defaultdict
from enum import IntEnum

import numpy as np

from .parameters import ISSUE_TYPES, Parameters


class Level(IntEnum):
    """Who handles an issue, from closest to the resident to furthest."""

    VOLUNTEERS = 0
    BRANCH = 1  # the grid Party branch
    GRID = 2  # the grid worker(s) of the grid's beat
    COMMUNITY = 3
    STREET = 4
    DEPARTMENT = 5  # a city department
    MEDIATION = 6  # the one-stop mediation centre (a top level like DEPARTMENT)

    @property
    def in_grid(self) -> bool:
        """True for levels inside the grid (volunteers, Party branch, grid worker)."""
        return self <= Level.GRID

    @property
    def rank(self) -> int:
        """Height in the hierarchy; both top levels share rank 5."""
        return min(int(self), int(Level.DEPARTMENT))


class State(IntEnum):
    """Where an issue is in its life cycle."""

    HIDDEN = 0  # arisen, nobody in charge knows
    OPEN = 1  # known, being routed or handled
    RESOLVED = 2
    ABANDONED = 3  # closed unresolved at the top level


class Source(IntEnum):
    """How an issue became known."""

    IN_PERSON = 0  # resident reports at the community office / to the grid worker
    PLATFORM = 1  # resident reports on the digital platform
    UNIT = 2  # a dedicated grid's unit reports it
    VISIT = 3  # found on a door-to-door visit / inspection
    VOLUNTEER = 4  # spotted by an active volunteer


class Event(IntEnum):
    """Kinds of timestamped transitions in an issue's log."""

    ARRIVE = 0  # reaches a level's queue
    START = 1  # handling starts
    DONE = 2  # handling ends


# Each issue's uniform draws, by name (common random numbers: every issue carries its own
# draws, so a policy change does not reshuffle other issues' luck). BLOCK_DRAWS are drawn
# together from the arrivals stream, one row of them an issue, in this order (the order
# every result so far was made with). A draw added later goes in LATER_DRAWS, appended at
# the end: each has a stream of its own (simulation.seeds.later_draw_sequences), so adding
# one leaves every other draw of every issue alone.
BLOCK_DRAWS: tuple[str, ...] = (
    "report", "delay", "channel", "volunteer_take", "branch_take", "local_resolve",
    *(f"handle.{lvl.name.lower()}" for lvl in Level),  # handling time (-> Issue.hm)
    *(f"escalate.{lvl.name.lower()}" for lvl in Level),  # escalation / abandonment
    "external",  # outside work after the grid or a department (-> Issue.hm)
)
LATER_DRAWS: tuple[str, ...] = ()  # none yet: append here, never insert


def draw_names() -> tuple[str, ...]:
    """Every draw's name, in the column order of an issue's row (:attr:`Issue.u`)."""
    return BLOCK_DRAWS + LATER_DRAWS


def column(name: str) -> int:
    """The column of draw ``name`` in an issue's row."""
    return draw_names().index(name)


U_REPORT, U_DELAY, U_CHANNEL, U_VOL_TAKE, U_BRANCH_TAKE, U_LOCAL_RESOLVE = (
    column(n) for n in ("report", "delay", "channel", "volunteer_take", "branch_take",
                        "local_resolve"))
U_HANDLE = column("handle.volunteers")  # + int(level): handling-time draw at each level
U_ESCALATE = column("escalate.volunteers")  # + int(level): escalation / abandonment draw
U_EXTERNAL = column("external")
N_UNIFORMS = len(BLOCK_DRAWS)  # drawn as one row an issue from the arrivals stream
HANDLING_COLUMNS = [*(column(f"handle.{lvl.name.lower()}") for lvl in Level),
                    U_EXTERNAL]  # -> Issue.hm, in this order
HM_EXTERNAL = len(Level)  # the outside-work multiplier's place in Issue.hm


class Issue:
    """One case: what it is, where, and every transition with its time (days)."""

    __slots__ = ("closed_by", "escalations", "grid", "handler", "hm", "household", "id", "kind",
                 "log", "resident", "severity", "source", "state", "t_arisen", "t_closed",
                 "t_known", "u")

    def __init__(self, id: int, kind: int, grid: int, household: int, resident: int,
                 severity: float, t_arisen: float, u: np.ndarray, hm: list[float]) -> None:
        self.id = id
        self.kind = kind  # index into ISSUE_TYPES
        self.grid = grid
        self.household = household  # -1 in a dedicated grid
        self.resident = resident  # -1 in a dedicated grid
        self.severity = severity
        self.t_arisen = t_arisen
        self.u = u  # row of N_UNIFORMS uniform draws (a view into the day's array)
        # handling-time multiplier at each level, then of outside work (HM_EXTERNAL), as
        # plain floats (rules.handling_multiplier)
        self.hm = hm
        self.state = State.HIDDEN
        self.source: Source | None = None
        self.t_known = float("nan")
        self.t_closed = float("nan")
        self.closed_by: Level | None = None
        self.handler = ""  # who closed it, e.g. "grid_worker:12", "community:3:0"
        self.escalations = 0
        # (time, Event, Level, who): who is the handler's name on START entries, else ""
        self.log: list[tuple[float, int, int, str]] = []

    @property
    def type_name(self) -> str:
        """The issue type's name."""
        return ISSUE_TYPES[self.kind]

    @property
    def t_start(self) -> float:
        """When handling first started (the end of the wait), NaN if it has not."""
        for t, event, _, _ in self.log:
            if event == Event.START:
                return t
        return float("nan")

    @property
    def max_level(self) -> Level | None:
        """The highest level the issue reached, None if it was never handled."""
        top, top_rank = None, -1
        for _, event, level, _ in self.log:
            if event == Event.ARRIVE and _RANK[level] > top_rank:
                top, top_rank = level, _RANK[level]
        return None if top is None else Level(top)


_RANK = [lvl.rank for lvl in Level]  # rank by level number (hot path of max_level)


class IssueTypes:
    """The per-type parameters as NumPy arrays indexed by type (read once per run)."""

    def __init__(self, params: Parameters) -> None:
        def col(field: str, dtype=float) -> np.ndarray:
            return np.array([params[f"issue.{t}.{field}"] for t in ISSUE_TYPES], dtype=dtype)

        self.names = ISSUE_TYPES
        self.rate = col("rate")  # per household-year
        self.dedicated_rate = col("dedicated_rate")  # per dedicated grid-year
        self.severity = col("severity")
        self.volunteer_ok = col("volunteer_ok", bool)
        self.branch_ok = col("branch_ok", bool)
        self.hours = col("hours")
        self.escalate = {
            Level.GRID: col("escalate_grid"),
            Level.COMMUNITY: col("escalate_community"),
            Level.STREET: col("escalate_street"),
        }
        self.top = [Level.MEDIATION if params[f"issue.{t}.top"] == "mediation"
                    else Level.DEPARTMENT for t in ISSUE_TYPES]
        self.abandon_top = col("abandon_top")
        self.initial_backlog = col("initial_backlog")


class IssuePools:
    """Every issue of a run, the pending ones where they wait to be found (the hidden issues
    by grid and by household), the count in each state, and the day's news: the issues
    closed today and the households volunteers helped today (``contacts``: (household,
    time)). The router, visits, volunteers and arrivals share one; the model reads it at the
    end of each day."""

    def __init__(self, n_grids: int) -> None:
        self.issues: list[Issue] = []
        self.hidden_by_grid: list[dict[int, Issue]] = [{} for _ in range(n_grids)]
        self.hidden_by_household: dict[int, dict[int, Issue]] = defaultdict(dict)
        self.counts = {"arisen": 0, "hidden": 0, "open": 0, "resolved": 0, "abandoned": 0}
        self.closed_today: list[Issue] = []
        self.contacts: list[tuple[int, float]] = []  # (household, time) helped by volunteers

    def hide(self, issue: Issue) -> None:
        """Put a new issue into the hidden pools."""
        self.counts["hidden"] += 1
        self.hidden_by_grid[issue.grid][issue.id] = issue
        if issue.household >= 0:
            self.hidden_by_household[issue.household][issue.id] = issue

    def forget_hidden(self, issue: Issue) -> None:
        """Remove a just-known issue from the hidden pools."""
        self.counts["hidden"] -= 1
        del self.hidden_by_grid[issue.grid][issue.id]
        if issue.household >= 0:
            pool = self.hidden_by_household[issue.household]
            del pool[issue.id]
            if not pool:
                del self.hidden_by_household[issue.household]

    def found_in_households(self, households: list[int], times: list[float],
                            probs: list[float], rng: np.random.Generator
                            ) -> list[tuple[Issue, float]]:
        """Visits: at ``times[j]`` each hidden issue of ``households[j]`` is found with
        ``probs[j]`` (one uniform draw from ``rng`` per hidden issue, in visit order); the
        issues found, each with when (no earlier than it arose)."""
        pools = self.hidden_by_household
        seen = [(issue, t, p) for hh, t, p in zip(households, times, probs, strict=True)
                if hh in pools for issue in pools[hh].values()]
        if not seen:
            return []
        u = rng.random(len(seen)).tolist()
        return [(issue, max(t, issue.t_arisen)) for (issue, t, p), x in zip(seen, u, strict=True)
                if x < p]

    def found_in_grid(self, grid: int, t: float, prob: float, rng: np.random.Generator
                      ) -> list[tuple[Issue, float]]:
        """An inspection at ``t``: each hidden issue of ``grid`` is found with ``prob`` (one
        draw each from ``rng``); the issues found, each with when."""
        pool = self.hidden_by_grid[grid]
        if not pool:
            return []
        hit = rng.random(len(pool)) < prob
        return [(issue, max(t, issue.t_arisen))
                for issue, h in zip(list(pool.values()), hit, strict=True) if h]

    def state_counts(self) -> dict[str, int]:
        """Issues by state, recounted from the issue records (for the conservation check)."""
        counts = np.bincount([int(i.state) for i in self.issues], minlength=len(State))
        return {s.name.lower(): int(counts[s]) for s in State}

    def clear(self) -> None:
        """Drop every issue (a finished model's, so that reference counting frees them)."""
        self.issues.clear()
        self.closed_today = []
        self.hidden_by_grid = []
        self.hidden_by_household.clear()
