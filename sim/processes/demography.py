"""Ageing, mortality (age-, sex- and vitality-dependent) and moves out of the complex.

Mortality is Gompertz in age, anchored at the CBS life-table probability at age 80 for
each sex, times a vitality hazard ratio ``exp(log_hr * (v_ref - v))``: the life table
describes a resident of reference vitality; frailer residents die sooner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.processes.moves import leave

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

WEEKS_PER_YEAR = 52.0


def yearly_to_weekly(p_year: np.ndarray | float) -> np.ndarray | float:
    """Weekly probability with the same yearly probability (constant hazard)."""
    return -np.expm1(np.log1p(-np.minimum(p_year, 0.999999)) / WEEKS_PER_YEAR)


def rate_to_weekly(rate_year: np.ndarray | float) -> np.ndarray | float:
    """Weekly probability of at least one event at a yearly rate."""
    return -np.expm1(-np.asarray(rate_year) / WEEKS_PER_YEAR)


def step(m: ThuisplusModel) -> None:
    """Age everybody a week; draw deaths and moves out; remove the leavers."""
    p = m.p.demography
    res = m.res
    h = res.high
    u_death = m.streams["demography"].random(m.n_seats)
    u_move = m.streams["demography"].random(m.n_seats)
    act = res.active[:h]
    seat = res.seat[:h]
    res.age[:h] += 1.0 / WEEKS_PER_YEAR

    base = np.where(res.female[:h], m.hazard_female_80, m.hazard_male_80)
    hazard = base * np.exp(
        p.mortality_age_slope * (res.age[:h] - 80.0)
        + p.mortality_vitality_log_hr * (p.vitality_reference - res.vitality[:h])
    )
    dies = act & (u_death[seat] < rate_to_weekly(hazard))
    moves = act & ~dies & (u_move[seat] < m.weekly_move_out)
    if dies.any():
        leave(m, np.flatnonzero(dies), "deaths")
    if moves.any():
        leave(m, np.flatnonzero(moves), "moves_out")
