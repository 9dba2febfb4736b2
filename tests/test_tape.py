"""Draw tapes: a run that replays a seed's recorded draws is the run that draws them."""

import numpy as np
import pytest

from tests.golden.record import differences, outputs
from thuisplus.sim import Parameters, ThuisplusModel, engine
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
    from thuisplus.sim.model import DrawTape

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
