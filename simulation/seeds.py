"""Seeds: the whole reproducibility convention, and every derivation of a seed.

Every random number of gridgov comes from one non-negative integer seed, through
``numpy.random.SeedSequence``; nothing draws from global state. The same seed gives the
same draws whichever process, worker or executor runs it.

**Named streams (common random numbers).** A model's seed is spawned into one child
sequence per random process, in the fixed order of :data:`STREAMS`
(``SeedSequence(seed).spawn(len(STREAMS))``, :func:`stream_sequences`); each child seeds its own
``numpy.random.Generator`` (``model.streams.<name>``):

- ``world``: the built world (households, residents, Party members, registered volunteers
  and their initial stages, initial trust);
- ``arrivals``: the issues that arise (day-0 backlog and each day's Poisson counts, times)
  and each issue's row of uniforms (how it is reported, handled and escalated);
- ``behaviour``: volunteers moving between stages and spotting issues, who among the
  volunteers or Party members takes an issue, the neighbours word of mouth reaches, a
  second closure's fix, call-back and return;
- ``visits``: grid workers' door-to-door visiting order and what their visits and
  inspections find;
- ``mesa``: one draw seeds Mesa's own ``model.random`` / ``model.rng``;
- ``shared``: the problems shared by a building (their backlog, daily counts, times, raisers
  and every draw of their rows), apart from the private issues', so that a policy changing
  their rate (a renovation) leaves every private issue's draws alone.

A policy that changes one process therefore does not reshuffle the draws of the others.
New streams are appended at the end, so existing streams keep their seeds.

**Spawn keys.** From one base seed, each use has its own family of ``SeedSequence``
children, so no two uses share a sequence (districts and streams aside, see below):

- ``spawn_key=(0,)``: replication ``r`` of an experiment is child ``r`` of
  ``SeedSequence(seed, spawn_key=(0,))`` (:func:`replication_seeds`); every design point
  and policy of replication ``r`` gets the same run seed (common random numbers), and
  adding replications does not move the earlier ones;
- ``spawn_key=(1,)``: the generator that samples an experiment's design (LHS, Saltelli,
  Morris) (:func:`design_rng`), so adding replications does not move the design;
- ``spawn_key=(2,)``: replications of the validation checks (:func:`validation_seeds`);
- districts: district ``k`` of a partitioned city is child ``k`` of
  ``SeedSequence(seed)`` (:func:`district_seeds`). These are the same children as the
  named streams of a run with that seed (district k < 6 <-> stream k); the two never meet,
  since a city run builds no model from the city's seed, only from its districts' seeds.

**Issue draws added later.** Each issue carries a row of uniform draws by name
(:data:`simulation.issues.BLOCK_DRAWS`, drawn together from ``arrivals``). A draw added
later (:data:`simulation.issues.LATER_DRAWS`, appended) has a sequence of its own: the
``i``-th is child ``i`` of the run's ``arrivals`` sequence (:func:`later_draw_sequences`),
so it moves no other draw; it is rebuilt from the ``arrivals`` record written with the
results. A problem shared by a building draws its block from ``shared`` and each later draw
from child ``i`` of the ``shared`` sequence, alike.

**Sequence to model seed.** A child sequence becomes a model seed as its first 64-bit word
shifted right by one, ``int(seq.generate_state(1, np.uint64)[0] >> 1)`` (:func:`model_seed`),
so it is a non-negative int64 that any tool can store. The M/M/c queue check of
``scripts/validate.py`` alone differs: its sequences are
``SeedSequence([base, int(1000*lambda), int(1000*mu), c, grids]).spawn(reps)`` and each
becomes ``int(seq.generate_state(1)[0])``, a *32-bit* word (:func:`queue_check_seeds`).
It is kept as it is because changing it would change the published check.

**Seeds are written next to every result.** Each run's ``summary.json`` holds its seed and
``stream_seeds``: the entropy and spawn key of every named stream (:func:`seed_record`,
:func:`stream_seed_records`); a city adds its district seeds; an experiment's manifest
lists each replication's seed and sequence. Any run can be repeated from them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Named random streams, in a fixed order: append new ones at the end so that existing
# streams keep their seeds (common random numbers across versions and policies).
STREAMS = ("world", "arrivals", "behaviour", "visits", "mesa", "shared")

REPLICATIONS_KEY = 0  # spawn_key of an experiment's replication seeds
DESIGN_KEY = 1  # spawn_key of an experiment's design sampling
VALIDATION_KEY = 2  # spawn_key of the validation checks' replication seeds


def stream_sequences(seed: int) -> dict[str, np.random.SeedSequence]:
    """Each named stream's sequence for a model of seed ``seed``, in :data:`STREAMS` order."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return dict(zip(STREAMS, children, strict=True))


def later_draw_sequences(arrivals: np.random.SeedSequence, n: int
                         ) -> list[np.random.SeedSequence]:
    """The sequences of the first ``n`` issue draws added after the block (in
    :data:`simulation.issues.LATER_DRAWS` order): ``arrivals``' children 0..n-1 (the
    arrivals stream's sequence is never spawned otherwise)."""
    return [np.random.SeedSequence(arrivals.entropy, spawn_key=(*arrivals.spawn_key, i))
            for i in range(n)]


def model_seed(seq: np.random.SeedSequence) -> int:
    """The model seed a sequence stands for: its first uint64 word >> 1 (in [0, 2**63))."""
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


def replication_sequences(base: int, n: int) -> list[np.random.SeedSequence]:
    """Sequences of replications 0..n-1: ``SeedSequence(base, spawn_key=(0,)).spawn(n)``."""
    return np.random.SeedSequence(base, spawn_key=(REPLICATIONS_KEY,)).spawn(n)


def replication_seeds(base: int, n: int) -> list[int]:
    """Run seed of each of ``n`` replications of an experiment of seed ``base``."""
    return [model_seed(s) for s in replication_sequences(base, n)]


def design_rng(seed: int) -> np.random.Generator:
    """The generator that samples an experiment's design: ``SeedSequence(seed,
    spawn_key=(1,))``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_KEY,)))


def validation_seeds(base: int, n: int) -> list[int]:
    """Run seed of each of ``n`` replications of the validation checks:
    ``SeedSequence(base, spawn_key=(2,)).spawn(n)``."""
    root = np.random.SeedSequence(base, spawn_key=(VALIDATION_KEY,))
    return [model_seed(s) for s in root.spawn(n)]


def district_seeds(seed: int, n: int) -> list[int]:
    """The model seed of each of ``n`` districts of a city run of seed ``seed``:
    ``SeedSequence(seed).spawn(n)``."""
    return [model_seed(s) for s in np.random.SeedSequence(seed).spawn(n)]


def queue_check_seeds(base: int, lam: float, mu: float, workers: int, grids: int,
                      n: int) -> list[int]:
    """Seeds of the ``n`` replications of one row of the M/M/c queue check
    (``scripts/validate.py``): arrival rate ``lam`` and service rate ``mu`` per day,
    ``workers`` per grid, ``grids`` grids. Unlike every other derivation, a seed here is
    the sequence's first *32-bit* word (``generate_state(1)[0]``), not :func:`model_seed`:
    kept so the published check does not change."""
    root = np.random.SeedSequence([base, int(lam * 1000), int(mu * 1000), workers, grids])
    return [int(s.generate_state(1)[0]) for s in root.spawn(n)]


def seed_record(seq: np.random.SeedSequence) -> dict[str, Any]:
    """What is written to disk of a sequence, enough to rebuild it:
    ``{"entropy": ..., "spawn_key": [...]}``."""
    return {"entropy": seq.entropy, "spawn_key": list(seq.spawn_key)}


def stream_seed_records(streams: dict[str, np.random.SeedSequence]) -> dict[str, Any]:
    """:func:`seed_record` of each named stream (e.g. ``model.streams.seeds``)."""
    return {name: seed_record(s) for name, s in streams.items()}


def partition_seed_record(seed: int, seeds: list[int],
                          districts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What a partitioned city run writes of its seeds: the run's seed and each district's
    (:func:`district_seeds`), and every district's :func:`stream_seed_records` by name."""
    return {"partition": {"entropy": seed, "districts": seeds}, "districts": districts}
