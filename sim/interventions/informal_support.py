"""Sustainable informal care (EVAL §6.2): carer support and a wider neighbour network."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from thuisplus.sim.interventions.base import HOURS_PER_FTE, Intervention, funding_scale, register
from thuisplus.sim.param_base import INTENSITY_SOURCE, NO_EVIDENCE, Group, N, P, U
from thuisplus.sim.processes._jit import glue
from thuisplus.sim.processes.common import EF_BREAKDOWN, EF_BURDEN, EF_NEW_CARER

if TYPE_CHECKING:
    from thuisplus.sim.model import ThuisplusModel


class InformalSupportParams(Group):
    """Sustainable informal care: light carer support and a wider neighbour network (EVAL §6.2)."""

    intensity: float = P(
        1.0,
        "0-1",
        INTENSITY_SOURCE,
        "Intensity of informal-care support.",
        ge=0,
        le=1,
        kind="lever",
    )
    support_fte: float = P(
        0.5,
        "FTE",
        "EVAL §2: €78,000 plus sized for 0.5 FTE light informal-carer support",
        "Carer-support workers in the building.",
        ge=0,
        le=10,
        kind="lever",
    )
    hours_per_carer: float = P(
        1.0,
        "hours per week",
        NO_EVIDENCE + ": not measured (docs/evidence.md)",
        "Support hours needed to reach one carer.",
        gt=0,
        le=20,
        group="carer-support effects",
        evidence="none",
        prior=U(0.5, 1.5),
    )
    burden_reduction: float = P(
        0.08,
        "relative",
        "Carer-support meta-analyses: small effects on burden (Sorensen 2002: 0.14-0.41 SD across "
        "outcomes; Brodaty 2003: burden 0.09, -0.09 to 0.26) (docs/evidence.md)",
        "Relative slowing of burden growth of a supported carer.",
        ge=-0.1,
        le=1,
        group="carer-support effects",
        evidence="meta-analysis: small",
        prior=N(0.08, 0.07, -0.1, 0.5),
    )
    breakdown_reduction: float = P(
        0.054,
        "relative",
        "Mixed: one intensive RCT delayed placement (Mittelman 2006), a Dutch family-meetings RCT "
        "did not (HR 1.46, 0.78-2.74) (docs/evidence.md)",
        "Relative reduction of breakdowns of supported carers.",
        ge=-0.3,
        le=1,
        group="carer-support effects",
        evidence="trials: mixed",
        prior=N(0.05, 0.15, -0.3, 0.6),
    )
    neighbour_help: float = P(
        0.45,
        "relative",
        NO_EVIDENCE + ": a wider informal network (EVAL §6.2) not measured (docs/evidence.md)",
        "Relative rise of the rate at which a resident in need finds an informal carer.",
        ge=-0.1,
        le=10,
        group="carer-support effects",
        evidence="none",
        prior=U(-0.1, 1.0),
    )


class SupportCoef(NamedTuple):
    """Coefficients of :class:`InformalCareSupport`."""

    intensity: float
    first_week: int
    support_fte: float
    hours_per_carer: float
    burden_reduction: float
    breakdown_reduction: float
    neighbour_help: float


@glue
def _apply_support(S, k, f, week, g):
    """Set burden, breakdown and new-carer modifiers."""
    # everything taken from the state before the first branch (pruned reference counts)
    e, i, c_active, cared, home = S.eff, k.intensity, S.car.active, S.car.resident, S.res.home
    scale = funding_scale(S, f)
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    hours = k.support_fte * HOURS_PER_FTE * i * scale
    n = 0
    for c in range(c_active.shape[0]):
        if c_active[c] and home[cared[c]]:  # carers of residents of the complex
            n += 1
    carers = max(n, 1)
    reach = min(hours / (carers * k.hours_per_carer), 1.0)
    e.scalar[EF_BURDEN] *= 1.0 - k.burden_reduction * reach
    e.scalar[EF_BREAKDOWN] *= 1.0 - k.breakdown_reduction * reach
    e.scalar[EF_NEW_CARER] *= 1.0 + i * k.neighbour_help


@register
class InformalCareSupport(Intervention):
    """Sustainable informal care (EVAL §6.2).

    The support worker's hours (``support_fte``) reach a share of the carers
    (``hours_per_carer`` each); reached carers' burden grows more slowly and they break
    down less. A wider network of neighbours helps residents in need find a carer sooner.
    """

    name = "informal_support"
    Params = InformalSupportParams
    Coef = SupportCoef
    kernel = _apply_support
    writes = ("burden_mult", "breakdown_mult", "new_carer_mult")
    default_on = True  # run by every Thuisplusflat of the 2021 contract (EVAL §6)
    label = "Support for informal carers"
    help = ("A support worker for family carers and help from neighbours, so fewer carers break "
            "down.")
    params: InformalSupportParams

    def coefficients(self, first_week: int, model: ThuisplusModel) -> SupportCoef:
        """The compiled coefficients."""
        p = self.params
        return SupportCoef(self.intensity, first_week, p.support_fte, p.hours_per_carer,
                           p.burden_reduction, p.breakdown_reduction, p.neighbour_help)
