"""Reports of an experiment folder: CSV tables, PNG plots and a ``report.md`` embedding them."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from thuisplus.experiments import export
from thuisplus.experiments.analysis import (
    OVER_REPLICATIONS,
    headline,
    outcome_columns,
    sensitivity_indices,
    spread_labels,
    summarise_runs,
)
from thuisplus.experiments.export import DEFAULT_DIALECT
from thuisplus.experiments.plots import figure
from thuisplus.experiments.spec import Experiment
from thuisplus.experiments.store import load_failures, load_manifest, load_results, load_yearly
from thuisplus.sim.business_case import STAKEHOLDERS

__all__ = ["experiment_from_manifest", "interval_note", "write_report"]

LAWS = ("wmo", "zvw", "wlz")
LAW_COLOURS = {"wmo": "#4f81bd", "zvw": "#9bbb59", "wlz": "#c0504d", "total": "#404040"}


def experiment_from_manifest(out: str | Path) -> Experiment:
    """Rebuild the experiment of a results folder from its manifest."""
    m = load_manifest(out)
    source = m.get("spec_source", "spec")
    base_dir = Path(source).parent if source and source != "spec" else Path.cwd()
    # allow_code: reading results runs no model; the runner checked the spec when it ran
    return Experiment.from_dict(m["spec"], source=f"{out}/manifest.json", base_dir=base_dir,
                                allow_code=True)


def _money(x: float) -> str:
    if not np.isfinite(x):
        return "—"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def format_value(x: float, unit: str) -> str:
    """A figure in its unit's precision; "—" for NaN."""
    if not np.isfinite(x):
        return "—"
    if unit == "ratio":
        return f"{x:.2f}"
    if unit in ("clients", "years"):
        return f"{x:,.1f}"
    return f"{x:,.0f}"


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _band(s: pd.DataFrame) -> pd.DataFrame:
    """``s`` with ``band_low``/``band_high``: the CI of the mean over replications, else 5-95%.

    A group of replications of one design point has a CI of its mean; a group over design
    points or over parameter draws and seeds has none, and shows its 5-95% spread.
    """
    reps = (s["over"] == OVER_REPLICATIONS).to_numpy()
    return s.assign(band_low=np.where(reps, s["ci_low"], s["p5"]),
                    band_high=np.where(reps, s["ci_high"], s["p95"]))


def band_text(s: pd.DataFrame, replications: int | None = None) -> str:
    """What the bars or bands of a summary (:func:`_band`) show, in words."""
    texts = []
    for over, g in s.groupby("over", sort=False):
        lab = spread_labels(over, int(g["n"].max()), replications)
        texts.append(lab["ci"] if over == OVER_REPLICATIONS else lab["range"])
    return "; ".join(dict.fromkeys(t for t in texts if t)) or "none (one run each)"


def plot_avoided_per_law(df: pd.DataFrame, path: Path, *, draws: bool = False,
                         replications: int | None = None) -> Path:
    """Grouped bars: avoided € per year per law and scenario, with the interval it has.

    Over replications of one point: the 90% CI of the mean; over design points or draws:
    the 5-95% spread (:func:`band_text` names it in the title).
    """
    scen = list(dict.fromkeys(df["scenario"]))
    cols = [f"avoided_{law}_per_year" for law in LAWS] + ["avoided_total_per_year"]
    s = _band(summarise_runs(df, ("scenario",), cols, draws=draws))
    what = band_text(s, replications)
    s = s.set_index(["scenario", "outcome"])
    fig = figure(figsize=(max(6.5, 1.6 * len(scen) + 3), 4.2))
    ax = fig.subplots()
    width = 0.8 / len(cols)
    x = np.arange(len(scen))
    for k, c in enumerate(cols):
        law = c.split("_")[1]
        m = np.array([s.loc[(sc, c), "mean"] for sc in scen]) / 1e3
        lo = np.array([s.loc[(sc, c), "band_low"] for sc in scen]) / 1e3
        hi = np.array([s.loc[(sc, c), "band_high"] for sc in scen]) / 1e3
        err = np.maximum(np.nan_to_num(np.vstack([m - lo, hi - m])), 0)
        ax.bar(x + (k - (len(cols) - 1) / 2) * width, m, width, yerr=err, capsize=3,
               color=LAW_COLOURS[law], label=law.capitalize() if law != "total" else "total")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, [sc.replace("_", " ") for sc in scen])
    ax.set_ylabel("€ thousand per year")
    ax.set_title(f"Avoided care per law (baseline − Thuisplusflat)\nmean; bars: {what}",
                 fontsize=10)
    ax.legend(ncol=4, fontsize=8)
    return _save(fig, path)


def plot_stakeholders(df: pd.DataFrame, path: Path, *, draws: bool = False,
                      replications: int | None = None) -> Path:
    """Bars: discounted net per stakeholder and scenario, with the interval it has.

    As :func:`plot_avoided_per_law`: a CI of the mean over replications of one point, else
    the 5-95% spread over design points or draws, named in the title.
    """
    scen = list(dict.fromkeys(df["scenario"]))
    cols = [f"net_{s}" for s in STAKEHOLDERS] + ["npv"]
    s = _band(summarise_runs(df, ("scenario",), cols, draws=draws))
    what = band_text(s, replications)
    s = s.set_index(["scenario", "outcome"])
    fig = figure(figsize=(9, 4.5))
    ax = fig.subplots()
    width = 0.8 / len(scen)
    x = np.arange(len(cols))
    for k, sc in enumerate(scen):
        m = np.array([s.loc[(sc, c), "mean"] for c in cols]) / 1e3
        lo = np.array([s.loc[(sc, c), "band_low"] for c in cols]) / 1e3
        hi = np.array([s.loc[(sc, c), "band_high"] for c in cols]) / 1e3
        ax.bar(x + (k - (len(scen) - 1) / 2) * width, m, width, label=sc.replace("_", " "),
               yerr=np.maximum(np.nan_to_num(np.vstack([m - lo, hi - m])), 0), capsize=2)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, [c.removeprefix("net_").replace("_", "\n") if c != "npv" else "society\n(NPV)"
                      for c in cols], fontsize=8)
    ax.set_ylabel("€ thousand, present value")
    ax.set_title(f"Who gains, who pays: net present value per stakeholder\nmean; bars: "
                 f"{what}", fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_timeseries(yearly: pd.DataFrame, path: Path, band: str = "5-95% of runs") -> Path:
    """Avoided € per law per year: mean line and 5-95% band of runs, one panel per law.

    ``band`` names what the runs span (seeds; design points and seeds; draws and seeds).
    """
    scen = list(dict.fromkeys(yearly["scenario"]))
    fig = figure(figsize=(13, 3.6))
    axes = fig.subplots(1, 4, sharex=True)
    for ax, law in zip(axes, [*LAWS, "total"], strict=True):
        col = f"avoided_{law}"
        for sc in scen:
            g = yearly[yearly["scenario"] == sc].groupby("year")[col]
            mean, lo, hi = g.mean() / 1e3, g.quantile(0.05) / 1e3, g.quantile(0.95) / 1e3
            line, = ax.plot(mean.index, mean, marker=".", label=sc.replace("_", " "))
            ax.fill_between(mean.index, lo, hi, alpha=0.2, color=line.get_color())
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(f"avoided {law.capitalize() if law != 'total' else 'total'}")
        ax.set_xlabel("year")
    axes[0].set_ylabel(f"€ thousand (mean, {band})", fontsize=8)
    axes[-1].legend(fontsize=7)
    return _save(fig, path)


def plot_design(df: pd.DataFrame, exp: Experiment, path: Path,
                outcomes: tuple[str, ...] = ("npv", "net_provider", "net_municipality",
                                             "avoided_total_per_year")) -> Path | None:
    """Outcomes against the first numeric design parameter, per scenario.

    A grid's band at each value: the 90% CI of the mean over the replications when the
    value is one design point, else the 5-95% over the design points that share it; the
    title names which.
    """
    numeric = [k for k in exp.design_keys
               if pd.api.types.is_numeric_dtype(df.get(f"x.{k}", pd.Series(dtype=object)))]
    if not numeric:
        return None
    key = numeric[0]
    outcomes = tuple(o for o in outcomes if o in df)
    fig = figure(figsize=(3.6 * len(outcomes), 3.6))
    axes = fig.subplots(1, len(outcomes))
    axes = np.atleast_1d(axes)
    scen = list(dict.fromkeys(df["scenario"]))
    bands: list[str] = []
    for ax, o in zip(axes, outcomes, strict=True):
        for sc in scen:
            sub = df[df["scenario"] == sc]
            if exp.spec.design.method == "grid":
                s = _band(summarise_runs(sub, (f"x.{key}",), [o]).sort_values(f"x.{key}"))
                bands.append(band_text(s, exp.spec.replications))
                line, = ax.plot(s[f"x.{key}"], s["mean"] / 1e3, marker="o",
                                label=sc.replace("_", " "))
                ax.fill_between(s[f"x.{key}"], s["band_low"] / 1e3, s["band_high"] / 1e3,
                                alpha=0.2, color=line.get_color())
            else:
                ax.scatter(sub[f"x.{key}"], sub[o] / 1e3, s=6, alpha=0.5,
                           label=sc.replace("_", " "))
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xlabel(key.rsplit(".", 1)[-1].replace("_", " "))
        ax.set_title(o.replace("_", " "), fontsize=9)
    axes[0].set_ylabel("€ thousand")
    axes[-1].legend(fontsize=7)
    fig.suptitle("each dot one run" if not bands else
                 "line: mean of the runs at each value; band: "
                 + "; ".join(dict.fromkeys(bands)), fontsize=9)
    return _save(fig, path)


def plot_sensitivity(ind: pd.DataFrame, method: str, path: Path) -> Path:
    """Sobol: S1 and ST bars with CIs per outcome; Morris: μ* against σ per outcome."""
    outcomes = list(dict.fromkeys(ind["outcome"]))
    scen = next(iter(dict.fromkeys(ind["scenario"])))
    ind = ind[ind["scenario"] == scen]
    fig = figure(figsize=(4.2 * len(outcomes), 4.4))
    axes = fig.subplots(1, len(outcomes), sharey=False)
    axes = np.atleast_1d(axes)
    for ax, o in zip(axes, outcomes, strict=True):
        sub = ind[ind["outcome"] == o]
        names = [n.rsplit(".", 1)[-1].replace("_", " ") for n in sub["parameter"]]
        if method == "sobol":
            y = np.arange(len(sub))
            ax.barh(y + 0.2, sub["S1"], 0.4, xerr=sub["S1_conf"], label="first order S1",
                    color="#4f81bd", capsize=2)
            ax.barh(y - 0.2, sub["ST"], 0.4, xerr=sub["ST_conf"], label="total order ST",
                    color="#c0504d", capsize=2)
            ax.set_yticks(y, names, fontsize=7)
            ax.set_xlim(left=min(0, float(sub["S1"].min()) - 0.05))
            ax.invert_yaxis()
        else:
            ax.errorbar(sub["mu_star"], sub["sigma"], xerr=sub["mu_star_conf"], fmt="o")
            for n, x, yv in zip(names, sub["mu_star"], sub["sigma"], strict=True):
                ax.annotate(n, (x, yv), fontsize=7)
            ax.set_xlabel("μ* (mean |elementary effect|)")
            ax.set_ylabel("σ (interactions, non-linearity)")
        ax.set_title(o.replace("_", " "), fontsize=9)
    if method == "sobol":
        axes[0].legend(fontsize=7)
    fig.suptitle(f"{'Sobol' if method == 'sobol' else 'Morris'} sensitivity ({scen})",
                 fontsize=10)
    return _save(fig, path)


def write_report(out: str | Path, outcomes: list[str] | None = None, *,
                 csv_dialect: str = DEFAULT_DIALECT,
                 xlsx: str | Path | bool | None = None) -> dict[str, Any]:
    """Tables, plots and ``report.md`` for the experiment in ``out``; returns their paths.

    ``csv_dialect``: how the tables are written (:data:`thuisplus.experiments.export.CSV_DIALECTS`;
    ``"nl"`` for a Dutch-locale Excel). ``xlsx``: also write the results as a workbook for
    policy staff (``True``: ``out/report.xlsx``; or a path ending in ``.xlsx``), returned as
    ``paths["workbook"]``.
    """
    out = Path(out)
    dialect = export.csv_dialect(csv_dialect)  # a bad name fails before anything is written
    book = export.workbook_path(xlsx, out / "report.xlsx")
    exp = experiment_from_manifest(out)
    manifest = load_manifest(out)
    df = load_results(out)
    failures = load_failures(out)
    paths: dict[str, Any] = {}
    tables = out / "tables"
    plots = out / "plots"
    tables.mkdir(exist_ok=True)
    plots.mkdir(exist_ok=True)
    counts = manifest["counts"]
    lines = [f"# Experiment `{exp.name}`", ""]
    if exp.spec.description:
        lines += [exp.spec.description, ""]
    code = manifest.get("code", {})
    lines += [
        f"{counts['done']} of {counts['runs']} runs finished"
        + (f", **{counts['failed']} failed** (see failures.parquet)" if counts["failed"] else "")
        + f"; {len(exp.scenarios)} scenario(s) × {len(exp.points)} design point(s) × "
        f"{exp.spec.replications} replication(s); seed {exp.spec.seed}; design "
        f"`{exp.spec.design.method}`; code {code.get('package', '?')}"
        + (f" at {code['commit'][:10]}" + (" (with local changes)" if code.get("dirty") else "")
           if code.get("commit") else "") + ".",
        "",
        "Each run is a *pair*: the complex without and with the Thuisplusflat on the same "
        "random numbers; avoided care = baseline − Thuisplusflat. "
        + interval_note(exp.spec.design.method, len(exp.points), exp.spec.replications),
        "",
    ]
    if df.empty:
        lines += ["No finished runs yet."]
        if book is not None:
            paths["workbook"] = export.experiment_workbook(book, exp, manifest, df)
        (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths["report"] = out / "report.md"
        return paths

    cols = outcome_columns(df)
    draws = exp.spec.design.method == "prior"  # every design point a draw of the parameters
    psa = draws and exp.is_thuisplus
    reps = exp.spec.replications
    # per design point wherever a point has replications to give a CI of its mean (and
    # always on a grid, whose points are its levels); else over the design or the draws
    per_point = exp.spec.design.method == "grid" or (
        not draws and len(exp.points) > 1 and reps > 1)
    by = ["scenario", "point"] if per_point else ["scenario"]
    summary = summarise_runs(df, by, cols, draws=draws)
    if "point" in by:
        pts = pd.DataFrame([{"point": i, **{f"x.{k}": v for k, v in p.items()}}
                            for i, p in enumerate(exp.points)])
        summary = summary.merge(pts, on="point", how="left")
    paths["summary"] = tables / "summary.csv"
    export.write_csv(summary, paths["summary"], dialect)
    paths["runs"] = tables / "runs.csv"
    export.write_csv(df, paths["runs"], dialect)
    # what the workbook shows, as computed here
    sheets: dict[str, Any] = {"summary": summary}

    if exp.is_thuisplus:
        money = exp.base_params.money if exp.base_params is not None else None
        view = money.nursing_home_view if money is not None else None
        head = headline(df, view, draws=draws)
        if money is not None:
            lines += [_money_note(exp.base_params), ""]
        if psa:
            from thuisplus.experiments.psa import analyse_psa, write_psa

            res = analyse_psa(df, options=list(exp.scenarios)) if book is not None else None
            psa_lines, psa_paths = write_psa(df, tables, plots, options=list(exp.scenarios),
                                             posterior=exp.posterior is not None,
                                             csv_dialect=dialect.name, analysis=res)
            sheets["psa"] = res
            lines += psa_lines
            paths.update(psa_paths)
            lines += ["The tables below summarise every draw and seed of each option: "
                      "their mean and 5–95% are over parameter draws and seeds (no "
                      "confidence interval of a mean); read the section above.", ""]
        paths["headline"] = tables / "headline.csv"
        export.write_csv(head, paths["headline"], dialect)
        yearly = load_yearly(out)
        sheets.update(headline=head, yearly=yearly)
        paths["plot_avoided"] = plot_avoided_per_law(df, plots / "avoided_per_law.png",
                                                     draws=draws, replications=reps)
        paths["plot_stakeholders"] = plot_stakeholders(df, plots / "stakeholders.png",
                                                       draws=draws, replications=reps)
        if not yearly.empty:
            ys = summarise_runs(yearly, ["scenario", "year"],
                                [c for c in yearly.columns if c.startswith(("avoided_", "cost_",
                                                                            "clients_"))],
                                draws=draws)
            paths["yearly_summary"] = tables / "yearly_summary.csv"
            export.write_csv(ys, paths["yearly_summary"], dialect)
            band = ("5–95% over parameter draws and seeds" if draws else
                    "5–95% of runs over the design points" if len(exp.points) > 1 else
                    "5–95% of runs (chance)")
            paths["plot_timeseries"] = plot_timeseries(yearly, plots / "avoided_per_year.png",
                                                       band)
        for scenario, g in head.groupby("scenario", sort=False):
            lines += [f"## Scenario `{scenario}`", "", *headline_table(g, reps), ""]
        lines += ["## Plots", "", "![avoided care per law](plots/avoided_per_law.png)", "",
                  "![stakeholders](plots/stakeholders.png)", ""]
        if "plot_timeseries" in paths:
            lines += ["![avoided care per year](plots/avoided_per_year.png)", ""]
    if exp.spec.design.method in ("grid", "lhs"):
        p = plot_design(df, exp, plots / "design.png") if exp.is_thuisplus else None
        if p is not None:
            paths["plot_design"] = p
            lines += ["## Across the design", "", "![design](plots/design.png)", ""]
    if exp.spec.design.method in ("sobol", "morris"):
        try:
            ind = sensitivity_indices(exp, df, outcomes)
        except ValueError as exc:
            lines += ["## Sensitivity", "", f"Not computed: {exc}", ""]
        else:
            paths["sensitivity"] = tables / "sensitivity.csv"
            export.write_csv(ind, paths["sensitivity"], dialect)
            sheets["sensitivity"] = ind
            paths["plot_sensitivity"] = plot_sensitivity(ind, exp.spec.design.method,
                                                         plots / "sensitivity.png")
            lines += _sensitivity_lines(ind, exp.spec.design.method, reps)
    if not failures.empty:
        lines += ["## Failed runs", "", "| run | scenario | point | replication | error |",
                  "|---|---|---|---|---|"]
        for r in failures.head(20).itertuples():
            lines.append(f"| {r.run_id} | {r.scenario} | {r.point} | {r.replication} | "
                         f"{str(r.error)[:120]} |")
        lines.append("")
    lines += ["## Files", "",
              "- `runs/*.parquet`: one row per run (also `tables/runs.csv`); "
              "`yearly/*.parquet`: one row per run × year; query with pandas "
              "(`thuisplus.experiments.load_results`) or DuckDB "
              "(`SELECT * FROM 'runs/*.parquet'`).",
              "- `tables/summary.csv`: every outcome per scenario"
              + (" and design point" if "point" in by else "")
              + " with n, mean, sd, 90% CI of the mean, 5th and 95th percentile; its "
              "column `over` says what they span (the replications of one design point, "
              "the only case with a CI; the design points, each point's mean over its "
              "replications; or parameter draws and seeds).",
              "- `manifest.json`: the spec, base parameters, code version, seeds and the "
              "status of every run.", ""]
    if book is not None:
        paths["workbook"] = export.experiment_workbook(book, exp, manifest, df, **sheets)
        lines.insert(-1, f"- `{book.name}`: the results as a workbook for spreadsheets (a "
                         "Read me, the headline, who pays and gains, cash flows per year, "
                         "the probabilistic analysis where there is one, and the "
                         "assumptions).")
    paths["report"] = out / "report.md"
    paths["report"].write_text("\n".join(lines), encoding="utf-8")
    return paths


def interval_note(method: str, points: int, replications: int) -> str:
    """The report's sentence on what its intervals span, for a design and its replications."""
    if method == "prior":
        return ("Intervals: each run is one possible complex (a draw of the parameters and a "
                "seed); *5–95%* spans the **parameter draws and seeds**. No figure here is a "
                "confidence interval of a mean.")
    if points <= 1:
        if replications <= 1:
            return "One run per scenario: no intervals."
        return (f"Intervals: *90% CI* is the confidence interval of the mean over the "
                f"**{replications} replications (seeds)**; *5–95%* is the spread of single "
                "runs (how much one complex can differ by chance).")
    if replications <= 1:
        return (f"Intervals: every design point ran once (1 replication), so no figure here "
                f"is a confidence interval of a mean over replications: the scenarios' "
                f"mean and *5–95%* are **over the {points} design points** (how the outcome "
                "varies across the design, chance at each point included).")
    return (f"Intervals: the scenarios' tables pool the design points: their mean and "
            f"*5–95%* are **over the {points} design points**, each the mean of its "
            f"{replications} replications; the *90% CI of the mean over {replications} "
            "replications (seeds) at each design point* is in `tables/summary.csv`.")


def headline_table(head: pd.DataFrame, replications: int | None = None) -> list[str]:
    """One scenario's headline (:func:`~thuisplus.experiments.analysis.headline`), markdown.

    Its columns say what the figures span (the rows' ``over``): a CI of the mean only over
    the replications of one design point; else the mean and 5-95% over the design points
    or over parameter draws and seeds.
    """
    over = head["over"].iloc[0]
    lab = spread_labels(over, int(head["n"].max()), replications)
    cols = [lab["mean"], *(x for x in (lab["ci"], lab["range"]) if x)]
    lines = ["| measure | unit | " + " | ".join(cols) + " |",
             "|---|---|" + "---:|" * len(cols)]
    for r in head.itertuples():
        v = functools.partial(format_value, unit=r.unit)
        cells = [v(r.mean)]
        if lab["ci"]:
            cells.append(f"{v(r.ci_low)} – {v(r.ci_high)}")
        if lab["range"]:
            cells.append(f"{v(r.p5)} – {v(r.p95)}")
        lines.append(f"| {r.measure} | {r.unit} | " + " | ".join(cells) + " |")
    return lines


def _money_note(params: Any) -> str:
    """One sentence: price year, discounting and the headline's nursing-home view."""
    m = params.money
    rates = (f"{m.discount_rate:.2%} real for costs and effects"
             if m.discounting == "mkba_2020" else
             f"{m.zorginstituut_cost_rate:.1%} for euros, {m.zorginstituut_effect_rate:.1%} "
             "for person-years")
    return (f"Money in constant {params.costs.price_year} prices (CPI), discounted "
            f"'{m.discounting}' ({rates}). The headline values an avoided nursing-home day "
            f"in the **{m.nursing_home_view} view**; both views are shown side by side "
            "(budget: the care office saves the day's price; capacity: the freed place is "
            "refilled from the waiting list and the care office saves that person's bridging "
            "care).")


def _sensitivity_lines(ind: pd.DataFrame, method: str, replications: int = 1) -> list[str]:
    lines = ["## Sensitivity", ""]
    at = ("its one run" if replications == 1 else
          f"the mean of its {replications} replications")
    if method == "sobol":
        lines += [f"Sobol indices (Saltelli sampling, SALib) of the outcome at each design "
                  f"point ({at}), with 90% bootstrap confidence intervals over the design "
                  "points. S1: share of the output variance due to the parameter alone; ST: "
                  "including its interactions.", ""]
    else:
        lines += [f"Morris elementary effects (SALib) of the outcome at each design point "
                  f"({at}): μ* ranks influence, σ signals interactions or non-linearity; μ* "
                  "with a 90% bootstrap CI over the trajectories.", ""]
    for (scenario, outcome), g in ind.groupby(["scenario", "outcome"], sort=False):
        lines += [f"**{outcome}** ({scenario})", ""]
        if method == "sobol":
            g = g.sort_values("ST", ascending=False)
            lines += ["| parameter | S1 | ST |", "|---|---:|---:|"]
            lines += [f"| `{r.parameter}` | {r.S1:.3f} ± {r.S1_conf:.3f} | "
                      f"{r.ST:.3f} ± {r.ST_conf:.3f} |" for r in g.itertuples()]
        else:
            g = g.sort_values("mu_star", ascending=False)
            lines += ["| parameter | μ* | σ | μ |", "|---|---:|---:|---:|"]
            lines += [f"| `{r.parameter}` | {_money(r.mu_star)} ± {_money(r.mu_star_conf)} | "
                      f"{_money(r.sigma)} | {_money(r.mu)} |" for r in g.itertuples()]
        lines.append("")
    lines += ["![sensitivity](plots/sensitivity.png)", ""]
    return lines
