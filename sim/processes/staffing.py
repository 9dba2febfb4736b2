"""Providers, their workers in the building, and the delivery of Wmo and district-nursing hours.

Two roles: household-help workers (deliver Wmo household help and begeleiding) and
district nurses (Zvw). Every client has a provider (0 is the preferred provider) and a
regular worker of that provider; attachment to the regular household-help worker grows
week by week and resets when the worker changes.

Each week:

1. **Turnover**: payroll workers leave at ``turnover_payroll`` a year, PNIL workers at
   ``turnover_pnil``; their clients lose their regular worker.
2. **Travel**: a provider with few clients in the building spends more of its working
   time travelling: ``min + (max − min) × 2^(−(n − 1) / halfsat)``.
3. **Hiring**: each provider plans enough workers to fill ``target_utilisation`` of their
   available hours. An open post is filled by a payroll hire (mean ``vacancy_fill_weeks``)
   or meanwhile by a PNIL worker (``pnil_cover_prob`` a week). Workers left without
   clients are redeployed elsewhere (not counted as turnover).
4. **Assignment**: clients without a worker get the provider's least-loaded worker.
5. **Delivery**: a worker delivers at most their available hours (contract hours less
   sickness absence); hours asked beyond that are *unmet care*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.processes.demography import yearly_to_weekly

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

HH, DN = 0, 1
ROLES = (HH, DN)
MAX_HIRES = 8  # open posts considered per provider and role per week


def travel_shares(m: ThuisplusModel, clients_per_provider: np.ndarray) -> np.ndarray:
    """Share of working time spent travelling, per provider."""
    sp = m.p.staffing
    n = np.maximum(clients_per_provider, 1)
    share = sp.travel_share_min + (sp.travel_share_max - sp.travel_share_min) * np.exp2(
        -(n - 1) / sp.travel_halfsat_clients)
    return np.clip(share * m.effects.travel_mult, 0.0, 0.9)


def hire(m: ThuisplusModel, provider: int, role: int, n: int, pnil: bool) -> np.ndarray:
    """Add ``n`` workers of ``provider`` in ``role``."""
    staff = m.staff
    rows = staff.add(n)
    staff.provider[rows] = provider
    staff.role[rows] = role
    staff.pnil[rows] = pnil
    staff.capacity[rows] = m.available_hours
    m.ev["staff_hires"] += n
    return rows


def _columns(m: ThuisplusModel, role: int, h: int):
    res = m.res
    if role == HH:
        return m.demand_hh[:h] + m.demand_beg[:h], res.provider[:h], res.worker[:h]
    return m.demand_dn[:h], res.dn_provider[:h], res.nurse[:h]


def step(m: ThuisplusModel, rng: np.random.Generator | None = None, *, instant: bool = False
         ) -> None:
    """Turnover, hiring, assignment and delivery for both roles.

    ``instant=True`` (at set-up) fills every post at once with payroll staff.
    """
    sp, res, staff, eff = m.p.staffing, m.res, m.staff, m.effects
    rng = m.streams["staffing"] if rng is None else rng
    u_turn = rng.random(staff.size)
    u_hire = rng.random((2, 2, m.n_providers, MAX_HIRES))
    u_prov = rng.random((2, m.n_seats))
    h = res.high
    act = res.active[:h]
    seat = res.seat[:h]

    # 1. Turnover.
    sh = staff.high
    sact = staff.active[:sh]
    hazard = np.where(staff.pnil[:sh], m.weekly_turnover_pnil, m.weekly_turnover_payroll)
    leavers = sact & (u_turn[:sh] < hazard * eff.turnover_mult)
    if leavers.any() and not instant:
        _release(m, np.flatnonzero(leavers))
        m.ev["staff_turnover"] += int(leavers.sum())

    P = m.n_providers
    ks = np.arange(MAX_HIRES)
    for role in ROLES:
        demand, provider, worker = _columns(m, role, h)
        clients = act & (demand > 0)
        # Providers for new clients: the preferred one with the configured share.
        new = clients & (provider < 0)
        if new.any():
            uu = u_prov[role][seat[new]]
            share = m.preferred_share(role)
            other = 1 + np.minimum(((uu - share) / max(1.0 - share, 1e-12)
                                    * (P - 1)).astype(np.int64), P - 2)
            provider[new] = np.where(uu < share, 0, other)
        n_p = np.bincount(provider[clients], minlength=P)
        travel = travel_shares(m, n_p)
        work = np.where(clients, demand / (1.0 - travel[np.maximum(provider, 0)]), 0.0)
        work_p = np.bincount(provider[clients], weights=work[clients], minlength=P)
        required = np.ceil(work_p / (m.available_hours * sp.target_utilisation)).astype(int)
        sh = staff.high
        mine = staff.active[:sh] & (staff.role[:sh] == role)
        have = np.bincount(staff.provider[:sh][mine], minlength=P)
        have_pnil = np.bincount(staff.provider[:sh][mine & staff.pnil[:sh]], minlength=P)
        if instant:
            for p in np.flatnonzero(required > have):
                rows = hire(m, int(p), role, int(required[p] - have[p]), pnil=False)
                staff.tenure_weeks[rows] = (u_turn[rows] * 520).astype(int)
        else:
            # Payroll recruitment runs for every post without a payroll worker; PNIL
            # covers posts that are empty meanwhile and goes once payroll staff arrive.
            payroll_open = np.clip(required - (have - have_pnil), 0, MAX_HIRES)
            payroll = (ks[None, :] < payroll_open[:, None]) & (
                u_hire[0, role] < m.weekly_fill_vacancy)
            n_pay = payroll.sum(axis=1)
            pnil_open = np.clip(required - have - n_pay, 0, MAX_HIRES)
            pnil = (ks[None, :] < pnil_open[:, None]) & (
                u_hire[1, role] < sp.pnil_cover_prob * eff.pnil_mult)
            n_pnil = pnil.sum(axis=1)
            for p in np.flatnonzero(n_pay):
                hire(m, int(p), role, int(n_pay[p]), pnil=False)
            for p in np.flatnonzero(n_pnil):
                hire(m, int(p), role, int(n_pnil[p]), pnil=True)
            # Surplus: PNIL first and at once; payroll with a hysteresis of one worker
            # so that a fluctuating demand does not churn staff.
            have = have + n_pay + n_pnil
            have_pnil = have_pnil + n_pnil
            pnil_surplus = np.clip(have - required, 0, have_pnil)
            payroll_surplus = np.where(required > 0, have - pnil_surplus - required - 1,
                                       have - pnil_surplus)
            surplus = pnil_surplus + np.maximum(payroll_surplus, 0)
            if surplus.any():
                _redeploy(m, role, surplus)

        # Assignment of clients without a worker to the least-loaded worker.
        sh = staff.high
        wact = staff.active[:sh] & (staff.role[:sh] == role)
        load = np.bincount(worker[clients & (worker >= 0)], weights=work[clients & (worker >= 0)],
                           minlength=sh)[:sh]
        for r in np.flatnonzero(clients & (worker < 0)).tolist():
            cand = np.flatnonzero(wact & (staff.provider[:sh] == provider[r]))
            if len(cand):
                w = cand[np.argmin(load[cand])]
                worker[r] = w
                load[w] += work[r]
                if role == HH:
                    res.attachment[r] = 0.0


        # Delivery.
        sh = staff.high
        cap = np.where(staff.active[:sh], staff.capacity[:sh], 0.0)
        w_demand = np.bincount(worker[clients & (worker >= 0)],
                               weights=work[clients & (worker >= 0)], minlength=sh)[:sh]
        staff.demand[:sh][staff.role[:sh] == role] = w_demand[staff.role[:sh] == role]
        frac_w = np.where(w_demand > 0, np.minimum(cap / np.maximum(w_demand, 1e-12), 1.0), 0.0)
        frac = np.where(clients & (worker >= 0), frac_w[np.maximum(worker, 0)], 0.0)
        delivered = demand * frac
        t_c = travel[np.maximum(provider, 0)]
        m.ev["unmet_care_hours"] += float((demand - delivered)[clients].sum())
        m.ev["travel_hours"] += float((delivered * t_c / (1.0 - t_c))[clients].sum())
        pn = clients & (worker >= 0) & staff.pnil[np.maximum(worker, 0)]
        m.ev["pnil_hours"] += float((delivered / (1.0 - t_c))[pn].sum())
        m.ev["staff_hours"] += float((delivered / (1.0 - t_c))[clients].sum())
        if role == HH:
            hh_share = np.where(demand > 0, m.demand_hh[:h] / np.maximum(demand, 1e-12), 0.0)
            m.ev["household_help"] += float((delivered * hh_share)[clients].sum())
            m.ev["begeleiding"] += float((delivered * (1.0 - hh_share))[clients].sum())
        else:
            m.ev["district_nursing"] += float(delivered[clients].sum())

    # Attachment to the regular household-help worker.
    keep = act & (res.worker[:h] >= 0)
    att = res.attachment[:h]
    att[keep] += sp.attachment_rate * eff.attachment_mult * (1.0 - att[keep])
    staff.tenure_weeks[: staff.high] += staff.active[: staff.high]


def _redeploy(m: ThuisplusModel, role: int, surplus: np.ndarray) -> None:
    """Providers with more workers than planned move the surplus elsewhere: PNIL first,
    then the most recently hired (not counted as turnover).
    """
    staff = m.staff
    sh = staff.high
    out = []
    for p in np.flatnonzero(surplus > 0).tolist():
        cand = np.flatnonzero(staff.active[:sh] & (staff.role[:sh] == role)
                              & (staff.provider[:sh] == p))
        order = np.lexsort((staff.tenure_weeks[cand], ~staff.pnil[cand]))
        out.append(cand[order[: surplus[p]]])
    if out:
        _release(m, np.concatenate(out))


def _release(m: ThuisplusModel, rows: np.ndarray) -> None:
    """Workers leave: their clients lose their regular worker."""
    res = m.res
    h = res.high
    lost = np.isin(res.worker[:h], rows)
    res.worker[:h][lost] = -1
    res.attachment[:h][lost] = 0.0
    res.nurse[:h][np.isin(res.nurse[:h], rows)] = -1
    m.staff.remove(rows)


def weekly_rates(m: ThuisplusModel) -> None:
    """Precompute weekly probabilities and available hours (called once per run)."""
    sp = m.p.staffing
    m.weekly_turnover_payroll = float(yearly_to_weekly(sp.turnover_payroll))
    m.weekly_turnover_pnil = float(yearly_to_weekly(sp.turnover_pnil))
    m.weekly_fill_vacancy = 1.0 / sp.vacancy_fill_weeks
    m.available_hours = sp.worker_hours * (1.0 - sp.sickness_absence)
