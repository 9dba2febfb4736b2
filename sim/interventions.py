"""The Thuisplusflat: Obelon's four interventions and the contract levers (EVAL §3-§6).

Each intervention is a small object with a life cycle (as in Covasim and Starsim):
construct it with its inputs, ``initialize(model)`` checks them against the model, and
``apply(model)`` runs at the start of every week and writes the effect modifiers in
``model.effects`` that the processes read (see :mod:`sim.effects`). None of them draws
random numbers except :class:`ContractLevers` (the client transfer), which draws a fixed
block from the ``interventions`` stream every week, so switching any of them on or off
never shifts another process's draws.

Example:
    >>> from sim import Parameters, ThuisplusModel
    >>> from sim.interventions import Prevention
    >>> p = Parameters()
    >>> m = ThuisplusModel(p, rng=1, interventions=[Prevention(p.thuisplus.prevention)])
    >>> m.run(weeks=4).week
    4

**Funding.** Under per-client funding the plus pays for the collective offer (room
programme, carer support, activities), sized at ``target_clients`` clients; with fewer
Wmo clients at the preferred provider the provider scales that offer down in proportion,
but not below ``min_team_share`` (EVAL §3: with ~40 clients providers "deliver less than
they would like" and run the flat at a loss). Under a lump
sum the offer runs in full. Detection by fixed workers and good employership do not
depend on the plus.

"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, NamedTuple

from sim.params import (
    ContractParams,
    EmployershipParams,
    InformalSupportParams,
    LonelinessReductionParams,
    ParameterError,
    Parameters,
    PreventionParams,
)
from sim.processes._jit import glue, kernel
from sim.processes.common import (
    CNT_PREFERRED,
    EF_ATTENDANCE,
    EF_BREAKDOWN,
    EF_BURDEN,
    EF_NEW_CARER,
    EF_PREFERRED_DN,
    EF_PREFERRED_HH,
    EF_TIE_FORMATION,
    EF_WLZ_HOME,
    EV_TRANSFERS,
    WLZ_HOME,
)

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

__all__ = [
    "ContractLevers",
    "GoodEmployership",
    "InformalCareSupport",
    "Intervention",
    "LonelinessReduction",
    "Prevention",
    "build_interventions",
    "offer_share",
]

HOURS_PER_FTE = 36.0  # Dutch collective labour agreements in care (VVT): 36 h/week
ACTIVE_EXERCISER = 0.5  # room attendance (moving average) of a resident who exercises fully
NOT_COMING = 0.05       # room attendance below which a resident counts as not coming


def start_week(start: dt.date | None, sim_start: dt.date) -> int:
    """First week (0-based) whose date is on or after ``start`` (0 if ``start`` is None)."""
    if start is None:
        return 0
    return max(0, math.ceil((start - sim_start).days / 7))


class Funding(NamedTuple):
    """The contract's funding terms, which scale the collective offer."""

    lump_sum: bool
    target_clients: float
    min_team_share: float


def funding_terms(contract: ContractParams) -> Funding:
    """The :class:`Funding` of a contract."""
    return Funding(contract.funding == "lump_sum", contract.target_clients,
                   contract.min_team_share)


def offer_share(clients: float, contract: ContractParams) -> float:
    """Share of the sized collective offer a provider runs at a client volume.

    Lump sum: all of it. Per client: in proportion to the plus it receives
    (``clients / target_clients``), but never below ``min_team_share``.
    """
    return float(_offer_share(clients, funding_terms(contract)))


@kernel
def _offer_share(clients, f):
    """:func:`offer_share` on :class:`Funding` terms (compiled)."""
    if f.lump_sum:
        return 1.0
    return max(min(clients / f.target_clients, 1.0), f.min_team_share)


@glue
def funding_scale(S, f):
    """Share of the collective offer the provider runs this week (module docstring)."""
    return _offer_share(S.cnt[CNT_PREFERRED], f)


class Intervention:
    """Base class: an intensity in [0, 1], a start date and a compiled weekly ``apply``.

    A subclass sets ``name``, makes its coefficients in :meth:`coefficients` (a
    ``NamedTuple``) and names the compiled function that applies them (``kernel_name``,
    called as ``kernel(S, coefficients, funding, week, generator)`` each week).
    """

    name = "intervention"
    kernel_name = ""

    def __init__(self, params: Any, start: dt.date | None = None):
        self.params = params
        self.intensity = float(params.intensity) if hasattr(params, "intensity") else 1.0
        if not 0.0 <= self.intensity <= 1.0:
            raise ParameterError([(f"thuisplus.{self.name}.intensity", self.intensity,
                                   "allowed: number >= 0 and <= 1")])
        self.start = start
        self.coef: Any = None

    def initialize(self, model: ThuisplusModel) -> None:
        """Check the inputs against the model; make the compiled coefficients."""
        if self.start is not None and self.start < model.start_date:
            raise ParameterError([(f"thuisplus.{self.name}.start", self.start,
                                   f"allowed: on or after the simulation start "
                                   f"{model.start_date}")])
        self.coef = self.coefficients(start_week(self.start, model.start_date), model)

    def coefficients(self, first_week: int, model: ThuisplusModel) -> Any:  # pragma: no cover
        """The compiled coefficients (a NamedTuple)."""
        raise NotImplementedError

    def active(self, model: ThuisplusModel) -> bool:
        """Whether the intervention runs this week."""
        return self.intensity > 0.0 and (self.start is None or model.date >= self.start)

    def apply(self, model: ThuisplusModel) -> None:
        """Set this week's effect modifiers (the compiled kernel, as in the fused week)."""
        KERNELS[self.kernel_name](model.state, self.coef, model.funding, model.week,
                                  model.streams["interventions"])


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
    kernel_name = "prevention"
    params: PreventionParams

    def coefficients(self, first_week: int, model: ThuisplusModel) -> PreventionCoef:
        """The compiled coefficients."""
        p = self.params
        return PreventionCoef(self.intensity, first_week, p.attendance_boost, p.fall_reduction,
                              p.detection_base, p.detection_continuity_gain,
                              p.decline_reduction, p.hospital_reduction)


@glue
def _apply_prevention(S, k, f, week, g):
    """Set attendance, fall, decline and hospital modifiers."""
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    e, res, i = S.eff, S.res, k.intensity
    scale = funding_scale(S, f)
    e.scalar[EF_ATTENDANCE] *= 1.0 + i * scale * k.attendance_boost
    _prevention(res.meta[0], res.active, res.room_activity, res.provider, S.demand_wmo,
                res.attachment, e.fall, e.decline, e.hospital, i * scale * k.fall_reduction,
                k.detection_base, k.detection_continuity_gain, i * k.decline_reduction,
                i * k.hospital_reduction)


class SupportCoef(NamedTuple):
    """Coefficients of :class:`InformalCareSupport`."""

    intensity: float
    first_week: int
    support_fte: float
    hours_per_carer: float
    burden_reduction: float
    breakdown_reduction: float
    neighbour_help: float


class InformalCareSupport(Intervention):
    """Sustainable informal care (EVAL §6.2).

    The support worker's hours (``support_fte``) reach a share of the carers
    (``hours_per_carer`` each); reached carers' burden grows more slowly and they break
    down less. A wider network of neighbours helps residents in need find a carer sooner.
    """

    name = "informal_support"
    kernel_name = "informal_support"
    params: InformalSupportParams

    def coefficients(self, first_week: int, model: ThuisplusModel) -> SupportCoef:
        """The compiled coefficients."""
        p = self.params
        return SupportCoef(self.intensity, first_week, p.support_fte, p.hours_per_carer,
                           p.burden_reduction, p.breakdown_reduction, p.neighbour_help)


@glue
def _apply_support(S, k, f, week, g):
    """Set burden, breakdown and new-carer modifiers."""
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    e, i = S.eff, k.intensity
    hours = k.support_fte * HOURS_PER_FTE * i * funding_scale(S, f)
    n = 0
    for c in range(S.car.active.shape[0]):
        if S.car.active[c]:
            n += 1
    carers = max(n, 1)
    reach = min(hours / (carers * k.hours_per_carer), 1.0)
    e.scalar[EF_BURDEN] *= 1.0 - k.burden_reduction * reach
    e.scalar[EF_BREAKDOWN] *= 1.0 - k.breakdown_reduction * reach
    e.scalar[EF_NEW_CARER] *= 1.0 + i * k.neighbour_help


class LonelinessCoef(NamedTuple):
    """Coefficients of :class:`LonelinessReduction`."""

    intensity: float
    first_week: int
    tie_formation_boost: float
    outreach_reach: float        # share of lonely non-attenders reached by outreach
    outreach_shift: float


class LonelinessReduction(Intervention):
    """Countering loneliness (EVAL §6.3).

    Activities designed for meaningful contact strengthen ties formed in the room; welfare
    outreach behind the front door lowers the loneliness target of lonely residents who
    hardly come to the room (attendance below 1 week in 20; reach grows with
    community-builder hours). Its health benefit runs through
    vitality, GP and district-nursing use, not a separate cost saving.
    """

    name = "loneliness"
    kernel_name = "loneliness"

    def __init__(self, params: LonelinessReductionParams, welfare_hours: float = 0.0,
                 start: dt.date | None = None):
        super().__init__(params, start)
        self.welfare_hours = welfare_hours

    def coefficients(self, first_week: int, model: ThuisplusModel) -> LonelinessCoef:
        """The compiled coefficients."""
        p = self.params
        reach = min(p.outreach_base_reach + self.welfare_hours / p.outreach_hours_full_reach,
                    1.0)
        return LonelinessCoef(self.intensity, first_week, p.tie_formation_boost, reach,
                              p.outreach_shift)


@glue
def _apply_loneliness(S, k, f, week, g):
    """Set tie-formation and loneliness-target modifiers."""
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    e, res, i = S.eff, S.res, k.intensity
    e.scalar[EF_TIE_FORMATION] *= 1.0 + i * funding_scale(S, f) * k.tie_formation_boost
    _outreach(res.meta[0], res.active, res.room_activity, res.loneliness, e.lonely_shift,
              i * k.outreach_reach * k.outreach_shift)


class EmployershipCoef(NamedTuple):
    """Coefficients of :class:`GoodEmployership`."""

    intensity: float
    first_week: int
    turnover_reduction: float
    pnil_reduction: float
    attachment_boost: float
    travel_reduction: float


class GoodEmployership(Intervention):
    """Good employership (EVAL §6.4).

    The preferred provider's fixed team keeps its staff, needs fewer PNIL workers, builds
    attachment faster and travels less.
    """

    name = "employership"
    kernel_name = "employership"
    params: EmployershipParams

    def coefficients(self, first_week: int, model: ThuisplusModel) -> EmployershipCoef:
        """The compiled coefficients."""
        p = self.params
        return EmployershipCoef(self.intensity, first_week, p.turnover_reduction,
                                p.pnil_reduction, p.attachment_boost, p.travel_reduction)


@glue
def _apply_employership(S, k, f, week, g):
    """Set the preferred provider's staffing modifiers."""
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    e, i = S.eff, k.intensity
    e.turnover[0] *= 1.0 - i * k.turnover_reduction
    e.pnil[0] *= 1.0 - i * k.pnil_reduction
    e.attachment[0] *= 1.0 + i * k.attachment_boost
    e.travel[0] *= 1.0 - i * k.travel_reduction


class ContractCoef(NamedTuple):
    """Coefficients of :class:`ContractLevers`."""

    intensity: float
    first_week: int
    transfer_week: int             # first week of the client transfer
    new_client_share: float
    transfer_hh: bool              # indications approached for the transfer
    transfer_beg: bool
    transfer_dn: bool
    transfer_wlz: bool
    room_boost: float              # open_room × (programme boost − safety penalty)
    ehealth_saving: float          # ehealth × hours saving
    wlz_home_boost: float
    p_approach: float              # weekly probability that a client is approached
    acceptance: float
    attachment_refusal: float


class ContractLevers(Intervention):
    """The contract levers (EVAL §3-§4).

    New-client steering, client transfer, inflow policy, the room's opening, e-health and
    Wlz at home.

    **Client transfer.** From ``transfer_start`` every client of another provider with an
    approached indication is approached after a geometric time (mean
    ``transfer_approach_weeks``) and switches with probability
    ``transfer_acceptance × (1 − attachment_refusal × attachment)``. A refuser is
    approached again only when their own worker leaves (EVAL §3). Switching clients get a
    worker of the preferred provider and start a new attachment.
    """

    name = "contract"
    kernel_name = "contract"

    def __init__(self, params: ContractParams):
        super().__init__(params, params.start_date)
        self.indications = set(params.transfer_indications)

    def coefficients(self, first_week: int, model: ThuisplusModel) -> ContractCoef:
        """The compiled coefficients."""
        c, ind = self.params, self.indications
        return ContractCoef(
            self.intensity, first_week, start_week(c.transfer_start, model.start_date),
            c.new_client_share, "household_help" in ind, "begeleiding" in ind,
            "district_nursing" in ind, "wlz" in ind,
            c.open_room * (c.open_room_programme_boost - c.open_room_safety_penalty),
            c.ehealth * c.ehealth_hours_saving, c.wlz_home_boost,
            1.0 / c.transfer_approach_weeks, c.transfer_acceptance, c.attachment_refusal)


@glue
def _apply_contract(S, k, f, week, g):
    """Set levers; run this week's client transfer (fixed draws every week)."""
    u = g.random((2, S.res.active.shape[0]))
    if not (k.intensity > 0.0 and week >= k.first_week):
        return
    e = S.eff
    transfer = week >= k.transfer_week
    e.scalar[EF_PREFERRED_HH] = k.new_client_share
    if transfer and k.transfer_dn:
        e.scalar[EF_PREFERRED_DN] = k.new_client_share
    e.scalar[EF_ATTENDANCE] *= 1.0 + k.room_boost
    e.hours[0] *= 1.0 - k.ehealth_saving
    if transfer and k.transfer_wlz:
        e.scalar[EF_WLZ_HOME] *= 1.0 + k.wlz_home_boost
    if transfer:
        res = S.res
        n = _transfer(res.meta[0], res.active, res.seat, S.demand_hh, S.demand_beg,
                      S.demand_dn, res.wlz, res.provider, res.worker, res.attachment,
                      res.dn_provider, res.nurse, res.transfer_refused, u, k.p_approach,
                      k.acceptance, k.attachment_refusal, k.transfer_hh, k.transfer_beg,
                      k.transfer_dn)
        S.ev[EV_TRANSFERS] += n


@kernel
def _prevention(h, active, activity, provider, demand_wmo, attachment, fall, decline, hospital,
                fall_cut, det_base, det_gain, decline_cut, hospital_cut):
    """Exercise lowers falls; early detection by the fixed team slows decline, admissions."""
    for i in range(h):
        if not active[i]:
            continue
        fall[i] *= 1.0 - fall_cut * min(activity[i] / ACTIVE_EXERCISER, 1.0)
        if provider[i] == 0 and demand_wmo[i] > 0.0:
            detect = min(det_base + det_gain * attachment[i], 1.0)
            decline[i] *= 1.0 - decline_cut * detect
            hospital[i] *= 1.0 - hospital_cut * detect


@kernel
def _outreach(h, active, activity, loneliness, shift, points):
    """Welfare outreach lowers the target of lonely residents who do not come to the room."""
    for i in range(h):
        if active[i] and activity[i] < NOT_COMING and loneliness[i] >= 3.0:
            shift[i] -= points


@kernel
def _transfer(h, active, seat, demand_hh, demand_beg, demand_dn, wlz, provider, worker,
              attachment, dn_provider, nurse, refused, u, p_approach, acceptance,
              refusal, hh, beg, dn):
    """Approach eligible clients of other providers; switch those who accept."""
    n = 0
    for i in range(h):
        if not active[i] or wlz[i] == WLZ_HOME:
            continue
        s = seat[i]
        wmo = (hh and demand_hh[i] > 0.0) or (beg and demand_beg[i] > 0.0)
        if wmo and provider[i] > 0 and not refused[i] and u[0, s] < p_approach:
            if u[1, s] < acceptance * (1.0 - refusal * attachment[i]):
                provider[i] = 0
                worker[i] = -1
                attachment[i] = 0.0
                n += 1
            else:
                refused[i] = True
        if dn and demand_dn[i] > 0.0 and dn_provider[i] > 0 and u[0, s] < p_approach:
            if u[1, s] < acceptance:
                dn_provider[i] = 0
                nurse[i] = -1
    return n


KERNELS = {"prevention": _apply_prevention, "informal_support": _apply_support,
           "loneliness": _apply_loneliness, "employership": _apply_employership,
           "contract": _apply_contract}


@kernel
def apply_builtin(S, ks, f, week, g):
    """The Thuisplusflat's week: effects back to neutral, then each intervention in turn.

    ``ks`` holds the coefficients of the contract levers and the four interventions, in
    the order of :func:`build_interventions`.
    """
    reset_effects(S.eff)
    _apply_contract(S, ks[0], f, week, g)
    _apply_prevention(S, ks[1], f, week, g)
    _apply_support(S, ks[2], f, week, g)
    _apply_loneliness(S, ks[3], f, week, g)
    _apply_employership(S, ks[4], f, week, g)


@glue
def reset_effects(e):
    """Every effect modifier back to neutral (multipliers 1, shifts 0, shares unset)."""
    for k in range(len(e.scalar)):
        e.scalar[k] = e.neutral[k]
    e.decline[:] = 1.0
    e.fall[:] = 1.0
    e.hospital[:] = 1.0
    e.lonely_shift[:] = 0.0
    e.travel[:] = 1.0
    e.turnover[:] = 1.0
    e.pnil[:] = 1.0
    e.attachment[:] = 1.0
    e.hours[:] = 1.0


def build_interventions(params: Parameters) -> list[Intervention]:
    """The Thuisplusflat's interventions for ``params`` (none when it is not enabled)."""
    t = params.thuisplus
    if not t.enabled:
        return []
    start = t.contract.start_date
    return [
        ContractLevers(t.contract),
        Prevention(t.prevention, start),
        InformalCareSupport(t.informal_support, start),
        LonelinessReduction(t.loneliness, t.contract.welfare_hours, start),
        GoodEmployership(t.employership, start),
    ]


def is_builtin(interventions: list[Any]) -> bool:
    """Whether ``interventions`` are exactly the built-in five, in their order."""
    kinds = (ContractLevers, Prevention, InformalCareSupport, LonelinessReduction,
             GoodEmployership)
    return (len(interventions) == len(kinds)
            and all(type(iv) is k for iv, k in zip(interventions, kinds, strict=True)))
