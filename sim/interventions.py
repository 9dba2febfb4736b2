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
from typing import TYPE_CHECKING

from sim.params import (
    ContractParams,
    EmployershipParams,
    InformalSupportParams,
    LonelinessReductionParams,
    ParameterError,
    Parameters,
    PreventionParams,
)
from sim.processes._jit import kernel
from sim.processes.care_needs import WLZ_HOME

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


class Intervention:
    """Base class: an intensity in [0, 1] and a start date."""

    name = "intervention"

    def __init__(self, params, start: dt.date | None = None):
        self.params = params
        self.intensity = float(params.intensity) if hasattr(params, "intensity") else 1.0
        if not 0.0 <= self.intensity <= 1.0:
            raise ParameterError([(f"thuisplus.{self.name}.intensity", self.intensity,
                                   "allowed: number >= 0 and <= 1")])
        self.start = start

    def initialize(self, model: ThuisplusModel) -> None:
        """Check the inputs against the model."""
        if self.start is not None and self.start < model.start_date:
            raise ParameterError([(f"thuisplus.{self.name}.start", self.start,
                                   f"allowed: on or after the simulation start "
                                   f"{model.start_date}")])

    def active(self, model: ThuisplusModel) -> bool:
        """Whether the intervention runs this week."""
        return self.intensity > 0.0 and (self.start is None or model.date >= self.start)

    def apply(self, model: ThuisplusModel) -> None:  # pragma: no cover - abstract
        """Set this week's effect modifiers."""
        raise NotImplementedError


def offer_share(clients: float, contract: ContractParams) -> float:
    """Share of the sized collective offer a provider runs at a client volume.

    Lump sum: all of it. Per client: in proportion to the plus it receives
    (``clients / target_clients``), but never below ``min_team_share``.
    """
    if contract.funding == "lump_sum":
        return 1.0
    return max(min(clients / contract.target_clients, 1.0), contract.min_team_share)


def funding_scale(model: ThuisplusModel) -> float:
    """Share of the collective offer the provider runs this week (see module docstring)."""
    return offer_share(model.preferred_clients, model.p.thuisplus.contract)


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
    params: PreventionParams

    def apply(self, model: ThuisplusModel) -> None:
        """Set attendance, fall, decline and hospital modifiers."""
        if not self.active(model):
            return
        p, e, res, i = self.params, model.effects, model.res, self.intensity
        scale = funding_scale(model)
        e.attendance_mult *= 1.0 + i * scale * p.attendance_boost
        _prevention(res.high, res.active, res.room_activity, res.provider, model.demand_wmo,
                    res.attachment, e.fall, e.decline, e.hospital,
                    i * scale * p.fall_reduction, p.detection_base,
                    p.detection_continuity_gain, i * p.decline_reduction,
                    i * p.hospital_reduction)


class InformalCareSupport(Intervention):
    """Sustainable informal care (EVAL §6.2).

    The support worker's hours (``support_fte``) reach a share of the carers
    (``hours_per_carer`` each); reached carers' burden grows more slowly and they break
    down less. A wider network of neighbours helps residents in need find a carer sooner.
    """

    name = "informal_support"
    params: InformalSupportParams

    def apply(self, model: ThuisplusModel) -> None:
        """Set burden, breakdown and new-carer modifiers."""
        if not self.active(model):
            return
        p, e, i = self.params, model.effects, self.intensity
        hours = p.support_fte * HOURS_PER_FTE * i * funding_scale(model)
        carers = max(model.carers.count, 1)
        reach = min(hours / (carers * p.hours_per_carer), 1.0)
        e.burden_mult *= 1.0 - p.burden_reduction * reach
        e.breakdown_mult *= 1.0 - p.breakdown_reduction * reach
        e.new_carer_mult *= 1.0 + i * p.neighbour_help


class LonelinessReduction(Intervention):
    """Countering loneliness (EVAL §6.3).

    Activities designed for meaningful contact strengthen ties formed in the room; welfare
    outreach behind the front door lowers the loneliness target of lonely residents who
    hardly come to the room (attendance below 1 week in 20; reach grows with
    community-builder hours). Its health benefit runs through
    vitality, GP and district-nursing use, not a separate cost saving.
    """

    name = "loneliness"

    def __init__(self, params: LonelinessReductionParams, welfare_hours: float = 0.0,
                 start: dt.date | None = None):
        super().__init__(params, start)
        self.welfare_hours = welfare_hours

    def apply(self, model: ThuisplusModel) -> None:
        """Set tie-formation and loneliness-target modifiers."""
        if not self.active(model):
            return
        p, e, res, i = self.params, model.effects, model.res, self.intensity
        e.tie_formation_mult *= 1.0 + i * funding_scale(model) * p.tie_formation_boost
        reach = min(p.outreach_base_reach + self.welfare_hours / p.outreach_hours_full_reach,
                    1.0)
        _outreach(res.high, res.active, res.room_activity, res.loneliness, e.lonely_shift,
                  i * reach * p.outreach_shift)


class GoodEmployership(Intervention):
    """Good employership (EVAL §6.4).

    The preferred provider's fixed team keeps its staff, needs fewer PNIL workers, builds
    attachment faster and travels less.
    """

    name = "employership"
    params: EmployershipParams

    def apply(self, model: ThuisplusModel) -> None:
        """Set the preferred provider's staffing modifiers."""
        if not self.active(model):
            return
        p, e, i = self.params, model.effects, self.intensity
        e.turnover[0] *= 1.0 - i * p.turnover_reduction
        e.pnil[0] *= 1.0 - i * p.pnil_reduction
        e.attachment[0] *= 1.0 + i * p.attachment_boost
        e.travel[0] *= 1.0 - i * p.travel_reduction


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

    def __init__(self, params: ContractParams):
        super().__init__(params, params.start_date)
        self.indications = set(params.transfer_indications)

    def apply(self, model: ThuisplusModel) -> None:
        """Set levers; run this week's client transfer (fixed draws every week)."""
        u = model.streams["interventions"].random((2, model.n_seats))
        if not self.active(model):
            return
        c, e = self.params, model.effects
        transfer = model.date >= c.transfer_start
        e.preferred_share_hh = c.new_client_share
        if transfer and "district_nursing" in self.indications:
            e.preferred_share_dn = c.new_client_share
        e.attendance_mult *= 1.0 + c.open_room * (c.open_room_programme_boost
                                                  - c.open_room_safety_penalty)
        e.hours[0] *= 1.0 - c.ehealth * c.ehealth_hours_saving
        if transfer and "wlz" in self.indications:
            e.wlz_home_mult *= 1.0 + c.wlz_home_boost
        if transfer:
            res = model.res
            n = _transfer(
                res.high, res.active, res.seat, model.demand_hh, model.demand_beg,
                model.demand_dn, res.wlz, res.provider, res.worker, res.attachment,
                res.dn_provider, res.nurse, res.transfer_refused, u,
                1.0 / c.transfer_approach_weeks, c.transfer_acceptance, c.attachment_refusal,
                "household_help" in self.indications, "begeleiding" in self.indications,
                "district_nursing" in self.indications)
            model.ev["transfers"] += n


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
