"""The contract levers (EVAL §3-§4): steering, client transfer, inflow, room, e-health."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import model_validator

from thuisplus.sim.interventions.base import Intervention, register, start_week
from thuisplus.sim.param_base import ASSUMPTION, NO_EVIDENCE, Group, N, P, U
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes.common import (
    EF_ATTENDANCE,
    EF_PREFERRED_DN,
    EF_PREFERRED_HH,
    EF_WLZ_HOME,
    EV_TRANSFERS,
    WLZ_VPT,
)

if TYPE_CHECKING:
    from thuisplus.sim.model import ThuisplusModel

TRANSFER_INDICATIONS = ("household_help", "begeleiding", "district_nursing", "wlz")


class ContractParams(Group):
    """The contract levers of the evaluation's lessons (EVAL §3-§4)."""

    start_date: dt.date = P(
        dt.date(2021, 1, 4),
        "date",
        "EVAL §1: contracts started in 2021",
        "First week of the Thuisplusflat.",
        kind="lever",
    )
    funding: Literal["per_client", "lump_sum"] = P(
        "per_client",
        "-",
        "EVAL §2: person-following plus per Wmo client; lesson 1",
        "Funding form: 'per_client' (plus per Wmo client of the preferred provider) or "
        "'lump_sum' (a fixed budget). Under per-client funding the collective offer shrinks "
        "with client volume below the target.",
        kind="lever",
    )
    target_clients: int = P(
        100,
        "Wmo clients",
        "EVAL §2: target 100 Wmo clients per flat",
        "Client volume the per-client plus was sized for.",
        ge=1,
        le=1000,
        kind="lever",
    )
    min_team_share: float = P(
        0.6,
        "share of the sized team",
        NO_EVIDENCE + ": not measured (EVAL §3: at ~40 clients providers "
        "deliver less than they would like, at a loss: a minimal fixed team stays)",
        "Share of the collective offer a provider keeps running under per-client funding "
        "however few clients it has.",
        ge=0,
        le=1,
        group="contract effects",
        evidence="none",
        prior=U(0.3, 0.9),
    )
    transfer_start: dt.date = P(
        dt.date(2022, 1, 3),
        "date",
        "EVAL §3: client transfer process from January 2022",
        "First week in which clients of other providers are approached to switch.",
        kind="lever",
    )
    transfer_indications: list[Literal["household_help", "begeleiding", "district_nursing",
                                       "wlz"]] = P(
        ["household_help"],
        "-",
        "EVAL §3: only household-help clients were approached",
        "Indications whose clients are approached: household_help, begeleiding, "
        "district_nursing, wlz.",
        kind="lever",
    )
    transfer_approach_weeks: float = P(
        13.0,
        "weeks",
        NO_EVIDENCE + ": not measured",
        "Mean weeks until an eligible client is approached.",
        ge=1,
        le=520,
        group="contract effects",
        evidence="none",
        prior=U(4.0, 22.0),
    )
    transfer_acceptance: float = P(
        0.4,
        "probability",
        ASSUMPTION + " (EVAL §3: some clients refused); set by hand so "
        "the contract-2021 arm reaches ~40 preferred clients on 2023-01-01 (EVAL §3)",
        "Probability that an approached client without attachment switches.",
        ge=0,
        le=1,
        group="calibrated",
        evidence="calibrated",
        prior=U(0.05, 0.95),
    )
    attachment_refusal: float = P(
        0.8,
        "relative",
        "EVAL §3: refusals often out of attachment to the own worker "
        "(size an assumption)",
        "Relative drop of acceptance at full attachment to the own worker; refusers are "
        "approached again when that worker leaves.",
        ge=0,
        le=1,
        group="calibrated",
        evidence="calibrated",
        prior=U(0.0, 1.0),
    )
    new_client_share: float = P(
        0.25,
        "share of new clients",
        ASSUMPTION + " (EVAL §3: inflow steering did not raise "
        "volumes much)",
        "Share of new Wmo clients who choose the preferred provider once the flat runs.",
        ge=0,
        le=1,
        group="calibrated",
        evidence="calibrated",
        prior=U(0.0, 0.8),
    )
    referral_share: float = P(
        0.0,
        "share of lettings",
        "EVAL §6: the district nurse can refer neighbourhood "
        "clients (size an assumption)",
        "Share of lettings going to less vital neighbourhood clients of the preferred "
        "provider, referred by the district nurse.",
        ge=0,
        le=1,
        kind="lever",
    )
    vital_share_shift: float = P(
        0.0,
        "share of newcomers",
        "EVAL §4 lesson 3: inflow policy on the mix of vital "
        "and less vital residents",
        "Change of the vital share of newcomers under the flat's inflow policy.",
        ge=-1,
        le=1,
        kind="lever",
    )
    open_room: float = P(
        0.0,
        "0-1",
        "EVAL §4 lesson 4; ART: residents fear strangers",
        "Opening of the common room to the neighbourhood (0 closed, 1 fully open).",
        ge=0,
        le=1,
        kind="lever",
    )
    open_room_programme_boost: float = P(
        0.25,
        "relative",
        NO_EVIDENCE + ": residents' attendance with an open room not measured (ART is "
        "qualitative) (docs/evidence.md)",
        "Relative rise of residents' attendance when the room is fully open.",
        ge=0,
        le=5,
        group="contract effects",
        evidence="none",
        prior=U(0.0, 0.5),
    )
    open_room_safety_penalty: float = P(
        0.25,
        "relative",
        NO_EVIDENCE + ": ART: residents fear strangers, no separate entrance; size not measured "
        "(docs/evidence.md)",
        "Relative drop of residents' attendance when the room is fully open.",
        ge=0,
        le=1,
        group="contract effects",
        evidence="none",
        prior=U(0.0, 0.5),
    )
    welfare_hours: float = P(
        0.0,
        "hours per week",
        "EVAL §4 lesson 10: only one provider used a community "
        "builder",
        "Community-builder hours of the welfare organisation in the building.",
        ge=0,
        le=80,
        kind="lever",
    )
    ehealth: float = P(
        0.0,
        "0-1",
        "EVAL §4 lesson 7: e-health little used in the Wmo",
        "E-health / home-automation intensity at the preferred provider's clients.",
        ge=0,
        le=1,
        kind="lever",
    )
    ehealth_hours_saving: float = P(
        0.05,
        "relative",
        "Practice reports: a medication dispenser saves ~10 min a day of a district-nursing "
        "client (Zuyderland: ~600 dispensers, 24 FTE); e-health little used in the Wmo (EVAL "
        "lesson 7) (docs/evidence.md)",
        "Share of the preferred provider's household-help, "
        "begeleiding and district-nursing hours saved at full e-health intensity.",
        ge=-0.05,
        le=0.5,
        group="contract effects",
        evidence="weak",
        prior=N(0.05, 0.04, -0.05, 0.3),
    )
    wlz_home_boost: float = P(
        0.155,
        "relative",
        "Extra-care housing: observational, before-after (Holland 2015/2019) or not an "
        "alternative to residential care (Baumker 2011); no Dutch comparison of the at-home share "
        "(docs/evidence.md)",
        "Relative rise of the share of Wlz indications taken at home once Wlz clients are "
        "part of the transfer.",
        ge=-0.2,
        le=5,
        group="contract effects",
        evidence="observational: weak",
        prior=N(0.15, 0.15, -0.2, 0.8),
    )

    @model_validator(mode="after")
    def _dates(self) -> ContractParams:
        if self.transfer_start < self.start_date:
            raise ValueError(
                f"thuisplus.contract.transfer_start = {self.transfer_start} is before "
                f"thuisplus.contract.start_date = {self.start_date}; allowed: on or after it")
        if len(set(self.transfer_indications)) != len(self.transfer_indications):
            raise ValueError("thuisplus.contract.transfer_indications lists an indication "
                             "twice; allowed: each of " + ", ".join(TRANSFER_INDICATIONS) +
                             " at most once")
        return self


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


@glue
def _apply_contract(S, k, f, week, g):
    """Set levers; run this week's client transfer (fixed draws every week)."""
    e, res = S.eff, S.res
    on = k.intensity > 0.0 and week >= k.first_week
    transfer = on and week >= k.transfer_week
    # the draw (every week) and the transfer in a kernel of their own: a function that
    # takes the state and allocates nothing keeps its reference counts pruned
    n = _draw_and_transfer(g, transfer, res.meta[0], res.home, res.person, S.demand_hh,
                           S.demand_beg, S.demand_dn, res.wlz, res.provider, res.worker,
                           res.attachment, res.dn_provider, res.nurse, res.transfer_refused, k)
    if not on:
        return
    e.scalar[EF_PREFERRED_HH] = k.new_client_share
    if transfer and k.transfer_dn:
        e.scalar[EF_PREFERRED_DN] = k.new_client_share
    e.scalar[EF_ATTENDANCE] *= 1.0 + k.room_boost
    e.hours[0] *= 1.0 - k.ehealth_saving
    if transfer and k.transfer_wlz:
        e.scalar[EF_WLZ_HOME] *= 1.0 + k.wlz_home_boost
    if transfer:
        S.ev[EV_TRANSFERS] += n


@kernel
def _draw_and_transfer(g, transfer, h, active, seat, demand_hh, demand_beg, demand_dn, wlz,
                       provider, worker, attachment, dn_provider, nurse, refused, k):
    """The week's transfer uniforms (two per person); the transfer if it runs.

    Residents of the complex only (``active`` = ``res.home``); the draws are the person's.

    Arguments, as the caller (``_apply_contract``) passes them: ``g``; ``transfer``; ``h`` =
    ``res.meta[0]``; ``active`` = ``res.home``; ``seat`` = ``res.person``; ``demand_hh`` =
    ``S.demand_hh``; ``demand_beg`` = ``S.demand_beg``; ``demand_dn`` = ``S.demand_dn``;
    ``wlz`` = ``res.wlz``; ``provider`` = ``res.provider``; ``worker`` = ``res.worker``;
    ``attachment`` = ``res.attachment``; ``dn_provider`` = ``res.dn_provider``; ``nurse`` =
    ``res.nurse``; ``refused`` = ``res.transfer_refused``; ``k``.
    """
    u = g.random((2, active.shape[0]))
    if not transfer:
        return 0
    return _transfer(h, active, seat, demand_hh, demand_beg, demand_dn, wlz, provider, worker,
                     attachment, dn_provider, nurse, refused, u, k.p_approach, k.acceptance,
                     k.attachment_refusal, k.transfer_hh, k.transfer_beg, k.transfer_dn)


@kernel
def _transfer(h, active, seat, demand_hh, demand_beg, demand_dn, wlz, provider, worker,
              attachment, dn_provider, nurse, refused, u, p_approach, acceptance,
              refusal, hh, beg, dn):
    """Approach eligible clients of other providers; switch those who accept.

    Arguments, as the caller (``_draw_and_transfer``) passes them: ``h``; ``active``;
    ``seat``; ``demand_hh``; ``demand_beg``; ``demand_dn``; ``wlz``; ``provider``;
    ``worker``; ``attachment``; ``dn_provider``; ``nurse``; ``refused``; ``u``;
    ``p_approach`` = ``k.p_approach``; ``acceptance`` = ``k.acceptance``; ``refusal`` =
    ``k.attachment_refusal``; ``hh`` = ``k.transfer_hh``; ``beg`` = ``k.transfer_beg``;
    ``dn`` = ``k.transfer_dn``.
    """
    n = 0
    for i in range(h):
        if not active[i] or wlz[i] >= WLZ_VPT:
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


@register
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
    Params = ContractParams
    Coef = ContractCoef
    kernel = _apply_contract
    writes = ("preferred_share_hh", "preferred_share_dn", "attendance_mult", "hours",
              "wlz_home_mult")
    records = ("transfers",)
    default_on = True  # the contract is what makes a complex a Thuisplusflat
    params: ContractParams

    def __init__(self, params: ContractParams):
        super().__init__(params, params.start_date)
        self.indications = set(params.transfer_indications)

    @classmethod
    def from_params(cls, thuisplus: Any) -> ContractLevers:
        """The levers of ``thuisplus.contract``."""
        return cls(thuisplus.contract)

    @classmethod
    def off(cls) -> dict[str, Any]:
        """No transfer, and new clients choose as in the baseline (other levers default off)."""
        from thuisplus.sim.params import StaffingParams

        return {"thuisplus.contract.transfer_indications": [],
                "thuisplus.contract.new_client_share":
                    StaffingParams().preferred_new_client_share}

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
