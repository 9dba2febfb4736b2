"""Care needs and indications per law, and the Wlz route to the nursing home.

- **Wmo household help**: indicated once vitality falls below a personal threshold
  (mean ``hh_threshold_mean``); hours grow with the need below the threshold.
  **Begeleiding**: clients with dementia, by a personal uptake trait.
- **Zvw district nursing** below ``dn_threshold`` and for some weeks after a hospital
  discharge; **GP** and **physiotherapy** at rates rising with frailty (loneliness adds
  only its small direct GP effect; the rest runs through vitality).
- **Wlz**: below ``wlz_threshold`` (or ``wlz_dementia_threshold`` with dementia) a
  resident is assessed; the indication comes at ``wlz_indication_rate``. A share takes it
  at home (vpt/mpt, replacing Wmo and district nursing); the others are admitted to a
  nursing home and leave. Wlz clients at home are admitted later at
  ``wlz_home_admission_rate``.

The hours computed here are *demand*; the staffing process delivers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.processes.demography import WEEKS_PER_YEAR, rate_to_weekly
from sim.processes.loneliness import SEVERELY_LONELY
from sim.processes.moves import leave

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

WLZ_NONE, WLZ_ASSESSING, WLZ_HOME = 0, 1, 2


def step(m: ThuisplusModel, rng: np.random.Generator | None = None) -> None:
    """Update indications, Wlz decisions and this week's demand for each care type."""
    cp, res, eff = m.p.care, m.res, m.effects
    rng = m.streams["care"] if rng is None else rng
    u = rng.random((3, m.n_seats))
    h = res.high
    act = res.active[:h]
    seat = res.seat[:h]
    v = res.vitality[:h]
    dem = res.dementia[:h]
    wlz = res.wlz[:h]

    # --- Wlz: assessment, indication, home or nursing home --------------------------
    eligible = act & (wlz == WLZ_NONE) & (
        (v < cp.wlz_threshold) | (dem & (v < cp.wlz_dementia_threshold)))
    wlz[eligible] = WLZ_ASSESSING
    decided = act & (wlz == WLZ_ASSESSING) & (u[0][seat] < m.weekly_wlz_indication)
    home = decided & (u[1][seat] < cp.wlz_home_share * eff.wlz_home_mult)
    wlz[home] = WLZ_HOME
    admit = (decided & ~home) | (act & (wlz == WLZ_HOME) & ~decided
                                 & (u[2][seat] < m.weekly_wlz_home_admission))
    if admit.any():
        leave(m, np.flatnonzero(admit), "admissions")
        act = res.active[:h]
    at_home_wlz = act & (wlz == WLZ_HOME)

    # --- Wmo indications and hours --------------------------------------------------
    thr = res.hh_threshold[:h]
    res.wmo_hh[:h] |= act & (v < thr)
    res.wmo_beg[:h] |= act & res.wmo_hh[:h] & dem & (res.trait_u[:h] < cp.begeleiding_dementia_prob)
    in_wmo = act & ~at_home_wlz
    hh_need = np.maximum(thr - v, 0.0) / np.maximum(thr, 1e-9)
    m.demand_hh[:h] = np.where(in_wmo & res.wmo_hh[:h],
                               cp.hh_hours_base + cp.hh_hours_slope * hh_need, 0.0)
    m.demand_beg[:h] = np.where(in_wmo & res.wmo_beg[:h], cp.begeleiding_hours, 0.0)

    # --- Zvw: district nursing, GP, physio ------------------------------------------
    dn_need = np.maximum(cp.dn_threshold - v, 0.0) / max(cp.dn_threshold, 1e-9)
    post = res.post_acute_weeks[:h]
    dn = np.where(v < cp.dn_threshold, cp.dn_hours_base + cp.dn_hours_slope * dn_need, 0.0)
    dn = np.maximum(dn, np.where(post > 0, cp.post_discharge_dn_hours, 0.0))
    m.demand_dn[:h] = np.where(in_wmo, dn, 0.0)
    np.maximum(post - 1.0, 0.0, out=post)

    frail = 1.0 - v
    severe = res.loneliness[:h] >= SEVERELY_LONELY
    gp = (cp.gp_contacts_base + cp.gp_contacts_frailty * frail) * (
        1.0 + cp.gp_loneliness_effect * severe)
    m.ev["gp"] += float(gp[act].sum()) / WEEKS_PER_YEAR * eff.gp_mult + m.ev["gp_acute"]
    m.ev["physio"] += (float((cp.physio_sessions_frailty * frail)[act].sum()) / WEEKS_PER_YEAR
                       + m.ev["physio_acute"])
    m.ev["wlz_home_weeks"] += int(at_home_wlz.sum())


def weekly_rates(m: ThuisplusModel) -> None:
    """Precompute the weekly probabilities this process uses (called once per run)."""
    cp = m.p.care
    m.weekly_wlz_indication = float(rate_to_weekly(cp.wlz_indication_rate))
    m.weekly_wlz_home_admission = float(rate_to_weekly(cp.wlz_home_admission_rate))
