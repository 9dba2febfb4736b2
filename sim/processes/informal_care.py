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

from typing import TYPE_CHECKING, NamedTuple

from thuisplus.sim.param_base import ASSUMPTION, PROB_YEAR, RATE_YEAR, Group, P
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes._pcg import uniforms
from thuisplus.sim.processes.common import (
    CNT_STATUS,
    EF_BREAKDOWN,
    EF_BURDEN,
    EF_NEW_CARER,
    EV_CARER_BREAKDOWNS,
    EV_CARER_SICK_LEAVE_HOURS,
    EV_CARERS_ACTIVE,
    EV_CARERS_OVERBURDENED,
    EV_INFORMAL_CARE_HOURS,
    EV_RESIDENTS_WITH_CARER,
    L_CARER_OVERBURDENED_WEEKS,
    L_CARER_SICK_LEAVE_HOURS,
    L_INFORMAL_CARE_HOURS,
    ST_CARERS_FULL,
    add_rows,
    inverse_normal,
    live_rows,
    rate_to_weekly,
    yearly_to_weekly,
)

#: Effect modifiers this process reads (names of thuisplus.sim.interventions.EFFECTS).
READS = ("burden_mult", "breakdown_mult", "new_carer_mult")


if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters


class InformalCareParams(Group):
    """Informal carers: who has one, hours, burden, sick leave and breakdown."""

    has_carer_prob: float = P(
        0.75, "probability", "CBS 2019: 23.7% of 75+ receive informal care; "
        "SCP/PBL: 5 potential carers per 75+ (share is an assumption)",
        "Probability that a resident has someone who can become their carer (a lifelong "
        "trait); the carer steps in at new_carer_rate once the resident needs help.",
        ge=0, le=1,
    )
    need_threshold: float = P(
        0.5, "vitality (0-1)", ASSUMPTION,
        "Vitality below which a resident needs informal help.", ge=0, le=1,
    )
    hours_base: float = P(
        4.0, "hours per week", ASSUMPTION, "Informal hours asked by a resident just in need.",
        ge=0, le=80,
    )
    hours_slope: float = P(
        20.0, "hours per week per unit need", "CBS 2019: 75+ receive ~18 h/week; CBS 2024 "
        "carers give 12 h/week on average",
        "Extra informal hours asked per unit of need.", ge=0, le=80,
    )
    capacity_mean: float = P(
        14.0, "hours per week", "CBS 2024: carers give 12 h/week on average; 36% give >= 8 h",
        "Mean hours a carer can give without strain.", gt=0, le=80,
    )
    capacity_sd: float = P(
        5.0, "hours per week", ASSUMPTION, "Spread of carer capacity.", ge=0, le=40,
    )
    burden_rate: float = P(
        0.03, "burden per week at full load", ASSUMPTION,
        "Burden growth per week when hours equal capacity.", ge=0, le=1,
    )
    recovery_rate: float = P(
        0.03, "per week", ASSUMPTION, "Share of burden that recovers each week.", ge=0, le=1,
    )
    overburden_threshold: float = P(
        1.0, "burden", ASSUMPTION + " (set so ~19% of carers are heavily burdened, CBS 2024)",
        "Burden above which a carer counts as overburdened.", gt=0, le=10,
    )
    employed_share: float = P(
        0.55, "share of carers", ASSUMPTION + " (children of 80+ are mostly 50-65)",
        "Share of carers with a paid job.", ge=0, le=1,
    )
    work_hours: float = P(
        32.0, "hours per week", ASSUMPTION, "Contract hours of an employed carer.", ge=0, le=60,
    )
    sick_leave_prob_normal: float = P(
        0.10, PROB_YEAR, "SCP: 10% of non-carers sick >= 2 weeks a year",
        "Yearly probability of a sick-leave episode of a carer who is not overburdened.",
        ge=0, le=0.99,
    )
    sick_leave_prob_overburdened: float = P(
        0.25, PROB_YEAR, "SCP: 25% of long-term carers sick >= 2 weeks a year",
        "Yearly probability of a sick-leave episode of an overburdened carer.", ge=0, le=0.99,
    )
    sick_leave_weeks: float = P(
        2.0, "weeks", "SCP: episodes of at least 2 weeks", "Length of a sick-leave episode.",
        ge=0, le=52,
    )
    breakdown_rate: float = P(
        0.3, RATE_YEAR, ASSUMPTION, "Yearly rate at which an overburdened carer stops caring.",
        ge=0, le=10,
    )
    new_carer_rate: float = P(
        0.5, RATE_YEAR, ASSUMPTION,
        "Yearly rate at which a resident in need without a carer finds one.", ge=0, le=52,
    )
    formal_substitution: float = P(
        0.15, "formal hours per informal hour", ASSUMPTION,
        "Extra household-help hours for each informal hour asked but not given (only for "
        "residents receiving household help that week).",
        ge=0, le=2,
    )


#: What this process declares: its parameters (``Parameters.informal_care``), the random
#: stream it draws from (a name of :data:`thuisplus.sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`thuisplus.sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = InformalCareParams, "informal_care", "informal_care"
RECORDS = ("informal_care_hours", "carers_active", "carers_overburdened",
           "residents_with_carer", "carer_sick_leave_hours", "carer_breakdowns")
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of thuisplus.sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("car.active", "car.burden", "car.capacity", "car.employed", "car.hours", "car.resident",
         "car.sick_weeks_left", "res.carer", "res.community", "res.home", "res.person",
         "res.potential_carer", "res.vitality")
SCRATCH = ("carer_flags", "demand_hh", "flags", "person_year", "scratch_acc", "scratch_got",
           "scratch_need")

A_HOURS, A_CARERS, A_OVER, A_WITH, A_SICK_HOURS, A_BREAKS = range(6)


@kernel
def _need(rows, active, seat, home, vitality, potential, carer, need, found, u_found,
          threshold, base, slope, p_new, p_new_base):
    """Informal hours each person asks; flag persons who find a carer this week.

    ``p_new`` applies in the complex (with the Thuisplusflat's support), ``p_new_base``
    elsewhere. The draws are the person's (``seat`` = the person's number).

    Arguments, as the caller (``week``) passes them: ``rows``; ``active`` = ``res.community``;
    ``seat`` = ``res.person``; ``home`` = ``res.home``; ``vitality`` = ``res.vitality``;
    ``potential`` = ``res.potential_carer``; ``carer`` = ``res.carer``; ``need``; ``found``;
    ``u_found`` = ``u[0]``; ``threshold`` = ``c.need_threshold``; ``base`` =
    ``c.hours_base``; ``slope`` = ``c.hours_slope``; ``p_new``; ``p_new_base``.
    """
    n = 0
    for i in rows:
        need[i] = 0.0
        found[i] = 0
        if not active[i]:
            continue
        v = vitality[i]
        if v < threshold:
            need[i] = base + slope * (threshold - v) / max(threshold, 1e-9)
            if potential[i] and carer[i] < 0 and u_found[seat[i]] < (p_new if home[i]
                                                                     else p_new_base):
                found[i] = 1
                n += 1
    return n


@kernel
def _care(ch, c_active, resident, capacity, hours, burden, employed, sick_weeks,
          breaks, seat, home, need, got, u_sick, u_break, acc, pl,
          burden_rate, recovery, threshold, p_sick_normal, p_sick_over, sick_length,
          work_hours, p_break, burden_base, p_break_base):
    """Care given, burden, sick leave and breakdown of every carer.

    The Thuisplusflat's support (``burden_rate``, ``p_break``) reaches the carers of
    residents of the complex; the others have ``burden_base`` and ``p_break_base``. The
    hours each person received, and their carer's overburdened weeks and sick-leave
    hours, go into the person's ledger row of ``pl``.

    Arguments, as the caller (``week``) passes them: ``ch`` = ``car.meta[0]``; ``c_active``
    = ``car.active``; ``resident`` = ``car.resident``; ``capacity`` = ``car.capacity``;
    ``hours`` = ``car.hours``; ``burden`` = ``car.burden``; ``employed`` = ``car.employed``;
    ``sick_weeks`` = ``car.sick_weeks_left``; ``breaks``; ``seat`` = ``res.person``; ``home``
    = ``res.home``; ``need``;
    ``got`` = ``S.scratch_got``; ``u_sick`` = ``u[3]``; ``u_break`` = ``u[4]``; ``acc``;
    ``pl`` = ``S.person_year``;
    ``burden_rate`` = ``c.burden_rate * e.scalar[EF_BURDEN]``; ``recovery`` =
    ``c.recovery_rate``; ``threshold`` = ``c.overburden_threshold``; ``p_sick_normal`` =
    ``c.p_sick_normal``; ``p_sick_over`` = ``c.p_sick_overburdened``; ``sick_length`` =
    ``c.sick_leave_weeks``; ``work_hours`` = ``c.work_hours``; ``p_break`` =
    ``rate_to_weekly(c.breakdown_rate * e.scalar[EF_BREAKDOWN])``; ``burden_base`` =
    ``c.burden_rate``; ``p_break_base`` = ``rate_to_weekly(c.breakdown_rate)``.
    """
    for c in range(ch):
        breaks[c] = 0
        if not c_active[c]:
            continue
        r = resident[c]
        s = seat[r]
        given = min(need[r], 1.5 * capacity[c])
        hours[c] = given
        got[r] += given
        rate = burden_rate if home[r] else burden_base
        burden[c] += rate * given / max(capacity[c], 1e-9) - recovery * burden[c]
        over = burden[c] > threshold
        acc[A_HOURS] += given
        acc[A_CARERS] += 1.0
        pl[r, L_INFORMAL_CARE_HOURS] += given
        if given > 0.0 and home[r]:  # the complex's residents (calibration reads it)
            acc[A_WITH] += 1.0
        if over:
            acc[A_OVER] += 1.0
            pl[r, L_CARER_OVERBURDENED_WEEKS] += 1.0
        if employed[c]:
            if sick_weeks[c] <= 0.0:
                if u_sick[s] < (p_sick_over if over else p_sick_normal):
                    sick_weeks[c] = sick_length
            if sick_weeks[c] > 0.0:
                acc[A_SICK_HOURS] += min(sick_weeks[c], 1.0) * work_hours
                pl[r, L_CARER_SICK_LEAVE_HOURS] += min(sick_weeks[c], 1.0) * work_hours
                sick_weeks[c] = max(sick_weeks[c] - 1.0, 0.0)
        if over and u_break[s] < (p_break if home[r] else p_break_base):
            breaks[c] = 1
            acc[A_BREAKS] += 1.0


@kernel
def _substitute(rows, active, need, got, demand_hh, share):
    """Informal hours missing raise the formal household-help hours of indicated clients."""
    for i in rows:
        if active[i] and demand_hh[i] > 0.0:
            demand_hh[i] += share * max(need[i] - got[i], 0.0)
        got[i] = 0.0


class Coefficients(NamedTuple):
    """What the compiled week of this process reads."""

    need_threshold: float
    hours_base: float
    hours_slope: float
    new_carer_rate: float        # yearly rate at which a resident in need finds a carer
    capacity_mean: float
    capacity_sd: float
    employed_share: float
    burden_rate: float
    recovery_rate: float
    overburden_threshold: float
    p_sick_normal: float         # weekly probability of sick leave, not overburdened
    p_sick_overburdened: float
    sick_leave_weeks: float
    work_hours: float
    breakdown_rate: float        # yearly rate of breaking down when overburdened
    formal_substitution: float   # formal Wmo hours per informal hour missing


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    ip = p.informal_care
    return Coefficients(
        ip.need_threshold, ip.hours_base, ip.hours_slope, ip.new_carer_rate, ip.capacity_mean,
        ip.capacity_sd, ip.employed_share, ip.burden_rate, ip.recovery_rate,
        ip.overburden_threshold, float(yearly_to_weekly(ip.sick_leave_prob_normal)),
        float(yearly_to_weekly(ip.sick_leave_prob_overburdened)), ip.sick_leave_weeks,
        ip.work_hours, ip.breakdown_rate, ip.formal_substitution)


@glue
def draw(g, st, C, cols, full):
    """The week's uniforms: five per person (carer found, capacity, job, sick, breakdown).

    Read only in columns ``cols`` (the persons followed; ``full``: all), see ``_pcg``.
    """
    return uniforms(g, st, 5, C.n_persons, cols, full)


@kernel
def _match(rows, found, seat, carer, car, cnt, u, capacity_mean, capacity_sd, employed_share):
    """Carers for the persons of ``rows`` ``found`` this week; False if carer rows ran out.

    Arguments, as the caller (``week``) passes them: ``rows``; ``found``; ``seat`` =
    ``res.person``; ``carer`` = ``res.carer``; ``car``; ``cnt`` = ``S.cnt``; ``u``;
    ``capacity_mean`` = ``c.capacity_mean``; ``capacity_sd`` = ``c.capacity_sd``;
    ``employed_share`` = ``c.employed_share``.
    """
    n = 0
    for r in rows:
        if found[r]:
            n += 1
    crow = add_rows(car, n, False, cnt)
    if len(crow) < n:
        return False
    k = -1
    for r in rows:
        if not found[r]:
            continue
        k += 1
        s = seat[r]
        car.resident[crow[k]] = r
        z = inverse_normal(u[1, s])
        car.capacity[crow[k]] = max(capacity_mean + capacity_sd * z, 2.0)
        car.employed[crow[k]] = u[2, s] < employed_share
        carer[r] = crow[k]
    return True


@kernel
def _break_down(ch, breaks, resident, c_active, carer):
    """Carers who broke down stop: their residents have no carer any more."""
    for cr in range(ch):
        if breaks[cr]:
            carer[resident[cr]] = -1
            c_active[cr] = False


@glue
def week(S, C, u, instant):
    """Match carers to residents in need, give care, update burden, sick leave, breakdowns.

    ``instant=True`` (at set-up) gives every resident in need with a potential carer one.
    Allocates nothing itself (reference counts of the state, docs/dev/engine.md).
    """
    c, res, car, e = C.ic, S.res, S.car, S.eff
    need, found, breaks, acc = S.scratch_need, S.flags, S.carer_flags, S.scratch_acc
    rows = live_rows(S)  # the living persons' rows (common.refresh_live)
    p_new = 1.0 if instant else rate_to_weekly(c.new_carer_rate * e.scalar[EF_NEW_CARER])
    p_new_base = 1.0 if instant else rate_to_weekly(c.new_carer_rate)
    n_found = _need(rows, res.community, res.person, res.home, res.vitality, res.potential_carer,
                    res.carer, need, found, u[0], c.need_threshold, c.hours_base,
                    c.hours_slope, p_new, p_new_base)
    if n_found:
        if not _match(rows, found, res.person, res.carer, car, S.cnt, u, c.capacity_mean,
                      c.capacity_sd, c.employed_share):
            S.cnt[CNT_STATUS] = ST_CARERS_FULL
            return
    for k in range(6):
        acc[k] = 0.0
    _care(car.meta[0], car.active, car.resident, car.capacity, car.hours, car.burden,
          car.employed, car.sick_weeks_left, breaks, res.person, res.home, need, S.scratch_got,
          u[3], u[4], acc, S.person_year, c.burden_rate * e.scalar[EF_BURDEN], c.recovery_rate,
          c.overburden_threshold, c.p_sick_normal, c.p_sick_overburdened, c.sick_leave_weeks,
          c.work_hours, rate_to_weekly(c.breakdown_rate * e.scalar[EF_BREAKDOWN]),
          c.burden_rate, rate_to_weekly(c.breakdown_rate))
    _substitute(rows, res.community, need, S.scratch_got, S.demand_hh, c.formal_substitution)
    if acc[A_BREAKS]:
        _break_down(car.meta[0], breaks, car.resident, car.active, res.carer)
    ev = S.ev
    ev[EV_INFORMAL_CARE_HOURS] += acc[A_HOURS]
    ev[EV_CARERS_ACTIVE] += acc[A_CARERS]
    ev[EV_CARERS_OVERBURDENED] += acc[A_OVER]
    ev[EV_RESIDENTS_WITH_CARER] += acc[A_WITH]
    ev[EV_CARER_SICK_LEAVE_HOURS] += acc[A_SICK_HOURS]
    ev[EV_CARER_BREAKDOWNS] += acc[A_BREAKS]
