"""The business case over paired replications: tables, plots and a short report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thuisplus.experiments import export
from thuisplus.experiments.export import DEFAULT_DIALECT
from thuisplus.experiments.plots import figure
from thuisplus.experiments.progress import Progress
from thuisplus.sim.business_case import (
    STAKEHOLDERS,
    VIEWS,
    break_even_clients,
    discount_rates,
    measures_of,
    provider_pnl,
    stakeholder_flows,
)
from thuisplus.sim.pair import run_pair
from thuisplus.sim.params import Parameters

__all__ = ["BusinessCase", "run_business_case"]

LOW, HIGH = 5, 95  # percentiles of the reported 90% intervals


class BusinessCase:
    """Flows and measures of ``replications`` pairs of one parameter set.

    ``flows`` are in the headline's nursing-home view (``money.nursing_home_view``);
    ``flows_by_view`` holds the flows of every view (:data:`thuisplus.sim.business_case.VIEWS`).
    """

    def __init__(self, params: Parameters, seeds: list[int], flows: list[pd.DataFrame],
                 flows_by_view: dict[str, list[pd.DataFrame]] | None = None,
                 failures: list[dict[str, object]] | None = None):
        self.params = params
        self.seeds = seeds
        #: pairs that raised, left out of every figure: seed, error, traceback
        self.failures = failures or []
        self.flows = flows
        self.view = params.money.nursing_home_view
        self.flows_by_view = flows_by_view or {self.view: flows}
        self.first_year = params.simulation.start_date.year
        self.results = [measures_of(f, params) for f in flows]
        self.results_by_view = {v: [measures_of(f, params) for f in fs]
                                for v, fs in self.flows_by_view.items()}

    def views(self) -> dict[str, dict[str, float]]:
        """Per nursing-home view: mean NPV, benefit-cost ratio and the care office's net."""
        out = {}
        for v, results in self.results_by_view.items():
            out[v] = {"npv": float(np.mean([r["npv"] for r in results])),
                      "benefit_cost_ratio": _ratio_of_means(results),
                      "net_care_office": float(np.mean(
                          [r["stakeholders"]["care_office"]["net"] for r in results]))}
        return out

    def stakeholders(self) -> pd.DataFrame:
        """Per stakeholder: mean and 90% interval of discounted pays, gains and net."""
        rows = []
        for s in STAKEHOLDERS:
            for what in ("pays", "gains", "net"):
                v = np.array([r["stakeholders"][s][what] for r in self.results])
                rows.append({"stakeholder": s, "measure": what, "mean": v.mean(),
                             "p5": np.percentile(v, LOW), "p95": np.percentile(v, HIGH)})
        for key in ("pv_costs", "pv_benefits", "npv", "benefit_cost_ratio"):
            v = np.array([r[key] for r in self.results], dtype=float)
            mean = (_ratio_of_means(self.results) if key == "benefit_cost_ratio"
                    else np.nanmean(v))
            rows.append({"stakeholder": "society", "measure": key, "mean": mean,
                         "p5": np.nanpercentile(v, LOW), "p95": np.nanpercentile(v, HIGH)})
        for item in sorted({k for r in self.results for k in r["outcomes"]}):
            v = np.array([r["outcomes"].get(item, 0.0) for r in self.results])
            rows.append({"stakeholder": "residents and carers", "measure": item,
                         "mean": v.mean(), "p5": np.percentile(v, LOW),
                         "p95": np.percentile(v, HIGH)})
        return pd.DataFrame(rows)

    def cashflows(self) -> pd.DataFrame:
        """All yearly flows of all replications (undiscounted, with the replication's seed)."""
        return pd.concat([f.assign(seed=s) for s, f in zip(self.seeds, self.flows, strict=True)],
                         ignore_index=True)

    def cumulative(self) -> pd.DataFrame:
        """Cumulative discounted societal net per year: mean and 90% interval."""
        df = pd.DataFrame([r["cumulative_net"] for r in self.results])
        return pd.DataFrame({"year": df.columns.astype(int), "mean": df.mean().to_numpy(),
                             "p5": df.quantile(LOW / 100).to_numpy(),
                             "p95": df.quantile(HIGH / 100).to_numpy()})

    def payback_years(self) -> list[int | None]:
        """Payback year of each replication (None: not within the horizon)."""
        return [r["payback_year"] for r in self.results]


def _ratio_of_means(results: list[dict[str, Any]]) -> float:
    """Society's benefit-cost ratio over replications: mean PV benefits / mean PV costs.

    Not the mean of the replications' ratios, which can exceed 1 while the mean NPV is
    below 0 (NaN when the mean PV of costs is not positive).
    """
    from thuisplus.experiments.analysis import ratio_of_means

    costs = np.array([r["pv_costs"] for r in results], dtype=float)
    benefits = np.array([r["pv_benefits"] for r in results], dtype=float)
    done = np.isfinite(costs) & np.isfinite(benefits)
    return float(ratio_of_means(benefits[done], costs[done], ci=False)["mean"])


def run_business_case(params: Parameters, replications: int, seed: int = 1,
                      progress: Progress | None = None) -> BusinessCase:
    """Run ``replications`` pairs with seeds derived from ``seed`` and collect their flows.

    A pair that raises is recorded in :attr:`BusinessCase.failures` (seed, error,
    traceback) and the others go on; when every pair fails, the first error is raised.
    ``progress``: called as ``progress("pairs", done, total, failed)`` after each pair
    (:mod:`thuisplus.experiments.progress`).
    """
    import traceback

    seeds = [int(s.generate_state(1)[0]) for s in
             np.random.SeedSequence(seed).spawn(replications)]
    by_view: dict[str, list[pd.DataFrame]] = {v: [] for v in VIEWS}
    done: list[int] = []
    failures: list[dict[str, object]] = []
    first: Exception | None = None
    for k, s in enumerate(seeds, start=1):
        try:
            pair = run_pair(params, seed=s)
        except Exception as exc:  # one pair's failure must not lose the others
            first = first or exc
            failures.append({"seed": s, "error": f"{type(exc).__name__}: {exc}",
                             "traceback": traceback.format_exc()})
        else:
            done.append(s)
            for v in VIEWS:
                by_view[v].append(stakeholder_flows(pair, v))
        if progress:
            progress("pairs", k, len(seeds), len(failures))
    if first is not None and not done:
        raise first
    return BusinessCase(params, done, by_view[params.money.nursing_home_view], by_view,
                        failures)


def provider_table(params: Parameters) -> pd.DataFrame:
    """Provider P&L at 0-150 clients under both funding forms, for every year of the run."""
    clients = np.arange(0, 151, 5)
    first = params.simulation.start_date.year
    last = (pd.Timestamp(params.simulation.start_date)
            + pd.Timedelta(weeks=params.simulation.weeks - 1)).year
    return pd.concat([provider_pnl(params, clients, year, funding=f)
                      for year in range(first, last + 1) for f in ("per_client", "lump_sum")],
                     ignore_index=True)


def write_report(bc: BusinessCase, out: Path, title: str, *,
                 csv_dialect: str = DEFAULT_DIALECT,
                 xlsx: str | Path | bool | None = None) -> dict[str, Path]:
    """Write CSV tables, PNG plots and business_case.md to ``out``; return the paths.

    ``csv_dialect``: how the CSVs are written (:data:`thuisplus.experiments.export.CSV_DIALECTS`;
    ``"nl"`` for a Dutch-locale Excel). ``xlsx``: also write the business case as a
    workbook for policy staff (``True``: ``out/business_case.xlsx``; or a path ending in
    ``.xlsx``), returned as ``paths["workbook"]``.
    """
    dialect = export.csv_dialect(csv_dialect)  # a bad name fails before anything is written
    book = export.workbook_path(xlsx, out / "business_case.xlsx")
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "stakeholders": out / "stakeholders.csv",
        "cashflows": out / "cashflows.csv",
        "provider": out / "provider.csv",
        "plot_stakeholders": out / "stakeholders.png",
        "plot_cashflow": out / "cumulative_cashflow.png",
        "plot_provider": out / "provider_pnl.png",
        "report": out / "business_case.md",
    }
    st = bc.stakeholders()
    export.write_csv(st, paths["stakeholders"], dialect)
    export.write_csv(bc.cashflows(), paths["cashflows"], dialect)
    prov = provider_table(bc.params)
    export.write_csv(prov, paths["provider"], dialect)

    # Stakeholder bars: what each pays and gains (discounted), with 90% intervals. A bar
    # below zero is a saving among the costs or a dis-benefit among the gains.
    fig = figure(figsize=(9, 4.5))
    ax = fig.subplots()
    x = np.arange(len(STAKEHOLDERS))
    for k, (what, colour) in enumerate((("pays", "#c0504d"), ("gains", "#4f81bd"))):
        sub = st[(st["measure"] == what)].set_index("stakeholder").loc[list(STAKEHOLDERS)]
        ax.bar(x + (k - 0.5) * 0.38, sub["mean"] / 1e3, 0.38, color=colour,
               label={"pays": "pays (costs, transfers out; < 0: a saving)",
                      "gains": "gains (benefits, transfers in; < 0: a dis-benefit)"}[what],
               # (clipped: a mean of equal values can miss them by a rounding error)
               yerr=[np.maximum(sub["mean"] - sub["p5"], 0) / 1e3,
                     np.maximum(sub["p95"] - sub["mean"], 0) / 1e3],
               capsize=3)
    ax.set_xticks(x, [s.replace("_", "\n") for s in STAKEHOLDERS])
    ax.set_ylabel("€ thousand, discounted")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(f"Who pays, who gains — {title}\n(mean; bars: 5–95% over the "
                 f"{len(bc.seeds)} replications)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(paths["plot_stakeholders"], dpi=110)

    # Cumulative discounted societal cash flow with its 90% band.
    cum = bc.cumulative()
    fig = figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.fill_between(cum["year"], cum["p5"] / 1e3, cum["p95"] / 1e3, alpha=0.3,
                    label="90% interval")
    ax.plot(cum["year"], cum["mean"] / 1e3, marker="o", label="mean")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel("€ thousand, discounted, cumulative")
    ax.set_title("Cumulative societal net (benefits − costs)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(paths["plot_cashflow"], dpi=110)

    # Provider P&L against client volume.
    fig = figure(figsize=(8, 4))
    ax = fig.subplots()
    first_year = prov[prov["year"] == prov["year"].min()]
    for f, g in first_year.groupby("funding"):
        ax.plot(g["clients"], g["profit"] / 1e3, label=f.replace("_", " "))
    for mark in (40, 100):
        ax.axvline(mark, color="grey", ls="--", lw=0.8)
        ax.text(mark, ax.get_ylim()[1] * 0.9, f" {mark}", color="grey")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("Wmo clients of the preferred provider")
    ax.set_ylabel("€ thousand per year")
    ax.set_title(f"Provider's Thuisplusflat books (plus − team), {int(prov['year'].min())}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(paths["plot_provider"], dpi=110)

    soc = st[st["stakeholder"] == "society"].set_index("measure")
    be = break_even_clients(bc.params)
    at40 = provider_pnl(bc.params, [40], funding="per_client")["profit"].iloc[0]
    paybacks = [y for y in bc.payback_years() if y is not None]
    m = bc.params.money
    rate, effect_rate = discount_rates(bc.params)
    lines = [
        f"# Social business case — {title}",
        "",
        f"{len(bc.seeds)} paired replications (baseline vs Thuisplusflat on the same random "
        f"numbers), a programme of {bc.params.simulation.weeks} weeks from "
        f"{bc.params.simulation.start_date} and every person followed for "
        f"{bc.params.simulation.follow_up_years} more years,"
        f" in constant {bc.params.costs.price_year} prices (CPI), discounted to "
        f"{bc.first_year} with the '{m.discounting}' scheme ({rate:.2%} a year for euros, "
        f"{effect_rate:.2%} for person-years). Freed nursing-home places: the headline uses "
        f"the **{bc.view} view**. Intervals are 5th-95th percentiles over the "
        f"{len(bc.seeds)} replications (seeds) of this one parameter set: how much one "
        "complex can differ by chance.",
        "",
        "| measure | mean | 90% interval |",
        "|---|---|---|",
    ]
    for key, label in (("pv_costs", "costs (€, PV)"), ("pv_benefits", "benefits (€, PV)"),
                       ("npv", "net present value (€)"),
                       ("benefit_cost_ratio", "benefit-cost ratio (mean benefits / mean "
                                              "costs; interval: the replications' own)")):
        r = soc.loc[key]
        fmt = "{:,.2f}" if key == "benefit_cost_ratio" else "{:,.0f}"
        lines.append(f"| {label} | {fmt.format(r['mean'])} | {fmt.format(r['p5'])} – "
                     f"{fmt.format(r['p95'])} |")
    lines += [
        f"| payback within the horizon | {len(paybacks)} of {len(bc.seeds)} replications | "
        + (f"median year {int(np.median(paybacks))}" if paybacks else "—") + " |",
        "",
        "## Freed nursing-home places: two views",
        "",
        "*budget*: an avoided nursing-home day saves the care office the day's price "
        f"(€ {bc.params.costs.nursing_home_day:,.0f} at {bc.params.costs.unit_cost_year} "
        "prices). *capacity*: nursing homes are full (ActiZ, Oct 2023: ~22,000 waiting), a "
        "freed place is refilled from the waiting list, and the care office saves the "
        f"bridging care of the person waiting (€ {bc.params.costs.bridging_care_day:,.0f} a "
        "day, an assumption).",
        "",
        "| view | NPV (€, PV, mean) | benefit-cost ratio | care office net (€, PV) |",
        "|---|---|---|---|",
    ]
    for v, r in bc.views().items():
        mark = " (headline)" if v == bc.view else ""
        lines.append(f"| {v}{mark} | {r['npv']:,.0f} | {r['benefit_cost_ratio']:,.2f} | "
                     f"{r['net_care_office']:,.0f} |")
    lines += [
        "",
        "## Who pays, who gains (the wrong pocket)",
        "",
        "*pays*: the PV of a stakeholder's costs and transfers out; *gains*: of its "
        "benefits and transfers in; net = gains − pays. Each flow is booked by what it is, "
        "not by its sign: a benefit that turns out negative (e.g. care that the "
        "Thuisplusflat adds rather than avoids) is a negative gain, a dis-benefit, never a "
        "payment; a negative cost is a saving and lowers *pays*.",
        "",
        "| stakeholder | pays (€, PV) | gains (€, PV) | net (€, PV) |",
        "|---|---|---|---|",
    ]
    for s in STAKEHOLDERS:
        sub = st[st["stakeholder"] == s].set_index("measure")["mean"]
        lines.append(f"| {s.replace('_', ' ')} | {sub['pays']:,.0f} | {sub['gains']:,.0f} | "
                     f"{sub['net']:,.0f} |")
    lines += ["", "Non-monetary outcomes (not converted to euros without a sourced valuation; "
              "discounted at the effect rate):", ""]
    for _, r in st[st["stakeholder"] == "residents and carers"].iterrows():
        lines.append(f"- {r['measure']}: {r['mean']:,.1f} (90%: {r['p5']:,.1f} – "
                     f"{r['p95']:,.1f})")
    lines += [
        "",
        "## The provider's books",
        "",
        (f"Under per-client funding the provider breaks even at {be:.0f} Wmo clients"
         if be is not None else "Under per-client funding the provider never breaks even")
        + f"; at 40 clients its Thuisplusflat books show € {at40:,.0f} a year "
        "(EVAL §3: at ~40 clients providers run the flat at a loss). Under a lump sum the "
        f"books do not depend on client volume. These books are the contract's nominal "
        f"money at {m.contract_year} prices (the team deflated by the CPI), not the "
        "business case's constant prices.",
        "",
        "![stakeholders](stakeholders.png)",
        "![cumulative cash flow](cumulative_cashflow.png)",
        "![provider](provider_pnl.png)",
        "",
    ]
    if book is not None:
        paths["workbook"] = export.business_case_workbook(bc, book, title=title)
        lines += [f"The tables are also in the workbook `{book.name}` (for spreadsheets: a "
                  "Read me, the stakeholders, cash flows per year and the assumptions).", ""]
    paths["report"].write_text("\n".join(lines), encoding="utf-8")
    return paths
