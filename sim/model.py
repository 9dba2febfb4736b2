"""ThuisplusModel: one senior complex simulated week by week.

State lives in three array-backed populations (residents, informal carers, staff) whose
rows are Mesa agents; processes update whole arrays. Every process draws from its own
random stream a fixed amount each week (see :mod:`sim.rng`), so two runs on the same
seed differ only where their states differ.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import care as care_mod
from sim.effects import Effects
from sim.interventions import build_interventions
from sim.params import Parameters
from sim.population import InformalCarer, Population, Resident, StaffMember
from sim.processes import (
    care_needs,
    demography,
    informal_care,
    loneliness,
    moves,
    staffing,
    vitality,
)
from sim.processes._jit import kernel
from sim.processes.care_needs import WLZ_ASSESSING, WLZ_HOME
from sim.processes.demography import yearly_to_weekly
from sim.processes.loneliness import LONELY, SEVERELY_LONELY, SocialNetwork
from sim.rng import keyed_uniform, make_streams, seed_entropy

__all__ = ["WEEKLY_COLUMNS", "ThuisplusModel"]

NETWORK_BURN_IN_WEEKS = 104
NURSING_HOME_KEY = zlib.crc32(b"nursing-home-survival")
NEVER = 2**40  # weeks: a stay longer than any run

# name -> description; the order is the order of the weekly table.
WEEKLY_COLUMNS: dict[str, str] = {
    "residents": "residents living in the complex at the end of the week",
    "households": "occupied dwellings",
    "vacant_dwellings": "empty dwellings",
    "inflow": "residents who moved in this week",
    "deaths": "residents who died this week",
    "admissions": "residents admitted to a nursing home this week (they leave)",
    "moves_out": "residents who moved out for other reasons this week",
    "mean_age": "mean age of residents (years)",
    "mean_vitality": "mean vitality (0 frail - 1 vital)",
    "frail_share": "share of residents below the frailty threshold",
    "dementia_share": "share of residents with dementia",
    "falls": "falls this week",
    "hospital_admissions": "hospital admissions this week",
    "mean_loneliness": "mean De Jong Gierveld score (0-11)",
    "lonely_share": "share with a De Jong Gierveld score >= 3",
    "severely_lonely_share": "share with a De Jong Gierveld score >= 9",
    "room_visits": "residents who visited the common room this week",
    "mean_tie_strength": "mean summed tie strength in the building per resident",
    "wmo_clients": "residents receiving Wmo support (household help or begeleiding)",
    "wmo_clients_preferred": "Wmo clients of the preferred provider",
    "begeleiding_clients": "residents with a begeleiding indication",
    "dn_clients": "residents receiving district nursing",
    "wlz_home_clients": "residents with Wlz care at home (vpt/mpt)",
    "wlz_assessing": "residents awaiting a Wlz indication",
    "nh_residents": "former residents alive in a nursing home",
    "carers_active": "informal carers attached to a resident",
    "carers_overburdened": "informal carers above the overburden threshold",
    "residents_with_carer": "residents receiving informal care this week",
    "informal_care_hours": "informal care hours given this week",
    "carer_sick_leave_hours": "work hours lost to carers' sick leave this week",
    "carer_breakdowns": "carers who stopped this week (overburden)",
    "staff": "care workers serving the building",
    "staff_pnil": "of whom not on the payroll (PNIL)",
    "staff_turnover": "workers who left this week",
    "staff_hires": "workers hired this week (payroll or PNIL)",
    "staff_hours": "working hours in the building incl. travel",
    "pnil_hours": "working hours by PNIL staff incl. travel",
    "travel_hours": "working hours spent travelling",
    "unmet_care_hours": "care hours asked but not delivered (staff short)",
    "transfers": "Wmo clients who switched to the preferred provider this week",
    "referrals": "newcomers referred by the district nurse this week",
    "continuity": "mean attachment of Wmo clients to their regular worker (0-1)",
}
for _c in care_mod.CARE_TYPES:
    WEEKLY_COLUMNS[f"use_{_c.name}"] = f"{_c.name.replace('_', ' ')} use this week ({_c.unit})"
for _c in care_mod.CARE_TYPES:
    WEEKLY_COLUMNS[f"cost_{_c.name}"] = f"{_c.name.replace('_', ' ')} cost this week (€, {_c.law})"
for _law in care_mod.LAWS:
    WEEKLY_COLUMNS[f"cost_{_law}"] = f"{_law.capitalize()} cost this week (€)"

_EVENTS = (
    "deaths", "admissions", "moves_out", "inflow", "falls", "ed", "hospital_days",
    "hospital_admissions", "gp", "gp_acute", "physio", "physio_acute", "wlz_home_weeks",
    "room_visits", "carer_sick_leave_hours", "carer_breakdowns", "informal_care_hours",
    "carers_active", "carers_overburdened", "residents_with_carer", "staff_turnover",
    "staff_hires", "unmet_care_hours", "travel_hours", "pnil_hours", "staff_hours",
    "household_help", "begeleiding", "district_nursing", "transfers", "referrals",
)


S_N, S_AGE, S_VIT, S_FRAIL, S_DEM, S_LON, S_LONELY, S_SEVERE, S_TIES = range(9)
S_WMO, S_WMO_PREF, S_BEG, S_DN, S_WLZ_HOME, S_WLZ_ASSESS, S_ATTACH = range(9, 16)
_MEANS = (("mean_age", S_AGE), ("mean_vitality", S_VIT), ("frail_share", S_FRAIL),
          ("dementia_share", S_DEM), ("mean_loneliness", S_LON), ("lonely_share", S_LONELY),
          ("severely_lonely_share", S_SEVERE), ("mean_tie_strength", S_TIES))
_COUNTS = (("wmo_clients", S_WMO), ("wmo_clients_preferred", S_WMO_PREF),
           ("begeleiding_clients", S_BEG), ("dn_clients", S_DN),
           ("wlz_home_clients", S_WLZ_HOME), ("wlz_assessing", S_WLZ_ASSESS))
_RECORDED_EVENTS = (
    "inflow", "deaths", "admissions", "moves_out", "falls", "hospital_admissions",
    "room_visits", "carers_active", "carers_overburdened", "residents_with_carer",
    "informal_care_hours", "carer_sick_leave_hours", "carer_breakdowns", "staff_turnover",
    "staff_hires", "staff_hours", "pnil_hours", "travel_hours", "unmet_care_hours",
    "transfers", "referrals",
)
# Weekly events that are the use of each care type, in CARE_TYPES order (last: nursing home).
_USE_EVENTS = ("household_help", "begeleiding", "district_nursing", "gp", "physio", "ed",
               "hospital_days", "wlz_home_weeks")


@kernel
def _summarise(h, active, age, vitality, dementia, loneliness, row_sum, scale, wlz, provider,
               attachment, demand_wmo, demand_beg, demand_dn, frail_thr, st):
    """Sums and counts over the residents for the weekly record (one pass)."""
    st[:] = 0.0
    for i in range(h):
        if not active[i]:
            continue
        st[S_N] += 1.0
        st[S_AGE] += age[i]
        st[S_VIT] += vitality[i]
        if vitality[i] < frail_thr:
            st[S_FRAIL] += 1.0
        if dementia[i]:
            st[S_DEM] += 1.0
        L = loneliness[i]
        st[S_LON] += L
        if L >= LONELY:
            st[S_LONELY] += 1.0
        if L >= SEVERELY_LONELY:
            st[S_SEVERE] += 1.0
        st[S_TIES] += row_sum[i] * scale
        if demand_wmo[i] > 0.0:
            st[S_WMO] += 1.0
            st[S_ATTACH] += attachment[i]
            if provider[i] == 0:
                st[S_WMO_PREF] += 1.0
        if demand_beg[i] > 0.0:
            st[S_BEG] += 1.0
        if demand_dn[i] > 0.0:
            st[S_DN] += 1.0
        if wlz[i] == WLZ_HOME:
            st[S_WLZ_HOME] += 1.0
        elif wlz[i] == WLZ_ASSESSING:
            st[S_WLZ_ASSESS] += 1.0


class NursingHome:
    """Former residents admitted to a nursing home: they cost Wlz days until they die.

    Each admitted resident's remaining weeks come from one uniform keyed by (run, week,
    seat) (:func:`sim.rng.keyed_uniform`), so the same person admitted in the same week
    survives equally long in both arms of a pair, and no weekly draw depends on the pool.
    """

    def __init__(self, entropy: int, weekly_death: float):
        self.entropy = entropy
        self.weekly_death = weekly_death
        self.death_week = np.zeros(0, dtype=np.int64)

    def admit(self, seats: np.ndarray, week: int) -> None:
        """Admit the residents on ``seats`` in ``week``."""
        weeks = []
        for s in seats.tolist():
            u = keyed_uniform(self.entropy, NURSING_HOME_KEY, week, s)
            if self.weekly_death <= 0.0:
                weeks.append(NEVER)
            else:  # geometric number of weeks (>= 1) from one uniform; far beyond any run
                stay = math.log1p(-u) / math.log1p(-self.weekly_death)
                weeks.append(NEVER if stay > NEVER else max(1, math.ceil(stay)))
        self.death_week = np.concatenate([self.death_week, week + np.array(weeks, np.int64)])

    def step(self, week: int) -> int:
        """Nursing-home days of ``week``; the residents who die this week leave the pool."""
        alive = self.death_week > week
        if not alive.all():
            self.death_week = self.death_week[alive]
        return 7 * len(self.death_week)


class ThuisplusModel(mesa.Model):
    """A senior complex week by week; with interventions it is a Thuisplusflat.

    Args:
        params: the parameter tree (defaults if omitted).
        rng: seed (int), ``SeedSequence``, numpy ``Generator`` or None (fresh entropy).
        interventions: objects with ``initialize(model)`` and ``apply(model)``; by default
            those of ``params.thuisplus`` (none when the Thuisplusflat is not enabled).
        panel: also record a per-resident weekly panel (``model.panel()``).

    Example:
        >>> from sim import Parameters, ThuisplusModel
        >>> m = ThuisplusModel(Parameters(), rng=1)
        >>> m.run(weeks=52)
        >>> len(m.weekly())
        52

    """

    def __init__(
        self,
        params: Parameters | None = None,
        rng: Any = None,
        *,
        interventions: Iterable[Any] | None = None,
        panel: bool = False,
    ) -> None:
        self.entropy = seed_entropy(rng)
        super().__init__(rng=self.entropy % (2**63))
        self.streams = make_streams(self.entropy)
        self.p = params if params is not None else Parameters()
        self.interventions: list[Any] = list(
            build_interventions(self.p) if interventions is None else interventions)
        b = self.p.building
        self.dwellings = b.dwellings
        self.n_seats = 2 * b.dwellings
        self.per_floor = math.ceil(b.dwellings / b.floors)
        self.n_providers = 1 + self.p.staffing.other_providers
        self.effects = Effects(2 * b.dwellings, self.n_providers)
        self.week = 0
        self.start_date: dt.date = self.p.simulation.start_date
        self.date = self.start_date
        self._building = None

        self.res = Population(self, Resident, self.n_seats)
        self.carers = Population(self, InformalCarer, self.n_seats)
        # Room for one worker per seat; grows (rarely, at extreme hours) if ever short.
        self.staff = Population(self, StaffMember, max(64, self.n_seats), growable=True)
        self.network = SocialNetwork(self.n_seats, self.p.loneliness.tie_half_life_weeks)
        self.nursing_home = NursingHome(self.entropy, yearly_to_weekly(self.p.care.nh_mortality))
        self.occupants = np.zeros(self.dwellings, dtype=np.int64)
        self.demand_hh = np.zeros(self.n_seats)
        self.demand_beg = np.zeros(self.n_seats)
        self.demand_dn = np.zeros(self.n_seats)
        self.demand_wmo = np.zeros(self.n_seats)
        # Scratch arrays reused by the process kernels every week.
        self.flags = np.zeros(self.n_seats, dtype=np.int8)
        self.carer_flags = np.zeros(self.n_seats, dtype=np.int8)
        self.staff_flags = np.zeros(self.staff.size, dtype=np.int8)
        self.scratch_idx = np.zeros(2 * self.n_seats, dtype=np.int64)  # floor + room lists
        self.scratch_need = np.zeros(self.n_seats)
        self.scratch_got = np.zeros(self.n_seats)
        self.scratch_work = np.zeros(self.n_seats)
        self.scratch_unmet = np.zeros(self.n_seats)
        self.vacated_week = np.full(self.dwellings, -1, dtype=np.int64)
        self.lettings = np.zeros(self.dwellings, dtype=np.int64)  # households let so far
        self.letting_traits: list[dict[str, np.ndarray]] = []
        self.scratch_load = np.zeros(self.staff.size)
        self.prices = care_mod.PriceBook(self.p.costs)
        self._rates()
        self.ev: dict[str, float] = dict.fromkeys(_EVENTS, 0.0)

        self._cols = list(WEEKLY_COLUMNS)
        self._col = {c: i for i, c in enumerate(self._cols)}
        self._i_use = self._col["use_" + care_mod.CARE_TYPES[0].name]
        self._i_cost = self._col["cost_" + care_mod.CARE_TYPES[0].name]
        self._i_law = self._col["cost_" + care_mod.LAWS[0]]
        self._stats = np.zeros(16)
        self._i_events = np.array([self._col[k] for k in _RECORDED_EVENTS])
        self._i_means = np.array([self._col[k] for k, _ in _MEANS])
        self._s_means = np.array([s for _, s in _MEANS])
        self._i_counts = np.array([self._col[k] for k, _ in _COUNTS])
        self._s_counts = np.array([s for _, s in _COUNTS])
        self._use = np.zeros(len(care_mod.CARE_TYPES))
        self._rec = np.zeros((self.p.simulation.weeks, len(self._cols)))
        self._panel_on = panel
        self._panel: list[np.ndarray] = []

        self.preferred_clients = 0  # Wmo clients of the preferred provider, last week
        self._populate()
        self.preferred_clients = int(((self.demand_wmo > 0) & self.res.active
                                      & (self.res.provider == 0)).sum())
        for iv in self.interventions:
            iv.initialize(self)

    # ------------------------------------------------------------------ set-up
    def _rates(self) -> None:
        d = self.p.demography
        self.hazard_male_80 = -math.log1p(-d.mortality_male_80)
        self.hazard_female_80 = -math.log1p(-d.mortality_female_80)
        self.weekly_move_out = float(yearly_to_weekly(d.move_out_rate))
        self.weekly_fill = 1.0 / self.p.inflow.vacancy_weeks
        care_needs.weekly_rates(self)
        staffing.weekly_rates(self)

    def _populate(self) -> None:
        """Initial residents, their network, indications, carers, providers and staff."""
        b = self.p.building
        rng = self.streams["init"]
        u_occ, u_couple = rng.random((2, self.dwellings))
        traits = moves.person_traits(self, rng, self.n_seats, newcomer=False)
        occupied = np.flatnonzero(u_occ < b.initial_occupancy)
        couple = occupied[u_couple[occupied] < b.couple_share]
        seats = np.sort(np.concatenate([2 * occupied, 2 * couple + 1]))
        rows = moves.move_in(self, seats, {k: x[seats] for k, x in traits.items()},
                             newcomer=False)

        # Ties built up before the simulation starts; loneliness then set to its target.
        burn = self.streams["init"]
        # Activity levels are the same moving averages as in the weekly step.
        memory = self.p.loneliness.activity_memory_weeks
        res = self.res
        for _ in range(NETWORK_BURN_IN_WEEKS):
            flags = loneliness.socialise(self, burn)[rows]
            res.activity[rows] += ((flags > 0) - res.activity[rows]) / memory
            res.room_activity[rows] += (((flags & loneliness.ATTEND) > 0)
                                        - res.room_activity[rows]) / memory
        noise = burn.standard_normal(self.n_seats)[res.seat[rows]]
        res.loneliness[rows] = np.clip(
            loneliness.target(self, rows) + 4 * self.p.loneliness.noise_sd * noise, 0.0, 11.0)

        # Residents already below the Wlz line at the start live here with Wlz care.
        cp = self.p.care
        v, dem = self.res.vitality[rows], self.res.dementia[rows]
        wlz = (v < cp.wlz_threshold) | (dem & (v < cp.wlz_dementia_threshold))
        self.res.wlz[rows[wlz]] = WLZ_HOME
        # Indications and demand at the start, without admissions before week 0.
        p_ind, p_adm = self.weekly_wlz_indication, self.weekly_wlz_home_admission
        self.weekly_wlz_indication = self.weekly_wlz_home_admission = 0.0
        care_needs.step(self, rng=burn)
        self.weekly_wlz_indication, self.weekly_wlz_home_admission = p_ind, p_adm
        informal_care.step(self, rng=burn, instant=True)
        # Carers have been caring for a while: start at the burden their load sustains.
        ip, car = self.p.informal_care, self.carers
        load = car.hours[car.active] / np.maximum(car.capacity[car.active], 1e-9)
        car.burden[car.active] = ip.burden_rate * load / max(ip.recovery_rate, 1e-9)
        staffing.step(self, rng=burn, instant=True)
        tenure = burn.random(self.n_seats)[self.res.seat[rows]] * 260
        self.res.attachment[rows] = np.where(
            self.res.worker[rows] >= 0,
            1.0 - (1.0 - self.p.staffing.attachment_rate) ** tenure, 0.0)
        self.ev = dict.fromkeys(_EVENTS, 0.0)

    def inflow_policy(self) -> tuple[float, float]:
        """Vital share of newcomers and share of lettings to referrals, this week."""
        c = self.p.thuisplus.contract
        if self.p.thuisplus.enabled and self.date >= c.start_date:
            return self.p.inflow.vital_share + c.vital_share_shift, c.referral_share
        return self.p.inflow.vital_share, 0.0

    def preferred_share(self, role: int) -> float:
        """Share of new clients (of a role) who go to the preferred provider this week."""
        eff = self.effects.preferred_share_hh if role == 0 else self.effects.preferred_share_dn
        return self.p.staffing.preferred_new_client_share if eff is None else eff

    def loneliness_target(self, rows: np.ndarray) -> np.ndarray:
        """Loneliness target of ``rows`` (see :mod:`sim.processes.loneliness`)."""
        return loneliness.target(self, rows)

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """Advance one week.

        The order of events:

        1. **interventions** reset and set the effect modifiers (``model.effects``);
        2. **ageing and mortality**, and moves out for other reasons (demography);
        3. **health**: vitality decline, falls, hospital episodes, dementia onset;
        4. **loneliness and network**: meeting in the room and on the floor, tie decay,
           loneliness towards its target, activity;
        5. **care needs**: Wmo and district-nursing demand, GP and physio use, Wlz
           assessment, indication at home or nursing-home admission (the resident leaves);
        6. **informal care**: carers found, care given, burden, sick leave, breakdowns;
           missing informal care raises formal Wmo hours;
        7. **staffing**: turnover, provider choice of new clients, travel shares, hiring
           (payroll or PNIL) and redeployment, assignment to workers, delivery up to
           capacity (the rest is unmet care, which speeds vitality decline next week),
           attachment;
        8. **moves**: dwellings empty since an earlier week are let to newcomers;
        9. **nursing home**: former residents' days and deaths;
        10. **accounting**: use × unit costs per law, recorded for the week.
        """
        self.ev = dict.fromkeys(_EVENTS, 0.0)
        if self.interventions:
            self.effects.reset()
            for iv in self.interventions:
                iv.apply(self)
        demography.step(self)
        vitality.step(self)
        loneliness.step(self)
        care_needs.step(self)
        informal_care.step(self)
        staffing.step(self)
        moves.step(self)
        nh_days = self.nursing_home.step(self.week)
        self._record(nh_days)
        self.week += 1
        self.date = self.start_date + dt.timedelta(weeks=self.week)

    def run(self, weeks: int | None = None) -> ThuisplusModel:
        """Run ``weeks`` weeks (default ``simulation.weeks``); returns the model."""
        weeks = self.p.simulation.weeks if weeks is None else int(weeks)
        if weeks < 0:
            raise ValueError(f"weeks = {weeks}: allowed: an integer >= 0")
        need = self.week + weeks
        if need > len(self._rec):
            self._rec = np.vstack([self._rec, np.zeros((need - len(self._rec), len(self._cols)))])
        for _ in range(weeks):
            self.step()
        return self

    # ------------------------------------------------------------------ records
    def _record(self, nh_days: int) -> None:
        res, ev, c = self.res, self.ev, self._col
        r = self._rec[self.week]
        st = self._stats
        _summarise(res.high, res.active, res.age, res.vitality, res.dementia, res.loneliness,
                   self.network.row_sum, self.network.scale, res.wlz, res.provider,
                   res.attachment, self.demand_wmo, self.demand_beg, self.demand_dn,
                   self.p.vitality.frail_threshold, st)
        n = st[S_N]
        r[c["residents"]] = n
        occupied = int(np.count_nonzero(self.occupants))
        r[c["households"]] = occupied
        r[c["vacant_dwellings"]] = self.dwellings - occupied
        r[self._i_events] = [ev[k] for k in _RECORDED_EVENTS]
        if n:
            r[self._i_means] = st[self._s_means] / n
        r[self._i_counts] = st[self._s_counts]
        if st[S_WMO]:
            r[c["continuity"]] = st[S_ATTACH] / st[S_WMO]
        self.preferred_clients = int(st[S_WMO_PREF])
        r[c["nh_residents"]] = nh_days / 7
        sh = self.staff.high
        sact = self.staff.active[:sh]
        r[c["staff"]] = np.count_nonzero(sact)
        r[c["staff_pnil"]] = np.count_nonzero(sact & self.staff.pnil[:sh])

        use = self._use
        for k, name in enumerate(_USE_EVENTS):
            use[k] = ev[name]
        use[-1] = nh_days
        per_type, per_law = self.prices.cost(use, self.date.year)
        n_types = len(use)
        r[self._i_use: self._i_use + n_types] = use
        r[self._i_cost: self._i_cost + n_types] = per_type
        r[self._i_law: self._i_law + 3] = per_law
        if self._panel_on:
            rows = np.flatnonzero(res.active[: res.high])
            self._panel.append(np.column_stack([
                np.full(len(rows), self.week), rows, res.age[rows], res.vitality[rows],
                res.loneliness[rows], res.dementia[rows], res.wmo_hh[rows], res.provider[rows],
                res.wlz[rows], res.attachment[rows],
                [res.agents[i].unique_id for i in rows.tolist()],
            ]))

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
        """Per-resident weekly panel (only with ``panel=True``)."""
        if not self._panel_on:
            raise RuntimeError("the resident panel is off; create the model with panel=True")
        cols = ["week", "row", "age", "vitality", "loneliness", "dementia", "wmo_hh",
                "provider", "wlz", "attachment", "unique_id"]
        data = np.vstack(self._panel) if self._panel else np.zeros((0, len(cols)))
        df = pd.DataFrame(data, columns=cols)
        for k in ("week", "row", "provider", "wlz", "unique_id"):
            df[k] = df[k].astype(int)
        for k in ("dementia", "wmo_hh"):
            df[k] = df[k].astype(bool)
        return df

    # ------------------------------------------------------------------ building view
    @property
    def building(self) -> Any:
        """A Mesa grid of floors × dwellings per floor (built on first use)."""
        if self._building is None:
            from mesa.discrete_space import OrthogonalMooreGrid

            self._building = OrthogonalMooreGrid(
                (self.p.building.floors, self.per_floor), torus=False, random=self.random)
        return self._building

    def dwelling_cell(self, dwelling: int) -> Any:
        """The building-grid cell of a dwelling (floor, position on the floor)."""
        return self.building[(dwelling // self.per_floor, dwelling % self.per_floor)]

    def residents(self) -> Sequence[Resident]:
        """The Mesa agents of the current residents."""
        return [self.res.agents[r] for r in self.res.rows().tolist()]
