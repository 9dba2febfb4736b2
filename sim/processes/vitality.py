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
from typing import TYPE_CHECKING

import numpy as np

from sim.processes._jit import kernel

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

# Accumulator slots returned by the kernel.
A_FALLS, A_ED, A_ADMISSIONS, A_FALL_ED = range(4)


@kernel
def _health(h, active, seat, age, vitality, loneliness, activity, dementia, post_acute,
            unmet, decline_mult, fall_mult, hosp_mult, z, u, acc,
            decline_80, decline_slope, lonely_eff, inactive_eff, dementia_eff, unmet_eff,
            noise_week, v_ref, fall_rate, fall_lrr, fall_ed, fall_adm, fall_loss,
            hosp_rate, hosp_lrr, hosp_ed, hosp_loss, dem_80, dem_slope, post_weeks):
    for i in range(h):
        if not active[i]:
            continue
        s = seat[i]
        v = vitality[i]
        gap = v_ref - v
        lonely = min(max((loneliness[i] - 3.0) / 8.0, 0.0), 1.0)
        mult = (1.0 + lonely_eff * lonely + inactive_eff * (1.0 - activity[i])
                + (dementia_eff if dementia[i] else 0.0) + unmet_eff * unmet[i])
        decline = (decline_80 * math.exp(decline_slope * (age[i] - 80.0)) * mult
                   * decline_mult[i])
        p_fall = -math.expm1(-fall_rate * fall_mult[i] * math.exp(fall_lrr * gap) / 52.0)
        p_hosp = -math.expm1(-hosp_rate * hosp_mult[i] * math.exp(hosp_lrr * gap) / 52.0)
        fall = u[0, s] < p_fall
        kind = u[1, s]
        admitted = u[2, s] < p_hosp
        if admitted and u[3, s] < hosp_ed:
            acc[A_ED] += 1.0
        if fall:
            acc[A_FALLS] += 1.0
            if kind < fall_ed:
                acc[A_ED] += 1.0
                acc[A_FALL_ED] += 1.0
                if kind < fall_ed * fall_adm:
                    admitted = True
        v += -decline / 52.0 + noise_week * z[s]
        if fall:
            v -= fall_loss
        if admitted:
            v -= hosp_loss
            acc[A_ADMISSIONS] += 1.0
            post_acute[i] = post_weeks
        vitality[i] = min(max(v, 0.0), 1.0)
        if not dementia[i]:
            p_dem = -math.expm1(-dem_80 * math.exp(dem_slope * (age[i] - 80.0)) / 52.0)
            if u[4, s] < p_dem:
                dementia[i] = True


def step(m: ThuisplusModel) -> None:
    """Update vitality of all residents; draw falls, admissions and dementia onsets."""
    p, eff, res = m.p.vitality, m.effects, m.res
    rng = m.streams["vitality"]
    z = rng.standard_normal(m.n_seats)
    u = rng.random((5, m.n_seats))
    acc = np.zeros(4)
    _health(res.high, res.active, res.seat, res.age, res.vitality, res.loneliness,
            res.activity, res.dementia, res.post_acute_weeks, res.unmet_share, eff.decline,
            eff.fall, eff.hospital, z, u, acc,
            p.decline_at_80, p.decline_age_slope, p.loneliness_decline_effect,
            p.inactivity_decline_effect, p.dementia_decline_effect,
            p.unmet_care_decline_effect,
            p.noise_sd * math.sqrt(1.0 / 52.0), m.p.demography.vitality_reference,
            -math.log1p(-p.fall_probability), p.fall_frailty_log_rr,
            p.fall_ed_share, p.fall_admission_share, p.fall_vitality_loss,
            p.hospital_rate, p.hospital_frailty_log_rr,
            p.hospital_ed_share, p.hospital_vitality_loss,
            p.dementia_incidence_80, p.dementia_age_slope, m.p.care.post_discharge_dn_weeks)
    ev = m.ev
    ev["falls"] += acc[A_FALLS]
    ev["ed"] += acc[A_ED]
    ev["hospital_admissions"] += acc[A_ADMISSIONS]
    ev["hospital_days"] += acc[A_ADMISSIONS] * p.hospital_days
    ev["gp_acute"] += p.fall_gp_share * acc[A_FALLS]
    ev["physio_acute"] += p.fall_physio_sessions * acc[A_FALL_ED]
