"""Effect modifiers that interventions and contract levers set and processes read.

Every field is neutral by default (multipliers 1, shifts 0), so a model without
interventions runs the baseline. Interventions write these each week in ``apply``;
processes never know which intervention set them. The model starts every week from a
fresh, neutral instance.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Effects"]


@dataclass
class Effects:
    """The levers through which the Thuisplusflat acts on the processes."""

    decline_mult: float = 1.0          # vitality decline
    fall_mult: float = 1.0             # fall rate
    hospital_mult: float = 1.0         # non-fall admissions
    attendance_mult: float = 1.0       # common-room attendance
    tie_formation_mult: float = 1.0    # tie gain per meeting in the room
    loneliness_shift: float = 0.0      # DJG points added to the loneliness target
    gp_mult: float = 1.0               # GP contacts
    burden_mult: float = 1.0           # carer burden growth
    breakdown_mult: float = 1.0        # carer breakdown rate
    travel_mult: float = 1.0           # travel share of working time
    turnover_mult: float = 1.0         # staff turnover
    pnil_mult: float = 1.0             # PNIL cover of vacancies
    attachment_mult: float = 1.0       # growth of attachment to the worker
    wlz_home_mult: float = 1.0         # share of Wlz indications taken at home
    preferred_share_hh: float | None = None   # share of new Wmo clients to the preferred provider
    preferred_share_dn: float | None = None   # same for district nursing
