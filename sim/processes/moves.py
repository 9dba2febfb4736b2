"""Moves: applicants, vacancies and lettings.

Newcomers come from one **applicant stream** shared by both arms of a pair: households
apply for a dwelling in the complex at weeks drawn for the run (a Poisson stream over the
programme), each with its traits (age, sex, health, household) drawn from a stream keyed
by (run, household). From its application on, an applicant is a person the model follows
*elsewhere* (waiting in their own home in the district, with the dynamics and care of a
person outside the complex), in both arms, until they die. A vacated dwelling is let to
the first waiting household (the inflow policy in force picks vital or less vital ones
and referrals first); who gets it, and when, may differ between the arms, but every
applicant is the same person in both.
"""

from __future__ import annotations

import functools
import math
import zlib
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from thuisplus.sim.param_base import ASSUMPTION, Group, P
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes.common import (
    CNT_APPLIED,
    CNT_LIVE,
    CNT_LIVE_HIGH,
    CNT_QUEUE,
    CNT_UID,
    ELSEWHERE,
    EV_APPLICATIONS,
    EV_INFLOW,
    EV_REFERRALS,
    IN_COMPLEX,
    nonliteral,
    set_where,
)

#: Effect modifiers this process reads (names of thuisplus.sim.interventions.EFFECTS).
READS = ()
#: Effect modifiers it sets back to neutral for a newcomer's row.
RESETS = ("decline", "fall", "hospital", "lonely_shift")


if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters


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
        0.6, "share of applicants", ASSUMPTION + " (EVAL §4 lesson 3: mix of vital and "
        "less vital residents)",
        "Share of applicant households that are vital (and of lettings to vital households "
        "before the inflow policy).", ge=0, le=1,
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
        "Share of applicant households that are couples.", ge=0, le=0.8,
    )
    applications_per_dwelling_year: float = P(
        0.2, "households per dwelling per year", ASSUMPTION + " (more than the ~0.12 "
        "dwellings a year that fall vacant, so that a vacancy rarely waits for an "
        "applicant; senior housing in Rotterdam has waiting lists)",
        "Households applying for a dwelling in the complex during the programme; each "
        "is followed from its application on.", ge=0, le=5,
    )


#: What this process declares: its parameters (``Parameters.inflow``), the random
#: stream it draws from (a name of :data:`thuisplus.sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`thuisplus.sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = InflowParams, "inflow", "inflow"
RECORDS = ("inflow", "referrals", "applications")
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of thuisplus.sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("res.active", "res.applied_week", "res.dn_provider", "res.dwelling",
         "res.entered_week", "res.floor",
         "res.partner", "res.person", "res.provider", "res.seat", "res.uid", "res.vital",
         "res.where")
SCRATCH = ("app", "lettings", "occupants", "scratch_idx", "scratch_noise", "vacated_week")

INFLOW_KEY = zlib.crc32(b"inflow-households")


class TraitDraws(NamedTuple):
    """The random numbers behind ``n`` people's traits, in the order they are drawn.

    ``vit_less`` and ``u_referral`` are drawn for newcomers only (else ``None``).
    """

    z: np.ndarray                   # (4, n) standard normals: age, loneliness, threshold, noise
    u: np.ndarray                   # (4, n) uniforms: category, sex, dementia, trait_u
    vit: np.ndarray                 # (n,) beta: vitality (a vital newcomer's)
    vit_less: np.ndarray | None     # (n,) beta: a less vital newcomer's vitality
    u_referral: np.ndarray | None   # (n,) uniforms: referral
    u_carer: np.ndarray             # (n,) uniforms: has a potential carer


def beta_shapes(p: Parameters, *, newcomer: bool) -> tuple[float, ...]:
    """The beta shapes (a, b) of a person's vitality; a newcomer's vital then less vital."""
    if newcomer:
        i = p.inflow
        return i.vital_beta_a, i.vital_beta_b, i.less_vital_beta_a, i.less_vital_beta_b
    return p.vitality.initial_beta_a, p.vitality.initial_beta_b


def trait_draws(g: np.random.Generator, n: int, shapes: tuple[float, ...]) -> TraitDraws:
    """Draw the random numbers of ``n`` people's traits from ``g`` (see :func:`traits`).

    ``shapes``: :func:`beta_shapes`; four (a newcomer's) also draw the less vital
    vitality and the referral's uniforms.
    """
    z = g.standard_normal((4, n))
    u = g.random((4, n))
    vit = g.beta(shapes[0], shapes[1], n)
    vit_less = u_referral = None
    if len(shapes) == 4:
        # Both candidate vitalities are drawn; the inflow policy in force when the
        # household moves in picks one (same numbers in both arms of a pair).
        vit_less, u_referral = g.beta(shapes[2], shapes[3], n), g.random(n)
    return TraitDraws(z, u, vit, vit_less, u_referral, g.random(n))


def traits(p: Parameters, d: TraitDraws, *, newcomer: bool) -> dict[str, np.ndarray]:
    """People's traits from their draws ``d`` (elementwise: any number of people at once)."""
    dm, v, lp, cp = p.demography, p.vitality, p.loneliness, p.care
    z, u = d.z, d.u
    if newcomer:
        age = p.inflow.age_mean + p.inflow.age_sd * z[0]
    else:
        age = dm.initial_age_mean + dm.initial_age_sd * z[0]
    age = np.minimum(np.maximum(age, dm.min_age), dm.max_age)
    ageing = v.initial_age_gradient * (age - 78.0)  # younger people are fitter
    extra = {}
    if newcomer:
        extra = {"vit_less": np.minimum(np.maximum(d.vit_less - ageing, 0.02), 1.0),
                 "u_mix": u[0], "u_referral": d.u_referral}
    return {
        **extra,
        "age": age,
        "female": u[1] < dm.female_share,
        "vitality": np.minimum(np.maximum(d.vit - ageing, 0.02), 1.0),
        "loneliness_base": lp.base_mean + lp.base_sd * z[1],
        "hh_threshold": np.minimum(np.maximum(
            cp.hh_threshold_mean + cp.hh_threshold_sd * z[2], 0.0), 1.0),
        "dementia": u[2] < v.dementia_initial_share,
        "trait_u": u[3],
        "potential_carer": d.u_carer < p.informal_care.has_carer_prob,
        "lnoise": z[3],
    }


def person_traits(p: Parameters, g: np.random.Generator, n: int, *, newcomer: bool
                  ) -> dict[str, np.ndarray]:
    """Draw the traits of ``n`` people from ``g`` (always the same draws for a given n)."""
    return traits(p, trait_draws(g, n, beta_shapes(p, newcomer=newcomer)), newcomer=newcomer)


class Coefficients(NamedTuple):
    """What the compiled week of this process reads."""

    dwellings: int
    per_floor: int             # dwellings per floor
    p_fill: float              # weekly probability that a vacant dwelling is let


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    b = p.building
    return Coefficients(b.dwellings, math.ceil(b.dwellings / b.floors),
                        1.0 / p.inflow.vacancy_weeks)


class Applicants(NamedTuple):
    """The run's applicant households (the same in both arms of a pair).

    Household ``j`` applies in week ``week[j]`` (ascending) and is persons ``row[j]``
    (and ``row[j] + 1`` for a couple, ``size[j] = 2``); its traits are in those rows of
    the resident population from the set-up on. ``state[j]``: 0 not yet applied, 1
    waiting, 2 housed. ``noise``: each person's loneliness noise at application.
    """

    week: np.ndarray
    row: np.ndarray
    size: np.ndarray
    state: np.ndarray
    noise: np.ndarray


def applicant_households(p: Parameters, entropy: int, weeks: int
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Application weeks and sizes of the run's applicant households (programme only).

    A Poisson stream at ``inflow.applications_per_dwelling_year × dwellings`` a year, from
    a stream keyed by the run alone: the same households in both arms.
    """
    i = p.inflow
    rate = i.applications_per_dwelling_year * p.building.dwellings / 52.0
    g = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(entropy, spawn_key=(INFLOW_KEY, 0))))
    if rate <= 0.0 or weeks <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n = int(rate * weeks + 10.0 * math.sqrt(rate * weeks) + 10)
    times = np.cumsum(g.exponential(1.0 / rate, n))
    while times[-1] < weeks:  # (never in practice: 10 standard deviations of room)
        times = np.concatenate([times, times[-1] + np.cumsum(g.exponential(1.0 / rate, n))])
    week = np.floor(times[times < weeks]).astype(np.int64)
    size = np.where(g.random(len(week)) < i.couple_share, 2, 1).astype(np.int64)
    return week, size


def applicant_traits(p: Parameters, entropy: int, households: int) -> dict[str, np.ndarray]:
    """Traits of the persons of ``households`` applicant households: two rows each.

    Household ``j``'s persons come from a stream keyed by (run, ``j + 1``), so they are
    the same whatever else the run holds. A household's vital or less vital category is
    its first person's.
    """
    shapes = beta_shapes(p, newcomer=True)
    t = traits(p, household_draws(entropy, households, shapes), newcomer=True)
    t["vital"] = np.repeat(t["u_mix"][0::2] < p.inflow.vital_share, 2)
    t["vitality"] = np.where(t["vital"], t["vitality"], t["vit_less"])
    return t


#: Runs whose applicants' draws a process keeps (:func:`household_draws`), and the most
#: households a kept run may have: 192 bytes a household, so at most ~31 MB in all (the
#: default complex has ~500 households a run; a larger run is drawn afresh each time).
HOUSEHOLD_DRAWS_KEPT, HOUSEHOLD_DRAWS_MAX = 16, 10_000


def household_draws(entropy: int, households: int, shapes: tuple[float, ...]) -> TraitDraws:
    """The trait draws of ``households`` applicant households, two persons each (read-only).

    Household ``j`` draws what :func:`trait_draws` draws for two newcomers, from its own
    stream, into columns ``2j`` and ``2j + 1``. The draws depend only on the run's
    ``entropy`` and the newcomers' four beta ``shapes`` (:func:`beta_shapes`), so they
    are kept per process (:data:`HOUSEHOLD_DRAWS_KEPT` runs of up to
    :data:`HOUSEHOLD_DRAWS_MAX` households): both arms of a pair and every design point
    of a study on the same seed share one set (505 streams take ~7 ms to draw).
    """
    if households > HOUSEHOLD_DRAWS_MAX:
        return _draw_households(entropy, households, shapes)
    return _kept_household_draws(entropy, households, shapes)


def _draw_households(entropy: int, households: int, shapes: tuple[float, ...]
                     ) -> TraitDraws:
    """:func:`household_draws`, drawn."""
    each = [trait_draws(np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(entropy, spawn_key=(INFLOW_KEY, j + 1)))), 2, shapes)
        for j in range(households)]
    if not each:
        each = [trait_draws(np.random.default_rng(0), 0, shapes)]  # the empty shapes
    d = TraitDraws(*(np.concatenate(parts, axis=-1) for parts in zip(*each, strict=True)))
    for x in d:
        x.flags.writeable = False
    return d


_kept_household_draws = functools.lru_cache(maxsize=HOUSEHOLD_DRAWS_KEPT)(
    _draw_households)


@kernel
def move_in(S, C, seats, rows, referred, newcomer, week_no):
    """Persons ``rows`` move into ``seats`` of the complex.

    Two persons in one dwelling are partners (a couple household). Their loneliness goes
    on from what it was (set at application, or by the set-up).

    Arguments, as the caller (``week``) passes them: ``S``; ``C``; ``seats``; ``rows``;
    ``referred``: the household is a district-nurse referral of the preferred provider;
    ``newcomer`` = ``nonliteral(True)`` (counted as inflow); ``week_no``.
    """
    res, e = S.res, S.eff
    n = len(seats)
    for k in range(n):
        r = rows[k]
        # effects set this week for the row when it lived elsewhere
        e.decline[r] = 1.0
        e.fall[r] = 1.0
        e.hospital[r] = 1.0
        e.lonely_shift[r] = 0.0
        dw = seats[k] // 2
        res.seat[r] = seats[k]
        res.dwelling[r] = dw
        res.floor[r] = dw // C.moves.per_floor
        res.entered_week[r] = week_no
        set_where(res, r, IN_COMPLEX)
        S.occupants[dw] += 1
        if referred:
            res.provider[r] = 0
            res.dn_provider[r] = 0
    if newcomer:
        S.ev[EV_INFLOW] += n
        if referred:
            S.ev[EV_REFERRALS] += n


@kernel
def appear(res, r, cnt):
    """Person ``r`` starts to be followed (its row's traits were set at the set-up).

    A row below those the list of living rows has looked at makes the list be rebuilt
    (``common.refresh_live``); rows appear in ascending order, so it does not happen in a
    week.
    """
    res.active[r] = True
    res.person[r] = r
    res.uid[r] = cnt[CNT_UID]
    cnt[CNT_UID] += 1
    if r + 1 > res.meta[0]:
        res.meta[0] = r + 1
    if r < cnt[CNT_LIVE_HIGH]:
        cnt[CNT_LIVE] = 0
        cnt[CNT_LIVE_HIGH] = 0


@kernel
def appear_rows(res, rows, cnt):
    """Persons ``rows`` start to be followed, in that order (:func:`appear` each).

    One compiled call for the set-up's residents: a call from Python passes ``res`` by
    value (its arrays unboxed, ~4 µs), which for ~550 rows took ~2 ms a model.
    """
    for r in rows:
        appear(res, r, cnt)


@glue
def draw(g, C):
    """The week's uniforms: three per dwelling (let this week, vital or not, referral)."""
    return g.random((3, C.moves.dwellings))


@kernel
def _waiting(res, app, j):
    """How many persons of household ``j`` wait for a dwelling (alive, elsewhere)."""
    n = 0
    if app.state[j] == 1:
        for m in range(app.size[j]):
            r = app.row[j] + m
            if res.active[r] and res.where[r] == ELSEWHERE:
                n += 1
    return n


@kernel
def _first_waiting(res, app, head, vital, any_category):
    """The first waiting household of category ``vital`` (or of any); -1 if none.

    Households before ``head`` wait no more (see :func:`_advance_queue`).
    """
    for j in range(head, app.state.shape[0]):
        if app.state[j] == 0:
            break
        if _waiting(res, app, j) == 0:
            continue
        if any_category or res.vital[app.row[j]] == vital:
            return j
    return -1


@kernel
def _advance_queue(res, app, cnt):
    """Move the queue's head past households that wait no more; True if anybody waits.

    A household waits no more once housed, or once all its persons died or entered a
    nursing home.
    """
    j = cnt[CNT_QUEUE]
    while j < cnt[CNT_APPLIED] and (app.state[j] == 2 or _waiting(res, app, j) == 0):
        j += 1
    cnt[CNT_QUEUE] = j
    return j < cnt[CNT_APPLIED]


@glue
def week(S, C, u, week_no, vital_share, referral_share):
    """Applications of this week; dwellings empty since an earlier week are let.

    A vacant dwelling is let with weekly probability ``1 / vacancy_weeks`` if a
    household waits: with probability ``referral_share`` to the first less vital one (a
    district-nurse referral, who gets the preferred provider), else to the first vital
    one with probability ``vital_share``, the first less vital one otherwise (the first
    of any category if none of that kind waits). Returns how many persons applied; their
    rows are in ``S.scratch_idx`` and their loneliness noise in ``S.scratch_noise`` (the
    first that many of each).
    """
    c, res, app, idx, noise = C.moves, S.res, S.app, S.scratch_idx, S.scratch_noise
    n_new = 0
    while S.cnt[CNT_APPLIED] < len(app.week) and app.week[S.cnt[CNT_APPLIED]] <= week_no:
        j = S.cnt[CNT_APPLIED]
        S.cnt[CNT_APPLIED] += 1
        app.state[j] = 1
        for m in range(app.size[j]):
            r = app.row[j] + m
            appear(res, r, S.cnt)
            set_where(res, r, ELSEWHERE)
            res.applied_week[r] = week_no
            if app.size[j] == 2:
                res.partner[r] = app.row[j] + 1 - m
            idx[n_new] = r
            noise[n_new] = app.noise[r]
            n_new += 1
    S.ev[EV_APPLICATIONS] += n_new
    if not _advance_queue(res, app, S.cnt):
        return n_new  # nobody waits: no dwelling can be let
    seats = np.empty(2, dtype=np.int64)
    rows = np.empty(2, dtype=np.int64)
    for dw in range(c.dwellings):
        if not (S.occupants[dw] == 0 and S.vacated_week[dw] < week_no and u[0, dw] < c.p_fill):
            continue
        referred = u[2, dw] < referral_share
        want = (not referred) and u[1, dw] < vital_share
        head = S.cnt[CNT_QUEUE]
        j = _first_waiting(res, app, head, want, False)
        if j < 0:
            j = _first_waiting(res, app, head, want, True)
        if j < 0:
            continue  # nobody waits: the dwelling stays empty
        n = 0
        for m in range(app.size[j]):
            r = app.row[j] + m
            if res.active[r] and res.where[r] == ELSEWHERE:
                seats[n] = 2 * dw + n
                rows[n] = r
                n += 1
        app.state[j] = 2
        S.lettings[dw] += 1
        move_in(S, C, seats[:n], rows[:n], referred, nonliteral(True), week_no)
        if not _advance_queue(res, app, S.cnt):
            break
    return n_new
