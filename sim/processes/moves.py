"""Moves: residents leaving (death, nursing home, moving out), vacancies and newcomers.

Newcomers' traits are drawn per *seat* (dwelling × place in it) from one fixed block of
uniforms a week, and turned into ages, vitality etc. by inverse distribution functions,
only for the seats that are filled. The same person therefore moves into the same
dwelling in the same week in both arms of a pair, whatever else differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import betaincinv, ndtri

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

# Rows of the uniform block that describes a person.
U_AGE, U_SEX, U_MIX, U_VIT, U_LONELY, U_THRESH, U_DEM, U_TRAIT, U_CARER, U_LNOISE = range(10)
N_PERSON_U = 10


def leave(m: ThuisplusModel, rows: np.ndarray, reason: str) -> None:
    """Remove residents: count the reason, free their seats, carers, ties and agents."""
    res = m.res
    m.ev[reason] += len(rows)
    if reason == "admissions":
        m.nursing_home.admit(res.age[rows])
    # The partner who stays behind is widowed (or left alone) and lonelier.
    partners = res.partner[rows]
    staying = partners[(partners >= 0) & ~np.isin(partners, rows)]
    if len(staying):
        res.partner[staying] = -1
        res.loneliness[staying] = np.minimum(
            res.loneliness[staying] + m.p.loneliness.widowhood_shock, 11.0
        )
    carers = res.carer[rows]
    carers = carers[carers >= 0]
    if len(carers):
        m.carers.remove(carers)
    m.network.drop(rows)
    np.subtract.at(m.occupants, res.dwelling[rows], 1)
    m.seat_taken[res.seat[rows]] = False
    res.remove(rows)


def person_traits(m: ThuisplusModel, u: np.ndarray, *, newcomer: bool) -> dict[str, np.ndarray]:
    """Turn a (N_PERSON_U, n) block of uniforms into the traits of n people."""
    d, v, lp, cp = m.p.demography, m.p.vitality, m.p.loneliness, m.p.care
    if newcomer:
        i = m.p.inflow
        age = i.age_mean + i.age_sd * ndtri(u[U_AGE])
        vital = u[U_MIX] < i.vital_share
        vit = np.where(
            vital,
            betaincinv(i.vital_beta_a, i.vital_beta_b, u[U_VIT]),
            betaincinv(i.less_vital_beta_a, i.less_vital_beta_b, u[U_VIT]),
        )
    else:
        age = d.initial_age_mean + d.initial_age_sd * ndtri(u[U_AGE])
        vit = betaincinv(v.initial_beta_a, v.initial_beta_b, u[U_VIT])
    age = np.clip(age, d.min_age, d.max_age)
    vit = np.clip(vit - v.initial_age_gradient * np.maximum(age - 78.0, 0.0), 0.02, 1.0)
    return {
        "age": age,
        "female": u[U_SEX] < d.female_share,
        "vitality": vit,
        "loneliness_base": lp.base_mean + lp.base_sd * ndtri(u[U_LONELY]),
        "hh_threshold": np.clip(cp.hh_threshold_mean + cp.hh_threshold_sd * ndtri(u[U_THRESH]),
                                0.0, 1.0),
        "dementia": u[U_DEM] < v.dementia_initial_share,
        "trait_u": u[U_TRAIT],
        "potential_carer": u[U_CARER] < m.p.informal_care.has_carer_prob,
        "lnoise": ndtri(u[U_LNOISE]),
    }


def move_in(m: ThuisplusModel, seats: np.ndarray, u: np.ndarray, *, newcomer: bool
            ) -> np.ndarray:
    """Create residents on ``seats`` (``u`` holds their uniforms); return their rows."""
    res = m.res
    traits = person_traits(m, u, newcomer=newcomer)
    rows = res.add(len(seats))
    dwelling = seats // 2
    res.seat[rows] = seats
    res.dwelling[rows] = dwelling
    res.floor[rows] = dwelling // m.per_floor
    res.entered_week[rows] = m.week
    for name in ("age", "female", "vitality", "loneliness_base", "hh_threshold", "dementia",
                 "trait_u", "potential_carer"):
        getattr(res, name)[rows] = traits[name]
    # Couples: both seats of a dwelling filled together; one man, one woman (assumption).
    by_dwelling = {}
    for r, dw in zip(rows.tolist(), dwelling.tolist(), strict=True):
        by_dwelling.setdefault(dw, []).append(r)
    for members in by_dwelling.values():
        if len(members) == 2:
            a, b = members
            res.partner[a], res.partner[b] = b, a
            res.female[a], res.female[b] = False, True
    np.add.at(m.occupants, dwelling, 1)
    m.seat_taken[seats] = True
    m.network.join(rows)
    # Start loneliness at its target plus personal noise.
    res.loneliness[rows] = np.clip(
        m.loneliness_target(rows) + m.p.loneliness.noise_sd * 4 * traits["lnoise"], 0.0, 11.0
    )
    m.ev["inflow"] += len(rows) if newcomer else 0
    return rows


def step(m: ThuisplusModel) -> None:
    """Fill vacant dwellings: each stays empty for a geometric time with mean ``vacancy_weeks``."""
    rng = m.streams["inflow"]
    u_fill = rng.random(m.dwellings)
    u_couple = rng.random(m.dwellings)
    u_person = rng.random((N_PERSON_U, m.n_seats))
    fill = (m.occupants == 0) & (u_fill < m.weekly_fill)
    if not fill.any():
        return
    dws = np.flatnonzero(fill)
    couple = u_couple[dws] < m.p.inflow.couple_share
    seats = np.concatenate([2 * dws, 2 * dws[couple] + 1])
    seats.sort()
    move_in(m, seats, u_person[:, seats], newcomer=True)
