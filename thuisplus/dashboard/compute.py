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
import itertools
import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from thuisplus.dashboard.i18n import euro, number, percent, tr
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
from thuisplus.sim.model import ThuisplusModel, horizon_weeks
from thuisplus.sim.pair import BaselineCache, Pair, run_pair
from thuisplus.sim.params import Parameters, from_sampler, uncertainties
from thuisplus.sim.processes.loneliness import LONELY, SEVERELY_LONELY
from thuisplus.sim.summary import yearly
from thuisplus.sim.uncertainty import draw_priors

if TYPE_CHECKING:
    from thuisplus.experiments.posterior import Posterior

__all__ = [
    "BASELINES",
    "BUILDING_VIEWS",
    "KEY_FIGURES",
    "MAX_RUNS",
    "MIN_VERDICT_RUNS",
    "Cancelled",
    "Chance",
    "Outcome",
    "Snapshot",
    "chance",
    "comparable",
    "comparison_table",
    "compute",
    "compute_steps",
    "cumulative_avoided",
    "difference",
    "fitted_sentence",
    "headline",
    "held_uncertainties",
    "key_figures",
    "key_values",
    "law_series",
    "replication_seeds",
    "results_csv",
    "share_series",
    "shipped_posterior",
    "snapshot",
    "uncertainty_draws",
    "verdict",
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


_SERIALS = itertools.count()


@dataclass
class Outcome:
    """Everything the page shows for one setting of the controls.

    While a recompute is under way the page shows a partial outcome: the replications
    finished so far (``len(seeds)``) out of ``asked``.
    """

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
    #: per replication, the drawn values of the uncertainties (empty: none drawn)
    draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    asked: int = 0  # replications asked for (0: as many as finished)
    held: tuple[str, ...] = ()  # uncertainties kept at the setting's value, not drawn
    fitted: tuple[str, ...] = ()  # uncertainties drawn from the calibration's posterior
    #: a number no other outcome of this process has: what a page caches its figures by
    #: (``id()`` is reused once an outcome is freed, and a partial one soon is)
    serial: int = field(default_factory=lambda: next(_SERIALS), compare=False)

    @property
    def uncertain(self) -> bool:
        """Whether each run drew the uncertainties (a possible world) or kept them fixed."""
        return not self.draws.empty

    @property
    def complete(self) -> bool:
        """All replications asked for have finished."""
        return len(self.seeds) >= self.asked

    @property
    def first_year(self) -> int:
        """Calendar year of the first week."""
        return self.params.simulation.start_date.year

    @property
    def years(self) -> float:
        """Length of the run in years."""
        return self.params.simulation.weeks / 52.0

    def values(self, key: str) -> np.ndarray:
        """Per replication: a top-level measure (npv, pv_costs, ...) or ``net_<stakeholder>``."""
        if key.startswith("net_"):
            return self.stakeholder(key.removeprefix("net_"), "net")
        return np.array([r[key] for r in self.results], dtype=float)

    def mean(self, key: str) -> float:
        """Mean over replications of a top-level measure (npv, pv_costs, ...)."""
        v = self.values(key)
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


def uncertainty_draws(replications: int, seed: int, held: Iterable[str] = (),
                      posterior: Posterior | None = None) -> pd.DataFrame:
    """Per replication, a draw of every uncertainty but ``held``.

    The calibrated ones (the keys of ``posterior``) come jointly from the posterior
    sample, as the main job's PSA draws them (one posterior set per draw); the others from
    their priors (:func:`thuisplus.sim.uncertainty.draw_priors`). Replication k draws the
    same values whatever the number of replications and the page's other settings, so
    its baseline arm is cached as the Thuisplusflat sliders move, and options A and B are
    compared on the same possible worlds.
    """
    held = tuple(held)
    key = (replications, seed, held, id(posterior))
    with _DRAWS_LOCK:
        kept = _DRAWS.get(key)
    if kept is not None:  # (the entry holds its posterior: its id is not reused meanwhile)
        return kept[1].copy()
    table = _uncertainty_draws(replications, seed, held, posterior)
    with _DRAWS_LOCK:
        if len(_DRAWS) >= 8:
            _DRAWS.pop(next(iter(_DRAWS)))
        _DRAWS[key] = (posterior, table)
    return table.copy()


#: The last few tables of :func:`uncertainty_draws` (~60 ms each to draw, and the same
#: at every slider change): (replications, seed, held, id of the posterior) → (posterior,
#: table).
_DRAWS: dict[tuple, tuple[Posterior | None, pd.DataFrame]] = {}
_DRAWS_LOCK = threading.Lock()


def _uncertainty_draws(replications: int, seed: int, held: Iterable[str],
                       posterior: Posterior | None) -> pd.DataFrame:
    """:func:`uncertainty_draws`, drawn."""
    keep = set(held)
    fitted = [k for k in (posterior.keys if posterior is not None else ()) if k not in keep]
    declared = list(uncertainties())
    table = draw_priors(replications, seed,
                        [k for k in declared if k not in keep and k not in fitted])
    if fitted:
        sets = [posterior.draw(seed, (k, 1)) for k in range(replications)]
        for key in fitted:
            table[key] = [s[key] for s in sets]
        order = [k for k in declared if k in table.columns]  # the tree's order
        table = table[order + [k for k in table.columns if k not in order]]
    return table.apply(lambda col: [from_sampler(col.name, v) for v in col])


def shipped_posterior() -> Posterior | None:
    """The shipped fit to the 2021-2023 evaluation data (None if it is not installed).

    The model's defaults of the calibrated uncertainties are its point estimates.
    """
    from thuisplus.experiments.posterior import read_posterior
    from thuisplus.sim.shipped import shipped_files

    path = shipped_files("posterior").get("contract-2021")
    return read_posterior(path) if path is not None else None


def held_uncertainties(start: Parameters, controlled: Iterable[str]) -> tuple[str, ...]:
    """Uncertainties the page does not draw: set by a control or by the starting parameters.

    Those the starting parameters (a parameter file, a calibration's fit) set away from
    the model's default are kept: a value someone chose on purpose is their assumption,
    which a drawn value would silently replace.
    """
    defaults = Parameters()
    held = set(controlled)
    held |= {k for k in uncertainties() if start.get(k) != defaults.get(k)}
    return tuple(k for k in uncertainties() if k in held)


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled


#: Most replications the page runs (each seed's baseline arms stay cached: ~9 MB each).
MAX_RUNS = 100

#: Baseline arms of the seeds the page has shown: a slider of the Thuisplusflat does not
#: change them (:func:`thuisplus.sim.pair.baseline_key`), so they are run once per seed
#: (and per draw of the uncertainties the baseline reads; the draws are the same each time).
BASELINES = BaselineCache(size=MAX_RUNS + 16)


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


def _first_pair(params: Parameters, seed: int) -> tuple[Pair, dict[str, Snapshot]]:
    """The pair of ``seed`` and the building of both arms as the programme ends.

    The Thuisplusflat arm stops at the programme's end for its snapshot and then goes
    on (a run in two parts equals one run: a test checks it); the baseline's snapshot
    comes from its own cached run to that week.
    """
    weeks = params.simulation.weeks
    baseline = BASELINES.get(params, seed)
    model = ThuisplusModel(params, seed=seed).run(weeks)
    building = {"thuisplus": snapshot(model),
                "baseline": snapshot(BASELINES.get(params, seed, weeks))}
    model.run(horizon_weeks(params) - weeks)
    return Pair(params, seed, baseline, model), building


def _replication(params: Parameters, seed: int, first: bool,
                 cancel: threading.Event | None) -> _Replication:
    """Run one pair (baseline from :data:`BASELINES`) and compute its part of the page."""
    _check(cancel)
    building = None
    if first:  # with the building as the programme ends
        pair, building = _first_pair(params, seed)
    else:
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


def compute_steps(params: Parameters, replications: int = 1, seed: int = 1,
                  cancel: threading.Event | None = None, *, uncertain: bool = False,
                  held: Iterable[str] = (), posterior: Posterior | None = None,
                  progress_every: float = 0.5) -> Iterator[Outcome]:
    """:func:`compute` step by step: partial outcomes as replications finish, then the whole.

    The first is yielded as soon as the first replication (with the building) is done,
    then one at most every ``progress_every`` seconds; the last is complete
    (:attr:`Outcome.complete`). What a page iterates to show a first answer at once.
    """
    t0 = time.perf_counter()
    if not 1 <= replications <= MAX_RUNS:
        raise ValueError(f"replications = {replications}: allowed: 1 to {MAX_RUNS}")
    seeds = replication_seeds(seed, replications)
    held = tuple(held)
    draws = (uncertainty_draws(replications, seed, held, posterior) if uncertain
             else pd.DataFrame())
    fitted = tuple(k for k in (posterior.keys if posterior is not None else ())
                   if k in draws.columns)  # the calibrated ones drawn from the posterior
    rows = draws.to_dict(orient="records") if uncertain else []

    def of_run(k: int) -> Parameters:
        """Replication ``k``'s parameters (the setting, with its draw if uncertain)."""
        if not uncertain:
            return params
        return params.with_overrides(rows[k], origin="dashboard: a draw of the priors")

    # Replication 0 (with the building, the first answer) starts before anything else,
    # one more beside it on each other core; the rest are submitted once the first answer
    # has been shown (the page renders it when this generator yields), so that neither
    # waits for the others' Python parts: on 2 cores the first answer on the page came
    # ~0.1 s sooner (0.44-0.53 → 0.36-0.38 s), the whole answer ~0.2 s later.
    n = workers()
    pool = _pool(n)
    jobs: dict[Any, int] = {}

    def submit(k: int) -> Any:
        job = pool.submit(_replication, of_run(k), seeds[k], k == 0, cancel)
        jobs[job] = k
        return job

    for k in range(min(n, replications)):
        submit(k)
    later = list(range(min(n, replications), replications))
    done: dict[int, _Replication] = {}

    def assemble() -> Outcome:
        ks = sorted(done)
        reps = [done[k] for k in ks]
        return Outcome(
            params=params, seeds=[seeds[k] for k in ks],
            yearly=pd.concat([y for r in reps for y in r.yearly], ignore_index=True),
            avoided=pd.concat([r.avoided for r in reps], ignore_index=True),
            flows=pd.concat([r.flows for r in reps], ignore_index=True),
            results=[r.result for r in reps], building=done[0].building or {},
            clients=pd.DataFrame([r.clients for r in reps]), pnl=pnl,
            break_even=break_even_clients(params),
            seconds=time.perf_counter() - t0,
            draws=draws.iloc[ks].reset_index(drop=True) if uncertain else pd.DataFrame(),
            asked=replications, held=held, fitted=fitted)

    shown = -math.inf
    try:
        pnl = pd.concat([provider_pnl(params, PNL_CLIENTS, funding=f)
                         for f in ("per_client", "lump_sum")], ignore_index=True)
        pending = set(jobs)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for job in finished:
                done[jobs[job]] = job.result()
            if (0 in done and len(done) < replications
                    and time.perf_counter() - shown >= progress_every):
                _check(cancel)
                yield assemble()
                shown = time.perf_counter()
            if later and 0 in done:
                pending.update(submit(k) for k in later)
                later = []
    finally:
        for job in jobs:
            job.cancel()
    yield assemble()


def compute(params: Parameters, replications: int = 1, seed: int = 1,
            cancel: threading.Event | None = None, *, uncertain: bool = False,
            held: Iterable[str] = (), posterior: Posterior | None = None,
            on_progress: Callable[[Outcome], None] | None = None) -> Outcome:
    """Run ``replications`` pairs of ``params`` and collect what the page shows.

    With ``uncertain``, replication k also draws the uncertainties (all but ``held``)
    from their priors, the calibrated ones from ``posterior`` if given
    (:func:`uncertainty_draws`): each run is then one possible world,
    chance and parameters together, as in the probabilistic analysis. Without, every
    run has ``params`` and only chance differs.

    The pairs run on :func:`workers` threads; each seed's baseline arm is kept
    (:data:`BASELINES`), so a change of a Thuisplusflat setting runs only the
    Thuisplusflat arms. The numbers are those of :func:`thuisplus.sim.pair.run_pair`,
    whatever the threads. ``on_progress`` gets the partial outcomes of
    :func:`compute_steps`. ``cancel`` is checked before and after each pair: once set,
    :class:`Cancelled` is raised.
    """
    for outcome in compute_steps(params, replications, seed, cancel, uncertain=uncertain,
                                 held=held, posterior=posterior):
        if outcome.complete:
            return outcome
        if on_progress is not None:
            on_progress(outcome)
    raise AssertionError("compute_steps ended without a complete outcome")


# --------------------------------------------------------------------------------------
# The verdict and the comparison of two options
# --------------------------------------------------------------------------------------

#: Fewest runs from which the page states a probability (fewer: it says it needs more).
MIN_VERDICT_RUNS = 20
#: The words for a probability (the scale of the IPCC's calibrated language).
LIKELIHOOD = ((0.9, "very likely"), (0.67, "likely"), (0.33, "about as likely as not"),
              (0.1, "unlikely"), (0.0, "very unlikely"))


@dataclass(frozen=True)
class Chance:
    """The share of runs in which an amount is above zero, and how sure that share is."""

    runs: int
    above: int

    @property
    def p(self) -> float:
        """The share (nan without runs)."""
        return self.above / self.runs if self.runs else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        """The 90 % Wilson interval of the share, for the runs done (Monte Carlo error)."""
        n = self.runs
        if not n:
            return float("nan"), float("nan")
        z = 1.6449
        p = self.p
        mid = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        # (it holds the share; rounding must not put the share outside it)
        return max(0.0, min(mid - half, p)), min(1.0, max(mid + half, p))

    @property
    def words(self) -> str:
        """The likelihood in words ("likely"), from the share."""
        return next(word for floor, word in LIKELIHOOD if self.p >= floor)

    @property
    def settled(self) -> bool:
        """Whether the words hold across the interval (more runs would not change them)."""
        lo, hi = self.interval
        return Chance._word(lo) == Chance._word(hi)

    @staticmethod
    def _word(p: float) -> str:
        return next(word for floor, word in LIKELIHOOD if p >= floor)


def chance(values: np.ndarray) -> Chance:
    """The :class:`Chance` that ``values`` (one per run) are above zero (NaN runs left out)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return Chance(int(v.size), int((v > 0).sum()))


def comparable(a: Outcome, b: Outcome) -> bool:
    """Whether the runs of ``a`` and ``b`` are the same possible worlds (paired).

    Same seeds and the same draws of the uncertainties: then B − A per run is the
    difference the change of setting makes, with chance held equal.
    """
    n = min(len(a.seeds), len(b.seeds))
    if n == 0 or a.seeds[:n] != b.seeds[:n] or a.uncertain != b.uncertain:
        return False
    if not a.uncertain:
        return True
    cols = [c for c in a.draws.columns if c in b.draws.columns]
    return a.held == b.held and a.draws[cols].head(n).equals(b.draws[cols].head(n))


def difference(a: Outcome, b: Outcome, key: str) -> np.ndarray:
    """Per paired run, ``key`` of B minus A (:meth:`Outcome.values`); empty if not paired."""
    if not comparable(a, b):
        return np.array([])
    n = min(len(a.seeds), len(b.seeds))
    return b.values(key)[:n] - a.values(key)[:n]


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------

def _profit_at(o: Outcome, clients: float) -> float:
    p = o.params
    return float(provider_pnl(p, [clients])["profit"].iloc[0])


def _chance_sentence(c: Chance, lang: str) -> str:
    lo, hi = c.interval
    return tr(lang, "{words} ({p} of the runs; with {n} runs the share lies between {lo} and "
              "{hi})", words=tr(lang, c.words), p=percent(c.p, lang), n=c.runs,
              lo=percent(lo, lang), hi=percent(hi, lang))


def verdict(o: Outcome, lang: str = "en") -> str:
    """The verdict as a probability (Markdown), for society and for the municipality.

    Says what the probability stands for: chance and the uncertain parameters.
    """
    n = len(o.seeds)
    society, municipality = chance(o.values("npv")), chance(o.values("net_municipality"))
    if not o.uncertain:
        return tr(lang, "**The effect sizes are kept fixed in these runs**, so they show only "
                  "chance: the flat pays off for society in {p} of {n} runs. That is not the "
                  "chance that it pays off: switch on **Uncertain effects** for that.",
                  p=percent(society.p, lang), n=n)
    if n < MIN_VERDICT_RUNS:
        text = tr(lang, "**Too few runs for a verdict yet** ({n} of at least {m}): the flat "
                  "paid off for society in {k} of them.", n=n, m=MIN_VERDICT_RUNS,
                  k=society.above)
    else:
        text = tr(lang, "**That the flat pays off for society is {s}.** For the municipality's "
                  "own budget it is {m}.", s=_chance_sentence(society, lang),
                  m=_chance_sentence(municipality, lang))
        if not (society.settled and municipality.settled):
            text += " " + tr(lang, "*More runs would make this firmer.*")
    text += "\n\n" + tr(
        lang, "Each run is one possible world. **Chance:** in one complex, who falls, falls "
        "ill or needs a nursing home differs from run to run (within a run, the same with "
        "and without the flat). **Parameters:** most effect sizes are not known from "
        "studies, so each run draws them from the ranges of the evidence review; the "
        "probability says how much the answer rests on assumptions.")
    if o.fitted:
        text += " " + fitted_sentence(o, lang)
    if o.held:
        text += " " + tr(lang, "Kept at this setting's value, not drawn: {k} of the "
                         "uncertainties (those a slider or the parameter file sets).",
                         k=len(o.held))
    return text


def fitted_sentence(o: Outcome, lang: str) -> str:
    """That the calibrated uncertainties came from the calibration's posterior, not priors."""
    return tr(lang, "The {k} figures fitted to the 2021-2023 evaluation data are drawn from "
              "that fit (the calibration's posterior).", k=len(o.fitted))


def headline(o: Outcome, lang: str = "en") -> str:
    """The page's answer in words (Markdown): does the flat pay off, and for whom."""
    p = o.params
    c = p.thuisplus.contract
    if not p.thuisplus.enabled:
        return tr(lang, "**No Thuisplusflat in this setting** (it is switched off): both arms "
                  "are the same complex, so nothing is avoided and nobody pays or gains.")
    lines = [verdict(o, lang)]
    # 1. The provider's books at the volumes that matter.
    n23 = float(np.nanmean(o.clients["clients_2023"])) if len(o.clients) else float("nan")
    n_end = float(np.nanmean(o.clients["clients_end"]))
    reached = (tr(lang, "In the simulation the flat's provider has about **{a} Wmo clients** on "
                  "1 January 2023 and **{b}** at the end.", a=number(n23, lang),
                  b=number(n_end, lang))
               if np.isfinite(n23) else
               tr(lang, "In the simulation the flat's provider has about **{b} Wmo clients** "
                  "at the end.", b=number(n_end, lang)))
    at40 = _profit_at(o, 40)
    books40 = (tr(lang, "a loss of {x}", x=euro(-at40, lang)) if at40 < 0 else
               tr(lang, "a profit of {x}", x=euro(at40, lang)))
    if c.funding == "per_client":
        be = o.break_even
        be_text = (tr(lang, "it breaks even from about **{n} clients**", n=number(be, lang))
                   if be is not None else tr(lang, "it does not break even at any volume"))
        pays = (tr(lang, "does not pay for the team it must run") if at40 < 0 else
                tr(lang, "pays for the team it must run"))
        lines.append(tr(
            lang, "**Funded per client.** {reached} With **40 clients** the provider's "
            "Thuisplusflat books show **{books} a year**: the plus of {plus} a week per client "
            "{pays}; {be}.", reached=reached, books=books40, pays=pays,
            plus=euro(p.money.plus_per_client_week, lang, exact=True), be=be_text))
    else:
        lines.append(tr(
            lang, "**Funded as a lump sum.** {reached} The provider's Thuisplusflat budget does "
            "not depend on how many residents switch: with **40 clients** its books show "
            "**{books} a year**.", reached=reached, books=books40))
    # 2. Society as a whole, on average.
    npv, ben, cost = o.mean("npv"), o.mean("pv_benefits"), o.mean("pv_costs")
    gains = (tr(lang, "it avoids {x} of care and other costs", x=euro(ben, lang)) if ben >= 0
             else tr(lang, "it adds {x} of care and other costs instead of avoiding them",
                     x=euro(-ben, lang)))
    lines.append(tr(
        lang, "**On average over the runs**, over {years} years of the flat and the {follow} "
        "years after (following everyone who lived there, wherever they moved), {gains}, "
        "against {cost} for the team, the plus, the room and the delivery of the "
        "interventions: a net {net} of **{amount}** in today's money.",
        years=number(o.years, lang), follow=p.simulation.follow_up_years, gains=gains,
        cost=euro(cost, lang), net=tr(lang, "gain") if npv >= 0 else tr(lang, "loss"),
        amount=euro(abs(npv), lang)))
    # 3. Who pays, who gains.
    st = o.stakeholder_table().set_index("stakeholder")
    losers = [s for s in STAKEHOLDERS if st.loc[s, "net"] < -1]
    gainers = sorted((s for s in STAKEHOLDERS if st.loc[s, "net"] > 1),
                     key=lambda s: -st.loc[s, "net"])
    parts = []
    if losers:
        parts.append(tr(lang, "**Who pays:**") + " " + "; ".join(
            tr(lang, "the {who} {x} net", who=tr(lang, STAKEHOLDER_NAMES[s]),
               x=euro(-st.loc[s, "net"], lang)) for s in losers))
    if gainers:
        parts.append(tr(lang, "**Who gains:**") + " " + "; ".join(
            tr(lang, "the {who} {x}", who=tr(lang, STAKEHOLDER_NAMES[s]),
               x=euro(st.loc[s, "net"], lang)) for s in gainers))
    if parts:
        wrong = (" " + tr(lang, "The municipality pays, others gain: the 'wrong pocket'.")
                 if "municipality" in losers and {"health_insurer", "care_office"}
                 & set(gainers) else "")
        lines.append(" ".join(part + "." for part in parts) + wrong)
    lines.append(tr(lang, "Residents: {lonely} years of severe loneliness avoided over their "
                    "lives; informal carers: {carers} years of overburden avoided.",
                    lonely=number(o.outcome("severely lonely person-years avoided"), lang),
                    carers=number(o.outcome("overburdened carer-years avoided"), lang)))
    if len(o.seeds) > 1:
        lines.append(tr(lang, "Averages over {n} runs; the bands in the plots show the "
                        "{low}th-{high}th percentile range.", n=len(o.seeds), low=LOW,
                        high=HIGH))
    return "\n\n".join(lines)


#: The key figures above the plots, in order (their labels are looked up with ``tr``).
KEY_FIGURES = ("Chance it pays off for society", "Chance it pays off for the municipality",
               "Care cost avoided (all laws)", "Net for society (discounted)",
               "Flat's provider: Wmo clients at the end", "Provider's books at 40 clients")


def key_values(o: Outcome) -> dict[str, float]:
    """The numbers behind :data:`KEY_FIGURES` (€, clients, or a share 0-1)."""
    avoided_total = o.avoided.groupby("seed")["total"].sum().mean()
    return dict(zip(KEY_FIGURES, (
        chance(o.values("npv")).p, chance(o.values("net_municipality")).p,
        float(avoided_total), o.mean("npv"), float(np.nanmean(o.clients["clients_end"])),
        _profit_at(o, 40)), strict=True))


def key_figure_text(label: str, value: float, lang: str) -> str:
    """One key figure's value formatted for ``lang`` (a share in %, € in words)."""
    if label.startswith("Chance"):
        return percent(value, lang)
    if label.startswith("Flat's provider"):
        return number(value, lang)
    text = euro(value, lang)
    return tr(lang, "{x} a year", x=text) if label.startswith("Provider's books") else text


def key_figures(o: Outcome, lang: str = "en") -> dict[str, str]:
    """The numbers shown above the plots (translated label → formatted value)."""
    return {tr(lang, label): key_figure_text(label, v, lang)
            for label, v in key_values(o).items()}


def comparison_table(a: Outcome, b: Outcome, lang: str = "en") -> pd.DataFrame:
    """Options A and B side by side: each key figure in A, in B and B − A (formatted).

    For B − A of a chance, the share of paired runs in which B's amount beats A's is
    given as well, when the runs are the same possible worlds (:func:`comparable`).
    """
    va, vb = key_values(a), key_values(b)
    rows = []
    for label in KEY_FIGURES:
        diff = vb[label] - va[label]
        if label.startswith("Chance"):
            text = tr(lang, "{d} points", d=number(100 * diff, lang))
        else:
            text = key_figure_text(label, diff, lang)
            text = ("+" if diff > 0 else "") + text
        rows.append({tr(lang, "figure"): tr(lang, label),
                     "A": key_figure_text(label, va[label], lang),
                     "B": key_figure_text(label, vb[label], lang),
                     "B − A": text})
    d = difference(a, b, "npv")
    if d.size:
        better = chance(d)
        rows.append({tr(lang, "figure"): tr(lang, "Runs in which B beats A for society"),
                     "A": "", "B": "", "B − A": percent(better.p, lang)})
    return pd.DataFrame(rows)


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
