"""Draw tapes: a run that replays a seed's recorded draws is the run that draws them."""

import numpy as np
import pytest

from tests.golden.record import differences, outputs
from thuisplus.sim import Parameters, ThuisplusModel, engine
from thuisplus.sim.model import DrawTape
from thuisplus.sim.pair import BaselineCache, run_pair
from thuisplus.sim.presets import load_preset
from thuisplus.sim.rng import make_streams

SMALL = {"building.dwellings": 60, "building.floors": 4}


def test_the_numpy_draws_are_the_compiled_ones():
    """The tapes are shaped on draw_week_numpy; its numbers are those of the engine too."""
    p = Parameters().with_overrides(SMALL)
    m = ThuisplusModel(p, seed=3)
    tape = m.record_tape(1)
    streams = make_streams(m.entropy)
    want = engine.draw_week_numpy(tuple(streams[g] for g in engine.GENERATORS), m.coef)
    for name, got, x in zip(engine.Draws._fields, tape.tape.draws, want, strict=True):
        assert got.shape == (1, *x.shape), name
        np.testing.assert_array_equal(got[0], x, err_msg=name)


@pytest.mark.parametrize(("preset", "seed", "weeks"), [
    ("contract-2021", 1, 520), ("broad-transfer", 2, 156)])
def test_a_replayed_run_is_the_run_that_draws(preset, seed, weeks):
    p = load_preset(preset)
    recorder = ThuisplusModel(p.baseline(), seed=seed)
    tape = recorder.record_tape(weeks)
    assert tape.recorded and tape.nbytes > 0
    assert not differences(outputs(recorder), outputs(ThuisplusModel(p.baseline(), seed=seed)
                                                      .run(weeks)))
    replayed = ThuisplusModel(p, seed=seed, tape=tape).run(weeks)
    assert not differences(outputs(replayed), outputs(ThuisplusModel(p, seed=seed).run(weeks)))


def test_going_on_past_the_tape_and_in_chunks_is_the_same():
    """A growing staff pool makes the engine stop for room; the streams resume at the end."""
    p = Parameters().with_overrides({**SMALL, "staffing.target_utilisation": 0.1})
    tape = ThuisplusModel(p.baseline(), seed=8).record_tape(120)
    m = ThuisplusModel(p, seed=8, tape=tape)
    m.run(50)
    for _ in range(10):
        m.step()
    m.run(100)  # 60 weeks on the tape, then 40 drawn
    want = ThuisplusModel(p, seed=8).run(160)
    assert m.staff.size > 100
    assert not differences(outputs(m), outputs(want))


def test_a_tape_that_does_not_fit_is_refused_with_the_reason():
    p = Parameters().with_overrides(SMALL)
    tape = ThuisplusModel(p, seed=1).record_tape(10)
    with pytest.raises(ValueError, match="another seed"):
        ThuisplusModel(p, seed=2, tape=tape)
    with pytest.raises(ValueError, match="other amounts"):
        ThuisplusModel(Parameters().with_overrides({"building.dwellings": 80}), seed=1,
                       tape=tape)
    late = ThuisplusModel(p, seed=1).run(3)
    with pytest.raises(ValueError, match="week 3"):
        late.replay(tape)
    unfinished = ThuisplusModel(p, seed=1)
    with pytest.raises(ValueError, match="not recorded"):
        ThuisplusModel(p, seed=1, tape=DrawTape(unfinished, 5))


def test_arms_on_a_kept_tape_equal_pairs_run_in_lockstep():
    """BaselineCache: the second arm on a seed records its draws, the third replays them."""
    cache = BaselineCache(size=2, tapes=1)
    base = Parameters().with_overrides(SMALL)
    settings = [base.with_overrides({"thuisplus.prevention.decline_reduction": x})
                for x in (0.1, 0.3, 0.5, 0.2)]
    for k, p in enumerate(settings):
        got = run_pair(p, seed=4, weeks=104, baselines=cache)
        want = run_pair(p, seed=4, weeks=104)
        assert not differences(outputs(got.thuisplus), outputs(want.thuisplus)), k
        assert not differences(outputs(got.baseline), outputs(want.baseline)), k
    assert len(cache._tapes) == 1 and cache.hits == 3 and cache.misses == 1
    other = base.with_overrides({"building.dwellings": 64})  # another building: no tape
    got = run_pair(other, seed=4, weeks=52, baselines=cache)
    assert not differences(outputs(got.thuisplus), outputs(run_pair(other, seed=4,
                                                                    weeks=52).thuisplus))


def _arm_keys(cache: BaselineCache) -> list[int]:
    return [key[1] for key in cache._tapes]  # the seeds taped


def test_a_tape_is_recorded_at_the_record_after_th_arm_and_replayed_from_then_on():
    cache = BaselineCache(size=0, tapes=1, record_after=3)
    p = Parameters().with_overrides(SMALL)
    for k in range(5):
        x = 0.1 * (k + 1)
        got = cache.run_arm(p.with_overrides({"thuisplus.prevention.decline_reduction": x}),
                            seed=5, weeks=30)
        assert _arm_keys(cache) == ([] if k < 2 else [5]), k
        want = ThuisplusModel(
            p.with_overrides({"thuisplus.prevention.decline_reduction": x}), seed=5).run(30)
        assert not differences(outputs(got), outputs(want)), k
    with pytest.raises(ValueError, match="record_after"):
        BaselineCache(record_after=0)


def test_a_tape_over_the_byte_budget_is_not_recorded():
    p = Parameters().with_overrides(SMALL)
    need = DrawTape.nbytes_for(ThuisplusModel(p, seed=1), 30)
    small = BaselineCache(size=0, tapes=4, tape_bytes=need - 1)
    enough = BaselineCache(size=0, tapes=4, tape_bytes=need)
    for cache in (small, enough):
        for _ in range(3):
            cache.run_arm(p, seed=1, weeks=30)
    assert not small._tapes and _arm_keys(enough) == [1]
    assert enough._tapes[next(iter(enough._tapes))].nbytes == need  # the estimate is exact


@pytest.fixture
def recorded(monkeypatch):
    """The seeds of the tapes recorded, in order."""
    seeds: list[int] = []
    original = ThuisplusModel.record_tape

    def spy(self, weeks=None):
        seeds.append(self.seed)
        return original(self, weeks)

    monkeypatch.setattr(ThuisplusModel, "record_tape", spy)
    return seeds


def test_seeds_taking_turns_keep_the_tape_that_is_replayed(monkeypatch, recorded):
    """With room for one tape, seeds in turn: the first taped stays while it is replayed,
    and gives way only once it has gone cold (not replayed in _COLD arms)."""
    import thuisplus.sim.pair as pair

    monkeypatch.setattr(pair, "_COLD", 6)
    cache = BaselineCache(size=0, tapes=1, record_after=2)
    p = Parameters().with_overrides(SMALL)
    for _ in range(4):
        for seed in (1, 2, 3):
            cache.run_arm(p, seed=seed, weeks=4)
    assert recorded == [1] and _arm_keys(cache) == [1]
    for seed in range(10, 16):  # seed 1 goes cold (seeds asked once do not tape) ...
        cache.run_arm(p, seed=seed, weeks=4)
    assert recorded == [1]
    cache.run_arm(p, seed=2, weeks=4)  # ... and seed 2's next arm tapes in its place
    assert recorded == [1, 2] and _arm_keys(cache) == [2]


def test_a_tape_goes_cold_exactly_cold_arms_after_its_last_replay(monkeypatch, recorded):
    import thuisplus.sim.pair as pair

    monkeypatch.setattr(pair, "_COLD", 4)
    cache = BaselineCache(size=0, tapes=1, record_after=1)  # every seed would tape
    p = Parameters().with_overrides(SMALL)
    for seed in range(1, 7):  # arm 1 tapes seed 1; arms 2-4 find it hot; arm 5 cold
        cache.run_arm(p, seed=seed, weeks=3)
    assert recorded == [1, 5] and _arm_keys(cache) == [5]


def test_a_tape_that_cannot_fit_drops_nothing_and_recordings_count(recorded):
    p = Parameters().with_overrides(SMALL)
    need = DrawTape.nbytes_for(ThuisplusModel(p, seed=1), 20)
    sizes = {DrawTape.nbytes_for(ThuisplusModel(p, seed=s), 20) / need for s in (1, 3, 4)}
    assert max(sizes) < 1.2  # (a seed's staff pool may need a little more room)
    cache = BaselineCache(size=0, tapes=4, tape_bytes=int(3.5 * need), record_after=1)
    cache.run_arm(p, seed=1, weeks=20)
    assert recorded == [1]
    cache._last_use[next(iter(cache._tapes))] = -10**6  # long cold
    cache.run_arm(p, seed=2, weeks=80)  # ~4 × need: never fits, so seed 1's stays
    assert recorded == [1] and _arm_keys(cache) == [1]
    cache._recording[("another worker thread", 0, None)] = 2 * need  # being recorded
    cache.run_arm(p, seed=3, weeks=20)  # 1 + 2 + 1 > 3.5 needs unless seed 1's goes
    assert recorded == [1, 3] and _arm_keys(cache) == [3]
    cache.run_arm(p, seed=4, weeks=20)  # seed 3's is hot: no room beside the recording
    assert recorded == [1, 3]
    del cache._recording[("another worker thread", 0, None)]
    cache.run_arm(p, seed=4, weeks=20)
    assert recorded == [1, 3, 4] and sorted(_arm_keys(cache)) == [3, 4]
    assert BaselineCache(tapes=4, tape_bytes=0).tapes == 0  # a budget of nothing


def test_a_recording_that_fails_lets_a_later_arm_record(monkeypatch):
    cache = BaselineCache(size=0, tapes=1, record_after=1)
    p = Parameters().with_overrides(SMALL)
    original = ThuisplusModel.record_tape

    def fail(self, weeks=None):
        raise MemoryError("no room for the tape")

    monkeypatch.setattr(ThuisplusModel, "record_tape", fail)
    with pytest.raises(MemoryError):
        cache.run_arm(p, seed=1, weeks=10)
    assert not cache._recording and not cache._tapes
    monkeypatch.setattr(ThuisplusModel, "record_tape", original)
    cache.run_arm(p, seed=1, weeks=10)
    assert _arm_keys(cache) == [1]


def test_a_psa_or_a_small_grid_tapes_nothing_in_the_batch():
    """The shipped specs whose seeds serve fewer arms than a tape needs to pay off record
    none (sim.outcomes.BATCH_RECORD_AFTER); the Sobol study's one seed serves them all."""
    from collections import Counter

    from thuisplus.experiments import Experiment
    from thuisplus.sim.outcomes import BATCH_RECORD_AFTER

    arms = {name: max(Counter(t.seed for t in Experiment.from_toml(name).runs()).values())
            for name in ("main", "funding", "transfer", "mix", "base-case")}
    assert max(arms.values()) < BATCH_RECORD_AFTER, arms
    assert Experiment.from_toml("sobol").n_runs >= 100 * BATCH_RECORD_AFTER


@pytest.mark.parametrize("raw", ["lots", "-1", "1.5", "2 GB"])
def test_a_bad_tape_budget_names_the_variable_the_value_and_what_is_allowed(raw):
    from thuisplus.sim.pair import TAPE_ENV, tape_budget

    with pytest.raises(ValueError, match=rf"THUISPLUS_TAPE_MB='{raw}'.*whole number ≥ 0"):
        tape_budget({TAPE_ENV: raw})
    assert tape_budget({TAPE_ENV: " 3 "}) == 3 * 2**20
    assert tape_budget({TAPE_ENV: "0"}) == 0
    assert 0 <= tape_budget({}) <= 2 * 2**30


@pytest.fixture
def fresh_worker_arms():
    """A worker's Thuisplusflat arms' cache made anew (it reads the budget when made)."""
    import thuisplus.sim.outcomes as so

    so._arms.cache_clear()
    yield so
    so._arms.cache_clear()


def test_a_batch_worker_replays_its_seed_and_gets_the_same_records(fresh_worker_arms,
                                                                     monkeypatch):
    """execute() with the worker's tapes: outcomes and yearly tables as when drawing."""
    from thuisplus.experiments import Experiment
    from thuisplus.experiments.outcomes import execute

    so = fresh_worker_arms
    exp = Experiment.from_dict({
        "name": "taped", "seed": 3, "replications": 2, "weeks": 40, "set": SMALL,
        "design": {"method": "grid", "parameters": {
            "thuisplus.prevention.decline_reduction": {"values": [0.0, 0.2, 0.5, 0.9]},
            "thuisplus.loneliness.outreach_shift": {"values": [0.0, 0.3]}}}})
    tasks = exp.runs()

    def records() -> list[dict]:
        out = [execute(t) for t in tasks]
        assert all(r["status"] == "done" for r in out), out
        return [{k: r[k] for k in ("run_id", "outcomes", "yearly")} for r in out]

    monkeypatch.setenv("THUISPLUS_TAPE_MB", "0")
    want = records()
    assert not so._arms("streams")._tapes
    so._arms.cache_clear()
    monkeypatch.setenv("THUISPLUS_TAPE_MB", "200")
    monkeypatch.setattr(so, "BATCH_RECORD_AFTER", 2)
    replayed = []
    replay = ThuisplusModel.replay

    def spy(self, tape):
        replayed.append(self.seed)
        return replay(self, tape)

    monkeypatch.setattr(ThuisplusModel, "replay", spy)
    got = records()
    assert len(replayed) == len(tasks) - 2 * len({t.seed for t in tasks})  # after 2 a seed
    cache = so._arms("streams")
    assert sorted(key[1] for key in cache._tapes) == sorted({t.seed for t in tasks})
    assert cache.tape_bytes == 200 * 2**20
    assert got == want  # exactly: the same floats


def test_a_malformed_budget_on_a_worker_fails_its_runs_with_the_message(fresh_worker_arms,
                                                                      monkeypatch):
    """A remote worker's own environment is not the runner's: there a bad
    THUISPLUS_TAPE_MB fails each run with the message (docs/experiments.md), and the
    run goes through once it is fixed."""
    from thuisplus.experiments import Experiment
    from thuisplus.experiments.outcomes import execute

    task = Experiment.from_dict({"name": "w", "seed": 1, "replications": 1, "weeks": 4,
                                 "set": SMALL}).runs()[0]
    monkeypatch.setenv("THUISPLUS_TAPE_MB", "1.5")
    record = execute(task)
    assert record["status"] == "failed"
    assert "THUISPLUS_TAPE_MB='1.5'" in record["error"] and "whole number" in record["error"]
    monkeypatch.setenv("THUISPLUS_TAPE_MB", "0")
    assert execute(task)["status"] == "done"
