"""Helpers shared by the processes: rate conversions and the inverse normal.

Yearly figures come in kinds told apart by their parameter's unit
(:data:`thuisplus.sim.param_base.PROB_YEAR`, :data:`~thuisplus.sim.param_base.RATE_YEAR`),
each with one conversion to what the processes use: a *yearly probability* to the weekly probability
(``yearly_to_weekly``) or to its constant hazard (``yearly_hazard``), a *yearly rate* of
events to the weekly probability (``rate_to_weekly``), and a mean duration in *weeks* to a
weekly rate (``1 / weeks``). A test checks that each conversion gets figures of its kind.
"""

from __future__ import annotations

import math

import numpy as np
from numba import literal_unroll

from thuisplus.sim.processes._jit import glue, kernel, plain

__all__ = ["WEEKS_PER_YEAR", "inverse_normal", "inverse_normal_array", "rate_to_weekly",
           "yearly_hazard", "yearly_to_weekly"]

WEEKS_PER_YEAR = 52.0


@kernel
def yearly_to_weekly(p_year: float) -> float:
    """Weekly probability with the same yearly probability (constant hazard)."""
    return -math.expm1(math.log1p(-min(p_year, 0.999999)) / WEEKS_PER_YEAR)


def yearly_hazard(p_year: float) -> float:
    """Constant yearly hazard (rate) with the yearly probability ``p_year``."""
    return -math.log1p(-p_year)


@kernel
def rate_to_weekly(rate_year: float) -> float:
    """Weekly probability of at least one event at a yearly rate."""
    return -math.expm1(-rate_year / WEEKS_PER_YEAR)


@kernel
def inverse_normal(p: float) -> float:
    """Standard normal quantile of ``p`` (Wichura 1988, algorithm AS241, ~1e-16 relative).

    Compiled, so that set-up code and the compiled week give the same bits (scipy's
    ``ndtri`` cannot be called from cached compiled code).
    """
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
                    + 6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r
                  + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
                + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q
        den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
                    + 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r
                  + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
                + 4.2313330701600911252e+1) * r + 1.0)
        return num / den
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    r = p if q <= 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r = r - 1.6
        num = (((((((7.7454501427834140764e-4 * r + 2.2723844989269184583e-2) * r
                    + 2.4178072517745061177e-1) * r + 1.2704582524523683826e+0) * r
                  + 3.6478483247632046050e+0) * r + 5.7694972214606914055e+0) * r
                + 4.6303378461565452959e+0) * r + 1.4234371107496835773e+0)
        den = (((((((1.0507500716444168432e-9 * r + 5.4759380849953449460e-4) * r
                    + 1.5198666563616457197e-2) * r + 1.4810397642748007459e-1) * r
                  + 6.8976733498510000455e-1) * r + 1.6763848301838038494e+0) * r
                + 2.0531916266377588219e+0) * r + 1.0)
    else:
        r = r - 5.0
        num = (((((((2.0103343992922881327e-7 * r + 2.7115555687434875782e-5) * r
                    + 1.2426609473880784386e-3) * r + 2.6532189526576123093e-2) * r
                  + 2.9656057182850489123e-1) * r + 1.7848265399172913358e+0) * r
                + 5.4637849111641143699e+0) * r + 6.6579046435011037772e+0)
        den = (((((((2.0442631033899397856e-15 * r + 1.4215117583164458887e-7) * r
                    + 1.8463183175100546818e-5) * r + 7.8686913114561329059e-4) * r
                  + 1.4875361290850614853e-2) * r + 1.3692988092273580531e-1) * r
                + 5.9983220655588793769e-1) * r + 1.0)
    x = num / den
    return -x if q < 0.0 else x


@kernel
def inverse_normal_array(p):
    """:func:`inverse_normal` of every element of a 1-D array."""
    out = np.empty(len(p))
    for k in range(len(p)):
        out[k] = inverse_normal(p[k])
    return out


# ---------------------------------------------------------------- weekly events
# Everything a process counts in a week, in the order of the engine's event array.
EVENTS = (
    "deaths", "admissions", "moves_out", "inflow", "falls", "ed", "hospital_days",
    "hospital_admissions", "gp", "gp_acute", "physio", "physio_acute", "vpt_weeks",
    "room_visits", "carer_sick_leave_hours", "carer_breakdowns", "informal_care_hours",
    "carers_active", "carers_overburdened", "residents_with_carer", "staff_turnover",
    "staff_hires", "unmet_care_hours", "travel_hours", "pnil_hours", "staff_hours",
    "household_help", "begeleiding", "district_nursing", "transfers", "referrals",
    "deaths_outside", "admissions_outside", "applications",
    # the providers' books (staffing): the household-help role of all providers, the
    # preferred provider's own figures per role, the complex's delivered hours
    "staff_hours_hh", "travel_hours_hh", "pnil_hours_hh",
    "staff_hours_pref_hh", "travel_hours_pref_hh", "pnil_hours_pref_hh", "hh_hours_pref",
    "beg_hours_pref", "staff_hours_pref_dn", "travel_hours_pref_dn", "pnil_hours_pref_dn",
    "dn_hours_pref", "staff_turnover_pref", "hh_hours_complex", "beg_hours_complex",
    "dn_hours_complex", "staff_turnover_pnil", "mpt_weeks",
    # the complex's deaths and admissions by age band (AGE_BANDS), for age-specific rates
    "deaths_75_84", "deaths_85plus", "admissions_75_84", "admissions_85plus",
    # the preferred provider's PNIL leavers (staffing: replacing them is the agency's)
    "staff_turnover_pref_pnil",
)
(EV_DEATHS, EV_ADMISSIONS, EV_MOVES_OUT, EV_INFLOW, EV_FALLS, EV_ED, EV_HOSPITAL_DAYS,
 EV_HOSPITAL_ADMISSIONS, EV_GP, EV_GP_ACUTE, EV_PHYSIO, EV_PHYSIO_ACUTE, EV_VPT_WEEKS,
 EV_ROOM_VISITS, EV_CARER_SICK_LEAVE_HOURS, EV_CARER_BREAKDOWNS, EV_INFORMAL_CARE_HOURS,
 EV_CARERS_ACTIVE, EV_CARERS_OVERBURDENED, EV_RESIDENTS_WITH_CARER, EV_STAFF_TURNOVER,
 EV_STAFF_HIRES, EV_UNMET_CARE_HOURS, EV_TRAVEL_HOURS, EV_PNIL_HOURS, EV_STAFF_HOURS,
 EV_HOUSEHOLD_HELP, EV_BEGELEIDING, EV_DISTRICT_NURSING, EV_TRANSFERS,
 EV_REFERRALS, EV_DEATHS_OUTSIDE, EV_ADMISSIONS_OUTSIDE, EV_APPLICATIONS,
 EV_STAFF_HOURS_HH, EV_TRAVEL_HOURS_HH, EV_PNIL_HOURS_HH, EV_STAFF_HOURS_PREF_HH,
 EV_TRAVEL_HOURS_PREF_HH, EV_PNIL_HOURS_PREF_HH, EV_HH_HOURS_PREF, EV_BEG_HOURS_PREF,
 EV_STAFF_HOURS_PREF_DN, EV_TRAVEL_HOURS_PREF_DN, EV_PNIL_HOURS_PREF_DN, EV_DN_HOURS_PREF,
 EV_STAFF_TURNOVER_PREF, EV_HH_HOURS_COMPLEX, EV_BEG_HOURS_COMPLEX,
 EV_DN_HOURS_COMPLEX, EV_STAFF_TURNOVER_PNIL, EV_MPT_WEEKS, EV_DEATHS_75_84,
 EV_DEATHS_85PLUS, EV_ADMISSIONS_75_84, EV_ADMISSIONS_85PLUS,
 EV_STAFF_TURNOVER_PREF_PNIL) = range(len(EVENTS))

#: Age bands of the age-specific weekly columns: [AGE_75, AGE_85) and AGE_85 and over,
#: the bands in which CBS and the GMSD publish (household help 75-84 and 85+).
AGE_75, AGE_85 = 75.0, 85.0
#: Events :func:`leave` also counts by age band when a process passes it the first one.
AGE_BAND_EVENTS = {"deaths": ("deaths_75_84", "deaths_85plus"),
                   "admissions": ("admissions_75_84", "admissions_85plus")}

# ---------------------------------------------------------------- the person ledger
# What each person used and lived through, per calendar year (the engine's ``led``): the
# use of every care type (thuisplus.sim.care.CARE_TYPES, in its order and units), the weeks lived in
# the complex, elsewhere and in a nursing home, the weeks lonely (De Jong Gierveld >= 3)
# and severely lonely (>= 9) outside a nursing home, the informal care hours the person
# received, the weeks their carer was overburdened and the carer's sick-leave hours.
LEDGER = (
    "household_help", "begeleiding", "district_nursing", "gp", "physio", "ed", "hospital",
    "vpt", "mpt", "nursing_home",
    "weeks_complex", "weeks_elsewhere", "weeks_nursing_home", "weeks_lonely",
    "weeks_severely_lonely", "informal_care_hours", "carer_overburdened_weeks",
    "carer_sick_leave_hours",
)
(L_HOUSEHOLD_HELP, L_BEGELEIDING, L_DISTRICT_NURSING, L_GP, L_PHYSIO, L_ED, L_HOSPITAL,
 L_VPT, L_MPT, L_NURSING_HOME, L_WEEKS_COMPLEX, L_WEEKS_ELSEWHERE, L_WEEKS_NURSING_HOME,
 L_WEEKS_LONELY, L_WEEKS_SEVERELY_LONELY, L_INFORMAL_CARE_HOURS, L_CARER_OVERBURDENED_WEEKS,
 L_CARER_SICK_LEAVE_HOURS) = range(len(LEDGER))
N_LEDGER = len(LEDGER)

# Wlz status of a person: none, being assessed, care at home as a full package (vpt) or
# as modules (mpt). Both at-home states are ``>= WLZ_VPT``; a nursing home is ``where``.
WLZ_NONE, WLZ_ASSESSING, WLZ_VPT, WLZ_MPT = 0, 1, 2, 3

# Slots of the engine's integer counters (``state.cnt``).
# (CNT_NH: persons in a nursing home; CNT_APPLIED: applicant households applied so far;
# CNT_QUEUE: the first household that may still wait, see thuisplus.sim.processes.moves.)
# CNT_LEDGER: rows of the person ledger filled so far, see LEDGER.)
# CNT_EMPTY_WEEKS: 1 lets the compiled week skip the processes of weeks with nobody left
# (thuisplus.sim.engine.nobody_left), 0 runs them all; CNT_DRAW_DEBT: weeks whose draws
# the streams still owe (skipped in such weeks; drawn before the next week that draws, or
# when Python reads the streams, thuisplus.sim.model.ThuisplusModel.streams).
# CNT_LIVE: persons in the list of living rows (State.live, see refresh_live);
# CNT_LIVE_HIGH: rows below it have been looked at for that list; CNT_LIVE_ALL: 1 makes
# the list every row that has appeared, dead or alive (to check that it changes nothing).
(CNT_UID, CNT_NH, CNT_PREFERRED, CNT_STATUS, CNT_APPLIED, CNT_QUEUE, CNT_LEDGER,
 CNT_EMPTY_WEEKS, CNT_DRAW_DEBT, CNT_LIVE, CNT_LIVE_HIGH, CNT_LIVE_ALL) = range(12)
N_COUNTERS = 12
# Status codes the compiled week leaves in ``cnt[CNT_STATUS]`` when it stops early.
ST_OK, ST_NEEDS_ROOM, ST_RESIDENTS_FULL, ST_CARERS_FULL = range(4)

# Slots of the building-wide effect modifiers (``state.eff.scalar``); NaN = not set.
(EF_ATTENDANCE, EF_TIE_FORMATION, EF_BURDEN, EF_BREAKDOWN, EF_NEW_CARER, EF_WLZ_HOME,
 EF_PREFERRED_HH, EF_PREFERRED_DN) = range(8)

# Where a person lives (``res.where``): in the complex, elsewhere (waiting for a dwelling,
# or moved out) or in a nursing home. Persons are followed wherever they live.
IN_COMPLEX, ELSEWHERE, IN_NURSING_HOME = 0, 1, 2


@plain
def nonliteral(x):
    """``x`` as a plain value of its type, for a constant argument of a compiled call.

    Numba compiles a function once per *constant* it is called with (``False`` and
    ``True``, or each ``EV_*`` slot, are types of their own), and each compilation is a
    code generation of the function and all it calls: seconds for a process's week.
    """
    return x


# ---------------------------------------------------------------- counter-based draws
@kernel
def _splitmix64(x):
    """The SplitMix64 finaliser (Steele, Lea & Flood 2014) on a uint64."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@kernel
def unit_uniform(x):
    """The uniform in [0, 1) of a 64-bit hash ``x``: its top 53 bits over 2**53."""
    return float(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@kernel
def keyed_uniform3(entropy, k1, k2, k3):
    """One uniform in [0, 1) that depends only on (entropy, k1, k2, k3).

    The compiled twin of :func:`thuisplus.sim.rng.keyed_uniform` (same bits; ``entropy`` is the
    run's entropy reduced to 64 bits, the keys non-negative).
    """
    x = _splitmix64(np.uint64(entropy))
    x = _splitmix64(x ^ np.uint64(k1))
    x = _splitmix64(x ^ np.uint64(k2))
    x = _splitmix64(x ^ np.uint64(k3))
    return unit_uniform(x)


# ---------------------------------------------------------------- rows of a population
@kernel
def add_rows(pop, n, growable, cnt):
    """Take the ``n`` lowest free rows of a population, reset them, give them Mesa ids.

    Returns the rows, or an empty array with ``cnt[CNT_STATUS]`` set if a population that
    cannot grow is full. A growable population doubles its logical size (or grows by
    ``n``) when short, as :class:`thuisplus.sim.population.Population` always did; the engine keeps
    enough rows allocated for that between weeks.
    """
    rows = np.empty(n, dtype=np.int64)
    k = 0
    size = pop.meta[1]
    i = 0
    while k < n:
        if i >= size:
            if not growable:
                cnt[CNT_STATUS] = ST_RESIDENTS_FULL
                return rows[:0]
            grown = size + max(n, size)
            if grown > pop.active.shape[0]:  # the engine reserves room between weeks
                # (the logical size stays within the arrays: a later call must not index
                # past them; it wrote past them, corrupting the heap, before)
                cnt[CNT_STATUS] = ST_NEEDS_ROOM
                return rows[:0]
            size = grown
            pop.meta[1] = size
            i = 0
            k = 0
            continue
        if not pop.active[i]:
            rows[k] = i
            k += 1
        i += 1
    for r in rows:
        for pair in literal_unroll(pop.blocks):
            block = pair[0]
            default = pair[1]
            for f in range(block.shape[0]):
                block[f, r] = default[f]
        pop.active[r] = True
        pop.uid[r] = cnt[CNT_UID]
        cnt[CNT_UID] += 1
    if n > 0 and rows[n - 1] + 1 > pop.meta[0]:
        pop.meta[0] = rows[n - 1] + 1
    return rows


@glue
def free_rows(pop, rows):
    """Free ``rows`` (their Mesa agents go when the engine hands back control)."""
    for r in rows:
        pop.active[r] = False


# ---------------------------------------------------------------- where persons live
@kernel
def set_where(res, r, where):
    """Person ``r`` lives ``where`` from now (keeps ``home`` and ``community`` in line)."""
    res.where[r] = where
    res.home[r] = where == IN_COMPLEX
    res.community[r] = where != IN_NURSING_HOME


@kernel
def drop_ties(stored, row_sum, seat, rows):
    """Remove every tie of the seats of ``rows`` (they leave the complex).

    The network is kept by seat: ties are between neighbours in the building.
    """
    n = stored.shape[0]
    for r in rows:
        a = seat[r]
        for j in range(n):
            t = stored[a, j]
            if t != 0.0:
                row_sum[j] = max(row_sum[j] - t, 0.0)
                stored[a, j] = 0.0
                stored[j, a] = 0.0
        row_sum[a] = 0.0


@glue
def refresh_live(S):
    """Bring the list of living persons' rows (``S.live[:S.cnt[CNT_LIVE]]``) up to date.

    A lifetime run keeps every person's row after death, and most rows are dead for most
    of the follow-up (1,563 rows, ~600 alive at the programme's end, ~50 twenty years
    later). The weekly loops over persons go over this list (:func:`live_rows`) instead
    of every row: the same rows in the same order but for the dead ones, which every
    loop skips or gives the values it gave them in the week they died. Kept in order:
    the rows still active, then those appeared since the last call (rows appear in
    ascending order; one below that forces a rebuild, see ``moves.appear``). Called at
    the start of a week and after its moves.
    """
    res, live, cnt = S.res, S.live, S.cnt
    h = res.meta[0]
    if cnt[CNT_LIVE_ALL]:
        for i in range(h):
            live[i] = i
        cnt[CNT_LIVE] = h
        cnt[CNT_LIVE_HIGH] = h
        return
    n = 0
    for j in range(cnt[CNT_LIVE]):
        i = live[j]
        if res.active[i]:
            live[n] = i
            n += 1
    for i in range(cnt[CNT_LIVE_HIGH], h):
        if res.active[i]:
            live[n] = i
            n += 1
    cnt[CNT_LIVE] = n
    cnt[CNT_LIVE_HIGH] = h


@glue
def live_rows(S):
    """The rows the week's loops over persons go over (:func:`refresh_live`), in order."""
    return S.live[:S.cnt[CNT_LIVE]]


@kernel
def rows_where(flags, rows, value, out, at):
    """Those of ``rows`` with ``flags[i] == value``, in order, into ``out[at:]``; how many.

    Instead of ``np.flatnonzero``: a function that takes the state and allocates nothing
    lets numba prune the reference counts of the state's arrays (see docs/dev/engine.md).
    """
    n = 0
    for i in rows:
        if flags[i] == value:
            out[at + n] = i
            n += 1
    return n


@kernel
def _partner_left(partner, loneliness, rows, shock):
    """The partners who stay behind (not in ``rows``) are widowed, and lonelier.

    Both lose their link; partners who leave together keep theirs.
    """
    for r in rows:
        q = partner[r]
        if q < 0:
            continue
        leaving = False
        for r2 in rows:
            if r2 == q:
                leaving = True
                break
        if not leaving:
            partner[q] = -1
            loneliness[q] = min(loneliness[q] + shock, 11.0)
            partner[r] = -1


@kernel
def leave(S, C, rows, event, week):
    """Residents leave the complex: count the reason; free their seats, ties and workers.

    ``EV_DEATHS``: they die (their rows end, their carers stop). ``EV_ADMISSIONS``: they
    move to a nursing home (their carers stop), followed there until they die.
    ``EV_MOVES_OUT``: they live elsewhere, with their carers, followed until they die.
    The partner who stays behind is widowed (or left alone) and lonelier. Allocates
    nothing (reference counts of the state, docs/dev/engine.md).
    """
    res, occupants = S.res, S.occupants
    S.ev[event] += len(rows)
    if event == EV_DEATHS or event == EV_ADMISSIONS:  # by age band
        first = EV_DEATHS_75_84 if event == EV_DEATHS else EV_ADMISSIONS_75_84
        for r in rows:
            if res.age[r] >= AGE_85:
                S.ev[first + 1] += 1.0
            elif res.age[r] >= AGE_75:
                S.ev[first] += 1.0
    _partner_left(res.partner, res.loneliness, rows, C.lon.widowhood_shock)
    drop_ties(S.net_stored, S.net_row_sum, res.seat, rows)
    for r in rows:
        occupants[res.dwelling[r]] -= 1
    for r in rows:
        dw = res.dwelling[r]
        if occupants[dw] == 0:
            S.vacated_week[dw] = week
    e = S.eff
    for r in rows:
        if week < C.programme_weeks:  # there when this week's Thuisplusflat acted
            res.exposed[r] = True
        res.seat[r] = -1
        res.dwelling[r] = -1
        res.floor[r] = -1
        res.provider[r] = -1
        res.dn_provider[r] = -1
        res.worker[r] = -1
        res.nurse[r] = -1
        res.attachment[r] = 0.0
        res.transfer_refused[r] = False
        res.unmet_share[r] = 0.0
        # the Thuisplusflat's effects set this week for a resident reach nobody elsewhere
        # (activity goes on: a person elsewhere stays as active, see loneliness._meet)
        e.decline[r] = 1.0
        e.fall[r] = 1.0
        e.hospital[r] = 1.0
        e.lonely_shift[r] = 0.0
    if event == EV_MOVES_OUT:
        for r in rows:
            set_where(res, r, ELSEWHERE)
    else:
        end_outside(S, C, rows, event == EV_ADMISSIONS, week)


@kernel
def end_outside(S, C, rows, admitted, week):
    """Persons of ``rows`` die (``admitted`` False) or enter a nursing home (True).

    Their carers stop either way; the dead are no longer followed. A partner outside
    the complex is widowed and lonelier (inside, :func:`leave` did it).
    """
    res, car = S.res, S.car
    for r in rows:
        if res.carer[r] >= 0:
            car.active[res.carer[r]] = False
            res.carer[r] = -1
        q = res.partner[r]
        if q >= 0 and res.partner[q] == r:
            res.partner[q] = -1
            res.loneliness[q] = min(res.loneliness[q] + C.lon.widowhood_shock, 11.0)
        res.partner[r] = -1
        if admitted:
            set_where(res, r, IN_NURSING_HOME)
            res.admitted_week[r] = week
        else:
            res.died_week[r] = week
            res.active[r] = False
            res.home[r] = False
            res.community[r] = False
