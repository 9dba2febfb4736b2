"""Vitality and frailty: gradual decline, falls and hospital episodes, dementia onset.

Vitality ``v`` runs from 0 (completely frail) to 1 (fully vital). Each week it declines by
a mean that rises exponentially with age and is multiplied by

    1 + loneliness effect × clip((L − 3) / 8, 0, 1)   (L: De Jong Gierveld score)
      + inactivity effect × (1 − activity)            (activity: moving average 0-1)
      + dementia effect × dementia

and by the interventions' ``decline_mult``, plus Gaussian noise. Loneliness therefore
acts on health, and through health on care use (Meisters et al. 2021), not as a cost
uplift. Falls and hospital admissions are acute events whose rates rise with frailty;
each costs vitality and produces GP, ED, physiotherapy and hospital use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.processes.demography import WEEKS_PER_YEAR, rate_to_weekly

if TYPE_CHECKING:
    from sim.model import ThuisplusModel


def step(m: ThuisplusModel) -> None:
    """Update vitality of all residents; draw falls, admissions and dementia onsets."""
    p, dp = m.p.vitality, m.p.demography
    res, eff = m.res, m.effects
    rng = m.streams["vitality"]
    z = rng.standard_normal(m.n_seats)
    u = rng.random((5, m.n_seats))
    h = res.high
    seat = res.seat[:h]
    act = res.active[:h]
    v = res.vitality[:h]
    age = res.age[:h]
    gap = dp.vitality_reference - v

    lonely = np.clip((res.loneliness[:h] - 3.0) / 8.0, 0.0, 1.0)
    mult = (1.0 + p.loneliness_decline_effect * lonely
            + p.inactivity_decline_effect * (1.0 - res.activity[:h])
            + p.dementia_decline_effect * res.dementia[:h])
    decline = p.decline_at_80 * np.exp(p.decline_age_slope * (age - 80.0)) * mult
    decline *= eff.decline_mult

    falls = act & (u[0][seat] < rate_to_weekly(
        p.fall_rate * eff.fall_mult * np.exp(p.fall_frailty_log_rr * gap)))
    hosp = act & (u[2][seat] < rate_to_weekly(
        p.hospital_rate * eff.hospital_mult * np.exp(p.hospital_frailty_log_rr * gap)))
    kind = u[1][seat]
    fall_ed = falls & (kind < p.fall_ed_share)
    fall_adm = fall_ed & (kind < p.fall_ed_share * p.fall_admission_share)
    admitted = hosp | fall_adm
    hosp_ed = hosp & (u[3][seat] < p.hospital_ed_share)

    v += (-decline / WEEKS_PER_YEAR + p.noise_sd * np.sqrt(1.0 / WEEKS_PER_YEAR) * z[seat]
          - p.fall_vitality_loss * falls - p.hospital_vitality_loss * admitted)
    np.clip(v, 0.0, 1.0, out=v)

    onset = act & ~res.dementia[:h] & (u[4][seat] < rate_to_weekly(
        p.dementia_incidence_80 * np.exp(p.dementia_age_slope * (age - 80.0))))
    res.dementia[:h] |= onset

    n_adm = int(admitted.sum())
    res.post_acute_weeks[:h][admitted] = m.p.care.post_discharge_dn_weeks
    ev = m.ev
    ev["falls"] += int(falls.sum())
    ev["ed"] += int(fall_ed.sum()) + int(hosp_ed.sum())
    ev["hospital_days"] += n_adm * p.hospital_days
    ev["hospital_admissions"] += n_adm
    ev["gp_acute"] += p.fall_gp_share * int(falls.sum())
    ev["physio_acute"] += p.fall_physio_sessions * int(fall_ed.sum())
