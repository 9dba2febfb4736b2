"""Summary statistics of one run: the figures people check first, per run and per year."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from thuisplus.sim.care import LAWS

__all__ = ["summarise", "wmo_cost_in_complex", "yearly"]

#: The weekly columns :func:`wmo_cost_in_complex` reads.
WMO_COMPLEX = ("cost_household_help", "use_household_help", "hh_hours_complex",
               "cost_begeleiding", "use_begeleiding", "beg_hours_complex")


def wmo_cost_in_complex(col: Any) -> np.ndarray:
    """The Wmo cost of the complex's residents, per week.

    ``col``: the :data:`WMO_COMPLEX` columns by name (a weekly table will do).
    ``cost_wmo`` holds every person followed, those elsewhere too; per Wmo client of the
    complex, only the hours delivered in the complex count, at the week's cost per hour of
    each type.
    """
    out = np.zeros(len(np.asarray(col["cost_household_help"])))
    for kind, hours in (("household_help", "hh_hours_complex"),
                        ("begeleiding", "beg_hours_complex")):
        use = np.asarray(col[f"use_{kind}"], dtype=np.float64)
        cost = np.asarray(col[f"cost_{kind}"], dtype=np.float64)
        per_hour = np.divide(cost, use, out=np.zeros_like(cost), where=use > 0)
        out += per_hour * np.asarray(col[hours], dtype=np.float64)
    return out

_SUMS = ["inflow", "deaths", "admissions", "moves_out", "falls", "hospital_admissions",
         "carer_breakdowns", "staff_turnover", "staff_turnover_pnil", "unmet_care_hours",
         "informal_care_hours",
         "carer_sick_leave_hours"] + [f"cost_{law}" for law in LAWS]
_MEANS = ["residents", "wmo_clients", "wmo_clients_preferred", "severely_lonely_share",
          "lonely_share", "mean_vitality", "frail_share", "dementia_share", "staff", "staff_pnil",
          "continuity", "carers_active", "carers_overburdened", "wlz_home_clients",
          "nh_residents", "dn_clients"]


def yearly(weekly: Any) -> pd.DataFrame:
    """Per calendar year: sums of flows and costs, means of stocks and shares, and rates.

    ``weekly``: a weekly table (:meth:`~thuisplus.sim.model.ThuisplusModel.weekly`) or a finished
    model (read from its arrays, without building the table). The numbers are pandas'
    ``groupby("year")`` sums and means, bit for bit (a test keeps the pandas version).
    """
    from thuisplus.sim.business_case import _group_sum, _Groups  # (it imports the model)

    if isinstance(weekly, pd.DataFrame):
        year = weekly["year"].to_numpy()
        col = {c: weekly[c].to_numpy(dtype=np.float64)
               for c in (*_SUMS, *_MEANS, *WMO_COMPLEX)}
    else:
        from thuisplus.sim.business_case import _weekly

        w = _weekly(weekly)
        # the year as weekly() has it (DatetimeIndex.year: int32)
        year, col = w.year.astype(np.int32), {c: w.col(c)
                                              for c in (*_SUMS, *_MEANS, *WMO_COMPLEX)}
    g = _Groups(year)
    sums = _group_sum(g, np.column_stack([col[c] for c in _SUMS]), jointly=True)
    means = _group_sum(g, np.column_stack([col[c] for c in _MEANS]), mean=True, jointly=True)
    out = pd.DataFrame(np.hstack([sums, means]), columns=[*_SUMS, *_MEANS],
                       index=pd.Index(g.keys, name="year"))
    weeks = g.sizes.astype(np.int64)
    out["weeks"] = weeks
    resident_years = _group_sum(g, col["residents"]) / 52.0
    client_weeks = _group_sum(g, col["wmo_clients"])
    wmo_complex = _group_sum(g, wmo_cost_in_complex(col))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["mortality_per_100_per_year"] = 100 * out["deaths"].to_numpy() / resident_years
        out["nh_admissions_per_100_per_year"] = (100 * out["admissions"].to_numpy()
                                                 / resident_years)
        out["wmo_cost_per_client_week"] = wmo_complex / np.where(
            client_weeks > 0, client_weeks, np.nan)
        out["wmo_share"] = out["wmo_clients"].to_numpy() / out["residents"].to_numpy()
        active = out["carers_active"].to_numpy()
        out["carers_overburdened_share"] = out["carers_overburdened"].to_numpy() / np.where(
            active > 0, active, np.nan)
        # payroll staff only, as ActiZ counts outflow (PNIL rotate through the rota)
        payroll = out["staff"].to_numpy() - out["staff_pnil"].to_numpy()
        left = out["staff_turnover"].to_numpy() - out["staff_turnover_pnil"].to_numpy()
        out["staff_outflow_per_year"] = left / np.where(payroll > 0, payroll, np.nan) * (
            52.0 / weeks)
    return out


def summarise(weekly: pd.DataFrame) -> dict[str, Any]:
    """Whole-run headline figures (plain floats, JSON-ready)."""
    y = yearly(weekly)
    first, last = weekly.iloc[0], weekly.iloc[-1]
    start_residents = first["residents"] - first["inflow"] + first["deaths"] + \
        first["admissions"] + first["moves_out"]
    resident_years = weekly["residents"].sum() / 52.0
    client_weeks = weekly["wmo_clients"].sum()
    out: dict[str, Any] = {
        "weeks": len(weekly),
        "start_date": str(first["date"].date()),
        "end_date": str(last["date"].date()),
        "residents_start": float(start_residents),
        "residents_end": float(last["residents"]),
        "inflow": float(weekly["inflow"].sum()),
        "deaths": float(weekly["deaths"].sum()),
        "admissions": float(weekly["admissions"].sum()),
        "moves_out": float(weekly["moves_out"].sum()),
        "mortality_per_100_per_year": float(100 * weekly["deaths"].sum() / resident_years),
        "nh_admissions_per_100_per_year": float(
            100 * weekly["admissions"].sum() / resident_years),
        "wmo_share": float(weekly["wmo_clients"].sum() / weekly["residents"].sum()),
        "wmo_cost_per_client_week": float(wmo_cost_in_complex(weekly).sum() / client_weeks)
        if client_weeks else float("nan"),
        "severely_lonely_share": float(weekly["severely_lonely_share"].mean()),
        "frail_share": float(weekly["frail_share"].mean()),
        "carers_overburdened_share": float(
            weekly["carers_overburdened"].sum() / max(weekly["carers_active"].sum(), 1)),
        "unmet_care_hours_per_week": float(weekly["unmet_care_hours"].mean()),
        "cost_per_law_total": {law: float(weekly[f"cost_{law}"].sum()) for law in LAWS},
        "cost_per_law_per_year": {
            law: {int(k): float(v) for k, v in y[f"cost_{law}"].items()} for law in LAWS},
    }
    return _json_safe(out)


def _json_safe(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x
