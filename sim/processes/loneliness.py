"""Loneliness (De Jong Gierveld 0-11; lonely >= 3, severely lonely >= 9) and the network.

Ties form between residents who meet — in the common room, or neighbours out on their
floor at the same time — and decay without contact (half-life ``tie_half_life_weeks``).
Tie strengths live in a dense ``float32`` matrix over resident rows. Decay is kept as one
global scale factor (multiplying the whole matrix every week would dominate the step),
and each row's summed strength is kept up to date incrementally.

Each resident's loneliness moves each week towards a target

    base + frailty_effect × (v_ref − v) − network_effect × (support − reference) + shift

where support = 1 − exp(−S / saturation) and S is the summed tie strength (a partner
counts as one full tie). ``shift`` is set by interventions (outreach, social skills).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

DJG_MAX = 11.0
LONELY = 3.0
SEVERELY_LONELY = 9.0
_RENORMALISE_BELOW = 1e-3


class SocialNetwork:
    """Tie strengths between residents, with lazy exponential decay."""

    def __init__(self, capacity: int, half_life_weeks: float):
        self.stored = np.zeros((capacity, capacity), dtype=np.float32)
        self.row_sum = np.zeros(capacity, dtype=np.float64)  # in stored units
        self.scale = 1.0
        self.decay = 0.5 ** (1.0 / half_life_weeks)

    def strength(self, h: int) -> np.ndarray:
        """Summed tie strength of rows ``[:h]``."""
        return self.row_sum[:h] * self.scale

    def tick(self) -> None:
        """One week of decay for every tie."""
        self.scale *= self.decay
        if self.scale < _RENORMALISE_BELOW:
            self.stored *= np.float32(self.scale)
            self.row_sum *= self.scale
            self.scale = 1.0

    def meet(self, idx: np.ndarray, rate: np.ndarray) -> None:
        """Strengthen ties among ``idx`` by ``rate[i, j] × (1 − tie)`` (a saturating gain)."""
        if len(idx) < 2:
            return
        block = np.ix_(idx, idx)
        current = self.stored[block] * self.scale
        gain = rate * (1.0 - current)
        np.fill_diagonal(gain, 0.0)
        stored_gain = (gain / self.scale).astype(np.float32)
        self.stored[block] += stored_gain
        self.row_sum[idx] += stored_gain.sum(axis=1)

    def join(self, rows: np.ndarray) -> None:
        """Newcomers start without ties in the building."""
        self.drop(rows)

    def drop(self, rows: np.ndarray) -> None:
        """Remove every tie of ``rows`` (they left)."""
        self.row_sum -= self.stored[:, rows].sum(axis=1)
        self.stored[rows, :] = 0.0
        self.stored[:, rows] = 0.0
        self.row_sum[rows] = 0.0
        np.maximum(self.row_sum, 0.0, out=self.row_sum)


def target(m: ThuisplusModel, rows: np.ndarray | slice) -> np.ndarray:
    """Loneliness each resident in ``rows`` is drawn towards."""
    lp = m.p.loneliness
    res = m.res
    s = m.network.row_sum[rows] * m.network.scale + (res.partner[rows] >= 0)
    support = -np.expm1(-s / lp.network_saturation)
    return (res.loneliness_base[rows]
            + lp.frailty_effect * (m.p.demography.vitality_reference - res.vitality[rows])
            - lp.network_effect * (support - lp.network_reference)
            + m.effects.loneliness_shift)


def socialise(m: ThuisplusModel, rng: np.random.Generator) -> np.ndarray:
    """Draw who attends the common room and who meets on the floor; update ties.

    Returns the 'active this week' indicator of rows ``[:high]``.
    """
    lp, res, eff = m.p.loneliness, m.res, m.effects
    u = rng.random((2, m.n_seats))
    h = res.high
    seat = res.seat[:h]
    act = res.active[:h]
    v = res.vitality[:h]
    mobility = 0.3 + 0.7 * v
    p_attend = (lp.attendance_base * eff.attendance_mult * mobility
                * (1.0 - lp.attendance_loneliness_effect * res.loneliness[:h] / DJG_MAX))
    attend = act & (u[0][seat] < np.minimum(p_attend, 1.0))
    out = act & (u[1][seat] < np.minimum(lp.floor_meeting_prob * mobility, 1.0))
    m.network.tick()
    idx = np.flatnonzero(attend | out)
    if len(idx) > 1:
        a = attend[idx]
        o = out[idx]
        fl = res.floor[idx]
        rate = (lp.tie_formation_room * eff.tie_formation_mult) * np.outer(a, a)
        rate += lp.tie_formation_floor * (np.outer(o, o) & (fl[:, None] == fl[None, :]))
        m.network.meet(idx, rate)
    m.ev["room_visits"] += int(attend.sum())
    return attend | out


def step(m: ThuisplusModel) -> None:
    """Meet, update ties, move loneliness towards its target, update activity."""
    lp, res = m.p.loneliness, m.res
    rng = m.streams["loneliness"]
    active_week = socialise(m, rng)
    z = rng.standard_normal(m.n_seats)
    h = res.high
    L = res.loneliness[:h]
    L += lp.adjust_rate * (target(m, slice(0, h)) - L) + lp.noise_sd * z[res.seat[:h]]
    np.clip(L, 0.0, DJG_MAX, out=L)
    res.activity[:h] += (active_week - res.activity[:h]) / lp.activity_memory_weeks
