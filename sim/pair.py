"""Pairs: the same complex with and without the Thuisplusflat, on common random numbers.

The baseline arm is the complex as it would be without a Thuisplusflat (fragmented
providers, no room programme, no carer support, no transfer); the Thuisplusflat arm runs
the interventions and levers of ``params.thuisplus``. Both share every process's random
stream, so their difference is the Thuisplusflat's effect, not noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.model import ThuisplusModel, run_arms
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
    """Run the baseline and the Thuisplusflat arm of ``params`` on the same seed.

    The arms run in lockstep on one set of draws (:func:`sim.model.run_arms`): the same
    result as running them one after the other, with each week's numbers drawn once.
    """
    params = params if params is not None else Parameters()
    baseline, thuisplus = run_arms(ThuisplusModel(params.baseline(), rng=seed),
                                   ThuisplusModel(params, rng=seed), weeks)
    return Pair(params, seed, baseline, thuisplus)


def avoided_table(baseline: pd.DataFrame, thuisplus: pd.DataFrame) -> pd.DataFrame:
    """Tidy table: one row per year × care type with use and cost in both arms and avoided."""
    from sim.business_case import _Avoided, _weekly  # (sim.business_case imports this module)

    return _Avoided(_weekly(baseline), _weekly(thuisplus)).frame()


def avoided_per_law(avoided: pd.DataFrame) -> pd.DataFrame:
    """Avoided € per year (rows) and law (columns), with a total column."""
    from sim.business_case import _avoided_per_law  # (sim.business_case imports this module)

    return _avoided_per_law(avoided)
