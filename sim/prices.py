"""Constant prices: the consumer price index that converts euros between price years.

The business case is in euros of one price year (``costs.price_year``, the analysis price
year). Every input amount is declared at its own price year (unit costs at 2022, the
contract at 2021, salaries at 2023, ...; :data:`PRICE_YEARS`) and converted
with the ratio of the CBS consumer price index of the two years (the costing manual's
advice: index with the CPI). The table is ``sim/data/cpi_nl.csv`` (sources in its header).
A year without an index is an error: no extrapolation.
"""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["CPI_FILE", "PRICE_YEARS", "PriceYearError", "cpi", "cpi_table", "cpi_years",
           "price_factor"]

CPI_FILE = Path(__file__).with_name("data") / "cpi_nl.csv"

#: The price year of every euro amount of the tree: dotted key -> dotted key of its price
#: year. The business case converts each amount to ``costs.price_year`` by the CPI
#: (:func:`price_factor`); a test checks that every parameter in euros of
#: the tree (thuisplus.sim.params, which re-exports this) is listed.
PRICE_YEARS: dict[str, str] = {
    **{f"costs.{k}": "costs.unit_cost_year" for k in (
        "household_help", "begeleiding", "district_nursing", "gp_contact", "physio_session",
        "ed_visit", "hospital_day", "nursing_home_day", "informal_care_hour",
        "bridging_care_day")},
    **{f"money.{k}": "money.contract_year" for k in (
        "start_amount", "plus_per_client_week", "wmo_per_client_week")},
    **{f"money.{k}": "money.salary_year" for k in (
        "salary_hbo_per_fte", "salary_mbo_per_fte", "staff_hour_cost", "hh_hour_cost")},
    **{f"money.{k}": "money.estimate_year" for k in (
        "replacement_cost", "productivity_cost_per_hour", "welfare_hour_cost",
        "ehealth_cost_per_client_year", "common_room_cost_per_year")},
    **{f"delivery.{k}": "money.estimate_year" for k in (
        "employership_per_year", "transfer_cost_per_client", "contract_management_per_year",
        "open_room_per_year")},
}


class PriceYearError(ValueError):
    """A price year that the CPI table does not cover."""


@functools.cache
def cpi_table() -> dict[int, float]:
    """Year -> CPI (2015 = 100) from :data:`CPI_FILE`."""
    table: dict[int, float] = {}
    lines = [ln for ln in CPI_FILE.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    for line in lines[1:]:  # after the header
        year, value, _method = line.split(",")
        table[int(year)] = float(value)
    return table


def cpi_years() -> tuple[int, int]:
    """First and last year of the CPI table."""
    years = sorted(cpi_table())
    return years[0], years[-1]


def cpi(year: int) -> float:
    """The CPI of ``year``; :class:`PriceYearError` naming the allowed years if none."""
    table = cpi_table()
    if year not in table:
        first, last = cpi_years()
        raise PriceYearError(f"price year {year} has no consumer price index; allowed: "
                             f"{first}-{last} (CBS CPI, {CPI_FILE.name})")
    return table[year]


def price_factor(from_year: int, to_year: int) -> float:
    """Multiply a euro amount at ``from_year`` prices by this to get ``to_year`` prices."""
    if from_year == to_year:
        return 1.0
    return cpi(to_year) / cpi(from_year)
