"""The business case in constant prices, every cost counted, two nursing-home views (issue #12).

Constant prices: one analysis price year, each input at its own price year converted by the
CBS CPI; no indexation inside the MKBA. Discounting: 'mkba_2020' or 'zorginstituut'.
Informal care at the costing manual's shadow price; a delivery cost for every mechanism;
freed nursing-home places valued under a budget and a capacity view.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import all_off
from thuisplus.cli import app
from thuisplus.sim import Parameters, run_pair
from thuisplus.sim.business_case import (
    _BOOK_ITEMS,
    _NH,
    _TYPES,
    STAKEHOLDERS,
    VIEWS,
    amount,
    delivers,
    discount,
    discount_rates,
    measures,
    measures_of,
    stakeholder_flows,
)
from thuisplus.sim.pair import Pair
from thuisplus.sim.param_base import Group
from thuisplus.sim.params import PRICE_YEARS, ParameterError, iter_fields
from thuisplus.sim.presets import load_preset
from thuisplus.sim.prices import PriceYearError, cpi, cpi_table, cpi_years, price_factor

WEEKS = 156  # three years: 2021 (start), 2022 (transfer), 2023


@functools.cache
def contract_pair(seed: int = 1, **overrides) -> Pair:
    p = load_preset("contract-2021")
    if overrides:
        p = p.with_overrides({k.replace("__", "."): v for k, v in overrides.items()})
    return run_pair(p, seed=seed, weeks=WEEKS)


def with_params(pair: Pair, overrides: dict) -> Pair:
    """The same arms under other money parameters (they do not change a run)."""
    return Pair(pair.params.with_overrides(overrides), pair.seed, pair.baseline,
                pair.thuisplus)


def money_rows(flows: pd.DataFrame) -> pd.DataFrame:
    return flows[flows["unit"] == "€"]


# --- the CPI table -----------------------------------------------------------------------
def test_cpi_table_covers_2015_to_2025_with_its_published_anchors():
    first, last = cpi_years()
    assert first <= 2015 and last >= 2025
    assert sorted(cpi_table()) == list(range(first, last + 1))  # no gaps
    assert cpi(2015) == 100.0 and cpi(2022) == 121.43 and cpi(2025) == 134.56
    # the chained years reproduce CBS's published yearly changes (one decimal)
    for year, change in {2016: 0.3, 2017: 1.4, 2018: 1.7, 2019: 2.6, 2020: 1.3, 2021: 2.7,
                         2022: 10.0, 2023: 3.8, 2024: 3.3, 2025: 3.3}.items():
        assert abs(100 * (cpi(year) / cpi(year - 1) - 1) - change) <= 0.06, year


def test_a_year_without_an_index_is_an_error():
    with pytest.raises(PriceYearError, match="2030 has no consumer price index; allowed"):
        price_factor(2022, 2030)


# --- every euro parameter has a price year -------------------------------------------------
def test_every_euro_parameter_declares_its_price_year():
    euros = {key for key, info in iter_fields()
             if (info.json_schema_extra or {}).get("unit", "").startswith("€")}
    assert euros == set(PRICE_YEARS), euros ^ set(PRICE_YEARS)
    p = Parameters()
    for key, year_key in PRICE_YEARS.items():
        assert p.get(year_key) in cpi_table(), (key, year_key)


@pytest.mark.parametrize("key,value", [
    ("costs.price_year", 2030), ("costs.price_year", 2010), ("costs.unit_cost_year", 1999),
    ("money.salary_year", 2026), ("money.contract_year", 2014),
    ("money.estimate_year", 2031),
])
def test_price_year_without_an_index_is_a_parameter_error(key, value):
    with pytest.raises(ParameterError) as err:
        Parameters().with_overrides({key: value})
    text = str(err.value)
    first, last = cpi_years()
    assert f"{key} = {value}" in text and f">= {first} and <= {last}" in text


@pytest.mark.parametrize("key,value,allowed", [
    ("money.discounting", "mkba", "'mkba_2020', 'zorginstituut'"),
    ("money.nursing_home_view", "cap", "'budget', 'capacity'"),
])
def test_unknown_scheme_or_view_is_a_parameter_error(key, value, allowed):
    with pytest.raises(ParameterError) as err:
        Parameters().with_overrides({key: value})
    assert f"{key} = {value!r}" in str(err.value) and allowed in str(err.value)


@pytest.mark.parametrize("setting,needle", [
    ("money.discounting=hta", "money.discounting = 'hta'"),
    ("money.nursing_home_view=full", "money.nursing_home_view = 'full'"),
    ("costs.price_year=2031", "costs.price_year = 2031"),
])
def test_bad_money_settings_exit_2_from_the_cli(setting, needle):
    for command in (["contract"], ["business-case", "--replications", "1"]):
        r = CliRunner().invoke(app, [*command, "--set", setting])
        assert r.exit_code == 2, r.output
        assert needle in r.output and "allowed" in r.output


# --- constant prices -----------------------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(-0.05, 0.2, allow_nan=False))
def test_npv_and_every_net_are_invariant_to_indexation(rate):
    pair = contract_pair()
    ref = measures_of(stakeholder_flows(pair), pair.params)
    other = with_params(pair, {"money.indexation": rate})
    got = measures_of(stakeholder_flows(other), other.params)
    assert got["npv"] == ref["npv"]
    assert got["stakeholders"] == ref["stakeholders"]


def test_no_year_is_indexed_inside_the_business_case():
    # a yearly amount that does not depend on the run is the same in every full year (the
    # team does: it scales with the share of the collective offer run at the client volume)
    flows = stakeholder_flows(contract_pair())
    for item in ("prevention: signal training", "good employership measures",
                 "contract management"):
        years = flows[(flows["item"] == item) & flows["year"].isin([2022, 2023])]
        assert years["amount"].nunique() == 1, item


@pytest.mark.parametrize("year", [2015, 2019, 2021, 2023, 2025])
def test_price_year_scales_every_amount_by_the_index_ratio(year):
    ref = contract_pair()
    pair = contract_pair(costs__price_year=year)
    ratio = cpi(year) / cpi(2022)
    for view in VIEWS:
        a, b = stakeholder_flows(ref, view), stakeholder_flows(pair, view)
        assert (a[["year", "stakeholder", "item", "kind", "unit"]].equals(
            b[["year", "stakeholder", "item", "kind", "unit"]]))
        euros = (a["unit"] == "€").to_numpy()
        np.testing.assert_allclose(b["amount"][euros], a["amount"][euros] * ratio,
                                   rtol=1e-9, atol=1e-6)
        # non-monetary outcomes do not move
        np.testing.assert_array_equal(b["amount"][~euros], a["amount"][~euros])
        ma, mb = measures_of(a, ref.params), measures_of(b, pair.params)
        for key in ("npv", "pv_costs", "pv_benefits"):
            assert mb[key] == pytest.approx(ma[key] * ratio, rel=1e-9)
        assert mb["benefit_cost_ratio"] == pytest.approx(ma["benefit_cost_ratio"], rel=1e-9)
        for s in STAKEHOLDERS:
            assert mb["stakeholders"][s]["net"] == pytest.approx(
                ma["stakeholders"][s]["net"] * ratio, rel=1e-9, abs=1e-6)
        assert mb["outcomes"] == ma["outcomes"]


def test_weekly_cost_columns_are_constant_prices():
    pair = contract_pair()
    w = pair.thuisplus.weekly()
    used = w[w["use_household_help"] > 0]
    unit = used["cost_household_help"] / used["use_household_help"]
    assert unit.to_numpy() == pytest.approx(32.76)  # at 2022 prices in 2021, 2022 and 2023
    later = contract_pair(costs__price_year=2025).thuisplus.weekly()
    np.testing.assert_allclose(later["cost_wmo"], w["cost_wmo"] * 134.56 / 121.43, rtol=1e-12)


def test_amount_converts_from_each_parameters_own_price_year():
    p = Parameters()
    assert amount(p, "money.plus_per_client_week") == pytest.approx(15 * 121.43 / 110.39)
    assert amount(p, "money.staff_hour_cost") == pytest.approx(42.30 * 121.43 / 126.04)
    assert amount(p, "costs.informal_care_hour") == 18.80
    assert amount(p, "costs.informal_care_hour", 2025) == pytest.approx(18.80 * 134.56 / 121.43)


# --- the stakeholders' nets add up to the societal NPV --------------------------------------
@pytest.mark.parametrize("scheme", ["mkba_2020", "zorginstituut"])
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("seed", [1, 2])
def test_nets_add_up_to_the_npv_in_every_scheme_and_view(scheme, view, seed):
    pair = with_params(contract_pair(seed), {"money.discounting": scheme,
                                             "money.nursing_home_view": view})
    m = measures_of(stakeholder_flows(pair), pair.params)
    total = sum(m["stakeholders"][s]["net"] for s in STAKEHOLDERS)
    assert total == pytest.approx(m["npv"], rel=1e-9, abs=1e-6)
    assert m["discount_rates"] == discount_rates(pair.params)
    # transfers cancel: the start amount and the plus are paid and received alike
    flows = stakeholder_flows(pair)
    out = flows[flows["kind"] == "transfer_out"].groupby("item")["amount"].sum()
    into = flows[flows["kind"] == "transfer_in"].groupby("item")["amount"].sum()
    pd.testing.assert_series_equal(out, into)


# --- an all-off pair -----------------------------------------------------------------------
def test_all_off_pair_has_no_flow_and_does_not_deliver():
    p = all_off()
    assert not delivers(p) and delivers(load_preset("contract-2021"))
    pair = run_pair(p, seed=9, weeks=WEEKS)
    for scheme in ("mkba_2020", "zorginstituut"):
        for view in VIEWS:
            q = with_params(pair, {"money.discounting": scheme, "money.nursing_home_view": view})
            flows = stakeholder_flows(q)
            assert (flows["amount"] == 0).all(), flows[flows["amount"] != 0]
            m = measures_of(flows, q.params)
            assert m["npv"] == 0 and m["pv_costs"] == 0 and m["pv_benefits"] == 0


# --- every cost counted ---------------------------------------------------------------------
def test_informal_care_is_priced_at_the_shadow_price_and_paid_by_carers():
    pair = contract_pair()
    flows = stakeholder_flows(pair)
    rows = flows[flows["item"] == "extra informal care given (shadow price)"]
    assert set(rows["stakeholder"]) == {"informal_carers"} and set(rows["kind"]) == {"cost"}
    b, t = pair.baseline.weekly(), pair.thuisplus.weekly()
    added = (t.groupby("year")["informal_care_hours"].sum()
             - b.groupby("year")["informal_care_hours"].sum())
    np.testing.assert_allclose(rows.set_index("year")["amount"], added * 18.80, rtol=1e-9)


DELIVERY = {
    "prevention": ("prevention: signal training", "prevention: early follow-up of signals"),
    "loneliness": ("loneliness: the provider's outreach",),
    "employership": ("good employership measures",),
    "informal_support": ("Thuisplusflat team: carer support",),
}


@pytest.mark.parametrize("name", list(DELIVERY))
def test_delivery_costs_scale_with_intensity_and_vanish_when_off(name):
    pair = contract_pair()
    full = stakeholder_flows(pair)
    for i in (0.0, 0.5):
        # the same arms (the money does not depend on them here, only on the intensity)
        q = with_params(pair, {f"thuisplus.{name}.intensity": i})
        flows = stakeholder_flows(q)
        for item in DELIVERY[name]:
            got = flows.loc[flows["item"] == item, "amount"].to_numpy()
            want = full.loc[full["item"] == item, "amount"].to_numpy()
            assert (want > 0).all(), item
            np.testing.assert_allclose(got, i * want, rtol=1e-12, err_msg=item)


def test_signal_training_for_a_full_year_by_hand():
    flows = stakeholder_flows(contract_pair())
    row = flows[(flows["item"] == "prevention: signal training") & (flows["year"] == 2022)]
    # 60 staff hours at €42.30 (2023 prices) deflated to 2022 by the CPI; 52 weeks running
    assert row["amount"].item() == pytest.approx(60 * 42.30 * 121.43 / 126.04)
    assert row["stakeholder"].item() == "provider"


def test_every_mechanism_has_a_paying_stakeholder():
    flows = stakeholder_flows(with_params(contract_pair(), {
        "thuisplus.contract.welfare_hours": 4.0, "thuisplus.contract.ehealth": 0.5,
        "thuisplus.contract.open_room": 0.5}))
    payer = flows[flows["kind"] == "cost"].groupby("item")["stakeholder"].first()
    assert payer["contract management"] == "municipality"
    assert payer["client transfer"] == "municipality"
    assert payer["community builder"] == "municipality"
    assert payer["common room in daily use"] == "housing_corporation"
    assert payer["common room open to the neighbourhood"] == "housing_corporation"
    assert payer["e-health"] == "provider"
    assert payer["extra informal care given (shadow price)"] == "informal_carers"
    transfer = flows[flows["item"] == "client transfer"].set_index("year")["amount"]
    moved = contract_pair().thuisplus.weekly().groupby("year")["transfers"].sum()
    np.testing.assert_allclose(transfer, moved.reindex(transfer.index) * 150.0)
    assert transfer.loc[2022] > 0


# --- two views of a freed nursing-home place -------------------------------------------------
def test_capacity_view_values_an_avoided_day_at_the_bridging_care():
    pair = contract_pair()
    a = pair.avoided
    nh = a[a["care_type"] == "nursing_home"].set_index("year")
    budget = stakeholder_flows(pair, "budget").set_index(["year", "item"])["amount"]
    capacity = stakeholder_flows(pair, "capacity").set_index(["year", "item"])["amount"]
    diff = capacity - budget
    wlz = diff.xs("avoided Wlz care", level="item")
    # per avoided day: €145 (bridging care) instead of €290 (the place), both 2022 prices
    np.testing.assert_allclose(wlz, nh["use_avoided"] * (145.0 - 290.0), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(nh["cost_avoided"], nh["use_avoided"] * 290.0, rtol=1e-9,
                               atol=1e-6)
    assert (diff.drop("avoided Wlz care", level="item") == 0).all()  # nothing else moves
    assert _TYPES[_NH].name == "nursing_home"


def test_capacity_value_follows_the_bridging_price_and_price_year():
    pair = contract_pair()
    days = pair.avoided.query("care_type == 'nursing_home'")["use_avoided"].sum()
    q = with_params(pair, {"costs.bridging_care_day": 200.0})
    flows_q = stakeholder_flows(q, "capacity")
    flows_b = stakeholder_flows(pair, "capacity")
    delta = (flows_q[flows_q["item"] == "avoided Wlz care"]["amount"].sum()
             - flows_b[flows_b["item"] == "avoided Wlz care"]["amount"].sum())
    assert delta == pytest.approx(days * 55.0, rel=1e-9, abs=1e-6)
    # the bridging price is at 2022 prices like the unit costs: a price year scales it
    r = with_params(pair, {"costs.unit_cost_year": 2021})
    scaled = stakeholder_flows(r, "capacity")
    wlz = flows_b[flows_b["item"] == "avoided Wlz care"]["amount"].sum()
    assert scaled[scaled["item"] == "avoided Wlz care"]["amount"].sum() != wlz


def test_headline_view_is_the_setting():
    pair = contract_pair()
    for view in VIEWS:
        q = with_params(pair, {"money.nursing_home_view": view})
        pd.testing.assert_frame_equal(stakeholder_flows(q), stakeholder_flows(pair, view))


def test_bad_view_argument_is_a_parameter_error():
    with pytest.raises(ParameterError, match=r"money\.nursing_home_view"):
        stakeholder_flows(contract_pair(), "full")


# --- discounting schemes ---------------------------------------------------------------------
def test_zorginstituut_discount_factors():
    p = Parameters().with_overrides({"money.discounting": "zorginstituut"})
    assert discount_rates(p) == (0.04, 0.015)
    assert discount_rates(Parameters()) == (0.0225, 0.0225)
    flows = pd.DataFrame({
        "year": [2021, 2022, 2023, 2023], "stakeholder": ["provider", "provider",
                                                          "municipality", "residents"],
        "item": ["team", "team", "avoided Wmo care", "lonely"],
        "kind": ["cost", "cost", "benefit", "outcome"],
        "amount": [100.0, 100.0, 1081.6, 10.0], "unit": ["€", "€", "€", "person-years"]})
    d = discount(flows, 0.04, 2021, effect_rate=0.015)
    assert d["factor"].tolist() == pytest.approx([1.0, 1 / 1.04, 1 / 1.04**2, 1 / 1.015**2])
    m = measures_of(flows, p)
    assert m["pv_costs"] == pytest.approx(100 + 100 / 1.04)
    assert m["pv_benefits"] == pytest.approx(1000.0)
    assert m["outcomes"]["lonely"] == pytest.approx(10 / 1.015**2)
    assert m["outcomes_undiscounted"]["lonely"] == 10.0
    m = measures_of(flows, Parameters())
    assert m["outcomes"]["lonely"] == pytest.approx(10 / 1.0225**2)


def test_outcomes_are_discounted_at_the_effect_rate_in_a_pair():
    pair = contract_pair()
    flows = stakeholder_flows(pair)
    z = measures(flows, 0.04, 2021, 0.015)
    rows = flows[flows["kind"] == "outcome"]
    for item, g in rows.groupby("item"):
        want = (g["amount"] / 1.015 ** (g["year"] - 2021)).sum()
        assert z["outcomes"][item] == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_parameter_groups_are_strict():
    assert issubclass(type(Parameters().delivery), Group)
    with pytest.raises(ParameterError, match=r"delivery\.nonsense"):
        Parameters().with_overrides({"delivery.nonsense": 1})


# --- reports show both views ----------------------------------------------------------------
def test_headline_table_names_its_view_and_shows_both():
    from thuisplus.experiments.analysis import headline
    from thuisplus.experiments.outcomes import pair_outcomes

    p = load_preset("contract-2021")
    df = pd.DataFrame([{"scenario": "default", **pair_outcomes(p, s, WEEKS)[0]}
                       for s in (1, 2)])
    head = headline(df, p.money.nursing_home_view).set_index("measure")
    assert head.loc["society: net present value (capacity view)", "outcome"] == "npv"
    for view in VIEWS:
        assert head.loc[f"society: net present value, {view} view", "mean"] == pytest.approx(
            df[f"npv_{view}"].mean())
        assert f"care office: net present value, {view} view" in head.index
    assert head.loc["society: net present value (capacity view)", "mean"] == pytest.approx(
        df["npv_capacity"].mean())
    assert "informal carers: net present value" in head.index


def test_business_case_report_shows_both_views(tmp_path):
    r = CliRunner().invoke(app, ["business-case", "--replications", "2", "--out",
                                 str(tmp_path), "--set", "money.nursing_home_view=\"budget\""])
    assert r.exit_code == 0, r.output
    assert "Headline: the budget view" in " ".join(r.output.split())
    text = (tmp_path / "business_case.md").read_text()
    assert "## Freed nursing-home places: two views" in text
    assert "| budget (headline) |" in text and "| capacity |" in text
    assert "constant 2022 prices" in text
    st = pd.read_csv(tmp_path / "stakeholders.csv")
    assert "informal_carers" in set(st["stakeholder"])


# --- each provider keeps its own books ----------------------------------------------------
def test_each_provider_books_its_own_staff_and_the_two_add_up_to_the_complex():
    from thuisplus.sim.business_case import PROVIDERS

    pair = contract_pair(1)
    flows = money_rows(stakeholder_flows(pair))
    assert "other_providers" in set(flows["stakeholder"])
    assert not (flows["item"] == "travel time saved").any()  # travel sits in staff hours
    p = pair.params
    hh, dn = amount(p, "money.hh_hour_cost"), amount(p, "money.staff_hour_cost")
    for year in (2021, 2022, 2023):
        b = pair.baseline.weekly().query("year == @year")
        t = pair.thuisplus.weekly().query("year == @year")

        def staff(w):
            return (w["staff_hours_hh"].sum() * hh
                    + (w["staff_hours"] - w["staff_hours_hh"]).sum() * dn)

        rows = flows[(flows["year"] == year)
                     & (flows["item"] == "staff hours saved (travel included)")]
        assert set(rows["stakeholder"]) == set(PROVIDERS)
        # the preferred provider's and the others' savings add up to the whole complex's
        assert rows["amount"].sum() == pytest.approx(staff(b) - staff(t), rel=1e-9, abs=1e-6)
        pref = rows.set_index("stakeholder").loc["provider", "amount"]
        want = ((b["staff_hours_pref_hh"].sum() - t["staff_hours_pref_hh"].sum()) * hh
                + (b["staff_hours_pref_dn"].sum() - t["staff_hours_pref_dn"].sum()) * dn)
        assert pref == pytest.approx(want, rel=1e-9, abs=1e-6)
        # revenue moves with the hours each delivers in the complex, at the tariff
        rev = flows[(flows["year"] == year) & (flows["item"] == "care revenue in the complex")]
        tariff = amount(p, "costs.household_help")
        d_hh = (t["hh_hours_complex"].sum() - b["hh_hours_complex"].sum()) * tariff
        d_rest = ((t["beg_hours_complex"].sum() - b["beg_hours_complex"].sum())
                  * amount(p, "costs.begeleiding")
                  + (t["dn_hours_complex"].sum() - b["dn_hours_complex"].sum())
                  * amount(p, "costs.district_nursing"))
        assert rev["amount"].sum() == pytest.approx(d_hh + d_rest, rel=1e-9, abs=1e-6)


def test_the_preferred_providers_contract_loses_money_at_its_client_volume():
    """The evaluation: providers lose money on the contract at ~40 clients. The contract's
    own items (plus and start amount in; team and delivery out) are a loss here too; what
    the provider gains comes from the care margin on the clients transferred to it."""
    pair = contract_pair(1)
    flows = money_rows(stakeholder_flows(pair))
    mine = flows[flows["stakeholder"] == "provider"]
    sign = mine["kind"].map({"benefit": 1.0, "transfer_in": 1.0, "cost": -1.0})
    books = mine["item"].isin([item for item, _ in _BOOK_ITEMS])
    contract = float((mine["amount"] * sign)[~books].sum())
    assert contract < 0
    clients = pair.thuisplus.weekly()["wmo_clients_preferred"]
    assert 25 <= clients.iloc[52:].mean() <= 70
