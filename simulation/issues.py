"""Issues: types, levels, the case record and its timestamped life cycle.

An issue *arises* (hidden), becomes *known* (reported by its resident or unit, found on a
door-to-door visit, or spotted by a volunteer), is *handled* at one or more levels
(volunteers / grid Party branch / grid worker, then community, street office, and a city
department or the one-stop mediation centre), and ends *resolved* or *abandoned*.
At every moment: arisen = hidden + open + resolved + abandoned.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar

import numpy as np

from . import hidden
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
    CALLBACK = 3  # the resident answered the call-back after a closure (who: 1 satisfied)
    RETURN = 4  # a closed problem came back (level: who had closed it)


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
LATER_DRAWS: tuple[str, ...] = (
    "branch_mediate",  # the Party branch takes a case the grid worker would pass up
    "mediate_resolve",  # ... and settles it
    "keep",  # the grid worker closes a case itself that needs a higher level
    "fix",  # the first closure fixes the problem
    "return_delay",  # ... else when it comes back
    "callback",  # the resident answers the first closure's call-back
    "rereport",  # the resident reports a problem that came back
    "rereport_delay",  # ... after this delay
)  # append here, never insert


def draw_names() -> tuple[str, ...]:
    """Every draw's name, in the column order of an issue's row (:attr:`Issue.u`)."""
    return BLOCK_DRAWS + LATER_DRAWS


def column(name: str) -> int:
    """The column of draw ``name`` in an issue's row."""
    return draw_names().index(name)


U_REPORT, U_DELAY, U_CHANNEL, U_VOL_TAKE, U_BRANCH_TAKE, U_LOCAL_RESOLVE = (
    column(n) for n in ("report", "delay", "channel", "volunteer_take", "branch_take",
                        "local_resolve"))
U_BRANCH_MEDIATE, U_MEDIATE_RESOLVE = column("branch_mediate"), column("mediate_resolve")
U_KEEP, U_FIX, U_RETURN_DELAY, U_CALLBACK, U_REREPORT, U_REREPORT_DELAY = (
    column(n) for n in ("keep", "fix", "return_delay", "callback", "rereport",
                        "rereport_delay"))
U_HANDLE = column("handle.volunteers")  # + int(level): handling-time draw at each level
U_ESCALATE = column("escalate.volunteers")  # + int(level): escalation / abandonment draw
U_EXTERNAL = column("external")
N_UNIFORMS = len(BLOCK_DRAWS)  # drawn as one row an issue from the arrivals stream
HANDLING_COLUMNS = [*(column(f"handle.{lvl.name.lower()}") for lvl in Level),
                    U_EXTERNAL]  # -> Issue.hm, in this order
HM_EXTERNAL = len(Level)  # the outside-work multiplier's place in Issue.hm


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
        self.shared_rate = col("shared_rate")  # per building-year
        self.initial_shared_backlog = col("initial_shared_backlog")


RANK = np.array([lvl.rank for lvl in Level], dtype=np.int8)  # height by level number
COUNTS = ("arisen", "hidden", "open", "resolved", "abandoned")  # IssuePools.counts, in order
ARISEN, HIDDEN, OPEN, RESOLVED, ABANDONED = range(len(COUNTS))  # places in IssuePools.counts
CHUNK = 4096  # rows a column set grows by at least


class Columns:
    """Equal-length NumPy columns grown in chunks (by a quarter of the capacity, at least
    CHUNK rows; :meth:`reserve` sizes them ahead when the need is known): ``n`` rows are in
    use; :meth:`view` gives a column's rows in use. Rows beyond ``n`` are not initialised:
    whoever adds rows writes them (:meth:`IssueStore.add` the fills of what it is not
    given)."""

    # name -> (dtype, trailing shape, value of a new row where it is not given)
    SPEC: ClassVar[dict[str, tuple[type, tuple[int, ...], float | int]]] = {}

    def __init__(self, capacity: int = CHUNK) -> None:
        self.spec = getattr(self, "spec", self.SPEC)
        self.n = 0
        self.capacity = 0
        self._grow(capacity)

    def _grow(self, capacity: int) -> None:
        for name, (dtype, tail, _) in self.spec.items():
            new = np.empty((capacity, *tail), dtype=dtype)  # new rows are filled as added
            if self.capacity:
                new[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, new)
        self.capacity = capacity

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` more rows."""
        if self.n + rows > self.capacity:
            self._grow(max(self.capacity + self.capacity // 4, self.n + rows, CHUNK))

    def view(self, name: str) -> np.ndarray:
        """Column ``name``'s rows in use (a view: it changes as the run goes on)."""
        return getattr(self, name)[: self.n]

    def __len__(self) -> int:
        return self.n


class IssueStore(Columns):
    """Every issue of a run, one row each in issue order (the row is the issue's id).

    What it is and where (``kind``: index into ISSUE_TYPES; ``household`` and ``resident``
    -1 in a dedicated grid; a problem shared by a building has its ``building`` (-1: a
    private issue), household -1 and as ``resident`` whoever first noticed it; ``hh_key`` is
    the key of its household list among the hidden lists: the household, or n_households +
    the building, or -1; ``reports``: how many households reported it the first time,
    duplicates merged into its one case), its draws by name (``u``: :func:`draw_names` in
    column order) and handling-time multipliers (``hm``: by level, then outside work at
    HM_EXTERNAL), and its life cycle: ``state`` (State), ``source`` (Source, -1 while
    hidden), the times in days (``t_known``, ``t_start``: first handling start,
    ``t_closed``; NaN until then), ``closed_by`` and ``max_level`` (Level, -1 if none),
    ``handler`` (who closed it, a handler code: :meth:`simulation.routing.Router.names`),
    ``escalations``, ``branch_tried`` (1 once the grid's Party branch has taken it: the
    branch tries a case once), ``returns`` (how often a closed problem came back: the same
    issue, unresolved from its first arising), ``on_paper`` (1 while its last closure was
    made without the authority it needed and did not fix it: the resident knows),
    ``reopen_level`` (where a problem that came back goes when known again, -1 before),
    ``renovated`` (1 once a renovation fixed its shared problem: :mod:`simulation.renovation`),
    ``queued_next`` (the next issue in the same service point's queue, -1 for none: the
    queues are linked lists through the issues) and the links of the hidden lists
    (:mod:`simulation.hidden`)."""

    SPEC: ClassVar[dict[str, tuple[type, tuple[int, ...], float | int]]] = {
        "kind": (np.int8, (), 0), "grid": (np.int64, (), 0),
        "household": (np.int64, (), -1), "resident": (np.int64, (), -1),
        "building": (np.int64, (), -1), "hh_key": (np.int64, (), -1),
        "reports": (np.int16, (), 0),
        "severity": (np.float64, (), 0.0), "t_arisen": (np.float64, (), 0.0),
        "t_known": (np.float64, (), np.nan), "t_start": (np.float64, (), np.nan),
        "t_closed": (np.float64, (), np.nan), "state": (np.int8, (), int(State.HIDDEN)),
        "source": (np.int8, (), -1), "closed_by": (np.int8, (), -1),
        "max_level": (np.int8, (), -1), "handler": (np.int64, (), -1),
        "escalations": (np.int32, (), 0), "queued_next": (np.int64, (), -1),
        "branch_tried": (np.int8, (), 0), "returns": (np.int16, (), 0),
        "on_paper": (np.int8, (), 0), "reopen_level": (np.int8, (), -1),
        "renovated": (np.int8, (), 0),
        "g_prev": (np.int64, (), -1), "g_next": (np.int64, (), -1),
        "hh_prev": (np.int64, (), -1), "hh_next": (np.int64, (), -1),
        "u": (np.float64, (len(BLOCK_DRAWS) + len(LATER_DRAWS),), 0.0),
        "hm": (np.float64, (len(Level) + 1,), 0.0),
    }

    # the columns a new issue starts with their fill value (the rest add() is given)
    FILLED = ("reports", "t_known", "t_start", "t_closed", "state", "source", "closed_by",
              "max_level", "handler", "escalations", "queued_next", "branch_tried",
              "returns", "on_paper", "reopen_level", "renovated", "g_prev", "g_next", "hh_prev",
              "hh_next")

    def __init__(self, capacity: int = CHUNK) -> None:
        # as many draw columns as there are draws now (LATER_DRAWS may grow)
        self.spec = {**IssueStore.SPEC, "u": (np.float64, (len(draw_names()),), 0.0)}
        super().__init__(capacity)

    def add(self, kinds: np.ndarray, grids: np.ndarray, households: np.ndarray,
            residents: np.ndarray, severity: np.ndarray, t_arisen: np.ndarray,
            u: np.ndarray, hm: np.ndarray, buildings: np.ndarray | None = None,
            hh_keys: np.ndarray | None = None) -> np.ndarray:
        """New hidden issues, in order (``buildings`` of shared problems, -1 or None for
        private ones; ``hh_keys`` their household lists' keys, the households if None);
        their ids."""
        k = len(kinds)
        self.reserve(k)
        sl = slice(self.n, self.n + k)
        self.kind[sl], self.grid[sl], self.household[sl] = kinds, grids, households
        self.building[sl] = -1 if buildings is None else buildings
        self.hh_key[sl] = households if hh_keys is None else hh_keys
        self.resident[sl], self.severity[sl], self.t_arisen[sl] = residents, severity, t_arisen
        self.u[sl], self.hm[sl] = u, hm
        for name in self.FILLED:
            getattr(self, name)[sl] = self.spec[name][2]
        self.n += k
        return np.arange(sl.start, sl.stop)


class IssueEvents(Columns):
    """Every issue's timestamped transitions, in the order they were logged: ``issue``
    (id), ``t`` (days), ``event`` (Event), ``level`` (Level) and ``who`` (the handler's
    code on START rows, else -1: :meth:`simulation.routing.Router.names`)."""

    SPEC: ClassVar[dict[str, tuple[type, tuple[int, ...], float | int]]] = {
        "issue": (np.int64, (), -1), "t": (np.float64, (), np.nan),
        "event": (np.int8, (), 0), "level": (np.int8, (), 0), "who": (np.int64, (), -1)}


class IssuePools:
    """Every issue of a run (``store``) and its log (``events``), the hidden ones where
    they wait to be found (lists by grid and by household, in issue order:
    :mod:`simulation.hidden`), the count in each state (``counts``, in COUNTS order) and the
    day's news: the issues closed today (``closed_today``, ids), the households
    volunteers helped today (``contacts``: households and times) and the closed problems
    that came back today (``returned``: ids and times). Arrivals hide new issues;
    visits and volunteers find hidden ones; the router (:mod:`simulation.routing`) makes
    them known, moves them on and writes the day's news; the model reads it at the end of
    each day."""

    def __init__(self, n_grids: int, n_households: int, n_buildings: int = 0) -> None:
        self.store = IssueStore()
        self.events = IssueEvents()
        self.n_households = n_households
        self.g_head = np.full(n_grids, -1, dtype=np.int64)
        self.g_tail = np.full(n_grids, -1, dtype=np.int64)
        self.g_count = np.zeros(n_grids, dtype=np.int64)
        # households' lists, then buildings' (a shared problem's): n_households + building
        self.hh_head = np.full(n_households + n_buildings, -1, dtype=np.int64)
        self.hh_tail = np.full(n_households + n_buildings, -1, dtype=np.int64)
        self.counts = np.zeros(len(COUNTS), dtype=np.int64)
        self.closed_today = np.empty(0, dtype=np.int64)
        self.contacts = (np.empty(0, dtype=np.int64), np.empty(0))
        self.returned = (np.empty(0, dtype=np.int64), np.empty(0))  # today's: ids, times

    def lists(self) -> hidden.Lists:
        """The hidden lists' heads, tails and links (the store's columns, as they are)."""
        s = self.store
        return hidden.Lists(self.g_head, self.g_tail, self.g_count, s.g_prev, s.g_next,
                            self.hh_head, self.hh_tail, s.hh_prev, s.hh_next)

    def reserve(self, issues: int) -> None:
        """Room for ``issues`` more issues and their log (3.5 rows an issue: measured 3.4
        in the baseline, 3.7 in Wenheng)."""
        self.store.reserve(issues)
        self.events.reserve(int(3.5 * issues))

    def count(self, name: str) -> int:
        """Issues in state ``name`` (one of COUNTS) now."""
        return int(self.counts[COUNTS.index(name)])

    def hide(self, ids: np.ndarray) -> None:
        """Put new issues (ids, in order) into the hidden lists."""
        hidden.hide(np.asarray(ids, dtype=np.int64), self.store.grid, self.store.hh_key,
                    self.lists())
        self.counts[HIDDEN] += len(ids)

    def hidden_in_grid(self, grid: int) -> np.ndarray:
        """The hidden issues of ``grid`` (ids, in issue order)."""
        return hidden.walk(np.array([grid], dtype=np.int64), self.g_head, self.store.g_next)[0]

    def found_in_households(self, households: np.ndarray, times: np.ndarray,
                            probs: np.ndarray, rng: np.random.Generator,
                            buildings: np.ndarray | None = None
                            ) -> tuple[np.ndarray, np.ndarray]:
        """Visits: at ``times[j]`` each hidden issue of ``households[j]`` (then each hidden
        problem shared by its building, ``buildings[j]``) is found with ``probs[j]`` (one
        uniform draw from ``rng`` per hidden issue, in visit order); the issues found (ids)
        and when each was (no earlier than it arose)."""
        households = np.asarray(households, dtype=np.int64)
        keys = households if buildings is None else np.column_stack(
            [households, self.n_households + np.asarray(buildings, dtype=np.int64)]).ravel()
        ids, visit = hidden.in_households(keys, self.lists())
        if buildings is not None:
            visit //= 2
        if not len(ids):
            return ids, np.empty(0)
        hit = rng.random(len(ids)) < np.asarray(probs)[visit]
        ids = ids[hit]
        return ids, np.maximum(np.asarray(times)[visit[hit]], self.store.t_arisen[ids])

    def found_in_grids(self, grids: np.ndarray, times: np.ndarray, prob: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Inspections: at ``times[j]`` each hidden issue of ``grids[j]`` is found with
        ``prob`` (one draw from ``rng`` per hidden issue, in inspection order); the issues
        found (ids) and when each was."""
        ids, visit = hidden.in_grids(np.asarray(grids, dtype=np.int64), self.lists())
        if not len(ids):
            return ids, np.empty(0)
        hit = rng.random(len(ids)) < prob
        ids = ids[hit]
        return ids, np.maximum(np.asarray(times)[visit[hit]], self.store.t_arisen[ids])

    def state_counts(self) -> dict[str, int]:
        """Issues by state, recounted from the store (for the conservation check)."""
        counts = np.bincount(self.store.view("state"), minlength=len(State))
        return {s.name.lower(): int(counts[s]) for s in State}

    def clear(self) -> None:
        """Drop every issue (a finished model's, so that its memory is freed at once)."""
        self.store = IssueStore(0)
        self.events = IssueEvents(0)
        self.closed_today = np.empty(0, dtype=np.int64)
        self.hh_head = self.hh_tail = np.empty(0, dtype=np.int64)
