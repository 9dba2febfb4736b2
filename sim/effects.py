"""Effect modifiers that interventions and contract levers set and processes read.

Every modifier is neutral by default (multipliers 1, shifts 0), so a model without
interventions runs the baseline. Interventions write these in ``apply`` each week;
processes never know which intervention set them. Besides building-wide scalars there
are per-resident arrays (indexed by resident row: interventions that reach some residents
and not others) and per-provider arrays (index 0 is the preferred provider).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["Effects"]

# Neutral value of each per-resident array (multipliers 1, the DJG shift 0).
_PER_RESIDENT = {"decline": 1.0, "fall": 1.0, "hospital": 1.0, "lonely_shift": 0.0}
_PER_PROVIDER = ("travel", "turnover", "pnil", "attachment", "hours")


@dataclass
class Effects:
    """The levers through which the Thuisplusflat acts on the processes."""

    n_rows: int
    n_providers: int
    attendance_mult: float = 1.0       # common-room attendance (building-wide)
    tie_formation_mult: float = 1.0    # tie gain per meeting in the room
    burden_mult: float = 1.0           # carer burden growth
    breakdown_mult: float = 1.0        # carer breakdown rate
    new_carer_mult: float = 1.0        # rate at which residents in need find a carer
    wlz_home_mult: float = 1.0         # share of Wlz indications taken at home
    preferred_share_hh: float | None = None   # new Wmo clients to the preferred provider
    preferred_share_dn: float | None = None   # same for district nursing
    # per resident row (multipliers, except lonely_shift in DJG points)
    decline: np.ndarray = field(init=False)
    fall: np.ndarray = field(init=False)
    hospital: np.ndarray = field(init=False)
    lonely_shift: np.ndarray = field(init=False)
    # per provider (multipliers)
    travel: np.ndarray = field(init=False)
    turnover: np.ndarray = field(init=False)
    pnil: np.ndarray = field(init=False)
    attachment: np.ndarray = field(init=False)
    hours: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        for name, neutral in _PER_RESIDENT.items():
            setattr(self, name, np.full(self.n_rows, neutral))
        for name in _PER_PROVIDER:
            setattr(self, name, np.ones(self.n_providers))
        self._defaults = {f.name: f.default for f in fields(self)
                          if f.init and f.name not in ("n_rows", "n_providers")}

    def reset(self) -> None:
        """Back to neutral; called at the start of every week before interventions apply."""
        for name, value in self._defaults.items():
            setattr(self, name, value)
        for name, neutral in _PER_RESIDENT.items():
            getattr(self, name).fill(neutral)
        for name in _PER_PROVIDER:
            getattr(self, name).fill(1.0)

    def clear_rows(self, rows: np.ndarray) -> None:
        """Neutral per-resident effects for rows that a newcomer takes over."""
        for name, neutral in _PER_RESIDENT.items():
            getattr(self, name)[rows] = neutral
