"""Informal care: carers with capacity and burden; overburden, sick leave and breakdown.

A resident whose vitality falls below ``need_threshold`` asks for informal hours growing
with need. If they have a potential carer, one steps in (at ``new_carer_rate``). The
carer gives the hours asked up to 1.5 × capacity; burden grows with hours / capacity
and recovers at ``recovery_rate``. Above ``overburden_threshold`` the carer is
overburdened: more sick leave from their job (SCP: 25% vs 10% a year) and a risk of
breaking down and stopping. Informal hours asked but not given raise the formal Wmo
hours of indicated clients by ``formal_substitution`` per hour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from sim.processes.demography import rate_to_weekly

if TYPE_CHECKING:
    from sim.model import ThuisplusModel


def step(m: ThuisplusModel, rng: np.random.Generator | None = None, *, instant: bool = False
         ) -> None:
    """Match carers to residents in need, give care, update burden, sick leave, breakdowns.

    ``instant=True`` (at set-up) gives every resident in need with a potential carer one.
    """
    ip, res, car, eff = m.p.informal_care, m.res, m.carers, m.effects
    rng = m.streams["informal_care"] if rng is None else rng
    u = rng.random((5, m.n_seats))
    h = res.high
    seat = res.seat[:h]
    act = res.active[:h]
    v = res.vitality[:h]
    need = np.where(act & (v < ip.need_threshold),
                    ip.hours_base + ip.hours_slope
                    * (ip.need_threshold - v) / max(ip.need_threshold, 1e-9), 0.0)

    # New carers for residents in need who have someone.
    seek = (need > 0) & res.potential_carer[:h] & (res.carer[:h] < 0)
    found = seek & ((u[0][seat] < m.weekly_new_carer) | instant)
    if found.any():
        rows = np.flatnonzero(found)
        crow = car.add(len(rows))
        s = res.seat[rows]
        car.resident[crow] = rows
        car.capacity[crow] = np.maximum(ip.capacity_mean + ip.capacity_sd * ndtri(u[1][s]), 2.0)
        car.employed[crow] = u[2][s] < ip.employed_share
        res.carer[rows] = crow

    # Care given and burden, on carer rows.
    ch = car.high
    cact = car.active[:ch]
    who = car.resident[:ch]
    cseat = res.seat[who]
    asked = np.where(cact, need[np.minimum(who, h - 1)] if h else 0.0, 0.0)
    given = np.minimum(asked, 1.5 * car.capacity[:ch])
    sick = car.sick_weeks_left[:ch] > 0
    car.hours[:ch] = given
    b = car.burden[:ch]
    b += (ip.burden_rate * eff.burden_mult * given / np.maximum(car.capacity[:ch], 1e-9)
          - ip.recovery_rate * b)
    b[~cact] = 0.0
    over = cact & (b > ip.overburden_threshold)

    # Sick leave of employed carers: a two-week episode starts at a rate set by burden.
    rate = np.where(over, ip.sick_leave_rate_overburdened, ip.sick_leave_rate_normal)
    start = cact & car.employed[:ch] & ~sick & (u[3][cseat] < rate_to_weekly(rate))
    car.sick_weeks_left[:ch][start] = ip.sick_leave_weeks
    on_leave = cact & car.employed[:ch] & (car.sick_weeks_left[:ch] > 0)
    m.ev["carer_sick_leave_hours"] += float(
        np.minimum(car.sick_weeks_left[:ch][on_leave], 1.0).sum()) * ip.work_hours
    np.maximum(car.sick_weeks_left[:ch] - 1.0, 0.0, out=car.sick_weeks_left[:ch])

    # Breakdown: an overburdened carer stops.
    breaks = over & (u[4][cseat] < rate_to_weekly(ip.breakdown_rate * eff.breakdown_mult))
    if breaks.any():
        crows = np.flatnonzero(breaks)
        res.carer[car.resident[crows]] = -1
        car.remove(crows)
        m.ev["carer_breakdowns"] += len(crows)

    # Informal hours asked but not given raise formal Wmo hours.
    got = np.zeros(h)
    if ch:
        np.add.at(got, who[cact], given[cact])
    missing = np.maximum(need - got, 0.0)
    m.demand_hh[:h] += np.where(m.demand_hh[:h] > 0, ip.formal_substitution * missing, 0.0)
    m.ev["informal_care_hours"] += float(given[cact].sum())
    m.ev["carers_active"] += int(cact.sum())
    m.ev["carers_overburdened"] += int(over.sum())
    m.ev["residents_with_carer"] += int((cact & (given > 0)).sum())


def weekly_rates(m: ThuisplusModel) -> None:
    """Precompute the weekly probabilities this process uses (called once per run)."""
    m.weekly_new_carer = float(rate_to_weekly(m.p.informal_care.new_carer_rate))
