"""Care needs and indications per law, and the Wlz route to the nursing home.

- **Wmo household help**: indicated once vitality falls below a personal threshold
  (mean ``hh_threshold_mean``); hours grow with the need below the threshold.
  **Begeleiding**: residents with dementia, by a personal uptake trait (with or without
  household help).
- **Zvw district nursing** below ``dn_threshold`` and for some weeks after a hospital
  discharge; **GP** and **physiotherapy** at rates rising with frailty (loneliness adds
  only its small direct GP effect; the rest runs through vitality).
- **Wlz**: below ``wlz_threshold`` (or ``wlz_dementia_threshold`` with dementia) a
  resident is assessed; the indication comes at ``wlz_indication_rate``. A share takes it
  at home (replacing Wmo and district nursing); the others are admitted to a nursing home
  and leave. At home, a person takes the full package (vpt) or modules (mpt) by a trait
  of their own (``wlz_vpt_share``), the same in both arms. Wlz clients at home are
  admitted later at ``wlz_home_admission_rate``.

The hours computed here are *demand*; the staffing process delivers them.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, NamedTuple

from thuisplus.sim.param_base import ASSUMPTION, RATE_YEAR, Group, N, P, U
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes._pcg import uniforms
from thuisplus.sim.processes.common import (
    EF_WLZ_HOME,
    EV_ADMISSIONS,
    EV_ADMISSIONS_OUTSIDE,
    EV_GP,
    EV_GP_ACUTE,
    EV_MPT_WEEKS,
    EV_PHYSIO,
    EV_PHYSIO_ACUTE,
    EV_VPT_WEEKS,
    L_GP,
    L_MPT,
    L_PHYSIO,
    L_VPT,
    WLZ_ASSESSING,
    WLZ_MPT,
    WLZ_NONE,
    WLZ_VPT,
    end_outside,
    keyed_uniform3,
    leave,
    live_rows,
    nonliteral,
    rate_to_weekly,
    rows_where,
)

#: Effect modifiers this process reads (names of thuisplus.sim.interventions.EFFECTS).
READS = ("wlz_home_mult",)


if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters


class CareParams(Group):
    """Care needs, indications and use per law and care type."""

    hh_threshold_mean: float = P(
        0.42,
        "vitality (0-1)",
        ASSUMPTION + " (set so ~35% of residents hold a Wmo "
        "indication: EVAL §3, not every complex had 100 clients)",
        "Mean vitality below which household help (Wmo) is indicated.",
        ge=0,
        le=1,
        group="calibrated",
        evidence="calibrated",
        prior=U(0.3, 0.55),
    )
    hh_threshold_sd: float = P(
        0.08, "vitality (0-1)", ASSUMPTION, "Spread of the household-help threshold.",
        ge=0, le=0.5,
    )
    hh_hours_base: float = P(
        1.8, "hours per week", "EVAL §2: €85 per client per week ≈ 2.6 h household help on "
        "average (parameters.md, derived); the base is set so the client mean comes near",
        "Household-help hours of a client just below the threshold.", ge=0, le=40,
    )
    hh_hours_slope: float = P(
        2.0, "hours per week per unit need", ASSUMPTION,
        "Extra household-help hours per unit of need below the threshold.", ge=0, le=40,
    )
    begeleiding_dementia_prob: float = P(
        0.4, "share", ASSUMPTION + " (EVAL §3: begeleiding is a small share of clients)",
        "Share of clients with dementia who get begeleiding (guidance).", ge=0, le=1,
    )
    begeleiding_hours: float = P(
        1.5, "hours per week", ASSUMPTION, "Begeleiding hours per client.", ge=0, le=40,
    )
    dn_threshold: float = P(
        0.30, "vitality (0-1)", ASSUMPTION,
        "Vitality below which district nursing (Zvw) is needed.", ge=0, le=1,
    )
    dn_hours_base: float = P(
        1.0, "hours per week", "Vektis: ≈ €6,000 per district-nursing client per year "
        "(≈ 1.7 h/week at €66/h on average; the base is for a client just in need)",
        "District-nursing hours of a client just below the threshold.", ge=0, le=40,
    )
    dn_hours_slope: float = P(
        6.0, "hours per week per unit need", ASSUMPTION,
        "Extra district-nursing hours per unit of need below the threshold.", ge=0, le=40,
    )
    post_discharge_dn_weeks: float = P(
        4.0, "weeks", ASSUMPTION + " (transitional care after a hospital stay)",
        "Weeks of district nursing after a hospital discharge.", ge=0, le=52,
    )
    post_discharge_dn_hours: float = P(
        3.0, "hours per week", ASSUMPTION, "District-nursing hours a week after discharge.",
        ge=0, le=40,
    )
    gp_contacts_base: float = P(
        5.0, "contacts per year", ASSUMPTION + " (NIVEL: 75+ see the GP ~5-7 times a year)",
        "GP contacts of a vital resident.", ge=0, le=60,
    )
    gp_contacts_frailty: float = P(
        8.0, "contacts per year per unit vitality", ASSUMPTION,
        "Extra GP contacts per unit of vitality below 1.", ge=0, le=60,
    )
    gp_loneliness_effect: float = P(
        0.005,
        "relative",
        "Meisters et al. 2021: direct effect of loneliness on GP use +0.5%",
        "Direct relative extra GP use of the severely lonely.",
        ge=-0.01,
        le=1,
        group="loneliness effects",
        evidence="association",
        prior=N(0.005, 0.005, -0.01, 0.05),
    )
    physio_sessions_frailty: float = P(
        6.0, "sessions per year per unit vitality", ASSUMPTION,
        "Physiotherapy sessions per year per unit vitality below 1 (besides falls).",
        ge=0, le=100,
    )
    wlz_threshold: float = P(
        0.10, "vitality (0-1)", ASSUMPTION + " (Wlz indication when 24-hour care is needed)",
        "Vitality below which a Wlz indication is granted.", ge=0, le=1,
    )
    wlz_dementia_threshold: float = P(
        0.22, "vitality (0-1)", ASSUMPTION,
        "Vitality below which a resident with dementia gets a Wlz indication.", ge=0, le=1,
    )
    wlz_indication_rate: float = P(
        4.0, RATE_YEAR, ASSUMPTION + " (assessment takes ~3 months)",
        "Yearly rate at which an eligible resident receives the Wlz indication.", ge=0, le=52,
    )
    wlz_home_share: float = P(
        0.55, "share of indications", "fitted so that ~48% of the baseline's Wlz client-weeks "
        "are at home: the share of VV4+ clients at home rose from 25% (2015) to 54% (2023), "
        "CBS/Zorginstituut (docs/base_rates.md)",
        "Share of new Wlz indications taken as care at home (vpt/mpt) instead of admission.",
        ge=0, le=1,
    )
    wlz_vpt_share: float = P(
        0.35,
        "share of persons",
        ASSUMPTION + " (docs/base_rates.md, Wlz at home): of adults "
        "with Wlz care at home in all sectors, 19% had vpt, 44% mpt and 37% a personal budget "
        "only (Monitor Langdurige Zorg, Nov 2020); elderly care has fewer personal budgets "
        "(23% of Wlz pgb spending, VWS 2022), so its vpt share is put higher; plausible "
        "0.2-0.5; no VV-only split found",
        "Share of persons who, with Wlz care at home, take the full package (vpt); the others "
        "take modules (mpt) or a personal budget, priced as mpt.",
        ge=0,
        le=1,
        group="Wlz at home",
        evidence="all-sector counts",
        prior=U(0.2, 0.5),
    )
    wlz_home_admission_rate: float = P(
        0.15, RATE_YEAR, ASSUMPTION + ", fitted with wlz_home_share to the at-home share of "
        "Wlz clients and admission by age (docs/base_rates.md)",
        "Yearly rate at which a Wlz client at home is admitted to a nursing home.",
        ge=0, le=52,
    )


#: What this process declares: its parameters (``Parameters.care``), the random
#: stream it draws from (a name of :data:`thuisplus.sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`thuisplus.sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = CareParams, "care", "care"
RECORDS = ("admissions", "gp", "physio", "vpt_weeks", "mpt_weeks", "admissions_outside",
           "admissions_75_84", "admissions_85plus")
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of thuisplus.sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("res.community", "res.dementia", "res.hh_threshold", "res.home", "res.loneliness",
         "res.person", "res.post_acute_weeks", "res.trait_u", "res.vitality", "res.wlz",
         "res.wmo_beg", "res.wmo_hh")
SCRATCH = ("demand_beg", "demand_dn", "demand_hh", "flags", "person_year", "scratch_acc",
           "scratch_idx")
# Accumulator slots.
A_GP, A_PHYSIO, A_VPT, A_MPT = range(4)
#: Key of the person's keyed draw that picks vpt or mpt (thuisplus.sim.rng.keyed_uniform).
VPT_KEY = zlib.crc32(b"wlz-at-home-vpt-or-mpt")


@kernel
def home_form(entropy64, person, vpt_share):
    """The form of Wlz care at home a person takes: ``WLZ_VPT`` or ``WLZ_MPT``.

    A trait of the person (a keyed draw on the run and the person's number): the same in
    both arms and whenever the indication comes, and no other draw moves.
    """
    return WLZ_VPT if keyed_uniform3(entropy64, VPT_KEY, person, 0) < vpt_share else WLZ_MPT


@kernel
def _needs(rows, active, seat, home, vitality, dementia, loneliness, wlz, hh_threshold, trait,
           wmo_hh, wmo_beg, post_acute, demand_hh, demand_beg, demand_dn, admit, u, acc, pl,
           p_indication, home_share, base_home_share, p_home_admission, entropy64, c):
    """Indications, Wlz decisions and demand of every person outside a nursing home.

    Flags admissions (1 from the complex, 2 from elsewhere). The Thuisplusflat's share of
    Wlz indications taken at home (``home_share``) applies in the complex; elsewhere the
    base share. The draws are the person's (``seat`` = the person's number). Each
    person's GP, physiotherapy and Wlz-at-home use goes into their ledger row of ``pl``.

    Arguments, as the caller (``week``) passes them: ``rows``; ``active`` = ``res.community``;
    ``seat`` = ``res.person``; ``home`` = ``res.home``; ``vitality`` = ``res.vitality``;
    ``dementia`` = ``res.dementia``; ``loneliness`` = ``res.loneliness``; ``wlz`` = ``res.wlz``;
    ``hh_threshold`` = ``res.hh_threshold``; ``trait`` = ``res.trait_u``; ``wmo_hh`` =
    ``res.wmo_hh``; ``wmo_beg`` = ``res.wmo_beg``; ``post_acute`` =
    ``res.post_acute_weeks``; ``demand_hh`` = ``S.demand_hh``; ``demand_beg`` =
    ``S.demand_beg``; ``demand_dn`` = ``S.demand_dn``; ``admit``; ``u``; ``acc``;
    ``pl`` = ``S.person_year``; ``p_indication``; ``home_share`` =
    ``min(c.wlz_home_share * e.scalar[EF_WLZ_HOME], 1.0)``; ``base_home_share`` =
    ``min(c.wlz_home_share, 1.0)``; ``p_home_admission``; ``entropy64`` = ``C.entropy64``;
    ``c``.
    """
    n_admit = 0
    gp_sum, physio_sum, vpt, mpt = acc[A_GP], acc[A_PHYSIO], acc[A_VPT], acc[A_MPT]  # locals
    for i in rows:
        admit[i] = 0
        demand_hh[i] = 0.0
        demand_beg[i] = 0.0
        demand_dn[i] = 0.0
        if not active[i]:
            continue
        s = seat[i]
        v = vitality[i]
        # Wlz: assessment, indication at home or in a nursing home.
        if wlz[i] == WLZ_NONE and (v < c.wlz_threshold
                                   or (dementia[i] and v < c.wlz_dementia_threshold)):
            wlz[i] = WLZ_ASSESSING
        if wlz[i] == WLZ_ASSESSING:
            if u[0, s] < p_indication:
                if u[1, s] < (home_share if home[i] else base_home_share):
                    wlz[i] = home_form(entropy64, s, c.wlz_vpt_share)
                else:
                    admit[i] = 1 if home[i] else 2
                    n_admit += 1
                    continue
        elif wlz[i] >= WLZ_VPT and u[2, s] < p_home_admission:
            admit[i] = 1 if home[i] else 2
            n_admit += 1
            continue
        frail = 1.0 - v
        gp = (c.gp_contacts_base + c.gp_contacts_frailty * frail) * (
            1.0 + (c.gp_loneliness_effect if loneliness[i] >= 9.0 else 0.0))
        gp_sum += gp / 52.0
        physio_sum += c.physio_sessions_frailty * frail / 52.0
        pl[i, L_GP] += gp / 52.0
        pl[i, L_PHYSIO] += c.physio_sessions_frailty * frail / 52.0
        if post_acute[i] > 0.0:
            post = True
            post_acute[i] = max(post_acute[i] - 1.0, 0.0)
        else:
            post = False
        if wlz[i] == WLZ_VPT:  # Wlz care at home replaces Wmo and district nursing
            vpt += 1.0
            pl[i, L_VPT] += 1.0
            continue
        if wlz[i] == WLZ_MPT:
            mpt += 1.0
            pl[i, L_MPT] += 1.0
            continue
        thr = hh_threshold[i]
        if v < thr:
            wmo_hh[i] = True
        if wmo_hh[i]:
            demand_hh[i] = c.hh_hours_base + c.hh_hours_slope * max(thr - v, 0.0) / max(thr, 1e-9)
        if dementia[i] and trait[i] < c.begeleiding_dementia_prob:
            wmo_beg[i] = True
        if wmo_beg[i]:
            demand_beg[i] = c.begeleiding_hours
        dn = 0.0
        if v < c.dn_threshold:
            dn = (c.dn_hours_base
                  + c.dn_hours_slope * (c.dn_threshold - v) / max(c.dn_threshold, 1e-9))
        if post:
            dn = max(dn, c.post_discharge_dn_hours)
        demand_dn[i] = dn
    acc[A_GP], acc[A_PHYSIO], acc[A_VPT], acc[A_MPT] = gp_sum, physio_sum, vpt, mpt
    return n_admit


class Coefficients(NamedTuple):
    """What the compiled week of this process reads."""

    wlz_threshold: float
    wlz_dementia_threshold: float
    p_indication: float         # weekly probability that an assessment ends in an indication
    wlz_home_share: float       # share of indications taken at home (before effects)
    wlz_vpt_share: float        # share of persons who take care at home as a full package
    p_home_admission: float     # weekly admission probability of Wlz clients at home
    hh_hours_base: float
    hh_hours_slope: float
    begeleiding_dementia_prob: float
    begeleiding_hours: float
    dn_threshold: float
    dn_hours_base: float
    dn_hours_slope: float
    post_discharge_dn_hours: float
    gp_contacts_base: float
    gp_contacts_frailty: float
    gp_loneliness_effect: float
    physio_sessions_frailty: float


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    cp = p.care
    return Coefficients(
        cp.wlz_threshold, cp.wlz_dementia_threshold, float(rate_to_weekly(cp.wlz_indication_rate)),
        cp.wlz_home_share, cp.wlz_vpt_share, float(rate_to_weekly(cp.wlz_home_admission_rate)),
        cp.hh_hours_base,
        cp.hh_hours_slope, cp.begeleiding_dementia_prob, cp.begeleiding_hours, cp.dn_threshold,
        cp.dn_hours_base, cp.dn_hours_slope, cp.post_discharge_dn_hours, cp.gp_contacts_base,
        cp.gp_contacts_frailty, cp.gp_loneliness_effect, cp.physio_sessions_frailty)


@glue
def draw(g, st, C, cols, full):
    """The week's uniforms: three per person (indication, at home, admission from home).

    Read only in columns ``cols`` (the persons followed; ``full``: all), see ``_pcg``.
    """
    return uniforms(g, st, 3, C.n_persons, cols, full)


@glue
def week(S, C, u, week_no, p_indication, p_home_admission):
    """Update indications, Wlz decisions and this week's demand for each care type.

    ``p_indication`` and ``p_home_admission`` are the weekly probabilities (zero at
    set-up, so that nobody is admitted before week 0).
    """
    c, res, e, admit, acc = C.care, S.res, S.eff, S.flags, S.scratch_acc
    rows = live_rows(S)  # the living persons' rows (common.refresh_live)
    for k in range(4):
        acc[k] = 0.0
    n_admit = _needs(rows, res.community, res.person, res.home, res.vitality, res.dementia,
                     res.loneliness, res.wlz, res.hh_threshold, res.trait_u, res.wmo_hh,
                     res.wmo_beg, res.post_acute_weeks, S.demand_hh, S.demand_beg, S.demand_dn,
                     admit, u, acc, S.person_year, p_indication,
                     min(c.wlz_home_share * e.scalar[EF_WLZ_HOME], 1.0),
                     min(c.wlz_home_share, 1.0), p_home_admission, C.entropy64, c)
    if n_admit:
        n = rows_where(admit, rows, 1, S.scratch_idx, 0)
        if n:
            leave(S, C, S.scratch_idx[:n], nonliteral(EV_ADMISSIONS), week_no)
        n2 = rows_where(admit, rows, 2, S.scratch_idx, 0)
        if n2:
            S.ev[EV_ADMISSIONS_OUTSIDE] += n2
            end_outside(S, C, S.scratch_idx[:n2], nonliteral(True), week_no)
    ev = S.ev
    ev[EV_GP] += acc[A_GP] + ev[EV_GP_ACUTE]
    ev[EV_PHYSIO] += acc[A_PHYSIO] + ev[EV_PHYSIO_ACUTE]
    ev[EV_VPT_WEEKS] += acc[A_VPT]
    ev[EV_MPT_WEEKS] += acc[A_MPT]
