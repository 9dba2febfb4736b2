"""Persons: one identity in both arms, followed wherever they live (docs/dev/persons.md)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import all_off
from thuisplus.sim import ThuisplusModel
from thuisplus.sim.model import horizon_weeks, run_arms
from thuisplus.sim.pair import run_pair
from thuisplus.sim.presets import load_preset
from thuisplus.sim.processes.common import ELSEWHERE, IN_COMPLEX, IN_NURSING_HOME

# A small complex and a short follow-up keep these tests quick; the dynamics are the same.
SMALL = {"building.dwellings": 60, "building.floors": 4, "simulation.weeks": 260,
         "simulation.follow_up_years": 25}


def _pair(preset: str, seed: int, **extra):
    p1 = load_preset(preset).with_overrides({**SMALL, **extra})
    return run_arms(ThuisplusModel(p1.baseline(), seed=seed), ThuisplusModel(p1, seed=seed))


def test_rows_are_persons_the_same_in_both_arms():
    a, b = _pair("contract-2021", 11)
    assert a.n_persons == b.n_persons
    assert np.array_equal(a.applicants.week, b.applicants.week)
    rows = np.arange(a.n_persons)
    seen = a.res.person >= 0
    assert np.array_equal(a.res.person[seen], rows[seen])      # a row is one person
    assert np.array_equal(a.res.person >= 0, b.res.person >= 0)  # the same persons appear
    for k in ("female", "vital", "loneliness_base", "hh_threshold", "trait_u"):
        assert np.array_equal(getattr(a.res, k), getattr(b.res, k)), k


def test_a_person_never_in_the_complex_lives_the_same_life_in_both_arms():
    # a long waiting list: many applicants die or enter a nursing home before a dwelling
    a, b = _pair("contract-2021", 3, **{"inflow.applications_per_dwelling_year": 0.6})
    ra, rb = a.res, b.res
    rows = np.arange(a.n_persons)
    never = (rows >= a.n_seats) & (ra.person >= 0) & (ra.entered_week < 0) & (rb.entered_week < 0)
    assert never.sum() >= 5
    for k in ("died_week", "admitted_week", "vitality", "loneliness", "age", "wlz", "where"):
        assert np.array_equal(getattr(ra, k)[never], getattr(rb, k)[never]), k
    # ... and somebody who lived in the complex does differ: the check can fail
    exposed = ra.exposed | rb.exposed
    assert not np.array_equal(ra.vitality[exposed], rb.vitality[exposed])


def test_everybody_is_followed_until_death():
    m = ThuisplusModel(load_preset("baseline").with_overrides(
        {**SMALL, "simulation.follow_up_years": 60}), seed=5).run()
    res = m.res
    appeared = res.person >= 0
    assert appeared.sum() > m.n_seats * 0.8
    assert not res.active[appeared].any()
    assert (res.died_week[appeared] >= 0).all()
    admitted = res.admitted_week >= 0
    assert (res.died_week[admitted] >= res.admitted_week[admitted]).all()


def test_where_flags_agree():
    m = ThuisplusModel(load_preset("contract-2021").with_overrides(SMALL), seed=2).run(300)
    res = m.res
    act = res.active
    assert np.array_equal(res.home, act & (res.where == IN_COMPLEX))
    assert np.array_equal(res.community, act & (res.where != IN_NURSING_HOME))
    assert (res.seat[res.home] >= 0).all() and (res.seat[act & ~res.home] == -1).all()
    w = m.weekly().iloc[-1]
    assert w["residents"] == res.home.sum()
    assert w["persons_elsewhere"] == (act & (res.where == ELSEWHERE)).sum()
    assert w["nh_residents"] == (act & (res.where == IN_NURSING_HOME)).sum()


def test_an_all_off_pair_is_zero_for_every_person_and_week():
    p = all_off().with_overrides(SMALL)
    pair = run_pair(p, seed=6)
    wb, wt = pair.baseline.weekly(), pair.thuisplus.weekly()
    num = wb.columns.drop(["date"])
    assert np.array_equal(wb[num].to_numpy(), wt[num].to_numpy())
    for k in ("died_week", "admitted_week", "vitality", "where", "entered_week"):
        assert np.array_equal(getattr(pair.baseline.res, k), getattr(pair.thuisplus.res, k))


def test_default_run_length_is_programme_plus_follow_up():
    p = load_preset("baseline").with_overrides(SMALL)
    assert horizon_weeks(p) == 260 + 52 * 25
    assert len(ThuisplusModel(p, seed=1).run().weekly()) == horizon_weeks(p)


def test_staying_longer_in_the_dwelling_saves_no_lifetime_care():
    """A lever that only keeps residents in their dwelling (no health effect) avoids no
    care over the persons' lifetimes: those who would have moved out live elsewhere with
    the same dynamics, and the applicants who wait longer are followed where they wait.
    Measured: −€17k ± €52k over the persons' lifetimes (40 seeds), where the first five
    years alone show +€10k ± €6k; life-years 0 ± 1.
    """
    diffs = []
    for seed in range(1, 41):
        p = load_preset("baseline").with_overrides({**SMALL, "demography.move_out_rate": 0.15})
        a = ThuisplusModel(p, seed=seed)
        b = ThuisplusModel(p.with_overrides({"demography.move_out_rate": 0.0}), seed=seed)
        a.run(), b.run()
        cost = [m.weekly()[["cost_wmo", "cost_zvw", "cost_wlz"]].to_numpy().sum() for m in (a, b)]
        diffs.append(cost[0] - cost[1])
    d = np.array(diffs)
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert abs(d.mean()) < 3 * se, (d.mean(), se)


def test_person_outcomes_add_up_and_an_all_off_pair_changes_no_life():
    from thuisplus.sim.pair import person_outcomes

    pair = run_pair(load_preset("contract-2021").with_overrides(SMALL), seed=4)
    b, t = pair.baseline.persons(), pair.thuisplus.persons()
    out = person_outcomes(b, t, pair.baseline.week)
    ab, at = b["admitted_week"], t["admitted_week"]
    same = ((ab >= 0) & (ab == at)).sum()
    assert out["admissions_baseline"] == (out["admissions_avoided"] + out["admissions_postponed"]
                                          + out["admissions_advanced"] + same)
    assert 0 < out["exposed_persons"] <= b["appeared"].sum()
    assert out["admissions_avoided"] + out["admissions_postponed"] > 0
    off = run_pair(all_off().with_overrides(SMALL), seed=4)
    zero = person_outcomes(off.baseline.persons(), off.thuisplus.persons(), off.baseline.week)
    assert zero["life_years_gained"] == 0
    assert all(zero[k] == 0 for k in ("admissions_avoided", "admissions_postponed",
                                      "admissions_advanced", "admissions_caused"))


def test_pair_outcomes_report_the_persons():
    from thuisplus.experiments.outcomes import PERSON_OUTCOMES, pair_outcomes

    p = load_preset("contract-2021").with_overrides(SMALL)
    out, yearly = pair_outcomes(p, 4)
    assert set(PERSON_OUTCOMES) <= set(out)
    assert out["avoided_per_resident"] * out["persons_in_complex"] == pytest.approx(
        out["avoided_total"])
    assert len(yearly) > 5 + 25 - 1  # programme and follow-up years
