"""The compiled week: the processes of a week, and many weeks, in one compiled call.

The model's state is a tree of NamedTuples of numpy arrays (:class:`State`), the very
arrays that the populations, the network and the effects own in Python, so Mesa agents
read what the compiled code writes. Coefficients are NamedTuples too, one per process
(:class:`Coefficients`). :func:`run_weeks` runs the weeks of a run back to back and hands
control back to Python only when it needs room that only Python can allocate (a staff
pool that grew, a longer nursing-home list, another level of newcomers' traits); Python
then makes the room and calls it again, so the weeks run are the same whatever the
chunks. The two arms of a pair run in the same call, in lockstep on one set of draws.

The order of events in a week is declared once, in :data:`WEEK`; the model's ``step``
docstring is made from it and a test checks that :func:`run_weeks` follows it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

from thuisplus.sim import care as care_mod
from thuisplus.sim.effects import EffectArrays
from thuisplus.sim.interventions import Funding, apply_builtin, funding_terms
from thuisplus.sim.interventions.base import reset_effects
from thuisplus.sim.processes import (
    care_needs,
    demography,
    informal_care,
    loneliness,
    moves,
    staffing,
    vitality,
)
from thuisplus.sim.processes._jit import glue, kernel
from thuisplus.sim.processes._pcg import NO_COLUMNS, NO_STATE
from thuisplus.sim.processes.common import (
    AGE_75,
    AGE_85,
    CNT_APPLIED,
    CNT_DRAW_DEBT,
    CNT_EMPTY_WEEKS,
    CNT_LEDGER,
    CNT_LIVE,
    CNT_NH,
    CNT_PREFERRED,
    CNT_STATUS,
    EVENTS,
    IN_NURSING_HOME,
    L_NURSING_HOME,
    L_WEEKS_COMPLEX,
    L_WEEKS_LONELY,
    L_WEEKS_SEVERELY_LONELY,
    ST_OK,
    WLZ_ASSESSING,
    WLZ_VPT,
    _splitmix64,
    inverse_normal,
    live_rows,
    nonliteral,
    refresh_live,
    unit_uniform,
)
from thuisplus.sim.processes.loneliness import LONELY, SEVERELY_LONELY

__all__ = ["PROCESSES", "TAPE_KEYED", "TAPE_OFF", "TAPE_RECORD", "TAPE_REPLAY", "WEEK", "Arm",
           "Coefficients", "Columns", "Draws", "Ledger", "State", "Tape", "draw_shapes",
           "has_room", "keyed_week", "new_tape", "run_weeks"]

# The stages of a week, in order: (label, what happens, the function run_weeks calls).
WEEK = (
    ("new year", "in the first week of a calendar year, the persons' ledger of the year that "
     "ended is closed", "close_year"),
    ("interventions", "reset and set the effect modifiers (``model.effects``)",
     "apply_builtin"),
    ("ageing and mortality", "of every person followed, wherever they live; residents' "
     "moves out of the complex (demography)", "demography.week"),
    ("health", "vitality decline, falls, hospital episodes, dementia onset", "vitality.week"),
    ("loneliness and network", "meeting in the room and on the floor, tie decay, "
     "loneliness towards its target, activity", "loneliness.week"),
    ("care needs", "Wmo and district-nursing demand, GP and physio use, Wlz assessment, "
     "indication at home or nursing-home admission (the resident leaves)", "care_needs.week"),
    ("informal care", "carers found, care given, burden, sick leave, breakdowns; missing "
     "informal care raises formal Wmo hours", "informal_care.week"),
    ("staffing", "turnover, provider choice of new clients, travel shares, hiring (payroll "
     "or PNIL) and redeployment, assignment to workers, delivery up to capacity (the rest "
     "is unmet care, which speeds vitality decline next week), attachment",
     "staffing.week"),
    ("moves", "applicant households of this week start to be followed elsewhere (their "
     "loneliness at its target); dwellings empty since an earlier week are let to the "
     "first waiting household the inflow policy picks", "moves.week"),
    ("persons' weeks", "where each person lived this week, lonely or not, into the person "
     "ledger; days of the persons in a nursing home", "persons_week"),
    ("accounting", "use × unit costs per law, recorded for the week", "record"),
)


def week_docstring() -> str:
    """The order of events of a week, as a numbered list (from :data:`WEEK`)."""
    lines = [f"{k}. **{label}**: {what};" for k, (label, what, _) in enumerate(WEEK, 1)]
    lines[-1] = lines[-1][:-1] + "."
    return "\n".join(lines)


#: The processes: each declares its parameters, random stream and recorded events
#: (``PARAMS``, ``GROUP``, ``STREAM``, ``RECORDS``; see :mod:`thuisplus.sim.processes`).
PROCESSES = (demography, vitality, loneliness, care_needs, informal_care, staffing, moves)

# Generators passed to the compiled week, in this order (names of thuisplus.sim.rng.STREAMS).
GENERATORS = (*(m.STREAM for m in PROCESSES), "interventions")
G_DEMOGRAPHY, G_VITALITY, G_LONELINESS, G_CARE, G_INFORMAL, G_STAFFING, G_INFLOW, \
    G_INTERVENTIONS = range(len(GENERATORS))

# Sums over residents kept by the weekly summary.
S_N, S_AGE, S_VIT, S_FRAIL, S_DEM, S_LON, S_LONELY, S_SEVERE, S_TIES = range(9)
S_WMO, S_WMO_PREF, S_BEG, S_DN, S_WLZ_HOME, S_WLZ_ASSESS, S_ATTACH = range(9, 16)
S_ELSEWHERE = 16
S_SEVERE_PERSONS = 17           # persons followed, severely lonely (written by persons_week)
# residents and household-help clients of the complex by age band (common.AGE_75, AGE_85)
S_N_75_84, S_N_85PLUS, S_HH_75_84, S_HH_85PLUS = range(18, 22)
N_STATS = 22


class State(NamedTuple):
    """Everything a week reads and writes (views on the model's arrays)."""

    res: Any                    # ResidentRows
    car: Any                    # InformalCarerRows
    staff: Any                  # StaffMemberRows
    occupants: np.ndarray       # persons per dwelling
    vacated_week: np.ndarray    # week each dwelling last fell empty
    lettings: np.ndarray        # households let per dwelling so far
    demand_hh: np.ndarray       # this week's demand per resident row (hours)
    demand_beg: np.ndarray
    demand_dn: np.ndarray
    demand_wmo: np.ndarray
    flags: np.ndarray           # scratch, per resident row
    carer_flags: np.ndarray     # scratch, per carer row
    staff_flags: np.ndarray     # scratch, per staff row
    scratch_idx: np.ndarray
    scratch_need: np.ndarray
    scratch_got: np.ndarray
    scratch_work: np.ndarray
    scratch_unmet: np.ndarray
    scratch_load: np.ndarray
    scratch_acc: np.ndarray     # a process's accumulators (each zeroes what it uses)
    scratch_prov: np.ndarray    # int64 (4, providers): staffing's per-provider figures
    scratch_travel: np.ndarray  # per provider
    scratch_noise: np.ndarray   # newcomers' loneliness noise (moves.week)
    net_stored: np.ndarray      # tie strengths / scale
    net_row_sum: np.ndarray
    net_scale: np.ndarray       # one element
    cnt: np.ndarray             # integer counters (CNT_* slots)
    ev: np.ndarray              # this week's events (EVENTS order)
    stats: np.ndarray           # scratch of the weekly summary
    eff: EffectArrays
    app: moves.Applicants
    rec: np.ndarray             # the weekly table (week × column)
    unit_cost: np.ndarray       # € per unit of each care type, per week
    person_year: np.ndarray     # this calendar year's ledger so far, per person row × LEDGER
    ledger: Any                 # Ledger: the person ledger of the years before
    live: np.ndarray            # int64: rows of the living persons, in order (refresh_live)
    drawn: np.ndarray           # int64: the person columns the week's draws fill (draw_columns)


class Ledger(NamedTuple):
    """The person ledger: one entry per person and calendar year (fields: ``LEDGER``).

    The processes add each person's use and weeks to ``State.person_year``; when a week
    starts a new calendar year, the rows of the year that ended are moved here (persons
    with anything to book). Python adds the current year's rows when it reads the ledger
    (:meth:`thuisplus.sim.model.ThuisplusModel.ledger`).
    """

    year_of_week: np.ndarray    # int64: calendar year of each week
    row: np.ndarray             # int64: person row of each entry
    year: np.ndarray            # int64: its calendar year
    values: np.ndarray          # entries × LEDGER


class Columns(NamedTuple):
    """Where the weekly record writes each figure (column numbers of ``State.rec``)."""

    residents: int
    households: int
    vacant: int
    continuity: int
    nh_residents: int
    staff: int
    staff_pnil: int
    use: int                    # first of the use columns (CARE_TYPES order)
    cost: int                   # first of the cost columns
    law: int                    # first of the per-law cost columns
    events: np.ndarray          # columns of the recorded events ...
    event_slots: np.ndarray     # ... and their EVENTS slots
    means: np.ndarray           # columns of means over residents ...
    mean_slots: np.ndarray      # ... and their summary slots
    counts: np.ndarray
    count_slots: np.ndarray
    use_slots: np.ndarray       # EVENTS slots of the use of each care type but the last
    law_of_type: np.ndarray     # law (0 Wmo, 1 Zvw, 2 Wlz) of each care type


class Coefficients(NamedTuple):
    """Everything a week reads that does not change during a run."""

    n_seats: int
    n_persons: int              # rows of the resident population: everyone ever followed
    dwellings: int
    programme_weeks: int        # the Thuisplusflat runs in weeks [policy_week, this)
    entropy64: np.uint64        # the run's entropy reduced to 64 bits (keyed draws)
    frail_threshold: float
    demo: demography.Coefficients
    vit: vitality.Coefficients
    lon: loneliness.Coefficients
    care: care_needs.Coefficients
    ic: informal_care.Coefficients
    staff: staffing.Coefficients
    moves: moves.Coefficients
    policy_week: int            # first week of the Thuisplusflat's inflow policy (or never)
    vital_share: float          # share of vital newcomers before it, and during it
    vital_share_policy: float
    referral_share: float       # share of lettings to district-nurse referrals during it


@glue
def has_room(S, C, week):
    """Whether ``week`` can run without Python allocating more room first.

    One exit and no call: numba then prunes the reference counts of the state it takes.
    """
    staff = S.staff
    ok = staff.active.shape[0] >= 4 * staff.meta[1] + 64 * C.staff.n_providers
    ok &= week < S.rec.shape[0]
    ok &= week < S.unit_cost.shape[0]
    ok &= week < S.ledger.year_of_week.shape[0]
    ok &= S.ledger.row.shape[0] >= S.cnt[CNT_LEDGER] + S.res.meta[0]
    return ok


class Draws(NamedTuple):
    """One week's random numbers of every process but the interventions'.

    Drawn once per week from the run's streams, in a fixed amount whatever the state, so
    the two arms of a pair can share them (:func:`run_weeks`), and a :class:`Tape` can
    keep them for other runs on the same seed.
    """

    demography: np.ndarray
    vitality_z: np.ndarray
    vitality_u: np.ndarray
    loneliness_u: np.ndarray
    loneliness_z: np.ndarray
    care: np.ndarray
    informal: np.ndarray
    staff_turnover: np.ndarray
    staff_hire: np.ndarray
    staff_provider: np.ndarray
    staff_init: np.ndarray
    moves: np.ndarray


@glue
def draw_week(G, P, C, cols, full):
    """The week's :class:`Draws`, each process from its own stream.

    The per-person uniforms are made only in columns ``cols`` (the persons followed in
    either arm, :func:`draw_columns`; every column if ``full``), the streams moving on as
    if every column had been drawn (``thuisplus.sim.processes._pcg``): the values read are
    those of the whole block. ``P``: the streams' states (``_pcg.state_view``, in the
    order of ``G``).
    """
    vz, vu = vitality.draw(G[G_VITALITY], P[G_VITALITY], C, cols, full)
    lu, lz = loneliness.draw(G[G_LONELINESS], P[G_LONELINESS], C, cols, full)
    st = staffing.draw(G[G_STAFFING], P[G_STAFFING], C, False, 0, cols, full)
    return Draws(demography.draw(G[G_DEMOGRAPHY], P[G_DEMOGRAPHY], C, cols, full), vz, vu,
                 lu, lz, care_needs.draw(G[G_CARE], P[G_CARE], C, cols, full),
                 informal_care.draw(G[G_INFORMAL], P[G_INFORMAL], C, cols, full),
                 st[0], st[1], st[2], st[3], moves.draw(G[G_INFLOW], C))


def draw_week_numpy(G: Any, C: Coefficients) -> Draws:
    """:func:`draw_week` in plain numpy (every value): what the tapes are shaped on."""
    none, no_cols = NO_STATE, NO_COLUMNS
    vz, vu = vitality.draw.py_func(G[G_VITALITY], none, C, no_cols, True)
    lu, lz = loneliness.draw.py_func(G[G_LONELINESS], none, C, no_cols, True)
    st = staffing.draw.py_func(G[G_STAFFING], none, C, False, 0, no_cols, True)
    return Draws(demography.draw.py_func(G[G_DEMOGRAPHY], none, C, no_cols, True), vz, vu,
                 lu, lz, care_needs.draw.py_func(G[G_CARE], none, C, no_cols, True),
                 informal_care.draw.py_func(G[G_INFORMAL], none, C, no_cols, True),
                 st[0], st[1], st[2], st[3], moves.draw.py_func(G[G_INFLOW], C))


@glue
def draw_columns(S0, S1, two):
    """The person columns the week's draws must fill: the persons followed in either arm.

    The rows of :func:`~thuisplus.sim.processes.common.live_rows` of ``S0`` (and ``S1`` if
    ``two``) at the start of the week, merged in ascending order into ``S0.drawn``; their
    number. Every loop over persons goes over these rows (an applicant who appears
    during the week reads the week's draws from the next week on).
    """
    refresh_live(S0)
    a = S0.live[:S0.cnt[CNT_LIVE]]
    out = S0.drawn
    if not two:
        out[:a.shape[0]] = a
        return a.shape[0]
    refresh_live(S1)
    b = S1.live[:S1.cnt[CNT_LIVE]]
    i = j = n = 0
    while i < a.shape[0] or j < b.shape[0]:
        if j >= b.shape[0] or (i < a.shape[0] and a[i] < b[j]):
            out[n] = a[i]
            i += 1
        elif i >= a.shape[0] or b[j] < a[i]:
            out[n] = b[j]
            j += 1
        else:
            out[n] = a[i]
            i += 1
            j += 1
        n += 1
    return n


# What run_weeks does with its tape (TAPE_KEYED: the tape is one week's buffer that the
# keyed draws fill, see keyed_week).
TAPE_OFF, TAPE_RECORD, TAPE_REPLAY, TAPE_KEYED = 0, 1, 2, 3


class Tape(NamedTuple):
    """The draws of a run's weeks, kept to be replayed by other runs on the same seed.

    Every process draws a fixed amount each week whatever the state, so the draws of a
    seed's weeks are the same in every arm and at every setting of the Thuisplusflat.
    A tape records them once (``mode = TAPE_RECORD``, in a baseline arm, say) and serves
    them to later runs (``TAPE_REPLAY``) instead of drawing: the same numbers, without
    the ~12 ms a 520-week run spends drawing. ``draws``: :class:`Draws` whose arrays have
    a leading axis of weeks, week ``first`` first.
    """

    mode: int
    first: int
    draws: Draws
    seats: np.ndarray           # scratch of the keyed draws: persons whose normals are needed


@glue
def _taped_week(T, k):
    """Week ``k`` of tape ``T`` (views, not copies)."""
    d = T.draws
    return Draws(d.demography[k], d.vitality_z[k], d.vitality_u[k], d.loneliness_u[k],
                 d.loneliness_z[k], d.care[k], d.informal[k], d.staff_turnover[k],
                 d.staff_hire[k], d.staff_provider[k], d.staff_init[k], d.moves[k])


@glue
def _record_week(T, k, D):
    """Copy the week's draws ``D`` onto tape ``T`` at week ``k``."""
    d = T.draws
    d.demography[k][...] = D.demography
    d.vitality_z[k][...] = D.vitality_z
    d.vitality_u[k][...] = D.vitality_u
    d.loneliness_u[k][...] = D.loneliness_u
    d.loneliness_z[k][...] = D.loneliness_z
    d.care[k][...] = D.care
    d.informal[k][...] = D.informal
    d.staff_turnover[k][...] = D.staff_turnover
    d.staff_hire[k][...] = D.staff_hire
    d.staff_provider[k][...] = D.staff_provider
    d.staff_init[k][...] = D.staff_init
    d.moves[k][...] = D.moves


def draw_shapes(C: Coefficients) -> tuple[tuple[int, ...], ...]:
    """The shape of each array of a week's :class:`Draws` under coefficients ``C``."""
    week = draw_week_numpy(tuple(np.random.default_rng(0) for _ in GENERATORS), C)
    return tuple(x.shape for x in week)


def new_tape(C: Coefficients, first: int, weeks: int, mode: int) -> Tape:
    """A tape of ``weeks`` weeks from week ``first`` (zero weeks: no tape, ``TAPE_OFF``).

    ``TAPE_KEYED``: a buffer of one week for the keyed draws (``weeks`` is ignored).
    """
    if mode == TAPE_KEYED:
        weeks = 1
    return Tape(mode, first, Draws(*(np.zeros((weeks, *x)) for x in draw_shapes(C))),
                np.zeros(C.n_persons if mode == TAPE_KEYED else 0, dtype=np.bool_))


# ---------------------------------------------------------------- keyed draws (opt-in)
# Keys of the processes' draws in the keyed engine (one per field of Draws).
_KEYED_FIELDS = np.uint64(0x5EED5)


@glue
def _keyed_fill(a, key):
    """Fill array ``a`` (any shape, C order) with uniforms in [0, 1) keyed by ``key``."""
    flat = a.reshape(-1)
    for i in range(flat.shape[0]):
        flat[i] = unit_uniform(_splitmix64(key + np.uint64(i)))


@glue
def _keyed_normals(z, key, seats):
    """Standard normals keyed by ``key`` at the flagged ``seats`` of ``z`` (others 0)."""
    for s in range(z.shape[0]):
        if seats[s]:
            # half a step up: in (0, 1), where the inverse normal is finite
            z[s] = inverse_normal(unit_uniform(_splitmix64(key + np.uint64(s))) + 2.0**-54)
        else:
            z[s] = 0.0


@kernel
def _flag_persons(persons, h, community):
    """Flag the persons of rows ``[:h]`` outside a nursing home (they draw normals)."""
    for i in range(h):
        if community[i]:
            persons[i] = True


@glue
def keyed_week(T, S0, S1, two, C, week):
    """The week's :class:`Draws` keyed by (run, process, week, index): the keyed engine.

    Each value is SplitMix64 of a key made of the run's entropy, the field of
    :class:`Draws` (the process and what it draws), the week and the position (person,
    dwelling or row), so the same person draws the same numbers in every arm and
    whatever the rest of the complex does. Uniforms are made for every position (0.4 ns
    each); normals, which cost ~10 ns each (the inverse normal), only for the persons
    outside a nursing home in any arm at the start of the week, the only ones the week
    reads. Not the reference engine's numbers: its equivalence is statistical
    (tests/test_keyed.py).
    """
    seats = T.seats
    seats[:] = False
    _flag_persons(seats, S0.res.meta[0], S0.res.community)
    if two:
        _flag_persons(seats, S1.res.meta[0], S1.res.community)
    base = _splitmix64(np.uint64(C.entropy64) ^ _KEYED_FIELDS)
    base = _splitmix64(base ^ np.uint64(week))
    d = T.draws
    k = np.uint64(0x9E3779B97F4A7C15)
    _keyed_fill(d.demography[0], _splitmix64(base ^ (k * np.uint64(1))))
    _keyed_normals(d.vitality_z[0], _splitmix64(base ^ (k * np.uint64(2))), seats)
    _keyed_fill(d.vitality_u[0], _splitmix64(base ^ (k * np.uint64(3))))
    _keyed_fill(d.loneliness_u[0], _splitmix64(base ^ (k * np.uint64(4))))
    _keyed_normals(d.loneliness_z[0], _splitmix64(base ^ (k * np.uint64(5))), seats)
    _keyed_fill(d.care[0], _splitmix64(base ^ (k * np.uint64(6))))
    _keyed_fill(d.informal[0], _splitmix64(base ^ (k * np.uint64(7))))
    _keyed_fill(d.staff_turnover[0], _splitmix64(base ^ (k * np.uint64(8))))
    _keyed_fill(d.staff_hire[0], _splitmix64(base ^ (k * np.uint64(9))))
    _keyed_fill(d.staff_provider[0], _splitmix64(base ^ (k * np.uint64(10))))
    _keyed_fill(d.staff_init[0], _splitmix64(base ^ (k * np.uint64(11))))
    _keyed_fill(d.moves[0], _splitmix64(base ^ (k * np.uint64(12))))
    return _taped_week(T, 0)


class Arm(NamedTuple):
    """One arm's part of a compiled run: its state, coefficients and interventions."""

    S: State
    C: Coefficients
    cols: Columns               # where the weekly record writes (apart from C: every
    #                             function that takes C counts references to its arrays)
    ks: tuple                   # coefficients of every registered intervention
    f: Funding
    builtin: bool               # apply the built-in interventions (else Python did)


@kernel
def one_week(S, C, cols, D, ks, f, builtin, g_interventions, w):
    """The stages of week ``w`` (see :data:`WEEK`) on state ``S`` with draws ``D``.

    The Thuisplusflat (its interventions and inflow policy) runs during the programme
    only; afterwards every effect is neutral and the persons are followed as in the
    baseline.
    """
    programme = w < C.programme_weeks
    close_year(S, w)
    refresh_live(S)  # those who died last week leave the loops over persons
    if builtin:
        if programme:
            apply_builtin(S, ks, f, w, g_interventions)
        else:
            reset_effects(S.eff)
    demography.week(S, C, D.demography, w)
    vitality.week(S, C, D.vitality_z, D.vitality_u)
    loneliness.week(S, C, D.loneliness_u, D.loneliness_z)
    care_needs.week(S, C, D.care, w, C.care.p_indication, C.care.p_home_admission)
    informal_care.week(S, C, D.informal, nonliteral(False))
    staffing.week(S, C, D.staff_turnover, D.staff_hire, D.staff_provider, D.staff_init,
                  nonliteral(False), w)
    policy = C.policy_week <= w and programme
    n_new = moves.week(S, C, D.moves, w, C.vital_share_policy if policy else C.vital_share,
                       C.referral_share if policy else 0.0)
    loneliness.set_target_with_noise(S, C, S.scratch_idx[:n_new], S.scratch_noise[:n_new])
    refresh_live(S)  # the applicants of this week join them
    nh_days = persons_week(S)
    record(S, C, cols, w, nh_days)


@glue
def nobody_left(S, C, w):
    """Whether week ``w`` has nothing left to simulate (then :func:`empty_week` runs it).

    After the programme and its last application, with no person followed (every one has
    died), no informal carer, no staff member and nobody in a dwelling, a week changes
    nothing but its row of the weekly table (zeros) and the streams it draws from. About
    a fifth of a lifetime run's weeks are such weeks. Returns at the first row still
    active, so the check costs little while anybody is left.
    """
    if w < C.programme_weeks or S.cnt[CNT_EMPTY_WEEKS] == 0:
        return False
    if S.cnt[CNT_APPLIED] < S.app.week.shape[0]:
        return False
    res, car, staff = S.res, S.car, S.staff
    for i in range(res.meta[0]):
        if res.active[i]:
            return False
    for i in range(car.meta[0]):
        if car.active[i]:
            return False
    for i in range(staff.meta[0]):
        if staff.active[i]:
            return False
    for d in range(C.dwellings):
        if S.occupants[d] != 0:
            return False
    return True


@kernel
def empty_week(S, C, cols, builtin, w):
    """Week ``w`` with nobody left (:func:`nobody_left`): what :func:`one_week` would do.

    The processes loop over no one; the year's ledger closes, the effects stay neutral,
    the ties of the empty seats decay (:func:`loneliness.tick`) and the week's row is
    recorded as in :func:`one_week`. The week's draws are not
    made: the caller counts them as owed (``CNT_DRAW_DEBT``) where they come from the
    streams.
    """
    close_year(S, w)
    if builtin:
        reset_effects(S.eff)
    loneliness.tick(S, C.lon)
    nh_days = persons_week(S)
    record(S, C, cols, w, nh_days)


def _borrow_value(context, builder, ty, val):
    """``val`` of type ``ty`` with every array in it borrowed (see :func:`borrowed`)."""
    if isinstance(ty, types.Array):
        ary = context.make_array(ty)(context, builder, value=val)
        ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
        ary.parent = cgutils.get_null_value(ary.parent.type)
        return ary._getvalue()
    if isinstance(ty, types.BaseTuple):
        out = val
        for i, t in enumerate(ty.types):
            item = builder.extract_value(val, i)
            out = builder.insert_value(out, _borrow_value(context, builder, t, item), i)
        return out
    return val


@intrinsic
def borrowed(typingctx, tree):
    """The same tree of tuples and arrays, its arrays *borrowed*: without a memory owner.

    Numba counts references to every array a compiled function receives or copies (an
    atomic increment and decrement per array), and it cannot prune those counts in a
    function that calls others: each call of a function that takes the state cost about
    250 atomic operations, a quarter of the compiled time. An array without an owner
    (as ``numba.carray`` makes) skips them. Safe because the arrays belong to Python
    objects that outlive the compiled call, and none of them is returned or stored
    beyond it. Same type, same data: results are unchanged.
    """
    def codegen(context, builder, sig, args):
        return _borrow_value(context, builder, tree, args[0])

    return tree(tree), codegen


@kernel
def run_weeks(arms, G, P, g_interventions, n_arms, fresh_events, first, n, T):
    """Run weeks ``first`` .. ``first + n - 1`` of ``n_arms`` arms; returns how many ran.

    ``arms``: two :class:`Arm` of one type (a single run passes its arm twice and
    ``n_arms = 1``). Each week's draws come once from the first arm's streams ``G`` (their
    states ``P``, see :func:`draw_week`) and serve every arm (the arms of a pair draw the
    same amounts: same building and providers); each arm keeps its own interventions
    stream (``g_interventions[a]``).
    Stops early, before a week, when that week needs room that Python must allocate
    (:func:`has_room`), or after a week whose status is not ``ST_OK``. A week with
    nobody left in any arm (:func:`nobody_left`) runs as :func:`empty_week`, without
    draws: owed by the streams (``CNT_DRAW_DEBT`` of arm 0, drawn before the next week
    that draws, or by Python when it reads them), or free with a tape replayed or keyed
    draws; a tape being recorded draws every week.
    ``fresh_events``: zero each week's events first (else the caller did, having
    applied interventions in Python). ``T``: a :class:`Tape` to record the draws on or to
    replay them from (instead of ``G``), or one with ``TAPE_OFF``. One entry point, one
    call of the week: every compiled entry point costs a whole code generation of the
    engine.
    """
    # The arms' arrays borrowed (no reference counts, see borrowed), and each arm's parts
    # taken once per call, not each week.
    arms = borrowed(arms)
    S0, C0, cols0, ks0 = arms[0].S, arms[0].C, arms[0].cols, arms[0].ks
    S1, C1, cols1, ks1 = arms[1].S, arms[1].C, arms[1].cols, arms[1].ks
    f0, b0, f1, b1 = arms[0].f, arms[0].builtin, arms[1].f, arms[1].builtin
    g0, g1 = g_interventions[0], g_interventions[1]
    two = n_arms > 1
    for k in range(n):
        w = first + k
        if not has_room(S0, C0, w) or (two and not has_room(S1, C1, w)):
            return k
        if (T.mode != TAPE_RECORD and nobody_left(S0, C0, w)
                and (not two or nobody_left(S1, C1, w))):
            if T.mode == TAPE_OFF:
                S0.cnt[CNT_DRAW_DEBT] += 1  # the streams of arm 0 (those of the draws)
            if fresh_events:
                S0.ev[:] = 0.0
            empty_week(S0, C0, cols0, b0, w)
            if two:
                if fresh_events:
                    S1.ev[:] = 0.0
                empty_week(S1, C1, cols1, b1, w)
            continue
        if T.mode == TAPE_REPLAY:
            D = _taped_week(T, w - T.first)
        elif T.mode == TAPE_KEYED:
            D = keyed_week(T, S0, S1, two, C0, w)
        else:
            # first the draws the streams owe (of weeks with nobody left: none of their
            # per-person uniforms is read), then the week's
            owed = S0.cnt[CNT_DRAW_DEBT]
            S0.cnt[CNT_DRAW_DEBT] = 0
            for _ in range(owed):
                draw_week(G, P, C0, S0.drawn[:0], False)
            record = T.mode == TAPE_RECORD  # a tape serves other arms: every column
            m = 0 if record else draw_columns(S0, S1, two)
            D = draw_week(G, P, C0, S0.drawn[:m], record)
            if record:
                _record_week(T, w - T.first, D)
        if fresh_events:
            S0.ev[:] = 0.0
        one_week(S0, C0, cols0, D, ks0, f0, b0, g0, w)
        if two:
            if fresh_events:
                S1.ev[:] = 0.0
            one_week(S1, C1, cols1, D, ks1, f1, b1, g1, w)
        if S0.cnt[CNT_STATUS] != ST_OK or (two and S1.cnt[CNT_STATUS] != ST_OK):
            return k + 1
    return n


@glue
def _summarise(S, C, programme):
    """Sums and counts over the residents for the weekly record (one pass).

    Summed in locals (registers, not memory), each in the order of the rows. Residents
    of the complex during the ``programme`` are marked ``exposed``; persons elsewhere
    are counted.
    """
    res, st = S.res, S.stats
    scale = S.net_scale[0]
    n = age = vit = frail = dem = lon = lonely = severe = ties = 0.0
    wmo = wmo_pref = beg = dn = wlz_home = wlz_assess = attach = elsewhere = 0.0
    n_75 = n_85 = hh_75 = hh_85 = 0.0
    for i in live_rows(S):
        if not res.home[i]:
            if res.active[i] and res.community[i]:
                elsewhere += 1.0
            continue
        if programme:
            res.exposed[i] = True
        n += 1.0
        a = res.age[i]
        age += a
        hh = S.demand_hh[i] > 0.0
        if a >= AGE_85:
            n_85 += 1.0
            if hh:
                hh_85 += 1.0
        elif a >= AGE_75:
            n_75 += 1.0
            if hh:
                hh_75 += 1.0
        vit += res.vitality[i]
        if res.vitality[i] < C.frail_threshold:
            frail += 1.0
        if res.dementia[i]:
            dem += 1.0
        L = res.loneliness[i]
        lon += L
        if L >= LONELY:
            lonely += 1.0
        if L >= SEVERELY_LONELY:
            severe += 1.0
        ties += S.net_row_sum[res.seat[i]] * scale
        if S.demand_wmo[i] > 0.0:
            wmo += 1.0
            attach += res.attachment[i]
            if res.provider[i] == 0:
                wmo_pref += 1.0
        if S.demand_beg[i] > 0.0:
            beg += 1.0
        if S.demand_dn[i] > 0.0:
            dn += 1.0
        if res.wlz[i] >= WLZ_VPT:
            wlz_home += 1.0
        elif res.wlz[i] == WLZ_ASSESSING:
            wlz_assess += 1.0
    st[S_N], st[S_AGE], st[S_VIT], st[S_FRAIL], st[S_DEM] = n, age, vit, frail, dem
    st[S_LON], st[S_LONELY], st[S_SEVERE], st[S_TIES] = lon, lonely, severe, ties
    st[S_WMO], st[S_WMO_PREF], st[S_BEG], st[S_DN] = wmo, wmo_pref, beg, dn
    st[S_WLZ_HOME], st[S_WLZ_ASSESS], st[S_ATTACH] = wlz_home, wlz_assess, attach
    st[S_ELSEWHERE] = elsewhere
    st[S_N_75_84], st[S_N_85PLUS], st[S_HH_75_84], st[S_HH_85PLUS] = n_75, n_85, hh_75, hh_85


@glue
def close_year(S, w):
    """Close the calendar year that ended if week ``w`` starts a new one.

    Each person's ledger of that year moves into ``S.ledger`` and ``S.person_year`` starts
    afresh. Persons with nothing booked (not followed that year) get no entry. Room for
    every row was checked before the week (:func:`has_room`).
    """
    led, py = S.ledger, S.person_year
    if w == 0 or led.year_of_week[w] == led.year_of_week[w - 1]:
        return
    year = led.year_of_week[w - 1]
    n = S.cnt[CNT_LEDGER]
    for i in range(S.res.meta[0]):
        booked = False
        for k in range(py.shape[1]):
            if py[i, k] != 0.0:
                booked = True
                break
        if not booked:
            continue
        led.row[n] = i
        led.year[n] = year
        for k in range(py.shape[1]):
            led.values[n, k] = py[i, k]
            py[i, k] = 0.0
        n += 1
    S.cnt[CNT_LEDGER] = n


@glue
def persons_week(S):
    """Each living person's week into the ledger: where, lonely; nursing-home days.

    Returns the nursing-home days of the week: seven for every person alive in a nursing
    home (booked to each of them too). Counts the severely lonely persons, wherever they
    live outside a nursing home, for the weekly record.
    """
    res, py = S.res, S.person_year
    n = 0
    severe = 0.0
    for i in live_rows(S):
        if not res.active[i]:
            continue
        where = res.where[i]
        py[i, L_WEEKS_COMPLEX + where] += 1.0
        if where == IN_NURSING_HOME:
            n += 1
            py[i, L_NURSING_HOME] += 7.0
        else:
            if res.loneliness[i] >= LONELY:
                py[i, L_WEEKS_LONELY] += 1.0
            if res.loneliness[i] >= SEVERELY_LONELY:
                py[i, L_WEEKS_SEVERELY_LONELY] += 1.0
                severe += 1.0
    S.cnt[CNT_NH] = n
    S.stats[S_SEVERE_PERSONS] = severe
    return 7 * n


@glue
def record(S, C, cols, week, nh_days):
    """The week's row of the weekly table: population, health, care use and cost.

    Care use and cost are those of every person followed, wherever they live (the
    complex, elsewhere, a nursing home); the other figures are the complex's.
    """
    _summarise(S, C, week < C.programme_weeks)
    st, ev = S.stats, S.ev
    r = S.rec[week]
    n = st[S_N]
    r[cols.residents] = n
    occupied = 0
    for d in range(C.dwellings):
        if S.occupants[d] != 0:
            occupied += 1
    r[cols.households] = occupied
    r[cols.vacant] = C.dwellings - occupied
    for k in range(len(cols.events)):
        r[cols.events[k]] = ev[cols.event_slots[k]]
    if n:
        for k in range(len(cols.means)):
            r[cols.means[k]] = st[cols.mean_slots[k]] / n
    for k in range(len(cols.counts)):
        r[cols.counts[k]] = st[cols.count_slots[k]]
    if st[S_WMO]:
        r[cols.continuity] = st[S_ATTACH] / st[S_WMO]
    S.cnt[CNT_PREFERRED] = int(st[S_WMO_PREF])
    r[cols.nh_residents] = nh_days / 7  # persons followed who live in a nursing home
    staff = S.staff
    n_staff = 0
    n_pnil = 0
    for w in range(staff.meta[0]):
        if staff.active[w]:
            n_staff += 1
            if staff.pnil[w]:
                n_pnil += 1
    r[cols.staff] = n_staff
    r[cols.staff_pnil] = n_pnil
    n_types = len(cols.law_of_type)
    for k in range(n_types - 1):
        r[cols.use + k] = ev[cols.use_slots[k]]
    r[cols.use + n_types - 1] = nh_days
    for k in range(3):
        r[cols.law + k] = 0.0
    for k in range(n_types):
        cost = r[cols.use + k] * S.unit_cost[week, k]
        r[cols.cost + k] = cost
        r[cols.law + cols.law_of_type[k]] += cost


def columns(names: list[str], recorded: tuple[str, ...], means: tuple[tuple[str, int], ...],
            counts: tuple[tuple[str, int], ...], use_events: tuple[str, ...]) -> Columns:
    """The :class:`Columns` of a weekly table with column ``names``."""
    col = {c: i for i, c in enumerate(names)}
    ev = {e: i for i, e in enumerate(EVENTS)}
    i64 = np.int64
    return Columns(
        col["residents"], col["households"], col["vacant_dwellings"], col["continuity"],
        col["nh_residents"], col["staff"], col["staff_pnil"],
        col["use_" + care_mod.CARE_TYPES[0].name], col["cost_" + care_mod.CARE_TYPES[0].name],
        col["cost_" + care_mod.LAWS[0]],
        np.array([col[k] for k in recorded], i64), np.array([ev[k] for k in recorded], i64),
        np.array([col[k] for k, _ in means], i64), np.array([s for _, s in means], i64),
        np.array([col[k] for k, _ in counts], i64), np.array([s for _, s in counts], i64),
        np.array([ev[k] for k in use_events], i64),
        np.array(care_mod.LAW_OF_TYPE, i64))


def funding(model: Any) -> Funding:
    """Funding terms of the model's contract (they scale the collective offer)."""
    return funding_terms(model.p.thuisplus.contract)
