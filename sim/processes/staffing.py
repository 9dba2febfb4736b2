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
from typing import TYPE_CHECKING

import numpy as np

from sim.processes._jit import kernel
from sim.processes.demography import yearly_to_weekly

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

HH, DN = 0, 1
ROLES = (HH, DN)
MAX_HIRES = 8  # open posts considered per provider and role per week
# Accumulator slots of the delivery kernel and the weekly events they feed.
A_UNMET, A_TRAVEL, A_STAFF_HOURS, A_PNIL, A_HH, A_BEG, A_DN = range(7)
_ACC_EVENTS = ("unmet_care_hours", "travel_hours", "staff_hours", "pnil_hours",
               "household_help", "begeleiding", "district_nursing")


def hire(m: ThuisplusModel, provider: int, role: int, n: int, pnil: bool) -> np.ndarray:
    """Add ``n`` workers of ``provider`` in ``role``."""
    staff = m.staff
    rows = staff.add(n)
    if len(m.scratch_load) < staff.size:  # the pool grew: kernels' scratch must follow
        m.scratch_load = np.zeros(staff.size)
        m.staff_flags = np.zeros(staff.size, dtype=np.int8)
    staff.provider[rows] = provider
    staff.role[rows] = role
    staff.pnil[rows] = pnil
    staff.capacity[rows] = m.available_hours
    m.ev["staff_hires"] += n
    return rows


@kernel
def _plan(h, active, seat, demand, provider, u_prov, pref_share, n_prov, t_min, t_max, halfsat,
          travel_mult, hours_mult, avail, util, travel, work, required):
    """Providers for new clients; travel share, working hours and planned workers per provider."""
    count = np.zeros(n_prov)
    for i in range(h):
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
        t = t_min + (t_max - t_min) * 2.0 ** (-(n - 1.0) / halfsat)
        travel[p] = min(max(t * travel_mult[p], 0.0), 0.9)
    work_p = np.zeros(n_prov)
    for i in range(h):
        if active[i] and demand[i] > 0.0:
            work[i] = demand[i] * hours_mult[provider[i]] / (1.0 - travel[provider[i]])
            work_p[provider[i]] += work[i]
    for p in range(n_prov):
        required[p] = math.ceil(work_p[p] / (avail * util) - 1e-9)


@kernel
def _vacancies(sh, s_active, s_role, s_provider, s_pnil, role, required, u_pay, u_pnil,
               p_fill, p_cover, pnil_mult, n_pay, n_pnil, surplus):
    """Payroll hires, PNIL cover and surplus per provider for one role.

    Payroll recruitment runs for every planned post without a payroll worker; PNIL covers
    posts that are empty meanwhile and goes once payroll staff arrive. Surplus payroll
    staff leave with a hysteresis of one worker, so that fluctuating demand does not
    churn staff.
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
def _deliver(h, active, demand, demand_hh, provider, worker, attachment, work, travel,
             sh, s_active, s_role, s_provider, s_pnil, s_capacity, s_demand, load, role,
             attach_rate, attach_mult, hours_mult, unmet_hours, acc):
    """Assign clients without a worker to the least-loaded one; deliver up to capacity."""
    for w in range(sh):
        load[w] = 0.0
    for i in range(h):
        if active[i] and demand[i] > 0.0 and worker[i] >= 0:
            load[worker[i]] += work[i]
    for i in range(h):
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
    for i in range(h):
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
        acc[A_UNMET] += d - delivered
        acc[A_TRAVEL] += working * t
        acc[A_STAFF_HOURS] += working
        if w >= 0 and s_pnil[w]:
            acc[A_PNIL] += working
        if role == HH:
            share_hh = demand_hh[i] / demand[i]  # <= 1, so 1 - share_hh >= 0 exactly
            acc[A_HH] += delivered * share_hh
            acc[A_BEG] += delivered * (1.0 - share_hh)
        else:
            acc[A_DN] += delivered


def step(m: ThuisplusModel, rng: np.random.Generator | None = None, *, instant: bool = False
         ) -> None:
    """Turnover, hiring, assignment and delivery for both roles.

    ``instant=True`` (at set-up) fills every planned post at once with payroll staff.
    """
    sp, res, staff, eff = m.p.staffing, m.res, m.staff, m.effects
    rng = m.streams["staffing"] if rng is None else rng
    # Fixed-size draw; only a staff pool grown beyond its initial room draws more.
    u_turn = rng.random(staff.size)
    u_hire = rng.random((2, 2, m.n_providers, MAX_HIRES))
    u_prov = rng.random((2, m.n_seats))
    u_init = rng.random((2, staff.size)) if instant else None  # tenures of the first staff
    h = res.high

    # 1. Turnover.
    if not instant:
        leavers = m.staff_flags
        n_leave = _turnover(staff.high, staff.active, staff.pnil, staff.provider, u_turn,
                            m.weekly_turnover_payroll, m.weekly_turnover_pnil, eff.turnover,
                            leavers)
        if n_leave:
            _release(m, np.flatnonzero(leavers[: staff.high]))
            m.ev["staff_turnover"] += n_leave

    acc = np.zeros(7)
    P = m.n_providers
    required = np.zeros(P, dtype=np.int64)
    n_pay = np.zeros(P, dtype=np.int64)
    n_pnil = np.zeros(P, dtype=np.int64)
    surplus = np.zeros(P, dtype=np.int64)
    travel = np.zeros(P)
    m.demand_wmo[:h] = m.demand_hh[:h] + m.demand_beg[:h]
    for role, demand, provider, worker in ((HH, m.demand_wmo, res.provider, res.worker),
                                           (DN, m.demand_dn, res.dn_provider, res.nurse)):
        share = sp.preferred_initial_share if instant else m.preferred_share(role)
        _plan(h, res.active, res.seat, demand, provider, u_prov[role], share,
              P, sp.travel_share_min, sp.travel_share_max, sp.travel_halfsat_clients,
              eff.travel, eff.hours, m.available_hours, sp.target_utilisation, travel,
              m.scratch_work, required)
        if instant:
            have = np.bincount(staff.provider[: staff.high][
                staff.active[: staff.high] & (staff.role[: staff.high] == role)], minlength=P)
            for p in np.flatnonzero(required > have):
                rows = hire(m, int(p), role, int(required[p] - have[p]), pnil=False)
                u_tenure = u_init[role][rows % u_init.shape[1]]
                staff.tenure_weeks[rows] = (u_tenure * 520).astype(np.int32)
        else:
            hires, redeploy = _vacancies(
                staff.high, staff.active, staff.role, staff.provider, staff.pnil, role, required,
                u_hire[0, role], u_hire[1, role], m.weekly_fill_vacancy,
                sp.pnil_cover_prob, eff.pnil, n_pay, n_pnil, surplus)
            if hires:
                for p in np.flatnonzero(n_pay):
                    hire(m, int(p), role, int(n_pay[p]), pnil=False)
                for p in np.flatnonzero(n_pnil):
                    hire(m, int(p), role, int(n_pnil[p]), pnil=True)
            if redeploy:
                _redeploy(m, role, surplus)
        _deliver(h, res.active, demand, m.demand_hh, provider, worker, res.attachment,
                 m.scratch_work, travel, staff.high, staff.active, staff.role, staff.provider,
                 staff.pnil, staff.capacity, staff.demand, m.scratch_load, role,
                 sp.attachment_rate, eff.attachment, eff.hours, m.scratch_unmet, acc)
    _unmet_shares(h, res.active, m.demand_wmo, m.demand_dn, m.scratch_unmet, res.unmet_share)
    for k, name in enumerate(_ACC_EVENTS):
        m.ev[name] += acc[k]
    _tick_tenure(staff.high, staff.active, staff.tenure_weeks)


@kernel
def _unmet_shares(h, active, demand_wmo, demand_dn, unmet_hours, unmet_share):
    """Share of each resident's formal care (Wmo and district nursing) left undelivered."""
    for i in range(h):
        d = demand_wmo[i] + demand_dn[i]
        unmet_share[i] = unmet_hours[i] / d if (active[i] and d > 0.0) else 0.0
        unmet_hours[i] = 0.0


@kernel
def _turnover(sh, active, pnil, provider, u, p_payroll, p_pnil, mult, leavers):
    n = 0
    for w in range(sh):
        leavers[w] = 0
        if active[w] and u[w] < (p_pnil if pnil[w] else p_payroll) * mult[provider[w]]:
            leavers[w] = 1
            n += 1
    return n


@kernel
def _tick_tenure(sh, active, tenure):
    for w in range(sh):
        if active[w]:
            tenure[w] += 1


def _redeploy(m: ThuisplusModel, role: int, surplus: np.ndarray) -> None:
    """Move surplus workers elsewhere: PNIL first, then the most recently hired.

    Redeployment is not counted as turnover.
    """
    staff = m.staff
    out: list[int] = []
    for p in np.flatnonzero(surplus > 0).tolist():
        cand = np.flatnonzero(staff.active[: staff.high] & (staff.role[: staff.high] == role)
                              & (staff.provider[: staff.high] == p)).tolist()
        cand.sort(key=lambda w: (not staff.pnil[w], staff.tenure_weeks[w], w))
        out.extend(cand[: surplus[p]])
    if out:
        _release(m, np.array(out))


def _release(m: ThuisplusModel, rows: np.ndarray) -> None:
    """Workers leave: their clients lose their regular worker."""
    res = m.res
    gone = np.zeros(m.staff.size, dtype=np.bool_)
    gone[rows] = True
    _unlink(res.high, res.active, res.worker, res.nurse, res.attachment, res.transfer_refused,
            gone)
    m.staff.remove(rows)


@kernel
def _unlink(h, active, worker, nurse, attachment, refused, gone):
    """Clients of leaving workers lose them.

    A client who refused to switch because of that worker will be approached again
    (EVAL §3).
    """
    for i in range(h):
        if not active[i]:
            continue
        if worker[i] >= 0 and gone[worker[i]]:
            worker[i] = -1
            attachment[i] = 0.0
            refused[i] = False
        if nurse[i] >= 0 and gone[nurse[i]]:
            nurse[i] = -1


def weekly_rates(m: ThuisplusModel) -> None:
    """Precompute weekly probabilities and available hours (called once per run)."""
    sp = m.p.staffing
    m.weekly_turnover_payroll = yearly_to_weekly(sp.turnover_payroll)
    m.weekly_turnover_pnil = yearly_to_weekly(sp.turnover_pnil)
    m.weekly_fill_vacancy = 1.0 / sp.vacancy_fill_weeks
    m.available_hours = sp.worker_hours * (1.0 - sp.sickness_absence)
