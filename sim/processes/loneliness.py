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
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from thuisplus.sim.param_base import ASSUMPTION, NO_EVIDENCE, PROB_WEEK, Group, P, U
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes._pcg import uniforms
from thuisplus.sim.processes.common import (
    EF_ATTENDANCE,
    EF_TIE_FORMATION,
    EV_ROOM_VISITS,
    live_rows,
)

#: Effect modifiers this process reads (names of thuisplus.sim.interventions.EFFECTS).
READS = ("attendance_mult", "tie_formation_mult", "lonely_shift")


if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters


class LonelinessParams(Group):
    """Loneliness on the De Jong Gierveld scale (0-11) and the social network."""

    base_mean: float = P(
        3.8,
        "DJG points",
        "vzinfo.nl 2020, 75+: 56% lonely (>=3), 12% severely (>=9); "
        "mean and sd chosen to match at default network and health",
        "Mean of each resident's personal loneliness level (before network and health).",
        ge=0,
        le=11,
        group="calibrated",
        evidence="calibrated",
        prior=U(2.0, 6.0),
    )
    base_sd: float = P(
        4.2, "DJG points", "see base_mean", "Spread of personal loneliness levels.",
        ge=0, le=10,
    )
    adjust_rate: float = P(
        0.05, "per week", ASSUMPTION, "Speed at which loneliness moves to its current target.",
        gt=0, le=1,
    )
    noise_sd: float = P(
        0.25, "DJG points per week", ASSUMPTION, "Week-to-week variation of loneliness.",
        ge=0, le=3,
    )
    frailty_effect: float = P(
        3.0, "DJG points per unit vitality", ASSUMPTION
        + " (poor health and immobility isolate; GGD monitor)",
        "Loneliness target rises by this much per unit of vitality below the reference.",
        ge=0, le=11,
    )
    network_effect: float = P(
        3.0,
        "DJG points",
        NO_EVIDENCE + ": ties in the building lower loneliness (Fontanari 2021, qualitative); "
        "size not measured (docs/evidence.md)",
        "Loneliness target difference between a saturated network and no network.",
        ge=0,
        le=11,
        group="loneliness effects",
        evidence="none",
        prior=U(1.0, 5.0),
    )
    network_saturation: float = P(
        2.0, "summed tie strength", ASSUMPTION,
        "Summed tie strength at which 63% of the network effect is reached.", gt=0, le=50,
    )
    network_reference: float = P(
        0.35, "share of network effect", ASSUMPTION
        + " (the network effect of a typical resident at baseline, kept in base_mean)",
        "Network support that leaves the loneliness target at the personal level.",
        ge=0, le=1,
    )
    widowhood_shock: float = P(
        3.0, "DJG points", ASSUMPTION, "Jump in loneliness when a partner dies or leaves.",
        ge=0, le=11,
    )
    tie_half_life_weeks: float = P(
        26.0, "weeks", ASSUMPTION, "Half-life of a tie without contact.", gt=0, le=520,
    )
    tie_formation_room: float = P(
        0.04, "tie strength per meeting", ASSUMPTION,
        "Tie strength gained by two residents who meet in the common room.", ge=0, le=1,
    )
    tie_formation_floor: float = P(
        0.02, "tie strength per meeting", ASSUMPTION,
        "Tie strength gained by two neighbours who meet on their floor.", ge=0, le=1,
    )
    floor_meeting_prob: float = P(
        0.3, PROB_WEEK, ASSUMPTION, "Probability that a resident is out on the floor in a week.",
        ge=0, le=1,
    )
    attendance_base: float = P(
        0.08, PROB_WEEK, ASSUMPTION + " (a room without a programme is little used)",
        "Weekly probability that a vital, not lonely resident attends the common room.",
        ge=0, le=1,
    )
    attendance_loneliness_effect: float = P(
        0.5, "relative", ASSUMPTION + " (lonely residents come less; ART: welfare work "
        "reaches residents behind their front door)",
        "Relative drop in attendance at maximal loneliness.", ge=0, le=1,
    )
    activity_memory_weeks: float = P(
        13.0, "weeks", ASSUMPTION,
        "Time scale of the moving average of activity that slows vitality decline.",
        ge=1, le=520,
    )


#: What this process declares: its parameters (``Parameters.loneliness``), the random
#: stream it draws from (a name of :data:`thuisplus.sim.rng.STREAMS`) and the weekly events it
#: records (names of :data:`thuisplus.sim.processes.common.EVENTS`; tests check both lists).
PARAMS, GROUP, STREAM = LonelinessParams, "loneliness", "loneliness"
RECORDS = ("room_visits",)
#: The state it works on: population arrays (``res.``, ``car.``, ``staff.``) and the
#: other arrays of thuisplus.sim.engine.State (``SCRATCH``); tests check both against the source.
STATE = ("res.activity", "res.community", "res.floor", "res.home", "res.loneliness",
         "res.loneliness_base", "res.partner", "res.person", "res.room_activity", "res.seat",
         "res.vitality")
SCRATCH = ("flags", "net_row_sum", "net_scale", "net_stored", "scratch_idx")

DJG_MAX = 11.0
LONELY = 3.0
SEVERELY_LONELY = 9.0
_RENORMALISE_BELOW = 1e-3


class SocialNetwork:
    """Tie strengths between the seats of the complex (its residents), with lazy decay.

    ``stored × scale`` is the tie strength; ``scale`` lives in a one-element array that
    the compiled week updates.
    """

    def __init__(self, capacity: int, half_life_weeks: float):
        self.stored = np.zeros((capacity, capacity))
        self.row_sum = np.zeros(capacity, dtype=np.float64)  # in stored units
        self.scale_box = np.ones(1)
        self.decay = 0.5 ** (1.0 / half_life_weeks)

    @property
    def scale(self) -> float:
        """Factor from stored units to tie strength."""
        return float(self.scale_box[0])

    def strength(self, seats: np.ndarray) -> np.ndarray:
        """Summed tie strength of the residents of ``seats``."""
        return self.row_sum[seats] * self.scale


def target(S: Any, C: Any, rows: np.ndarray) -> np.ndarray:
    """Loneliness each resident in ``rows`` is drawn towards (see the module docstring).

    ``S`` and ``C`` are the engine's state and coefficients (``model.state``,
    ``model.coef``).
    """
    c = C.lon
    out = np.empty(len(rows))
    _target(np.asarray(rows, dtype=np.int64), S.res.loneliness_base, S.res.vitality, S.res.partner,
            S.res.seat, S.res.home, S.net_row_sum, S.net_scale[0], S.eff.lonely_shift, out, c)
    return out


@kernel
def _target(rows, base, vitality, partner, seat, home, row_sum, scale, shift, out, c):
    """The target of each row in ``rows`` into ``out`` (see :func:`support`).

    Arguments, as the caller (``target``) passes them: ``rows`` = ``np.asarray(rows,
    dtype=np.int64)``; ``base`` = ``S.res.loneliness_base``; ``vitality`` =
    ``S.res.vitality``; ``partner`` = ``S.res.partner``; ``seat`` = ``S.res.seat``;
    ``home`` = ``S.res.home``; ``row_sum`` = ``S.net_row_sum``; ``scale`` =
    ``S.net_scale[0]``; ``shift`` = ``S.eff.lonely_shift``; ``out``; ``c``.
    """
    for k in range(len(rows)):
        i = rows[k]
        sup = support(home[i], row_sum[seat[i]] if home[i] else 0.0, scale, partner[i], c)
        out[k] = (base[i] + c.frailty_effect * (c.vitality_reference - vitality[i])
                  - c.network_effect * (sup - c.network_reference) + shift[i])


@kernel
def support(home, row_sum, scale, partner, c):
    """Network support of a person: 1 − exp(−ties / saturation), with the scalar ``expm1``.

    In the complex the ties are the neighbours' (``row_sum × scale``) plus a partner;
    elsewhere the model has no neighbours, so support is at its reference level and the
    network neither raises nor lowers loneliness. (numpy's vectorised ``expm1`` differs
    from libm's in the last bit for ~1% of arguments: one scalar formula everywhere.)
    """
    if not home:
        return c.network_reference
    s = row_sum * scale + (1.0 if partner >= 0 else 0.0)
    return -math.expm1(-s / c.network_saturation)


ATTEND, OUT = 1, 2


@kernel
def _meet(rows, active, community, seat, net_seat, vitality, loneliness, floor, n_floors,
          u_attend, u_out, flags, idx, stored, row_sum, scale, p_attend, p_attend_base,
          lonely_eff, p_out, form_room, form_floor):
    """Draw who attends the room / is out on the floor; strengthen ties among them.

    ``active``: the residents of the complex (``res.home``); ``seat``: the person's number
    (``res.person``), which keys the draws; ties are kept by seat (``net_seat``). A person
    living elsewhere (``community`` but not ``active``) is as active as a resident of a
    complex without the Thuisplusflat: activities at the base attendance
    (``p_attend_base``) and out and about as often, but forms no ties in the model.
    Each meeting closes a share ``rate`` of the gap to a full tie (``t += rate × (1 − t)``);
    two residents who meet in the room and on their floor in one week get both gains.
    """
    visits = 0
    n_room = 0
    count = np.zeros(n_floors + 1, dtype=np.int64)
    for i in rows:
        flags[i] = 0
        if not community[i]:
            continue
        s = seat[i]
        mobility = 0.3 + 0.7 * vitality[i]
        home = active[i]
        pa = (p_attend if home else p_attend_base) * mobility * (
            1.0 - lonely_eff * loneliness[i] / 11.0)
        if u_attend[s] < pa:
            flags[i] |= ATTEND
            if home:
                visits += 1
        if u_out[s] < p_out * mobility:
            flags[i] |= OUT
            if home:
                count[floor[i] + 1] += 1
    # idx[:n_out] holds the seats of the residents out on their floor, grouped by floor
    # (counting sort); idx[n_out:] the room's visitors.
    for f in range(n_floors):
        count[f + 1] += count[f]
    n_out = count[n_floors]
    fill = count.copy()
    for i in rows:
        if not active[i]:
            continue
        if flags[i] & OUT:
            idx[fill[floor[i]]] = net_seat[i]
            fill[floor[i]] += 1
        if flags[i] & ATTEND:
            idx[n_out + n_room] = net_seat[i]
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
def _update(rows, active, seat, home, net_seat, L, base, vitality, partner, row_sum, scale,
            activity, room, flags, z, shift, c):
    """Loneliness towards its target (``shift``: per-resident intervention effect).

    Every person outside a nursing home; the network counts in the complex only
    (:func:`support`). Activity: a moving average of being active (``flags``, see
    :func:`_meet`).

    Arguments, as the caller (``week``) passes them: ``rows``; ``active`` = ``res.community``;
    ``seat`` = ``res.person``; ``home`` = ``res.home``; ``net_seat`` = ``res.seat``; ``L`` =
    ``res.loneliness``; ``base`` = ``res.loneliness_base``; ``vitality`` = ``res.vitality``;
    ``partner`` = ``res.partner``; ``row_sum`` = ``S.net_row_sum``; ``scale`` =
    ``S.net_scale[0]``; ``activity`` = ``res.activity``; ``room`` = ``res.room_activity``;
    ``flags``; ``z``; ``shift`` = ``e.lonely_shift``; ``c``.
    """
    for i in rows:
        if not active[i]:
            continue
        sup = support(home[i], row_sum[net_seat[i]] if home[i] else 0.0, scale, partner[i], c)
        tgt = (base[i] + c.frailty_effect * (c.vitality_reference - vitality[i])
               - c.network_effect * (sup - c.network_reference) + shift[i])
        x = L[i] + c.adjust_rate * (tgt - L[i]) + c.noise_sd * z[seat[i]]
        L[i] = min(max(x, 0.0), 11.0)
        activity[i] += ((1.0 if flags[i] else 0.0) - activity[i]) / c.activity_memory_weeks
        room[i] += ((1.0 if flags[i] & ATTEND else 0.0) - room[i]) / c.activity_memory_weeks


class Coefficients(NamedTuple):
    """What the compiled week of this process reads."""

    n_floors: int
    attendance_base: float       # weekly probability of a fully mobile, not lonely resident
    attendance_lonely_effect: float
    floor_meeting_prob: float
    tie_formation_room: float    # share of the gap to a full tie closed per room meeting
    tie_formation_floor: float
    frailty_effect: float
    network_effect: float
    network_saturation: float
    network_reference: float
    vitality_reference: float
    adjust_rate: float           # share of the gap to the target closed per week
    noise_sd: float
    activity_memory_weeks: float
    widowhood_shock: float       # DJG points added when the partner leaves
    decay: float                 # weekly tie decay factor


def coefficients(p: Parameters) -> Coefficients:
    """The coefficients of this process, from the parameter tree."""
    lp = p.loneliness
    return Coefficients(
        p.building.floors, lp.attendance_base, lp.attendance_loneliness_effect,
        lp.floor_meeting_prob, lp.tie_formation_room, lp.tie_formation_floor,
        lp.frailty_effect, lp.network_effect, lp.network_saturation, lp.network_reference,
        p.demography.vitality_reference, lp.adjust_rate, lp.noise_sd,
        lp.activity_memory_weeks, lp.widowhood_shock, 0.5 ** (1.0 / lp.tie_half_life_weeks))


@glue
def tick(S, c):
    """One week of decay for every tie (kept as one scale factor, renormalised rarely)."""
    _tick(S.net_scale, S.net_stored, S.net_row_sum, c.decay, S.net_row_sum.shape[0])


@kernel
def _tick(scale_box, stored, row_sum, decay, h):
    """:func:`tick` on the arrays (``h``: the seats)."""
    scale_box[0] *= decay
    if scale_box[0] < _RENORMALISE_BELOW:
        _renormalise(stored, row_sum, scale_box, h)


@kernel
def _renormalise(stored, row_sum, scale_box, h):
    """Tie strengths of seats ``[:h]`` back to a scale of 1 (stored and row sums times it)."""
    scale = scale_box[0]
    for i in range(h):
        for j in range(h):
            stored[i, j] *= scale
    for i in range(h):
        row_sum[i] *= scale
    scale_box[0] = 1.0


@glue
def draw(g, st, C, cols, full):
    """The week's draws: two uniforms per person (room, floor), then loneliness noise.

    The uniforms are read only in columns ``cols`` (``full``: all), see ``_pcg``.
    """
    u = uniforms(g, st, 2, C.n_persons, cols, full)
    z = g.standard_normal(C.n_persons)
    return u, z


@glue
def socialise(S, C, u):
    """Who attends the common room and who meets on the floor (uniforms ``u``); ties.

    Returns the flags (1 attended the room, 2 out on the floor) of rows ``[:high]``, set
    for the living persons' rows (common.refresh_live).
    """
    c, res, e = C.lon, S.res, S.eff
    h = res.meta[0]
    tick(S, c)
    flags = S.flags[:h]
    visits = _meet(live_rows(S), res.home, res.community, res.person, res.seat, res.vitality,
                   res.loneliness, res.floor, c.n_floors, u[0], u[1], flags, S.scratch_idx,
                   S.net_stored, S.net_row_sum, S.net_scale[0],
                   c.attendance_base * e.scalar[EF_ATTENDANCE], c.attendance_base,
                   c.attendance_lonely_effect, c.floor_meeting_prob,
                   c.tie_formation_room * e.scalar[EF_TIE_FORMATION], c.tie_formation_floor)
    S.ev[EV_ROOM_VISITS] += visits
    return flags


@glue
def week(S, C, u, z):
    """Meet, update ties, move loneliness towards its target, update activity.

    :func:`socialise` written out with the arrays it needs: an inlined function that
    takes the state costs a reference count per array of the state here.
    """
    c, res, e, flags = C.lon, S.res, S.eff, S.flags
    rows = live_rows(S)  # the living persons' rows (common.refresh_live)
    _tick(S.net_scale, S.net_stored, S.net_row_sum, c.decay, S.net_row_sum.shape[0])
    visits = _meet(rows, res.home, res.community, res.person, res.seat, res.vitality,
                   res.loneliness, res.floor, c.n_floors, u[0], u[1], flags, S.scratch_idx,
                   S.net_stored, S.net_row_sum, S.net_scale[0],
                   c.attendance_base * e.scalar[EF_ATTENDANCE], c.attendance_base,
                   c.attendance_lonely_effect, c.floor_meeting_prob,
                   c.tie_formation_room * e.scalar[EF_TIE_FORMATION], c.tie_formation_floor)
    S.ev[EV_ROOM_VISITS] += visits
    _update(rows, res.community, res.person, res.home, res.seat, res.loneliness,
            res.loneliness_base, res.vitality, res.partner, S.net_row_sum, S.net_scale[0],
            res.activity, res.room_activity, flags, z, e.lonely_shift, c)


@kernel
def burn_in(S, C, g, rows, weeks):
    """Ties built up before the simulation starts: ``weeks`` of meeting, with activity."""
    res = S.res
    memory = C.lon.activity_memory_weeks
    for _ in range(weeks):
        flags = socialise(S, C, g.random((2, C.n_persons)))
        for r in rows:
            f = flags[r]
            res.activity[r] += ((1.0 if f > 0 else 0.0) - res.activity[r]) / memory
            res.room_activity[r] += ((1.0 if (f & ATTEND) > 0 else 0.0)
                                     - res.room_activity[r]) / memory


@glue
def set_target_with_noise(S, C, rows, noise):
    """Loneliness of ``rows`` at its target plus ``4 × noise_sd × noise``, within 0-11.

    The target is :func:`_target`'s formula, written out here so that this function
    allocates nothing (then numba prunes the reference counts of the state).
    """
    c, res, row_sum, shift = C.lon, S.res, S.net_row_sum, S.eff.lonely_shift
    scale = S.net_scale[0]
    for k in range(len(rows)):
        i = rows[k]
        home = res.home[i]
        sup = support(home, row_sum[res.seat[i]] if home else 0.0, scale, res.partner[i], c)
        tgt = (res.loneliness_base[i] + c.frailty_effect * (c.vitality_reference - res.vitality[i])
               - c.network_effect * (sup - c.network_reference) + shift[i])
        res.loneliness[i] = min(max(tgt + c.noise_sd * 4 * noise[k], 0.0), 11.0)
