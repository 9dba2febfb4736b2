"""The weekly loops over persons go over the living ones only: the same results, bit for bit.

A lifetime run keeps every person's row after death; most rows are dead for most of the
follow-up. ``common.refresh_live`` keeps the list of living rows that the loops go over
(``model.LIVE_ROWS``); off, the list is every row that has appeared, as the loops were
before. Each test runs the same case both ways and compares everything the golden baseline
stores and every array of the compiled state but the scratch and the list itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import thuisplus.sim.model as model_mod
from tests.golden.record import differences, outputs
from tests.test_empty_weeks import small, state_differences
from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.pair import run_pair
from thuisplus.sim.presets import load_preset
from thuisplus.sim.processes.common import CNT_LIVE, CNT_LIVE_ALL, CNT_LIVE_HIGH

OWN = (CNT_LIVE, CNT_LIVE_HIGH, CNT_LIVE_ALL)


def run(params: Parameters, seed: int, monkeypatch, live: bool, weeks: int | None = None,
        **kw: Any) -> ThuisplusModel:
    monkeypatch.setattr(model_mod, "LIVE_ROWS", live)
    return ThuisplusModel(params, seed=seed, **kw).run(weeks)


def check_same(on: ThuisplusModel, off: ThuisplusModel) -> None:
    assert state_differences(on, off, counters=OWN, skip=("live",)) == []
    assert differences(outputs(on), outputs(off)) == []


def test_the_list_holds_the_living_rows_in_order(monkeypatch):
    p = load_preset("contract-2021")
    m = run(p, 1, monkeypatch, True, weeks=p.simulation.weeks + 52 * 10)
    res = m.res
    live = m.state.live[:m._cnt[CNT_LIVE]]
    assert np.array_equal(live, np.flatnonzero(res.active[:res.high]))
    assert len(live) < 0.5 * res.high  # ten years after the programme: most have died


@pytest.mark.parametrize("preset, seed", [("contract-2021", 1), ("baseline", 2),
                                          ("vital-mix", 3), ("broad-transfer", 4),
                                          ("lump-sum", 5), ("open-room", 6)])
def test_a_lifetime_run_is_the_same_over_the_living_rows(monkeypatch, preset, seed):
    p = small(preset)
    check_same(run(p, seed, monkeypatch, True), run(p, seed, monkeypatch, False))


def test_the_default_complex_for_life_is_the_same(monkeypatch):
    p = load_preset("contract-2021")
    check_same(run(p, 2, monkeypatch, True), run(p, 2, monkeypatch, False))


def test_pairs_and_keyed_draws_are_the_same(monkeypatch):
    p = small()
    pairs = [(monkeypatch.setattr(model_mod, "LIVE_ROWS", e), run_pair(p, seed=7))[1]
             for e in (True, False)]
    for arm in ("baseline", "thuisplus"):
        check_same(getattr(pairs[0], arm), getattr(pairs[1], arm))
    check_same(*(run(p, 7, monkeypatch, e, draws="keyed") for e in (True, False)))


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(1, 10**6), dwellings=st.integers(10, 60),
       weeks=st.integers(1, 260), follow_up=st.integers(0, 45),
       prevention=st.floats(0.0, 1.0), churn=st.floats(0.0, 0.3))
def test_any_case_is_the_same_over_the_living_rows(monkeypatch, seed, dwellings, weeks,
                                                   follow_up, prevention, churn):
    p = load_preset("contract-2021").with_overrides({
        "building.dwellings": dwellings, "building.floors": 2, "simulation.weeks": weeks,
        "simulation.follow_up_years": follow_up, "thuisplus.prevention.intensity": prevention,
        "demography.move_out_rate": churn})
    check_same(run(p, seed, monkeypatch, True), run(p, seed, monkeypatch, False))
