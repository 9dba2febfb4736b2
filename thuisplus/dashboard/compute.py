"""What the dashboard shows, computed without Solara: pairs, business case, headline.

:func:`compute` runs one pair per replication (seeds spawned from one
``numpy.random.SeedSequence``, as ``thuisplus business-case`` does), and collects per
replication the yearly table of both arms, the avoided cost per law, the stakeholder
flows and measures of :mod:`thuisplus.sim.business_case`, and a snapshot of the building at the
end. :func:`headline` turns it into the page's answer in words; :func:`results_csv` into
the download. Everything here can be tested and timed on its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from thuisplus.sim.business_case import (
    STAKEHOLDERS,
    avoided_per_law_of,
    break_even_clients,
    measures_of,
    provider_pnl,
    stakeholder_flows,
)
from thuisplus.sim.business_case import _weekly as weekly_arrays
from thuisplus.sim.care import LAWS
from thuisplus.sim.model import ThuisplusModel
from thuisplus.sim.pair import BaselineCache, run_pair
from thuisplus.sim.params import Parameters
from thuisplus.sim.processes.loneliness import LONELY, SEVERELY_LONELY
from thuisplus.sim.summary import yearly

__all__ = [
    "BASELINES",
    "BUILDING_VIEWS",
    "Cancelled",
    "Outcome",
    "Snapshot",
    "compute",
    "cumulative_avoided",
    "euro",
    "headline",
    "key_figures",
    "law_series",
    "replication_seeds",
    "results_csv",
    "share_series",
    "snapshot",
]

LOW, HIGH = 5, 95  # percentiles of the bands over replications
CLIENT_MARKS = (40, 100)  # the evaluation's stuck volume and the contract's target
PNL_CLIENTS = np.arange(0, 151, 1)
STAKEHOLDER_NAMES = {
    "municipality": "municipality (Wmo)",
    "health_insurer": "health insurers (Zvw)",
    "care_office": "care office (Wlz)",
    "provider": "flat's care provider",
    "other_providers": "other care providers",
    "housing_corporation": "housing corporation",
    "carers_employers": "carers' employers",
    "informal_carers": "informal carers",
}
LAW_NAMES = {"wmo": "Wmo (municipality)", "zvw": "Zvw (health insurers)",
             "wlz": "Wlz (care office)"}
VITAL = 0.6  # vitality from which a resident counts as vital in the building view

# Building view: colour mode → ordered (category label, colour); index = category code.
BUILDING_VIEWS: dict[str, tuple[tuple[str, str], ...]] = {
    "vitality": (("vital", "#1a9850"), ("less vital", "#fee08b"), ("frail", "#d73027"),
                 ("empty dwelling", "#d9d9d9")),
    "loneliness": (("not lonely", "#4575b4"), ("lonely", "#fdae61"),
                   ("severely lonely", "#a50026"), ("empty dwelling", "#d9d9d9")),
    "provider": (("Wmo client of the flat's provider", "#1b7837"),
                 ("Wmo client of another provider", "#762a83"),
                 ("no Wmo support", "#c2c2c2"), ("empty dwelling", "#f0f0f0")),
}


class Cancelled(Exception):
    """The computation was cancelled because the user changed a setting."""


@dataclass
class Snapshot:
    """The building at the end of a run: one category per dwelling and colour mode."""

    floors: int
    per_floor: int
    dwellings: int
    categories: dict[str, np.ndarray]  # mode → int code per dwelling (see BUILDING_VIEWS)
    date: dt.date

    def counts(self, mode: str) -> dict[str, int]:
        """Dwellings per category of ``mode`` (for the legend)."""
        labels = [label for label, _ in BUILDING_VIEWS[mode]]
        codes = np.bincount(self.categories[mode], minlength=len(labels))
        return {label: int(n) for label, n in zip(labels, codes, strict=True)}


def snapshot(model: ThuisplusModel) -> Snapshot:
    """Categories per dwelling at the model's current week.

    The frailest or loneliest resident of a dwelling decides its colour; a Wmo client of
    the flat's provider makes the dwelling the provider's.
    """
    res = model.res
    rows = np.flatnonzero(res.home)  # the residents (persons elsewhere have no dwelling)
    n = model.dwellings
    d = res.dwelling[rows]
    occupied = np.zeros(n, bool)
    occupied[d] = True
    vit = np.full(n, np.inf)
    np.minimum.at(vit, d, res.vitality[rows])
    lon = np.full(n, -np.inf)
    np.maximum.at(lon, d, res.loneliness[rows])
    client = model.demand_wmo[rows] > 0
    pref = np.zeros(n, bool)
    other = np.zeros(n, bool)
    pref[d[client & (res.provider[rows] == 0)]] = True
    other[d[client & (res.provider[rows] != 0)]] = True
    frail = model.p.vitality.frail_threshold
    empty = 3
    cats = {
        "vitality": np.where(vit >= VITAL, 0, np.where(vit >= frail, 1, 2)),
        "loneliness": np.where(lon >= SEVERELY_LONELY, 2, np.where(lon >= LONELY, 1, 0)),
        "provider": np.where(pref, 0, np.where(other, 1, 2)),
    }
    for k in cats:
        cats[k] = np.where(occupied, cats[k], empty).astype(np.int64)
    return Snapshot(model.p.building.floors, model.per_floor, n, cats, model.date)


@dataclass
class Outcome:
    """Everything the page shows for one setting of the controls."""

    params: Parameters
    seeds: list[int]
    yearly: pd.DataFrame    # seed, arm (baseline/thuisplus), year, sim.summary.yearly columns
    avoided: pd.DataFrame   # seed, year, wmo, zvw, wlz, total (avoided €, undiscounted)
    flows: pd.DataFrame     # seed + thuisplus.sim.business_case.stakeholder_flows columns
    results: list[dict[str, Any]]  # thuisplus.sim.business_case.measures per replication
    building: dict[str, Snapshot]  # arm → the first replication's complex as the programme ends
    clients: pd.DataFrame   # seed, clients_2023 (on 1 January 2023), clients_end
    pnl: pd.DataFrame       # provider_pnl at 0..150 clients, both funding forms
    break_even: float | None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def first_year(self) -> int:
        """Calendar year of the first week."""
        return self.params.simulation.start_date.year

    @property
    def years(self) -> float:
        """Length of the run in years."""
        return self.params.simulation.weeks / 52.0

    def mean(self, key: str) -> float:
        """Mean over replications of a top-level measure (npv, pv_costs, ...)."""
        v = np.array([r[key] for r in self.results], dtype=float)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")

    def stakeholder(self, name: str, what: str) -> np.ndarray:
        """Per replication: ``pays``, ``gains`` or ``net`` of one stakeholder (€, PV)."""
        return np.array([r["stakeholders"][name][what] for r in self.results])

    def outcome(self, item: str) -> float:
        """Mean over replications of a non-monetary outcome (person-years avoided).

        ``KeyError`` for an item the business case does not book (not a silent zero).
        """
        return float(np.mean([r["outcomes"][item] for r in self.results]))

    def band(self, values: np.ndarray) -> tuple[float, float, float]:
        """Mean and the 5th-95th percentile band of per-replication values."""
        v = np.asarray(values, dtype=float)
        return float(v.mean()), float(np.percentile(v, LOW)), float(np.percentile(v, HIGH))

    def stakeholder_table(self) -> pd.DataFrame:
        """Per stakeholder: mean discounted pays, gains, net and the net's band."""
        rows = []
        for s in STAKEHOLDERS:
            net, lo, hi = self.band(self.stakeholder(s, "net"))
            rows.append({"stakeholder": s, "name": STAKEHOLDER_NAMES[s],
                         "pays": float(self.stakeholder(s, "pays").mean()),
                         "gains": float(self.stakeholder(s, "gains").mean()),
                         "net": net, "net_low": lo, "net_high": hi})
        return pd.DataFrame(rows)


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Seeds of ``replications`` pairs spawned from ``SeedSequence(seed)``.

    The same derivation as ``thuisplus business-case``, so replication k is the same
    pair in both.
    """
    return [int(s.generate_state(1)[0])
            for s in np.random.SeedSequence(seed).spawn(replications)]


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled


#: Baseline arms of the seeds the page has shown: a slider of the Thuisplusflat does not
#: change them (:func:`thuisplus.sim.pair.baseline_key`), so they are run once per seed.
BASELINES = BaselineCache(size=64)


def workers() -> int:
    """Threads that run the pairs of a recompute: one per core, at most 4.

    The compiled weeks release the GIL, so the Thuisplusflat arms of a recompute use
    both cores of a laptop; what holds the GIL (set-up, tables) is a few ms a pair.
    """
    return max(1, min(4, os.cpu_count() or 1))


@functools.cache
def _pool(n: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=n, thread_name_prefix="thuisplus-pair")


@dataclass
class _Replication:
    """One pair's part of an :class:`Outcome`."""

    yearly: list[pd.DataFrame]
    avoided: pd.DataFrame
    flows: pd.DataFrame
    result: dict[str, Any]
    clients: dict[str, float]
    building: dict[str, Snapshot] | None


def _replication(params: Parameters, seed: int, first: bool,
                 cancel: threading.Event | None) -> _Replication:
    """Run one pair (baseline from :data:`BASELINES`) and compute its part of the page."""
    _check(cancel)
    pair = run_pair(params, seed=seed, baselines=BASELINES)
    _check(cancel)
    yearly_rows = []
    for arm, y in (("baseline", _baseline_yearly(pair.baseline)),
                   ("thuisplus", yearly(pair.thuisplus).reset_index())):
        y = y.copy()
        y.insert(0, "arm", arm)
        y.insert(0, "seed", seed)
        yearly_rows.append(y)
    a = avoided_per_law_of(pair).reset_index()
    a.insert(0, "seed", seed)
    flows = stakeholder_flows(pair)
    tw = weekly_arrays(pair.thuisplus)
    # the complex's figures at the end of the programme (the follow-up only follows persons)
    clients = tw.col("wmo_clients_preferred")[:params.simulation.weeks]
    after = clients[tw.date[:len(clients)] >= np.datetime64("2023-01-01")]
    building = None
    if first:  # the building as the programme ends: run the first pair to that week
        end = run_pair(params, seed=seed, weeks=params.simulation.weeks, baselines=BASELINES)
        building = {"thuisplus": snapshot(end.thuisplus), "baseline": snapshot(end.baseline)}
    return _Replication(
        yearly_rows, a, flows.assign(seed=seed),
        measures_of(flows, params),  # the scheme of money.discounting
        {"seed": seed,
         "clients_2023": float(after[0]) if len(after) else float("nan"),
         "clients_end": float(clients[-1])},
        building)


#: The yearly table of each cached baseline arm (it goes when the arm leaves the cache).
_BASELINE_YEARLY: weakref.WeakKeyDictionary[ThuisplusModel, pd.DataFrame] = (
    weakref.WeakKeyDictionary())
_BASELINE_YEARLY_LOCK = threading.Lock()


def _baseline_yearly(model: ThuisplusModel) -> pd.DataFrame:
    """``yearly(model)`` of a baseline arm, computed once per arm."""
    with _BASELINE_YEARLY_LOCK:
        y = _BASELINE_YEARLY.get(model)
    if y is None:
        y = yearly(model).reset_index()
        with _BASELINE_YEARLY_LOCK:
            _BASELINE_YEARLY[model] = y
    return y


def compute(params: Parameters, replications: int = 1, seed: int = 1,
            cancel: threading.Event | None = None) -> Outcome:
    """Run ``replications`` pairs of ``params`` and collect what the page shows.

    The pairs run on :func:`workers` threads; each seed's baseline arm is kept
    (:data:`BASELINES`), so a change of a Thuisplusflat setting runs only the
    Thuisplusflat arms. The numbers are those of :func:`thuisplus.sim.pair.run_pair`, whatever
    the threads. ``cancel`` is checked before and after each pair: once set,
    :class:`Cancelled` is raised.
    """
    import time

    t0 = time.perf_counter()
    seeds = replication_seeds(seed, replications)
    jobs = [_pool(workers()).submit(_replication, params, s, k == 0, cancel)
            for k, s in enumerate(seeds)]
    try:
        reps = [job.result() for job in jobs]
    finally:
        for job in jobs:
            job.cancel()
    pnl = pd.concat([provider_pnl(params, PNL_CLIENTS, funding=f)
                     for f in ("per_client", "lump_sum")], ignore_index=True)
    return Outcome(
        params=params, seeds=seeds,
        yearly=pd.concat([y for r in reps for y in r.yearly], ignore_index=True),
        avoided=pd.concat([r.avoided for r in reps], ignore_index=True),
        flows=pd.concat([r.flows for r in reps], ignore_index=True),
        results=[r.result for r in reps], building=reps[0].building or {},
        clients=pd.DataFrame([r.clients for r in reps]), pnl=pnl,
        break_even=break_even_clients(params),
        seconds=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------

def euro(x: float) -> str:
    """An amount in plain words: €3.6 million, €278,000, €950 (sign kept)."""
    if not np.isfinite(x):
        return "—"
    sign = "−" if x < 0 else ""
    a = abs(x)
    if a >= 1e6:
        return f"{sign}€{a / 1e6:,.1f} million"
    if a >= 1e4:
        return f"{sign}€{round(a, -3):,.0f}"
    return f"{sign}€{round(a, -1):,.0f}"


def _profit_at(o: Outcome, clients: float) -> float:
    p = o.params
    return float(provider_pnl(p, [clients])["profit"].iloc[0])


def headline(o: Outcome) -> str:
    """The page's answer in words (Markdown): does the flat pay off, and for whom."""
    p = o.params
    c = p.thuisplus.contract
    years = o.years
    span = ((f"{years:g} years" if years != 1 else "one year")
            + f" of the flat and the {p.simulation.follow_up_years} years after, following "
            "everyone who lived there")
    if not p.thuisplus.enabled:
        return ("**No Thuisplusflat in this setting** (it is switched off): both arms are the "
                "same complex, so nothing is avoided and nobody pays or gains.")
    lines = []
    # 1. The provider's books at the volumes that matter.
    n23 = float(np.nanmean(o.clients["clients_2023"])) if len(o.clients) else float("nan")
    n_end = float(np.nanmean(o.clients["clients_end"]))
    reached = (f"In the simulation the flat's provider has about **{n23:.0f} Wmo clients** on "
               f"1 January 2023 and **{n_end:.0f}** at the end. "
               if np.isfinite(n23) else
               f"In the simulation the flat's provider has about **{n_end:.0f} Wmo clients** "
               "at the end. ")
    at40 = _profit_at(o, 40)
    books40 = ("a loss of " + euro(-at40) if at40 < 0 else "a profit of " + euro(at40))
    if c.funding == "per_client":
        be = o.break_even
        be_text = (f"it breaks even from about **{be:.0f} clients**" if be is not None
                   else "it does not break even at any volume")
        lines.append(
            f"**Funded per client.** {reached}With **40 clients** the provider's "
            f"Thuisplusflat books show **{books40} a year**: the €"
            f"{p.money.plus_per_client_week:g}-a-week plus per client does not pay the team "
            f"it must run; {be_text}.")
    else:
        lines.append(
            f"**Funded as a lump sum.** {reached}The provider's Thuisplusflat budget does not "
            f"depend on how many residents switch: with **40 clients** its books show "
            f"**{books40} a year**.")
    # 2. Society as a whole.
    npv, ben, cost = o.mean("npv"), o.mean("pv_benefits"), o.mean("pv_costs")
    bcr = o.mean("benefit_cost_ratio")
    ratio = f": €{bcr:.1f} back for every €1 spent" if np.isfinite(bcr) and bcr > 0 else ""
    verdict = "**pays off for society**" if npv > 0 else "**does not pay off for society**"
    gains = (f"it avoids {euro(ben)} of care and other costs" if ben >= 0 else
             f"it adds {euro(-ben)} of care and other costs instead of avoiding them")
    lines.append(
        f"Over {span} the flat {verdict}: {gains}, against {euro(cost)} for the team, the "
        f"plus and the room; a net {'gain' if npv >= 0 else 'loss'} of "
        f"**{euro(abs(npv))}** in today's money{ratio}.")
    # 3. Who pays, who gains.
    st = o.stakeholder_table().set_index("stakeholder")
    losers = [s for s in STAKEHOLDERS if st.loc[s, "net"] < -1]
    gainers = sorted((s for s in STAKEHOLDERS if st.loc[s, "net"] > 1),
                     key=lambda s: -st.loc[s, "net"])
    parts = []
    if losers:
        parts.append("**Who pays:** " + "; ".join(
            f"the {STAKEHOLDER_NAMES[s]} {euro(-st.loc[s, 'net'])} net" for s in losers))
    if gainers:
        parts.append("**Who gains:** " + "; ".join(
            f"the {STAKEHOLDER_NAMES[s]} {euro(st.loc[s, 'net'])}" for s in gainers))
    if parts:
        wrong = (" The municipality pays, others gain: the 'wrong pocket'."
                 if "municipality" in losers and {"health_insurer", "care_office"}
                 & set(gainers) else "")
        lines.append(" ".join(p + "." for p in parts) + wrong)
    lonely = o.outcome("severely lonely person-years avoided")
    carers = o.outcome("overburdened carer-years avoided")
    lines.append(f"Residents: {lonely:,.0f} years of severe loneliness avoided over their "
                 f"lives; informal carers: {carers:,.0f} years of overburden avoided.")
    if len(o.seeds) > 1:
        lines.append(f"Averages over {len(o.seeds)} runs; the bands in the plots show the "
                     f"{LOW}th-{HIGH}th percentile range.")
    else:
        lines.append("*This is one run. In one complex, chance events (who falls, who needs "
                     "a nursing home) weigh heavily: set **Runs** to 10 to see how sure the "
                     "answer is.*")
    return "\n\n".join(lines)


def key_figures(o: Outcome) -> dict[str, str]:
    """The four numbers shown above the plots (label → formatted value)."""
    avoided_total = o.avoided.groupby("seed")["total"].sum().mean()
    return {
        "Care cost avoided (all laws)": euro(float(avoided_total)),
        "Net for society (discounted)": euro(o.mean("npv")),
        "Flat's provider: Wmo clients at the end":
            f"{float(np.nanmean(o.clients['clients_end'])):.0f}",
        "Provider's books at 40 clients": euro(_profit_at(o, 40)) + " a year",
    }


def results_csv(o: Outcome) -> str:
    """The download: one tidy CSV of the yearly tables, avoided cost and business case.

    Columns: ``table, seed, year, arm, stakeholder, item, kind, unit, value``.
    ``table`` is ``yearly`` (each column of :func:`thuisplus.sim.summary.yearly` per arm),
    ``avoided`` (€ per law, undiscounted), ``business_case`` (the yearly stakeholder
    flows, undiscounted) or ``business_case_pv`` (discounted pays, gains and net per
    stakeholder, and the societal measures).
    """
    parts = []
    y = o.yearly.melt(id_vars=["seed", "arm", "year"], var_name="item", value_name="value")
    parts.append(y.assign(table="yearly"))
    a = o.avoided.melt(id_vars=["seed", "year"], var_name="item", value_name="value")
    parts.append(a.assign(table="avoided", arm="avoided", unit="€"))
    f = o.flows.rename(columns={"amount": "value"})
    parts.append(f.assign(table="business_case"))
    rows = []
    for s, r in zip(o.seeds, o.results, strict=True):
        for name, vals in r["stakeholders"].items():
            for what, v in vals.items():
                rows.append({"seed": s, "stakeholder": name, "item": what, "value": v,
                             "unit": "€ (PV)"})
        for key in ("npv", "pv_benefits", "pv_costs", "benefit_cost_ratio"):
            rows.append({"seed": s, "stakeholder": "society", "item": key,
                         "value": r[key], "unit": "ratio" if key == "benefit_cost_ratio"
                         else "€ (PV)"})
    parts.append(pd.DataFrame(rows).assign(table="business_case_pv"))
    cols = ["table", "seed", "year", "arm", "stakeholder", "item", "kind", "unit", "value"]
    out = pd.concat(parts, ignore_index=True).reindex(columns=cols)
    out["year"] = out["year"].astype("Int64")
    buf = io.StringIO()
    out.to_csv(buf, index=False)
    return buf.getvalue()


def law_series(o: Outcome, law: str) -> pd.DataFrame:
    """Per year: mean, low and high cost of ``law`` in each arm (columns per arm)."""
    col = f"cost_{law}"
    g = o.yearly.groupby(["arm", "year"])[col]
    out = pd.DataFrame({"mean": g.mean(), "low": g.quantile(LOW / 100),
                        "high": g.quantile(HIGH / 100)}).reset_index()
    return out


def cumulative_avoided(o: Outcome) -> pd.DataFrame:
    """Per law and year: mean, low and high cumulative avoided cost (€, undiscounted)."""
    laws = [*LAWS, "total"]
    a = o.avoided.sort_values(["seed", "year"])
    cum = a[laws].groupby(a["seed"]).cumsum().assign(year=a["year"].to_numpy())
    g = cum.groupby("year")[laws]
    mean, low, high = g.mean(), g.quantile(LOW / 100), g.quantile(HIGH / 100)
    rows = [pd.DataFrame({"law": law, "year": mean.index, "mean": mean[law].to_numpy(),
                          "low": low[law].to_numpy(), "high": high[law].to_numpy()})
            for law in laws]
    return pd.concat(rows, ignore_index=True)


def share_series(o: Outcome, column: str) -> pd.DataFrame:
    """Per arm and year: mean, low and high of a yearly share column."""
    g = o.yearly.groupby(["arm", "year"])[column]
    return pd.DataFrame({"mean": g.mean(), "low": g.quantile(LOW / 100),
                         "high": g.quantile(HIGH / 100)}).reset_index()
