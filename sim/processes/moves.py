"""Moves: residents leaving (death, nursing home, moving out), vacancies and newcomers.

Newcomers' traits are drawn from streams keyed by (run, k-th letting of a dwelling), a
whole level of lettings at once; the weekly draw of the inflow stream itself is a fixed
block. The same household therefore moves into the same dwelling as its k-th newcomers in
both arms of a pair, whatever else differs.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

INFLOW_KEY = zlib.crc32(b"inflow-households")


def leave(m: ThuisplusModel, rows: np.ndarray, reason: str) -> None:
    """Remove residents: count the reason, free their seats, carers, ties and agents."""
    res = m.res
    m.ev[reason] += len(rows)
    if reason == "admissions":
        m.nursing_home.admit(res.seat[rows], m.week)
    # The partner who stays behind is widowed (or left alone) and lonelier.
    leaving = set(rows.tolist())
    staying = [q for q in res.partner[rows].tolist() if q >= 0 and q not in leaving]
    if staying:
        res.partner[staying] = -1
        res.loneliness[staying] = np.minimum(
            res.loneliness[staying] + m.p.loneliness.widowhood_shock, 11.0
        )
    carers = res.carer[rows]
    carers = carers[carers >= 0]
    if len(carers):
        m.carers.remove(carers)
    m.network.drop(rows)
    dw = res.dwelling[rows]
    np.subtract.at(m.occupants, dw, 1)
    m.vacated_week[dw[m.occupants[dw] == 0]] = m.week
    res.remove(rows)


def person_traits(m: ThuisplusModel, g: np.random.Generator, n: int, *, newcomer: bool
                  ) -> dict[str, np.ndarray]:
    """Draw the traits of ``n`` people from ``g`` (always the same draws for a given n)."""
    d, v, lp, cp = m.p.demography, m.p.vitality, m.p.loneliness, m.p.care
    z = g.standard_normal((4, n))
    u = g.random((4, n))
    extra = {}
    if newcomer:
        i = m.p.inflow
        age = i.age_mean + i.age_sd * z[0]
        # Both candidate vitalities are drawn; the inflow policy in force when the
        # household moves in picks one (same numbers in both arms of a pair).
        vit = g.beta(i.vital_beta_a, i.vital_beta_b, n)
        extra = {"vit_less": g.beta(i.less_vital_beta_a, i.less_vital_beta_b, n),
                 "u_mix": u[0], "u_referral": g.random(n)}
    else:
        age = d.initial_age_mean + d.initial_age_sd * z[0]
        vit = g.beta(v.initial_beta_a, v.initial_beta_b, n)
    # np.minimum/np.maximum: np.clip's overhead dominates on one or two values.
    age = np.minimum(np.maximum(age, d.min_age), d.max_age)
    ageing = v.initial_age_gradient * np.maximum(age - 78.0, 0.0)
    vit = np.minimum(np.maximum(vit - ageing, 0.02), 1.0)
    if newcomer:
        extra["vit_less"] = np.minimum(np.maximum(extra["vit_less"] - ageing, 0.02), 1.0)
    return {
        **extra,
        "age": age,
        "female": u[1] < d.female_share,
        "vitality": vit,
        "loneliness_base": lp.base_mean + lp.base_sd * z[1],
        "hh_threshold": np.minimum(np.maximum(
            cp.hh_threshold_mean + cp.hh_threshold_sd * z[2], 0.0), 1.0),
        "dementia": u[2] < v.dementia_initial_share,
        "trait_u": u[3],
        "potential_carer": g.random(n) < m.p.informal_care.has_carer_prob,
        "lnoise": z[3],
    }


def move_in(m: ThuisplusModel, seats: np.ndarray, traits: dict[str, np.ndarray], *,
            newcomer: bool) -> np.ndarray:
    """Create residents with ``traits`` on ``seats``; return their rows."""
    res = m.res
    if newcomer:
        traits = _inflow_policy(m, traits)
    rows = res.add(len(seats))
    m.effects.clear_rows(rows)  # effects set this week for the row's previous resident
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
    # Rows come without ties: ties of a leaver are cleared when they leave.
    # Start loneliness at its target plus personal noise.
    res.loneliness[rows] = np.minimum(np.maximum(
        m.loneliness_target(rows) + m.p.loneliness.noise_sd * 4 * traits["lnoise"], 0.0), 11.0)
    if newcomer:
        referred = traits["referred"]
        res.provider[rows[referred]] = 0
        res.dn_provider[rows[referred]] = 0
        m.ev["inflow"] += len(rows)
        m.ev["referrals"] += int(referred.sum())
    return rows


def _inflow_policy(m: ThuisplusModel, traits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Vital or less vital newcomers, and district-nurse referrals, by the policy in force.

    A referred newcomer is a less vital neighbourhood client of the preferred provider.
    """
    share, referral = m.inflow_policy()
    # one referral decision per letting: the household's first person's draw
    referred = np.full(len(traits["u_referral"]), traits["u_referral"][0] < referral)
    vital = (traits["u_mix"] < share) & ~referred
    out = dict(traits)
    out["vitality"] = np.where(vital, traits["vitality"], traits["vit_less"])
    out["referred"] = referred
    return out


def household(m: ThuisplusModel, dwelling: int) -> dict[str, np.ndarray]:
    """Traits of the two people of the next household to move into ``dwelling``.

    The k-th household to let dwelling d is drawn, for all dwellings at once, from a stream
    keyed by (run, k): the same household arrives in both arms of a pair even when the
    dwelling falls vacant at another time, and no weekly draw depends on who moves.
    """
    k = int(m.lettings[dwelling])
    m.lettings[dwelling] += 1
    while len(m.letting_traits) <= k:
        level = len(m.letting_traits)
        ss = np.random.SeedSequence(m.entropy, spawn_key=(INFLOW_KEY, level))
        traits = person_traits(m, np.random.Generator(np.random.PCG64(ss)), 2 * m.dwellings,
                               newcomer=True)
        m.letting_traits.append({name: x.reshape(m.dwellings, 2) for name, x in traits.items()})
    return {name: x[dwelling] for name, x in m.letting_traits[k].items()}


def step(m: ThuisplusModel) -> None:
    """Fill vacant dwellings: each stays empty for a geometric time with mean ``vacancy_weeks``."""
    rng = m.streams["inflow"]
    u = rng.random((2, m.dwellings))
    # A dwelling emptied this week is not let before next week.
    fill = (m.occupants == 0) & (m.vacated_week < m.week) & (u[0] < m.weekly_fill)
    if not fill.any():
        return
    for dw in np.flatnonzero(fill).tolist():
        traits = household(m, dw)
        if u[1, dw] < m.p.inflow.couple_share:
            seats = np.array([2 * dw, 2 * dw + 1])
        else:
            seats = np.array([2 * dw])
            traits = {k: x[:1] for k, x in traits.items()}
        move_in(m, seats, traits, newcomer=True)
