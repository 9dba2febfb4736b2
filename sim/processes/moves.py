"""Moves: residents leaving (death, nursing home, moving out), vacancies and newcomers.

Newcomers' traits are drawn from streams keyed by (run, k-th letting of a dwelling), a
whole level of lettings at once; the weekly draw of the inflow stream itself is a fixed
block. The same household therefore moves into the same dwelling as its k-th newcomers in
both arms of a pair, whatever else differs.
"""

from __future__ import annotations

import math
import zlib
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.param_base import ASSUMPTION, Group, P
from sim.processes._jit import glue, kernel
from sim.processes.common import EV_INFLOW, EV_REFERRALS, add_rows, nonliteral

#: Effect modifiers this process reads (names of sim.interventions.EFFECTS).
READS = ()
#: Effect modifiers it sets back to neutral for a newcomer's row.
RESETS = ("decline", "fall", "hospital", "lonely_shift")


if TYPE_CHECKING:
    from sim.params import Parameters


class InflowParams(Group):
    """Vacancies and newcomers."""

    vacancy_weeks: float = P(
        8.0, "weeks", ASSUMPTION + " (EVAL §4 lesson 3: senior complexes have high turnover)",
        "Mean weeks a vacated dwelling stays empty.", ge=1, le=520,
    )
    age_mean: float = P(
        76.0, "years", ASSUMPTION, "Mean age of newcomers.", ge=55, le=100,
    )
    age_sd: float = P(6.0, "years", ASSUMPTION, "Spread of newcomers' ages.", ge=0, le=20)
    vital_share: float = P(
        0.6, "share of newcomers", ASSUMPTION + " (EVAL §4 lesson 3: mix of vital and "
        "less vital residents)",
        "Share of newcomers who are vital.", ge=0, le=1,
    )
    vital_beta_a: float = P(
        7.0, "-", ASSUMPTION, "Beta shape a of a vital newcomer's vitality.", gt=0, le=50,
    )
    vital_beta_b: float = P(
        2.5, "-", ASSUMPTION, "Beta shape b of a vital newcomer's vitality.", gt=0, le=50,
    )
    less_vital_beta_a: float = P(
        3.0, "-", ASSUMPTION, "Beta shape a of a less vital newcomer's vitality.", gt=0, le=50,
    )
    less_vital_beta_b: float = P(
        3.5, "-", ASSUMPTION, "Beta shape b of a less vital newcomer's vitality.", gt=0, le=50,
    )
    couple_share: float = P(
        0.10, "share of new households", ASSUMPTION,
        "Share of new households that are couples.", ge=0, le=0.8,
    )


#: What this process declares: its parameters (``Parameters.inflow``), the random
#: stream it draws from (a name of :data:`sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = InflowParams, "inflow", "inflow"
RECORDS = ("inflow", "referrals")
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("res.age", "res.dementia", "res.dn_provider", "res.dwelling", "res.entered_week",
         "res.female", "res.floor", "res.hh_threshold", "res.loneliness_base", "res.partner",
         "res.potential_carer", "res.provider", "res.seat", "res.trait_u", "res.vitality")
SCRATCH = ("lettings", "lv", "occupants", "scratch_idx", "scratch_noise", "vacated_week")

INFLOW_KEY = zlib.crc32(b"inflow-households")


def person_traits(p: Parameters, g: np.random.Generator, n: int, *, newcomer: bool
                  ) -> dict[str, np.ndarray]:
    """Draw the traits of ``n`` people from ``g`` (always the same draws for a given n)."""
    d, v, lp, cp = p.demography, p.vitality, p.loneliness, p.care
    z = g.standard_normal((4, n))
    u = g.random((4, n))
    extra = {}
    if newcomer:
        i = p.inflow
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
        "potential_carer": g.random(n) < p.informal_care.has_carer_prob,
        "lnoise": z[3],
    }


class Coefficients(NamedTuple):
    """What the compiled week of this process reads."""

    dwellings: int
    per_floor: int             # dwellings per floor
    p_fill: float              # weekly probability that a vacant dwelling is let
    couple_share: float


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    b = p.building
    return Coefficients(b.dwellings, math.ceil(b.dwellings / b.floors),
                        1.0 / p.inflow.vacancy_weeks, p.inflow.couple_share)


class Levels(NamedTuple):
    """Traits of the k-th household to let each dwelling: arrays (level, dwelling, person)."""

    age: np.ndarray
    female: np.ndarray
    vitality: np.ndarray
    vit_less: np.ndarray
    loneliness_base: np.ndarray
    hh_threshold: np.ndarray
    dementia: np.ndarray
    trait_u: np.ndarray
    potential_carer: np.ndarray
    lnoise: np.ndarray
    u_mix: np.ndarray
    u_referral: np.ndarray


def letting_levels(p: Parameters, entropy: int, first: int, n: int,
                   old: Levels | None = None) -> Levels:
    """Levels ``first .. first + n - 1`` of newcomers' traits, appended to ``old``.

    The k-th household to let dwelling d is drawn, for all dwellings at once, from a
    stream keyed by (run, k): the same household arrives in both arms of a pair even when
    the dwelling falls vacant at another time, and no weekly draw depends on who moves.
    """
    dwellings = p.building.dwellings
    new: dict[str, list[np.ndarray]] = {f: [] for f in Levels._fields}
    for level in range(first, first + n):
        ss = np.random.SeedSequence(entropy, spawn_key=(INFLOW_KEY, level))
        traits = person_traits(p, np.random.Generator(np.random.PCG64(ss)), 2 * dwellings,
                               newcomer=True)
        for f in Levels._fields:
            new[f].append(traits[f].reshape(dwellings, 2))
    arrays = {f: np.stack(x) for f, x in new.items()}
    if old is not None:
        arrays = {f: np.concatenate([getattr(old, f), x]) for f, x in arrays.items()}
    return Levels(**arrays)


@kernel
def move_in(S, C, seats, age, female, vitality, loneliness_base, hh_threshold, dementia,
            trait_u, potential_carer, referred, newcomer, week_no):
    """Create residents with these traits on ``seats``; return their rows.

    Both seats of a dwelling filled together are a couple: one man, one woman
    (assumption). Their loneliness is set by the loneliness process afterwards
    (:func:`sim.processes.loneliness.set_target_with_noise`).

    Arguments, as the caller (``week``) passes them: ``S``; ``C``; ``seats``; ``age`` =
    ``lv.age[k, dw, :n]``; ``female`` = ``lv.female[k, dw, :n]``; ``vitality``;
    ``loneliness_base`` = ``lv.loneliness_base[k, dw, :n]``; ``hh_threshold`` =
    ``lv.hh_threshold[k, dw, :n]``; ``dementia`` = ``lv.dementia[k, dw, :n]``; ``trait_u`` =
    ``lv.trait_u[k, dw, :n]``; ``potential_carer`` = ``lv.potential_carer[k, dw, :n]``;
    ``referred``; ``newcomer`` = ``nonliteral(True)``; ``week_no``.
    """
    res, e = S.res, S.eff
    n = len(seats)
    rows = add_rows(res, n, False, S.cnt)
    if len(rows) < n:
        return rows
    for k in range(n):
        r = rows[k]
        # effects set this week for the row's previous resident
        e.decline[r] = 1.0
        e.fall[r] = 1.0
        e.hospital[r] = 1.0
        e.lonely_shift[r] = 0.0
        dw = seats[k] // 2
        res.seat[r] = seats[k]
        res.dwelling[r] = dw
        res.floor[r] = dw // C.moves.per_floor
        res.entered_week[r] = week_no
        res.age[r] = age[k]
        res.female[r] = female[k]
        res.vitality[r] = vitality[k]
        res.loneliness_base[r] = loneliness_base[k]
        res.hh_threshold[r] = hh_threshold[k]
        res.dementia[r] = dementia[k]
        res.trait_u[r] = trait_u[k]
        res.potential_carer[r] = potential_carer[k]
    for k in range(n - 1):
        if seats[k] // 2 == seats[k + 1] // 2:
            a, b = rows[k], rows[k + 1]
            res.partner[a] = b
            res.partner[b] = a
            res.female[a] = False
            res.female[b] = True
    for k in range(n):
        S.occupants[seats[k] // 2] += 1
    if newcomer:
        n_ref = 0
        for k in range(n):
            if referred[k]:
                res.provider[rows[k]] = 0
                res.dn_provider[rows[k]] = 0
                n_ref += 1
        S.ev[EV_INFLOW] += n
        S.ev[EV_REFERRALS] += n_ref
    return rows


@glue
def draw(g, C):
    """The week's uniforms: two per dwelling (let this week, couple)."""
    return g.random((2, C.moves.dwellings))


@kernel
def week(S, C, u, week_no, vital_share, referral_share):
    """Let dwellings empty since an earlier week (geometric time, mean ``vacancy_weeks``).

    The inflow policy in force picks each newcomer's vitality (vital or less vital) and
    whether the household is a district-nurse referral of the preferred provider.
    Returns how many newcomers arrived; their rows are in ``S.scratch_idx`` and their
    personal loneliness noise in ``S.scratch_noise`` (the first that many of each).
    """
    c, lv, new_rows, noise = C.moves, S.lv, S.scratch_idx, S.scratch_noise
    n_new = 0
    for dw in range(c.dwellings):
        if not (S.occupants[dw] == 0 and S.vacated_week[dw] < week_no and u[0, dw] < c.p_fill):
            continue
        k = S.lettings[dw]
        S.lettings[dw] += 1
        n = 2 if u[1, dw] < c.couple_share else 1
        seats = np.empty(n, dtype=np.int64)
        for j in range(n):
            seats[j] = 2 * dw + j
        # one referral decision per letting: the household's first person's draw
        ref = lv.u_referral[k, dw, 0] < referral_share
        referred = np.full(n, ref)
        vitality = np.empty(n)
        for j in range(n):
            vital = (lv.u_mix[k, dw, j] < vital_share) and not ref
            vitality[j] = lv.vitality[k, dw, j] if vital else lv.vit_less[k, dw, j]
        rows = move_in(S, C, seats, lv.age[k, dw, :n], lv.female[k, dw, :n], vitality,
                       lv.loneliness_base[k, dw, :n], lv.hh_threshold[k, dw, :n],
                       lv.dementia[k, dw, :n], lv.trait_u[k, dw, :n],
                       lv.potential_carer[k, dw, :n], referred, nonliteral(True), week_no)
        for j in range(len(rows)):
            new_rows[n_new] = rows[j]
            noise[n_new] = lv.lnoise[k, dw, j]
            n_new += 1
    return n_new
