"""Pairs: the same complex with and without the Thuisplusflat, on common random numbers.

The baseline arm is the complex as it would be without a Thuisplusflat (fragmented
providers, no room programme, no carer support, no transfer); the Thuisplusflat arm runs
the interventions and levers of ``params.thuisplus``. Both share every process's random
stream, so their difference is the Thuisplusflat's effect, not noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.care import CARE_TYPES
from sim.model import ThuisplusModel
from sim.params import Parameters

__all__ = ["Pair", "avoided_per_law", "avoided_table", "run_pair"]


@dataclass
class Pair:
    """One baseline run and one Thuisplusflat run on the same seed."""

    params: Parameters
    seed: int
    baseline: ThuisplusModel
    thuisplus: ThuisplusModel

    @property
    def avoided(self) -> pd.DataFrame:
        """Avoided use and cost per year, law and care type (baseline − Thuisplusflat)."""
        return avoided_table(self.baseline.weekly(), self.thuisplus.weekly())


def run_pair(params: Parameters | None = None, seed: int = 1, weeks: int | None = None) -> Pair:
    """Run the baseline and the Thuisplusflat arm of ``params`` on the same seed."""
    params = params if params is not None else Parameters()
    baseline = ThuisplusModel(params.baseline(), rng=seed).run(weeks)
    thuisplus = ThuisplusModel(params, rng=seed).run(weeks)
    return Pair(params, seed, baseline, thuisplus)


def avoided_table(baseline: pd.DataFrame, thuisplus: pd.DataFrame) -> pd.DataFrame:
    """Tidy table: one row per year × care type with use and cost in both arms and avoided."""
    rows = []
    b = baseline.groupby("year")
    t = thuisplus.groupby("year")
    for c in CARE_TYPES:
        ub, ut = b[f"use_{c.name}"].sum(), t[f"use_{c.name}"].sum()
        cb, ct = b[f"cost_{c.name}"].sum(), t[f"cost_{c.name}"].sum()
        for year in ub.index:
            rows.append({
                "year": int(year), "law": c.law, "care_type": c.name, "unit": c.unit,
                "use_baseline": ub[year], "use_thuisplus": ut[year],
                "use_avoided": ub[year] - ut[year],
                "cost_baseline": cb[year], "cost_thuisplus": ct[year],
                "cost_avoided": cb[year] - ct[year],
            })
    out = pd.DataFrame(rows)
    return out.sort_values(["year", "law", "care_type"], kind="stable").reset_index(drop=True)


def avoided_per_law(avoided: pd.DataFrame) -> pd.DataFrame:
    """Avoided € per year (rows) and law (columns), with a total column."""
    wide = avoided.pivot_table(index="year", columns="law", values="cost_avoided",
                               aggfunc="sum").reindex(columns=["wmo", "zvw", "wlz"])
    wide["total"] = wide.sum(axis=1)
    return wide
