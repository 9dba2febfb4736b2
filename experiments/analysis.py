"""Analysis of an experiment's runs: intervals and sensitivity indices.

Every summary says what its figures span (its ``over`` column, :data:`OVER`), because an
interval answers a different question depending on what the runs of a group are:

- **replications** (one design point, several seeds): ``ci_low``/``ci_high`` is the 90%
  confidence interval of the **mean** (Student t over the replications) — how precisely
  the runs pin down the expected effect; ``p5``/``p95`` the 5th and 95th percentile of
  the runs themselves — how much one complex's outcome can vary by chance;
- **design points** (a design with several points in the group): each point's outcome is
  first averaged over its replications; ``n``, ``mean``, ``sd``, ``p5``/``p95`` are over
  those point means (how the outcome varies across the design). There is no confidence
  interval of a mean here (``ci_low``/``ci_high`` are NaN): the points are the design's
  choices, and with one replication nothing measures the chance at a point;
- **parameter draws and seeds** (a probabilistic analysis, ``draws=True``): ``p5``/``p95``
  over the runs, each one possible complex (a draw of the parameters and a seed); no CI.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from thuisplus.experiments.spec import Experiment

__all__ = ["DEFAULT_SENSITIVITY_OUTCOMES", "OVER", "OVER_DESIGN", "OVER_DRAWS",
           "OVER_REPLICATIONS", "headline", "outcome_columns", "over_of", "point_means",
           "ratio_of_means", "sensitivity_indices", "spread_labels", "summarise_runs"]

DEFAULT_SENSITIVITY_OUTCOMES = ("npv", "avoided_wmo", "avoided_zvw", "avoided_wlz",
                                "net_provider")
LEVEL = 0.90
#: What a summary's figures span (its ``over`` column).
OVER_REPLICATIONS = "replications"
OVER_DESIGN = "design points"
OVER_DRAWS = "parameter draws and seeds"
OVER = (OVER_REPLICATIONS, OVER_DESIGN, OVER_DRAWS)


def _interval(values: np.ndarray, ci: bool = True) -> dict[str, float]:
    """n, mean, sd, the 90% CI of the mean (if ``ci`` and n > 1), p5 and p95 of ``values``."""
    v = values[np.isfinite(values)]
    n = len(v)
    if n == 0:
        return {"n": 0, "mean": np.nan, "sd": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "p5": np.nan, "p95": np.nan}
    mean = float(v.mean())
    sd = float(v.std(ddof=1)) if n > 1 else np.nan
    if n > 1 and ci:
        half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1)) * sd / np.sqrt(n)
    else:
        half = np.nan
    return {"n": n, "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half,
            "p5": float(np.percentile(v, 5)), "p95": float(np.percentile(v, 95))}


def over_of(runs: pd.DataFrame, draws: bool = False) -> str:
    """What a group of runs spans (:data:`OVER`).

    ``draws``: the runs are a probabilistic analysis's (every design point a draw of the
    parameters). Otherwise several design points (``point``) in the group are a design;
    one point (or no ``point`` column) leaves replications (seeds) of one parameter set.
    """
    if draws:
        return OVER_DRAWS
    if "point" in runs.columns and runs["point"].nunique() > 1:
        return OVER_DESIGN
    return OVER_REPLICATIONS


def _stats(runs: pd.DataFrame, col: str, over: str) -> dict[str, float]:
    """The figures of ``col`` over what ``over`` names (see the module's docstring)."""
    if over == OVER_DESIGN:
        means = runs.groupby("point")[col].mean()  # each point: mean of its replications
        return _interval(means.to_numpy(dtype=float), ci=False)
    return _interval(runs[col].to_numpy(dtype=float), ci=over == OVER_REPLICATIONS)


def spread_labels(over: str, n: int, replications: int | None = None) -> dict[str, str]:
    """Readable labels of a summary's figures: ``mean``, ``ci`` ("" when it has none), ``range``.

    ``n``: how many of what ``over`` names (replications, design points or runs);
    ``replications``: the replications at each design point (for the design's labels).
    """
    if over == OVER_REPLICATIONS:
        if n <= 1:
            return {"mean": "one run", "ci": "", "range": ""}
        seeds = f"{n} replications (seeds)"
        return {"mean": f"mean over {seeds}", "ci": f"90% CI of the mean over {seeds}",
                "range": f"5–95% of the {n} runs (chance)"}
    if over == OVER_DESIGN:
        each = ("" if replications is None else
                " (1 replication each)" if replications == 1 else
                f" (each the mean of its {replications} replications)")
        return {"mean": f"mean over {n} design points{each}", "ci": "",
                "range": f"5–95% over the {n} design points"}
    if over == OVER_DRAWS:
        return {"mean": f"mean over {n} runs (parameter draws and seeds)", "ci": "",
                "range": "5–95% over parameter draws and seeds"}
    raise ValueError(f"over = {over!r}: allowed: one of {', '.join(map(repr, OVER))}")


def outcome_columns(df: pd.DataFrame) -> list[str]:
    """The numeric outcome columns of a runs table (not ids, design values or timing)."""
    skip = {"run_id", "point", "replication", "seed", "seconds"}
    return [c for c in df.columns if c not in skip and not c.startswith("x.")
            and pd.api.types.is_numeric_dtype(df[c])]


def summarise_runs(df: pd.DataFrame, by: Sequence[str] = ("scenario",),
                   outcomes: Sequence[str] | None = None, *, draws: bool = False
                   ) -> pd.DataFrame:
    """Long table: one row per group × outcome with n, mean, sd, CI of the mean, p5, p95.

    ``over`` says what each row's figures span (:func:`over_of`): the replications of one
    design point (with a CI of the mean), the design points of a group that holds several
    (each point's mean over its replications; no CI), or, with ``draws``, the parameter
    draws and seeds of a probabilistic analysis (no CI).
    """
    outcomes = list(outcomes) if outcomes is not None else outcome_columns(df)
    rows = []
    for key, g in df.groupby(list(by), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        over = over_of(g, draws)
        for o in outcomes:
            rows.append({**dict(zip(by, key, strict=True)), "outcome": o,
                         **_stats(g, o, over), "over": over})
    return pd.DataFrame(rows)


def point_means(exp: Experiment, df: pd.DataFrame, outcome: str, scenario: str
                ) -> np.ndarray:
    """Mean of ``outcome`` over replications at each design point, in design order."""
    sub = df[df["scenario"] == scenario]
    means = sub.groupby("point")[outcome].mean()
    n_points = len(exp.points)
    missing = sorted(set(range(n_points)) - set(means.index))
    if missing:
        raise ValueError(f"scenario {scenario!r}: {len(missing)} of {n_points} design points "
                         f"have no finished run (first: {missing[:5]}); finish the "
                         "experiment with --resume before computing indices")
    y = means.reindex(range(n_points)).to_numpy(dtype=float)
    if not np.isfinite(y).all():
        bad = int((~np.isfinite(y)).sum())
        raise ValueError(f"outcome {outcome!r} is NaN or infinite at {bad} design points; "
                         "choose another outcome")
    return y


def sensitivity_indices(exp: Experiment, df: pd.DataFrame,
                        outcomes: Sequence[str] | None = None, *, seed: int = 1,
                        num_resamples: int = 1000) -> pd.DataFrame:
    """Sobol (S1, ST with 90% CIs) or Morris (μ*, σ) indices per scenario and outcome.

    The model output at a design point is the mean over its replications (with common
    seeds, the same seeds at every point). Uses SALib's analyzers on the spec's design.
    """
    method = exp.spec.design.method
    if method not in ("sobol", "morris"):
        raise ValueError(f"design method {method!r} has no sensitivity indices; use "
                         "sobol or morris")
    outcomes = list(outcomes or exp.spec.outcomes or
                    [o for o in DEFAULT_SENSITIVITY_OUTCOMES if o in df.columns])
    unknown = [o for o in outcomes if o not in df.columns]
    if unknown:
        raise ValueError(f"outcome(s) {unknown} not in the results; available: "
                         f"{', '.join(outcome_columns(df))}")
    problem = exp.salib_problem()
    rows = []
    for scenario in exp.scenarios:
        for outcome in outcomes:
            y = point_means(exp, df, outcome, scenario)
            if method == "sobol":
                from SALib.analyze import sobol

                if np.ptp(y) == 0:
                    res = {"S1": np.zeros(len(problem["names"])),
                           "S1_conf": np.zeros(len(problem["names"])),
                           "ST": np.zeros(len(problem["names"])),
                           "ST_conf": np.zeros(len(problem["names"]))}
                else:
                    res = sobol.analyze(problem, y,
                                        calc_second_order=exp.spec.design.second_order,
                                        num_resamples=num_resamples, conf_level=LEVEL,
                                        seed=seed)
                for i, name in enumerate(problem["names"]):
                    rows.append({"scenario": scenario, "outcome": outcome, "parameter": name,
                                 "S1": res["S1"][i], "S1_conf": res["S1_conf"][i],
                                 "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]})
            else:
                from SALib.analyze import morris

                res = morris.analyze(problem, exp.design_matrix(), y,
                                     num_levels=exp.spec.design.levels,
                                     num_resamples=num_resamples, conf_level=LEVEL, seed=seed)
                for i, name in enumerate(problem["names"]):
                    rows.append({"scenario": scenario, "outcome": outcome, "parameter": name,
                                 "mu": res["mu"][i], "mu_star": res["mu_star"][i],
                                 "mu_star_conf": res["mu_star_conf"][i],
                                 "sigma": res["sigma"][i]})
    return pd.DataFrame(rows)


def ratio_of_means(num: np.ndarray, den: np.ndarray, *, resamples: int = 1000,
                   seed: int = 1, ci: bool = True) -> dict[str, float]:
    """mean(num) / mean(den) with a 90% bootstrap CI (runs resampled); NaN if den ≈ 0.

    ``ci=False``: the ratio alone (its values are not replications of one parameter set).
    """
    num, den = np.asarray(num, float), np.asarray(den, float)
    n = len(num)
    nan = {"n": n, "mean": np.nan, "sd": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "p5": np.nan, "p95": np.nan}
    if n == 0 or den.mean() <= 0:
        return nan
    if not ci:
        return {**nan, "mean": float(num.mean() / den.mean())}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = num[idx].mean(axis=1) / den[idx].mean(axis=1)
    boot = boot[np.isfinite(boot)]
    return {**nan, "mean": float(num.mean() / den.mean()),
            "ci_low": float(np.percentile(boot, 5)) if n > 1 else np.nan,
            "ci_high": float(np.percentile(boot, 95)) if n > 1 else np.nan}


def headline(df: pd.DataFrame, view: str | None = None, *, draws: bool = False
             ) -> pd.DataFrame:
    """The main job's headline per scenario, each with mean, 90% CI and 5-95%.

    Avoided € per law and year, the societal NPV and benefit-cost ratio (mean PV benefits
    over mean PV costs, with the 5-95% of the runs' own ratios), per stakeholder
    the net present value and the benefit-cost ratio (PV gains / PV pays as a ratio of
    means, with a bootstrap CI: per run the denominator can be near zero), both views of
    freed nursing-home places side by side (budget, capacity), client volume and the
    non-monetary outcomes. ``view``: the nursing-home view of the headline's NPV
    (``money.nursing_home_view``), named in its labels.

    ``over`` says what each row spans (:func:`over_of`, as :func:`summarise_runs`): a CI
    of the mean only over the replications of one design point; over a design's points
    or a probabilistic analysis's draws (``draws``) the mean and 5-95% alone.
    """
    from thuisplus.sim.business_case import STAKEHOLDERS, VIEWS

    named = f" ({view} view)" if view else ""
    plain: list[tuple[str, str, str]] = [
        ("avoided_wmo_per_year", "avoided Wmo care over the persons' lives, per "
         "programme year", "€/year"),
        ("avoided_zvw_per_year", "avoided Zvw care, idem", "€/year"),
        ("avoided_wlz_per_year", "avoided Wlz care (nursing-home days at their price), "
         "idem", "€/year"),
        ("avoided_total_per_year", "avoided care, all laws, idem", "€/year"),
        ("avoided_per_resident", "avoided care per person who lived in the complex "
         "(either arm)", "€/person"),
        ("avoided_per_resident_year", "avoided care per resident-year of the programme",
         "€/resident-year"),
        ("npv", f"society: net present value{named}", "€ PV"),
        ("benefit_cost_ratio", f"society: benefit-cost ratio{named}", "ratio"),
    ]
    views: list[tuple[str, str, str]] = [
        (f"{key}_{v}", f"{label}, {v} view", unit) for v in VIEWS for key, label, unit in (
            ("npv", "society: net present value", "€ PV"),
            ("benefit_cost_ratio", "society: benefit-cost ratio", "ratio"),
            ("net_care_office", "care office: net present value", "€ PV"))]
    tail = [("nursing_home_days_avoided", "nursing-home days avoided", "days"),
            ("exposed_persons", "persons who lived in the complex in the programme",
             "persons"),
            ("life_years_gained", "life-years gained (all persons)", "years"),
            ("life_years_at_home_gained",
             "life-years at home gained (in the complex or elsewhere)", "years"),
            ("nursing_home_years_avoided", "nursing-home years avoided", "years"),
            ("admissions_avoided", "nursing-home admissions avoided", "persons"),
            ("admissions_postponed", "nursing-home admissions postponed", "persons"),
            ("admissions_caused", "nursing-home admissions caused", "persons"),
            ("admission_delay_years", "admissions postponed, net years", "years"),
            ("informal_care_hours_added", "informal care hours added", "hours"),
            ("clients_2023", "preferred provider's Wmo clients, Jan 2023", "clients"),
            ("clients_mean", "preferred provider's Wmo clients, mean", "clients"),
            ("lonely_years_avoided", "severely lonely person-years avoided (discounted, lifetimes)",
             "years"),
            ("overburdened_carer_years_avoided",
             "overburdened carer-years avoided (discounted)", "years")]
    rows = []
    for scenario, g in df.groupby("scenario", sort=False):
        over = over_of(g, draws)

        def add(col: str, label: str, unit: str, stats_: dict[str, float],
                scenario: object = scenario, over: str = over) -> None:
            rows.append({"scenario": scenario, "measure": label, "unit": unit,
                         "outcome": col, **stats_, "over": over})

        # a design's ratio: of the means over its points (each the mean of its replications)
        ratio_runs = g.groupby("point").mean(numeric_only=True) if over == OVER_DESIGN else g

        def figures(col: str, g: pd.DataFrame = g, over: str = over,
                    ratio_runs: pd.DataFrame = ratio_runs) -> dict[str, float]:
            if col.startswith("benefit_cost_ratio") and "pv_costs" in g:
                return _society_ratio(g, ratio_runs, col, over)
            return _stats(g, col, over)

        for col, label, unit in plain:
            if col in g:
                add(col, label, unit, figures(col))
        for s in STAKEHOLDERS:
            if f"net_{s}" not in g:
                continue
            name = s.replace("_", " ")
            tag = named if s == "care_office" else ""  # the only net the view moves
            add(f"net_{s}", f"{name}: net present value{tag}", "€ PV",
                _stats(g, f"net_{s}", over))
            add(f"bcr_{s}", f"{name}: benefit-cost ratio{tag}", "ratio",
                ratio_of_means(ratio_runs[f"gains_{s}"].to_numpy(),
                               ratio_runs[f"pays_{s}"].to_numpy(),
                               ci=over == OVER_REPLICATIONS))
        for col, label, unit in (*views, *tail):
            if col in g:
                add(col, label, unit, figures(col))
    return pd.DataFrame(rows)


def _society_ratio(g: pd.DataFrame, ratio_runs: pd.DataFrame, col: str, over: str
                   ) -> dict[str, float]:
    """Society's benefit-cost ratio ``col``: mean PV benefits over mean PV costs.

    A mean of the runs' own ratios can say > 1 while the mean NPV is < 0 (a ratio is not
    additive, and a run whose costs are near 0 weighs in wildly), so the mean (and, over
    replications, its bootstrap CI) is :func:`ratio_of_means`, as the stakeholders'
    ratios. The 5-95% are of the runs' own ratios: what one complex's ratio can be. A
    view's benefits are its NPV plus the costs (the views differ only in a benefit, the
    avoided nursing-home days).
    """
    npv = "npv" + col.removeprefix("benefit_cost_ratio")
    if npv not in g:
        return _stats(g, col, over)
    costs = ratio_runs["pv_costs"].to_numpy(dtype=float)
    benefits = ratio_runs[npv].to_numpy(dtype=float) + costs
    done = np.isfinite(costs) & np.isfinite(benefits)  # as _stats: runs without a value out
    spread = _stats(g, col, over)
    ratio = ratio_of_means(benefits[done], costs[done], ci=over == OVER_REPLICATIONS)
    return {**spread, "n": int(done.sum()), "sd": np.nan,
            **{k: ratio[k] for k in ("mean", "ci_low", "ci_high")}}
