"""Loneliness (De Jong Gierveld 0-11; lonely >= 3, severely lonely >= 9) and the network.

Ties form between residents who meet — in the common room, or neighbours out on their
floor at the same time — and decay without contact (half-life ``tie_half_life_weeks``).
Tie strengths live in a dense matrix over resident rows (2 MB at 250 dwellings). Decay
is kept as one global scale factor (multiplying the whole matrix every week would
dominate the step),
and each row's summed strength is kept up to date incrementally.

Each resident's loneliness moves each week towards a target

    base + frailty_effect × (v_ref − v) − network_effect × (support − reference) + shift

where support = 1 − exp(−S / saturation) and S is the summed tie strength (a partner
counts as one full tie). ``shift`` is set by interventions (outreach, social skills).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.processes._jit import kernel

if TYPE_CHECKING:
    from sim.model import ThuisplusModel

DJG_MAX = 11.0
LONELY = 3.0
SEVERELY_LONELY = 9.0
_RENORMALISE_BELOW = 1e-3


class SocialNetwork:
    """Tie strengths between residents, with lazy exponential decay."""

    def __init__(self, capacity: int, half_life_weeks: float):
        self.stored = np.zeros((capacity, capacity))
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
            self.stored *= self.scale
            self.row_sum *= self.scale
            self.scale = 1.0

    def drop(self, rows: np.ndarray) -> None:
        """Remove every tie of ``rows`` (they left or arrive)."""
        _drop_ties(self.stored, self.row_sum, np.asarray(rows, dtype=np.int64))


@kernel
def _drop_ties(stored, row_sum, rows):
    n = stored.shape[0]
    for r in rows:
        for j in range(n):
            t = stored[r, j]
            if t != 0.0:
                row_sum[j] = max(row_sum[j] - t, 0.0)
                stored[r, j] = 0.0
                stored[j, r] = 0.0
        row_sum[r] = 0.0


def target(m: ThuisplusModel, rows: np.ndarray) -> np.ndarray:
    """Loneliness each resident in ``rows`` is drawn towards (see the module docstring)."""
    lp = m.p.loneliness
    out = np.empty(len(rows))
    _target(np.asarray(rows, dtype=np.int64), m.res.loneliness_base, m.res.vitality,
            m.res.partner, m.network.row_sum, m.network.scale, m.effects.lonely_shift,
            m.p.demography.vitality_reference, lp.frailty_effect, lp.network_effect,
            lp.network_saturation, lp.network_reference, out)
    return out


@kernel
def _target(rows, base, vitality, partner, row_sum, scale, shift, v_ref, frailty_eff,
            network_eff, saturation, reference, out):
    """The target of each row in ``rows`` into ``out``, with the scalar ``math.expm1``.

    One scalar formula for set-up, newcomers and the weekly update: numpy's vectorised
    ``expm1`` differs from libm's in the last bit for ~1% of arguments.
    """
    for k in range(len(rows)):
        i = rows[k]
        s = row_sum[i] * scale + (1.0 if partner[i] >= 0 else 0.0)
        support = -math.expm1(-s / saturation)
        out[k] = (base[i] + frailty_eff * (v_ref - vitality[i])
                  - network_eff * (support - reference) + shift[i])


ATTEND, OUT = 1, 2


@kernel
def _meet(h, active, seat, vitality, loneliness, floor, n_floors, u_attend, u_out, flags, idx,
          stored, row_sum, scale, p_attend, lonely_eff, p_out, form_room, form_floor):
    """Draw who attends the room / is out on the floor; strengthen ties among them.

    Each meeting closes a share ``rate`` of the gap to a full tie (``t += rate × (1 − t)``);
    two residents who meet in the room and on their floor in one week get both gains.
    """
    visits = 0
    n_room = 0
    count = np.zeros(n_floors + 1, dtype=np.int64)
    for i in range(h):
        flags[i] = 0
        if not active[i]:
            continue
        s = seat[i]
        mobility = 0.3 + 0.7 * vitality[i]
        pa = p_attend * mobility * (1.0 - lonely_eff * loneliness[i] / 11.0)
        if u_attend[s] < pa:
            flags[i] |= ATTEND
            visits += 1
        if u_out[s] < p_out * mobility:
            flags[i] |= OUT
            count[floor[i] + 1] += 1
    # idx[:n_out] holds the residents out on their floor, grouped by floor (counting sort);
    # idx[n_out:] the room's visitors.
    for f in range(n_floors):
        count[f + 1] += count[f]
    n_out = count[n_floors]
    fill = count.copy()
    for i in range(h):
        if flags[i] & OUT:
            idx[fill[floor[i]]] = i
            fill[floor[i]] += 1
        if flags[i] & ATTEND:
            idx[n_out + n_room] = i
            n_room += 1
    if form_room > 0.0:
        _gain_all_pairs(idx[n_out:n_out + n_room], min(form_room, 1.0), stored, row_sum, scale)
    if form_floor > 0.0:
        for f in range(n_floors):
            _gain_all_pairs(idx[count[f]:count[f + 1]], min(form_floor, 1.0), stored, row_sum,
                            scale)
    return visits


@kernel
def _gain_all_pairs(members, rate, stored, row_sum, scale):
    n = len(members)
    for a in range(n):
        i = members[a]
        for b in range(a + 1, n):
            j = members[b]
            gain = rate * (1.0 - stored[i, j] * scale) / scale
            stored[i, j] += gain
            stored[j, i] += gain
            row_sum[i] += gain
            row_sum[j] += gain


@kernel
def _update(h, active, seat, L, base, vitality, partner, row_sum, scale, activity, room, flags,
            z,
            v_ref, frailty_eff, network_eff, saturation, reference, shift, rate, noise,
            memory):
    """Loneliness towards its target (``shift``: per-resident intervention effect)."""
    for i in range(h):
        if not active[i]:
            continue
        strength = row_sum[i] * scale + (1.0 if partner[i] >= 0 else 0.0)
        support = -math.expm1(-strength / saturation)
        tgt = (base[i] + frailty_eff * (v_ref - vitality[i])
               - network_eff * (support - reference) + shift[i])
        x = L[i] + rate * (tgt - L[i]) + noise * z[seat[i]]
        L[i] = min(max(x, 0.0), 11.0)
        activity[i] += ((1.0 if flags[i] else 0.0) - activity[i]) / memory
        room[i] += ((1.0 if flags[i] & ATTEND else 0.0) - room[i]) / memory


def socialise(m: ThuisplusModel, rng: np.random.Generator) -> np.ndarray:
    """Draw who attends the common room and who meets on the floor; update ties.

    Returns the flags (1 attended the room, 2 out on the floor) of rows ``[:high]``.
    """
    lp, res, eff, net = m.p.loneliness, m.res, m.effects, m.network
    u = rng.random((2, m.n_seats))
    h = res.high
    net.tick()
    flags = m.flags[:h]
    visits = _meet(h, res.active, res.seat, res.vitality, res.loneliness, res.floor,
                   m.p.building.floors, u[0], u[1],
                   flags, m.scratch_idx, net.stored, net.row_sum, net.scale,
                   lp.attendance_base * eff.attendance_mult, lp.attendance_loneliness_effect,
                   lp.floor_meeting_prob, lp.tie_formation_room * eff.tie_formation_mult,
                   lp.tie_formation_floor)
    m.ev["room_visits"] += visits
    return flags


def step(m: ThuisplusModel) -> None:
    """Meet, update ties, move loneliness towards its target, update activity."""
    lp, res, net = m.p.loneliness, m.res, m.network
    rng = m.streams["loneliness"]
    flags = socialise(m, rng)
    z = rng.standard_normal(m.n_seats)
    _update(res.high, res.active, res.seat, res.loneliness, res.loneliness_base, res.vitality,
            res.partner, net.row_sum, net.scale, res.activity, res.room_activity, flags, z,
            m.p.demography.vitality_reference, lp.frailty_effect, lp.network_effect,
            lp.network_saturation, lp.network_reference, m.effects.lonely_shift,
            lp.adjust_rate, lp.noise_sd, lp.activity_memory_weeks)
