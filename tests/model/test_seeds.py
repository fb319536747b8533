"""Seeds (simulation.seeds): each derivation is the formula the results were made with,
the named streams are independent and stable, and no two uses of a base seed share one."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT

from simulation import seeds
from simulation.analysis import validation
from simulation.model import Streams
from simulation.running import city as partition
from simulation.sweeps.designs import unit_sample
from simulation.sweeps.experiment import load_experiment, replication_seeds

SS = np.random.SeedSequence
BASES = [0, 1, 7, 20221121, 2**40 + 3]
EXPERIMENT = ROOT / "experiments" / "policy_comparison.toml"


def literal_seed(seq: np.random.SeedSequence) -> int:
    """The uint64 >> 1 conversion as it was written out in each module."""
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


# ------------------------------------------------------------------ the literal formulas
@pytest.mark.parametrize("base", BASES)
def test_each_derivation_is_the_formula_it_replaces(base: int) -> None:
    children = SS(base).spawn(len(seeds.STREAMS))
    got = seeds.stream_sequences(base)
    assert list(got) == list(seeds.STREAMS)
    for seq, child in zip(got.values(), children, strict=True):
        assert seq.entropy == child.entropy and seq.spawn_key == child.spawn_key
        assert (seq.generate_state(4) == child.generate_state(4)).all()

    assert seeds.model_seed(SS(base)) == literal_seed(SS(base))
    assert seeds.replication_seeds(base, 6) == [
        literal_seed(c) for c in SS(base, spawn_key=(0,)).spawn(6)]
    assert seeds.validation_seeds(base, 6) == [
        literal_seed(c) for c in SS(base, spawn_key=(2,)).spawn(6)]
    assert seeds.district_seeds(base, 6) == [literal_seed(c) for c in SS(base).spawn(6)]
    assert seeds.district_seeds(base, 6) == partition.district_seeds(base, 6)
    want = np.random.default_rng(SS(base, spawn_key=(1,))).random(5)
    assert (seeds.design_rng(base).random(5) == want).all()
    for lam, mu, c, grids in [(3.0, 10.0, 1, 1), (0.8, 1.0, 1, 3), (27.0, 10.0, 3, 1)]:
        root = SS([base, int(lam * 1000), int(mu * 1000), c, grids])
        assert seeds.queue_check_seeds(base, lam, mu, c, grids, 4) == [
            int(s.generate_state(1)[0]) for s in root.spawn(4)]


def test_the_callers_use_the_same_seeds() -> None:
    assert replication_seeds(11, 4) == seeds.replication_seeds(11, 4)
    assert validation.Size(reps=4).seeds() == seeds.validation_seeds(validation.BASE_SEED, 4)
    s = Streams(5)
    assert tuple(s.seeds) == seeds.STREAMS
    assert [q.spawn_key for q in s.seeds.values()] == [(k,) for k in range(6)]
    assert (s.world.random(3) == np.random.default_rng(SS(5).spawn(5)[0]).random(3)).all()


def test_model_seeds_are_non_negative_int64() -> None:
    for base in BASES:
        for s in [*seeds.replication_seeds(base, 20), *seeds.district_seeds(base, 20),
                  *seeds.validation_seeds(base, 20)]:
            assert type(s) is int and 0 <= s < 2**63
        assert all(0 <= s < 2**32 for s in seeds.queue_check_seeds(base, 5.0, 10.0, 1, 1, 20))


# ----------------------------------------------- values pinned before seeds.py existed
def test_pinned_values_are_unchanged() -> None:
    """Computed with the code as it was before simulation.seeds (the shared stream, added
    later, when it was added): must never move."""
    first = {0: {"world": 8697063857760222070, "arrivals": 6246038554070098265,
                 "behaviour": 7731686665370224176, "visits": 3361305138638366626,
                 "mesa": 6022608996314427919, "shared": 2419227188910700932},
             1: {"world": 6447455697624344478, "arrivals": 4388153156890594172,
                 "behaviour": 2150598011306793289, "visits": 1052614132938589681,
                 "mesa": 5635765635411543465, "shared": 2609984212560794316}}
    for seed, want in first.items():
        s = Streams(seed)
        assert {n: int(getattr(s, n).integers(2**63 - 1)) for n in seeds.STREAMS} == want
    assert seeds.replication_seeds(1, 3) == [
        3325833263181678374, 5339568970972937013, 7743491921719062097]
    assert seeds.replication_seeds(20221121, 2) == [8301899345298318429, 3709367943867455945]
    assert validation.Size(reps=3).seeds() == [
        1325705739676666180, 758415641080236964, 3290630143298238410]
    assert seeds.district_seeds(7, 3) == [
        1693125408465869867, 2021251017632032385, 8779501138110131270]
    assert seeds.design_rng(5).random(2).tolist() == [0.2531538239071238, 0.07389904579822992]
    assert unit_sample("lhs", ["a", "b"], 2, 5).tolist() == [
        [0.05671705964915463, 0.08026967232156512], [0.9176302894993449, 0.9369151184817748]]
    assert seeds.queue_check_seeds(20221121, 3.0, 10.0, 1, 1, 3) == [
        933058387, 1198174738, 2168071849]


# --------------------------------------------------------------------- named streams
def test_named_streams_are_independent() -> None:
    """Drawing more from one stream leaves every other stream's draws as they were."""
    reference = {n: getattr(Streams(3), n).random(50) for n in seeds.STREAMS}
    for heavy in seeds.STREAMS:
        s = Streams(3)
        getattr(s, heavy).random(10_000)
        for n in seeds.STREAMS:
            if n != heavy:
                assert (getattr(s, n).random(50) == reference[n]).all(), (heavy, n)
    draws = np.array(list(reference.values()))
    assert len({tuple(row) for row in draws}) == len(seeds.STREAMS)
    corr = np.corrcoef(np.array([getattr(Streams(3), n).random(20_000) for n in seeds.STREAMS]))
    assert np.abs(corr[~np.eye(len(seeds.STREAMS), dtype=bool)]).max() < 0.05


def test_streams_keep_their_seeds_when_new_ones_are_appended() -> None:
    """Stream k is child k of SeedSequence(seed): a stream added at the end moves none."""
    longer = SS(9).spawn(len(seeds.STREAMS) + 2)
    for k, seq in enumerate(seeds.stream_sequences(9).values()):
        assert (seq.generate_state(4) == longer[k].generate_state(4)).all()


# ------------------------------------------------------------------- spawn-key families
@pytest.mark.parametrize("base", BASES)
def test_spawn_key_families_do_not_collide(base: int) -> None:
    n = 50
    families = {
        "replications": set(seeds.replication_seeds(base, n)),
        "validation": set(seeds.validation_seeds(base, n)),
        "districts": set(seeds.district_seeds(base, n)),
        "design": {literal_seed(c) for c in SS(base, spawn_key=(1,)).spawn(n)}
                  | {int(seeds.design_rng(base).bit_generator.random_raw() >> 1)},
        "base": {literal_seed(SS(base))},
    }
    for name, values in families.items():
        assert len(values) == (1 if name == "base" else n + (name == "design")), name
    names = list(families)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert families[a].isdisjoint(families[b]), (a, b)
    # The roots themselves differ, whatever the children.
    roots = [SS(base, spawn_key=(k,)).generate_state(4).tolist() for k in range(3)]
    roots.append(SS(base).generate_state(4).tolist())
    assert len({tuple(r) for r in roots}) == 4


def test_districts_share_the_streams_family_by_design() -> None:
    """District k and stream k are both child k of SeedSequence(seed) (seeds.py says so):
    a city run builds no model from its own seed, so the two never meet."""
    streams = seeds.stream_sequences(4)
    assert seeds.district_seeds(4, len(streams)) == [seeds.model_seed(q)
                                                     for q in streams.values()]


def test_replications_are_prefix_stable_and_seed_dependent() -> None:
    assert seeds.replication_seeds(3, 8)[:5] == seeds.replication_seeds(3, 5)
    assert seeds.validation_seeds(3, 8)[:5] == seeds.validation_seeds(3, 5)
    assert set(seeds.replication_seeds(3, 20)).isdisjoint(seeds.replication_seeds(4, 20))


# --------------------------------------------------------------------------- records
def test_seed_records_rebuild_their_sequences() -> None:
    streams = Streams(12).seeds
    records = seeds.stream_seed_records(streams)
    assert records == {name: {"entropy": s.entropy, "spawn_key": list(s.spawn_key)}
                       for name, s in streams.items()}  # the literal it replaces
    assert json.loads(json.dumps(records)) == records
    for name, rec in records.items():
        again = SS(rec["entropy"], spawn_key=tuple(rec["spawn_key"]))
        assert (again.generate_state(4) == streams[name].generate_state(4)).all()


def test_experiment_manifest_records_each_replication_as_before() -> None:
    exp = load_experiment(EXPERIMENT)
    want = [{"replication": r, "seed": s,
             "seed_sequence": {"entropy": exp.seed, "spawn_key": [0, r]}}
            for r, s in enumerate(literal_seed(c) for c in
                                  SS(exp.seed, spawn_key=(0,)).spawn(exp.replications))]
    got = exp.design_record()["replication_seeds"]
    assert json.dumps(got) == json.dumps(want)
    for rec in got:
        seq = SS(rec["seed_sequence"]["entropy"],
                 spawn_key=tuple(rec["seed_sequence"]["spawn_key"]))
        assert seeds.model_seed(seq) == rec["seed"]
