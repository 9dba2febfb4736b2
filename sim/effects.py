"""Effect modifiers that interventions and contract levers set and processes read.

Every modifier is neutral by default (multipliers 1, shifts 0, shares unset), so a model
without interventions runs the baseline. Interventions write these at the start of each
week; processes never know which intervention set them. Besides building-wide scalars
there are per-resident arrays (indexed by resident row: interventions that reach some
residents and not others) and per-provider arrays (index 0 is the preferred provider).

The arrays are shared with the compiled week (:class:`EffectArrays`); the building-wide
scalars live in one array there, and are attributes here.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from thuisplus.sim.processes.common import (
    EF_ATTENDANCE,
    EF_BREAKDOWN,
    EF_BURDEN,
    EF_NEW_CARER,
    EF_PREFERRED_DN,
    EF_PREFERRED_HH,
    EF_TIE_FORMATION,
    EF_WLZ_HOME,
)

__all__ = ["EffectArrays", "Effects"]

# name -> (slot in the scalar array, neutral value, meaning); NaN: not set by any lever.
SCALARS = {
    "attendance_mult": (EF_ATTENDANCE, 1.0, "common-room attendance (building-wide)"),
    "tie_formation_mult": (EF_TIE_FORMATION, 1.0, "tie gain per meeting in the room"),
    "burden_mult": (EF_BURDEN, 1.0, "carer burden growth"),
    "breakdown_mult": (EF_BREAKDOWN, 1.0, "carer breakdown rate"),
    "new_carer_mult": (EF_NEW_CARER, 1.0, "rate at which residents in need find a carer"),
    "wlz_home_mult": (EF_WLZ_HOME, 1.0, "share of Wlz indications taken at home"),
    "preferred_share_hh": (EF_PREFERRED_HH, np.nan,
                           "new Wmo clients to the preferred provider (None: the default)"),
    "preferred_share_dn": (EF_PREFERRED_DN, np.nan, "same for district nursing"),
}
# Neutral value of each per-resident array (multipliers 1, the DJG shift 0).
PER_RESIDENT = {"decline": 1.0, "fall": 1.0, "hospital": 1.0, "lonely_shift": 0.0}
PER_PROVIDER = ("travel", "turnover", "pnil", "attachment", "hours")


class EffectArrays(NamedTuple):
    """The effect modifiers as the compiled week sees them."""

    scalar: np.ndarray
    neutral: np.ndarray
    decline: np.ndarray
    fall: np.ndarray
    hospital: np.ndarray
    lonely_shift: np.ndarray
    travel: np.ndarray
    turnover: np.ndarray
    pnil: np.ndarray
    attachment: np.ndarray
    hours: np.ndarray


def _scalar_property(name: str) -> property:
    slot, _, doc = SCALARS[name]
    optional = name.startswith("preferred_share")

    def get(self: Effects) -> float | None:
        v = float(self.scalar[slot])
        return None if optional and np.isnan(v) else v

    def set_(self: Effects, value: float | None) -> None:
        self.scalar[slot] = np.nan if value is None else value

    return property(get, set_, doc=doc)


class Effects:
    """The levers through which the Thuisplusflat acts on the processes."""

    def __init__(self, n_rows: int, n_providers: int):
        self.n_rows = n_rows
        self.n_providers = n_providers
        self.neutral = np.zeros(len(SCALARS))
        for slot, value, _ in SCALARS.values():
            self.neutral[slot] = value
        self.scalar = self.neutral.copy()
        for name, neutral in PER_RESIDENT.items():
            setattr(self, name, np.full(n_rows, neutral))
        for name in PER_PROVIDER:
            setattr(self, name, np.ones(n_providers))

    def arrays(self) -> EffectArrays:
        """The arrays shared with the compiled week."""
        return EffectArrays(self.scalar, self.neutral,
                            *(getattr(self, f) for f in EffectArrays._fields[2:]))

    def reset(self) -> None:
        """Back to neutral; called at the start of every week before interventions apply."""
        self.scalar[:] = self.neutral
        for name, neutral in PER_RESIDENT.items():
            getattr(self, name).fill(neutral)
        for name in PER_PROVIDER:
            getattr(self, name).fill(1.0)


for _name in SCALARS:
    setattr(Effects, _name, _scalar_property(_name))
