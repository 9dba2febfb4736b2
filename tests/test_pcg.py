"""Draws made only where read (``_pcg.uniforms``) are numpy's; the stream moves as numpy's."""

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import small_params
from thuisplus.sim import ThuisplusModel, engine
from thuisplus.sim.processes import _pcg


@numba.njit
def compiled_uniforms(g, state, k, n, cols, full):
    return _pcg.uniforms(g, state, k, n, cols, full)


def twins(seed):
    return np.random.Generator(np.random.PCG64(seed)), np.random.Generator(np.random.PCG64(seed))


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**63), k=st.integers(1, 6), n=st.integers(1, 5000),
       density=st.floats(0.0, 1.0), pick=st.integers(0, 2**32), full=st.booleans(),
       before=st.integers(0, 3))
def test_the_columns_read_hold_numpys_values_and_the_stream_moves_as_numpys(
        seed, k, n, density, pick, full, before):
    cols = np.flatnonzero(np.random.default_rng(pick).random(n) < density ** 3)
    g, ref = twins(seed)
    g.random(before)  # numpy's own draws before, through the same state
    ref.random(before)
    out = compiled_uniforms(g, _pcg.state_view(g), k, n, cols.astype(np.int64), full)
    whole = ref.random((k, n))
    if full:
        np.testing.assert_array_equal(out, whole)
    else:
        np.testing.assert_array_equal(out[:, cols], whole[:, cols])
    assert g.bit_generator.state == ref.bit_generator.state
    np.testing.assert_array_equal(g.standard_normal(7), ref.standard_normal(7))


@pytest.mark.parametrize("cols", [[], [0], [4999], [0, 4999], [2047, 2048, 4095]])
def test_long_stretches_are_jumped_in_pieces(cols):
    g, ref = twins(77)
    out = compiled_uniforms(g, _pcg.state_view(g), 3, 5000, np.array(cols, dtype=np.int64),
                            False)
    whole = ref.random((3, 5000))
    np.testing.assert_array_equal(out[:, cols], whole[:, cols])
    assert g.bit_generator.state == ref.bit_generator.state


def test_the_jump_tables_are_powers_and_sums_of_the_multiplier():
    m = (_pcg._MULT_HI << 64) | _pcg._MULT_LO
    for d in (0, 1, 2, 3, 1000, _pcg._SPAN - 1):
        power = int(_pcg._POWER[d, 0]) | int(_pcg._POWER[d, 1]) << 64
        total = int(_pcg._TOTAL[d, 0]) | int(_pcg._TOTAL[d, 1]) << 64
        assert power == pow(m, d, 2**128)
        assert total == sum(pow(m, i, 2**128) for i in range(d)) % 2**128


def test_python_draws_the_whole_block():
    g, ref = twins(5)
    out = _pcg.uniforms(g, _pcg.NO_STATE, 2, 9, _pcg.NO_COLUMNS, False)
    np.testing.assert_array_equal(out, ref.random((2, 9)))


def test_without_a_state_view_the_compiled_draws_are_numpys_whole_block():
    philox = np.random.Generator(np.random.Philox(3))
    assert _pcg.state_view(philox).shape == (0,)
    ref = np.random.Generator(np.random.Philox(3))
    out = compiled_uniforms(philox, _pcg.NO_STATE, 2, 50, np.array([3], dtype=np.int64), False)
    np.testing.assert_array_equal(out, ref.random((2, 50)))


def test_the_view_is_the_generators_own_memory():
    g, ref = twins(11)
    view = _pcg.state_view(g)
    assert _pcg._native_layout()
    before = view.copy()
    g.random()
    assert not np.array_equal(view, before)  # numpy's draw moved what the view shows
    ref.random()
    s = ref.bit_generator.state["state"]["state"]
    assert int(view[0]) | int(view[1]) << 64 == s


def test_a_week_draws_the_read_columns_as_the_whole_block_would():
    # the engine's draws of a week, some columns against every column, same streams
    m = ThuisplusModel(small_params(), seed=4)
    n = m.coef.n_persons
    cols = np.arange(0, n, 3, dtype=np.int64)
    a = [np.random.Generator(np.random.PCG64(s)) for s in range(len(m._generators))]
    b = [np.random.Generator(np.random.PCG64(s)) for s in range(len(m._generators))]
    some = engine.draw_week(tuple(a), _pcg.state_views(tuple(a)), m.coef, cols, False)
    every = engine.draw_week_numpy(tuple(b), m.coef)
    for name, x, y in zip(engine.Draws._fields, some, every, strict=True):
        per_person = x.ndim == 2 and x.shape[-1] == n and name not in ("moves",)
        if per_person and name not in ("vitality_z", "loneliness_z"):
            np.testing.assert_array_equal(x[:, cols], y[:, cols], err_msg=name)
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)
    assert [g.bit_generator.state for g in a] == [g.bit_generator.state for g in b]
