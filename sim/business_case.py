"""The social business case (MKBA).

The contract's money, costs and benefits per stakeholder, discounting, and the
provider's books:

- The contract's arithmetic (EVAL §2), checked against the evaluation to the euro.
- Flows per stakeholder from a pair: who pays (start amount, plus, team, community
  builder, e-health, common room) and who gains (avoided Wmo, Zvw, Wlz care; the
  provider's travel, PNIL and replacement savings; carers' employers' sick leave), and
  non-monetary outcomes (loneliness-years, overburdened-carer-years) in their own units.
- Discounting at ``money.discount_rate``; NPV, benefit-cost ratio, payback year.
- The provider's profit and loss against client volume and the break-even volume.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sim.interventions import offer_share
from sim.pair import Pair
from sim.params import Parameters

__all__ = [
    "ContractYear",
    "break_even_clients",
    "contract_arithmetic",
    "discount",
    "measures",
    "provider_pnl",
    "stakeholder_flows",
    "team_cost",
]


@dataclass(frozen=True)
class ContractYear:
    """The contract's money for one flat in one year at a given client volume."""

    year: int
    clients: float
    start_amount: float  # the one-time start amount, paid in the contract's first year
    plus_per_client_week: float
    plus_income: float
    regular_wmo_income: float
    variable_contract: float
    team_share: float  # share of the sized collective offer run at this volume
    team_cost: float   # the team the provider runs at this volume
    plus_minus_team: float

    def as_dict(self) -> dict[str, float]:
        """Plain dict (for JSON)."""
        return asdict(self)


def _index(params: Parameters, year: int) -> float:
    m = params.money
    return (1.0 + m.indexation) ** (year - m.contract_year)


def team_cost(params: Parameters, year: int) -> float:
    """Yearly cost of the team the plus was sized for (coordinator, activities, carer support).

    Salaries are indexed from their price year with ``money.indexation``.
    """
    m = params.money
    factor = (1.0 + m.indexation) ** (year - m.salary_year)
    mbo_fte = m.activities_fte + params.thuisplus.informal_support.support_fte
    return (m.coordinator_fte * m.salary_hbo_per_fte + mbo_fte * m.salary_mbo_per_fte) * factor


def contract_arithmetic(clients: float, year: int, params: Parameters | None = None
                        ) -> ContractYear:
    """Plus income, regular Wmo income and variable contract size for ``clients`` Wmo clients.

    At 100 clients in the contract year: 100 × 52 × €15 = €78,000 plus, 100 × 52 × €85 =
    €442,000 regular Wmo, €520,000 variable contract size (EVAL §2). Amounts are indexed
    yearly after the contract year.
    """
    params = params if params is not None else Parameters()
    if clients < 0:
        raise ValueError(f"clients = {clients}: allowed: a number >= 0")
    m = params.money
    idx = _index(params, year)
    plus_week = m.plus_per_client_week * idx
    plus = clients * m.weeks_per_year * plus_week
    wmo = clients * m.weeks_per_year * m.wmo_per_client_week * idx
    share = offer_share(clients, params.thuisplus.contract)
    team = team_cost(params, year) * share
    start = m.start_amount if year == m.contract_year else 0.0
    return ContractYear(year=year, clients=clients, start_amount=start,
                        plus_per_client_week=plus_week,
                        plus_income=plus, regular_wmo_income=wmo, variable_contract=plus + wmo,
                        team_share=share, team_cost=team, plus_minus_team=plus - team)


# --------------------------------------------------------------------------------------
# Costs and benefits per stakeholder (from pairs), discounting, measures
# --------------------------------------------------------------------------------------

STAKEHOLDERS = ("municipality", "health_insurer", "care_office", "provider",
                "housing_corporation", "carers_employers")
NON_MONETARY = ("residents", "informal_carers")
LAW_STAKEHOLDER = {"wmo": "municipality", "zvw": "health_insurer", "wlz": "care_office"}


def stakeholder_flows(pair: Pair) -> pd.DataFrame:
    """Yearly flows of one pair: one row per year × stakeholder × item.

    ``kind`` is ``cost`` (a real resource cost), ``benefit`` (avoided cost or saving),
    ``transfer_out``/``transfer_in`` (money moving between stakeholders, e.g. the plus) or
    ``outcome`` (a non-monetary effect in its own unit, reported beside the euros).
    """
    p = pair.params
    m, c = p.money, p.thuisplus.contract
    tw = pair.thuisplus.weekly()
    bw = pair.baseline.weekly()
    running = (tw["date"] >= pd.Timestamp(c.start_date)).to_numpy() & p.thuisplus.enabled
    tw = tw.assign(running=running)
    rows: list[dict] = []

    def add(year, stakeholder, item, kind, amount, unit="€"):
        rows.append({"year": int(year), "stakeholder": stakeholder, "item": item,
                     "kind": kind, "amount": float(amount), "unit": unit})

    avoided = pair.avoided.groupby(["year", "law"])["cost_avoided"].sum()
    for (year, law), value in avoided.items():
        add(year, LAW_STAKEHOLDER[law], f"avoided {law.capitalize()} care", "benefit", value)

    for year, wk in tw.groupby("year"):
        bwk = bw[bw["year"] == year]
        run = wk["running"].to_numpy()
        weeks_running = int(run.sum())
        if year == c.start_date.year and p.thuisplus.enabled:
            add(year, "municipality", "start amount", "transfer_out", m.start_amount)
            add(year, "provider", "start amount", "transfer_in", m.start_amount)
        if weeks_running == 0:
            continue
        idx = (1.0 + m.indexation) ** (year - m.contract_year)
        clients = wk["wmo_clients_preferred"].to_numpy()[run]
        if c.funding == "lump_sum":
            plus = c.target_clients * m.plus_per_client_week * idx * weeks_running
        else:
            plus = float(clients.sum()) * m.plus_per_client_week * idx
        add(year, "municipality", "plus", "transfer_out", plus)
        add(year, "provider", "plus", "transfer_in", plus)
        share = np.mean([offer_share(x, c) for x in clients])
        team = team_cost(p, year) * share * weeks_running / m.weeks_per_year
        add(year, "provider", "Thuisplusflat team", "cost", team)
        if c.welfare_hours:
            add(year, "municipality", "community builder", "cost",
                c.welfare_hours * weeks_running * m.welfare_hour_cost * idx)
        if c.ehealth:
            add(year, "provider", "e-health", "cost",
                c.ehealth * m.ehealth_cost_per_client_year * idx * float(clients.mean())
                * weeks_running / m.weeks_per_year)
        add(year, "housing_corporation", "common room in daily use", "cost",
            m.common_room_cost_per_year * idx * weeks_running / m.weeks_per_year)
        hour = m.staff_hour_cost * idx
        add(year, "provider", "travel time saved", "benefit",
            (bwk["travel_hours"].sum() - wk["travel_hours"].sum()) * hour)
        add(year, "provider", "PNIL premium saved", "benefit",
            (bwk["pnil_hours"].sum() - wk["pnil_hours"].sum()) * hour * m.pnil_premium)
        add(year, "provider", "staff replacement saved", "benefit",
            (bwk["staff_turnover"].sum() - wk["staff_turnover"].sum()) * m.replacement_cost
            * idx)
        add(year, "carers_employers", "carers' sick leave avoided", "benefit",
            (bwk["carer_sick_leave_hours"].sum() - wk["carer_sick_leave_hours"].sum())
            * m.productivity_cost_per_hour * idx)
        add(year, "residents", "severely lonely resident-years avoided", "outcome",
            ((bwk["severely_lonely_share"] * bwk["residents"]).sum()
             - (wk["severely_lonely_share"] * wk["residents"]).sum()) / 52.0, "person-years")
        add(year, "informal_carers", "overburdened carer-years avoided", "outcome",
            (bwk["carers_overburdened"].sum() - wk["carers_overburdened"].sum()) / 52.0,
            "person-years")
    return pd.DataFrame(rows)


def discount(flows: pd.DataFrame, rate: float, first_year: int) -> pd.DataFrame:
    """Add ``factor`` = 1 / (1 + rate)^(year − first_year) and the discounted ``pv``."""
    out = flows.copy()
    out["factor"] = 1.0 / (1.0 + rate) ** (out["year"] - first_year)
    out["pv"] = out["amount"] * out["factor"]
    return out


def measures(flows: pd.DataFrame, rate: float, first_year: int) -> dict[str, object]:
    """NPV, benefit-cost ratio, payback year and per-stakeholder nets of one pair's flows.

    The societal NPV counts real costs and benefits; transfers (start amount, plus) cancel
    between payer and receiver, so the stakeholders' nets add up to it.
    """
    money = flows[flows["unit"] == "€"]
    year = money["year"].to_numpy()
    kind = money["kind"].to_numpy()
    who = money["stakeholder"].to_numpy()
    pv = money["amount"].to_numpy(dtype=float) / (1.0 + rate) ** (year - first_year)
    sign = np.select([kind == "benefit", kind == "transfer_in", kind == "cost",
                      kind == "transfer_out"], [1.0, 1.0, -1.0, -1.0], 0.0)
    signed = pv * sign
    per = {s: {"pays": 0.0, "gains": 0.0, "net": 0.0} for s in STAKEHOLDERS}
    for s in np.unique(who):
        v = signed[who == s]
        per[s] = {"pays": float(-v[v < 0].sum()), "gains": float(v[v > 0].sum()),
                  "net": float(v.sum())}
    pv_benefits = float(pv[kind == "benefit"].sum())
    pv_costs = float(pv[kind == "cost"].sum())
    real = (kind == "benefit") | (kind == "cost")
    yearly = pd.Series(signed[real]).groupby(year[real]).sum().sort_index()
    cumulative = yearly.cumsum()
    positive = cumulative[cumulative >= 0]
    payback = None
    if len(positive) and (cumulative.loc[positive.index[0]:] >= 0).all():
        payback = int(positive.index[0])
    outcomes = flows[flows["kind"] == "outcome"].groupby("item")["amount"].sum()
    return {
        "npv": pv_benefits - pv_costs,
        "pv_benefits": pv_benefits,
        "pv_costs": pv_costs,
        "benefit_cost_ratio": pv_benefits / pv_costs if pv_costs > 0 else float("nan"),
        "payback_year": payback,
        "stakeholders": per,
        "cumulative_net": {int(k): float(v) for k, v in cumulative.items()},
        "outcomes": {k: float(v) for k, v in outcomes.items()},
    }


def provider_pnl(params: Parameters, clients: np.ndarray | list[float], year: int | None = None,
                 funding: str | None = None) -> pd.DataFrame:
    """The provider's yearly Thuisplusflat books at each client volume (contract money only).

    Income: the plus (per client) or the sized budget (lump sum). Cost: the team, scaled to
    the share of the collective offer run at that volume, and e-health. Regular Wmo care is
    assumed paid at cost by its tariff, so it does not enter the margin.
    """
    c = params.thuisplus.contract
    if funding is not None:
        c = c.model_copy(update={"funding": funding})
    m = params.money
    year = m.contract_year if year is None else year
    idx = (1.0 + m.indexation) ** (year - m.contract_year)
    rows = []
    for n in np.asarray(clients, dtype=float):
        if c.funding == "lump_sum":
            income = c.target_clients * m.weeks_per_year * m.plus_per_client_week * idx
        else:
            income = n * m.weeks_per_year * m.plus_per_client_week * idx
        team = team_cost(params, year) * offer_share(n, c)
        ehealth = c.ehealth * m.ehealth_cost_per_client_year * idx * n
        rows.append({"funding": c.funding, "year": year, "clients": n, "income": income,
                     "team_cost": team, "ehealth_cost": ehealth,
                     "profit": income - team - ehealth})
    return pd.DataFrame(rows)


def break_even_clients(params: Parameters, year: int | None = None) -> float | None:
    """Smallest client volume (0.1 steps, up to 1000) at which per-client funding breaks even."""
    grid = np.arange(0.0, 1000.0, 0.1)
    pnl = provider_pnl(params, grid, year, funding="per_client")
    ok = pnl.loc[pnl["profit"] >= 0, "clients"]
    return float(ok.iloc[0]) if len(ok) else None
