"""Common random numbers: each process draws a fixed amount from its own stream every week."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import small_params
from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.processes import moves
from thuisplus.sim.rng import STREAMS


def stream_states(m):
    return {name: g.bit_generator.state["state"] for name, g in m.streams.items()}


def test_every_stream_draws_the_same_amount_whatever_the_state():
    calm = small_params(**{"loneliness.attendance_base": 0.01, "care.hh_threshold_mean": 0.2,
                           "inflow.vacancy_weeks": 40.0, "vitality.decline_at_80": 0.0})
    busy = small_params(**{"loneliness.attendance_base": 0.9, "care.hh_threshold_mean": 0.8,
                           "inflow.vacancy_weeks": 1.0, "vitality.decline_at_80": 0.2,
                           "informal_care.burden_rate": 0.5})
    a = ThuisplusModel(calm, seed=11).run(104)
    b = ThuisplusModel(busy, seed=11).run(104)
    assert not a.weekly()["residents"].equals(b.weekly()["residents"])  # states did differ
    assert stream_states(a) == stream_states(b)
    assert set(a.streams) == set(STREAMS)


def test_the_staffing_stream_does_not_depend_on_the_size_of_the_staff_pool():
    # At 5% target utilisation the pool outgrows its first room (one worker per seat).
    grows = small_params(thuisplus=True, **{"staffing.target_utilisation": 0.05})
    stays = small_params(thuisplus=True)
    a = ThuisplusModel(grows, seed=8).run(156)
    b = ThuisplusModel(stays, seed=8).run(156)
    assert a.staff.size > b.staff.size == 120
    assert stream_states(a) == stream_states(b)


def test_streams_are_independent_per_process():
    m = ThuisplusModel(small_params(), seed=3)
    firsts = {name: g.random() for name, g in m.streams.items()}
    assert len(set(firsts.values())) == len(firsts)


class SwitchOn:
    """A test intervention: slows vitality decline from a given week on."""

    def __init__(self, week: int, mult: float = 0.5):
        self.week = week
        self.mult = mult

    def initialize(self, model):
        assert 0 <= self.week

    def apply(self, model):
        if model.week >= self.week:
            model.effects.decline[:] = self.mult


def test_switching_an_effect_on_later_changes_nothing_before():
    base = ThuisplusModel(small_params(), seed=5).run(156).weekly()
    late = ThuisplusModel(small_params(), seed=5, interventions=[SwitchOn(100)]).run(156).weekly()
    pd.testing.assert_frame_equal(base.iloc[:100], late.iloc[:100])
    assert not base.iloc[100:].equals(late.iloc[100:])


def test_a_neutral_intervention_changes_nothing():
    base = ThuisplusModel(small_params(), seed=9).run(156).weekly()
    same = ThuisplusModel(small_params(), seed=9,
                          interventions=[SwitchOn(0, mult=1.0)]).run(156).weekly()
    pd.testing.assert_frame_equal(base, same)


def test_keyed_uniform_is_uniform_deterministic_and_key_sensitive():
    import numpy as np
    from scipy import stats

    from thuisplus.sim.rng import keyed_uniform

    u = np.array([keyed_uniform(2024, 1, w, s) for w in range(100) for s in range(200)])
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert ((u >= 0) & (u < 1)).all()
    assert keyed_uniform(5, 1, 2, 3) == keyed_uniform(5, 1, 2, 3)
    assert len({keyed_uniform(5, 1, 2, 3), keyed_uniform(6, 1, 2, 3),
                keyed_uniform(5, 1, 3, 2), keyed_uniform(5, 2, 2, 3)}) == 4


_shape = st.floats(0.2, 20.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(entropy=st.integers(0, 2**128 - 1), households=st.integers(0, 6),
       shapes=st.tuples(_shape, _shape, _shape, _shape), vital_share=st.floats(0.0, 1.0))
def test_each_applicant_household_draws_its_traits_from_its_own_stream(
        entropy, households, shapes, vital_share):
    # The definition, one household at a time (how the traits were drawn before they were
    # drawn into one block and cached): the same numbers, bit for bit, whatever the count.
    a, b, la, lb = shapes
    p = Parameters().with_overrides({
        "inflow.vital_beta_a": a, "inflow.vital_beta_b": b, "inflow.less_vital_beta_a": la,
        "inflow.less_vital_beta_b": lb, "inflow.vital_share": vital_share})
    got = moves.applicant_traits(p, entropy, households)
    for j in range(households):
        g = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(entropy, spawn_key=(moves.INFLOW_KEY, j + 1))))
        want = moves.person_traits(p, g, 2, newcomer=True)
        vital = want["u_mix"][0] < vital_share
        want["vital"] = np.array([vital, vital])
        want["vitality"] = want["vitality"] if vital else want["vit_less"]
        assert set(got) == set(want)
        for k, v in want.items():
            assert got[k].dtype == v.dtype, k
            np.testing.assert_array_equal(got[k][2 * j:2 * j + 2], v, err_msg=k)
    assert all(len(v) == 2 * households for v in got.values())


def test_the_applicants_draws_are_cached_and_read_only():
    shapes = (7.0, 2.5, 3.0, 3.5)
    d = moves.household_draws(99, 4, shapes)
    assert moves.household_draws(99, 4, shapes) is d
    assert moves.household_draws(99, 4, (7.0, 2.5, 3.0, 3.6)) is not d
    for x in d:
        assert not x.flags.writeable
        with pytest.raises(ValueError):
            x[..., 0] = 0.5
    t = moves.applicant_traits(Parameters(), 99, 4)
    assert t["lnoise"].base is not None and not t["lnoise"].flags.writeable
    # a run of more households than that is drawn afresh, not kept
    big = moves.HOUSEHOLD_DRAWS_MAX + 1
    first = moves.household_draws(99, big, shapes)
    assert moves.household_draws(99, big, shapes) is not first
    np.testing.assert_array_equal(moves.household_draws(99, big, shapes).z, first.z)
    np.testing.assert_array_equal(first.z[:, :8], d.z)  # a household's draws are its own
