"""The person ledger: person × year use, cost, weeks and burden; its sums are the weekly
table's, and a person the Thuisplusflat does not touch has the same ledger in both arms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import all_off
from thuisplus.sim import ThuisplusModel
from thuisplus.sim.care import CARE_TYPES, LAWS
from thuisplus.sim.model import run_arms
from thuisplus.sim.pair import person_outcomes, run_pair
from thuisplus.sim.presets import load_preset
from thuisplus.sim.processes.common import LEDGER

SMALL = {"building.dwellings": 60, "building.floors": 4, "simulation.weeks": 260,
         "simulation.follow_up_years": 25}

# ledger field -> the weekly column that sums it over persons
_WEEKLY = {**{c.name: f"use_{c.name}" for c in CARE_TYPES},
           "weeks_complex": "residents", "weeks_elsewhere": "persons_elsewhere",
           "weeks_nursing_home": "nh_residents",
           "weeks_severely_lonely": "severely_lonely_persons",
           "informal_care_hours": "informal_care_hours",
           "carer_overburdened_weeks": "carers_overburdened",
           "carer_sick_leave_hours": "carer_sick_leave_hours",
           **{f"cost_{c.name}": f"cost_{c.name}" for c in CARE_TYPES},
           **{f"cost_{law}": f"cost_{law}" for law in LAWS}}


def _by_year(m: ThuisplusModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    weekly = m.weekly().groupby("year").sum(numeric_only=True)
    ledger = m.ledger().groupby("year").sum(numeric_only=True).reindex(weekly.index,
                                                                       fill_value=0.0)
    return ledger, weekly


@pytest.fixture(scope="module")
def pair():
    return run_pair(load_preset("contract-2021").with_overrides(SMALL), seed=4)


def test_the_ledger_field_list_starts_with_the_care_types():
    assert LEDGER[:len(CARE_TYPES)] == tuple(c.name for c in CARE_TYPES)
    assert set(_WEEKLY) - {k for k in _WEEKLY if k.startswith("cost_")} == set(LEDGER) - {
        "weeks_lonely"}


@pytest.mark.parametrize("arm", ["baseline", "thuisplus"])
def test_summed_over_persons_each_year_is_the_weekly_tables(pair, arm):
    ledger, weekly = _by_year(getattr(pair, arm))
    for field, col in _WEEKLY.items():
        np.testing.assert_allclose(ledger[field], weekly[col], rtol=1e-10, atol=1e-6,
                                   err_msg=field)
    assert weekly["use_nursing_home"].sum() > 0 and weekly["informal_care_hours"].sum() > 0


def test_pair_avoided_is_the_sum_of_the_pair_ledger(pair):
    led = pair.ledger()
    av = pair.avoided
    for c in CARE_TYPES:
        got = led.groupby("year")[[f"{c.name}_avoided", f"cost_{c.name}_avoided"]].sum()
        want = av[av["care_type"] == c.name].set_index("year")[["use_avoided", "cost_avoided"]]
        got = got.reindex(want.index, fill_value=0.0).to_numpy()
        np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-9, atol=1e-6, err_msg=c.name)
    assert led[[f"cost_{law}_avoided" for law in LAWS]].to_numpy().sum() == pytest.approx(
        av["cost_avoided"].sum(), rel=1e-9)
    # the same person-year in both arms, one row each
    assert not led.duplicated(["person", "year"]).any()
    assert led["exposed"].any() and not led["exposed"].all()


def test_a_person_untouched_by_the_thuisplusflat_has_the_same_ledger(pair):
    led = pair.ledger()
    res_b, res_t = pair.baseline.res, pair.thuisplus.res
    never = (res_b.entered_week < 0) & (res_t.entered_week < 0) & (res_b.person >= 0)
    assert never.sum() > 0
    rows = led[never[led["person"].to_numpy()]]
    avoided = rows[[c for c in led.columns if c.endswith("_avoided")]].to_numpy()
    assert len(rows) > 0 and (avoided == 0).all()
    # ... while the exposed persons' ledgers differ: the check can fail
    exposed = led[led["exposed"]]
    assert (exposed[[c for c in led.columns if c.endswith("_avoided")]].to_numpy() != 0).any()


def test_an_all_off_pair_has_an_exactly_zero_ledger():
    off = run_pair(all_off().with_overrides(SMALL), seed=6)
    led = off.ledger()
    avoided = led[[c for c in led.columns if c.endswith("_avoided")]].to_numpy()
    assert len(led) > 0 and (avoided == 0).all()


def test_the_ledger_does_not_depend_on_how_the_run_is_chunked():
    p = load_preset("contract-2021").with_overrides(SMALL)
    whole = ThuisplusModel(p, seed=8).run()
    parts = ThuisplusModel(p, seed=8)
    for n in (1, 51, 1, 100, 300, 7):  # across year ends, and the ledger grows its room
        parts.run(n)
        mid = parts.ledger()
        assert mid.groupby("year")["weeks_complex"].sum().sum() == pytest.approx(
            parts.weekly()["residents"].sum())
    parts.run(whole.week - parts.week)
    a, b = whole.ledger_arrays(), parts.ledger_arrays()
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)


def test_arms_in_lockstep_keep_the_ledgers_of_arms_run_alone():
    p = load_preset("contract-2021").with_overrides(SMALL)
    a, b = run_arms(ThuisplusModel(p.baseline(), seed=3), ThuisplusModel(p, seed=3))
    for m, q in ((a, p.baseline()), (b, p)):
        alone = ThuisplusModel(q, seed=3).run()
        for x, y in zip(m.ledger_arrays(), alone.ledger_arrays(), strict=True):
            assert np.array_equal(x, y)


def test_the_set_up_books_nothing():
    m = ThuisplusModel(load_preset("baseline").with_overrides(SMALL), seed=2)
    assert len(m.ledger_arrays()[0]) == 0
    assert not m._person_year.any()  # the set-up's demand and carers are not booked
    m.run(1)
    led = m.ledger()
    w = m.weekly()
    assert led["household_help"].sum() == pytest.approx(w["use_household_help"].iloc[0])
    assert led["weeks_complex"].sum() == w["residents"].iloc[0]


def test_life_years_split_into_home_and_nursing_home(pair):
    out = person_outcomes(pair.baseline.persons(), pair.thuisplus.persons(),
                          pair.baseline.week)
    assert out["life_years_gained"] == pytest.approx(
        out["life_years_at_home_gained"] - out["nursing_home_years_avoided"], abs=1e-9)
    days = pair.avoided.query("care_type == 'nursing_home'")["use_avoided"].sum()
    assert out["nursing_home_years_avoided"] == pytest.approx(days / 7 / 52)


def test_where_and_lonely_weeks_are_each_persons_own():
    """Weeks in each place and lonely weeks, person by person and year, are what the
    person panel shows (the weekly table has no column for lonely weeks of every person)."""
    p = load_preset("contract-2021").with_overrides(
        {**SMALL, "simulation.follow_up_years": 3})
    m = ThuisplusModel(p, seed=5, panel=True).run()
    pan = m.panel()
    year = m.weekly()["year"].to_numpy()[pan["week"].to_numpy()]
    outside = pan["where"] != 2
    seen = pd.DataFrame({
        "person": pan["row"], "year": year,
        "weeks_complex": (pan["where"] == 0) * 1.0,
        "weeks_elsewhere": (pan["where"] == 1) * 1.0,
        "weeks_nursing_home": (pan["where"] == 2) * 1.0,
        "weeks_lonely": (outside & (pan["loneliness"] >= 3)) * 1.0,
        "weeks_severely_lonely": (outside & (pan["loneliness"] >= 9)) * 1.0,
    }).groupby(["person", "year"]).sum()
    booked = m.ledger().set_index(["person", "year"])[seen.columns]
    both = seen.join(booked.add_suffix("_ledger"), how="outer").fillna(0.0)
    assert both["weeks_lonely"].sum() > 0
    for c in seen.columns:
        np.testing.assert_array_equal(both[c], both[f"{c}_ledger"], err_msg=c)
