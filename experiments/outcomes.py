"""What one run of an experiment computes: a pair, reduced to outcome columns and a yearly table.

:func:`execute` is the function the executors send to worker processes. It never raises:
an exception inside a run comes back as a failure record with its traceback, so one bad
run cannot stop a batch.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from experiments.spec import THUISPLUS_MODEL, RunTask
from sim.business_case import STAKEHOLDERS, measures, stakeholder_flows
from sim.model import ThuisplusModel
from sim.pair import Pair, avoided_table
from sim.params import Parameters

__all__ = ["OUTCOMES", "execute", "pair_outcomes"]

LAWS = ("wmo", "zvw", "wlz")

#: Outcome columns of a Thuisplusflat run, with units (the runs table documents itself).
OUTCOMES: dict[str, str] = {
    **{f"avoided_{law}": f"€ avoided {law.capitalize()} cost over the horizon (undiscounted)"
       for law in LAWS},
    "avoided_total": "€ avoided Wmo+Zvw+Wlz cost over the horizon (undiscounted)",
    **{f"avoided_{law}_per_year": f"€ avoided {law.capitalize()} cost per year"
       for law in LAWS},
    "avoided_total_per_year": "€ avoided cost per year, all laws",
    "npv": "€ societal net present value (benefits − costs, discounted)",
    "pv_costs": "€ present value of the Thuisplusflat's real costs",
    "pv_benefits": "€ present value of its benefits (avoided care, staff savings, ...)",
    "benefit_cost_ratio": "ratio pv_benefits / pv_costs",
    "payback_year": "first year from which the cumulative societal net stays ≥ 0 (NaN: never)",
    **{f"net_{s}": f"€ PV net for {s.replace('_', ' ')} (gains − pays)" for s in STAKEHOLDERS},
    **{f"pays_{s}": f"€ PV {s.replace('_', ' ')} pays" for s in STAKEHOLDERS},
    **{f"gains_{s}": f"€ PV {s.replace('_', ' ')} gains" for s in STAKEHOLDERS},
    "lonely_years_avoided": "severely lonely resident-years avoided",
    "overburdened_carer_years_avoided": "overburdened informal-carer-years avoided",
    "clients_2023": "Wmo clients of the preferred provider in the first week of 2023",
    "clients_mean": "mean Wmo clients of the preferred provider while the contract runs",
    "clients_end": "Wmo clients of the preferred provider in the last week",
    "residents_mean": "mean residents (Thuisplusflat arm)",
    "severely_lonely_baseline": "mean share severely lonely, baseline arm",
    "severely_lonely_thuisplus": "mean share severely lonely, Thuisplusflat arm",
    "overburdened_baseline": "mean overburdened carers per week, baseline arm",
    "overburdened_thuisplus": "mean overburdened carers per week, Thuisplusflat arm",
    "unmet_hours_baseline": "mean unmet care hours per week, baseline arm",
    "unmet_hours_thuisplus": "mean unmet care hours per week, Thuisplusflat arm",
}

_OUTCOME_ITEMS = {
    "severely lonely resident-years avoided": "lonely_years_avoided",
    "overburdened carer-years avoided": "overburdened_carer_years_avoided",
}


@functools.lru_cache(maxsize=8)
def _params_from(base_json: str) -> Parameters:
    return Parameters.from_dict(json.loads(base_json), origin="experiment base")


@functools.lru_cache(maxsize=4)
def _baseline_weekly(baseline_json: str, seed: int, weeks: int | None) -> pd.DataFrame:
    """The baseline arm, cached per worker.

    The baseline arm switches the Thuisplusflat off, so it does not read the
    ``thuisplus`` parameters (a test checks this): design points that only vary
    Thuisplusflat effect sizes share one baseline per seed, which halves a Sobol study.
    """
    params = Parameters.from_dict(json.loads(baseline_json), origin="experiment base")
    return ThuisplusModel(params, rng=seed).run(weeks).weekly()


def _baseline_key(params: Parameters) -> str:
    data = params.baseline().model_dump(mode="json")
    data.pop("thuisplus")
    data["thuisplus"] = Parameters().baseline().model_dump(mode="json")["thuisplus"]
    return json.dumps(data, sort_keys=True)


class _CachedPair(Pair):
    """A pair of finished weekly tables (the baseline from the per-worker cache).

    Both arms stand in as ``weekly()`` only, so each table is built once per pair.
    """

    def __init__(self, params: Parameters, seed: int, baseline_weekly: pd.DataFrame,
                 thuisplus_weekly: pd.DataFrame):
        self.params, self.seed = params, seed
        self.baseline = _WeeklyOnly(baseline_weekly)
        self.thuisplus = _WeeklyOnly(thuisplus_weekly)
        self._avoided = avoided_table(baseline_weekly, thuisplus_weekly)

    @property
    def avoided(self) -> pd.DataFrame:
        return self._avoided


class _WeeklyOnly:
    """Stands in for a finished model where only ``weekly()`` is read."""

    def __init__(self, weekly: pd.DataFrame):
        self._weekly = weekly

    def weekly(self) -> pd.DataFrame:
        return self._weekly


def pair_outcomes(params: Parameters, seed: int, weeks: int | None = None
                  ) -> tuple[dict[str, float], pd.DataFrame]:
    """Run one pair; return its outcome columns (see :data:`OUTCOMES`) and yearly table."""
    bw = _baseline_weekly(_baseline_key(params), seed, weeks)
    tw = ThuisplusModel(params, rng=seed).run(weeks).weekly()
    pair = _CachedPair(params, seed, bw, tw)
    first_year = params.simulation.start_date.year
    flows = stakeholder_flows(pair)
    m = measures(flows, params.money.discount_rate, first_year)
    avoided = pair.avoided
    per_law = avoided.groupby("law")["cost_avoided"].sum()
    years = len(tw) / 52.0
    out: dict[str, float] = {}
    for law in LAWS:
        out[f"avoided_{law}"] = float(per_law.get(law, 0.0))
        out[f"avoided_{law}_per_year"] = out[f"avoided_{law}"] / years
    out["avoided_total"] = sum(out[f"avoided_{law}"] for law in LAWS)
    out["avoided_total_per_year"] = out["avoided_total"] / years
    for key in ("npv", "pv_costs", "pv_benefits", "benefit_cost_ratio"):
        out[key] = float(m[key])
    out["payback_year"] = float(m["payback_year"]) if m["payback_year"] is not None else np.nan
    for s in STAKEHOLDERS:
        for what in ("net", "pays", "gains"):
            out[f"{what}_{s}"] = float(m["stakeholders"][s][what])
    for item, col in _OUTCOME_ITEMS.items():
        out[col] = float(m["outcomes"].get(item, 0.0))
    start = pd.Timestamp(params.thuisplus.contract.start_date)
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

    yearly = _yearly(bw, tw, avoided, m["cumulative_net"])
    return out, yearly


def _yearly(bw: pd.DataFrame, tw: pd.DataFrame, avoided: pd.DataFrame,
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


@functools.lru_cache(maxsize=16)
def _resolve(model: str) -> Callable[[dict[str, Any], int], dict[str, float]]:
    module, _, name = model.partition(":")
    return getattr(importlib.import_module(module), name)


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task in a worker; return a ``done`` or ``failed`` record (never raises)."""
    t0 = time.perf_counter()
    record: dict[str, Any] = {"run_id": task.run_id, "pid": os.getpid()}
    try:
        if task.model == THUISPLUS_MODEL:
            base = _params_from(json.dumps(task.base, sort_keys=True))
            params = (base.with_overrides(task.overrides, origin=f"run {task.run_id}")
                      if task.overrides else base)
            outcomes, yearly = pair_outcomes(params, task.seed, task.weeks)
            record["yearly"] = yearly.to_dict(orient="list")
        else:
            outcomes = {k: float(v) for k, v in
                        _resolve(task.model)(dict(task.overrides), task.seed).items()}
        record.update(status="done", outcomes=outcomes)
    except Exception as exc:  # a run's failure is data, not a crash of the batch
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc())
    record["seconds"] = time.perf_counter() - t0
    return record
