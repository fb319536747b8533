"""Each issue's uniform draws by name: the first block in the order every result was made
with, and a draw added later from a stream of its own, which moves no other draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import SMALL

from simulation import issues, load_scenario
from simulation.model import GridGovernanceModel
from simulation.seeds import later_draw_sequences


def run(days: int = 60, seed: int = 3) -> GridGovernanceModel:
    return GridGovernanceModel(load_scenario("baseline", SMALL), seed=seed).run(days)


def test_the_block_keeps_its_order() -> None:
    """Inserting a name would shift every issue's draws (and every baseline): the block's
    names and their columns are fixed; new draws are appended after it."""
    assert issues.BLOCK_DRAWS[:6] == ("report", "delay", "channel", "volunteer_take",
                                      "branch_take", "local_resolve")
    assert issues.BLOCK_DRAWS[6:13] == tuple(f"handle.{lvl.name.lower()}"
                                             for lvl in issues.Level)
    assert issues.BLOCK_DRAWS[13:20] == tuple(f"escalate.{lvl.name.lower()}"
                                              for lvl in issues.Level)
    assert issues.BLOCK_DRAWS[20:] == ("external",) and issues.N_UNIFORMS == 21
    assert (issues.U_ESCALATE + issues.Level.GRID
            == issues.column("escalate.grid") == 15)
    assert issues.draw_names()[: issues.N_UNIFORMS] == issues.BLOCK_DRAWS


def test_a_draw_added_later_moves_no_other_draw(monkeypatch) -> None:
    before = run()
    later = issues.LATER_DRAWS
    monkeypatch.setattr(issues, "LATER_DRAWS", (*later, "test.extra"))
    after = run()
    n = issues.N_UNIFORMS + len(later)
    assert issues.column("test.extra") == n
    u0 = before.issues.view("u")
    u1 = after.issues.view("u")
    assert u0.shape == (len(u0), n)
    assert u1.shape == (len(u0), n + 1)
    np.testing.assert_array_equal(u1[:, :-1], u0)  # every other draw of every issue
    pd.testing.assert_series_equal(before.summary(), after.summary())  # every outcome
    pd.testing.assert_frame_equal(before.timeseries(), after.timeseries())
    # the new column: the arrivals stream's child len(later), in the order the private
    # issues arose; the shared stream's, in the order a building's problems arose
    shared = after.issues.view("building") >= 0
    assert shared.any() and (~shared).any()
    for rows, stream in ((~shared, "arrivals"), (shared, "shared")):
        expected = np.random.default_rng(
            later_draw_sequences(after.streams.seeds[stream], len(later) + 1)[-1]
        ).random(int(rows.sum()))
        np.testing.assert_array_equal(u1[rows, -1], expected)
    again = run()
    np.testing.assert_array_equal(again.issues.view("u"), u1)
