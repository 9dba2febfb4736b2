"""ThuisplusModel: one senior complex simulated week by week.

State lives in three array-backed populations (residents, informal carers, staff) whose
rows are Mesa agents; processes update whole arrays. Every process draws from its own
random stream a fixed amount each week (see :mod:`thuisplus.sim.rng`), so two runs on the same
seed differ only where their states differ.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import inspect
import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import mesa
import numba
import numpy as np
import pandas as pd

from thuisplus.sim import care as care_mod
from thuisplus.sim import engine
from thuisplus.sim.effects import Effects
from thuisplus.sim.engine import (
    S_AGE,
    S_BEG,
    S_DEM,
    S_DN,
    S_ELSEWHERE,
    S_FRAIL,
    S_HH_75_84,
    S_HH_85PLUS,
    S_LON,
    S_LONELY,
    S_N_75_84,
    S_N_85PLUS,
    S_SEVERE,
    S_SEVERE_PERSONS,
    S_TIES,
    S_VIT,
    S_WLZ_ASSESS,
    S_WLZ_HOME,
    S_WMO,
    S_WMO_PREF,
)
from thuisplus.sim.interventions import build_interventions, is_builtin, start_week
from thuisplus.sim.params import _MISSING as _MISSING_VALUE
from thuisplus.sim.params import ParameterError, Parameters
from thuisplus.sim.population import (
    InformalCarer,
    Population,
    Resident,
    StaffMember,
    rows_view,
)
from thuisplus.sim.population import sync_agents as _sync_population_agents
from thuisplus.sim.presets import run_parameters
from thuisplus.sim.processes import (
    _pcg,
    care_needs,
    demography,
    informal_care,
    loneliness,
    moves,
    staffing,
    vitality,
)
from thuisplus.sim.processes.common import (
    CNT_DRAW_DEBT,
    CNT_EMPTY_WEEKS,
    CNT_LEDGER,
    CNT_LIVE_ALL,
    CNT_PREFERRED,
    CNT_STATUS,
    CNT_UID,
    EVENTS,
    IN_NURSING_HOME,
    LEDGER,
    N_COUNTERS,
    N_LEDGER,
    ST_CARERS_FULL,
    ST_NEEDS_ROOM,
    ST_OK,
    ST_RESIDENTS_FULL,
    refresh_live,
)
from thuisplus.sim.processes.loneliness import SocialNetwork
from thuisplus.sim.rng import make_streams, seed_entropy

__all__ = ["DRAWS", "WEEKLY_COLUMNS", "DrawTape", "ThuisplusModel", "check_draws",
           "horizon_weeks", "run_arms"]

NETWORK_BURN_IN_WEEKS = 104
#: The engines a model can run on (``ThuisplusModel(..., draws=...)``): ``"streams"``, the
#: reference, draws a fixed block from each process's stream every week (bit for bit the
#: golden baseline); ``"keyed"`` makes each value from a key of (run, process, week,
#: person), only the normals that persons use: the same model, other numbers, faster
#: (docs/dev/engine.md; its statistical equivalence: tests/test_keyed.py).
DRAWS = ("streams", "keyed")
MAX_STAFF_ROOM = 2**22  # staff rows a set-up may reserve (~4 million: ~1 GB of arrays)


#: Whether a run skips the processes and draws of weeks with nobody left in it
#: (:func:`thuisplus.sim.engine.nobody_left`; the same results, ~a fifth of a lifetime run
#: faster). Off only to check that it changes nothing (tests/test_empty_weeks.py).
EMPTY_WEEKS = True

#: Whether the weekly loops over persons go over the living ones only
#: (:func:`thuisplus.sim.processes.common.refresh_live`; the same results, faster as the
#: persons followed die). Off only to check that it changes nothing (tests/test_live_rows.py).
LIVE_ROWS = True


def horizon_weeks(p: Parameters) -> int:
    """A run's default length: the programme and the follow-up of its persons (weeks)."""
    return int(p.simulation.weeks + 52 * p.simulation.follow_up_years)


def check_draws(draws: str) -> str:
    """``draws`` if it names an engine of :data:`DRAWS`, else ``ValueError`` saying which do."""
    if draws not in DRAWS:
        raise ValueError(f"draws = {draws!r}; allowed: {', '.join(map(repr, DRAWS))}")
    return draws
_DEFAULT_THUISPLUS = Parameters().with_overrides({"thuisplus.enabled": True})


def _dotted(overrides: dict[str, Any]) -> dict[str, Any]:
    """The model's ``**overrides``; a keyword that is not a dotted parameter name is refused.

    A typo of a keyword (``sede=1``) would otherwise read as an unknown parameter group.
    """
    for key in overrides:
        if "." not in key:
            keywords = [k for k, v in inspect.signature(ThuisplusModel).parameters.items()
                        if v.kind is not inspect.Parameter.VAR_KEYWORD]
            close = difflib.get_close_matches(key, keywords, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ParameterError([(key, overrides[key], (
                f"unknown keyword; {hint}allowed: {', '.join(keywords)}, or a parameter "
                "by its dotted name (building.dwellings)"))],
                origin="ThuisplusModel keywords")
    return overrides


def _no_step() -> None:
    """Stands in for the model's step while Mesa's clock catches up with a run."""


def _skip_steps(model: mesa.Model, weeks: int) -> bool:
    """Move Mesa's clock ``weeks`` steps on at once, if nothing but its steps is scheduled.

    Replaying the steps one by one through Mesa's event list costs ~2 ms a run. When the
    only pending event is the next step of Mesa's default schedule (one step per time
    unit, no end), the result of the replay is known: ``steps`` and ``time`` up by
    ``weeks`` and the next step one unit later. Anything else (events a user scheduled,
    another Mesa version's internals) is replayed as before; a test compares both.
    """
    try:
        gen = model._default_schedule
        events = model._event_list._events
        event = gen._current_event
        sched = gen.schedule
        plain = (len(events) == 1 and events[0] is event and not event.CANCELED
                 and gen._active and not gen._paused and sched.count is None
                 and sched.end is None and not callable(sched.interval)
                 and sched.interval == 1 and event.time == model.time + 1)
    except AttributeError:
        return False
    if not plain:
        return False
    events.clear()
    model.steps += weeks
    gen._execution_count += weeks
    model.time = model.time + weeks
    gen._schedule_next(model.time + 1)
    return True

class Column(NamedTuple):
    """A column of the weekly table and where the compiled record takes it from.

    ``kind``: ``event`` (this week's count of the event of the same name,
    :data:`thuisplus.sim.processes.common.EVENTS`), ``mean`` or ``count`` over the residents (slot
    ``summary`` of the engine's weekly summary), or ``record`` (computed by
    :func:`thuisplus.sim.engine.record` itself).
    """

    name: str
    description: str
    kind: str = "event"
    summary: int = -1


# The weekly table, in its order: one declaration per column (then use and cost per care
# type and cost per law, from thuisplus.sim.care).
COLUMNS: tuple[Column, ...] = (
    Column("residents", "residents living in the complex at the end of the week", "record"),
    Column("households", "occupied dwellings", "record"),
    Column("vacant_dwellings", "empty dwellings", "record"),
    Column("inflow", "residents who moved in this week"),
    Column("deaths", "residents who died this week"),
    Column("deaths_75_84", "of whom aged 75-84"),
    Column("deaths_85plus", "of whom aged 85 or over"),
    Column("admissions", "residents admitted to a nursing home this week (they leave)"),
    Column("admissions_75_84", "of whom aged 75-84"),
    Column("admissions_85plus", "of whom aged 85 or over"),
    Column("moves_out", "residents who moved out for other reasons this week"),
    Column("residents_75_84", "residents aged 75-84 (in the week's summary)", "count",
           S_N_75_84),
    Column("residents_85plus", "residents aged 85 or over", "count", S_N_85PLUS),
    Column("mean_age", "mean age of residents (years)", "mean", S_AGE),
    Column("mean_vitality", "mean vitality (0 frail - 1 vital)", "mean", S_VIT),
    Column("frail_share", "share of residents below the frailty threshold", "mean", S_FRAIL),
    Column("dementia_share", "share of residents with dementia", "mean", S_DEM),
    Column("falls", "falls this week"),
    Column("hospital_admissions", "hospital admissions this week"),
    Column("mean_loneliness", "mean De Jong Gierveld score (0-11)", "mean", S_LON),
    Column("lonely_share", "share with a De Jong Gierveld score >= 3", "mean", S_LONELY),
    Column("severely_lonely_share", "share with a De Jong Gierveld score >= 9", "mean",
           S_SEVERE),
    Column("severely_lonely_persons", "persons followed outside a nursing home, wherever "
           "they live, with a De Jong Gierveld score >= 9", "count", S_SEVERE_PERSONS),
    Column("room_visits", "residents who visited the common room this week"),
    Column("mean_tie_strength", "mean summed tie strength in the building per resident",
           "mean", S_TIES),
    Column("wmo_clients", "residents receiving Wmo support (household help or begeleiding)",
           "count", S_WMO),
    Column("wmo_clients_preferred", "Wmo clients of the preferred provider", "count",
           S_WMO_PREF),
    Column("hh_clients_75_84", "residents aged 75-84 receiving household help", "count",
           S_HH_75_84),
    Column("hh_clients_85plus", "residents aged 85 or over receiving household help",
           "count", S_HH_85PLUS),
    Column("begeleiding_clients", "residents with a begeleiding indication", "count", S_BEG),
    Column("dn_clients", "residents receiving district nursing", "count", S_DN),
    Column("wlz_home_clients", "residents with Wlz care at home (vpt/mpt)", "count",
           S_WLZ_HOME),
    Column("wlz_assessing", "residents awaiting a Wlz indication", "count", S_WLZ_ASSESS),
    Column("nh_residents", "persons followed who live in a nursing home", "record"),
    Column("persons_elsewhere", "persons followed who live elsewhere (applicants waiting, "
           "former residents who moved out)", "count", S_ELSEWHERE),
    Column("applications", "applicants who started to be followed this week"),
    Column("deaths_outside", "persons followed who died elsewhere or in a nursing home"),
    Column("admissions_outside", "persons living elsewhere admitted to a nursing home"),
    Column("carers_active", "informal carers attached to a person followed"),
    Column("carers_overburdened", "informal carers above the overburden threshold"),
    Column("residents_with_carer", "residents of the complex receiving informal care this "
           "week"),
    Column("informal_care_hours", "informal care hours given to persons followed this week"),
    Column("carer_sick_leave_hours", "work hours lost to carers' sick leave this week"),
    Column("carer_breakdowns", "carers who stopped this week (overburden)"),
    Column("staff", "care workers serving the building", "record"),
    Column("staff_pnil", "of whom not on the payroll (PNIL)", "record"),
    Column("staff_turnover", "workers who left this week"),
    Column("staff_turnover_pnil", "of whom not on the payroll (PNIL leaving the building's "
           "rota)"),
    Column("staff_hires", "workers hired this week (payroll or PNIL)"),
    Column("staff_hours", "working hours in the building incl. travel"),
    Column("pnil_hours", "working hours by PNIL staff incl. travel"),
    Column("travel_hours", "working hours spent travelling"),
    Column("unmet_care_hours", "care hours asked but not delivered (staff short)"),
    Column("transfers", "Wmo clients who switched to the preferred provider this week"),
    Column("referrals", "newcomers referred by the district nurse this week"),
    Column("staff_hours_hh", "working hours of the household-help role, travel included "
           "(all providers; district nursing: staff_hours minus these)"),
    Column("travel_hours_hh", "travel hours of the household-help role"),
    Column("pnil_hours_hh", "PNIL hours of the household-help role"),
    Column("staff_hours_pref_hh", "the preferred provider's household-help working hours"),
    Column("travel_hours_pref_hh", "the preferred provider's household-help travel hours"),
    Column("pnil_hours_pref_hh", "the preferred provider's household-help PNIL hours"),
    Column("hh_hours_pref", "household-help hours delivered by the preferred provider"),
    Column("beg_hours_pref", "begeleiding hours delivered by the preferred provider"),
    Column("staff_hours_pref_dn", "the preferred provider's district-nursing working hours"),
    Column("travel_hours_pref_dn", "the preferred provider's district-nursing travel hours"),
    Column("pnil_hours_pref_dn", "the preferred provider's district-nursing PNIL hours"),
    Column("dn_hours_pref", "district-nursing hours delivered by the preferred provider"),
    Column("staff_turnover_pref", "the preferred provider's workers who left this week"),
    Column("staff_turnover_pref_pnil", "of whom not on the payroll (PNIL)"),
    Column("hh_hours_complex", "household-help hours delivered in the complex (all "
           "providers; household_help adds the persons elsewhere)"),
    Column("beg_hours_complex", "begeleiding hours delivered in the complex"),
    Column("dn_hours_complex", "district-nursing hours delivered in the complex"),
    Column("continuity", "mean attachment of Wmo clients to their regular worker (0-1)",
           "record"),
)

# name -> description; the order is the order of the weekly table.
WEEKLY_COLUMNS: dict[str, str] = {c.name: c.description for c in COLUMNS}
for _c in care_mod.CARE_TYPES:
    WEEKLY_COLUMNS[f"use_{_c.name}"] = f"{_c.name.replace('_', ' ')} use this week ({_c.unit})"
for _c in care_mod.CARE_TYPES:
    WEEKLY_COLUMNS[f"cost_{_c.name}"] = f"{_c.name.replace('_', ' ')} cost this week (€, {_c.law})"
for _law in care_mod.LAWS:
    WEEKLY_COLUMNS[f"cost_{_law}"] = f"{_law.capitalize()} cost this week (€)"

_COLUMN_INDEX = {c: j for j, c in enumerate(WEEKLY_COLUMNS)}
_RESET_KEY = 0x7E5E7  # spawn key of the streams after a reset_rng (with the week)


def _last_week(column: str, model: ThuisplusModel) -> float:
    """A weekly column's value in the model's last week run (a model reporter)."""
    return float(model._rec[model.week - 1, _COLUMN_INDEX[column]])


class WeeklyCollector(mesa.DataCollector):
    """The model's built-in collector: the weekly record's columns as model reporters.

    Filled from the record (:meth:`catch_up`), not by evaluating reporters each week;
    ``collect`` catches up too, so a subclass that collects in its ``step`` as Mesa
    models do gets one row per week.
    """

    def __init__(self, columns: Sequence[str]):
        super().__init__(model_reporters={c: functools.partial(_last_week, c)
                                          for c in columns})
        self._validated = True  # its reporters read the record's columns
        self._columns = list(columns)
        self.weeks = 0  # weeks of the record held

    def catch_up(self, model: ThuisplusModel) -> None:
        """Append the weeks the model ran since the last call."""
        a, b = self.weeks, model.week
        if b <= a:
            return
        block = model._rec[a:b]
        for j, c in enumerate(self._columns):
            self.model_vars[c].extend(block[:, j].tolist())
        if hasattr(self, "_collection_steps"):
            self._collection_steps.extend(float(t) for t in range(a + 1, b + 1))
        self.weeks = b

    def collect(self, model: Any) -> None:
        """Catch up with the model's record (one row per week, whoever calls)."""
        self.catch_up(model)
_MEANS = tuple((c.name, c.summary) for c in COLUMNS if c.kind == "mean")
_COUNTS = tuple((c.name, c.summary) for c in COLUMNS if c.kind == "count")
_RECORDED_EVENTS = tuple(c.name for c in COLUMNS if c.kind == "event")
# Weekly events that are the use of each care type, in CARE_TYPES order (last: nursing home).
_USE_EVENTS = tuple(c.event for c in care_mod.CARE_TYPES if c.event)


class NursingHome:
    """The persons followed who live in a nursing home (a view on the resident rows).

    Admitted residents and applicants stay persons of the model: they cost Wlz days and
    die at the nursing home's rate, from their own draws, the same in both arms.
    """

    def __init__(self, model: ThuisplusModel):
        self._model = model

    @property
    def rows(self) -> np.ndarray:
        """Rows of the persons alive in a nursing home."""
        res = self._model.res
        h = res.high
        return np.flatnonzero(res.active[:h] & (res.where[:h] == IN_NURSING_HOME))


class ThuisplusModel(mesa.Model):
    """A senior complex week by week; with interventions it is a Thuisplusflat.

    Args:
        params: the parameter tree (defaults if omitted; see ``preset``).
        seed: an int (or ``SeedSequence``/``Generator`` of one: the same run, see
            :func:`thuisplus.sim.rng.seed_entropy`), or None for fresh entropy; ``model.seed`` is
            the integer that reproduces the run. ``rng=`` is Mesa's name for the same.
        preset: a shipped preset (``"contract-2021"``; :func:`thuisplus.sim.presets.list_presets`)
            applied on top of ``params``.
        **overrides: parameters by dotted name, as Mesa's ``batch_run`` and ``SolaraViz``
            pass them: ``ThuisplusModel(seed=1, **{"building.dwellings": 60})``. Integer
            parameters given as floats are rounded (:func:`thuisplus.sim.params.from_sampler`).
        interventions: objects with ``initialize(model)`` and ``apply(model)``; by default
            those of ``params.thuisplus`` (none when the Thuisplusflat is not enabled).
        panel: also record a per-resident weekly panel (``model.panel()``).
        scenario: a Mesa ``Scenario`` (its ``rng`` a seed, its other entries dotted
            parameters), as ``SolaraViz`` passes one when it resets the model.

    Mesa's model contract: ``step`` advances a week; ``running`` turns False at the
    horizon (the programme and the follow-up, :func:`horizon_weeks`), and stepping on
    keeps recording; ``datacollector`` holds the weekly table's columns
    (:data:`WEEKLY_COLUMNS`), each also readable as an attribute with the last week's
    value (``model.mean_loneliness``); ``grid`` is the building with the residents in
    their dwellings' cells (docs/mesa.md).

    Example:
        >>> from thuisplus.sim import ThuisplusModel
        >>> m = ThuisplusModel(seed=1, preset="contract-2021")
        >>> m.run(weeks=52)
        >>> len(m.weekly())
        52

    """

    def __init__(
        self,
        params: Parameters | None = None,
        seed: Any = None,
        *,
        preset: str | None = None,
        rng: Any = None,
        interventions: Iterable[Any] | None = None,
        panel: bool = False,
        tape: DrawTape | None = None,
        draws: str = "streams",
        scenario: Any = None,
        **overrides: Any,
    ) -> None:
        if seed is not None and rng is not None:
            raise ValueError("seed and rng name the same thing (rng is Mesa's name); "
                             "give one of them")
        seed = rng if seed is None else seed
        if scenario is not None:  # Mesa's Scenario: a seed and parameters by dotted name
            given = {k: v for k, v in vars(scenario).items()
                     if k not in ("rng", "model") and not k.startswith("_")}
            overrides = {**given, **overrides}
            if seed is not None and scenario.rng is not None and scenario.rng != seed:
                raise ValueError("seed and scenario.rng differ; give the seed once")
            seed = scenario.rng if seed is None else seed
        params = run_parameters(params, preset, _dotted(overrides),
                                origin="ThuisplusModel keywords")
        check_draws(draws)
        #: How the weekly random numbers are made: ``"streams"`` (the reference engine)
        #: or ``"keyed"`` (the opt-in faster engine, statistically equivalent; see DRAWS).
        self.draws = draws
        self.entropy = seed_entropy(seed)
        #: The integer seed that reproduces this run (``ThuisplusModel(seed=model.seed)``).
        self.seed = self.entropy
        #: (week, seed) of each ``reset_rng`` call.
        self.rng_resets: list[tuple[int, int]] = []
        super().__init__(rng=self.entropy % (2**63))
        if scenario is not None:
            self.scenario = scenario
        self.p = params
        self.interventions: list[Any] = list(
            build_interventions(self.p) if interventions is None else interventions)
        # The built-in interventions run inside the compiled week; any other list runs
        # in Python week by week (the same compiled kernels for the built-in classes).
        self._builtin = bool(self.interventions) and is_builtin(self.interventions)
        b = self.p.building
        self.dwellings = b.dwellings
        self.n_seats = 2 * b.dwellings
        #: The programme's weeks; households apply during it (the applicant stream).
        self.programme_weeks = int(self.p.simulation.weeks)
        #: Weeks of a full run: the programme and the follow-up (``running`` turns False
        #: there; stepping on keeps recording, the persons followed keep ageing).
        self.horizon = horizon_weeks(self.p)
        self.running = self.horizon > 0
        self._datacollector: mesa.DataCollector | None = None
        self._collector_own = True  # the built-in collector, filled from the record
        self._app_week, self._app_size = moves.applicant_households(
            self.p, self.entropy, self.programme_weeks)
        #: Rows of the resident population: the seats' initial residents, then two per
        #: applicant household. Row r is the same person in every arm on this seed.
        self.n_persons = self.n_seats + 2 * len(self._app_week)
        self.per_floor = math.ceil(b.dwellings / b.floors)
        self.n_providers = 1 + self.p.staffing.other_providers
        self.week = 0
        self.start_date: dt.date = self.p.simulation.start_date
        self.date = self.start_date
        self._building = None
        self._types: tuple[Any, ...] | None = None
        self._tape: DrawTape | None = None  # replayed or being recorded (see DrawTape)
        self._off_tape: engine.Tape | None = None
        self._panel_on = panel
        self._panel: list[np.ndarray] = []
        # Room for one worker per seat. A complex whose staffing needs more at the start
        # (a few contract hours per worker, say) is set up again with 4× the room, from
        # the same streams: the weeks grow the pool themselves (thuisplus.sim.engine.has_room).
        room = staffing.staff_room(self.p)
        while not self._set_up(room):
            if 4 * room > MAX_STAFF_ROOM:
                raise ParameterError([("staffing", _MISSING_VALUE, (
                    f"the complex needs more than {room:,} care workers at "
                    "the start; allowed: staffing parameters (worker_hours, "
                    "target_utilisation, sickness_absence) and care hours that need fewer"))])
            room *= 4
        for iv in self.interventions:
            iv.initialize(self)
        # Without them the compiled week still needs coefficients of the same types.
        self._ks = tuple(iv.coef for iv in self.interventions) if self._builtin else tuple(
            iv.coefficients(0, self) for iv in build_interventions(_DEFAULT_THUISPLUS))
        if tape is not None:
            self.replay(tape)

    # ------------------------------------------------------------------ set-up
    def _set_up(self, staff_room: int) -> bool:
        """Arrays, state and the initial population, with ``staff_room`` staff rows.

        Returns False when the initial staffing needs more room (then nothing is kept).
        """
        self._streams = make_streams(self.entropy)
        P = self.n_persons
        self.effects = Effects(P, self.n_providers)

        self.res = Population(self, Resident, P)
        self.carers = Population(self, InformalCarer, P)
        self.staff = Population(self, StaffMember, staff_room, growable=True)
        self._staff_room = staff_room
        self.network = SocialNetwork(self.n_seats, self.p.loneliness.tie_half_life_weeks)
        self.nursing_home = NursingHome(self)
        self.occupants = np.zeros(self.dwellings, dtype=np.int64)
        self.demand_hh = np.zeros(P)
        self.demand_beg = np.zeros(P)
        self.demand_dn = np.zeros(P)
        self.demand_wmo = np.zeros(P)
        self._live = np.zeros(P, dtype=np.int64)  # rows of the living (common.refresh_live)
        self._drawn = np.zeros(P, dtype=np.int64)  # the columns drawn (engine.draw_columns)
        self.vacated_week = np.full(self.dwellings, -1, dtype=np.int64)
        self.lettings = np.zeros(self.dwellings, dtype=np.int64)  # households let so far
        self.prices = care_mod.PriceBook(self.p.costs)

        self._cols = list(WEEKLY_COLUMNS)
        self._rec = np.zeros((self.p.simulation.weeks, len(self._cols)))
        self._unit_cost = np.zeros((0, len(care_mod.CARE_TYPES)))
        self._year_of_week = np.zeros(0, dtype=np.int64)
        self._person_year = np.zeros((P, N_LEDGER))
        self._ledger = None
        self._ledger = self._ledger_room(2 * P)
        self._scratch = {
            "flags": np.zeros(P, dtype=np.int8),
            "carer_flags": np.zeros(P, dtype=np.int8),
            "scratch_idx": np.zeros(2 * P, dtype=np.int64),  # floor + room lists
            "scratch_need": np.zeros(P),
            "scratch_got": np.zeros(P),
            "scratch_work": np.zeros(P),
            "scratch_unmet": np.zeros(P),
            "scratch_acc": np.zeros(16),
            "scratch_prov": np.zeros((4, self.n_providers), dtype=np.int64),
            "scratch_travel": np.zeros(self.n_providers),
            "scratch_noise": np.zeros(P),
        }
        self._staff_scratch()
        self._cnt = np.zeros(N_COUNTERS, dtype=np.int64)
        self._cnt[CNT_UID] = self.agent_id_counter
        self._cnt[CNT_EMPTY_WEEKS] = EMPTY_WEEKS  # weeks with nobody left: no processes
        self._cnt[CNT_LIVE_ALL] = not LIVE_ROWS  # loops over every row that has appeared
        self._stale = False  # Mesa agents lag the arrays (see sync_agents)
        self._ev = np.zeros(len(EVENTS))
        self.applicants = self._applicants()
        self.coef = self._coefficients()
        self._columns = engine.columns(self._cols, _RECORDED_EVENTS, _MEANS, _COUNTS,
                                       _USE_EVENTS)
        self.funding = engine.funding(self)
        self._generators = tuple(self._streams[g] for g in engine.GENERATORS)
        self._unit_costs_until(len(self._rec))
        self._build_state()

        return self._populate()

    def _applicants(self) -> moves.Applicants:
        """The applicant households, their traits written into their (inactive) rows."""
        J = len(self._app_week)
        rows = self.n_seats + 2 * np.arange(J, dtype=np.int64)
        noise = np.zeros(self.n_persons)
        if J:
            t = moves.applicant_traits(self.p, self.entropy, J)
            res = self.res
            sl = slice(self.n_seats, self.n_persons)
            for k in ("age", "vitality", "loneliness_base", "hh_threshold", "dementia",
                      "trait_u", "potential_carer", "vital"):
                getattr(res, k)[sl] = t[k]
            female = t["female"].copy()
            couple = np.repeat(self._app_size == 2, 2)
            female[couple] = np.tile([False, True], J)[couple]  # a man and a woman
            res.female[sl] = female
            noise[sl] = t["lnoise"]
        return moves.Applicants(self._app_week.copy(), rows, self._app_size.copy(),
                                np.zeros(J, dtype=np.int64), noise)

    def _coefficients(self) -> engine.Coefficients:
        p = self.p
        c = p.thuisplus.contract
        policy = start_week(c.start_date, self.start_date) if p.thuisplus.enabled else 2**62
        return engine.Coefficients(
            self.n_seats, self.n_persons, self.dwellings, self.programme_weeks,
            np.uint64(self.entropy & (2**64 - 1)),
            p.vitality.frail_threshold, demography.coefficients(p), vitality.coefficients(p),
            loneliness.coefficients(p), care_needs.coefficients(p),
            informal_care.coefficients(p),
            staffing.coefficients(p)._replace(turnover_rows=self._staff_room),
            moves.coefficients(p),
            policy, p.inflow.vital_share, p.inflow.vital_share + c.vital_share_shift,
            c.referral_share)

    def _staff_scratch(self) -> None:
        self._scratch["staff_flags"] = np.zeros(self.staff.allocated, dtype=np.int8)
        self._scratch["scratch_load"] = np.zeros(self.staff.allocated)

    def _build_state(self) -> None:
        """The compiled week's view of the model (rebuilt whenever arrays are replaced)."""
        sc = self._scratch
        self.state = engine.State(
            rows_view(self.res), rows_view(self.carers), rows_view(self.staff),
            self.occupants, self.vacated_week, self.lettings, self.demand_hh,
            self.demand_beg, self.demand_dn, self.demand_wmo, sc["flags"], sc["carer_flags"],
            sc["staff_flags"], sc["scratch_idx"], sc["scratch_need"], sc["scratch_got"],
            sc["scratch_work"], sc["scratch_unmet"], sc["scratch_load"], sc["scratch_acc"],
            sc["scratch_prov"], sc["scratch_travel"], sc["scratch_noise"],
            self.network.stored, self.network.row_sum, self.network.scale_box,
            self._cnt, self._ev, np.zeros(engine.N_STATS),
            self.effects.arrays(), self.applicants, self._rec, self._unit_cost,
            self._person_year, self._ledger, self._live, self._drawn)

    def _ledger_room(self, entries: int) -> engine.Ledger:
        """The person ledger with room for ``entries`` person-years (those so far kept)."""
        old = getattr(self, "_ledger", None)
        led = engine.Ledger(self._year_of_week, np.zeros(entries, dtype=np.int64),
                            np.zeros(entries, dtype=np.int64), np.zeros((entries, N_LEDGER)))
        if old is not None:
            n = int(self._cnt[CNT_LEDGER])
            led.row[:n], led.year[:n], led.values[:n] = old.row[:n], old.year[:n], old.values[:n]
        return led

    def _unit_costs_until(self, weeks: int) -> None:
        """Unit costs of every week up to ``weeks`` (each week priced in its year)."""
        have = len(self._unit_cost)
        if have >= weeks:
            return
        days = np.datetime64(self.start_date, "D") + 7 * np.arange(have, weeks)
        years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        kinds, which = np.unique(years, return_inverse=True)
        table = np.array([self.prices.unit_costs(int(y)) for y in kinds])
        self._unit_cost = np.vstack([self._unit_cost, table[which]])
        self._year_of_week = np.concatenate([self._year_of_week, years])
        if getattr(self, "_ledger", None) is not None:
            self._ledger = self._ledger._replace(year_of_week=self._year_of_week)

    def _reserve_weeks(self, need: int) -> None:
        """Rows of the weekly table and unit costs for weeks up to ``need``."""
        if need > len(self._rec) or need > len(self._unit_cost):
            if need > len(self._rec):
                self._rec = np.vstack(
                    [self._rec, np.zeros((need - len(self._rec), len(self._cols)))])
            self._unit_costs_until(need)
            self._build_state()

    def _make_room(self) -> None:
        """Allocate what the next weeks may need (see :func:`thuisplus.sim.engine.has_room`)."""
        changed = self.staff.reserve(4 * self.staff.size + 64 * self.n_providers)
        need = int(self._cnt[CNT_LEDGER]) + self.n_persons  # a year's close may book all
        if len(self._ledger.row) < need:
            self._ledger = self._ledger_room(max(need, 2 * len(self._ledger.row)))
            changed = True
        if changed:
            self._staff_scratch()
            self._build_state()

    def _populate(self) -> bool:
        """Initial residents, their network, indications, carers, providers and staff.

        Returns False if the initial staff outgrew the pool's room (nothing is kept then).
        """
        b = self.p.building
        S, C = self.state, self.coef
        rng = self.streams["init"]
        u_occ, u_couple = rng.random((2, self.dwellings))
        traits = moves.person_traits(self.p, rng, self.n_seats, newcomer=False)
        occupied = np.flatnonzero(u_occ < b.initial_occupancy)
        couple = occupied[u_couple[occupied] < b.couple_share]
        seats = np.sort(np.concatenate([2 * occupied, 2 * couple + 1]))
        rows = seats.astype(np.int64)  # an initial resident's row is their seat
        res = self.res
        moves.appear_rows(S.res, rows, self._cnt)
        for k in ("age", "female", "vitality", "loneliness_base", "hh_threshold", "dementia",
                  "trait_u", "potential_carer"):
            getattr(res, k)[rows] = traits[k][seats]
        for d in couple.tolist():  # couples: one man, one woman (assumption)
            a, bb = 2 * d, 2 * d + 1
            res.partner[a], res.partner[bb] = bb, a
            res.female[a], res.female[bb] = False, True
        moves.move_in(S, C, seats, rows, False, False, 0)
        refresh_live(S)  # the set-up's processes below loop over the living rows too
        loneliness.set_target_with_noise(S, C, rows, traits["lnoise"][seats])

        # Ties built up before the simulation starts; loneliness then set to its target.
        burn = self.streams["init"]
        # Activity levels are the same moving averages as in the weekly step.
        loneliness.burn_in(S, C, burn, rows, NETWORK_BURN_IN_WEEKS)
        noise = burn.standard_normal(self.n_seats)[res.seat[rows]]
        loneliness.set_target_with_noise(S, C, rows, noise)

        # Residents already below the Wlz line at the start live here with Wlz care.
        cp = self.p.care
        v, dem = res.vitality[rows], res.dementia[rows]
        wlz = (v < cp.wlz_threshold) | (dem & (v < cp.wlz_dementia_threshold))
        e64 = np.uint64(self.entropy & (2**64 - 1))
        for r in rows[wlz].tolist():  # vpt or mpt: the person's own trait
            res.wlz[r] = care_needs.home_form(e64, res.person[r], cp.wlz_vpt_share)
        # Indications and demand at the start, without admissions before week 0.
        every = (_pcg.NO_STATE, C, _pcg.NO_COLUMNS, True)  # every column, drawn by numpy
        care_needs.week(S, C, care_needs.draw(burn, *every), 0, 0.0, 0.0)
        informal_care.week(S, C, informal_care.draw(burn, *every), True)
        # Carers have been caring for a while: start at the burden their load sustains.
        ip, car = self.p.informal_care, self.carers
        load = car.hours[car.active] / np.maximum(car.capacity[car.active], 1e-9)
        car.burden[car.active] = ip.burden_rate * load / max(ip.recovery_rate, 1e-9)
        staffing.week(S, C, *staffing.draw(burn, _pcg.NO_STATE, C, True, self.staff.size,
                                           _pcg.NO_COLUMNS, True), True, 0)
        if self._cnt[CNT_STATUS] == ST_NEEDS_ROOM:
            return False  # set up again with more room
        tenure = burn.random(self.n_seats)[res.seat[rows]] * 260
        res.attachment[rows] = np.where(
            res.worker[rows] >= 0,
            1.0 - (1.0 - self.p.staffing.attachment_rate) ** tenure, 0.0)
        self._check_status()
        self._ev[:] = 0.0
        self._person_year[:] = 0.0  # the set-up's demand and care are not a week's use
        self._cnt[CNT_PREFERRED] = int(((self.demand_wmo > 0) & res.home
                                        & (res.provider == 0)).sum())
        self._stale = True
        self.agent_id_counter = int(self._cnt[CNT_UID])
        return True

    # ------------------------------------------------------------------ views
    @property
    def preferred_clients(self) -> int:
        """Wmo clients of the preferred provider, as of the last week recorded."""
        return int(self._cnt[CNT_PREFERRED])

    @property
    def ev(self) -> dict[str, float]:
        """The events of the current week so far (a copy, by name)."""
        return dict(zip(EVENTS, self._ev.tolist(), strict=True))

    def inflow_policy(self) -> tuple[float, float]:
        """Vital share of lettings and share of lettings to referrals, this week."""
        c = self.coef
        if c.policy_week <= self.week < c.programme_weeks:
            return c.vital_share_policy, c.referral_share
        return c.vital_share, 0.0

    def loneliness_target(self, rows: np.ndarray) -> np.ndarray:
        """Loneliness target of ``rows`` (see :mod:`thuisplus.sim.processes.loneliness`)."""
        return loneliness.target(self.state, self.coef, rows)

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """Advance one week."""
        self._advance(1)
        self._after_weeks()

    step.__doc__ = "Advance one week.\n\nThe order of events:\n\n" + engine.week_docstring()

    def run(self, weeks: int | None = None) -> ThuisplusModel:
        """Run ``weeks`` weeks (default: the programme and the follow-up); returns the model.

        Runs in one compiled call where it can (see :mod:`thuisplus.sim.engine`); Mesa's clock
        (``steps``, ``time``) advances by ``weeks`` as if ``step`` had been called.
        """
        weeks = horizon_weeks(self.p) if weeks is None else int(weeks)
        if weeks < 0:
            raise ValueError(f"weeks = {weeks}: allowed: an integer >= 0")
        if type(self).step is not ThuisplusModel.step:
            # A subclass's own step (a DataCollector, say) runs every week, through Mesa.
            for _ in range(weeks):
                self.step()
            return self
        if weeks:
            self._advance(weeks)
            self._finish_advance(weeks)
        return self


    def _advance(self, weeks: int) -> None:
        need = self.week + weeks
        self._reserve_weeks(need)
        per_week = self._panel_on or (bool(self.interventions) and not self._builtin)
        done = 0
        while done < weeks:
            self._make_room()
            # ids of agents created outside the engine meanwhile are taken
            self._cnt[CNT_UID] = max(self._cnt[CNT_UID], self.agent_id_counter)
            if per_week:
                k = self._python_week()
            else:
                k = self._run_weeks(True, weeks - done)
            self.week += k
            done += k
            self._check_status()
            _check_progress(k, self.week)
        self.date = self.start_date + dt.timedelta(weeks=self.week)
        self._stale = True
        # Mesa's next id is the engine's, so an agent made meanwhile gets a fresh one.
        self.agent_id_counter = int(self._cnt[CNT_UID])

    def _arm(self) -> engine.Arm:
        """The model's part of a compiled run."""
        return engine.Arm(self.state, self.coef, self._columns, self._ks, self.funding,
                          self._builtin)

    def _run_weeks(self, fresh_events: bool, n: int) -> int:
        """Up to ``n`` weeks of this model alone in one compiled call; returns weeks run."""
        tape = self._tape
        if tape is None:
            return _call_run_weeks(self, self, 1, fresh_events, self.week, n)
        n = min(n, tape.end - self.week)  # beyond the tape the streams draw again
        k = _call_run_weeks(self, self, 1, fresh_events, self.week, n, tape.tape)
        if self.week + k == tape.end:
            tape.finish(self)
            self._tape = None
        return k

    def record_tape(self, weeks: int | None = None) -> DrawTape:
        """Run ``weeks`` weeks (as :meth:`run`) keeping their draws on a :class:`DrawTape`.

        Another model on the same seed and building given the tape
        (``ThuisplusModel(..., tape=tape)``) replays these draws instead of drawing: the
        same run, bit for bit, ~12 ms faster per 520 weeks. What a batch does when many
        design points share a seed; a week of the default complex takes ~0.27 MB (its
        ~1,500 persons' draws): ~140 MB for the programme, ~785 MB for a lifetime run.
        """
        weeks = horizon_weeks(self.p) if weeks is None else int(weeks)
        if self._tape is not None:
            raise RuntimeError("this model is replaying a tape; it cannot record one")
        if self.draws != "streams":
            raise RuntimeError("keyed draws are made where they are used: nothing to record")
        tape = self._tape = DrawTape(self, weeks)
        if weeks == 0:
            tape.finish(self)
            self._tape = None
        self.run(weeks)
        return tape

    def replay(self, tape: DrawTape) -> ThuisplusModel:
        """Take the draws of the next weeks from ``tape`` (see :meth:`record_tape`).

        Raises ``ValueError`` if the tape was recorded on another seed, starts at another
        week, or holds other amounts of draws per week (another building, say).
        """
        tape.check(self)
        self._tape = tape
        return self

    def _tape_off(self) -> engine.Tape:
        """The tape passed to the compiled week when none is replayed or recorded.

        Empty for the reference engine; the one-week buffer of the keyed draws for
        ``draws="keyed"``. Either has the type of every tape.
        """
        if self._off_tape is None:
            mode = engine.TAPE_KEYED if self.draws == "keyed" else engine.TAPE_OFF
            self._off_tape = engine.new_tape(self.coef, 0, 0, mode)
        return self._off_tape

    def _numba_types(self) -> tuple[Any, ...]:
        """The numba types of the model's arm, streams, their states, interventions stream, tape.

        Worked out once per model (``numba.typeof`` of the arm takes ~1.6 ms, more than a
        few weeks of a run): replacing an array by a larger one of the same kind, as
        :meth:`_make_room` does, keeps the type (a test checks it), and every tape of a
        model has the type of its empty one.
        """
        if self._types is None:
            values = (self._arm(), self._generators, _pcg.state_views(self._generators),
                      self._generators[engine.G_INTERVENTIONS], self._tape_off())
            key = _fingerprint(values)
            types = None if key is None else _TYPES.get(key)
            if types is None:
                types = tuple(numba.typeof(v) for v in values)
                if key is not None:
                    types = _TYPES.setdefault(key, types)
                    _SHARED[id(types)] = types
            self._types = types
        return self._types

    def _lockstep_with(self, other: ThuisplusModel) -> bool:
        """Whether ``other`` can run in lockstep with this model (see :func:`run_arms`)."""
        a, b = self.coef, other.coef
        return (self.entropy == other.entropy and self.week == other.week
                and self.draws == other.draws
                and a.n_seats == b.n_seats and a.dwellings == b.dwellings
                and a.n_persons == b.n_persons and a.programme_weeks == b.programme_weeks
                and a.staff.n_providers == b.staff.n_providers
                and a.staff.turnover_rows == b.staff.turnover_rows
                and not (self._panel_on or other._panel_on)
                # a subclass's own step (a collector, say) runs week by week, through Mesa
                and type(self).step is ThuisplusModel.step
                and type(other).step is ThuisplusModel.step
                and self._tape is None and other._tape is None
                and not (self.interventions and not self._builtin)
                and not (other.interventions and not other._builtin)
                and self._numba_types() == other._numba_types())

    def _python_week(self) -> int:
        """One week with interventions applied in Python (any objects with ``apply``)."""
        self.date = self.start_date + dt.timedelta(weeks=self.week)
        self._ev[:] = 0.0
        if self.interventions and not self._builtin:
            self.sync_agents()
            self.effects.reset()
            if self.week < self.programme_weeks:  # the Thuisplusflat runs in the programme
                for iv in self.interventions:
                    iv.apply(self)
        k = self._run_weeks(False, 1)
        self._stale = True  # the next intervention looks at this week's agents
        if k and self._panel_on:
            res = self.res
            rows = np.flatnonzero(res.active[: res.high])
            self._panel.append(np.column_stack([
                np.full(len(rows), self.week), rows, res.age[rows], res.vitality[rows],
                res.loneliness[rows], res.dementia[rows], res.wmo_hh[rows], res.provider[rows],
                res.wlz[rows], res.attachment[rows], res.uid[rows], res.where[rows],
            ]))
        return k

    def _check_status(self) -> None:
        status = int(self._cnt[CNT_STATUS])
        if status != ST_OK:
            what = {ST_RESIDENTS_FULL: "Resident population full",
                    ST_CARERS_FULL: "InformalCarer population full",
                    ST_NEEDS_ROOM: "StaffMember population outgrew its reserved room"}
            raise RuntimeError(f"{what.get(status, status)} (week {self.week})")

    def sync_agents(self) -> None:
        """Mesa agents for the rows the compiled week filled or freed since the last call.

        Called whenever agents are looked at (``agents``, ``agents_by_type``, a
        population's ``agents``), so a batch run that never looks creates none.
        """
        if getattr(self, "_stale", False):
            self._stale = False
            _sync_population_agents(self, (self.res, self.carers, self.staff),
                                    int(self._cnt[CNT_UID]))

    @property
    def agents(self) -> Any:
        """All Mesa agents (residents, carers, staff), up to date."""
        self.sync_agents()
        return super().agents

    @property
    def agents_by_type(self) -> Any:
        """Mesa's AgentSets per agent class, up to date."""
        self.sync_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The agent classes with agents, up to date."""
        self.sync_agents()
        return super().agent_types

    def _after_weeks(self) -> None:
        """After weeks ran: the date, ``running``, and Mesa agents and ids to catch up.

        Mesa's next id is the engine's, so an agent made meanwhile gets a fresh one.
        """
        self.date = self.start_date + dt.timedelta(weeks=self.week)
        self.running = self.week < self.horizon
        self._stale = True
        self.agent_id_counter = int(self._cnt[CNT_UID])

    def _finish_advance(self, weeks: int) -> None:
        """After ``weeks`` weeks ran outside ``step``: advance Mesa's clock by as many."""
        self._after_weeks()
        if _skip_steps(self, weeks):
            return
        user_step, self._user_step = self._user_step, _no_step
        try:
            self._advance_time(self.time + weeks)
        finally:
            self._user_step = user_step

    # ------------------------------------------------------------------ records
    def weekly(self) -> pd.DataFrame:
        """One row per simulated week: population, health, loneliness, care use and cost."""
        n = self.week
        df = pd.DataFrame(self._rec[:n], columns=self._cols)
        dates = pd.date_range(pd.Timestamp(self.start_date), periods=n, freq="7D")
        df.insert(0, "date", dates)
        df.insert(1, "week", np.arange(n))
        df.insert(2, "year", dates.year)
        return df

    def panel(self) -> pd.DataFrame:
        """Per-person weekly panel (only with ``panel=True``): every person followed.

        ``where``: 0 in the complex, 1 elsewhere, 2 in a nursing home.
        """
        if not self._panel_on:
            raise RuntimeError("the resident panel is off; create the model with panel=True")
        cols = ["week", "row", "age", "vitality", "loneliness", "dementia", "wmo_hh",
                "provider", "wlz", "attachment", "unique_id", "where"]
        data = np.vstack(self._panel) if self._panel else np.zeros((0, len(cols)))
        df = pd.DataFrame(data, columns=cols)
        for k in ("week", "row", "provider", "wlz", "unique_id", "where"):
            df[k] = df[k].astype(int)
        for k in ("dementia", "wmo_hh"):
            df[k] = df[k].astype(bool)
        return df

    # ------------------------------------------------------------------ building view
    @property
    def building(self) -> Any:
        """The building as a Mesa grid, the residents in their dwellings' cells.

        Cell ``(position, floor)``: a floor is a row, floor 0 at the bottom, as Mesa's
        space components draw a grid. Built on first use; residents are placed whenever
        the grid is looked at (the compiled week does not move Mesa agents).
        """
        if self._building is None:
            from mesa.discrete_space import OrthogonalMooreGrid

            self._building = OrthogonalMooreGrid(
                (self.per_floor, self.p.building.floors), torus=False, random=self.random)
            self._placed = np.full(self.res.allocated, -1, dtype=np.int64)
            self._placed_uid = np.full(self.res.allocated, -1, dtype=np.int64)
        self._place_residents()
        return self._building

    #: Mesa's name for a model's space (``SolaraViz``'s space components look for it).
    grid = building

    def dwelling_cell(self, dwelling: int) -> Any:
        """The building-grid cell of a dwelling: ``(position on the floor, floor)``."""
        self.building  # noqa: B018  (built, residents placed)
        return self._cell(dwelling)

    def _cell(self, dwelling: int) -> Any:
        """The cell of ``dwelling`` in the grid already built."""
        floor, pos = divmod(int(dwelling), self.per_floor)
        return self._building[(pos, floor)]

    def _place_residents(self) -> None:
        """Put each resident's agent in the cell of its dwelling (and others in none)."""
        self.sync_agents()
        res = self.res
        h = res.high
        want = np.where(res.active[:h] & res.home[:h], res.dwelling[:h], -1).astype(np.int64)
        if len(self._placed) < len(res.active):
            grow = len(res.active) - len(self._placed)
            self._placed = np.concatenate([self._placed, np.full(grow, -1, np.int64)])
            self._placed_uid = np.concatenate([self._placed_uid, np.full(grow, -1, np.int64)])
        agents = res._agents
        moved = np.flatnonzero((want != self._placed[:h])
                               | (res.uid[:h] != self._placed_uid[:h]))
        for r in moved.tolist():
            agent = agents[r]
            d = int(want[r])
            if agent is not None:
                agent._set_cell(self._cell(d) if d >= 0 else None)
            self._placed[r] = d
            self._placed_uid[r] = res.uid[r]

    # ------------------------------------------------------------------ Mesa's data
    @property
    def datacollector(self) -> mesa.DataCollector:
        """Mesa's ``DataCollector`` with the weekly table's columns, filled as weeks run.

        One model reporter per column of :data:`WEEKLY_COLUMNS`, named after it; its
        frame (``get_model_vars_dataframe()``) equals ``weekly()[WEEKLY_COLUMNS]``. It is
        filled from the record when looked at, so runs that never look pay nothing, and
        its ``collect()`` only catches up with the record (calling it in a subclass's
        ``step``, as Mesa models do, adds no second row). For reporters of your own give
        the model your own collector (``model.datacollector = DataCollector(...)``) and
        collect it in a subclass's ``step``.
        """
        dc = self._datacollector
        if dc is None:
            dc = self._datacollector = WeeklyCollector(self._cols)
        if self._collector_own:
            dc.catch_up(self)
        return dc

    @datacollector.setter
    def datacollector(self, collector: mesa.DataCollector) -> None:
        self._datacollector = collector
        self._collector_own = isinstance(collector, WeeklyCollector)

    @property
    def now(self) -> dict[str, float]:
        """The weekly table's row of the last week run, by column (NaN before the first)."""
        week = self.week
        values = self._rec[week - 1] if week > 0 else np.full(len(self._cols), np.nan)
        return dict(zip(self._cols, values.tolist(), strict=True))

    def __getattr__(self, name: str) -> Any:
        """A weekly column as an attribute: its value in the last week run (NaN before).

        Columns whose name is already an attribute of the model (``staff``: the staff
        population) are read from :attr:`now` instead.
        """
        j = _COLUMN_INDEX.get(name)
        rec = self.__dict__.get("_rec")
        if j is None or rec is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        week = self.__dict__.get("week", 0)
        return _last_week(name, self) if week > 0 else math.nan

    def remove_all_agents(self) -> None:
        """Refused: agents leave by the model's processes (see ``ArrayAgent.remove``)."""
        raise RuntimeError("the agents of a ThuisplusModel cannot be removed: persons, carers "
                           "and staff leave by the model's processes. Make a new model "
                           "instead")

    @property
    def streams(self) -> dict[str, np.random.Generator]:
        """The random streams of the processes by name (``make_streams``), up to date.

        Weeks with nobody left skip their draws (:func:`thuisplus.sim.engine.nobody_left`);
        the streams then owe them, and draw them here first, so they stand where a run
        that drew every week leaves them.
        """
        self._settle_draws()
        return self._streams

    def _settle_draws(self) -> None:
        """Draw (and drop) the weeks' draws the streams owe (see :attr:`streams`)."""
        owed = int(self._cnt[CNT_DRAW_DEBT])
        if owed:
            for _ in range(owed):
                engine.draw_week_numpy(self._generators, self.coef)
            self._cnt[CNT_DRAW_DEBT] = 0

    def reset_rng(self, rng: Any = None) -> None:
        """Draw the coming weeks from fresh random numbers of seed ``rng`` (None: ``seed``).

        As Mesa's ``reset_rng``: what has been simulated stays; the weeks after the call
        draw from new streams (every process's stream and the keyed draws) made from the
        seed and the current week, so they never repeat the numbers of earlier weeks, and
        two models reset alike at the same week draw alike. At week 0 ``reset_rng()`` is
        the model's own run. The persons and applicants drawn at set-up stay those of
        ``model.seed``; ``model.rng_resets`` lists (week, seed) of each call. Refused
        while a draw tape is replayed.
        """
        if self._tape is not None:
            raise RuntimeError("this model is replaying a draw tape; reset_rng would "
                               "break the tape's draws")
        seed = self.seed if rng is None else seed_entropy(rng)
        entropy = seed if self.week == 0 else seed_entropy(
            np.random.SeedSequence(seed, spawn_key=(_RESET_KEY, self.week)))
        self.rng_resets.append((self.week, seed))
        self.entropy = entropy  # what the lockstep of two arms compares
        self._streams = make_streams(entropy)
        self._cnt[CNT_DRAW_DEBT] = 0  # the old streams' debt goes with them
        self._generators = tuple(self._streams[g] for g in engine.GENERATORS)
        self.coef = self.coef._replace(entropy64=np.uint64(entropy & (2**64 - 1)))
        self._off_tape = None
        self._types = None
        super().reset_rng(entropy % (2**63))

    def persons(self) -> dict[str, np.ndarray]:
        """Every person's summary, by row (the same person in every arm on this seed).

        ``appeared`` (followed at some point), ``exposed`` (lived in the complex during the
        programme), ``lived`` (ever lived in the complex), ``alive`` (now), ``died_week``
        and ``admitted_week`` (to a nursing home; -1: not, or not yet); ``totals``: each
        person's ledger summed over the years so far (persons × ``LEDGER``).
        """
        res = self.res
        rows, _, values = self.ledger_arrays()
        # np.add.at's sums in the same order (bincount adds each value in turn), faster
        totals = np.stack([np.bincount(rows, weights=values[:, j], minlength=self.n_persons)
                           for j in range(N_LEDGER)], axis=1)
        return {"appeared": res.person >= 0, "exposed": res.exposed.copy(),
                "lived": res.entered_week >= 0,
                "alive": res.active.copy(), "died_week": res.died_week.copy(),
                "admitted_week": res.admitted_week.copy(), "totals": totals}

    def ledger_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The person ledger as arrays: person row, calendar year, values (× ``LEDGER``).

        The years closed so far and the current year's weeks (persons with anything
        booked), sorted by year, then person. Use in the units of ``LEDGER``'s fields
        (thuisplus.sim.care.CARE_TYPES for the care types; weeks; hours).
        """
        n = int(self._cnt[CNT_LEDGER])
        led = self._ledger
        rows, years, values = led.row[:n], led.year[:n], led.values[:n]
        if self.week > 0:
            open_rows = np.flatnonzero(self._person_year.any(axis=1))
            year = self._year_of_week[self.week - 1]
            rows = np.concatenate([rows, open_rows])
            years = np.concatenate([years, np.full(len(open_rows), year, dtype=np.int64)])
            values = np.concatenate([values, self._person_year[open_rows]])
        return rows.copy(), years.copy(), values.copy()

    def ledger(self) -> pd.DataFrame:
        """The person ledger: one row per person and calendar year they were followed.

        Columns: ``person`` (row; the same person in every arm on this seed), ``year``,
        the use of each care type (thuisplus.sim.care.CARE_TYPES, in its units), the weeks lived in
        the complex, elsewhere and in a nursing home, the weeks lonely (De Jong Gierveld
        >= 3) and severely lonely (>= 9) outside a nursing home, the informal care hours
        received, the weeks the person's carer was overburdened and the carer's
        sick-leave hours (see ``thuisplus.sim.processes.common.LEDGER``); then ``cost_`` of
        each care type and of each law (€, constant prices of ``costs.price_year``). Summed over
        persons, a year's use and cost are the weekly table's (a test checks it).
        """
        rows, years, values = self.ledger_arrays()
        # each row priced in its own year, as the weekly table is (equal under constant prices)
        uniq, at = np.unique(years, return_inverse=True)
        prices = (np.stack([self.prices.unit_costs(int(y)) for y in uniq])[at] if len(uniq)
                  else self.prices.base)
        return ledger_frame(rows, years, values, prices)

    def resident_agents(self) -> Sequence[Resident]:
        """The Mesa agents of the current residents of the complex (``residents``: their count)."""
        agents = self.res.agents
        return [agents[r] for r in np.flatnonzero(self.res.home).tolist()]


def ledger_frame(rows: np.ndarray, years: np.ndarray, values: np.ndarray,
                 unit_costs: np.ndarray) -> pd.DataFrame:
    """The ledger table of :meth:`ThuisplusModel.ledger` from its arrays and unit costs.

    ``unit_costs``: one vector (every row alike) or one vector per row.
    """
    df = pd.DataFrame(values, columns=list(LEDGER))
    df.insert(0, "person", rows)
    df.insert(1, "year", years)
    k = len(care_mod.CARE_TYPES)
    cost = values[:, :k] * unit_costs
    for j, c in enumerate(care_mod.CARE_TYPES):
        df[f"cost_{c.name}"] = cost[:, j]
    for law in care_mod.LAWS:
        df[f"cost_{law}"] = cost[:, [j for j, c in enumerate(care_mod.CARE_TYPES)
                                     if c.law == law]].sum(axis=1)
    return df


def run_arms(a: ThuisplusModel, b: ThuisplusModel, weeks: int | None = None
             ) -> tuple[ThuisplusModel, ThuisplusModel]:
    """Run two models on the same seed together, sharing each week's draws.

    The result is the same, bit for bit, as ``a.run(weeks)`` and ``b.run(weeks)``
    (a test checks it), at the cost of drawing once: the arms of a pair draw the same
    numbers from every stream but the interventions' (each draws its own). Models that
    cannot share (another seed or building, a resident panel, interventions applied in
    Python) simply run one after the other.
    """
    weeks = horizon_weeks(a.p) if weeks is None else int(weeks)
    if weeks < 0:
        raise ValueError(f"weeks = {weeks}: allowed: an integer >= 0")
    if not a._lockstep_with(b):
        return a.run(weeks), b.run(weeks)
    for m in (a, b):
        need = m.week + weeks
        m._reserve_weeks(need)
    done = 0
    while done < weeks:
        for m in (a, b):
            m._make_room()
            m._cnt[CNT_UID] = max(m._cnt[CNT_UID], m.agent_id_counter)
        k = _call_run_weeks(a, b, 2, True, a.week, weeks - done)
        for m in (a, b):
            m.week += k
            m._check_status()
        _check_progress(k, a.week)
        done += k
    # b's shared streams did not draw: they stand where a's stand, owing what a's owe
    for name in engine.GENERATORS:
        if name != "interventions":
            b._streams[name].bit_generator.state = a._streams[name].bit_generator.state
    b._cnt[CNT_DRAW_DEBT] = a._cnt[CNT_DRAW_DEBT]
    a._finish_advance(weeks)
    b._finish_advance(weeks)
    return a, b


class DrawTape:
    """The draws of a run's weeks on one seed, for other runs on that seed to replay.

    Recorded by :meth:`ThuisplusModel.record_tape`; given to a new model
    (``ThuisplusModel(params, seed=seed, tape=tape)``), whose weeks ``first`` ..
    ``end - 1`` then take their numbers from the tape instead of the streams. At the end
    of the tape the streams are set where drawing would have left them, so a run that
    goes on past the tape is the same as one that never had it (a test checks it). Only
    runs on the same seed and with the same amount of draws per week (building, number of
    providers, staff pool's room) can use it: :meth:`check` says why not.
    """

    def __init__(self, model: ThuisplusModel, weeks: int):
        self.entropy = model.entropy
        self.first = model.week
        self.end = model.week + weeks
        self.tape = engine.new_tape(model.coef, self.first, weeks, engine.TAPE_RECORD)
        self.shapes = tuple(x.shape[1:] for x in self.tape.draws)
        self.states: dict[str, Any] | None = None  # the streams' states at the end

    @property
    def recorded(self) -> bool:
        """Whether the tape holds all its weeks."""
        return self.states is not None

    @property
    def nbytes(self) -> int:
        """Memory the tape takes."""
        return sum(x.nbytes for x in self.tape.draws)

    @staticmethod
    def nbytes_for(model: ThuisplusModel, weeks: int | None = None) -> int:
        """Memory a tape of ``model``'s next ``weeks`` weeks would take, before recording.

        ``weeks`` None: the horizon, as :meth:`ThuisplusModel.record_tape` takes it.
        """
        weeks = horizon_weeks(model.p) if weeks is None else int(weeks)
        per_week = sum(int(np.prod(x)) for x in engine.draw_shapes(model.coef))
        return 8 * per_week * weeks  # float64 draws

    def check(self, model: ThuisplusModel) -> None:
        """Raise ``ValueError`` unless ``model`` can replay this tape from its next week."""
        why = self.misfit(model)
        if why:
            raise ValueError(f"this draw tape cannot be replayed here: {why}")

    def misfit(self, model: ThuisplusModel) -> str | None:
        """Why ``model`` cannot replay this tape from its next week (None: it can)."""
        why = None
        if model.draws != "streams":
            why = f"the model makes its own draws (draws={model.draws!r})"
        elif not self.recorded:
            why = "the tape is not recorded to its end yet"
        elif model.entropy != self.entropy:
            why = "the model runs on another seed"
        elif model.week != self.first:
            why = f"the model is at week {model.week}, the tape starts at week {self.first}"
        elif engine.draw_shapes(model.coef) != self.shapes:
            why = ("the model draws other amounts each week (another building, number of "
                   "providers or staff room)")
        return why

    def finish(self, model: ThuisplusModel) -> None:
        """At the tape's end: keep the streams' states (recording) or restore them."""
        shared = [g for g in engine.GENERATORS if g != "interventions"]
        if self.states is None:
            self.states = {g: model.streams[g].bit_generator.state for g in shared}
            self.tape = self.tape._replace(mode=engine.TAPE_REPLAY)
        else:
            for g in shared:
                model._streams[g].bit_generator.state = self.states[g]
            model._cnt[CNT_DRAW_DEBT] = 0  # they stand where drawing every week leaves them


# numba types of the arguments of the compiled week by _fingerprint (see _numba_types),
# and those type tuples by their id (kept for good, so an id is never reused).
_TYPES: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_SHARED: dict[int, tuple[Any, ...]] = {}


def _fingerprint(x: Any) -> Any:
    """What numba's type of ``x`` depends on, found in a fraction of ``numba.typeof``'s time.

    Arrays: dtype, dimensions, memory order, writeable and aligned (numba's array type
    is dtype, ndim, layout, readonly and aligned); tuples (NamedTuples too) by class and
    items; scalars by Python type (an int by whether it fits in int64, as numba types it);
    random generators by their bit generator; None for anything else (then numba types
    that model itself). Models made alike share one typing.
    """
    if isinstance(x, np.ndarray):
        f = x.flags
        return (x.dtype.str, x.ndim, f.c_contiguous, f.f_contiguous, f.writeable, f.aligned)
    if isinstance(x, tuple):
        items = tuple(_fingerprint(v) for v in x)
        return None if None in items else (type(x), *items)
    if isinstance(x, bool | float | np.generic):
        return (type(x),)
    if isinstance(x, int):
        return (int, -(2**63) <= x < 2**63)
    if isinstance(x, np.random.Generator):
        return (np.random.Generator, type(x.bit_generator))
    return None  # anything else: typed by numba, model by model


# Compiled entry points of engine.run_weeks by argument types (see _call_run_weeks).
_ENTRY_POINTS: dict[tuple[int, int], Any] = {}


def _call_run_weeks(a: ThuisplusModel, b: ThuisplusModel, n_arms: int, fresh_events: bool,
                    first: int, n: int, tape: engine.Tape | None = None) -> int:
    """:func:`~thuisplus.sim.engine.run_weeks` on the arms of ``a`` and ``b``, untyped by numba.

    Numba's dispatcher types every argument on every call; for the engine's tree of
    NamedTuples that takes ~3 ms, a tenth of a run in a pair. The models know their
    types (:meth:`ThuisplusModel._numba_types`), so the compiled function for them is
    looked up once and called directly; the first call of a signature goes through the
    dispatcher, which compiles or loads it from the cache.
    """
    gi = engine.G_INTERVENTIONS
    # the streams' states as views on numpy's memory, made afresh (a kept one would be a
    # copy after a model is pickled or deep-copied; see _pcg.state_view)
    states = _pcg.state_views(a._generators)
    args = ((a._arm(), b._arm()), a._generators, states,
            (a._generators[gi], b._generators[gi]),
            n_arms, fresh_events, first, n, a._tape_off() if tape is None else tape)
    # keyed by the models' type tuples themselves (shared by models made alike, see
    # _fingerprint), whose identity is cheap to hash; the types' own hash is not
    key = (id(a._numba_types()), id(b._numba_types()))
    entry = _ENTRY_POINTS.get(key)
    if entry is not None:
        return entry(*args)
    done = engine.run_weeks(*args)
    if key[0] in _SHARED and key[1] in _SHARED:  # (else: typed model by model, not kept)
        sig = tuple(numba.typeof(x) for x in args)
        cres = engine.run_weeks.overloads.get(sig)
        if cres is not None:
            _ENTRY_POINTS[key] = cres.entry_point
    return done


def _check_progress(weeks_run: int, week: int) -> None:
    """A compiled call that ran no week after Python made room would loop forever."""
    if weeks_run == 0:
        raise RuntimeError(f"the engine could not run week {week}: Python made room for it "
                           "and it still asked for more (thuisplus.sim.engine.has_room); "
                           "please report")


def engine_is_compiled() -> bool:
    """Whether the compiled engine of this code version is in the cache already."""
    from thuisplus.sim.processes._jit import CACHE_DIR

    return all(any(CACHE_DIR.rglob(f"engine.{name}-*.nbi"))
               for name in ("run_weeks",))


def compile_engine() -> float:
    """Compile the engine (or load it from the cache); returns the seconds it took.

    Runs a tiny pair, which compiles every path a run takes. Call it once before starting
    worker processes, so that they load the compiled code instead of each compiling it.
    """
    import time

    t0 = time.perf_counter()
    p = Parameters().with_overrides({"building.dwellings": 10, "building.floors": 2})
    run_arms(ThuisplusModel(p.baseline(), seed=0), ThuisplusModel(p, seed=0), 2)
    ThuisplusModel(p, seed=0).run(2)
    return time.perf_counter() - t0
