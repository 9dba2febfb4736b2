"""The probabilistic sensitivity analysis: the headline as a probability (docs/evidence.md).

A PSA experiment (``[design] method = "prior"``) draws every uncertainty from its prior
(calibrated ones from a posterior, if the spec's ``params`` is one) at each design point,
runs each contract option (a scenario) on that draw, and repeats it over replications
(seeds) that are the same for every option. From its results folder this module gives

- per option and outcome: the mean, the 90% interval and P(> 0) for one complex (each run
  one possible world: a draw of the parameters and a seed), and the variance split into
  the parameters' part and chance's (between seeds at a fixed draw);
- the decision among the options and doing nothing, with EVPI and EVPPI per parameter
  and per group (:mod:`thuisplus.experiments.voi`), per complex and for the city's flats;
- the acceptability curve over a willingness to pay per severely lonely person-year
  avoided, and the plots (NPV distribution, cost-effect plane, acceptability).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thuisplus.experiments.voi import evpi, evppi_table

__all__ = ["CITY_FLATS", "NOTHING", "PSAResult", "acceptability", "analyse_psa",
           "draw_inputs", "eur", "pct", "point_means"]

#: Rotterdam started with 6 Thuisplusflats in 2021 and has about 20 (domain brief,
#: "The concept, from public sources"); the city's value of information scales by it.
CITY_FLATS = 20
#: The option of not making the complex a Thuisplusflat: every outcome 0 (the baseline).
NOTHING = "no Thuisplusflat"
#: An EVPPI counts as resolved when it exceeds this multiple of its noise floor ...
RESOLVED = 2.0
#: ... and this share of the EVPI (a spline's floor is often exactly 0).
MATERIAL = 0.05
#: Outcomes summarised per option, with their readable names.
HEADLINE_OUTCOMES: dict[str, str] = {
    "npv": "society NPV (€)",
    "npv_budget": "society NPV, budget view (€)",
    "net_municipality": "municipality (€)",
    "net_health_insurer": "health insurer (€)",
    "net_care_office": "care office (€)",
    "net_provider": "preferred provider (€)",
    "net_other_providers": "other providers (€)",
    "net_housing_corporation": "housing corporation (€)",
    "net_carers_employers": "carers' employers (€)",
    "net_informal_carers": "informal carers (€)",
    "lonely_years_avoided": "severely lonely person-years avoided",
    "life_years_gained": "life-years gained",
    "admissions_avoided": "nursing-home admissions avoided",
}


def draw_inputs(df: pd.DataFrame) -> list[str]:
    """The columns of a run's drawn parameters: design ``x.*`` and posterior ``post.*``."""
    return [c for c in df.columns if c.startswith(("x.", "post."))]


def point_means(df: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Means over replications per (scenario, point), with the draw's parameter values."""
    inputs = draw_inputs(df)
    g = df.groupby(["scenario", "point"], sort=True)
    means = g[list(outcomes)].mean()
    if inputs:
        means = means.join(g[inputs].first())
    means["replications"] = g.size()
    return means.reset_index()


def _parts(df: pd.DataFrame, outcome: str) -> tuple[float, float]:
    """(parameter variance, stochastic variance) of one option's outcome.

    The stochastic part is the mean variance between seeds at a fixed draw; the parameter
    part the variance of the draws' true means (variance of the point means less the
    stochastic variance of a mean over the replications). Needs ≥ 2 replications.
    """
    g = df.groupby("point")[outcome]
    reps = g.size()
    if reps.min() < 2:
        return float("nan"), float("nan")
    within = float(g.var(ddof=1).mean())
    between = float(g.mean().var(ddof=1))
    return max(between - within / reps.mean(), 0.0), within


def acceptability(means: pd.DataFrame, options: Sequence[str], wtp: np.ndarray,
                  effect: str = "lonely_years_avoided", money: str = "npv",
                  unit: Sequence[str] = ("point",)) -> pd.DataFrame:
    """P(each option, or nothing, has the highest net benefit) at each willingness to pay.

    Net benefit of an option = its ``money`` outcome + wtp × its ``effect`` (both vs the
    baseline); doing nothing has 0. ``unit``: the columns naming one world, the same for
    every option (a draw; or a draw and a seed). Rows: wtp; columns: options and
    :data:`NOTHING`; also ``P(<option> > 0)`` columns.
    """
    rows = []
    by = {o: means[means["scenario"] == o].set_index(list(unit)).sort_index()
          for o in options}
    for lam in wtp:
        nb = pd.DataFrame({o: by[o][money] + lam * by[o][effect] for o in options})
        nb[NOTHING] = 0.0
        best = nb.to_numpy().argmax(axis=1)
        row = {"wtp": float(lam)}
        for j, name in enumerate(nb.columns):
            row[name] = float((best == j).mean())
        for o in options:
            row[f"P({o} > 0)"] = float((nb[o] > 0).mean())
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class PSAResult:
    """What :func:`analyse_psa` found; tables are plain DataFrames for reports and tests."""

    options: list[str]
    draws: int
    replications: int
    summary: pd.DataFrame            # option × outcome: mean, p05, p95, P(>0), variance parts
    decision: pd.DataFrame           # option: expected NB, P(best), P(NB > 0), per complex
    voi: pd.DataFrame                # name, kind, evppi, floor, resolved, share_of_evpi, city
    evpi: float
    ceac: pd.DataFrame
    means: pd.DataFrame = field(repr=False)
    groups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def city_evpi(self) -> float:
        """EVPI for the city's flats (:data:`CITY_FLATS`)."""
        return self.evpi * CITY_FLATS


def _groups_of(columns: Sequence[str]) -> dict[str, list[str]]:
    """VOI groups (the parameter tree's) of the drawn columns."""
    from thuisplus.sim.params import parameter_group

    groups: dict[str, list[str]] = {}
    for col in columns:
        groups.setdefault(parameter_group(col.split(".", 1)[1]) or "other", []).append(col)
    return groups


def analyse_psa(df: pd.DataFrame, *, options: Sequence[str] | None = None,
                outcome: str = "npv", wtp_max: float = 100_000.0,
                voi: bool = True, seed: int = 0) -> PSAResult:
    """Summarise a PSA's runs (one row per run, as :func:`thuisplus.experiments.load_results`).

    ``outcome`` is the net benefit of the decision (society NPV by default); doing nothing
    (0) is always an option. ``voi=False`` skips the regressions (fast, for dashboards).
    """
    options = list(options) if options is not None else sorted(df["scenario"].unique())
    missing = [o for o in options if o not in set(df["scenario"])]
    if missing:
        raise ValueError(f"no runs of option {missing[0]!r}; options: "
                         f"{', '.join(sorted(df['scenario'].unique()))}")
    df = df[df["scenario"].isin(options)]
    present = [c for c in HEADLINE_OUTCOMES if c in df.columns]
    means = point_means(df, present)
    points = sorted(set(means["point"]))
    for o in options:
        got = set(means.loc[means["scenario"] == o, "point"])
        if got != set(points):
            raise ValueError(f"option {o!r} lacks draws {sorted(set(points) - got)[:5]}: "
                             "the PSA is incomplete (resume it)")
    rows = []
    for o in options:
        runs = df[df["scenario"] == o]
        for c in present:
            x = runs[c].to_numpy(float)  # one complex: parameters and chance
            par, sto = _parts(runs, c)
            rows.append({"option": o, "outcome": c, "mean": x.mean(),
                         "p05": np.quantile(x, 0.05), "p95": np.quantile(x, 0.95),
                         "p_positive": float((x > 0).mean()),
                         "var_parameters": par, "var_stochastic": sto})
    summary = pd.DataFrame(rows)
    world = ["point", "replication"] if "replication" in df.columns else ["point"]
    worlds = pd.DataFrame({o: df[df["scenario"] == o].set_index(world)[outcome]
                           for o in options}).sort_index()
    worlds[NOTHING] = 0.0
    best = worlds.to_numpy().argmax(axis=1)
    decision = pd.DataFrame({
        "option": list(worlds.columns),
        "expected": worlds.mean().to_numpy(),
        "p_best": [float((best == j).mean()) for j in range(worlds.shape[1])],
        "p_positive": [float((worlds[c] > 0).mean()) for c in worlds.columns]})
    # value of information: on the draws' means (what is learnable is the parameters)
    nb = pd.DataFrame({o: means[means["scenario"] == o].set_index("point")[outcome]
                       for o in options}).sort_index()
    nb[NOTHING] = 0.0
    total = evpi(nb)
    inputs = [c for c in draw_inputs(means) if means[c].nunique() > 1]
    groups = _groups_of(inputs)
    if voi and inputs and len(points) >= 10:
        x = means[means["scenario"] == options[0]].set_index("point").sort_index()[inputs]
        table = evppi_table(nb, x, groups, seed=seed)
    else:
        table = pd.DataFrame(columns=["name", "kind", "evppi", "floor", "share_of_evpi"])
    table["resolved"] = ((table["evppi"] > RESOLVED * table["floor"])
                         & (table["evppi"] > MATERIAL * total))
    table["city"] = table["evppi"] * CITY_FLATS
    wtp = np.linspace(0.0, wtp_max, 41)
    ceac = (acceptability(df, options, wtp, unit=world) if "lonely_years_avoided" in present
            else pd.DataFrame())
    reps = int(means["replications"].min()) if len(means) else 0
    return PSAResult(options=options, draws=len(points), replications=reps, summary=summary,
                     decision=decision, voi=table, evpi=total, ceac=ceac, means=means,
                     groups=groups)


# --- report --------------------------------------------------------------------------------
def eur(x: float) -> str:
    """'€1.23M', '−€456k' or '€789' for a report or the console."""
    sign = "−" if x < 0 else ""
    a = abs(x)
    if a >= 1e6:
        return f"{sign}€{a / 1e6:.2f}M"
    if a >= 1e3:
        return f"{sign}€{a / 1e3:.0f}k"
    return f"{sign}€{a:.0f}"


def pct(p: float) -> str:
    """A probability or share as '22%'."""
    return f"{100 * p:.0f}%"


def plot_psa(res: PSAResult, plots, runs: pd.DataFrame) -> dict[str, object]:
    """The PSA's plots: NPV, cost-effect plane, acceptability, VOI.

    The NPV histogram is over ``runs`` (each a possible complex, as the report's chances);
    the plane shows each draw's mean over its seeds.
    """
    import matplotlib as mpl

    from thuisplus.experiments.plots import figure
    from thuisplus.experiments.report import _save

    paths: dict[str, object] = {}
    m = res.means
    colours = dict(zip(res.options, mpl.rcParams["axes.prop_cycle"].by_key()["color"],
                       strict=False))
    fig = figure(figsize=(7.5, 4))
    ax = fig.subplots()
    allx = runs.loc[runs["scenario"].isin(res.options), "npv"] / 1e3
    bins = np.linspace(allx.min(), allx.max(), 31) if allx.max() > allx.min() else 10
    for o in res.options:
        x = runs.loc[runs["scenario"] == o, "npv"] / 1e3
        ax.hist(x, bins=bins, alpha=0.45, color=colours.get(o),
                label=f"{o}: P(NPV > 0) = {pct(float((x > 0).mean()))}")
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("society NPV of one complex (€ thousand, present value)")
    ax.set_ylabel("possible complexes (draw × seed)")
    ax.set_title(f"Society NPV over {res.draws} draws × {res.replications} seed(s)")
    ax.legend(fontsize=8)
    paths["plot_psa_npv"] = _save(fig, plots / "psa_npv.png")

    if "lonely_years_avoided" in m:
        fig = figure(figsize=(7.5, 4.5))
        ax = fig.subplots()
        for o in res.options:
            g = m[m["scenario"] == o]
            ax.scatter(g["lonely_years_avoided"], -g["npv"] / 1e3, s=10, alpha=0.6,
                       color=colours.get(o), label=o)
        ax.axhline(0, color="black", lw=0.8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel("severely lonely person-years avoided (discounted)")
        ax.set_ylabel("net cost to society (€ thousand: −NPV)")
        ax.set_title("Cost-effect plane: each dot one draw, mean over its seeds "
                     "(below zero: saves money)", fontsize=10)
        ax.legend(fontsize=8)
        paths["plot_psa_plane"] = _save(fig, plots / "psa_plane.png")

    if not res.ceac.empty:
        fig = figure(figsize=(7.5, 4))
        ax = fig.subplots()
        for col in [*res.options, NOTHING]:
            ax.plot(res.ceac["wtp"] / 1e3, res.ceac[col], label=col,
                    color=colours.get(col, "grey"), ls="--" if col == NOTHING else "-")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("value of one severely lonely person-year avoided (€ thousand)")
        ax.set_ylabel("probability of the highest net benefit")
        ax.set_title("Acceptability: which option is best, by what loneliness is worth")
        ax.legend(fontsize=8)
        paths["plot_psa_ceac"] = _save(fig, plots / "psa_acceptability.png")

    groups = res.voi[res.voi["kind"] == "group"]
    if not groups.empty and res.evpi > 0:
        fig = figure(figsize=(7.5, 0.45 * len(groups) + 1.4))
        ax = fig.subplots()
        g = groups.iloc[::-1]
        ax.barh(g["name"], g["evppi"] / 1e3, color="#4c72b0")
        ax.axvline(res.evpi / 1e3, color="black", ls="--", lw=1,
                   label=f"EVPI {eur(res.evpi)} per complex")
        ax.set_xlabel("expected value of resolving the group first (€ thousand per complex)")
        ax.set_title("Which evidence gap is worth closing (EVPPI per group)")
        ax.legend(fontsize=8)
        paths["plot_psa_voi"] = _save(fig, plots / "psa_voi.png")
    return paths


def psa_lines(res: PSAResult, *, posterior: bool) -> list[str]:
    """'How sure are we?': the PSA in words and tables for ``report.md``."""
    s = res.summary.set_index(["option", "outcome"])
    main = res.options[0]
    npv = s.loc[(main, "npv")]
    lines = ["## How sure are we?", ""]
    muni = s.loc[(main, "net_municipality")] if (main, "net_municipality") in s.index else None
    lines.append(
        f"**The chance that the Thuisplusflat ({main}) pays off for society is "
        f"{pct(npv['p_positive'])}**"
        + (f", and for the municipality {pct(muni['p_positive'])}" if muni is not None else "")
        + f". Over {res.draws} draws of every uncertain effect size, cost and link from "
        "their priors (docs/evidence.md)"
        + (" and of the calibrated parameters from the fit's posterior" if posterior else
           "; the calibrated parameters at their fitted values (no posterior given)")
        + f", {res.replications} seed(s) each ({res.draws * res.replications} possible "
        f"complexes), the society NPV of one complex averages {eur(npv['mean'])}, and 90% "
        f"of the complexes lie between {eur(npv['p05'])} and {eur(npv['p95'])}. The "
        "chances are for one complex, chance included; over many complexes the mean "
        "matters more.")
    lines.append("")
    par, sto = npv["var_parameters"], npv["var_stochastic"]
    if np.isfinite(par) and np.isfinite(sto) and par + sto > 0:
        lines.append(
            f"Two kinds of uncertainty are in this spread. **What we do not know** (the "
            f"effect sizes and costs): {pct(par / (par + sto))} of the variance of one "
            f"complex's NPV; better evidence narrows it. **Chance** (which residents move "
            f"in, who falls ill when): {pct(sto / (par + sto))}; it stays for one "
            f"complex, and averages out over many.")
        lines.append("")
    lines += ["| option | expected society NPV | P(best of the options) | P(NPV > 0) |",
              "|---|---:|---:|---:|"]
    for r in res.decision.itertuples():
        lines.append(f"| {r.option} | {eur(r.expected)} | {pct(r.p_best)} | "
                     + ("—" if r.option == NOTHING else pct(r.p_positive)) + " |")
    lines += ["", "Who gains, per option (mean and 5–95% over parameter draws and seeds, "
              "each run one possible complex; P(> 0) = the share of them in which the "
              "stakeholder's net is positive):", "",
              "| option | stakeholder or measure | mean | 5% | 95% | P(> 0) |",
              "|---|---|---:|---:|---:|---:|"]
    for r in res.summary.itertuples():
        name = HEADLINE_OUTCOMES.get(r.outcome, r.outcome)
        fmt = eur if "€" in name else (lambda v: f"{v:,.1f}")
        lines.append(f"| {r.option} | {name} | {fmt(r.mean)} | {fmt(r.p05)} | {fmt(r.p95)} "
                     f"| {pct(r.p_positive)} |")
    lines.append("")
    if res.evpi > 0 and not res.voi.empty:
        top = res.voi[(res.voi["kind"] == "group") & res.voi["resolved"]].head(1)
        lines.append(
            f"**Value of information.** Knowing every uncertainty before choosing between "
            f"the options (and doing nothing) would be worth at most {eur(res.evpi)} per "
            f"complex (EVPI; an upper bound, as each draw's mean over {res.replications} "
            f"seed(s) still carries chance), {eur(res.city_evpi)} for the city's "
            f"{CITY_FLATS} flats."
            + (f" The evidence gap most worth closing first is **{top['name'].item()}** "
               f"({eur(top['evppi'].item())} per complex, "
               f"{eur(top['city'].item())} for the city)." if not top.empty else
               " **No evidence gap stands out** at this number of draws: no group's EVPPI "
               f"exceeds {RESOLVED:g}× its noise floor (the estimate with that group's "
               "draws shuffled). Chance dominates one complex's result; more draws and "
               "seeds would resolve it (`thuisplus run --draws`, `--replications`)."))
        lines += ["", "| uncertainty (group or parameter) | kind | EVPPI per complex | "
                  "noise floor | resolved | for the city | share of EVPI |",
                  "|---|---|---:|---:|---|---:|---:|"]
        for r in res.voi.head(15).itertuples():
            name = r.name.split(".", 1)[1] if r.kind == "parameter" else r.name
            lines.append(f"| {name} | {r.kind} | {eur(r.evppi)} | {eur(r.floor)} | "
                         f"{'yes' if r.resolved else 'no'} | {eur(r.city)} | "
                         f"{pct(r.share_of_evpi)} |")
        lines += ["", "EVPPI by the regression method of Strong, Oakley & Brennan (2014): "
                  "splines for one parameter, a Gaussian process for a group "
                  "(`thuisplus.experiments.voi`); the noise floor is the same estimate on shuffled "
                  "draws."]
    else:
        lines.append("**Value of information.** The same option is best in every draw "
                     "(EVPI 0): more evidence would not change the decision.")
    lines += ["", "![NPV over the draws](plots/psa_npv.png)", "",
              "![cost-effect plane](plots/psa_plane.png)", "",
              "![acceptability](plots/psa_acceptability.png)", ""]
    if res.evpi > 0 and (res.voi["kind"] == "group").any():
        lines += ["![value of information](plots/psa_voi.png)", ""]
    return lines


def write_psa(df: pd.DataFrame, tables, plots, *, options: Sequence[str] | None = None,
              posterior: bool = False, csv_dialect: str = "international",
              analysis: PSAResult | None = None) -> tuple[list[str], dict[str, object]]:
    """Analyse a PSA's runs; write its tables and plots; return report lines and paths.

    ``csv_dialect``: how the tables are written (:data:`thuisplus.experiments.export.CSV_DIALECTS`).
    ``analysis``: the runs' :func:`analyse_psa` (of ``options``), if already computed.
    """
    from thuisplus.experiments.export import csv_dialect as _dialect
    from thuisplus.experiments.export import write_csv

    dialect = _dialect(csv_dialect)
    res = analysis if analysis is not None else analyse_psa(df, options=options)
    paths: dict[str, object] = {}
    for name, table in (("psa_summary", res.summary), ("psa_decision", res.decision),
                        ("psa_voi", res.voi), ("psa_acceptability", res.ceac)):
        paths[name] = tables / f"{name}.csv"
        write_csv(table, paths[name], dialect)
    paths.update(plot_psa(res, plots, df[df["scenario"].isin(res.options)]))
    return psa_lines(res, posterior=posterior), paths
