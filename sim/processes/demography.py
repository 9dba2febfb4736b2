"""Ageing, mortality (age-, sex- and vitality-dependent) and moves out of the complex.

Mortality is Gompertz in age, anchored at the CBS life-table probability at age 80 for
each sex, times a vitality hazard ratio ``exp(log_hr × (v_ref − v))``: the life table
describes a resident of reference vitality; frailer residents die sooner. Other moves
out (to family, other housing) happen at a constant ``move_out_rate``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.processes._jit import kernel
from sim.processes.moves import leave

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

WEEKS_PER_YEAR = 52.0
DIES, MOVES = 1, 2


def yearly_to_weekly(p_year: float) -> float:
    """Weekly probability with the same yearly probability (constant hazard)."""
    return -math.expm1(math.log1p(-min(p_year, 0.999999)) / WEEKS_PER_YEAR)


def rate_to_weekly(rate_year: float) -> float:
    """Weekly probability of at least one event at a yearly rate."""
    return -math.expm1(-rate_year / WEEKS_PER_YEAR)


@kernel
def _age_and_die(h, active, seat, age, female, vitality, u_death, u_move, out,
                 hz_m80, hz_f80, slope, log_hr, v_ref, p_move):
    n = 0
    for i in range(h):
        out[i] = 0
        if not active[i]:
            continue
        age[i] += 1.0 / 52.0
        base = hz_f80 if female[i] else hz_m80
        hz = base * math.exp(slope * (age[i] - 80.0) + log_hr * (v_ref - vitality[i]))
        s = seat[i]
        if u_death[s] < -math.expm1(-hz / 52.0):
            out[i] = DIES
            n += 1
        elif u_move[s] < p_move:
            out[i] = MOVES
            n += 1
    return n


def step(m: ThuisplusModel) -> None:
    """Age everybody a week; draw deaths and moves out; remove the leavers."""
    p = m.p.demography
    res = m.res
    rng = m.streams["demography"]
    u = rng.random((2, m.n_seats))
    h = res.high
    out = m.flags[:h]
    n_leave = _age_and_die(h, res.active, res.seat, res.age, res.female, res.vitality, u[0],
                           u[1], out, m.hazard_male_80, m.hazard_female_80, p.mortality_age_slope,
                 p.mortality_vitality_log_hr, p.vitality_reference, m.weekly_move_out)
    if n_leave:
        dies = np.flatnonzero(out == DIES)
        moves = np.flatnonzero(out == MOVES)
        if len(dies):
            leave(m, dies, "deaths")
        if len(moves):
            leave(m, moves, "moves_out")
