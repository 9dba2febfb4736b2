"""Good employership (EVAL §6.4): one provider, a small fixed team."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from sim.interventions.base import Intervention, register
from sim.param_base import ASSUMPTION, INTENSITY_SOURCE, Group, P
from sim.processes._jit import glue

if TYPE_CHECKING:
    from sim.model import ThuisplusModel


class EmployershipParams(Group):
    """Good employership: one provider, a small fixed team, care technology (EVAL §6.4)."""

    intensity: float = P(1.0, "0-1", INTENSITY_SOURCE, "Intensity of good employership.",
                         ge=0, le=1)
    turnover_reduction: float = P(
        0.3, "relative", ASSUMPTION + " (staff retention; ActiZ outflow 19.6%/year)",
        "Relative reduction of the preferred provider's staff turnover.", ge=0, le=1,
    )
    pnil_reduction: float = P(
        0.5, "relative", ASSUMPTION + " (fewer staff not on the payroll, EVAL §6.4)",
        "Relative reduction of PNIL cover of the preferred provider's vacancies.",
        ge=0, le=1,
    )
    attachment_boost: float = P(
        1.0, "relative", ASSUMPTION + " (fixed faces: residents know their workers)",
        "Relative rise of the growth of clients' attachment to their worker.", ge=0, le=10,
    )
    travel_reduction: float = P(
        0.2, "relative", "ING Research 2022: clustered home care up to 50% more efficient "
        "(bound); size an assumption",
        "Relative cut of the preferred provider's travel share beyond what clustering "
        "gives (daily presence in the building).", ge=0, le=0.5,
    )


class EmployershipCoef(NamedTuple):
    """Coefficients of :class:`GoodEmployership`."""

    intensity: float
    first_week: int
    turnover_reduction: float
    pnil_reduction: float
    attachment_boost: float
    travel_reduction: float


@glue
def _apply_employership(S, k, f, week, g):
    """Set the preferred provider's staffing modifiers."""
    e, i = S.eff, k.intensity  # before the first branch (pruned reference counts)
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    e.turnover[0] *= 1.0 - i * k.turnover_reduction
    e.pnil[0] *= 1.0 - i * k.pnil_reduction
    e.attachment[0] *= 1.0 + i * k.attachment_boost
    e.travel[0] *= 1.0 - i * k.travel_reduction


@register
class GoodEmployership(Intervention):
    """Good employership (EVAL §6.4).

    The preferred provider's fixed team keeps its staff, needs fewer PNIL workers, builds
    attachment faster and travels less.
    """

    name = "employership"
    Params = EmployershipParams
    Coef = EmployershipCoef
    kernel = _apply_employership
    writes = ("turnover", "pnil", "attachment", "travel")
    default_on = True  # run by every Thuisplusflat of the 2021 contract (EVAL §6)
    label = "Good employership"
    help = ("A small fixed team on the payroll: less travel, fewer agency staff, less turnover, "
            "familiar faces.")
    params: EmployershipParams

    def coefficients(self, first_week: int, model: ThuisplusModel) -> EmployershipCoef:
        """The compiled coefficients."""
        p = self.params
        return EmployershipCoef(self.intensity, first_week, p.turnover_reduction,
                                p.pnil_reduction, p.attachment_boost, p.travel_reduction)
