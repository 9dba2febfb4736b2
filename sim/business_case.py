"""The social business case (MKBA).

The contract's money, costs and benefits per stakeholder, discounting, and the
provider's books:

- The contract's arithmetic (EVAL §2), checked against the evaluation to the euro
  (nominal, as the contract states it).
- Flows per stakeholder from a pair, in **constant prices** of ``costs.price_year``
  (every amount converted from its own price year by the CPI, :mod:`thuisplus.sim.prices`; nothing
  indexed): who pays (start amount, plus, the team, the delivery of every mechanism,
  community builder, e-health, common room, the informal carers' extra hours) and who
  gains (avoided Wmo, Zvw, Wlz care; the provider's travel, PNIL and replacement savings;
  carers' employers' sick leave), and non-monetary outcomes (loneliness-years,
  overburdened-carer-years) in their own units. A flow is booked by its kind, not its
  sign: a benefit that turns negative is a negative gain (a dis-benefit), never a payment.
- Avoided nursing-home days valued under two views (``money.nursing_home_view``):
  ``budget`` (the day's price) or ``capacity`` (places are full and refilled from the
  waiting list: the bridging care of the person waiting).
- Discounting (``money.discounting``): ``mkba_2020`` (2.25% real for all) or
  ``zorginstituut`` (euros at the cost rate, person-years at the effect rate); NPV,
  benefit-cost ratio, payback year.
- The provider's profit and loss against client volume and the break-even volume.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from thuisplus.sim.care import CARE_TYPES, LAWS
from thuisplus.sim.interventions import REGISTRY, offer_share, offer_shares
from thuisplus.sim.pair import Pair
from thuisplus.sim.params import PRICE_YEARS, Parameters
from thuisplus.sim.prices import price_factor

__all__ = [
    "DISCOUNTING",
    "VIEWS",
    "ContractYear",
    "amount",
    "avoided_per_law_of",
    "break_even_clients",
    "contract_arithmetic",
    "delivers",
    "discount",
    "discount_rates",
    "measures",
    "measures_of",
    "payback_year",
    "provider_pnl",
    "stakeholder_flows",
    "team_cost",
    "team_roles",
]

#: The discounting schemes (``money.discounting``).
DISCOUNTING = ("mkba_2020", "zorginstituut")
#: The views of a freed nursing-home place (``money.nursing_home_view``).
VIEWS = ("budget", "capacity")


@dataclass(frozen=True)
class ContractYear:
    """The contract's money for one flat in one year at a given client volume."""

    year: int
    clients: float
    start_amount: float  # the one-time start amount, paid in the contract's first year
    plus_per_client_week: float
    plus_income: float
    regular_wmo_income: float
    variable_contract: float
    team_share: float  # share of the sized collective offer run at this volume
    team_cost: float   # the team the provider runs at this volume
    plus_minus_team: float

    def as_dict(self) -> dict[str, float]:
        """Plain dict (for JSON)."""
        return asdict(self)


def _index(params: Parameters, year: int) -> float:
    """Nominal indexation of the contract amounts from the contract year to ``year``."""
    m = params.money
    return (1.0 + m.indexation) ** (year - m.contract_year)


def amount(params: Parameters, key: str, year: int | None = None) -> float:
    """The euro parameter ``key`` at ``year``'s prices (default: the analysis price year).

    Converted from the amount's own price year (:data:`thuisplus.sim.params.PRICE_YEARS`)
    by the CPI.
    """
    to = params.costs.price_year if year is None else year
    return float(params.get(key)) * price_factor(params.get(PRICE_YEARS[key]), to)


def team_roles(params: Parameters, year: int | None = None) -> dict[str, float]:
    """Yearly cost of each role of the team the plus was sized for, at ``year``'s prices.

    Coordinator (hbo), activities worker and carer-support worker (mbo) at Berenschot
    employer costs, converted from ``money.salary_year`` by the CPI (default: to the
    analysis price year).
    """
    m = params.money
    hbo = amount(params, "money.salary_hbo_per_fte", year)
    mbo = amount(params, "money.salary_mbo_per_fte", year)
    return {"coordinator": m.coordinator_fte * hbo,
            "activities": m.activities_fte * mbo,
            "carer support": params.thuisplus.informal_support.support_fte * mbo}


def team_cost(params: Parameters, year: int | None = None) -> float:
    """Yearly cost of the whole team the plus was sized for, at ``year``'s prices."""
    return sum(team_roles(params, year).values())


def _intensities(params: Parameters) -> dict[str, float]:
    """Intensity of every registered intervention that has one (0 when not enabled)."""
    t = params.thuisplus
    return {name: (float(getattr(t, name).intensity) if t.enabled else 0.0)
            for name, cls in REGISTRY.items() if "intensity" in cls.Params.model_fields}


def _role_intensity(params: Parameters) -> dict[str, float]:
    """How much of each team role runs: the intensity of the mechanisms it delivers.

    The activities worker runs the room programme (prevention's activities and exercise,
    loneliness reduction's meeting); the carer-support worker, informal-care support; the
    coordinator, any of them.
    """
    i = _intensities(params)
    return {"coordinator": max(i.values(), default=0.0),
            "activities": max(i.get("prevention", 0.0), i.get("loneliness", 0.0)),
            "carer support": i.get("informal_support", 0.0)}


def delivers(params: Parameters) -> bool:
    """Whether the Thuisplusflat delivers anything: an intervention or a contract lever on.

    An enabled flat with every intervention and lever off is no contract: no start
    amount, no plus, no contract management (so an all-off pair has no flow at all).
    """
    t = params.thuisplus
    if not t.enabled:
        return False
    c = t.contract
    levers = (bool(c.transfer_indications) or c.welfare_hours > 0 or c.ehealth > 0
              or c.open_room > 0 or c.referral_share > 0 or c.vital_share_shift != 0
              or c.new_client_share != params.staffing.preferred_new_client_share)
    return levers or any(v > 0 for v in _intensities(params).values())


def contract_arithmetic(clients: float, year: int, params: Parameters | None = None
                        ) -> ContractYear:
    """Plus income, regular Wmo income and variable contract size for ``clients`` Wmo clients.

    At 100 clients in the contract year: 100 × 52 × €15 = €78,000 plus, 100 × 52 × €85 =
    €442,000 regular Wmo, €520,000 variable contract size (EVAL §2). This is the contract's
    **nominal** arithmetic: amounts at contract-year prices (the team converted to them by
    the CPI), indexed yearly with ``money.indexation`` after the contract year. The business
    case (:func:`stakeholder_flows`) is in constant prices and does not use it.
    """
    params = params if params is not None else Parameters()
    if clients < 0:
        raise ValueError(f"clients = {clients}: allowed: a number >= 0")
    m = params.money
    idx = _index(params, year)
    plus_week = m.plus_per_client_week * idx
    plus = clients * m.weeks_per_year * plus_week
    wmo = clients * m.weeks_per_year * m.wmo_per_client_week * idx
    share = offer_share(clients, params.thuisplus.contract)
    team = team_cost(params, m.contract_year) * idx * share
    start = m.start_amount if year == m.contract_year else 0.0
    return ContractYear(year=year, clients=clients, start_amount=start,
                        plus_per_client_week=plus_week,
                        plus_income=plus, regular_wmo_income=wmo, variable_contract=plus + wmo,
                        team_share=share, team_cost=team, plus_minus_team=plus - team)


# --------------------------------------------------------------------------------------
# Costs and benefits per stakeholder (from pairs), discounting, measures
# --------------------------------------------------------------------------------------

STAKEHOLDERS = ("municipality", "health_insurer", "care_office", "provider",
                "other_providers", "housing_corporation", "carers_employers",
                "informal_carers")
#: The care providers' books (:func:`provider_books`): ``provider`` is the preferred
#: provider (the contract's), ``other_providers`` every other provider in the complex.
PROVIDERS = ("provider", "other_providers")
NON_MONETARY = ("residents", "informal_carers")
LAW_STAKEHOLDER = {"wmo": "municipality", "zvw": "health_insurer", "wlz": "care_office"}


def stakeholder_flows(pair: Pair, view: str | None = None) -> pd.DataFrame:
    """Yearly flows of one pair: one row per year × stakeholder × item, in constant prices.

    ``kind`` is ``cost`` (a real resource cost), ``benefit`` (avoided cost or saving),
    ``transfer_out``/``transfer_in`` (money moving between stakeholders, e.g. the plus) or
    ``outcome`` (a non-monetary effect in its own unit, reported beside the euros).
    ``view``: how an avoided nursing-home day is valued (:data:`VIEWS`; default
    ``money.nursing_home_view``).
    """
    bw, tw = _weekly(pair.baseline), _weekly(pair.thuisplus)
    return _flows(pair.params, bw, tw, _Avoided(bw, tw), view).frame()


def discount_rates(params: Parameters) -> tuple[float, float]:
    """(rate for euros, rate for non-monetary outcomes) of ``money.discounting``."""
    m = params.money
    if m.discounting == "zorginstituut":
        return m.zorginstituut_cost_rate, m.zorginstituut_effect_rate
    return m.discount_rate, m.discount_rate


def discount(flows: pd.DataFrame, rate: float, first_year: int,
             effect_rate: float | None = None) -> pd.DataFrame:
    """Add ``factor`` = 1 / (1 + rate)^(year − first_year) and the discounted ``pv``.

    Rows in person-years (not €) are discounted at ``effect_rate`` (default ``rate``).
    """
    out = flows.copy()
    r = np.full(len(out), rate, dtype=float)
    if effect_rate is not None and "unit" in out:
        r[(out["unit"] != "€").to_numpy()] = effect_rate
    out["factor"] = 1.0 / (1.0 + r) ** (out["year"].to_numpy() - first_year)
    out["pv"] = out["amount"] * out["factor"]
    return out


def measures(flows: pd.DataFrame, rate: float, first_year: int,
             effect_rate: float | None = None) -> dict[str, object]:
    """NPV, benefit-cost ratio, payback year and per-stakeholder nets of one pair's flows.

    Euros are discounted at ``rate``, non-monetary outcomes at ``effect_rate`` (default
    ``rate``). The societal NPV counts real costs and benefits; transfers (start amount,
    plus) cancel between payer and receiver, so the stakeholders' nets add up to it.

    Per stakeholder, ``pays`` is the PV of its costs and transfers out and ``gains`` the PV
    of its benefits and transfers in, each with its own sign: a negative benefit (a
    dis-benefit, e.g. care that the Thuisplusflat adds rather than avoids) lowers
    ``gains`` and is never booked as a payment; a negative cost (a saving) lowers
    ``pays``. ``net`` = ``gains`` − ``pays``.
    """
    return _measures(*(flows[k].to_numpy() for k in _FLOW_FIELDS), rate, first_year,
                     effect_rate)


def measures_of(flows: pd.DataFrame, params: Parameters) -> dict[str, object]:
    """:func:`measures` with the discounting scheme and first year of ``params``."""
    rate, effect = discount_rates(params)
    return measures(flows, rate, params.simulation.start_date.year, effect)


# --------------------------------------------------------------------------------------
# The arithmetic of a pair on numpy arrays
# --------------------------------------------------------------------------------------
# A pair's post-processing reads the weekly record matrices and sums them with numpy. The
# sums copy, operation by operation, the pandas (3.1) code they replaced, so every result
# is the same bit for bit (tests/test_postprocessing.py checks it against that code):
#
# - ``groupby(key).sum()`` / ``.mean()`` with the rows in key order and no NaN is
#   ``np.add.reduceat`` over the groups (``/ size`` for a mean); otherwise it is a Kahan
#   sum in row order that skips NaN (:func:`_kahan`). A column that is one of several
#   in a grouped DataFrame takes the Kahan path if any of them has a NaN.
# - ``Series.sum()`` / ``.mean()`` is numpy's (pairwise) sum of the values with NaN as 0,
#   divided by the number of non-NaN values for a mean.
# - ``DataFrame.sum(axis=1)`` of three columns adds them left to right.

#: Care types in the row order of the avoided table within a year (by law, then name).
_TYPES = tuple(sorted(CARE_TYPES, key=lambda c: (c.law, c.name)))
_LAW_KEYS = tuple(sorted({c.law for c in CARE_TYPES}))  # laws in groupby order
_TYPE_LAW = np.array([_LAW_KEYS.index(c.law) for c in _TYPES])
_USE_COST = (*(f"use_{c.name}" for c in _TYPES), *(f"cost_{c.name}" for c in _TYPES))
#: Summed per year, baseline minus Thuisplusflat, in :func:`stakeholder_flows`.
_SAVINGS = ("travel_hours", "pnil_hours", "staff_turnover", "carer_sick_leave_hours",
            "carers_overburdened", "informal_care_hours", "transfers", "staff_hours",
            "staff_hours_hh", "pnil_hours_hh", "staff_hours_pref_hh", "pnil_hours_pref_hh",
            "hh_hours_pref", "beg_hours_pref", "staff_hours_pref_dn", "pnil_hours_pref_dn",
            "dn_hours_pref", "staff_turnover_pref", "hh_hours_complex", "beg_hours_complex",
            "dn_hours_complex", "staff_turnover_pnil", "staff_turnover_pref_pnil")
_SAVED = {k: i for i, k in enumerate(_SAVINGS)}
#: The columns a pair's post-processing reads.
_READ = (*_USE_COST, *_SAVINGS, "wmo_clients_preferred", "residents",
         "severely_lonely_share", "severely_lonely_persons", "unmet_care_hours")
_FLOW_FIELDS = ("year", "stakeholder", "item", "kind", "amount", "unit")


class _Groups:
    """Rows grouped by key, as pandas' ``groupby`` visits them (keys sorted, rows in order).

    ``rows[i]`` selects group ``keys[i]``: a slice if the keys come sorted (``monotonic``,
    then ``starts`` are the groups' first rows), else the group's row numbers.
    """

    __slots__ = ("keys", "monotonic", "rows", "sizes", "starts")

    def __init__(self, codes: np.ndarray):
        codes = np.asarray(codes)
        n = len(codes)
        self.monotonic = n > 0 and bool((codes[1:] >= codes[:-1]).all())
        if self.monotonic:
            starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
            bounds = np.r_[starts, n]
            self.keys, self.starts = codes[starts], starts
            self.rows = [slice(a, b) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                                     strict=True)]
        else:
            self.keys, ids = np.unique(codes, return_inverse=True)
            order = np.argsort(ids, kind="stable")
            bounds = np.searchsorted(ids[order], np.arange(len(self.keys) + 1))
            self.starts = None
            self.rows = [order[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                                    strict=True)]
        self.sizes = np.diff(bounds)


def _kahan(groups: _Groups, values: np.ndarray, mean: bool = False) -> np.ndarray:
    """Kahan sums (or means) of ``values`` per group in row order, NaN skipped (pandas' kernel)."""
    vals = values.tolist()
    out = []
    for rows in groups.rows:
        part = vals[rows] if isinstance(rows, slice) else [vals[i] for i in rows.tolist()]
        total = comp = 0.0
        n = 0
        for v in part:
            if v != v:
                continue
            n += 1
            y = v - comp
            t = total + y
            comp = t - total - y
            if comp != comp:  # an infinite value: pandas resets the compensation
                comp = 0.0
            total = t
        out.append((total / n if n else np.nan) if mean else total)
    return np.array(out, dtype=np.float64)


def _group_sum(groups: _Groups, x: np.ndarray, mean: bool = False,
               jointly: bool = False) -> np.ndarray:
    """``groupby(...).sum()`` (or ``.mean()``) of each column of ``x``; rows as in ``groups``.

    Each column is a Series of its own unless ``jointly`` (the columns of one DataFrame: a
    NaN in any of them sends all of them down the Kahan path).
    """
    x = np.asarray(x, dtype=np.float64)
    x2 = x[:, None] if x.ndim == 1 else x.reshape(len(x), -1)
    nan = np.isnan(x2).any(axis=0)
    if jointly:
        nan[:] = nan.any()
    if groups.monotonic and not nan.all():
        out = np.add.reduceat(x2, groups.starts, axis=0)
        if mean:
            out = out / groups.sizes.astype(np.float64)[:, None]
        kahan = np.flatnonzero(nan)
    else:
        out = np.empty((len(groups.keys), x2.shape[1]))
        kahan = range(x2.shape[1])
    for j in kahan:
        out[:, j] = _kahan(groups, x2[:, j], mean)
    return out.reshape((len(groups.keys), *x.shape[1:]))


def _series_mean(x: np.ndarray) -> float:
    """``Series.mean()``: numpy's sum with NaN as 0, over the number of non-NaN values."""
    nan = np.isnan(x)
    if not nan.any():
        return x.sum() / np.float64(len(x)) if len(x) else np.nan
    count = np.float64(len(x) - nan.sum())
    return np.where(nan, 0.0, x).sum() / count if count > 0 else np.nan


class _Weekly:
    """The columns of a weekly table that a pair's post-processing reads, as numpy arrays.

    ``values[:, index[name]]`` is column ``name``, ``year`` and ``date`` are per week.
    Sums over a table are kept with it, so a cached baseline arm is summed once.
    """

    __slots__ = ("_cache", "date", "index", "persons", "values", "year")

    def __init__(self, values: np.ndarray, index: dict[str, int], year: np.ndarray,
                 date: np.ndarray, persons: dict[str, np.ndarray] | None = None):
        self.values, self.index, self.year, self.date = values, index, year, date
        #: the arm's persons (:meth:`~thuisplus.sim.model.ThuisplusModel.persons`), if it came
        #: from a model
        self.persons = persons
        self._cache: dict = {}

    def __len__(self) -> int:
        return len(self.year)

    def col(self, name: str) -> np.ndarray:
        """Column ``name``."""
        return self.values[:, self.index[name]]

    def cols(self, names: tuple[str, ...]) -> np.ndarray:
        """Columns ``names`` as a (weeks, columns) matrix."""
        return self.values[:, [self.index[n] for n in names]]

    @property
    def groups(self) -> _Groups:
        """The weeks grouped by year."""
        if "groups" not in self._cache:
            self._cache["groups"] = _Groups(self.year)
        return self._cache["groups"]

    def by_year(self, names: tuple[str, ...], mean: bool = False) -> np.ndarray:
        """``groupby("year")[name].sum()`` (or ``.mean()``) of each column: (years, names)."""
        key = (names, mean)
        if key not in self._cache:
            self._cache[key] = _group_sum(self.groups, self.cols(names), mean)
        return self._cache[key]

    def savings(self) -> tuple[dict[int, int], np.ndarray]:
        """Per year: ``Series.sum()`` of :data:`_SAVINGS` and of the severely lonely persons."""
        if "savings" not in self._cache:
            x = np.empty((len(_SAVINGS) + 1, len(self)))
            x[:-1] = self.cols(_SAVINGS).T
            x[-1] = self.col("severely_lonely_persons")
            if np.isnan(x).any():
                x[np.isnan(x)] = 0.0
            # per row along contiguous memory: numpy's pairwise sum, as for one column
            sums = [(x[:, rows] if isinstance(rows, slice) else
                     np.ascontiguousarray(x[:, rows])).sum(axis=1) for rows in self.groups.rows]
            pos = {y: i for i, y in enumerate(self.groups.keys.tolist())}
            self._cache["savings"] = pos, np.array(sums).reshape(len(pos), len(x))
        return self._cache["savings"]


def _weekly(source: object) -> _Weekly:
    """The :class:`_Weekly` arrays of a finished model or a weekly table (DataFrame).

    A :class:`~thuisplus.sim.model.ThuisplusModel` gives its record matrix as is (the numbers
    ``weekly()`` would put in a DataFrame); anything else is read through ``weekly()``.
    """
    if isinstance(source, _Weekly):
        return source
    rec, cols = getattr(source, "_rec", None), getattr(source, "_cols", None)
    if isinstance(rec, np.ndarray) and cols is not None and hasattr(source, "start_date"):
        n = int(source.week)
        start = pd.Timestamp(source.start_date).to_datetime64()
        date = start + np.arange(n) * np.timedelta64(7, "D")
        year = date.astype("datetime64[Y]").astype(np.int64) + 1970
        persons = source.persons() if hasattr(source, "persons") else None
        return _Weekly(rec[:n], {c: i for i, c in enumerate(cols)}, year, date, persons)
    df = source if isinstance(source, pd.DataFrame) else source.weekly()
    names = [c for c in _READ if c in df.columns]
    date = df["date"].to_numpy() if "date" in df.columns else None
    return _Weekly(df[names].to_numpy(dtype=np.float64), {c: i for i, c in enumerate(names)},
                   df["year"].to_numpy(), date)


class _Avoided:
    """Use and cost per year (rows) and care type (:data:`_TYPES`) in both arms."""

    __slots__ = ("cost_b", "cost_t", "use_b", "use_t", "years")

    def __init__(self, bw: _Weekly, tw: _Weekly):
        k = len(_TYPES)
        sb, st = bw.by_year(_USE_COST), tw.by_year(_USE_COST)
        years = bw.groups.keys.tolist()
        pos = {y: i for i, y in enumerate(tw.groups.keys.tolist())}
        st = st[[pos[y] for y in years]]  # a year missing in the Thuisplusflat arm: KeyError
        self.years = [int(y) for y in years]
        self.use_b, self.use_t = sb[:, :k], st[:, :k]
        self.cost_b, self.cost_t = sb[:, k:], st[:, k:]

    @property
    def cost_avoided(self) -> np.ndarray:
        """Avoided cost per year and care type."""
        return self.cost_b - self.cost_t

    def law_groups(self) -> _Groups:
        """The avoided table's rows (year-major) grouped by (year, law)."""
        return _year_law_groups(len(self.years))

    def by_law(self) -> _Groups:
        """The avoided table's rows (year-major) grouped by law."""
        return _law_groups(len(self.years))

    def frame(self) -> pd.DataFrame:
        """The tidy table of :func:`thuisplus.sim.pair.avoided_table`."""
        n = len(self.years)
        return pd.DataFrame({
            "year": np.repeat(np.array(self.years, dtype=np.int64), len(_TYPES)),
            "law": [c.law for c in _TYPES] * n,
            "care_type": [c.name for c in _TYPES] * n,
            "unit": [c.unit for c in _TYPES] * n,
            "use_baseline": self.use_b.ravel(), "use_thuisplus": self.use_t.ravel(),
            "use_avoided": (self.use_b - self.use_t).ravel(),
            "cost_baseline": self.cost_b.ravel(), "cost_thuisplus": self.cost_t.ravel(),
            "cost_avoided": self.cost_avoided.ravel(),
        })


@functools.lru_cache(maxsize=64)
def _year_law_groups(years: int) -> _Groups:
    return _Groups((np.arange(years)[:, None] * len(_LAW_KEYS) + _TYPE_LAW).ravel())


@functools.lru_cache(maxsize=64)
def _law_groups(years: int) -> _Groups:
    return _Groups(np.tile(_TYPE_LAW, years))


def _avoided_per_law(avoided: pd.DataFrame) -> pd.DataFrame:
    """:func:`thuisplus.sim.pair.avoided_per_law` (a pivot table of ``cost_avoided``, summed)."""
    years, yi = np.unique(avoided["year"].to_numpy(), return_inverse=True)
    laws, li = np.unique(avoided["law"].to_numpy(), return_inverse=True)
    groups = _Groups(yi * len(laws) + li)
    sums = _group_sum(groups, avoided["cost_avoided"].to_numpy())
    grid = np.full((len(years), len(LAWS) + 1), np.nan)
    column = {law: j for j, law in enumerate(LAWS)}
    for key, value in zip(groups.keys.tolist(), sums.tolist(), strict=True):
        j = column.get(laws[key % len(laws)])
        if j is not None:
            grid[key // len(laws), j] = value
    grid[:, -1] = _row_sum(grid[:, :-1])
    return pd.DataFrame(grid, index=pd.Index(years, name="year"),
                        columns=pd.Index([*LAWS, "total"], name="law"))


def avoided_per_law_of(pair: Pair) -> pd.DataFrame:
    """``avoided_per_law(pair.avoided)`` from the arms' arrays (the same numbers, no table).

    Every law has a care type in every year here, so the grid has no gaps.
    """
    a = _Avoided(_weekly(pair.baseline), _weekly(pair.thuisplus))
    sums = _group_sum(a.law_groups(), a.cost_avoided.ravel()).reshape(len(a.years),
                                                                     len(_LAW_KEYS))
    grid = np.empty((len(a.years), len(LAWS) + 1))
    for j, law in enumerate(LAWS):
        grid[:, j] = sums[:, _LAW_KEYS.index(law)]
    grid[:, -1] = _row_sum(grid[:, :-1])
    return pd.DataFrame(grid, index=pd.Index(np.array(a.years, dtype=np.int64), name="year"),
                        columns=pd.Index([*LAWS, "total"], name="law"))


def _row_sum(x: np.ndarray) -> np.ndarray:
    """``DataFrame.sum(axis=1)`` of a few columns: left to right, NaN as 0."""
    x = np.where(np.isnan(x), 0.0, x)
    total = x[:, 0].copy()
    for j in range(1, x.shape[1]):
        total += x[:, j]
    return total


class _Rows:
    """Flow rows, in the order :func:`stakeholder_flows` adds them."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, year: int, stakeholder: str, item: str, kind: str, amount: float,
            unit: str = "€") -> None:
        """Append one row."""
        self.rows.append((int(year), stakeholder, item, kind, float(amount), unit))

    def columns(self) -> list[tuple]:
        """The rows' columns (:data:`_FLOW_FIELDS`)."""
        return list(zip(*self.rows, strict=True)) if self.rows else [()] * len(_FLOW_FIELDS)

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The columns as arrays (the input of :func:`_measures`)."""
        year, stakeholder, item, kind, amount, unit = self.columns()
        return (np.array(year, dtype=np.int64), *(np.array(x, dtype=object)
                for x in (stakeholder, item, kind)),
                np.array(amount, dtype=np.float64), np.array(unit, dtype=object))

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame."""
        return pd.DataFrame(dict(zip(_FLOW_FIELDS, map(list, self.columns()), strict=True)))


_NH = next(k for k, c in enumerate(_TYPES) if c.name == "nursing_home")
_WLZ = _LAW_KEYS.index("wlz")


def _check_view(view: str) -> str:
    if view not in VIEWS:
        from thuisplus.sim.params import ParameterError

        raise ParameterError([("money.nursing_home_view", view,
                               f"allowed: one of {', '.join(map(repr, VIEWS))}")])
    return view


@dataclass(frozen=True)
class _Wages:
    """What the providers' books are priced at (analysis price year)."""

    hh: float           # employer cost of a household-help hour
    dn: float           # ... of a district nurse's hour
    pnil_premium: float
    replacement: float  # per leaver
    tariff_hh: float    # what a delivered hour earns
    tariff_beg: float
    tariff_dn: float


#: The items of a provider's books (each flow: Thuisplusflat arm minus baseline, times
#: the sign: revenue is a gain, costs are saved).
_BOOK_ITEMS = (("care revenue in the complex", 1.0),
               ("staff hours saved (travel included)", -1.0),
               ("PNIL premium saved", -1.0), ("staff replacement saved", -1.0))


def provider_books(sums: np.ndarray, w: _Wages) -> dict[str, dict[str, float]]:
    """One arm's care books of the preferred provider and of the others, for one year.

    ``sums``: the year's sums of :data:`_SAVINGS`. Revenue: the hours delivered in the
    complex at the tariff (the unit costs); costs: the working hours of each role, travel
    included, at the role's employer cost, the PNIL premium and replacing payroll leavers
    (an agency replaces its own workers: that is in the premium). Each
    provider keeps its own travel, turnover and PNIL, and its margin on its volume.
    """
    s = {k: sums[i] for k, i in _SAVED.items()}
    pref = {"hh": s["staff_hours_pref_hh"], "dn": s["staff_hours_pref_dn"],
            "p_hh": s["pnil_hours_pref_hh"], "p_dn": s["pnil_hours_pref_dn"],
            "d_hh": s["hh_hours_pref"], "d_beg": s["beg_hours_pref"],
            "d_dn": s["dn_hours_pref"],
            "leavers": s["staff_turnover_pref"] - s["staff_turnover_pref_pnil"]}
    dn_all = s["staff_hours"] - s["staff_hours_hh"]
    pnil_dn_all = s["pnil_hours"] - s["pnil_hours_hh"]
    other = {"hh": s["staff_hours_hh"] - pref["hh"], "dn": dn_all - pref["dn"],
             "p_hh": s["pnil_hours_hh"] - pref["p_hh"], "p_dn": pnil_dn_all - pref["p_dn"],
             "d_hh": s["hh_hours_complex"] - pref["d_hh"],
             "d_beg": s["beg_hours_complex"] - pref["d_beg"],
             "d_dn": s["dn_hours_complex"] - pref["d_dn"],
             "leavers": s["staff_turnover"] - s["staff_turnover_pnil"] - pref["leavers"]}
    out = {}
    for who, x in zip(PROVIDERS, (pref, other), strict=True):
        out[who] = {
            "care revenue in the complex": (x["d_hh"] * w.tariff_hh + x["d_beg"] * w.tariff_beg
                                            + x["d_dn"] * w.tariff_dn),
            "staff hours saved (travel included)": x["hh"] * w.hh + x["dn"] * w.dn,
            "PNIL premium saved": (x["p_hh"] * w.hh + x["p_dn"] * w.dn) * w.pnil_premium,
            "staff replacement saved": x["leavers"] * w.replacement}
    return out


def _flows(params: Parameters, bw: _Weekly, tw: _Weekly, avoided: _Avoided,
           view: str | None = None) -> _Rows:
    """The rows of :func:`stakeholder_flows` from the weekly arrays of both arms.

    Every amount is at the analysis price year's prices (:func:`amount`); the weekly cost
    columns already are (:class:`thuisplus.sim.care.PriceBook`).
    """
    p = params
    m, c, d = p.money, p.thuisplus.contract, p.delivery
    view = _check_view(m.nursing_home_view if view is None else view)
    rows = _Rows()
    add = rows.add

    per_law = _group_sum(avoided.law_groups(), avoided.cost_avoided.ravel())
    if view == "capacity":
        # a freed place is refilled from the waiting list: the care office saves the
        # bridging care of the person waiting, not the place's price
        days = avoided.use_b[:, _NH] - avoided.use_t[:, _NH]
        per_law = per_law.reshape(len(avoided.years), len(_LAW_KEYS)).copy()
        per_law[:, _WLZ] += days * amount(p, "costs.bridging_care_day") \
            - avoided.cost_avoided[:, _NH]
        per_law = per_law.ravel()
    k = 0
    for year in avoided.years:
        for law in _LAW_KEYS:
            add(year, LAW_STAKEHOLDER[law], f"avoided {law.capitalize()} care", "benefit",
                per_law[k])
            k += 1

    on = 1.0 if delivers(p) else 0.0
    intensity = _intensities(p)
    roles = team_roles(p)
    role_on = _role_intensity(p)
    room = role_on["activities"]  # the room programme runs with the activities worker
    hour = amount(p, "money.staff_hour_cost")
    wages = _Wages(amount(p, "money.hh_hour_cost"), hour, m.pnil_premium,
                   amount(p, "money.replacement_cost"), amount(p, "costs.household_help"),
                   amount(p, "costs.begeleiding"), amount(p, "costs.district_nursing"))
    start_amount = amount(p, "money.start_amount")
    plus_week = amount(p, "money.plus_per_client_week")
    costs = {key: amount(p, key) for key in (
        "money.welfare_hour_cost", "money.ehealth_cost_per_client_year",
        "money.common_room_cost_per_year", "money.replacement_cost",
        "money.productivity_cost_per_hour", "costs.informal_care_hour",
        "delivery.employership_per_year", "delivery.transfer_cost_per_client",
        "delivery.contract_management_per_year", "delivery.open_room_per_year")}

    # the contract runs from its start to the end of the programme; the persons' own
    # flows (informal care, carers' sick leave) count over their whole follow-up
    end = (pd.Timestamp(p.simulation.start_date)
           + pd.Timedelta(weeks=p.simulation.weeks)).to_datetime64()
    running = ((tw.date >= pd.Timestamp(c.start_date).to_datetime64()) & (tw.date < end)
               & p.thuisplus.enabled)
    clients_all = tw.col("wmo_clients_preferred")
    share_all = np.full(len(tw), np.nan)
    if running.any():  # offer_share of each running week, computed once per client volume
        volumes, inverse = np.unique(clients_all[running], return_inverse=True)
        share_all[running] = offer_shares(volumes, c)[inverse]
    b_pos, b_savings = bw.savings()
    _, t_savings = tw.savings()
    none = np.zeros(t_savings.shape[1])
    for g, (year, sel) in enumerate(zip(tw.groups.keys.tolist(), tw.groups.rows, strict=True)):
        run = running[sel]
        weeks_running = int(run.sum())
        if year == c.start_date.year and p.thuisplus.enabled:
            add(year, "municipality", "start amount", "transfer_out", start_amount * on)
            add(year, "provider", "start amount", "transfer_in", start_amount * on)
        b = b_savings[b_pos[year]] if year in b_pos else none
        diff = b - t_savings[g]
        sick, overburdened, informal, lonely = (
            diff[_SAVED["carer_sick_leave_hours"]], diff[_SAVED["carers_overburdened"]],
            diff[_SAVED["informal_care_hours"]], diff[-1])
        # each provider's books, every year: the care it delivers in the complex
        books_b, books_t = provider_books(b, wages), provider_books(t_savings[g], wages)
        for who in PROVIDERS:
            for item, sign in _BOOK_ITEMS:
                add(year, who, item, "benefit", sign * (books_t[who][item] - books_b[who][item]))
        add(year, "carers_employers", "carers' sick leave avoided", "benefit",
            sick * costs["money.productivity_cost_per_hour"])
        add(year, "informal_carers", "extra informal care given (shadow price)", "cost",
            -informal * costs["costs.informal_care_hour"])
        add(year, "informal_carers", "overburdened carer-years avoided", "outcome",
            overburdened / 52.0, "person-years")
        add(year, "residents", "severely lonely person-years avoided", "outcome",
            lonely / 52.0, "person-years")
        if weeks_running == 0:
            continue
        part = weeks_running / m.weeks_per_year  # share of a contract year
        clients = clients_all[sel][run]
        mean_clients = float(clients.mean())
        if c.funding == "lump_sum":
            plus = c.target_clients * plus_week * weeks_running * on
        else:
            plus = float(clients.sum()) * plus_week * on
        add(year, "municipality", "plus", "transfer_out", plus)
        add(year, "provider", "plus", "transfer_in", plus)
        add(year, "municipality", "contract management", "cost",
            costs["delivery.contract_management_per_year"] * part * on)
        share = np.mean(share_all[sel][run])
        for role, cost in roles.items():
            add(year, "provider", f"Thuisplusflat team: {role}", "cost",
                cost * role_on[role] * share * part)
        add(year, "provider", "prevention: signal training", "cost",
            intensity.get("prevention", 0.0) * d.signal_training_hours * hour * part)
        add(year, "provider", "prevention: early follow-up of signals", "cost",
            intensity.get("prevention", 0.0) * d.signal_followup_hours_per_client
            * mean_clients * hour * part)
        add(year, "provider", "loneliness: the provider's outreach", "cost",
            intensity.get("loneliness", 0.0) * d.outreach_hours_per_week * weeks_running
            * hour)
        add(year, "provider", "good employership measures", "cost",
            intensity.get("employership", 0.0) * costs["delivery.employership_per_year"]
            * part)
        if c.welfare_hours:
            add(year, "municipality", "community builder", "cost",
                c.welfare_hours * weeks_running * costs["money.welfare_hour_cost"])
        if c.ehealth:
            add(year, "provider", "e-health", "cost",
                c.ehealth * costs["money.ehealth_cost_per_client_year"] * mean_clients * part)
        add(year, "housing_corporation", "common room in daily use", "cost",
            costs["money.common_room_cost_per_year"] * room * part)
        if c.open_room:
            add(year, "housing_corporation", "common room open to the neighbourhood", "cost",
                c.open_room * costs["delivery.open_room_per_year"] * part)
        transfers = t_savings[g][_SAVINGS.index("transfers")]  # the Thuisplusflat arm's
        add(year, "municipality", "client transfer", "cost",
            transfers * costs["delivery.transfer_cost_per_client"])
    return rows


def _measures(year: np.ndarray, stakeholder: np.ndarray, item: np.ndarray, kind: np.ndarray,
              amount: np.ndarray, unit: np.ndarray, rate: float, first_year: int,
              effect_rate: float | None = None) -> dict[str, object]:
    """:func:`measures` on the columns of a flows table.

    ``outcomes`` are the non-monetary outcomes discounted at ``effect_rate`` (default
    ``rate``), ``outcomes_undiscounted`` their plain sums.
    """
    effect_rate = rate if effect_rate is None else effect_rate
    outcome = kind == "outcome"
    by_item = _Groups(item[outcome])
    outcome_pv = amount[outcome].astype(float) / (1.0 + effect_rate) ** (
        year[outcome] - first_year)
    outcomes = _group_sum(by_item, outcome_pv)
    plain = _group_sum(by_item, amount[outcome])
    money = unit == "€"
    year, kind_m, who = year[money], kind[money], stakeholder[money]
    pv = amount[money].astype(float) / (1.0 + rate) ** (year - first_year)
    benefit, cost = kind_m == "benefit", kind_m == "cost"
    gain = benefit | (kind_m == "transfer_in")
    pay = cost | (kind_m == "transfer_out")
    sign = np.select([gain, pay], [1.0, -1.0], 0.0)
    signed = pv * sign
    # Booked by kind, not by sign: a benefit that turns out negative (e.g. more care in the
    # Thuisplusflat arm) is a negative gain, a dis-benefit of its stakeholder, not a
    # payment; a negative cost (a saving) stays a negative cost. net = gains − pays.
    per = {s: {"pays": 0.0, "gains": 0.0, "net": 0.0} for s in STAKEHOLDERS}
    names, who = np.unique(who, return_inverse=True)
    for i, s in enumerate(names.tolist()):
        mine = who == i
        per[s] = {"pays": float(pv[mine & pay].sum()), "gains": float(pv[mine & gain].sum()),
                  "net": float(signed[mine].sum())}
    pv_benefits = float(pv[benefit].sum())
    pv_costs = float(pv[cost].sum())
    real = benefit | cost
    by_year = _Groups(year[real])
    yearly = _group_sum(by_year, signed[real])
    nan = np.isnan(yearly)
    cumulative = np.cumsum(np.where(nan, 0.0, yearly))  # Series.cumsum: NaN skipped, kept
    cumulative[nan] = np.nan
    payback = payback_year(by_year.keys, cumulative)
    return {
        "npv": pv_benefits - pv_costs,
        "pv_benefits": pv_benefits,
        "pv_costs": pv_costs,
        "benefit_cost_ratio": pv_benefits / pv_costs if pv_costs > 0 else float("nan"),
        "payback_year": payback,
        "stakeholders": per,
        "cumulative_net": {int(k): float(v) for k, v in
                           zip(by_year.keys.tolist(), cumulative.tolist(), strict=True)},
        "outcomes": {k: float(v) for k, v in
                     zip(by_item.keys.tolist(), outcomes.tolist(), strict=True)},
        "outcomes_undiscounted": {k: float(v) for k, v in
                                  zip(by_item.keys.tolist(), plain.tolist(), strict=True)},
        "discount_rates": (float(rate), float(effect_rate)),
    }


def payback_year(years: np.ndarray, cumulative: np.ndarray) -> int | None:
    """The first year from which the cumulative net stays >= 0 (None: it ends below 0).

    The year after the last year below 0 (a NaN year counts as below): a cumulative net
    that turns positive, dips and recovers pays back when it recovers for good, not
    never and not at its first crossing.
    """
    below = ~(np.asarray(cumulative) >= 0)
    if len(below) == 0 or below[-1]:
        return None
    last = np.flatnonzero(below)
    return int(years[last[-1] + 1 if len(last) else 0])


def provider_pnl(params: Parameters, clients: np.ndarray | list[float], year: int | None = None,
                 funding: str | None = None) -> pd.DataFrame:
    """The provider's yearly Thuisplusflat books at each client volume (contract money only).

    Income: the plus (per client) or the sized budget (lump sum). Cost: the team, scaled to
    the share of the collective offer run at that volume, and e-health. Regular Wmo care is
    assumed paid at cost by its tariff, so it does not enter the margin. Nominal, as
    :func:`contract_arithmetic`: contract-year prices indexed with ``money.indexation``.
    """
    c = params.thuisplus.contract
    if funding is not None:
        c = c.model_copy(update={"funding": funding})
    m = params.money
    year = m.contract_year if year is None else year
    idx = (1.0 + m.indexation) ** (year - m.contract_year)
    n = np.asarray(clients, dtype=float)
    if c.funding == "lump_sum":
        income = np.full(len(n), c.target_clients * m.weeks_per_year * m.plus_per_client_week
                         * idx)
    else:
        income = n * m.weeks_per_year * m.plus_per_client_week * idx
    team = team_cost(params, m.contract_year) * idx * offer_shares(n, c)
    ehealth = (c.ehealth * amount(params, "money.ehealth_cost_per_client_year", m.contract_year)
               * idx * n)
    return pd.DataFrame({"funding": c.funding, "year": year, "clients": n, "income": income,
                         "team_cost": team, "ehealth_cost": ehealth,
                         "profit": income - team - ehealth})


def break_even_clients(params: Parameters, year: int | None = None) -> float | None:
    """Smallest client volume (0.1 steps, up to 1000) at which per-client funding breaks even."""
    grid = np.arange(0.0, 1000.0, 0.1)
    pnl = provider_pnl(params, grid, year, funding="per_client")
    ok = pnl.loc[pnl["profit"] >= 0, "clients"]
    return float(ok.iloc[0]) if len(ok) else None
