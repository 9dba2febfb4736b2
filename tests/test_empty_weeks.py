"""Weeks with nobody left skip their processes and draws: the same results, bit for bit.

A lifetime run goes on until the follow-up ends; the last persons have died years before
(~a fifth of the weeks). Those weeks run as ``engine.empty_week`` and the streams owe
their draws until they are used again (``ThuisplusModel.streams``). Each test runs the
same case with the skipping on and off (``model.EMPTY_WEEKS``) and compares everything
the golden baseline stores (weekly table, populations, network, ledger, the streams'
states), every array of the compiled state but the scratch, and what happens after.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import thuisplus.sim.model as model_mod
from tests.golden.record import differences, outputs
from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.pair import run_pair
from thuisplus.sim.presets import load_preset
from thuisplus.sim.processes.common import CNT_DRAW_DEBT, CNT_EMPTY_WEEKS

# Scratch of the compiled week: each process overwrites what it reads before reading it
# (``drawn``: the columns of the last week's draws, engine.draw_columns).
SCRATCH = ("flags", "carer_flags", "staff_flags", "scratch_", "drawn")

SMALL = {"building.dwellings": 40, "building.floors": 3, "simulation.weeks": 156,
         "simulation.follow_up_years": 45}


def small(preset: str = "contract-2021", **more: Any) -> Parameters:
    """A small complex followed for life (quick, and everyone dies well before the end)."""
    return load_preset(preset).with_overrides({**SMALL, **more})


def _arrays(x: Any, name: str = "") -> dict[str, np.ndarray]:
    """Every array in the state tree ``x`` (NamedTuples of arrays) by dotted name."""
    if isinstance(x, np.ndarray):
        return {name: x}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        out: dict[str, np.ndarray] = {}
        for f in x._fields:
            out.update(_arrays(getattr(x, f), f"{name}.{f}" if name else f))
        return out
    return {}


def state_differences(a: ThuisplusModel, b: ThuisplusModel,
                      counters: tuple[int, ...] = (CNT_EMPTY_WEEKS, CNT_DRAW_DEBT),
                      skip: tuple[str, ...] = ()) -> list[str]:
    """Arrays of the compiled state that differ: scratch, ``skip`` and ``counters`` (the
    switch compared and its own bookkeeping) left out."""
    got, want = _arrays(a.state), _arrays(b.state)
    assert set(got) == set(want)
    bad = []
    for k in sorted(got):
        if k.split(".")[-1].startswith(SCRATCH) or k in skip:
            continue
        x, y = got[k], want[k]
        if k == "cnt":
            keep = np.setdiff1d(np.arange(len(x)), counters)
            x, y = x[keep], y[keep]
        same = (np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f"
                else np.array_equal(x, y))
        if not same:
            bad.append(k)
    return bad


def run(params: Parameters, seed: int, monkeypatch, empty: bool, weeks: int | None = None,
        **kw: Any) -> ThuisplusModel:
    monkeypatch.setattr(model_mod, "EMPTY_WEEKS", empty)
    return ThuisplusModel(params, seed=seed, **kw).run(weeks)


def check_same(on: ThuisplusModel, off: ThuisplusModel) -> None:
    assert state_differences(on, off) == []
    assert differences(outputs(on), outputs(off)) == []  # settles the streams' debt


@pytest.mark.parametrize("preset, seed", [("contract-2021", 1), ("baseline", 2),
                                          ("vital-mix", 3), ("lump-sum", 4)])
def test_a_lifetime_run_is_the_same_with_empty_weeks_skipped(monkeypatch, preset, seed):
    p = small(preset)
    on = run(p, seed, monkeypatch, True)
    owed = int(on._cnt[CNT_DRAW_DEBT])
    assert owed > 52, "the case must reach weeks with nobody left, or it tests nothing"
    off = run(p, seed, monkeypatch, False)
    assert int(off._cnt[CNT_DRAW_DEBT]) == 0
    check_same(on, off)
    assert int(on._cnt[CNT_DRAW_DEBT]) == 0  # reading the streams drew what they owed


def test_the_default_complex_for_life_is_the_same(monkeypatch):
    p = load_preset("contract-2021")
    on = run(p, 1, monkeypatch, True)
    assert on._cnt[CNT_DRAW_DEBT] > 300  # seed 1: nobody left from week ~2,330 of 2,860
    check_same(on, run(p, 1, monkeypatch, False))


def test_a_run_continued_after_empty_weeks_draws_as_one_that_never_skipped(monkeypatch):
    """Past the horizon the streams first draw what they owe; then both runs go on alike."""
    p = small()
    on, off = run(p, 5, monkeypatch, True), run(p, 5, monkeypatch, False)
    monkeypatch.setattr(model_mod, "EMPTY_WEEKS", False)  # the rest of each run draws
    on._cnt[CNT_EMPTY_WEEKS] = 0
    on.run(20)
    off.run(20)
    check_same(on, off)


def test_pairs_in_lockstep_keyed_draws_and_replayed_tapes_are_the_same(monkeypatch):
    p = small()
    pairs = [(monkeypatch.setattr(model_mod, "EMPTY_WEEKS", e), run_pair(p, seed=6))[1]
             for e in (True, False)]
    assert pairs[0].baseline._cnt[CNT_DRAW_DEBT] > 0
    for arm in ("baseline", "thuisplus"):
        check_same(getattr(pairs[0], arm), getattr(pairs[1], arm))
    keyed = [run(p, 6, monkeypatch, e, draws="keyed") for e in (True, False)]
    check_same(*keyed)
    monkeypatch.setattr(model_mod, "EMPTY_WEEKS", True)
    recorder = ThuisplusModel(p.baseline(), seed=6)
    tape = recorder.record_tape()  # a tape records every week's draws, skipping none
    assert recorder._cnt[CNT_DRAW_DEBT] == 0
    check_same(recorder, run(p.baseline(), 6, monkeypatch, False))
    replayed = [run(p, 6, monkeypatch, e, tape=tape) for e in (True, False)]
    check_same(*replayed)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(1, 10**6), dwellings=st.integers(10, 60),
       weeks=st.integers(1, 260), follow_up=st.integers(0, 45),
       prevention=st.floats(0.0, 1.0))
def test_any_case_is_the_same_with_empty_weeks_skipped(monkeypatch, seed, dwellings, weeks,
                                                       follow_up, prevention):
    p = load_preset("contract-2021").with_overrides({
        "building.dwellings": dwellings, "building.floors": 2, "simulation.weeks": weeks,
        "simulation.follow_up_years": follow_up, "thuisplus.prevention.intensity": prevention})
    check_same(run(p, seed, monkeypatch, True), run(p, seed, monkeypatch, False))
