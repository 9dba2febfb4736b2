"""Good employership (EVAL §6.4): one provider, a small fixed team."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from thuisplus.sim.interventions.base import Intervention, register
from thuisplus.sim.param_base import INTENSITY_SOURCE, NO_EVIDENCE, Group, N, P, U
from thuisplus.sim.processes._jit import glue

if TYPE_CHECKING:
    from thuisplus.sim.model import ThuisplusModel


class EmployershipParams(Group):
    """Good employership: one provider, a small fixed team, care technology (EVAL §6.4)."""

    intensity: float = P(
        1.0,
        "0-1",
        INTENSITY_SOURCE,
        "Intensity of good employership.",
        ge=0,
        le=1,
        kind="lever",
    )
    turnover_reduction: float = P(
        0.15,
        "relative",
        "Cross-sectional associations of self-managing teams and continuity with retention only; "
        "no controlled estimate (docs/evidence.md)",
        "Relative reduction of the preferred provider's staff turnover.",
        ge=-0.3,
        le=1,
        group="employership effects",
        evidence="associations",
        prior=N(0.15, 0.15, -0.3, 0.6),
    )
    pnil_reduction: float = P(
        0.3,
        "relative",
        NO_EVIDENCE + ": PNIL cover under a fixed team not measured; a small team has less slack "
        "(docs/evidence.md)",
        "Relative reduction of PNIL cover of the preferred provider's vacancies.",
        ge=-0.2,
        le=1,
        group="employership effects",
        evidence="none",
        prior=U(-0.2, 0.8),
    )
    attachment_boost: float = P(
        1.0,
        "relative",
        NO_EVIDENCE + ": growth of attachment with fixed faces not measured (EVAL §3 shows it "
        "exists) (docs/evidence.md)",
        "Relative rise of the growth of clients' attachment to their worker.",
        ge=0,
        le=10,
        group="employership effects",
        evidence="none",
        prior=U(0.0, 2.0),
    )
    travel_reduction: float = P(
        0.2,
        "relative",
        "ING Research 2022: clustered home care up to 50% more efficient (a bound for clustering "
        "itself, not a measurement of daily presence) (docs/evidence.md)",
        "Relative cut of the preferred provider's travel share beyond what clustering "
        "gives (daily presence in the building).",
        ge=-0.1,
        le=0.5,
        group="employership effects",
        evidence="bound",
        prior=N(0.2, 0.12, -0.1, 0.5),
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
