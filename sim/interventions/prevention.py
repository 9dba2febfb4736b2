"""Care prevention (EVAL §6.1): the room programme, exercise and early detection."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from thuisplus.sim.interventions.base import Intervention, funding_scale, register
from thuisplus.sim.param_base import INTENSITY_SOURCE, NO_EVIDENCE, Group, N, P, U
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes.common import EF_ATTENDANCE

if TYPE_CHECKING:
    from thuisplus.sim.model import ThuisplusModel

ACTIVE_EXERCISER = 0.5  # room attendance (moving average) of a resident who exercises fully


class PreventionParams(Group):
    """Care prevention (EVAL §6.1).

    Activities and exercise in the common room; fixed, trained workers who detect signals
    (dementia, malnutrition, loneliness) early.
    """

    intensity: float = P(
        1.0,
        "0-1",
        INTENSITY_SOURCE,
        "Intensity of care prevention.",
        ge=0,
        le=1,
        kind="lever",
    )
    attendance_boost: float = P(
        0.85,
        "relative",
        NO_EVIDENCE + ": no study measured common-room attendance with and without a programme; a "
        "programme may also crowd out residents' own activities (docs/evidence.md)",
        "Relative rise of weekly common-room attendance with the full activity programme.",
        ge=-0.3,
        le=10,
        group="prevention effects",
        evidence="none",
        prior=U(-0.3, 2.0),
    )
    detection_base: float = P(
        0.35,
        "share",
        NO_EVIDENCE + ": no figure for the share of signals household-help workers detect "
        "(docs/evidence.md)",
        "Share of health signals a worker without continuity "
        "detects and follows up early.",
        ge=0,
        le=1,
        group="prevention effects",
        evidence="none",
        prior=U(0.1, 0.6),
    )
    detection_continuity_gain: float = P(
        0.3,
        "share",
        NO_EVIDENCE + ": continuity of home-care workers is associated with better outcomes "
        "(Reckrey 2024), not measured as detection (docs/evidence.md)",
        "Extra share of signals detected by a worker the client is fully "
        "attached to.",
        ge=0,
        le=1,
        group="prevention effects",
        evidence="none",
        prior=U(0.0, 0.6),
    )
    decline_reduction: float = P(
        0.08,
        "relative",
        "Dutch proactive-care trials null (Blom 2018, IPD of 8 trials: ADL -0.01, -0.10 to 0.08); "
        "preventive home visits: institutionalisation RR 1.02 (0.88-1.18), Mayo-Wilson 2014 "
        "(docs/evidence.md)",
        "Relative slowing of vitality decline when all signals are "
        "followed up early.",
        ge=-0.2,
        le=1,
        group="prevention effects",
        evidence="trials: null",
        prior=N(0.08, 0.10, -0.2, 0.6),
    )
    fall_reduction: float = P(
        0.2,
        "relative",
        "Sherrington 2019 (Cochrane): exercise rate of falls 0.77 (0.71-0.83); Dutch In Balans "
        "RCT 0.85 (0.51-1.43), van Gameren 2026; a common room is not a dosed programme "
        "(docs/evidence.md)",
        "Relative reduction of falls of a resident who exercises fully in the room.",
        ge=-0.2,
        le=1,
        group="prevention effects",
        evidence="trials: strong, setting discounted",
        prior=N(0.2, 0.10, -0.2, 0.6),
    )
    hospital_reduction: float = P(
        0.08,
        "relative",
        "Mayo-Wilson 2014: people hospitalised RR 0.96 (0.91-1.01); Beswick 2008: 0.94 "
        "(0.91-0.97); Dutch trials null; mapped through the model (docs/evidence.md)",
        "Relative reduction of non-fall hospital admissions "
        "when all signals are followed up early.",
        ge=-0.15,
        le=1,
        group="prevention effects",
        evidence="trials: small",
        prior=N(0.08, 0.07, -0.15, 0.4),
    )


class PreventionCoef(NamedTuple):
    """Coefficients of :class:`Prevention`."""

    intensity: float
    first_week: int
    attendance_boost: float
    fall_reduction: float
    detection_base: float
    detection_continuity_gain: float
    decline_reduction: float
    hospital_reduction: float


@glue
def _apply_prevention(S, k, f, week, g):
    """Set attendance, fall, decline and hospital modifiers."""
    # everything taken from the state before the first branch (pruned reference counts)
    e, res, i = S.eff, S.res, k.intensity
    scale = funding_scale(S, f)
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    e.scalar[EF_ATTENDANCE] *= 1.0 + i * scale * k.attendance_boost
    _prevention(res.meta[0], res.home, res.room_activity, res.provider, S.demand_wmo,
                res.attachment, e.fall, e.decline, e.hospital, i * scale * k.fall_reduction,
                k.detection_base, k.detection_continuity_gain, i * k.decline_reduction,
                i * k.hospital_reduction)


@kernel
def _prevention(h, active, activity, provider, demand_wmo, attachment, fall, decline, hospital,
                fall_cut, det_base, det_gain, decline_cut, hospital_cut):
    """Exercise lowers falls; early detection by the fixed team slows decline, admissions.

    Arguments, as the caller (``_apply_prevention``) passes them: ``h`` = ``res.meta[0]``;
    ``active`` = ``res.home``; ``activity`` = ``res.room_activity``; ``provider`` =
    ``res.provider``; ``demand_wmo`` = ``S.demand_wmo``; ``attachment`` =
    ``res.attachment``; ``fall`` = ``e.fall``; ``decline`` = ``e.decline``; ``hospital`` =
    ``e.hospital``; ``fall_cut`` = ``i * scale * k.fall_reduction``; ``det_base`` =
    ``k.detection_base``; ``det_gain`` = ``k.detection_continuity_gain``; ``decline_cut`` =
    ``i * k.decline_reduction``; ``hospital_cut`` = ``i * k.hospital_reduction``.
    """
    for i in range(h):
        if not active[i]:
            continue
        fall[i] *= 1.0 - fall_cut * min(activity[i] / ACTIVE_EXERCISER, 1.0)
        if provider[i] == 0 and demand_wmo[i] > 0.0:
            detect = min(det_base + det_gain * attachment[i], 1.0)
            decline[i] *= 1.0 - decline_cut * detect
            hospital[i] *= 1.0 - hospital_cut * detect


@register
class Prevention(Intervention):
    """Care prevention (EVAL §6.1).

    - the room programme raises attendance (more activity: slower decline, more ties);
    - residents who exercise in the room fall less (up to ``fall_reduction`` at a room
      attendance of half the weeks or more);
    - clients of the preferred provider's fixed team have their signals detected with a
      probability ``detection_base + detection_continuity_gain × attachment``; early
      follow-up slows their decline and prevents some hospital admissions.
    """

    name = "prevention"
    Params = PreventionParams
    Coef = PreventionCoef
    kernel = _apply_prevention
    writes = ("attendance_mult", "fall", "decline", "hospital")
    default_on = True  # run by every Thuisplusflat of the 2021 contract (EVAL §6)
    label = "Care prevention"
    help = ("Daily activities and exercise in the common room; a fixed team that notices early "
            "signs of decline. 0 % = not done, 100 % = as designed.")
    params: PreventionParams

    def coefficients(self, first_week: int, model: ThuisplusModel) -> PreventionCoef:
        """The compiled coefficients."""
        p = self.params
        return PreventionCoef(self.intensity, first_week, p.attendance_boost, p.fall_reduction,
                              p.detection_base, p.detection_continuity_gain,
                              p.decline_reduction, p.hospital_reduction)
