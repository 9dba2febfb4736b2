"""Indicators: summary statistics of one simulation that evaluation data can be compared with.

Each indicator turns a run's weekly table (``ThuisplusModel.weekly()``) into one number at
a date. It has a **kind** that fixes which weeks it reads:

- ``"stock"``: the value recorded in the **week containing the date** (the row whose
  ``date`` ≤ date < ``date`` + 7 days; ``date`` is the Monday a simulated week starts on,
  and stocks are recorded at the end of that week);
- ``"rate"`` and ``"share"``: a ratio of sums over the **52 weeks starting with the week
  containing the date** (that week and the 51 after it, ≈ one year). For a calendar-year
  figure use ``YYYY-01-01`` (its window starts in the week containing 1 January).

A date outside the simulated weeks (or a window that runs past the last week) is a
:class:`ValueError`. A ratio whose denominator is zero (no carers, no staff, no clients) is
``nan``.

Adding an indicator is one function and one registry line::

    @register("frail_share", unit="share of residents", kind="share",
              description="Residents below the frailty threshold, per resident-week.",
              source_note="GGD: ~25% of 75+ frail (TFI)")
    def _frail_share(window: pd.DataFrame) -> float:
        return _ratio((window["frail_share"] * window["residents"]).sum(),
                      window["residents"].sum())

The decorated function receives the **window** (the rows its kind selects: one row for a
stock, 52 for a rate or share); the registered :class:`Indicator` wraps it into
``fn(weekly, date)``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from thuisplus.sim.summary import wmo_cost_in_complex

__all__ = [
    "INDICATORS",
    "KINDS",
    "WINDOW_WEEKS",
    "Indicator",
    "compute",
    "did_you_mean",
    "get_indicator",
    "register",
    "weeks_needed",
    "window",
]

Kind = Literal["stock", "rate", "share"]
KINDS: tuple[str, ...] = ("stock", "rate", "share")
WINDOW_WEEKS = 52  # weeks read by a "rate" or "share" indicator

WindowFn = Callable[[pd.DataFrame], float]


@dataclass(frozen=True)
class Indicator:
    """One summary statistic of a simulation's weekly table.

    Attributes:
        name: registry key, as written in the ``indicator`` column of evaluation data.
        unit: unit of the value (e.g. ``"Wmo clients"``, ``"per 100 resident-years"``).
        kind: ``"stock"`` (the week containing the date) or ``"rate"`` / ``"share"`` (the
            52 weeks starting with that week); see the module docstring.
        description: what the number is, in one or two sentences.
        source_note: which public figure or evaluation fact it is meant to meet.
        fn: ``fn(weekly, date) -> float``; raises :class:`ValueError` if the date (or its
            window) lies outside the simulated weeks.
        bounds: the values the indicator can take (data outside them is rejected on load).
        min_sigma: smallest standard deviation the distance may use for this indicator
            (keeps an exact figure, or a zero, from getting infinite weight).

    """

    name: str
    unit: str
    kind: Kind
    description: str
    source_note: str
    fn: Callable[[pd.DataFrame, pd.Timestamp], float] = field(repr=False)
    bounds: tuple[float, float] = (0.0, math.inf)
    min_sigma: float = 0.0

    def __call__(self, weekly: pd.DataFrame, date: pd.Timestamp | dt.date | str) -> float:
        """The indicator's value in ``weekly`` at ``date`` (same as ``fn``)."""
        return self.fn(weekly, _timestamp(date))


INDICATORS: dict[str, Indicator] = {}


def register(
    name: str,
    *,
    unit: str,
    kind: Kind,
    description: str,
    source_note: str = "",
    bounds: tuple[float, float] | None = None,
    min_sigma: float | None = None,
) -> Callable[[WindowFn], WindowFn]:
    """Decorator: register ``f(window) -> float`` as indicator ``name``.

    Args:
        name: registry key (must be new).
        unit: unit of the value.
        kind: ``"stock"``, ``"rate"`` or ``"share"``; decides the window ``f`` receives.
        description: definition in words (shown in the docs and by the fit report).
        source_note: the figure the indicator is meant to meet.
        bounds: possible values; default [0, 1] for a share, [0, inf) otherwise.
        min_sigma: floor of the distance's standard deviation; default 0.005 for a share,
            1.0 for a stock, 0.1 for a rate.

    Returns:
        The decorator; it returns ``f`` unchanged, so ``f`` stays testable on its own.

    """
    if kind not in KINDS:
        raise ValueError(f"indicator {name!r}: kind = {kind!r}; allowed: {', '.join(KINDS)}")
    if name in INDICATORS:
        raise ValueError(f"indicator {name!r} is already registered")
    if bounds is None:
        bounds = (0.0, 1.0) if kind == "share" else (0.0, math.inf)
    if min_sigma is None:
        min_sigma = {"share": 0.005, "stock": 1.0, "rate": 0.1}[kind]

    def deco(f: WindowFn) -> WindowFn:
        def fn(weekly: pd.DataFrame, date: pd.Timestamp) -> float:
            return float(f(window(weekly, date, kind, name=name)))

        fn.__name__ = f"indicator_{name}"
        fn.__doc__ = description
        INDICATORS[name] = Indicator(name, unit, kind, description, source_note, fn,
                                     bounds, float(min_sigma))
        return f

    return deco


def get_indicator(name: str) -> Indicator:
    """The registered indicator ``name``; a :class:`ValueError` with a suggestion if unknown."""
    try:
        return INDICATORS[name]
    except KeyError:
        raise ValueError(f"unknown indicator {name!r}{did_you_mean(name, INDICATORS)}; "
                         f"known: {', '.join(sorted(INDICATORS))}") from None


def compute(weekly: pd.DataFrame, name: str, date: pd.Timestamp | dt.date | str) -> float:
    """Value of indicator ``name`` in one run's weekly table at ``date``.

    Args:
        weekly: ``ThuisplusModel.weekly()`` (needs its ``date`` column).
        name: a key of :data:`INDICATORS`.
        date: a date (Timestamp, ``datetime.date`` or ``"YYYY-MM-DD"``).

    Raises:
        ValueError: unknown indicator, or the date (or the 52-week window of a rate or
            share) outside the simulated weeks.

    """
    return get_indicator(name)(weekly, date)


def window(
    weekly: pd.DataFrame, date: pd.Timestamp | dt.date | str, kind: str, *, name: str = ""
) -> pd.DataFrame:
    """The rows an indicator of ``kind`` reads at ``date`` (see the module docstring).

    Raises:
        ValueError: the date is before the first or after the last simulated week, or a
            rate/share window needs weeks beyond the last one.

    """
    date = _timestamp(date)
    dates = pd.DatetimeIndex(weekly["date"])
    label = f"indicator {name!r}: " if name else ""
    if len(dates) == 0:
        raise ValueError(f"{label}the weekly table is empty")
    first, last = dates[0], dates[-1]
    k = int(dates.searchsorted(date, side="right")) - 1
    if k < 0 or date >= last + pd.Timedelta(days=7):
        raise ValueError(
            f"{label}date {date.date()} is outside the simulated weeks "
            f"{first.date()} to {(last + pd.Timedelta(days=6)).date()}")
    if kind == "stock":
        return weekly.iloc[k:k + 1]
    if k + WINDOW_WEEKS > len(dates):
        end = dates[k] + pd.Timedelta(weeks=WINDOW_WEEKS) - pd.Timedelta(days=1)
        raise ValueError(
            f"{label}a {kind} at {date.date()} reads the {WINDOW_WEEKS} weeks "
            f"{dates[k].date()} to {end.date()}, but the run ends "
            f"{(last + pd.Timedelta(days=6)).date()}; run {k + WINDOW_WEEKS} weeks or more")
    return weekly.iloc[k:k + WINDOW_WEEKS]


def weeks_needed(start: pd.Timestamp | dt.date | str, name: str,
                 date: pd.Timestamp | dt.date | str) -> int:
    """Weeks a run starting on ``start`` must cover to produce ``name`` at ``date``.

    Raises:
        ValueError: unknown indicator, or ``date`` before ``start``.

    """
    ind = get_indicator(name)
    start, date = _timestamp(start), _timestamp(date)
    if date < start:
        raise ValueError(f"indicator {name!r}: date {date.date()} is before the run's "
                         f"start {start.date()}")
    k = (date - start).days // 7
    return k + (1 if ind.kind == "stock" else WINDOW_WEEKS)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""``."""
    def score(c: str) -> tuple[float, float]:
        # Similarity to the whole name or to its start (a truncated long name); ties go to
        # the closer whole name.
        whole = difflib.SequenceMatcher(None, word, c).ratio()
        return max(whole, difflib.SequenceMatcher(None, word, c[:len(word)]).ratio()), whole

    scored = sorted(((score(str(c)), str(c)) for c in choices), reverse=True)
    if word and scored and scored[0][0][0] >= 0.6:
        return f" (did you mean {scored[0][1]!r}?)"
    return ""


def _timestamp(date: pd.Timestamp | dt.date | str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(date)
    except (TypeError, ValueError) as e:
        raise ValueError(f"bad date {date!r}: {e}; allowed: YYYY-MM-DD") from None
    if pd.isna(ts):
        raise ValueError(f"bad date {date!r}; allowed: YYYY-MM-DD")
    return ts.normalize()


def _ratio(num: float, den: float) -> float:
    """``num / den``, or ``nan`` when the denominator is zero."""
    return float(num) / float(den) if den else float("nan")


def _resident_years(w: pd.DataFrame) -> float:
    return float(w["residents"].sum()) / 52.0


# --------------------------------------------------------------------------- the registry
@register("wmo_clients_preferred", unit="Wmo clients", kind="stock",
          description="Residents receiving Wmo support (household help or begeleiding) from "
                      "the preferred provider, at the end of the week containing the date.",
          source_note="EVAL §3: very few at the start; about 40 per complex on 2023-01-01 "
                      "at four of six flats; target 100 (EVAL §2)")
def _wmo_clients_preferred(w: pd.DataFrame) -> float:
    return float(w["wmo_clients_preferred"].iloc[0])


@register("wmo_clients", unit="Wmo clients", kind="stock",
          description="Residents receiving Wmo support (household help or begeleiding) from "
                      "any provider, at the end of the week containing the date.",
          source_note="EVAL §3: not every complex had 100 residents with a Wmo indication")
def _wmo_clients(w: pd.DataFrame) -> float:
    return float(w["wmo_clients"].iloc[0])


@register("residents", unit="residents", kind="stock",
          description="Residents living in the complex at the end of the week containing "
                      "the date.",
          source_note="complex table (dwellings); not in the shipped data")
def _residents(w: pd.DataFrame) -> float:
    return float(w["residents"].iloc[0])


@register("severely_lonely_share", unit="share of residents", kind="share",
          description="Share of resident-weeks with a De Jong Gierveld score >= 9: the "
                      "weekly share weighted by the weekly number of residents.",
          source_note="vzinfo.nl 2020: 12% of 75+ severely lonely")
def _severely_lonely_share(w: pd.DataFrame) -> float:
    return _ratio((w["severely_lonely_share"] * w["residents"]).sum(), w["residents"].sum())


@register("nh_admissions_per_100_residents_per_year", unit="per 100 resident-years",
          kind="rate",
          description="Nursing-home admissions of residents per 100 resident-years "
                      "(resident-years = sum of weekly residents / 52).",
          source_note="derived for the complex's age mix from CBS institutional shares "
                      "and ActiZ stays: ~2.1 per 100 a year (docs/base_rates.md)")
def _nh_admissions(w: pd.DataFrame) -> float:
    return _ratio(100.0 * w["admissions"].sum(), _resident_years(w))


@register("mortality_per_100_per_year", unit="per 100 resident-years", kind="rate",
          description="Deaths of residents living in the complex (not of former residents "
                      "in a nursing home) per 100 resident-years.",
          source_note="CBS 70701ned 2019 without the institutionalised, for the complex's "
                      "age and sex mix: ~2.9 per 100 a year (docs/base_rates.md)")
def _mortality(w: pd.DataFrame) -> float:
    return _ratio(100.0 * w["deaths"].sum(), _resident_years(w))


@register("share_receiving_informal_care", unit="share of residents", kind="share",
          description="Share of resident-weeks in which the resident received informal care "
                      "(sum of residents_with_carer / sum of residents).",
          source_note="CBS Health Survey 2019: 23.7% of 75+ receive informal care")
def _share_informal(w: pd.DataFrame) -> float:
    return _ratio(w["residents_with_carer"].sum(), w["residents"].sum())


@register("carers_heavily_burdened_share", unit="share of carers", kind="share",
          description="Share of carer-weeks in which the carer was above the overburden "
                      "threshold (sum of carers_overburdened / sum of carers_active).",
          source_note="CBS Statistische Trends 2024: 18% of carers of a parent 80+ heavily "
                      "burdened (19% of all carers)")
def _carers_burdened(w: pd.DataFrame) -> float:
    return _ratio(w["carers_overburdened"].sum(), w["carers_active"].sum())


@register("staff_outflow_per_year", unit="leavers per payroll worker per year", kind="rate",
          description="Payroll care workers serving the building who left over the 52 "
                      "weeks, divided by the mean number of payroll workers (PNIL staff, "
                      "who rotate through the rota, are not counted, as ActiZ does not).",
          source_note="ActiZ 2021: outflow 19.6% per year of payroll staff in nursing and "
                      "home care",
          min_sigma=0.01)
def _staff_outflow(w: pd.DataFrame) -> float:
    return _ratio(w["staff_turnover"].sum() - w["staff_turnover_pnil"].sum(),
                  (w["staff"] - w["staff_pnil"]).mean())


@register("wmo_cost_per_client_week",
          unit="€ per Wmo client per week (constant prices of costs.price_year)", kind="rate",
          description="Wmo cost of the hours delivered in the complex (household help + "
                      "begeleiding, constant prices) over the 52 weeks divided by the Wmo "
                      "client-weeks. Data in another year's euros: convert them by the CPI.",
          source_note="EVAL §2: average Wmo support funding €85 per client per week "
                      "(2021 euros; €93.5 in 2022 prices)",
          min_sigma=1.0)
def _wmo_cost(w: pd.DataFrame) -> float:
    return _ratio(wmo_cost_in_complex(w).sum(), w["wmo_clients"].sum())



# ------------------------------------------------------------ by age band (75-84, 85+)
_BAND_LABEL = {"75_84": "aged 75-84", "85plus": "aged 85 or over"}


def _band_years(w: pd.DataFrame, band: str) -> float:
    return float(w[f"residents_{band}"].sum()) / 52.0


def _register_bands() -> None:
    """Mortality, admission and household-help indicators per age band, one of each kind."""
    for band, label in _BAND_LABEL.items():
        def mortality(w: pd.DataFrame, band: str = band) -> float:
            return _ratio(100.0 * w[f"deaths_{band}"].sum(), _band_years(w, band))

        def admissions(w: pd.DataFrame, band: str = band) -> float:
            return _ratio(100.0 * w[f"admissions_{band}"].sum(), _band_years(w, band))

        def household_help(w: pd.DataFrame, band: str = band) -> float:
            return _ratio(w[f"hh_clients_{band}"].sum(), w[f"residents_{band}"].sum())

        register(f"mortality_{band}_per_100_per_year", unit="per 100 resident-years",
                 kind="rate",
                 description=f"Deaths of residents {label} living in the complex per 100 "
                             f"resident-years {label} (age at death; resident-years from "
                             f"the weekly count of residents {label}).",
                 source_note="CBS 70701ned 2019 without the institutionalised, for the "
                             "complex's age and sex mix (docs/base_rates.md)")(mortality)
        register(f"nh_admissions_{band}_per_100_per_year", unit="per 100 resident-years",
                 kind="rate",
                 description=f"Nursing-home admissions of residents {label} per 100 "
                             f"resident-years {label}.",
                 source_note="derived by age from CBS institutional shares over an ActiZ "
                             "stay (docs/base_rates.md)")(admissions)
        register(f"household_help_share_{band}", unit="share of residents", kind="share",
                 description=f"Share of resident-weeks {label} with Wmo household help.",
                 source_note="CBS/GMSD 2022: nationally 14.7% of 75-84 and 29.3% of 85+ "
                             "receive household help")(household_help)


_register_bands()
