"""Countering loneliness (EVAL §6.3; ART): meeting, outreach behind the front door."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

from thuisplus.sim.interventions.base import Intervention, funding_scale, register
from thuisplus.sim.param_base import INTENSITY_SOURCE, NO_EVIDENCE, Group, N, P, U
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes.common import EF_TIE_FORMATION

if TYPE_CHECKING:
    from thuisplus.sim.model import ThuisplusModel

NOT_COMING = 0.05       # room attendance below which a resident counts as not coming


class LonelinessReductionParams(Group):
    """Countering loneliness (EVAL §6.3; ART).

    Meeting, welfare outreach behind the front door, social skills.
    """

    intensity: float = P(
        1.0,
        "0-1",
        INTENSITY_SOURCE,
        "Intensity of loneliness reduction.",
        ge=0,
        le=1,
        kind="lever",
    )
    tie_formation_boost: float = P(
        0.45,
        "relative",
        NO_EVIDENCE + ": ties per meeting are not measured; offering contact did worse than "
        "cognitive approaches in RCTs (Masi 2011) (docs/evidence.md)",
        "Relative rise of tie strength gained per meeting in the room.",
        ge=-0.1,
        le=10,
        group="loneliness effects",
        evidence="none",
        prior=U(-0.1, 1.0),
    )
    outreach_shift: float = P(
        0.81,
        "DJG points",
        "Duffner 2024: loneliness d -0.47 (-0.62 to -0.32), heterogeneous; randomised comparisons "
        "smaller (Masi 2011); a Dutch community programme null (Honigh-de Vlaming 2013); d x sd "
        "~3 points (docs/evidence.md)",
        "Drop of the loneliness target of a lonely resident reached by outreach.",
        ge=-0.5,
        le=11,
        group="loneliness effects",
        evidence="meta-analysis: moderate, heterogeneous",
        prior=N(0.8, 0.5, -0.5, 3.0),
    )
    outreach_base_reach: float = P(
        0.35,
        "share",
        NO_EVIDENCE + ": reach of the provider's own welfare work not measured (docs/evidence.md)",
        "Share of lonely residents who do not come to the room reached without "
        "a community builder.",
        ge=0,
        le=1,
        group="loneliness effects",
        evidence="none",
        prior=U(0.1, 0.6),
    )
    outreach_hours_full_reach: float = P(
        8.0,
        "hours per week",
        NO_EVIDENCE + ": not measured (docs/evidence.md)",
        "Community-builder hours at which outreach "
        "reaches every lonely resident who does not come.",
        gt=0,
        le=80,
        group="loneliness effects",
        evidence="none",
        prior=U(4.0, 12.0),
    )


class LonelinessCoef(NamedTuple):
    """Coefficients of :class:`LonelinessReduction`."""

    intensity: float
    first_week: int
    tie_formation_boost: float
    outreach_reach: float        # share of lonely non-attenders reached by outreach
    outreach_shift: float


@glue
def _apply_loneliness(S, k, f, week, g):
    """Set tie-formation and loneliness-target modifiers."""
    # everything taken from the state before the first branch (pruned reference counts)
    e, res, i = S.eff, S.res, k.intensity
    scale = funding_scale(S, f)
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    e.scalar[EF_TIE_FORMATION] *= 1.0 + i * scale * k.tie_formation_boost
    _outreach(res.meta[0], res.home, res.room_activity, res.loneliness, e.lonely_shift,
              i * k.outreach_reach * k.outreach_shift)


@kernel
def _outreach(h, active, activity, loneliness, shift, points):
    """Welfare outreach lowers the target of lonely residents who do not come to the room."""
    for i in range(h):
        if active[i] and activity[i] < NOT_COMING and loneliness[i] >= 3.0:
            shift[i] -= points


@register
class LonelinessReduction(Intervention):
    """Countering loneliness (EVAL §6.3).

    Activities designed for meaningful contact strengthen ties formed in the room; welfare
    outreach behind the front door lowers the loneliness target of lonely residents who
    hardly come to the room (attendance below 1 week in 20; reach grows with
    community-builder hours). Its health benefit runs through
    vitality, GP and district-nursing use, not a separate cost saving.
    """

    name = "loneliness"
    Params = LonelinessReductionParams
    Coef = LonelinessCoef
    kernel = _apply_loneliness
    writes = ("tie_formation_mult", "lonely_shift")
    default_on = True  # run by every Thuisplusflat of the 2021 contract (EVAL §6)
    label = "Countering loneliness"
    help = ("Activities to make friends in the building and visits to residents who do not come "
            "out.")
    params: LonelinessReductionParams

    def __init__(self, params: LonelinessReductionParams, welfare_hours: float = 0.0,
                 start: dt.date | None = None):
        super().__init__(params, start)
        self.welfare_hours = welfare_hours

    @classmethod
    def from_params(cls, thuisplus: Any) -> LonelinessReduction:
        """With the community builder's hours of the contract (outreach reach)."""
        c = thuisplus.contract
        return cls(thuisplus.loneliness, c.welfare_hours, c.start_date)

    def coefficients(self, first_week: int, model: ThuisplusModel) -> LonelinessCoef:
        """The compiled coefficients."""
        p = self.params
        reach = min(p.outreach_base_reach + self.welfare_hours / p.outreach_hours_full_reach,
                    1.0)
        return LonelinessCoef(self.intensity, first_week, p.tie_formation_boost, reach,
                              p.outreach_shift)
