"""The numpy post-processing of a pair gives exactly what the pandas code it replaced gave.

``_reference_*`` below are the pandas implementations of ``thuisplus.sim.pair.avoided_table``,
``avoided_per_law``, ``thuisplus.sim.business_case.stakeholder_flows``, ``measures`` and the
post-processing of ``thuisplus.experiments.outcomes.pair_outcomes`` as they were before the numpy
rewrite, copied unchanged (only the pair's parts passed in explicitly), then changed as
the business case changed (constant prices, delivery costs, informal care, the two
nursing-home views, discounting of outcomes at the effect rate: issue #12). Every test
compares old and new on the same weekly tables, bit for bit: model runs of several
presets, seeds and horizons, and synthetic tables whose values span many orders of
magnitude (so that any change of summation order shows), shuffled or with NaNs.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from thuisplus.experiments.outcomes import PERSON_OUTCOMES, _outcomes, pair_outcomes
from thuisplus.sim.business_case import (
    _BOOK_ITEMS,
    _SAVINGS,
    PROVIDERS,
    STAKEHOLDERS,
    VIEWS,
    _intensities,
    _role_intensity,
    _Wages,
    _weekly,
    amount,
    delivers,
    discount_rates,
    measures,
    offer_share,
    provider_books,
    stakeholder_flows,
    team_roles,
)
from thuisplus.sim.care import CARE_TYPES
from thuisplus.sim.pair import Pair, avoided_per_law, avoided_table, person_outcomes, run_pair
from thuisplus.sim.params import Parameters
from thuisplus.sim.presets import load_preset
from thuisplus.sim.summary import wmo_cost_in_complex

LAWS = ("wmo", "zvw", "wlz")
LAW_STAKEHOLDER = {"wmo": "municipality", "zvw": "health_insurer", "wlz": "care_office"}
_OUTCOME_ITEMS = {
    "severely lonely person-years avoided": "lonely_years_avoided",
    "overburdened carer-years avoided": "overburdened_carer_years_avoided",
}


# --- the pandas implementations before the numpy rewrite ---------------------------------
def _reference_avoided_table(baseline: pd.DataFrame, thuisplus: pd.DataFrame) -> pd.DataFrame:
    rows = []
    b = baseline.groupby("year")
    t = thuisplus.groupby("year")
    for c in CARE_TYPES:
        ub, ut = b[f"use_{c.name}"].sum(), t[f"use_{c.name}"].sum()
        cb, ct = b[f"cost_{c.name}"].sum(), t[f"cost_{c.name}"].sum()
        for year in ub.index:
            rows.append({
                "year": int(year), "law": c.law, "care_type": c.name, "unit": c.unit,
                "use_baseline": ub[year], "use_thuisplus": ut[year],
                "use_avoided": ub[year] - ut[year],
                "cost_baseline": cb[year], "cost_thuisplus": ct[year],
                "cost_avoided": cb[year] - ct[year],
            })
    out = pd.DataFrame(rows)
    return out.sort_values(["year", "law", "care_type"], kind="stable").reset_index(drop=True)


def _reference_avoided_per_law(avoided: pd.DataFrame) -> pd.DataFrame:
    wide = avoided.pivot_table(index="year", columns="law", values="cost_avoided",
                               aggfunc="sum").reindex(columns=["wmo", "zvw", "wlz"])
    wide["total"] = wide.sum(axis=1)
    return wide


def _reference_stakeholder_flows(params: Parameters, bw: pd.DataFrame, tw: pd.DataFrame,
                                 view: str | None = None) -> pd.DataFrame:
    p = params
    m, c, d = p.money, p.thuisplus.contract, p.delivery
    view = view or m.nursing_home_view
    end = pd.Timestamp(p.simulation.start_date) + pd.Timedelta(weeks=p.simulation.weeks)
    running = ((tw["date"] >= pd.Timestamp(c.start_date)) & (tw["date"] < end)).to_numpy() \
        & p.thuisplus.enabled
    tw = tw.assign(running=running)
    rows: list[dict] = []

    def add(year, stakeholder, item, kind, amount, unit="€"):
        rows.append({"year": int(year), "stakeholder": stakeholder, "item": item,
                     "kind": kind, "amount": float(amount), "unit": unit})

    table = _reference_avoided_table(bw, tw)
    avoided = table.groupby(["year", "law"])["cost_avoided"].sum()
    nh = table[table["care_type"] == "nursing_home"].set_index("year")
    bridging = amount(p, "costs.bridging_care_day")
    for (year, law), value in avoided.items():
        if view == "capacity" and law == "wlz":
            value = value + (nh.loc[year, "use_avoided"] * bridging
                             - nh.loc[year, "cost_avoided"])
        add(year, LAW_STAKEHOLDER[law], f"avoided {law.capitalize()} care", "benefit", value)

    on = 1.0 if delivers(p) else 0.0
    intensity = _intensities(p)
    role_on = _role_intensity(p)
    hour = amount(p, "money.staff_hour_cost")
    for year, wk in tw.groupby("year"):
        bwk = bw[bw["year"] == year]
        run = wk["running"].to_numpy()
        weeks_running = int(run.sum())
        if year == c.start_date.year and p.thuisplus.enabled:
            add(year, "municipality", "start amount", "transfer_out",
                amount(p, "money.start_amount") * on)
            add(year, "provider", "start amount", "transfer_in",
                amount(p, "money.start_amount") * on)
        wages = _Wages(amount(p, "money.hh_hour_cost"), amount(p, "money.staff_hour_cost"),
                       m.pnil_premium, amount(p, "money.replacement_cost"),
                       amount(p, "costs.household_help"), amount(p, "costs.begeleiding"),
                       amount(p, "costs.district_nursing"))
        sums_b = np.array([bwk[k].sum() for k in _SAVINGS] + [0.0])
        sums_t = np.array([wk[k].sum() for k in _SAVINGS] + [0.0])
        books_b, books_t = provider_books(sums_b, wages), provider_books(sums_t, wages)
        for who in PROVIDERS:
            for item, sign in _BOOK_ITEMS:
                add(year, who, item, "benefit", sign * (books_t[who][item] - books_b[who][item]))
        add(year, "carers_employers", "carers' sick leave avoided", "benefit",
            (bwk["carer_sick_leave_hours"].sum() - wk["carer_sick_leave_hours"].sum())
            * amount(p, "money.productivity_cost_per_hour"))
        add(year, "informal_carers", "extra informal care given (shadow price)", "cost",
            -(bwk["informal_care_hours"].sum() - wk["informal_care_hours"].sum())
            * amount(p, "costs.informal_care_hour"))
        add(year, "informal_carers", "overburdened carer-years avoided", "outcome",
            (bwk["carers_overburdened"].sum() - wk["carers_overburdened"].sum()) / 52.0,
            "person-years")
        add(year, "residents", "severely lonely person-years avoided", "outcome",
            (bwk["severely_lonely_persons"].sum() - wk["severely_lonely_persons"].sum()) / 52.0,
            "person-years")
        if weeks_running == 0:
            continue
        part = weeks_running / m.weeks_per_year
        clients = wk["wmo_clients_preferred"].to_numpy()[run]
        plus_week = amount(p, "money.plus_per_client_week")
        if c.funding == "lump_sum":
            plus = c.target_clients * plus_week * weeks_running * on
        else:
            plus = float(clients.sum()) * plus_week * on
        add(year, "municipality", "plus", "transfer_out", plus)
        add(year, "provider", "plus", "transfer_in", plus)
        add(year, "municipality", "contract management", "cost",
            amount(p, "delivery.contract_management_per_year") * part * on)
        share = np.mean([offer_share(x, c) for x in clients])
        for role, cost in team_roles(p).items():
            add(year, "provider", f"Thuisplusflat team: {role}", "cost",
                cost * role_on[role] * share * part)
        add(year, "provider", "prevention: signal training", "cost",
            intensity["prevention"] * d.signal_training_hours * hour * part)
        add(year, "provider", "prevention: early follow-up of signals", "cost",
            intensity["prevention"] * d.signal_followup_hours_per_client
            * float(clients.mean()) * hour * part)
        add(year, "provider", "loneliness: the provider's outreach", "cost",
            intensity["loneliness"] * d.outreach_hours_per_week * weeks_running * hour)
        add(year, "provider", "good employership measures", "cost",
            intensity["employership"] * amount(p, "delivery.employership_per_year") * part)
        if c.welfare_hours:
            add(year, "municipality", "community builder", "cost",
                c.welfare_hours * weeks_running * amount(p, "money.welfare_hour_cost"))
        if c.ehealth:
            add(year, "provider", "e-health", "cost",
                c.ehealth * amount(p, "money.ehealth_cost_per_client_year")
                * float(clients.mean()) * part)
        add(year, "housing_corporation", "common room in daily use", "cost",
            amount(p, "money.common_room_cost_per_year") * role_on["activities"] * part)
        if c.open_room:
            add(year, "housing_corporation", "common room open to the neighbourhood", "cost",
                c.open_room * amount(p, "delivery.open_room_per_year") * part)
        add(year, "municipality", "client transfer", "cost",
            wk["transfers"].sum() * amount(p, "delivery.transfer_cost_per_client"))
    return pd.DataFrame(rows)


def _reference_measures(flows: pd.DataFrame, rate: float, first_year: int,
                        effect_rate: float | None = None) -> dict[str, object]:
    effect_rate = rate if effect_rate is None else effect_rate
    money = flows[flows["unit"] == "€"]
    year = money["year"].to_numpy()
    kind = money["kind"].to_numpy()
    who = money["stakeholder"].to_numpy()
    pv = money["amount"].to_numpy(dtype=float) / (1.0 + rate) ** (year - first_year)
    sign = np.select([kind == "benefit", kind == "transfer_in", kind == "cost",
                      kind == "transfer_out"], [1.0, 1.0, -1.0, -1.0], 0.0)
    signed = pv * sign
    per = {s: {"pays": 0.0, "gains": 0.0, "net": 0.0} for s in STAKEHOLDERS}
    gain = (kind == "benefit") | (kind == "transfer_in")  # booked by kind, not by sign
    pay = (kind == "cost") | (kind == "transfer_out")
    for s in np.unique(who):
        v = signed[who == s]
        per[s] = {"pays": float(pv[(who == s) & pay].sum()),
                  "gains": float(pv[(who == s) & gain].sum()), "net": float(v.sum())}
    pv_benefits = float(pv[kind == "benefit"].sum())
    pv_costs = float(pv[kind == "cost"].sum())
    real = (kind == "benefit") | (kind == "cost")
    yearly = pd.Series(signed[real]).groupby(year[real]).sum().sort_index()
    cumulative = yearly.cumsum()
    # the years from which the cumulative net stays >= 0 (a NaN year does not)
    stays = (cumulative >= 0).astype(int)[::-1].cummin()[::-1].astype(bool)
    payback = int(stays.index[stays.to_numpy()][0]) if stays.any() else None
    out = flows[flows["kind"] == "outcome"]
    out = out.assign(pv=out["amount"].to_numpy(dtype=float)
                     / (1.0 + effect_rate) ** (out["year"].to_numpy() - first_year))
    outcomes = out.groupby("item")["pv"].sum()
    plain = out.groupby("item")["amount"].sum()
    return {
        "npv": pv_benefits - pv_costs,
        "pv_benefits": pv_benefits,
        "pv_costs": pv_costs,
        "benefit_cost_ratio": pv_benefits / pv_costs if pv_costs > 0 else float("nan"),
        "payback_year": payback,
        "stakeholders": per,
        "cumulative_net": {int(k): float(v) for k, v in cumulative.items()},
        "outcomes": {k: float(v) for k, v in outcomes.items()},
        "outcomes_undiscounted": {k: float(v) for k, v in plain.items()},
        "discount_rates": (float(rate), float(effect_rate)),
    }


def _reference_outcomes(params: Parameters, bw: pd.DataFrame, tw: pd.DataFrame,
                        persons: tuple | None = None) -> tuple[dict[str, float], pd.DataFrame]:
    """``pair_outcomes`` after its two model runs (``persons``: both arms' summaries)."""
    first_year = params.simulation.start_date.year
    rate, effect_rate = discount_rates(params)
    by_view = {view: _reference_measures(_reference_stakeholder_flows(params, bw, tw, view),
                                         rate, first_year, effect_rate) for view in VIEWS}
    m = by_view[params.money.nursing_home_view]
    avoided = _reference_avoided_table(bw, tw)
    per_law = avoided.groupby("law")["cost_avoided"].sum()
    years = min(len(tw), params.simulation.weeks) / 52.0
    out: dict[str, float] = {}
    for law in LAWS:
        out[f"avoided_{law}"] = float(per_law.get(law, 0.0))
        out[f"avoided_{law}_per_year"] = out[f"avoided_{law}"] / years
    out["avoided_total"] = sum(out[f"avoided_{law}"] for law in LAWS)
    out["avoided_total_per_year"] = out["avoided_total"] / years
    if persons is not None:
        out.update(person_outcomes(*persons, len(tw)))
        out["avoided_per_resident"] = out["avoided_total"] / out["persons_in_complex"]
        out["avoided_per_exposed_person"] = out["avoided_total"] / out["exposed_persons"]
        n = min(params.simulation.weeks, len(tw))
        out["resident_years"] = float(tw["residents"].iloc[:n].sum()) / 52.0
        out["avoided_per_resident_year"] = out["avoided_total"] / out["resident_years"]
        # the ledger's outcomes, here from the weekly tables (the ledger sums to them)
        home = ["residents", "persons_elsewhere"]
        out["life_years_at_home_gained"] = float(
            tw[home].to_numpy().sum() - bw[home].to_numpy().sum()) / 52.0
        out["nursing_home_years_avoided"] = float(
            bw["nh_residents"].sum() - tw["nh_residents"].sum()) / 52.0
    else:
        out.update({k: np.nan for k in PERSON_OUTCOMES})
    for key in ("npv", "pv_costs", "pv_benefits", "benefit_cost_ratio"):
        out[key] = float(m[key])
    out["payback_year"] = float(m["payback_year"]) if m["payback_year"] is not None else np.nan
    for s in STAKEHOLDERS:
        for what in ("net", "pays", "gains"):
            out[f"{what}_{s}"] = float(m["stakeholders"][s][what])
    for view, mv in by_view.items():
        out[f"npv_{view}"] = float(mv["npv"])
        out[f"benefit_cost_ratio_{view}"] = float(mv["benefit_cost_ratio"])
        out[f"net_care_office_{view}"] = float(mv["stakeholders"]["care_office"]["net"])
    nh = avoided[avoided["care_type"] == "nursing_home"]
    out["nursing_home_days_avoided"] = float(nh["use_avoided"].sum())
    out["informal_care_hours_added"] = float(tw["informal_care_hours"].sum()
                                             - bw["informal_care_hours"].sum())
    for item, col in _OUTCOME_ITEMS.items():
        out[col] = float(m["outcomes"].get(item, 0.0))
    start = pd.Timestamp(params.thuisplus.contract.start_date)
    n = min(params.simulation.weeks, len(tw), len(bw))
    full_tw, full_bw = tw, bw
    tw, bw = tw.iloc[:n], bw.iloc[:n]  # the complex's figures: the programme's
    running = (tw["date"] >= start).to_numpy() & params.thuisplus.enabled
    clients = tw["wmo_clients_preferred"].to_numpy(dtype=float)
    in_2023 = np.flatnonzero(tw["date"].to_numpy() >= np.datetime64("2023-01-01"))
    out["clients_2023"] = float(clients[in_2023[0]]) if len(in_2023) else np.nan
    out["clients_mean"] = float(clients[running].mean()) if running.any() else 0.0
    out["clients_end"] = float(clients[-1])
    out["residents_mean"] = float(tw["residents"].mean())
    out["severely_lonely_baseline"] = float(bw["severely_lonely_share"].mean())
    out["severely_lonely_thuisplus"] = float(tw["severely_lonely_share"].mean())
    out["overburdened_baseline"] = float(bw["carers_overburdened"].mean())
    out["overburdened_thuisplus"] = float(tw["carers_overburdened"].mean())
    out["unmet_hours_baseline"] = float(bw["unmet_care_hours"].mean())
    out["unmet_hours_thuisplus"] = float(tw["unmet_care_hours"].mean())

    yearly = _reference_yearly(full_bw, full_tw, avoided, m["cumulative_net"])
    return out, yearly


def _reference_yearly(bw: pd.DataFrame, tw: pd.DataFrame, avoided: pd.DataFrame,
                      cumulative_net: dict[int, float]) -> pd.DataFrame:
    cost = avoided.groupby(["year", "law"])[["cost_baseline", "cost_thuisplus",
                                             "cost_avoided"]].sum()
    years = np.unique(avoided["year"].to_numpy()).astype(int)
    df = pd.DataFrame({"year": years})
    for law in LAWS:
        sub = cost.xs(law, level="law").reindex(years)
        df[f"avoided_{law}"] = sub["cost_avoided"].to_numpy()
        df[f"cost_{law}_baseline"] = sub["cost_baseline"].to_numpy()
        df[f"cost_{law}_thuisplus"] = sub["cost_thuisplus"].to_numpy()
    df["avoided_total"] = df[[f"avoided_{law}" for law in LAWS]].sum(axis=1)
    gb, gt = bw.groupby("year"), tw.groupby("year")
    df["clients_preferred"] = gt["wmo_clients_preferred"].mean().reindex(years).to_numpy()
    for name, g in (("baseline", gb), ("thuisplus", gt)):
        df[f"severely_lonely_{name}"] = g["severely_lonely_share"].mean().reindex(years).to_numpy()
        df[f"overburdened_{name}"] = g["carers_overburdened"].mean().reindex(years).to_numpy()
        df[f"residents_{name}"] = g["residents"].mean().reindex(years).to_numpy()
    df["cumulative_net"] = [cumulative_net.get(int(y), np.nan) for y in years]
    return df


# --- bit-for-bit comparison ------------------------------------------------------------
def _same_bits(a, b, where: str) -> None:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, where
    nan = np.isnan(a)
    assert (nan == np.isnan(b)).all(), where
    bad = a[~nan].view(np.int64) != b[~nan].view(np.int64)
    assert not bad.any(), f"{where}: {a[~nan][bad][:3]} != {b[~nan][bad][:3]}"


def _same_frame(new: pd.DataFrame, ref: pd.DataFrame, where: str) -> None:
    pd.testing.assert_frame_equal(new, ref, check_exact=True, obj=where)
    for col in ref.columns:
        if ref[col].dtype.kind == "f":
            _same_bits(new[col].to_numpy(), ref[col].to_numpy(), f"{where}[{col}]")


def _same_value(new, ref, where: str) -> None:
    if isinstance(ref, dict):
        assert isinstance(new, dict) and list(new) == list(ref), where
        for k in ref:
            _same_value(new[k], ref[k], f"{where}[{k!r}]")
    elif isinstance(ref, float):
        assert isinstance(new, float), (where, type(new))
        _same_bits(new, ref, where)
    else:
        assert type(new) is type(ref) and new == ref, (where, new, ref)


# --- model runs ------------------------------------------------------------------------
CASES = {
    "default-1": (Parameters(), 1, 520),
    "default-2": (Parameters(), 2, 520),
    "lump-sum": (load_preset("lump-sum"), 3, 520),
    "broad-transfer": (load_preset("broad-transfer"), 4, 520),
    "short": (Parameters(), 5, 60),
    # (pair_outcomes' cached baseline has the default contract, from 2021-01-04: the run
    # cannot start after that)
    "mid-year": (Parameters().with_overrides({
        "simulation.start_date": "2020-07-06", "thuisplus.contract.start_date": "2022-03-07",
        "thuisplus.contract.transfer_start": "2022-03-07",
        "thuisplus.contract.welfare_hours": 4.0, "thuisplus.contract.ehealth": 0.5}), 6, 156),
    "off": (Parameters().with_overrides({"thuisplus.enabled": False}), 7, 104),
    "zorginstituut-budget-2025": (Parameters().with_overrides({
        "money.discounting": "zorginstituut", "money.nursing_home_view": "budget",
        "costs.price_year": 2025, "thuisplus.contract.open_room": 0.5,
        "thuisplus.prevention.intensity": 0.5}), 8, 156),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    params, seed, weeks = CASES[request.param]
    pair = run_pair(params, seed=seed, weeks=weeks)
    return request.param, params, seed, weeks, pair


def test_avoided_tables_of_runs(case):
    name, _, _, _, pair = case
    bw, tw = pair.baseline.weekly(), pair.thuisplus.weekly()
    ref = _reference_avoided_table(bw, tw)
    _same_frame(avoided_table(bw, tw), ref, f"{name} avoided_table")
    _same_frame(pair.avoided, ref, f"{name} Pair.avoided")
    _same_frame(avoided_per_law(ref), _reference_avoided_per_law(ref), f"{name} per law")


def test_flows_and_measures_of_runs(case):
    name, params, _, _, pair = case
    bw, tw = pair.baseline.weekly(), pair.thuisplus.weekly()
    ref = _reference_stakeholder_flows(params, bw, tw)
    flows = stakeholder_flows(pair)
    _same_frame(flows, ref, f"{name} flows")
    first = params.simulation.start_date.year
    for rate, effect in ((params.money.discount_rate, None), (0.0, None), (0.04, 0.015)):
        _same_value(measures(flows, rate, first, effect),
                    _reference_measures(ref, rate, first, effect), f"{name} measures")
    other = "budget" if params.money.nursing_home_view == "capacity" else "capacity"
    _same_frame(stakeholder_flows(pair, other),
                _reference_stakeholder_flows(params, bw, tw, other), f"{name} flows {other}")


def test_pair_outcomes_of_runs(case):
    name, params, seed, weeks, pair = case
    ref_out, ref_yearly = _reference_outcomes(params, pair.baseline.weekly(),
                                              pair.thuisplus.weekly(),
                                              (pair.baseline.persons(), pair.thuisplus.persons()))
    out, yearly = pair_outcomes(params, seed, weeks)
    _same_value(out, ref_out, f"{name} outcomes")
    _same_frame(yearly, ref_yearly, f"{name} yearly")
    # the same from the models' arrays without the cache
    out, yearly = _outcomes(params, _weekly(pair.baseline), _weekly(pair.thuisplus))
    _same_value(out, ref_out, f"{name} outcomes (models)")
    _same_frame(yearly, ref_yearly, f"{name} yearly (models)")


def _reference_summary_yearly(weekly: pd.DataFrame) -> pd.DataFrame:
    """thuisplus.sim.summary.yearly as it was (pandas groupby)."""
    from thuisplus.sim.summary import _MEANS, _SUMS

    g = weekly.groupby("year")
    out = g[_SUMS].sum().join(g[_MEANS].mean())
    out["weeks"] = g.size()
    resident_years = g["residents"].sum() / 52.0
    out["mortality_per_100_per_year"] = 100 * out["deaths"] / resident_years
    out["nh_admissions_per_100_per_year"] = 100 * out["admissions"] / resident_years
    client_weeks = g["wmo_clients"].sum()
    wmo_complex = pd.Series(wmo_cost_in_complex(weekly), index=weekly.index).groupby(
        weekly["year"]).sum()
    out["wmo_cost_per_client_week"] = wmo_complex / client_weeks.where(client_weeks > 0)
    out["wmo_share"] = out["wmo_clients"] / out["residents"]
    out["carers_overburdened_share"] = out["carers_overburdened"] / out["carers_active"].where(
        out["carers_active"] > 0)
    payroll = out["staff"] - out["staff_pnil"]
    out["staff_outflow_per_year"] = ((out["staff_turnover"] - out["staff_turnover_pnil"])
                                     / payroll.where(payroll > 0))
    out["staff_outflow_per_year"] *= 52.0 / out["weeks"]
    return out


def test_yearly_summary_and_per_law_table_from_arrays(case):
    """thuisplus.sim.summary.yearly (table or model) and avoided_per_law_of, against pandas."""
    from thuisplus.sim.business_case import avoided_per_law_of
    from thuisplus.sim.summary import yearly

    name, _, _, _, pair = case
    for model in (pair.baseline, pair.thuisplus):
        ref = _reference_summary_yearly(model.weekly())
        pd.testing.assert_frame_equal(yearly(model.weekly()), ref, check_exact=True)
        pd.testing.assert_frame_equal(yearly(model), ref, check_exact=True)
    _same_frame(avoided_per_law_of(pair), _reference_avoided_per_law(
        _reference_avoided_table(pair.baseline.weekly(), pair.thuisplus.weekly())),
        f"{name} per law from arrays")


def test_model_arrays_are_the_weekly_table(case):
    name, _, _, _, pair = case
    for model in (pair.baseline, pair.thuisplus):
        df, w = model.weekly(), _weekly(model)
        assert (w.year == df["year"].to_numpy()).all(), name
        assert (w.date == df["date"].to_numpy()).all(), name
        for col, j in w.index.items():
            _same_bits(w.values[:, j], df[col].to_numpy(), f"{name} {col}")


# --- synthetic tables ----------------------------------------------------------------
def _synthetic(rng: np.random.Generator, start: dt.date, weeks: int) -> pd.DataFrame:
    """A weekly table with the columns the post-processing reads, values over many scales."""
    dates = pd.date_range(pd.Timestamp(start), periods=weeks, freq="7D")
    df = pd.DataFrame({"date": dates, "week": np.arange(weeks), "year": dates.year})

    def wide():
        return rng.standard_normal(weeks) * 10.0 ** rng.uniform(-6, 7, weeks)

    for c in CARE_TYPES:
        df[f"use_{c.name}"] = np.abs(wide())
        df[f"cost_{c.name}"] = wide()
    for col in ("travel_hours", "pnil_hours", "carer_sick_leave_hours", "unmet_care_hours",
                "informal_care_hours"):
        df[col] = wide()
    df["transfers"] = rng.integers(0, 3, weeks).astype(float)
    df["wmo_clients_preferred"] = rng.integers(0, 140, weeks).astype(float)
    df["residents"] = rng.integers(40, 160, weeks).astype(float)
    df["staff_turnover"] = rng.integers(0, 4, weeks).astype(float)
    df["carers_overburdened"] = rng.integers(0, 30, weeks) + rng.random(weeks)
    df["severely_lonely_share"] = rng.random(weeks) * 10.0 ** rng.uniform(-8, 0, weeks)
    df["severely_lonely_persons"] = rng.integers(0, 40, weeks).astype(float)
    for col in _SAVINGS:  # the providers' books
        if col not in df:
            df[col] = (rng.integers(0, 3, weeks).astype(float) if "turnover" in col
                       else np.abs(wide()))
    return df


class _Table:
    def __init__(self, df: pd.DataFrame):
        self.df = df

    def weekly(self) -> pd.DataFrame:
        return self.df


SYNTHETIC = {
    "per-client": ({}, dt.date(2021, 1, 4), 520, False, False),
    "lump-sum-mid-year": ({"thuisplus.contract.funding": "lump_sum",
                           "simulation.start_date": "2021-07-05",
                           "thuisplus.contract.start_date": "2022-03-07",
                           "thuisplus.contract.transfer_start": "2022-03-07",
                           "thuisplus.contract.welfare_hours": 3.0,
                           "thuisplus.contract.ehealth": 1.0}, dt.date(2021, 7, 5), 300,
                          False, False),
    "one-year": ({}, dt.date(2021, 1, 4), 40, False, False),
    "shuffled": ({"thuisplus.contract.ehealth": 0.3}, dt.date(2021, 1, 4), 260, True, False),
    "nan": ({}, dt.date(2021, 1, 4), 260, False, True),
    "shuffled-nan": ({}, dt.date(2021, 1, 4), 260, True, True),
}


@pytest.mark.parametrize("name", list(SYNTHETIC))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_synthetic_tables(name, seed):
    overrides, start, weeks, shuffle, nan = SYNTHETIC[name]
    params = Parameters().with_overrides(overrides)
    rng = np.random.default_rng(seed)
    bw, tw = _synthetic(rng, start, weeks), _synthetic(rng, start, weeks)
    if nan:
        for df in (bw, tw):
            for col in ("use_gp", "cost_gp", "cost_hospital", "travel_hours",
                        "severely_lonely_persons", "carers_overburdened"):
                df.loc[rng.random(weeks) < 0.05, col] = np.nan
    if shuffle:
        bw = bw.iloc[rng.permutation(weeks)].reset_index(drop=True)
        tw = tw.iloc[rng.permutation(weeks)].reset_index(drop=True)
    ref = _reference_avoided_table(bw, tw)
    _same_frame(avoided_table(bw, tw), ref, f"{name} avoided_table")
    _same_frame(avoided_per_law(ref), _reference_avoided_per_law(ref), f"{name} per law")
    shuffled_ref = ref.iloc[rng.permutation(len(ref))]
    _same_frame(avoided_per_law(shuffled_ref), _reference_avoided_per_law(shuffled_ref),
                f"{name} per law, shuffled rows")
    ref_flows = _reference_stakeholder_flows(params, bw, tw)
    flows = stakeholder_flows(Pair(params, seed, _Table(bw), _Table(tw)))
    _same_frame(flows, ref_flows, f"{name} flows")
    first = params.simulation.start_date.year
    _same_value(measures(flows, 0.03, first), _reference_measures(ref_flows, 0.03, first),
                f"{name} measures")
    ref_out, ref_yearly = _reference_outcomes(params, bw, tw)
    out, yearly = _outcomes(params, _weekly(bw), _weekly(tw))
    _same_value(out, ref_out, f"{name} outcomes")
    _same_frame(yearly, ref_yearly, f"{name} yearly")


@pytest.mark.parametrize("seed", range(5))
def test_measures_of_random_flows(seed):
    rng = np.random.default_rng(seed)
    n = 200
    kinds = np.array(["benefit", "cost", "transfer_in", "transfer_out", "outcome"])
    flows = pd.DataFrame({
        "year": rng.integers(2021, 2031, n),
        "stakeholder": rng.choice([*STAKEHOLDERS, "residents", "someone else"], n),
        "item": rng.choice(["a", "b", "c"], n),
        "kind": rng.choice(kinds, n),
        "amount": rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 7, n),
        "unit": rng.choice(["€", "€", "€", "person-years"], n),
    })
    if seed == 4:
        flows = flows.sort_values("year", kind="stable")  # sorted years: the reduceat path
    for rate in (0.0225, 0.0):
        _same_value(measures(flows, rate, 2021), _reference_measures(flows, rate, 2021),
                    f"seed {seed}")


def test_inf_and_empty_groups_like_pandas():
    # Kahan with an infinite value (pandas resets the compensation) and NaN-only groups
    from thuisplus.sim.business_case import _group_sum, _Groups

    x = np.array([1.0, np.inf, 1.0, 5.0, np.nan, np.nan, 2.0])
    codes = np.array([1, 1, 0, 1, 2, 2, 0])
    ref = pd.Series(x).groupby(codes)
    _same_bits(_group_sum(_Groups(codes), x), ref.sum().to_numpy(), "sum")
    _same_bits(_group_sum(_Groups(codes), x, mean=True), ref.mean().to_numpy(), "mean")
    assert math.isinf(_group_sum(_Groups(codes), x)[1])


def test_pair_outcomes_for_a_simulation_that_starts_after_the_default_contract():
    """The cached baseline's key once carried the default contract dates, which are invalid
    for a simulation starting later (ParameterError)."""
    p = Parameters().with_overrides({
        "simulation.start_date": "2023-01-02", "thuisplus.contract.start_date": "2023-01-02",
        "thuisplus.contract.transfer_start": "2024-01-01", "building.dwellings": 40})
    out, yearly = pair_outcomes(p, 1, 104)
    assert yearly["year"].iloc[0] == 2023
    assert np.isfinite(out["npv"])
