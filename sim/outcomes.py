"""The outcomes of a pair as one flat row: avoided care, the business case, the persons.

:func:`pair_outcomes` runs a pair and reduces it to the outcome columns of
:data:`OUTCOMES` (what every row of an experiment's results holds) and a yearly table;
:func:`evaluate` is the same as a flat ``dict`` in, flat ``dict`` out function for outside
samplers (the EMA workbench, SALib, a notebook), NaN-free; :func:`outcomes_of` takes a
:class:`thuisplus.sim.pair.Pair` in hand.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from thuisplus.sim.business_case import (
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
from thuisplus.sim.model import ThuisplusModel, check_draws
from thuisplus.sim.pair import (
    BaselineCache,
    Pair,
    baseline_key,
    baseline_params,
    person_outcomes,
    tape_budget,
)
from thuisplus.sim.params import Parameters
from thuisplus.sim.presets import run_parameters

__all__ = ["EVALUATE_OUTCOMES", "OUTCOMES", "PERSON_OUTCOMES", "evaluate", "outcomes_of",
           "pair_outcomes"]

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
    **{f"pays_{s}": f"€ PV {s.replace('_', ' ')} pays: its costs and transfers out, each "
       "with its sign (a saving is a negative cost)" for s in STAKEHOLDERS},
    **{f"gains_{s}": f"€ PV {s.replace('_', ' ')} gains: its benefits and transfers in, "
       "each with its sign (a dis-benefit is a negative gain, never a payment)"
       for s in STAKEHOLDERS},
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


#: The arm a worker's seed must be asked for before its draws are taped: a tape costs
#: ~5 arms' time to record (520 weeks; ~12 for a lifetime run) and saves ~20% of each arm
#: that replays it, so it pays only where one seed serves many design points (a Sobol or
#: grid study on common seeds), not a few options of a PSA's draw.
BATCH_RECORD_AFTER = 32
#: The most tapes a worker keeps (within its byte budget, thuisplus.sim.pair.tape_budget).
BATCH_TAPES = 8


@functools.cache
def _arms(draws: str) -> BaselineCache:
    """Per worker and engine: the Thuisplusflat arms' cache, with draw tapes.

    No arms are kept (the baselines are: :func:`_baseline_weekly`); tapes within the
    worker's budget (:func:`thuisplus.sim.pair.tape_budget`): ~140 MB for 520 weeks,
    ~785 MB for a lifetime run (thuisplus.sim.pair.BaselineCache.run_arm).
    """
    return BaselineCache(size=0, tapes=BATCH_TAPES, draws=draws, tape_bytes=tape_budget(),
                         record_after=BATCH_RECORD_AFTER)


#: Baseline arms a worker keeps (~2.5 MB each for a lifetime run: ~80 MB). An experiment
#: orders its runs design point, then replication: with R replications on common seeds a
#: worker's baseline recurs every R runs, so the cache must hold more than R (it held 4).
BASELINE_CACHE_SIZE = 32


@functools.lru_cache(maxsize=BASELINE_CACHE_SIZE)
def _baseline_weekly(baseline_json: str, seed: int, weeks: int | None,
                     draws: str = "streams") -> _Weekly:
    """The baseline arm's weekly arrays, cached per worker (read-only).

    The baseline arm does not read the ``thuisplus`` parameters
    (:func:`thuisplus.sim.pair.baseline_key`): design points that only vary Thuisplusflat effect
    sizes share one baseline per seed, which halves a Sobol study.
    """
    w = _weekly(ThuisplusModel(baseline_params(baseline_json), seed=seed, draws=draws)
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

    ``draws``: the engine (:data:`thuisplus.sim.model.DRAWS`).
    """
    check_draws(draws)
    bw = _baseline_weekly(baseline_key(params), seed, weeks, draws)
    tw = _weekly(_arms(draws).run_arm(params, seed, weeks))
    return _outcomes(params, bw, tw)


def _outcomes(params: Parameters, bw: _Weekly, tw: _Weekly
              ) -> tuple[dict[str, float], pd.DataFrame]:
    """:func:`pair_outcomes` from the weekly arrays of the baseline and Thuisplusflat arm.

    Its numbers are those of the stakeholder flows, measures and avoided table of
    :mod:`thuisplus.sim.business_case` and :mod:`thuisplus.sim.pair`, computed without their
    DataFrames.
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





#: Outcomes :func:`evaluate` gives beyond :data:`OUTCOMES`, and the values it gives where an
#: outcome of OUTCOMES is undefined (its dict is NaN-free).
_UNDEFINED = {
    "payback_year": "the year after the run's last year when the cumulative societal net "
                    "never stays >= 0 (censored: see paid_back)",
    "benefit_cost_ratio": "0 when the PV of costs is not positive (see dominant)",
    "clients_2023": "0 when the run ends before 2023 (see clients_2023_observed)",
    "avoided_per_resident": "0 when nobody lived in the complex",
    "avoided_per_exposed_person": "0 when nobody lived in the complex in the programme",
    "avoided_per_resident_year": "0 when there were no resident-years",
}
EVALUATE_OUTCOMES: dict[str, str] = {
    **{k: f"{v}; {_UNDEFINED[k]}" if k in _UNDEFINED else
       (f"{v}; 0 when the PV of costs is not positive" if k.startswith("benefit_cost_ratio_")
        else v)
       for k, v in OUTCOMES.items()},
    "paid_back": "1 if the cumulative societal net stays >= 0 from some year of the run on, "
                 "else 0",
    "dominant": "1 if the Thuisplusflat costs nothing net (PV of costs <= 0) and its "
                "benefits are >= 0, not both 0: it dominates doing nothing; else 0",
    "clients_2023_observed": "1 if the run reaches 2023 (clients_2023 is a count), else 0",
}


def evaluate(overrides: Mapping[str, Any] | None = None, *, seed: Any,
             preset: str | None = None, weeks: int | None = None) -> dict[str, float]:
    """One pair as a flat dict: parameters by dotted name in, every outcome out.

    ``overrides``: ``{"thuisplus.room.effect_lonely": 0.2, "building.dwellings": 120.4}``
    on top of ``preset`` (a shipped preset, ``"contract-2021"``) or the defaults; values
    from an outside sampler are cast as the project's designs cast them (integer
    parameters rounded). ``seed``: the pair's seed (any form :class:`ThuisplusModel`
    accepts). ``weeks``: the run's length (default: the programme and the persons'
    lifetime follow-up). Returns :data:`EVALUATE_OUTCOMES` (€, persons, years; documented
    there), with no NaN: an outcome that is undefined for this pair takes the value its
    description states. The numbers are those of an experiment's runs table and of
    ``thuisplus pair --json`` for the same parameters and seed.

    Example:
        >>> from thuisplus.sim import evaluate
        >>> out = evaluate({"thuisplus.contract.transfer_acceptance": 0.5}, seed=1,
        ...                preset="contract-2021")
        >>> out["npv"], out["net_municipality"]  # doctest: +SKIP

    """
    from thuisplus.sim.rng import seed_entropy

    if weeks is not None and (isinstance(weeks, bool) or not isinstance(weeks, int)
                              or weeks < 1):
        raise ValueError(f"weeks = {weeks!r}: allowed: an integer >= 1, or None for the "
                         "programme and the follow-up")
    params = run_parameters(None, preset, overrides, origin="evaluate overrides")
    outcomes, yearly = pair_outcomes(params, seed_entropy(seed), weeks)
    return _flat(outcomes, yearly)


def outcomes_of(pair: Pair) -> dict[str, float]:
    """:func:`evaluate`'s dict for a pair in hand (:meth:`thuisplus.sim.pair.Pair.outcomes`)."""
    outcomes, yearly = _outcomes(pair.params, _weekly(pair.baseline), _weekly(pair.thuisplus))
    return _flat(outcomes, yearly)


def _flat(outcomes: dict[str, float], yearly: pd.DataFrame) -> dict[str, float]:
    """The outcomes with their undefined values replaced as :data:`EVALUATE_OUTCOMES` says."""
    out = {k: float(v) for k, v in outcomes.items()}
    out["paid_back"] = float(math.isfinite(out["payback_year"]))
    if not out["paid_back"]:
        out["payback_year"] = float(yearly["year"].max() + 1) if len(yearly) else 0.0
    costs, benefits = out["pv_costs"], out["pv_benefits"]
    out["dominant"] = float(costs <= 0 and benefits >= 0 and (costs, benefits) != (0, 0))
    out["clients_2023_observed"] = float(math.isfinite(out["clients_2023"]))
    for k in out:
        if (k.startswith("benefit_cost_ratio") or k in _UNDEFINED) and not math.isfinite(out[k]):
            out[k] = 0.0
    bad = [k for k, v in out.items() if not math.isfinite(v)]
    if bad:  # an outcome without a stated value for "undefined": a bug, not a number
        raise RuntimeError(f"outcomes {bad} are not finite; "
                           "thuisplus.sim.outcomes.EVALUATE_OUTCOMES "
                           "must say what they are when undefined")
    return {k: out[k] for k in EVALUATE_OUTCOMES}
