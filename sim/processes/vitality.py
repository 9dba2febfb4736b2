"""Vitality and frailty: gradual decline, falls and hospital episodes, dementia onset.

Vitality ``v`` runs from 0 (completely frail) to 1 (fully vital). Each week it declines by
a mean that rises exponentially with age and is multiplied by

    1 + loneliness effect × clip((L − 3) / 8, 0, 1)   (L: De Jong Gierveld score)
      + inactivity effect × (1 − activity)            (activity: moving average 0-1)
      + dementia effect × dementia
      + unmet-care effect × share of last week's formal care that was not delivered

and by the interventions' per-resident ``effects.decline``, plus Gaussian noise.
Loneliness therefore acts on health, and through health on care use (Meisters et al.
2021), not as a cost uplift. Falls and hospital admissions are acute events whose rates
rise with frailty; each costs vitality and produces GP, ED, physiotherapy and hospital
use.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from thuisplus.sim.param_base import ASSUMPTION, NO_EVIDENCE, PROB_YEAR, RATE_YEAR, Group, N, P, U
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes._pcg import uniforms
from thuisplus.sim.processes.common import (
    EV_ED,
    EV_FALLS,
    EV_GP_ACUTE,
    EV_HOSPITAL_ADMISSIONS,
    EV_HOSPITAL_DAYS,
    EV_PHYSIO_ACUTE,
    L_ED,
    L_GP,
    L_HOSPITAL,
    L_PHYSIO,
    live_rows,
    yearly_hazard,
)

#: Effect modifiers this process reads (names of thuisplus.sim.interventions.EFFECTS).
READS = ("decline", "fall", "hospital")


if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters


class VitalityParams(Group):
    """Vitality (1 = fully vital, 0 = completely frail), acute events and dementia."""

    initial_beta_a: float = P(
        3.5, "-", ASSUMPTION + " (chosen so ~25% of 75+ are frail, GGD TFI figures)",
        "Shape a of the Beta distribution of vitality at age 78.", gt=0, le=50,
    )
    initial_beta_b: float = P(
        3.0, "-", ASSUMPTION, "Shape b of the Beta distribution of vitality at age 78.",
        gt=0, le=50,
    )
    initial_age_gradient: float = P(
        0.012, "vitality per year of age", ASSUMPTION
        + " (frailty 13% at 65-74, 25% 75+, 45% 85+, GGD)",
        "Vitality lost per year of age above 78 (gained per year below) at the start and "
        "at entry, so frailty, care use and admission rise with age.", ge=0, le=0.1,
    )
    frail_threshold: float = P(
        0.35, "vitality (0-1)", ASSUMPTION + " (maps vitality onto the TFI frail/not frail cut)",
        "Residents below this vitality count as frail.", ge=0, le=1,
    )
    decline_at_80: float = P(
        0.012,
        "vitality per year",
        "fitted to nursing-home admission and household help "
        "by age band (docs/base_rates.md); was 0.018, an assumption (Kojima 2019: 29% "
        "worsen, 14% improve over 3.9 years)",
        "Mean yearly vitality decline at age 80 without loneliness or inactivity effects.",
        ge=0,
        le=0.5,
        group="calibrated",
        evidence="calibrated",
        prior=U(0.008, 0.018),
    )
    decline_age_slope: float = P(
        0.05, "log per year of age", ASSUMPTION, "Decline multiplies by exp(slope) per year.",
        ge=0, le=0.3,
    )
    noise_sd: float = P(
        0.035, "vitality per sqrt(year)", ASSUMPTION
        + " (lets some residents improve, TILDA prefrail->nonfrail 32% per wave)",
        "Random week-to-week variation of vitality.", ge=0, le=0.5,
    )
    loneliness_decline_effect: float = P(
        0.35,
        "relative extra decline",
        "Associations only: loneliness and frailty (Davies 2021, ELSA); in LASA frailty predicts "
        "later loneliness more than the reverse (Mehrabi 2024); costs +40-50% mostly through "
        "poorer health (Meisters 2021) (docs/evidence.md)",
        "Extra relative decline at maximal loneliness (scaled linearly from score 3 to 11).",
        ge=0,
        le=5,
        group="loneliness effects",
        evidence="associations",
        prior=N(0.3, 0.25, 0.0, 1.5),
    )
    inactivity_decline_effect: float = P(
        0.3,
        "relative extra decline",
        NO_EVIDENCE + ": extra decline of the inactive; carries the room programme's effect on "
        "health (docs/evidence.md)",
        "Extra relative decline of a resident who takes part in no activity at all.",
        ge=0,
        le=5,
        group="prevention effects",
        evidence="none",
        prior=U(0.0, 0.6),
    )
    unmet_care_decline_effect: float = P(
        0.5, "relative extra decline", ASSUMPTION + " (care that does not come harms health)",
        "Extra relative decline of a resident whose formal care was entirely unmet last week "
        "(scaled by the unmet share).", ge=0, le=5,
    )
    dementia_decline_effect: float = P(
        0.8, "relative extra decline", ASSUMPTION,
        "Extra relative decline of a resident with dementia.", ge=0, le=5,
    )
    fall_probability: float = P(
        0.30, PROB_YEAR, "VeiligheidNL: ~30% of 65+ fall each year",
        "Yearly probability of at least one fall at reference vitality (turned into a rate).",
        ge=0, le=0.99,
    )
    fall_frailty_log_rr: float = P(
        2.0, "log rate ratio per unit vitality", ASSUMPTION,
        "Falls rise with frailty: log rate ratio per unit vitality below the reference.",
        ge=0, le=8,
    )
    fall_gp_share: float = P(
        0.5, "share of falls", "HvA: 71% of fallers need medical care (share of falls lower)",
        "Share of falls followed by a GP contact.", ge=0, le=1,
    )
    fall_ed_share: float = P(
        0.10, "share of falls", "VeiligheidNL: 119,000 ED visits after a fall, ~10% of falls",
        "Share of falls leading to an emergency-department visit.", ge=0, le=1,
    )
    fall_admission_share: float = P(
        0.35, "share of ED visits", ASSUMPTION + " (hip fractures and other injuries)",
        "Share of fall-related ED visits followed by hospital admission.", ge=0, le=1,
    )
    fall_vitality_loss: float = P(
        0.02, "vitality", ASSUMPTION, "Vitality lost after a fall.", ge=0, le=0.5,
    )
    fall_physio_sessions: float = P(
        6.0, "sessions", ASSUMPTION, "Physiotherapy sessions after an ED-treated fall.",
        ge=0, le=50,
    )
    hospital_rate: float = P(
        0.12, RATE_YEAR, ASSUMPTION + " (non-fall admissions of community-dwelling 75+)",
        "Yearly rate of non-fall hospital admissions at reference vitality.", ge=0, le=3,
    )
    hospital_frailty_log_rr: float = P(
        2.5, "log rate ratio per unit vitality", ASSUMPTION,
        "Admissions rise with frailty: log rate ratio per unit vitality below the reference.",
        ge=0, le=8,
    )
    hospital_days: float = P(
        6.0, "days per admission", ASSUMPTION + " (mean length of stay of older patients)",
        "Hospital days per admission.", ge=0, le=60,
    )
    hospital_ed_share: float = P(
        0.6, "share of admissions", ASSUMPTION,
        "Share of non-fall admissions that enter through the emergency department.",
        ge=0, le=1,
    )
    hospital_vitality_loss: float = P(
        0.06, "vitality", ASSUMPTION + " (hospital-associated disability)",
        "Vitality lost after a hospital admission.", ge=0, le=0.5,
    )
    dementia_incidence_80: float = P(
        0.025, RATE_YEAR, "Ott et al. 1998 (Rotterdam Study): rising steeply with age, "
        "97 per 1,000 person-years in the oldest",
        "Yearly dementia incidence at age 80.", ge=0, le=0.5,
    )
    dementia_age_slope: float = P(
        0.11, "log per year of age", "Ott et al. 1998 (doubling every ~6 years)",
        "Dementia incidence multiplies by exp(slope) per year of age.", ge=0, le=0.3,
    )
    dementia_initial_share: float = P(
        0.06, "share of residents", ASSUMPTION + " (prevalence of dementia among 75-85)",
        "Share of residents with dementia at the start and among newcomers.", ge=0, le=1,
    )


#: What this process declares: its parameters (``Parameters.vitality``), the random
#: stream it draws from (a name of :data:`thuisplus.sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`thuisplus.sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = VitalityParams, "vitality", "vitality"
RECORDS = ("falls", "ed", "hospital_days", "hospital_admissions", "gp_acute", "physio_acute")
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of thuisplus.sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("res.activity", "res.age", "res.community", "res.dementia", "res.loneliness",
         "res.person", "res.post_acute_weeks", "res.unmet_share", "res.vitality")
SCRATCH = ("person_year", "scratch_acc")

# Accumulator slots returned by the kernel.
A_FALLS, A_ED, A_ADMISSIONS, A_FALL_ED = range(4)


@kernel
def _health(rows, active, seat, age, vitality, loneliness, activity, dementia, post_acute, unmet,
            decline_mult, fall_mult, hosp_mult, z, u, acc, pl, c):
    """One week of health for every person outside a nursing home; counts into ``acc``.

    Each person's use (ED visits, hospital days, GP contacts and physiotherapy after a
    fall) goes into their ledger row of ``pl`` too.

    Slots ``A_*``; the draws are the person's (``seat`` = the person's number).

    Arguments, as the caller (``week``) passes them: ``rows`` = ``live_rows(S)``; ``active`` =
    ``res.community``; ``seat`` = ``res.person``; ``age`` = ``res.age``; ``vitality`` =
    ``res.vitality``; ``loneliness`` = ``res.loneliness``; ``activity`` = ``res.activity``;
    ``dementia`` = ``res.dementia``; ``post_acute`` = ``res.post_acute_weeks``; ``unmet`` =
    ``res.unmet_share``; ``decline_mult`` = ``e.decline``; ``fall_mult`` = ``e.fall``;
    ``hosp_mult`` = ``e.hospital``; ``z``; ``u``; ``acc``; ``pl`` = ``S.person_year``; ``c``.
    """
    for i in rows:
        if not active[i]:
            continue
        s = seat[i]
        v = vitality[i]
        gap = c.vitality_reference - v
        lonely = min(max((loneliness[i] - 3.0) / 8.0, 0.0), 1.0)
        mult = (1.0 + c.lonely_effect * lonely + c.inactive_effect * (1.0 - activity[i])
                + (c.dementia_effect if dementia[i] else 0.0) + c.unmet_effect * unmet[i])
        decline = (c.decline_80 * math.exp(c.decline_slope * (age[i] - 80.0)) * mult
                   * decline_mult[i])
        p_fall = -math.expm1(-c.fall_rate * fall_mult[i] * math.exp(c.fall_lrr * gap) / 52.0)
        p_hosp = -math.expm1(-c.hospital_rate * hosp_mult[i] * math.exp(c.hospital_lrr * gap)
                             / 52.0)
        fall = u[0, s] < p_fall
        kind = u[1, s]
        admitted = u[2, s] < p_hosp
        if admitted and u[3, s] < c.hospital_ed:
            acc[A_ED] += 1.0
            pl[i, L_ED] += 1.0
        if fall:
            acc[A_FALLS] += 1.0
            pl[i, L_GP] += c.fall_gp_share
            if kind < c.fall_ed:
                acc[A_ED] += 1.0
                acc[A_FALL_ED] += 1.0
                pl[i, L_ED] += 1.0
                pl[i, L_PHYSIO] += c.fall_physio_sessions
                if kind < c.fall_ed * c.fall_admission:
                    admitted = True
        v += -decline / 52.0 + c.noise_week * z[s]
        if fall:
            v -= c.fall_loss
        if admitted:
            v -= c.hospital_loss
            acc[A_ADMISSIONS] += 1.0
            pl[i, L_HOSPITAL] += c.hospital_days
            post_acute[i] = c.post_discharge_weeks
        vitality[i] = min(max(v, 0.0), 1.0)
        if not dementia[i]:
            p_dem = -math.expm1(-c.dementia_80 * math.exp(c.dementia_slope * (age[i] - 80.0))
                                / 52.0)
            if u[4, s] < p_dem:
                dementia[i] = True


class Coefficients(NamedTuple):
    """What the compiled week of this process reads."""

    decline_80: float          # yearly vitality decline at 80
    decline_slope: float       # per year of age (exponential)
    lonely_effect: float       # extra decline when severely lonely (DJG 11)
    inactive_effect: float     # extra decline when never active
    dementia_effect: float
    unmet_effect: float        # extra decline when no formal care was delivered
    noise_week: float          # sd of the weekly vitality noise
    vitality_reference: float
    fall_rate: float           # yearly fall rate at reference vitality
    fall_lrr: float            # log rate ratio of falls per unit of vitality below reference
    fall_ed: float             # share of falls that reach the ED
    fall_admission: float      # share of ED falls admitted
    fall_loss: float           # vitality lost by a fall
    hospital_rate: float       # yearly admission rate at reference vitality
    hospital_lrr: float
    hospital_ed: float         # share of admissions through the ED
    hospital_loss: float
    dementia_80: float         # yearly dementia incidence at 80
    dementia_slope: float
    post_discharge_weeks: float
    hospital_days: float       # days per admission
    fall_gp_share: float       # GP contacts per fall
    fall_physio_sessions: float  # physiotherapy sessions per ED fall


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    v = p.vitality
    return Coefficients(
        v.decline_at_80, v.decline_age_slope, v.loneliness_decline_effect,
        v.inactivity_decline_effect, v.dementia_decline_effect, v.unmet_care_decline_effect,
        v.noise_sd * math.sqrt(1.0 / 52.0), p.demography.vitality_reference,
        yearly_hazard(v.fall_probability), v.fall_frailty_log_rr, v.fall_ed_share,
        v.fall_admission_share, v.fall_vitality_loss, v.hospital_rate,
        v.hospital_frailty_log_rr, v.hospital_ed_share, v.hospital_vitality_loss,
        v.dementia_incidence_80, v.dementia_age_slope, p.care.post_discharge_dn_weeks,
        v.hospital_days, v.fall_gp_share, v.fall_physio_sessions)


@glue
def draw(g, st, C, cols, full):
    """The week's draws: vitality noise, and five uniforms per person.

    The uniforms are read only in columns ``cols`` (``full``: all), see ``_pcg``.
    """
    z = g.standard_normal(C.n_persons)
    u = uniforms(g, st, 5, C.n_persons, cols, full)
    return z, u


@glue
def week(S, C, z, u):
    """Update vitality of all residents; falls, admissions and dementia onsets."""
    c, e, res, acc = C.vit, S.eff, S.res, S.scratch_acc
    for k in range(4):
        acc[k] = 0.0
    _health(live_rows(S), res.community, res.person, res.age, res.vitality, res.loneliness,
            res.activity, res.dementia, res.post_acute_weeks, res.unmet_share, e.decline, e.fall,
            e.hospital, z, u, acc, S.person_year, c)
    ev = S.ev
    ev[EV_FALLS] += acc[A_FALLS]
    ev[EV_ED] += acc[A_ED]
    ev[EV_HOSPITAL_ADMISSIONS] += acc[A_ADMISSIONS]
    ev[EV_HOSPITAL_DAYS] += acc[A_ADMISSIONS] * c.hospital_days
    ev[EV_GP_ACUTE] += c.fall_gp_share * acc[A_FALLS]
    ev[EV_PHYSIO_ACUTE] += c.fall_physio_sessions * acc[A_FALL_ED]
