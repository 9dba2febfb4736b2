"""Ageing, mortality (age-, sex- and vitality-dependent) and moves out of the complex.

Mortality is Gompertz in age, anchored at the death probability at age 80 of people
**living at home** (the CBS life table with the institutionalised taken out:
docs/base_rates.md), times a vitality hazard ratio ``exp(log_hr × (v_ref(age) − v))``.
``v_ref(age)`` is the vitality at which a person has the average at-home hazard of their
age (fitted to the baseline's own vitality by age), so frailty acts *within* age and the
age-specific rates stay those of the life table. A nursing-home resident's hazard is the
same person's at-home hazard at their vitality on admission times ``nh_hazard_ratio``, so
stays depend on age, sex and frailty. Other moves out (to family, other housing) happen
at a constant ``move_out_rate``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from thuisplus.sim.param_base import ASSUMPTION, PROB_YEAR, Group, P
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes._pcg import uniforms
from thuisplus.sim.processes.common import (
    EV_DEATHS,
    EV_DEATHS_OUTSIDE,
    EV_MOVES_OUT,
    IN_NURSING_HOME,
    end_outside,
    leave,
    live_rows,
    nonliteral,
    rows_where,
    yearly_hazard,
    yearly_to_weekly,
)

#: Effect modifiers this process reads (names of thuisplus.sim.interventions.EFFECTS).
READS = ()


if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters


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
    home_mortality_male_80: float = P(
        0.0342, PROB_YEAR, "CBS 70701ned 2019 (men: q80 5.16%, 10-year survival from 80 "
        "37.24%) as the hazard at exact age 80, x the at-home factor 0.70 "
        "(docs/base_rates.md)",
        "Yearly death probability of a man aged 80 living at home (not in a nursing home), "
        "at the average at-home hazard of his age.", ge=0, le=0.5,
    )
    home_mortality_female_80: float = P(
        0.0221, PROB_YEAR, "CBS 70701ned 2019 (women: q80 3.37%, 10-year survival from 80 "
        "49.67%) as the hazard at exact age 80, x the at-home factor 0.70 "
        "(docs/base_rates.md)",
        "Yearly death probability of a woman aged 80 living at home, at the average at-home "
        "hazard of her age.", ge=0, le=0.5,
    )
    home_mortality_age_slope_male: float = P(
        0.106, "log hazard per year of age",
        "CBS 70701ned 2019: Gompertz slope 0.124 through q80 and the 10-year survival from "
        "80 (men), less 0.018 for the institutional share rising with age "
        "(docs/base_rates.md)",
        "A man's hazard at home multiplies by exp(slope) per year of age.", ge=0, le=0.3,
    )
    home_mortality_age_slope_female: float = P(
        0.123, "log hazard per year of age",
        "CBS 70701ned 2019: Gompertz slope 0.141 (women), less 0.018 (docs/base_rates.md)",
        "A woman's hazard at home multiplies by exp(slope) per year of age.", ge=0, le=0.3,
    )
    home_mortality_factor_decline: float = P(
        0.018, "log per year of age",
        "docs/base_rates.md: the at-home factor (1 - d) / (1 - s) falls from ~0.83 at ~72 "
        "to ~0.62 at 85-89 (CBS shares of deaths in and of people living in institutions)",
        "Extra log hazard per year of age past home_mortality_factor_flat_from: the "
        "population's slope less the at-home slope (0.124 - 0.106 for men, 0.141 - 0.123 "
        "for women). Change it with the two slopes above.",
        ge=0, le=0.1,
    )
    home_mortality_factor_flat_from: float = P(
        87.3, "years of age",
        "docs/base_rates.md: the at-home factor is ~0.62 at 85-89 and ~0.63 at 90+ (a "
        "falling factor gave 0.55 at 90+); flat from the model's mean age in 85-89 "
        "(an assumption on where between the bands it levels off)",
        "Age from which the at-home factor stops falling: the hazard at home then rises as "
        "the population's (slope + factor decline). 120: it falls at every age.",
        ge=60, le=120,
    )
    mortality_vitality_log_hr: float = P(
        2.5, "log hazard per unit vitality", ASSUMPTION
        + " (frail residents die 2-3x as often; TILDA frail->death 31% per wave)",
        "Log hazard ratio per unit of vitality below the age's reference vitality.",
        ge=0, le=8,
    )
    mortality_reference_vitality_80: float = P(
        0.466, "vitality (0-1)", "fitted: the baseline's at-home vitality at 80 "
        "(calibration/base_rates.py, docs/base_rates.md)",
        "Vitality at which a person of 80 at home has the life table's at-home hazard.",
        ge=0, le=1,
    )
    mortality_reference_vitality_slope: float = P(
        -0.0156, "vitality per year of age", "fitted with mortality_reference_vitality_80",
        "Change of that reference vitality per year of age (negative: it falls with age).",
        ge=-0.1, le=0.1,
    )
    nh_hazard_ratio: float = P(
        2.5, "hazard ratio", "fitted to Dutch nursing-home stays: about a quarter of VV4-8 "
        "stays longer than 48 months (Zorginstituut, verblijfsduur Wlz 2022; no mean is "
        "published); 2.5 gives 24% (2.6: 23%, 2.7: 22%; eight lifetime runs, with the "
        "at-home factor flat from 87.3); docs/base_rates.md",
        "A nursing-home resident's hazard relative to their own at-home hazard at the same "
        "age, sex and vitality (the vitality at admission).", ge=0.1, le=50,
    )
    vitality_reference: float = P(
        0.5, "vitality (0-1)", ASSUMPTION,
        "Vitality at which the reference rates of falls, hospital admissions and the "
        "frailty effect on loneliness apply.", ge=0, le=1,
    )
    move_out_rate: float = P(
        0.02, PROB_YEAR, ASSUMPTION + " (moves to family or other housing)",
        "Yearly probability of moving out for other reasons than death or nursing home.",
        ge=0, le=0.5,
    )


#: What this process declares: its parameters (``Parameters.demography``), the random
#: stream it draws from (a name of :data:`thuisplus.sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`thuisplus.sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = DemographyParams, "demography", "demography"
RECORDS = ("deaths", "moves_out", "deaths_outside", "deaths_75_84", "deaths_85plus")
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of thuisplus.sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("res.active", "res.age", "res.female", "res.home", "res.person", "res.vitality",
         "res.where")
SCRATCH = ("flags", "scratch_idx")

DIES, MOVES, DIES_OUTSIDE = 1, 2, 3


class Coefficients(NamedTuple):
    """What the compiled week of this process reads (per-year figures made weekly)."""

    hazard_male_80: float      # yearly hazard at home of a man of 80 at reference vitality
    hazard_female_80: float
    age_slope_male: float      # Gompertz slope per year of age
    age_slope_female: float
    factor_decline: float      # added to the slope past flat_from (the population's slope)
    flat_from: float           # age - 80 from which the at-home factor stays flat
    vitality_log_hr: float     # log hazard ratio per unit of vitality below reference
    vref_80: float             # reference vitality at 80
    vref_slope: float          # its change per year of age
    p_move_out: float          # weekly probability of moving out for other reasons
    nh_hazard_ratio: float     # hazard in a nursing home / at home, same person


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    d = p.demography
    return Coefficients(yearly_hazard(d.home_mortality_male_80),
                        yearly_hazard(d.home_mortality_female_80),
                        d.home_mortality_age_slope_male, d.home_mortality_age_slope_female,
                        d.home_mortality_factor_decline,
                        d.home_mortality_factor_flat_from - 80.0,
                        d.mortality_vitality_log_hr, d.mortality_reference_vitality_80,
                        d.mortality_reference_vitality_slope,
                        float(yearly_to_weekly(d.move_out_rate)), d.nh_hazard_ratio)


@kernel
def _age_and_die(rows, active, where, home, person, age, female, vitality, u_death, u_move,
                 out, c):
    """Age every person a week; flag deaths and moves out of the complex.

    ``DIES``: a resident of the complex dies; ``DIES_OUTSIDE``: a person elsewhere or in a
    nursing home dies; ``MOVES``: a resident moves out. Everybody dies by age, sex and
    vitality relative to the reference vitality of their age (past ``flat_from`` the hazard
    rises with age as the population's); in a nursing home (where
    vitality stays at its value on admission) the hazard is ``nh_hazard_ratio`` times
    that. The draws are the person's (``person``).

    Arguments, as the caller (``week``) passes them: ``rows`` = ``live_rows(S)`` (the
    living persons' rows, common.refresh_live); ``active`` = ``res.active``;
    ``where`` = ``res.where``; ``home`` = ``res.home``; ``person`` = ``res.person``; ``age``
    = ``res.age``; ``female`` = ``res.female``; ``vitality`` = ``res.vitality``;
    ``u_death`` = ``u[0]``; ``u_move`` = ``u[1]``; ``out``; ``c``.
    """
    n = 0
    for i in rows:
        out[i] = 0
        if not active[i]:
            continue
        age[i] += 1.0 / 52.0
        s = person[i]
        a = age[i] - 80.0
        if female[i]:
            base, slope = c.hazard_female_80, c.age_slope_female
        else:
            base, slope = c.hazard_male_80, c.age_slope_male
        x = slope * a
        if a > c.flat_from:  # the at-home factor stops falling
            x += c.factor_decline * (a - c.flat_from)
        hz = base * math.exp(x + c.vitality_log_hr
                             * (c.vref_80 + c.vref_slope * a - vitality[i]))
        if where[i] == IN_NURSING_HOME:
            if u_death[s] < -math.expm1(-hz * c.nh_hazard_ratio / 52.0):
                out[i] = DIES_OUTSIDE
                n += 1
            continue
        if u_death[s] < -math.expm1(-hz / 52.0):
            out[i] = DIES if home[i] else DIES_OUTSIDE
            n += 1
        elif home[i] and u_move[s] < c.p_move_out:
            out[i] = MOVES
            n += 1
    return n


@glue
def draw(g, st, C, cols, full):
    """The week's uniforms: deaths and moves out, one each per person.

    Read only in columns ``cols`` (the persons followed; ``full``: all), see ``_pcg``.
    """
    return uniforms(g, st, 2, C.n_persons, cols, full)


@glue
def week(S, C, u, week_no):
    """Age everybody a week; deaths and moves out (uniforms ``u``); remove the leavers."""
    c, res, out, idx = C.demo, S.res, S.flags, S.scratch_idx
    rows = live_rows(S)
    n_leave = _age_and_die(rows, res.active, res.where, res.home, res.person, res.age, res.female,
                           res.vitality, u[0], u[1], out, c)
    if n_leave:
        # the rows of each reason, in order (no allocation: docs/dev/engine.md)
        n_dies = rows_where(out, rows, DIES, idx, 0)
        n_moves = rows_where(out, rows, MOVES, idx, n_dies)
        n_out = rows_where(out, rows, DIES_OUTSIDE, idx, n_dies + n_moves)
        if n_dies:
            leave(S, C, idx[:n_dies], nonliteral(EV_DEATHS), week_no)
        if n_moves:
            leave(S, C, idx[n_dies:n_dies + n_moves], nonliteral(EV_MOVES_OUT), week_no)
        if n_out:
            S.ev[EV_DEATHS_OUTSIDE] += n_out
            end_outside(S, C, idx[n_dies + n_moves:n_dies + n_moves + n_out],
                        nonliteral(False), week_no)
