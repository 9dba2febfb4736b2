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
from sim.business_case import (
    _LAW_KEYS,
    _NH,
    STAKEHOLDERS,
    VIEWS,
    _Avoided,
    _flows,
    _group_sum,
    _measures,
    _row_sum,
    _series_mean,
    _Weekly,
    _weekly,
    discount_rates,
)
from sim.model import DRAWS, ThuisplusModel, check_draws
from sim.pair import BaselineCache, baseline_key, baseline_params, person_outcomes
from sim.params import Parameters

__all__ = ["OUTCOMES", "execute", "pair_outcomes"]

LAWS = ("wmo", "zvw", "wlz")

#: Outcome columns of a Thuisplusflat run, with units (the runs table documents itself).
OUTCOMES: dict[str, str] = {
    **{f"avoided_{law}": f"€ avoided {law.capitalize()} cost over the horizon (undiscounted)"
       for law in LAWS},
    "avoided_total": "€ avoided Wmo+Zvw+Wlz cost over the horizon (undiscounted)",
    **{f"avoided_{law}_per_year": f"€ avoided {law.capitalize()} cost per year of the "
       "programme (the lifetime total over the programme's years)" for law in LAWS},
    "avoided_total_per_year": "€ avoided cost per year of the programme, all laws",
    "npv": "€ societal net present value (benefits − costs, discounted), in the headline's "
           "nursing-home view (money.nursing_home_view)",
    "pv_costs": "€ present value of the Thuisplusflat's real costs",
    "pv_benefits": "€ present value of its benefits (avoided care, staff savings, ...)",
    "benefit_cost_ratio": "ratio pv_benefits / pv_costs",
    "payback_year": "first year from which the cumulative societal net stays ≥ 0 (NaN: never)",
    **{f"net_{s}": f"€ PV net for {s.replace('_', ' ')} (gains − pays)" for s in STAKEHOLDERS},
    **{f"pays_{s}": f"€ PV {s.replace('_', ' ')} pays" for s in STAKEHOLDERS},
    **{f"gains_{s}": f"€ PV {s.replace('_', ' ')} gains" for s in STAKEHOLDERS},
    **{f"{key}_{view}": f"{text}, {view} view of freed nursing-home places"
       for view in VIEWS for key, text in (
           ("npv", "€ societal net present value"),
           ("benefit_cost_ratio", "ratio pv_benefits / pv_costs"),
           ("net_care_office", "€ PV net for the care office"))},
    "nursing_home_days_avoided": "nursing-home days avoided (baseline − Thuisplusflat)",
    "informal_care_hours_added": "informal care hours given in addition (Thuisplusflat − "
                                 "baseline)",
    "lonely_years_avoided": "severely lonely person-years avoided, over the persons' "
                            "lifetimes wherever they live (discounted at the effect rate)",
    "overburdened_carer_years_avoided": "overburdened informal-carer-years avoided "
                                        "(discounted at the effect rate)",
    "clients_2023": "Wmo clients of the preferred provider in the first week of 2023",
    "clients_mean": "mean Wmo clients of the preferred provider while the contract runs",
    "clients_end": "Wmo clients of the preferred provider in the programme's last week",
    "residents_mean": "mean residents (Thuisplusflat arm)",
    "severely_lonely_baseline": "mean share severely lonely, baseline arm",
    "severely_lonely_thuisplus": "mean share severely lonely, Thuisplusflat arm",
    "overburdened_baseline": "mean overburdened carers per week, baseline arm",
    "overburdened_thuisplus": "mean overburdened carers per week, Thuisplusflat arm",
    "unmet_hours_baseline": "mean unmet care hours per week, baseline arm",
    "unmet_hours_thuisplus": "mean unmet care hours per week, Thuisplusflat arm",
}
#: Outcomes of the persons (both arms' persons compared; NaN for arms without them).
PERSON_OUTCOMES: dict[str, str] = {
    "exposed_persons": "persons who lived in the complex during the programme (either arm)",
    "persons_in_complex": "persons who ever lived in the complex (either arm; the others "
                          "live the same life in both arms)",
    "avoided_per_resident": "€ avoided Wmo+Zvw+Wlz cost per person who ever lived in the "
                            "complex (undiscounted, over their lifetimes)",
    "avoided_per_exposed_person": "€ avoided Wmo+Zvw+Wlz cost per person who lived in the "
                                  "complex during the programme (undiscounted, lifetimes)",
    "resident_years": "resident-years in the complex during the programme (Thuisplusflat "
                      "arm)",
    "avoided_per_resident_year": "€ avoided Wmo+Zvw+Wlz cost (undiscounted, lifetimes) per "
                                 "resident-year of the programme",
    "life_years_gained": "life-years gained, summed over persons (Thuisplusflat − baseline)",
    "admissions_baseline": "persons admitted to a nursing home in the baseline arm",
    "admissions_avoided": "of whom never admitted in the Thuisplusflat arm",
    "admissions_postponed": "of whom admitted later in the Thuisplusflat arm",
    "admissions_advanced": "of whom admitted earlier in the Thuisplusflat arm",
    "admissions_caused": "persons admitted in the Thuisplusflat arm only",
    "admission_delay_years": "years admissions were postponed, net of advances",
    "persons_alive_at_end": "persons alive at the end of the follow-up (either arm)",
    "life_years_at_home_gained": "life-years gained in the complex or elsewhere, not in a "
                                 "nursing home (Thuisplusflat − baseline)",
    "nursing_home_years_avoided": "person-years in a nursing home avoided (baseline − "
                                  "Thuisplusflat)",
}
OUTCOMES.update(PERSON_OUTCOMES)

_OUTCOME_ITEMS = {
    "severely lonely person-years avoided": "lonely_years_avoided",
    "overburdened carer-years avoided": "overburdened_carer_years_avoided",
}


@functools.lru_cache(maxsize=8)
def _params_from(base_json: str) -> Parameters:
    return Parameters.from_dict(json.loads(base_json), origin="experiment base")


#: Per worker and engine: the baseline arms' cache (no arms kept, see _baseline_weekly).
#: No draw tapes: a tape of a lifetime run (2,860 weeks of ~1,500 persons' draws) takes
#: ~785 MB, too much to keep per worker (sim.pair.BaselineCache.run_arm).
_ARMS = {d: BaselineCache(size=0, tapes=0, draws=d) for d in DRAWS}


@functools.lru_cache(maxsize=4)
def _baseline_weekly(baseline_json: str, seed: int, weeks: int | None,
                     draws: str = "streams") -> _Weekly:
    """The baseline arm's weekly arrays, cached per worker (read-only).

    The baseline arm does not read the ``thuisplus`` parameters
    (:func:`sim.pair.baseline_key`): design points that only vary Thuisplusflat effect
    sizes share one baseline per seed, which halves a Sobol study.
    """
    w = _weekly(ThuisplusModel(baseline_params(baseline_json), rng=seed, draws=draws)
                .run(weeks))
    values = w.values.copy()  # not a view that keeps the model's whole record alive
    values.flags.writeable = False
    return _Weekly(values, w.index, w.year, w.date, w.persons)


#: Columns averaged per year in the yearly table.
_YEARLY_MEANS = ("wmo_clients_preferred", "severely_lonely_share", "carers_overburdened",
                 "residents")
#: The yearly table's columns after ``year``.
_YEARLY_COLUMNS = pd.Index([
    *(f"{what}_{law}{arm}" for law in LAWS
      for what, arm in (("avoided", ""), ("cost", "_baseline"), ("cost", "_thuisplus"))),
    "avoided_total", "clients_preferred",
    *(f"{what}_{arm}" for arm in ("baseline", "thuisplus")
      for what in ("severely_lonely", "overburdened", "residents")),
    "cumulative_net",
])


def pair_outcomes(params: Parameters, seed: int, weeks: int | None = None,
                  draws: str = "streams") -> tuple[dict[str, float], pd.DataFrame]:
    """Run one pair; return its outcome columns (see :data:`OUTCOMES`) and yearly table.

    ``draws``: the engine (:data:`sim.model.DRAWS`).
    """
    check_draws(draws)
    bw = _baseline_weekly(baseline_key(params), seed, weeks, draws)
    tw = _weekly(_ARMS[draws].run_arm(params, seed, weeks))
    return _outcomes(params, bw, tw)


def _outcomes(params: Parameters, bw: _Weekly, tw: _Weekly
              ) -> tuple[dict[str, float], pd.DataFrame]:
    """:func:`pair_outcomes` from the weekly arrays of the baseline and Thuisplusflat arm.

    Its numbers are those of the stakeholder flows, measures and avoided table of
    :mod:`sim.business_case` and :mod:`sim.pair`, computed without their DataFrames.
    """
    avoided = _Avoided(bw, tw)
    first_year = params.simulation.start_date.year
    rate, effect_rate = discount_rates(params)
    by_view = {view: _measures(*_flows(params, bw, tw, avoided, view).arrays(), rate,
                               first_year, effect_rate) for view in VIEWS}
    m = by_view[params.money.nursing_home_view]
    by_law = avoided.by_law()  # avoided.groupby("law")["cost_avoided"].sum()
    per_law = dict(zip((_LAW_KEYS[k] for k in by_law.keys.tolist()),
                       _group_sum(by_law, avoided.cost_avoided.ravel()).tolist(), strict=True))
    years = min(len(tw), params.simulation.weeks) / 52.0  # the programme's years
    out: dict[str, float] = {}
    for law in LAWS:
        out[f"avoided_{law}"] = float(per_law.get(law, 0.0))
        out[f"avoided_{law}_per_year"] = out[f"avoided_{law}"] / years
    out["avoided_total"] = sum(out[f"avoided_{law}"] for law in LAWS)
    out["avoided_total_per_year"] = out["avoided_total"] / years
    if bw.persons is not None and tw.persons is not None:
        out.update(person_outcomes(bw.persons, tw.persons, len(tw)))
        out["avoided_per_resident"] = (out["avoided_total"] / out["persons_in_complex"]
                                       if out["persons_in_complex"] else np.nan)
        out["avoided_per_exposed_person"] = (out["avoided_total"] / out["exposed_persons"]
                                             if out["exposed_persons"] else np.nan)
        n = min(params.simulation.weeks, len(tw))
        out["resident_years"] = float(np.nansum(tw.col("residents")[:n])) / 52.0
        out["avoided_per_resident_year"] = (out["avoided_total"] / out["resident_years"]
                                            if out["resident_years"] else np.nan)
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
    out["nursing_home_days_avoided"] = float((avoided.use_b[:, _NH] - avoided.use_t[:, _NH])
                                             .sum())
    out["informal_care_hours_added"] = float(np.nansum(tw.col("informal_care_hours"))
                                             - np.nansum(bw.col("informal_care_hours")))
    for item, col in _OUTCOME_ITEMS.items():
        out[col] = float(m["outcomes"].get(item, 0.0))
    # the complex's figures are the programme's (the follow-up only follows persons)
    start = pd.Timestamp(params.thuisplus.contract.start_date).to_datetime64()
    n = min(params.simulation.weeks, len(tw.date), len(bw.date))
    running = (tw.date[:n] >= start) & params.thuisplus.enabled
    clients = tw.col("wmo_clients_preferred")[:n]
    in_2023 = np.flatnonzero(tw.date[:n] >= np.datetime64("2023-01-01"))
    out["clients_2023"] = float(clients[in_2023[0]]) if len(in_2023) else np.nan
    out["clients_mean"] = float(clients[running].mean()) if running.any() else 0.0
    out["clients_end"] = float(clients[-1])
    out["residents_mean"] = float(_series_mean(tw.col("residents")[:n]))
    for name, col in (("severely_lonely", "severely_lonely_share"),
                      ("overburdened", "carers_overburdened"),
                      ("unmet_hours", "unmet_care_hours")):
        out[f"{name}_baseline"] = float(_series_mean(bw.col(col)[:n]))
        out[f"{name}_thuisplus"] = float(_series_mean(tw.col(col)[:n]))

    yearly = _yearly(bw, tw, avoided, m["cumulative_net"])
    return out, yearly


def _yearly(bw: _Weekly, tw: _Weekly, avoided: _Avoided,
            cumulative_net: dict[int, float]) -> pd.DataFrame:
    years = np.array(avoided.years, dtype=int)
    n = len(years)
    x = np.stack([avoided.cost_b.ravel(), avoided.cost_t.ravel(),
                  avoided.cost_avoided.ravel()], axis=1)
    # groupby(["year", "law"])[["cost_baseline", "cost_thuisplus", "cost_avoided"]].sum()
    cost = _group_sum(avoided.law_groups(), x, jointly=True).reshape(n, len(_LAW_KEYS), 3)
    means = {}
    for arm, w in (("baseline", bw), ("thuisplus", tw)):
        pos = {y: i for i, y in enumerate(w.groups.keys.tolist())}
        per_year = np.vstack([w.by_year(_YEARLY_MEANS, mean=True),
                              np.full(len(_YEARLY_MEANS), np.nan)])
        means[arm] = per_year[[pos.get(y, -1) for y in years.tolist()]]  # .reindex(years)
    out = np.empty((n, len(_YEARLY_COLUMNS)))
    law_cols = [_LAW_KEYS.index(law) for law in LAWS]
    out[:, 0:9] = cost[:, law_cols][:, :, [2, 0, 1]].reshape(n, 9)  # avoided, baseline, thuisplus
    out[:, 9] = _row_sum(cost[:, law_cols, 2])
    out[:, 10] = means["thuisplus"][:, 0]
    out[:, 11:14] = means["baseline"][:, 1:]
    out[:, 14:17] = means["thuisplus"][:, 1:]
    out[:, 17] = [cumulative_net.get(y, np.nan) for y in years.tolist()]
    df = pd.DataFrame(out, columns=_YEARLY_COLUMNS, copy=False)
    df.insert(0, "year", years)
    return df


@functools.lru_cache(maxsize=16)
def _resolve(model: str) -> Callable[[dict[str, Any], int], dict[str, float]]:
    module, _, name = model.partition(":")
    return getattr(importlib.import_module(module), name)


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task in a worker; return a ``done`` or ``failed`` record (never raises)."""
    from experiments.store import source_hash

    t0 = time.perf_counter()
    record: dict[str, Any] = {"run_id": task.run_id, "pid": os.getpid(),
                              "code": source_hash()}
    try:
        if task.model == THUISPLUS_MODEL:
            base = _params_from(json.dumps(task.base, sort_keys=True))
            params = (base.with_overrides(task.overrides, origin=f"run {task.run_id}")
                      if task.overrides else base)
            outcomes, yearly = pair_outcomes(params, task.seed, task.weeks, task.draws)
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
