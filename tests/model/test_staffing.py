"""Beats sized by workload (staffing.beats = "workload")."""

import numpy as np
import pytest

from simulation import load_scenario
from simulation.model import GridGovernanceModel
from simulation.staffing import TOLERANCE, _team_size, _workload_beats


def test_workload_beats_share_casework_evenly_in_teams() -> None:
    # Six grids of 300-500 households and eight workers: by grid, four grids keep one
    # worker for up to 480 households; by workload every beat has two or more workers
    # within TOLERANCE of the mean casework per worker.
    hh = np.array([422.0, 441.0, 442.0, 475.0, 333.0, 480.0])
    out = _workload_beats(np.arange(6), hh, np.ones(6, bool), 8, 2)
    assert sum(k for _, k in out) == 8
    assert sorted(int(g) for grids, _ in out for g in grids) == list(range(6))
    mean = hh.sum() / 8
    for grids, k in out:
        assert k >= 2
        assert abs(hh[grids].sum() / k / mean - 1.0) <= TOLERANCE + 1e-9


def test_too_few_workers_for_a_team_make_one_beat() -> None:
    out = _workload_beats(np.arange(3), np.array([300.0, 300.0, 300.0]), np.ones(3, bool), 1, 2)
    assert len(out) == 1 and out[0][1] == 1


@pytest.mark.parametrize("beats", ["grid", "workload"])
def test_every_grid_has_one_beat_and_workers_are_kept(beats: str) -> None:
    params = load_scenario("baseline", {"staffing.beats": beats})
    model = GridGovernanceModel(params, seed=1)
    grid_beat = model.points.grid_beat
    assert (grid_beat >= 0).all()
    for b, grids in enumerate(model.points.beat_grids):
        assert (grid_beat[grids] == b).all()
    other = GridGovernanceModel(load_scenario("baseline", {"staffing.beats": "grid"}), seed=1)
    assert len(model.grid_workers) == len(other.grid_workers)


@pytest.mark.parametrize(("share", "team"), [(0.0, 2), (0.5, 3), (1.0, 4)])
def test_a_team_is_two_full_time_equivalents(share: float, team: int) -> None:
    params = load_scenario("baseline", {"staffing.part_time_share": share})
    assert _team_size(params) == team
