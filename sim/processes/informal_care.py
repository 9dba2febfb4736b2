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

from sim.processes._jit import kernel
from sim.processes.common import inverse_normal_array
from sim.processes.demography import rate_to_weekly, yearly_to_weekly

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

A_HOURS, A_CARERS, A_OVER, A_WITH, A_SICK_HOURS, A_BREAKS = range(6)


@kernel
def _need(h, active, seat, vitality, potential, carer, need, found, u_found,
          threshold, base, slope, p_new):
    """Informal hours each resident asks; flag residents who find a carer this week."""
    n = 0
    for i in range(h):
        need[i] = 0.0
        found[i] = 0
        if not active[i]:
            continue
        v = vitality[i]
        if v < threshold:
            need[i] = base + slope * (threshold - v) / max(threshold, 1e-9)
            if potential[i] and carer[i] < 0 and u_found[seat[i]] < p_new:
                found[i] = 1
                n += 1
    return n


@kernel
def _care(ch, c_active, resident, capacity, hours, burden, employed, sick_weeks,
          breaks, seat, need, got, u_sick, u_break, acc,
          burden_rate, recovery, threshold, p_sick_normal, p_sick_over, sick_length,
          work_hours, p_break):
    """Care given, burden, sick leave and breakdown of every carer."""
    for c in range(ch):
        breaks[c] = 0
        if not c_active[c]:
            continue
        r = resident[c]
        s = seat[r]
        given = min(need[r], 1.5 * capacity[c])
        hours[c] = given
        got[r] += given
        burden[c] += burden_rate * given / max(capacity[c], 1e-9) - recovery * burden[c]
        over = burden[c] > threshold
        acc[A_HOURS] += given
        acc[A_CARERS] += 1.0
        if given > 0.0:
            acc[A_WITH] += 1.0
        if over:
            acc[A_OVER] += 1.0
        if employed[c]:
            if sick_weeks[c] <= 0.0:
                if u_sick[s] < (p_sick_over if over else p_sick_normal):
                    sick_weeks[c] = sick_length
            if sick_weeks[c] > 0.0:
                acc[A_SICK_HOURS] += min(sick_weeks[c], 1.0) * work_hours
                sick_weeks[c] = max(sick_weeks[c] - 1.0, 0.0)
        if over and u_break[s] < p_break:
            breaks[c] = 1
            acc[A_BREAKS] += 1.0


@kernel
def _substitute(h, active, need, got, demand_hh, share):
    for i in range(h):
        if active[i] and demand_hh[i] > 0.0:
            demand_hh[i] += share * max(need[i] - got[i], 0.0)
        got[i] = 0.0


def step(m: ThuisplusModel, rng: np.random.Generator | None = None, *, instant: bool = False
         ) -> None:
    """Match carers to residents in need, give care, update burden, sick leave, breakdowns.

    ``instant=True`` (at set-up) gives every resident in need with a potential carer one.
    """
    ip, res, car, eff = m.p.informal_care, m.res, m.carers, m.effects
    rng = m.streams["informal_care"] if rng is None else rng
    u = rng.random((5, m.n_seats))
    h = res.high
    need = m.scratch_need
    found = m.flags[:h]
    n_found = _need(h, res.active, res.seat, res.vitality, res.potential_carer, res.carer,
                    need, found, u[0], ip.need_threshold, ip.hours_base, ip.hours_slope,
                    1.0 if instant else rate_to_weekly(
                        m.p.informal_care.new_carer_rate * eff.new_carer_mult))
    if n_found:
        rows = np.flatnonzero(found)
        crow = car.add(len(rows))
        s = res.seat[rows]
        car.resident[crow] = rows
        z = inverse_normal_array(u[1][s])
        car.capacity[crow] = np.maximum(ip.capacity_mean + ip.capacity_sd * z, 2.0)
        car.employed[crow] = u[2][s] < ip.employed_share
        res.carer[rows] = crow

    acc = np.zeros(6)
    breaks = m.carer_flags
    _care(car.high, car.active, car.resident, car.capacity, car.hours, car.burden,
          car.employed, car.sick_weeks_left, breaks, res.seat, need, m.scratch_got,
          u[3], u[4], acc, ip.burden_rate * eff.burden_mult, ip.recovery_rate,
          ip.overburden_threshold, yearly_to_weekly(ip.sick_leave_prob_normal),
          yearly_to_weekly(ip.sick_leave_prob_overburdened), ip.sick_leave_weeks, ip.work_hours,
          rate_to_weekly(ip.breakdown_rate * eff.breakdown_mult))
    _substitute(h, res.active, need, m.scratch_got, m.demand_hh, ip.formal_substitution)
    if acc[A_BREAKS]:
        crows = np.flatnonzero(breaks[: car.high])
        res.carer[car.resident[crows]] = -1
        car.remove(crows)
    ev = m.ev
    ev["informal_care_hours"] += acc[A_HOURS]
    ev["carers_active"] += acc[A_CARERS]
    ev["carers_overburdened"] += acc[A_OVER]
    ev["residents_with_carer"] += acc[A_WITH]
    ev["carer_sick_leave_hours"] += acc[A_SICK_HOURS]
    ev["carer_breakdowns"] += acc[A_BREAKS]
