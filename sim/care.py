"""Care accounting: the one place that turns weekly care use into euros, per law.

Each care type has a law (Wmo, Zvw, Wlz), a unit of use and a unit cost from the
``costs`` parameter group, declared at ``costs.unit_cost_year`` prices and converted to
the analysis price year ``costs.price_year`` by the CPI (:mod:`thuisplus.sim.prices`). Prices are
constant: every week of every year is priced alike, nothing is indexed. Processes only
count use; they never price it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thuisplus.sim.params import CostParams
from thuisplus.sim.prices import price_factor

__all__ = ["CARE_TYPES", "LAWS", "CareType", "PriceBook"]

LAWS = ("wmo", "zvw", "wlz")


@dataclass(frozen=True)
class CareType:
    """A kind of care: its law, unit of use and the cost parameter that prices one unit."""

    name: str
    law: str
    unit: str
    cost_key: str  # field of CostParams, or "vpt_week" / "mpt_week" (derived)
    event: str     # the weekly event (thuisplus.sim.processes.common.EVENTS) that counts its use;
                   # "" for the nursing home, whose days the engine counts itself


CARE_TYPES: tuple[CareType, ...] = (
    CareType("household_help", "wmo", "hours", "household_help", "household_help"),
    CareType("begeleiding", "wmo", "hours", "begeleiding", "begeleiding"),
    CareType("district_nursing", "zvw", "hours", "district_nursing", "district_nursing"),
    CareType("gp", "zvw", "contacts", "gp_contact", "gp"),
    CareType("physio", "zvw", "sessions", "physio_session", "physio"),
    CareType("ed", "zvw", "visits", "ed_visit", "ed"),
    CareType("hospital", "zvw", "days", "hospital_day", "hospital_days"),
    CareType("vpt", "wlz", "weeks", "vpt_week", "vpt_weeks"),
    CareType("mpt", "wlz", "weeks", "mpt_week", "mpt_weeks"),
    CareType("nursing_home", "wlz", "days", "nursing_home_day", ""),
)
CARE_INDEX = {c.name: i for i, c in enumerate(CARE_TYPES)}
LAW_OF_TYPE = tuple(LAWS.index(c.law) for c in CARE_TYPES)
LAW_MATRIX = np.array([[c.law == law for c in CARE_TYPES] for law in LAWS], dtype=float)


class PriceBook:
    """Unit costs per care type, in constant prices of the analysis price year."""

    def __init__(self, costs: CostParams):
        self.costs = costs
        #: CPI ratio from the unit costs' price year to the analysis price year.
        self.factor = price_factor(costs.unit_cost_year, costs.price_year)
        base = []
        for c in CARE_TYPES:
            if c.cost_key in ("vpt_week", "mpt_week"):  # a share of a nursing-home week
                ratio = costs.vpt_cost_ratio if c.cost_key == "vpt_week" else costs.mpt_cost_ratio
                base.append(ratio * costs.nursing_home_day * 7.0)
            else:
                base.append(getattr(costs, c.cost_key))
        self.base = np.array(base, dtype=float) * self.factor
        self.base.flags.writeable = False

    def unit_costs(self, year: int) -> np.ndarray:
        """Euro per unit of each care type in ``year``: the same in every year (constant prices)."""
        return self.base

    def cost(self, use: np.ndarray, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Cost per care type and per law (Wmo, Zvw, Wlz) of one week's use vector."""
        per_type = use * self.unit_costs(year)
        # Summed in CARE_TYPES order, one by one (a matrix product may reorder or fuse).
        per_law = np.zeros(len(LAWS))
        for k, law in enumerate(LAW_OF_TYPE):
            per_law[law] += per_type[k]
        return per_type, per_law
