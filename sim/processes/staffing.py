"""Providers, their workers in the building, and the delivery of Wmo and district-nursing hours.

Two roles: household-help workers (deliver Wmo household help and begeleiding) and
district nurses (Zvw). Every client has a provider (0 is the preferred provider) and a
regular worker of that provider; attachment to the regular household-help worker grows
week by week and resets when the worker changes.

Each week:

1. **Turnover**: payroll workers leave at ``turnover_payroll`` a year, PNIL workers at
   ``turnover_pnil``; their clients lose their regular worker.
2. **Providers and travel**: new clients choose a provider (the preferred one with the
   configured share); a provider with few clients in the building spends more of its
   working time travelling: ``min + (max − min) × 2^(−(n − 1) / halfsat)``.
3. **Hiring**: each provider plans enough workers to fill ``target_utilisation`` of their
   available hours. An open post is filled by a payroll hire (mean ``vacancy_fill_weeks``)
   or meanwhile by a PNIL worker (``pnil_cover_prob`` a week). Workers above the planned
   number are redeployed elsewhere (PNIL first, then payroll beyond one spare; not counted
   as turnover); their clients get another worker and start a new attachment.
4. **Assignment**: clients without a worker get the provider's least-loaded worker.
5. **Delivery**: a worker delivers at most their available hours (contract hours less
   sickness absence); hours asked beyond that are *unmet care*.
"""

from __future__ import annotations

import math
import zlib
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from pydantic import model_validator

from thuisplus.sim.param_base import ASSUMPTION, PROB_WEEK, RATE_YEAR, Group, P, U
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes._pcg import uniforms
from thuisplus.sim.processes.common import (
    EF_PREFERRED_DN,
    EF_PREFERRED_HH,
    EV_BEG_HOURS_COMPLEX,
    EV_BEG_HOURS_PREF,
    EV_BEGELEIDING,
    EV_DISTRICT_NURSING,
    EV_DN_HOURS_COMPLEX,
    EV_DN_HOURS_PREF,
    EV_HH_HOURS_COMPLEX,
    EV_HH_HOURS_PREF,
    EV_HOUSEHOLD_HELP,
    EV_PNIL_HOURS,
    EV_PNIL_HOURS_HH,
    EV_PNIL_HOURS_PREF_DN,
    EV_PNIL_HOURS_PREF_HH,
    EV_STAFF_HIRES,
    EV_STAFF_HOURS,
    EV_STAFF_HOURS_HH,
    EV_STAFF_HOURS_PREF_DN,
    EV_STAFF_HOURS_PREF_HH,
    EV_STAFF_TURNOVER,
    EV_STAFF_TURNOVER_PNIL,
    EV_STAFF_TURNOVER_PREF,
    EV_STAFF_TURNOVER_PREF_PNIL,
    EV_TRAVEL_HOURS,
    EV_TRAVEL_HOURS_HH,
    EV_TRAVEL_HOURS_PREF_DN,
    EV_TRAVEL_HOURS_PREF_HH,
    EV_UNMET_CARE_HOURS,
    L_BEGELEIDING,
    L_DISTRICT_NURSING,
    L_HOUSEHOLD_HELP,
    add_rows,
    keyed_uniform3,
    live_rows,
    nonliteral,
    rate_to_weekly,
)

#: Effect modifiers this process reads (names of thuisplus.sim.interventions.EFFECTS).
READS = ("preferred_share_hh", "preferred_share_dn", "attachment", "hours", "pnil", "travel",
         "turnover")


if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters


class StaffingParams(Group):
    """Care providers and their household-help workers and district nurses."""

    other_providers: int = P(
        5, "providers", "ART: many providers doing the same work in one building "
        "(number is an assumption)",
        "Number of providers besides the preferred one.", ge=1, le=30,
    )
    preferred_initial_share: float = P(
        0.1,
        "share of clients",
        "EVAL §3: providers started with very few clients",
        "Share of existing Wmo and district-nursing clients with the (later) preferred "
        "provider at the start.",
        ge=0,
        le=1,
        group="calibrated",
        evidence="calibrated",
        prior=U(0.02, 0.3),
    )
    preferred_new_client_share: float = P(
        0.15, "share of new clients", ASSUMPTION + " (free choice among providers)",
        "Share of new Wmo clients who choose the preferred provider without a Thuisplusflat.",
        ge=0, le=1,
    )
    worker_hours: float = P(
        20.0, "hours per week", "AZW: average contract 0.56 FTE in home care (× 36 h)",
        "Contract hours per worker (at least 1: below it the staff pool grows without "
        "bound in memory).", ge=1, le=40,
    )
    sickness_absence: float = P(
        0.08, "share of hours", "ActiZ: 7.1% (2019), 9.0% (2021)",
        "Share of contract hours lost to sickness.", ge=0, le=0.5,
    )
    turnover_payroll: float = P(
        0.196, RATE_YEAR, "ActiZ 2021: outflow 19.6% per year in nursing and home care "
        "(leavers over the mean payroll staff: a rate)",
        "Yearly rate at which a payroll worker leaves (leavers per worker-year).",
        ge=0, le=5,
    )
    turnover_pnil: float = P(
        0.916, RATE_YEAR, ASSUMPTION + " (agency and freelance staff rotate quickly: 60% "
        "leave the rota within a year)",
        "Yearly rate at which a PNIL worker leaves the building's rota.", ge=0, le=10,
    )
    vacancy_fill_weeks: float = P(
        20.0, "weeks", ASSUMPTION + " (tight labour market)",
        "Mean weeks to fill a vacancy with a payroll worker.", ge=1, le=104,
    )
    pnil_cover_prob: float = P(
        0.5, PROB_WEEK, ASSUMPTION + " (tuned to a PNIL share near 7%, SZW: 6.8% nationally)",
        "Weekly probability that an open vacancy is covered by a PNIL worker meanwhile.",
        ge=0, le=1,
    )
    target_utilisation: float = P(
        0.85, "share of available hours", ASSUMPTION,
        "Planned share of available hours filled; providers hire to this level (at least "
        "0.05: below it the staff pool, one worker per 5% of needed hours, grows without "
        "bound in memory).", ge=0.05, le=1,
    )
    travel_share_max: float = P(
        0.35, "share of working time", ASSUMPTION + " (not found; parameters.md: wide range)",
        "Travel share of a provider with a single client in the building.", ge=0, le=0.9,
    )
    travel_share_min: float = P(
        0.10, "share of working time", "ING Research 2022: clustered home care up to 50% "
        "more efficient (bounds the saving)",
        "Travel share of a provider whose clients are all clustered in the building.",
        ge=0, le=0.9,
    )
    travel_halfsat_clients: float = P(
        15.0, "clients", ASSUMPTION,
        "Clients beyond the first at which a provider's travel share is halfway down.",
        gt=0, le=500,
    )
    attachment_rate: float = P(
        0.02, "per week", ASSUMPTION + " (EVAL §3: attachment to the own worker)",
        "Weekly growth of a client's attachment to their regular worker.", ge=0, le=1,
    )

    @model_validator(mode="after")
    def _travel_order(self) -> StaffingParams:
        if self.travel_share_min > self.travel_share_max:
            raise ValueError(
                f"staffing.travel_share_min = {self.travel_share_min} exceeds "
                f"staffing.travel_share_max = {self.travel_share_max}; allowed: min <= max"
            )
        return self


#: What this process declares: its parameters (``Parameters.staffing``), the random
#: stream it draws from (a name of :data:`thuisplus.sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`thuisplus.sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = StaffingParams, "staffing", "staffing"
RECORDS = ("staff_hires", "staff_turnover", "unmet_care_hours", "travel_hours",
           "staff_hours", "pnil_hours", "household_help", "begeleiding", "district_nursing",
           "staff_hours_hh", "travel_hours_hh", "pnil_hours_hh", "staff_hours_pref_hh",
           "travel_hours_pref_hh", "pnil_hours_pref_hh", "hh_hours_pref", "beg_hours_pref",
           "staff_hours_pref_dn", "travel_hours_pref_dn", "pnil_hours_pref_dn",
           "dn_hours_pref", "staff_turnover_pref", "hh_hours_complex", "beg_hours_complex",
           "dn_hours_complex", "staff_turnover_pnil", "staff_turnover_pref_pnil")
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of thuisplus.sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("res.attachment", "res.community", "res.dn_provider", "res.home", "res.nurse",
         "res.person", "res.provider", "res.transfer_refused", "res.unmet_share", "res.worker",
         "staff.active", "staff.capacity", "staff.demand", "staff.pnil", "staff.provider",
         "staff.role", "staff.tenure_weeks")
SCRATCH = ("demand_beg", "demand_dn", "demand_hh", "demand_wmo", "person_year", "scratch_acc",
           "scratch_load",
           "scratch_prov", "scratch_travel", "scratch_unmet", "scratch_work", "staff_flags")

HH, DN = 0, 1
ROLES = (HH, DN)
MAX_HIRES = 8  # open posts considered per provider and role per week
# Accumulator slots of the delivery kernel.
A_UNMET, A_TRAVEL, A_STAFF_HOURS, A_PNIL, A_HH, A_BEG, A_DN = range(7)
# ... and the preferred provider's (provider 0) part of this role's delivery.
A_P_WORK, A_P_TRAVEL, A_P_PNIL, A_P_HH, A_P_BEG, A_P_DN = range(7, 13)


@kernel
def _plan(rows, active, seat, demand, provider, u_prov, pref_share, n_prov, travel_mult,
          hours_mult, travel, work, required, c):
    """Providers for new clients; travel share, working hours and planned workers per provider.

    Arguments, as the caller (``week``) passes them: ``rows``; ``active`` = ``res.home``;
    ``seat`` = ``res.person``; ``demand``; ``provider``; ``u_prov`` = ``u_prov[role]``;
    ``pref_share`` = ``share``; ``n_prov`` = ``P``; ``travel_mult`` = ``e.travel``;
    ``hours_mult`` = ``e.hours``; ``travel``; ``work`` = ``S.scratch_work``; ``required``;
    ``c``.
    """
    count = np.zeros(n_prov)
    for i in rows:
        work[i] = 0.0
        if not active[i] or demand[i] <= 0.0:
            continue
        if provider[i] < 0:
            uu = u_prov[seat[i]]
            if uu < pref_share:
                provider[i] = 0
            else:
                k = int((uu - pref_share) / max(1.0 - pref_share, 1e-12) * (n_prov - 1))
                provider[i] = 1 + min(k, n_prov - 2)
        count[provider[i]] += 1.0
    for p in range(n_prov):
        n = max(count[p], 1.0)
        t = c.travel_share_min + (c.travel_share_max - c.travel_share_min) * 2.0 ** (
            -(n - 1.0) / c.travel_halfsat_clients)
        travel[p] = min(max(t * travel_mult[p], 0.0), 0.9)
    work_p = np.zeros(n_prov)
    for i in rows:
        if active[i] and demand[i] > 0.0:
            work[i] = demand[i] * hours_mult[provider[i]] / (1.0 - travel[provider[i]])
            work_p[provider[i]] += work[i]
    for p in range(n_prov):
        required[p] = math.ceil(work_p[p] / (c.available_hours * c.target_utilisation) - 1e-9)


@kernel
def _vacancies(sh, s_active, s_role, s_provider, s_pnil, role, required, u_pay, u_pnil,
               p_fill, p_cover, pnil_mult, n_pay, n_pnil, surplus):
    """Payroll hires, PNIL cover and surplus per provider for one role.

    Payroll recruitment runs for every planned post without a payroll worker; PNIL covers
    posts that are empty meanwhile and goes once payroll staff arrive. Surplus payroll
    staff leave with a hysteresis of one worker, so that fluctuating demand does not
    churn staff.

    Arguments, as the caller (``week``) passes them: ``sh`` = ``staff.meta[0]``;
    ``s_active`` = ``staff.active``; ``s_role`` = ``staff.role``; ``s_provider`` =
    ``staff.provider``; ``s_pnil`` = ``staff.pnil``; ``role``; ``required``; ``u_pay`` =
    ``u_hire[0, role]``; ``u_pnil`` = ``u_hire[1, role]``; ``p_fill`` =
    ``c.p_fill_vacancy``; ``p_cover`` = ``c.pnil_cover_prob``; ``pnil_mult`` = ``e.pnil``;
    ``n_pay``; ``n_pnil``; ``surplus``.
    """
    n_prov = len(required)
    have = np.zeros(n_prov, dtype=np.int64)
    have_pnil = np.zeros(n_prov, dtype=np.int64)
    for w in range(sh):
        if s_active[w] and s_role[w] == role:
            have[s_provider[w]] += 1
            if s_pnil[w]:
                have_pnil[s_provider[w]] += 1
    k_max = u_pay.shape[1]
    hires = 0
    redeploy = 0
    for p in range(n_prov):
        n_pay[p] = 0
        n_pnil[p] = 0
        open_pay = min(max(required[p] - (have[p] - have_pnil[p]), 0), k_max)
        for k in range(open_pay):
            if u_pay[p, k] < p_fill:
                n_pay[p] += 1
        open_pnil = min(max(required[p] - have[p] - n_pay[p], 0), k_max)
        for k in range(open_pnil):
            if u_pnil[p, k] < min(p_cover * pnil_mult[p], 1.0):
                n_pnil[p] += 1
        total = have[p] + n_pay[p] + n_pnil[p]
        pnil_total = have_pnil[p] + n_pnil[p]
        pnil_surplus = min(max(total - required[p], 0), pnil_total)
        if required[p] > 0:
            payroll_surplus = max(total - pnil_surplus - required[p] - 1, 0)
        else:
            payroll_surplus = total - pnil_surplus
        surplus[p] = pnil_surplus + payroll_surplus
        hires += n_pay[p] + n_pnil[p]
        redeploy += surplus[p]
    return hires, redeploy


@kernel
def _deliver(rows, active, demand, demand_hh, provider, worker, attachment, work, travel,
             sh, s_active, s_role, s_provider, s_pnil, s_capacity, s_demand, load, role,
             attach_rate, attach_mult, hours_mult, unmet_hours, acc, pl):
    """Assign clients without a worker to the least-loaded one; deliver up to capacity.

    The hours delivered to each client go into their ledger row of ``pl`` too.

    Arguments, as the caller (``week``) passes them: ``rows``; ``active`` = ``res.home``;
    ``demand``; ``demand_hh`` = ``S.demand_hh``; ``provider``; ``worker``; ``attachment`` =
    ``res.attachment``; ``work`` = ``S.scratch_work``; ``travel``; ``sh`` =
    ``staff.meta[0]``; ``s_active`` = ``staff.active``; ``s_role`` = ``staff.role``;
    ``s_provider`` = ``staff.provider``; ``s_pnil`` = ``staff.pnil``; ``s_capacity`` =
    ``staff.capacity``; ``s_demand`` = ``staff.demand``; ``load`` = ``S.scratch_load``;
    ``role``; ``attach_rate`` = ``c.attachment_rate``; ``attach_mult`` = ``e.attachment``;
    ``hours_mult`` = ``e.hours``; ``unmet_hours`` = ``S.scratch_unmet``; ``acc``; ``pl`` =
    ``S.person_year``.
    """
    for w in range(sh):
        load[w] = 0.0
    for i in rows:
        if active[i] and demand[i] > 0.0 and worker[i] >= 0:
            load[worker[i]] += work[i]
    for i in rows:
        if not active[i] or demand[i] <= 0.0 or worker[i] >= 0:
            continue
        best = -1
        for w in range(sh):
            if s_active[w] and s_role[w] == role and s_provider[w] == provider[i]:
                if best < 0 or load[w] < load[best]:
                    best = w
        if best >= 0:
            worker[i] = best
            load[best] += work[i]
            if role == HH:
                attachment[i] = 0.0
    for w in range(sh):
        if s_active[w] and s_role[w] == role:
            s_demand[w] = load[w]
    # the sums in locals (registers), from and back to acc: the same additions in order
    unmet, trav, staff_hours = acc[A_UNMET], acc[A_TRAVEL], acc[A_STAFF_HOURS]
    pnil_hours, hh, beg, dn = acc[A_PNIL], acc[A_HH], acc[A_BEG], acc[A_DN]
    for i in rows:
        if not active[i]:
            continue
        w = worker[i]
        if demand[i] <= 0.0:
            continue
        d = demand[i] * hours_mult[provider[i]]  # e-health saves hours
        if role == HH and w >= 0:
            rate = min(attach_rate * attach_mult[provider[i]], 1.0)
            attachment[i] += rate * (1.0 - attachment[i])
        delivered = 0.0
        if w >= 0:
            delivered = d * min(s_capacity[w] / max(load[w], 1e-12), 1.0)
        unmet_hours[i] += d - delivered
        t = travel[provider[i]]
        working = delivered / (1.0 - t)
        unmet += d - delivered
        trav += working * t
        staff_hours += working
        if w >= 0 and s_pnil[w]:
            pnil_hours += working
        if role == HH:
            share_hh = demand_hh[i] / demand[i]  # <= 1, so 1 - share_hh >= 0 exactly
            hh += delivered * share_hh
            beg += delivered * (1.0 - share_hh)
            pl[i, L_HOUSEHOLD_HELP] += delivered * share_hh
            pl[i, L_BEGELEIDING] += delivered * (1.0 - share_hh)
        else:
            dn += delivered
            pl[i, L_DISTRICT_NURSING] += delivered
        if provider[i] == 0:  # the preferred provider's own books
            acc[A_P_WORK] += working
            acc[A_P_TRAVEL] += working * t
            if w >= 0 and s_pnil[w]:
                acc[A_P_PNIL] += working
            if role == HH:
                acc[A_P_HH] += delivered * share_hh
                acc[A_P_BEG] += delivered * (1.0 - share_hh)
            else:
                acc[A_P_DN] += delivered
    acc[A_UNMET], acc[A_TRAVEL], acc[A_STAFF_HOURS] = unmet, trav, staff_hours
    acc[A_PNIL], acc[A_HH], acc[A_BEG], acc[A_DN] = pnil_hours, hh, beg, dn


@kernel
def _unmet_shares(rows, active, demand_wmo, demand_dn, unmet_hours, unmet_share):
    """Share of each resident's formal care (Wmo and district nursing) left undelivered."""
    for i in rows:
        d = demand_wmo[i] + demand_dn[i]
        unmet_share[i] = unmet_hours[i] / d if (active[i] and d > 0.0) else 0.0
        unmet_hours[i] = 0.0


@kernel
def _outside_use(rows, community, home, demand_hh, demand_beg, demand_dn, acc, pl):
    """Care of persons living elsewhere: delivered in full by the district's providers.

    Their use counts with the residents' (persons are followed wherever they live); the
    complex's staff, travel and PNIL do not serve them.
    """
    for i in rows:
        if community[i] and not home[i]:
            acc[A_HH] += demand_hh[i]
            acc[A_BEG] += demand_beg[i]
            acc[A_DN] += demand_dn[i]
            pl[i, L_HOUSEHOLD_HELP] += demand_hh[i]
            pl[i, L_BEGELEIDING] += demand_beg[i]
            pl[i, L_DISTRICT_NURSING] += demand_dn[i]


@kernel
def _turnover(sh, active, pnil, provider, first_room, entropy64, week_no, p_payroll, p_pnil,
              mult, leavers):
    """Flag the workers who leave this week; returns how many.

    A fixed-size draw, one per row of the first room: a pool that grew past it takes
    keyed uniforms (run, week, row) for the rows beyond, so the stream never depends on
    the pool's size and the two arms of a pair keep drawing the same numbers.

    Arguments, as the caller (``week``) passes them: ``sh`` = ``staff.meta[0]``; ``active``
    = ``staff.active``; ``pnil`` = ``staff.pnil``; ``provider`` = ``staff.provider``;
    ``first_room`` = ``u_first_room``; ``entropy64`` = ``C.entropy64``; ``week_no``;
    ``p_payroll`` = ``c.p_turnover_payroll``; ``p_pnil`` = ``c.p_turnover_pnil``; ``mult`` =
    ``e.turnover``; ``leavers`` = ``flags``.
    """
    n = 0
    room = len(first_room)
    for w in range(sh):
        leavers[w] = 0
        if not active[w]:
            continue
        u = first_room[w] if w < room else keyed_uniform3(entropy64, TURNOVER_KEY, week_no, w)
        if u < (p_pnil if pnil[w] else p_payroll) * mult[provider[w]]:
            leavers[w] = 1
            n += 1
    return n


@kernel
def _leavers_of(sh, leavers, group, p):
    """How many of the flagged ``leavers`` have ``group == p`` (a provider, or PNIL)."""
    n = 0
    for w in range(sh):
        if leavers[w] and group[w] == p:
            n += 1
    return n


@kernel
def _pnil_leavers_of(sh, leavers, provider, p, pnil):
    """How many of the flagged ``leavers`` are PNIL workers of provider ``p``."""
    n = 0
    for w in range(sh):
        if leavers[w] and pnil[w] and provider[w] == p:
            n += 1
    return n


@kernel
def _tick_tenure(sh, active, tenure):
    """One more week of tenure for every worker."""
    for w in range(sh):
        if active[w]:
            tenure[w] += 1


@kernel
def _unlink(rows, active, worker, nurse, attachment, refused, gone):
    """Clients of leaving workers lose them.

    A client who refused to switch because of that worker will be approached again
    (EVAL §3).
    """
    for i in rows:
        if not active[i]:
            continue
        if worker[i] >= 0 and gone[worker[i]]:
            worker[i] = -1
            attachment[i] = 0.0
            refused[i] = False
        if nurse[i] >= 0 and gone[nurse[i]]:
            nurse[i] = -1


class Coefficients(NamedTuple):
    """What the compiled week of this process reads."""

    n_providers: int
    preferred_initial_share: float   # share of the first clients with the preferred provider
    preferred_new_client_share: float
    travel_share_min: float
    travel_share_max: float
    travel_halfsat_clients: float
    available_hours: float           # contract hours less sickness absence, per worker-week
    target_utilisation: float
    p_turnover_payroll: float        # weekly
    p_turnover_pnil: float
    p_fill_vacancy: float            # weekly probability that a payroll vacancy is filled
    pnil_cover_prob: float
    attachment_rate: float
    turnover_rows: int               # turnover uniforms drawn each week (the first room)


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    sp = p.staffing
    return Coefficients(
        1 + sp.other_providers, sp.preferred_initial_share, sp.preferred_new_client_share,
        sp.travel_share_min, sp.travel_share_max, sp.travel_halfsat_clients,
        sp.worker_hours * (1.0 - sp.sickness_absence), sp.target_utilisation,
        float(rate_to_weekly(sp.turnover_payroll)), float(rate_to_weekly(sp.turnover_pnil)),
        1.0 / sp.vacancy_fill_weeks, sp.pnil_cover_prob, sp.attachment_rate,
        staff_room(p))


def staff_room(p: Parameters) -> int:
    """Rows of the staff pool at the start: one worker per seat, at least 64."""
    return max(64, 2 * p.building.dwellings)


TURNOVER_KEY = zlib.crc32(b"staff-turnover-beyond-first-room")


@kernel
def hire(staff, cnt, ev, hours, provider, role, n, pnil):
    """Add ``n`` workers of ``provider`` in ``role`` (``hours`` a week); returns their rows."""
    rows = add_rows(staff, n, True, cnt)
    for r in rows:
        staff.provider[r] = provider
        staff.role[r] = role
        staff.pnil[r] = pnil
        staff.capacity[r] = hours
    ev[EV_STAFF_HIRES] += len(rows)
    return rows


@kernel
def _hire(staff, cnt, ev, hours, provider, role, n, pnil):
    """:func:`hire`, without the rows (the caller allocates nothing)."""
    hire(staff, cnt, ev, hours, provider, role, n, pnil)


@kernel
def _release(rows, active, worker, nurse, attachment, refused, gone, sh, s_active):
    """The workers flagged in ``gone`` leave: their clients lose their regular worker."""
    _unlink(rows, active, worker, nurse, attachment, refused, gone)
    for w in range(sh):
        if gone[w]:
            s_active[w] = False


@kernel
def _redeploy(staff, role, surplus, gone, rows, active, worker, nurse, attachment, refused):
    """Move surplus workers elsewhere: PNIL first, then the most recently hired.

    Redeployment is not counted as turnover. ``gone``: scratch flags per staff row.

    Arguments, as the caller (``week``) passes them: ``staff``; ``role``; ``surplus``;
    ``gone`` = ``flags``; ``rows``; ``active`` = ``res.home``; ``worker`` = ``res.worker``;
    ``nurse`` = ``res.nurse``; ``attachment`` = ``res.attachment``; ``refused`` =
    ``res.transfer_refused``.
    """
    sh = staff.meta[0]
    out = np.empty(sh, dtype=np.int64)
    n_out = 0
    for p in range(len(surplus)):
        if surplus[p] <= 0:
            continue
        n = 0
        for w in range(sh):
            if staff.active[w] and staff.role[w] == role and staff.provider[w] == p:
                n += 1
        keys = np.empty(n, dtype=np.int64)
        cand = np.empty(n, dtype=np.int64)
        k = 0
        for w in range(sh):
            if staff.active[w] and staff.role[w] == role and staff.provider[w] == p:
                keys[k] = ((0 if staff.pnil[w] else 1) << 42) | (
                    np.int64(staff.tenure_weeks[w]) << 21) | w
                cand[k] = w
                k += 1
        order = np.argsort(keys)
        for j in range(min(surplus[p], n)):
            out[n_out] = cand[order[j]]
            n_out += 1
    if n_out:
        for w in range(sh):
            gone[w] = 0
        for j in range(n_out):
            gone[out[j]] = 1
        _release(rows, active, worker, nurse, attachment, refused, gone, sh, staff.active)


@kernel
def _hire_initial(staff, cnt, ev, hours, n_prov, role, required, u_init):
    """At set-up: payroll staff for every planned post at once, with drawn tenures.

    Arguments, as the caller (``week``) passes them: ``staff``; ``cnt``; ``ev``; ``hours`` =
    ``c.available_hours``; ``n_prov`` = ``P``; ``role``; ``required``; ``u_init``.
    """
    have = np.zeros(n_prov, dtype=np.int64)
    for w in range(staff.meta[0]):
        if staff.active[w] and staff.role[w] == role:
            have[staff.provider[w]] += 1
    for p in range(n_prov):
        if required[p] > have[p]:
            rows = hire(staff, cnt, ev, hours, p, role, required[p] - have[p],
                        nonliteral(False))
            for r in rows:
                u_tenure = u_init[role, r % u_init.shape[1]]
                staff.tenure_weeks[r] = np.int32(u_tenure * 520)


@glue
def draw(g, st, C, instant, staff_rows, cols, full):
    """The week's uniforms: turnover (the first room), hires, provider choice per person.

    The provider choice is read only in columns ``cols`` (``full``: all), see ``_pcg``.
    At set-up (``instant``) also the tenures of the first staff, one per row of the pool.
    """
    c = C.staff
    u_turn = g.random(c.turnover_rows)
    u_hire = g.random((2, 2, c.n_providers, MAX_HIRES))
    u_prov = uniforms(g, st, 2, C.n_persons, cols, full)
    u_init = g.random((2, staff_rows)) if instant else np.zeros((2, 1))
    return u_turn, u_hire, u_prov, u_init


@glue
def week(S, C, u_first_room, u_hire, u_prov, u_init, instant, week_no):
    """Turnover, hiring, assignment and delivery for both roles.

    ``instant=True`` (at set-up) fills every planned post at once with payroll staff.
    Per-provider figures and accumulators live in scratch arrays of the state, and the
    kernels called take arrays, not the state: nothing is allocated each week.
    """
    c, res, staff, e = C.staff, S.res, S.staff, S.eff
    acc, prov, travel, flags = S.scratch_acc, S.scratch_prov, S.scratch_travel, S.staff_flags
    cnt, ev = S.cnt, S.ev
    rows = live_rows(S)  # the living persons' rows (common.refresh_live)
    P = c.n_providers

    # 1. Turnover.
    if not instant:
        n_leave = _turnover(staff.meta[0], staff.active, staff.pnil, staff.provider,
                            u_first_room, C.entropy64, week_no, c.p_turnover_payroll,
                            c.p_turnover_pnil, e.turnover, flags)
        if n_leave:
            _release(rows, res.home, res.worker, res.nurse, res.attachment,
                     res.transfer_refused, flags, staff.meta[0], staff.active)
            ev[EV_STAFF_TURNOVER] += n_leave
            ev[EV_STAFF_TURNOVER_PREF] += _leavers_of(staff.meta[0], flags, staff.provider, 0)
            ev[EV_STAFF_TURNOVER_PNIL] += _leavers_of(staff.meta[0], flags, staff.pnil, True)
            ev[EV_STAFF_TURNOVER_PREF_PNIL] += _pnil_leavers_of(staff.meta[0], flags,
                                                                staff.provider, 0, staff.pnil)

    for k in range(13):
        acc[k] = 0.0
    for p in range(P):
        for k in range(4):
            prov[k, p] = 0
        travel[p] = 0.0
    required, n_pay, n_pnil, surplus = prov[0], prov[1], prov[2], prov[3]
    for i in rows:
        S.demand_wmo[i] = S.demand_hh[i] + S.demand_beg[i]
    for role in (HH, DN):
        if role == HH:
            demand, provider, worker = S.demand_wmo, res.provider, res.worker
            chosen = e.scalar[EF_PREFERRED_HH]
        else:
            demand, provider, worker = S.demand_dn, res.dn_provider, res.nurse
            chosen = e.scalar[EF_PREFERRED_DN]
        if instant:
            share = c.preferred_initial_share
        else:
            share = c.preferred_new_client_share if math.isnan(chosen) else chosen
        _plan(rows, res.home, res.person, demand, provider, u_prov[role], share, P, e.travel,
              e.hours, travel, S.scratch_work, required, c)
        if instant:
            _hire_initial(staff, cnt, ev, c.available_hours, P, role, required, u_init)
        else:
            hires, redeploy = _vacancies(
                staff.meta[0], staff.active, staff.role, staff.provider, staff.pnil, role,
                required, u_hire[0, role], u_hire[1, role], c.p_fill_vacancy,
                c.pnil_cover_prob, e.pnil, n_pay, n_pnil, surplus)
            if hires:
                for p in range(P):
                    if n_pay[p]:
                        _hire(staff, cnt, ev, c.available_hours, p, role, n_pay[p],
                              nonliteral(False))
                for p in range(P):
                    if n_pnil[p]:
                        _hire(staff, cnt, ev, c.available_hours, p, role, n_pnil[p],
                              nonliteral(True))
            if redeploy:
                _redeploy(staff, role, surplus, flags, rows, res.home, res.worker, res.nurse,
                          res.attachment, res.transfer_refused)
        _deliver(rows, res.home, demand, S.demand_hh, provider, worker, res.attachment,
                 S.scratch_work, travel, staff.meta[0], staff.active, staff.role,
                 staff.provider, staff.pnil, staff.capacity, staff.demand, S.scratch_load,
                 role, c.attachment_rate, e.attachment, e.hours, S.scratch_unmet, acc,
                 S.person_year)
        if role == HH:  # the accumulators hold the household-help role's figures so far
            ev[EV_STAFF_HOURS_HH] += acc[A_STAFF_HOURS]
            ev[EV_TRAVEL_HOURS_HH] += acc[A_TRAVEL]
            ev[EV_PNIL_HOURS_HH] += acc[A_PNIL]
            ev[EV_STAFF_HOURS_PREF_HH] += acc[A_P_WORK]
            ev[EV_TRAVEL_HOURS_PREF_HH] += acc[A_P_TRAVEL]
            ev[EV_PNIL_HOURS_PREF_HH] += acc[A_P_PNIL]
            ev[EV_HH_HOURS_PREF] += acc[A_P_HH]
            ev[EV_BEG_HOURS_PREF] += acc[A_P_BEG]
        else:
            ev[EV_STAFF_HOURS_PREF_DN] += acc[A_P_WORK]
            ev[EV_TRAVEL_HOURS_PREF_DN] += acc[A_P_TRAVEL]
            ev[EV_PNIL_HOURS_PREF_DN] += acc[A_P_PNIL]
            ev[EV_DN_HOURS_PREF] += acc[A_P_DN]
        for k in range(A_P_WORK, A_P_DN + 1):
            acc[k] = 0.0
    _unmet_shares(rows, res.home, S.demand_wmo, S.demand_dn, S.scratch_unmet, res.unmet_share)
    ev[EV_HH_HOURS_COMPLEX] += acc[A_HH]  # delivered in the complex (before the persons
    ev[EV_BEG_HOURS_COMPLEX] += acc[A_BEG]  # elsewhere are added)
    ev[EV_DN_HOURS_COMPLEX] += acc[A_DN]
    _outside_use(rows, res.community, res.home, S.demand_hh, S.demand_beg, S.demand_dn, acc,
                 S.person_year)
    ev[EV_UNMET_CARE_HOURS] += acc[A_UNMET]
    ev[EV_TRAVEL_HOURS] += acc[A_TRAVEL]
    ev[EV_STAFF_HOURS] += acc[A_STAFF_HOURS]
    ev[EV_PNIL_HOURS] += acc[A_PNIL]
    ev[EV_HOUSEHOLD_HELP] += acc[A_HH]
    ev[EV_BEGELEIDING] += acc[A_BEG]
    ev[EV_DISTRICT_NURSING] += acc[A_DN]
    _tick_tenure(staff.meta[0], staff.active, staff.tenure_weeks)
