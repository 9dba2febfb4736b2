"""Ageing, mortality (age-, sex- and vitality-dependent) and moves out of the complex.

Mortality is Gompertz in age, anchored at the CBS life-table probability at age 80 for
each sex, times a vitality hazard ratio ``exp(log_hr × (v_ref − v))``: the life table
describes a resident of reference vitality; frailer residents die sooner. Other moves
out (to family, other housing) happen at a constant ``move_out_rate``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from sim.param_base import ASSUMPTION, PROB_YEAR, Group, P
from sim.processes._jit import glue, kernel
from sim.processes.common import (
    EV_DEATHS,
    EV_DEATHS_OUTSIDE,
    EV_MOVES_OUT,
    IN_NURSING_HOME,
    end_outside,
    leave,
    nonliteral,
    rows_where,
    yearly_hazard,
    yearly_to_weekly,
)

#: Effect modifiers this process reads (names of sim.interventions.EFFECTS).
READS = ()


if TYPE_CHECKING:
    from sim.params import Parameters


class DemographyParams(Group):
    """Age, sex, mortality and moves out of the complex."""

    initial_age_mean: float = P(
        78.0, "years", ASSUMPTION + " (senior complexes house mostly 70-85 year olds)",
        "Mean age of residents at the start.", ge=55, le=100,
    )
    initial_age_sd: float = P(
        7.0, "years", ASSUMPTION, "Standard deviation of age at the start.", ge=0, le=20,
    )
    min_age: float = P(
        55.0, "years", ASSUMPTION + " (usual entry age of senior housing)",
        "Youngest possible resident; age draws are truncated here.", ge=40, le=80,
    )
    max_age: float = P(
        104.0, "years", ASSUMPTION, "Oldest age drawn at the start or at entry.", ge=80, le=115,
    )
    female_share: float = P(
        0.65, "share", ASSUMPTION + " (women outlive men; CBS population 75+ about 60% women)",
        "Share of women among single residents.", ge=0, le=1,
    )
    mortality_male_80: float = P(
        0.05, PROB_YEAR, "CBS life tables (approximate), parameters.md: age 80, men 0.05",
        "Yearly death probability of a man aged 80 at reference vitality.", ge=0, le=0.5,
    )
    mortality_female_80: float = P(
        0.035, PROB_YEAR, "CBS life tables (approximate), parameters.md: age 80, women 0.035",
        "Yearly death probability of a woman aged 80 at reference vitality.", ge=0, le=0.5,
    )
    mortality_age_slope: float = P(
        0.14, "log hazard per year of age",
        "derived from CBS life tables in parameters.md (men 0.05 at 80 to 0.19 at 90)",
        "Gompertz slope: hazard multiplies by exp(slope) per year of age.", ge=0, le=0.3,
    )
    mortality_vitality_log_hr: float = P(
        2.5, "log hazard per unit vitality", ASSUMPTION
        + " (frail residents die 2-3x as often; TILDA frail->death 31% per wave)",
        "Log hazard ratio per unit of vitality below the reference.", ge=0, le=8,
    )
    vitality_reference: float = P(
        0.5, "vitality (0-1)", ASSUMPTION,
        "Vitality at which the age-specific life-table rates apply.", ge=0, le=1,
    )
    move_out_rate: float = P(
        0.02, PROB_YEAR, ASSUMPTION + " (moves to family or other housing)",
        "Yearly probability of moving out for other reasons than death or nursing home.",
        ge=0, le=0.5,
    )


#: What this process declares: its parameters (``Parameters.demography``), the random
#: stream it draws from (a name of :data:`sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = DemographyParams, "demography", "demography"
RECORDS = ("deaths", "moves_out", "deaths_outside")
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("res.active", "res.age", "res.female", "res.home", "res.person", "res.vitality",
         "res.where")
SCRATCH = ("flags", "scratch_idx")

DIES, MOVES, DIES_OUTSIDE = 1, 2, 3


class Coefficients(NamedTuple):
    """What the compiled week of this process reads (per-year figures made weekly)."""

    hazard_male_80: float      # yearly hazard of a man of 80 at reference vitality
    hazard_female_80: float
    age_slope: float           # Gompertz slope per year of age
    vitality_log_hr: float     # log hazard ratio per unit of vitality below reference
    vitality_reference: float
    p_move_out: float          # weekly probability of moving out for other reasons
    p_nh_death: float          # weekly probability that a nursing-home resident dies


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    d = p.demography
    return Coefficients(yearly_hazard(d.mortality_male_80), yearly_hazard(d.mortality_female_80),
                        d.mortality_age_slope, d.mortality_vitality_log_hr,
                        d.vitality_reference, float(yearly_to_weekly(d.move_out_rate)),
                        float(yearly_to_weekly(p.care.nh_mortality)))


@kernel
def _age_and_die(h, active, where, home, person, age, female, vitality, u_death, u_move,
                 out, c):
    """Age every person a week; flag deaths and moves out of the complex.

    ``DIES``: a resident of the complex dies; ``DIES_OUTSIDE``: a person elsewhere or in a
    nursing home dies; ``MOVES``: a resident moves out. Nursing-home residents die at the
    nursing home's rate (``p_nh_death``), everybody else by age, sex and vitality. The
    draws are the person's (``person``).

    Arguments, as the caller (``week``) passes them: ``h``; ``active`` = ``res.active``;
    ``where`` = ``res.where``; ``home`` = ``res.home``; ``person`` = ``res.person``; ``age``
    = ``res.age``; ``female`` = ``res.female``; ``vitality`` = ``res.vitality``;
    ``u_death`` = ``u[0]``; ``u_move`` = ``u[1]``; ``out``; ``c``.
    """
    n = 0
    for i in range(h):
        out[i] = 0
        if not active[i]:
            continue
        age[i] += 1.0 / 52.0
        s = person[i]
        if where[i] == IN_NURSING_HOME:
            if u_death[s] < c.p_nh_death:
                out[i] = DIES_OUTSIDE
                n += 1
            continue
        base = c.hazard_female_80 if female[i] else c.hazard_male_80
        hz = base * math.exp(c.age_slope * (age[i] - 80.0)
                             + c.vitality_log_hr * (c.vitality_reference - vitality[i]))
        if u_death[s] < -math.expm1(-hz / 52.0):
            out[i] = DIES if home[i] else DIES_OUTSIDE
            n += 1
        elif home[i] and u_move[s] < c.p_move_out:
            out[i] = MOVES
            n += 1
    return n


@glue
def draw(g, C):
    """The week's uniforms: deaths and moves out, one each per person."""
    return g.random((2, C.n_persons))


@kernel
def week(S, C, u, week_no):
    """Age everybody a week; deaths and moves out (uniforms ``u``); remove the leavers."""
    c, res, out, idx = C.demo, S.res, S.flags, S.scratch_idx
    h = res.meta[0]
    n_leave = _age_and_die(h, res.active, res.where, res.home, res.person, res.age, res.female,
                           res.vitality, u[0], u[1], out, c)
    if n_leave:
        # the rows of each reason, in order (no allocation: docs/dev/engine.md)
        n_dies = rows_where(out, h, DIES, idx, 0)
        n_moves = rows_where(out, h, MOVES, idx, n_dies)
        n_out = rows_where(out, h, DIES_OUTSIDE, idx, n_dies + n_moves)
        if n_dies:
            leave(S, C, idx[:n_dies], nonliteral(EV_DEATHS), week_no)
        if n_moves:
            leave(S, C, idx[n_dies:n_dies + n_moves], nonliteral(EV_MOVES_OUT), week_no)
        if n_out:
            S.ev[EV_DEATHS_OUTSIDE] += n_out
            end_outside(S, C, idx[n_dies + n_moves:n_dies + n_moves + n_out],
                        nonliteral(False), week_no)
