"""The parameter tree: every figure the model uses, with unit, valid range and source.

One pydantic model per process group, all with ``extra="forbid"`` so that a typo in a
scenario file is an error, not a silently ignored key (Covasim #388). Each field is made
with :func:`P`, which records the unit and the source next to the default value:

- ``EVAL §n`` / ``ART`` — a fact of the domain brief (``shared/domain/thuisplusflat.md``);
- a public statistic quoted in ``shared/domain/parameters.md``;
- ``assumption`` — our own estimate, to be varied in sensitivity analysis.

``docs/parameters.md`` is generated from this tree (``thuisplus params --markdown``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, Field, ValidationError, create_model, model_validator

from sim.interventions import REGISTRY
from sim.param_base import ASSUMPTION, Group, P

__all__ = [
    "P",
    "ParameterError",
    "Parameters",
    "iter_fields",
    "load_parameters",
    "save_parameters",
]


_Group = Group


class SimulationParams(_Group):
    """Calendar and run length."""

    start_date: dt.date = P(
        dt.date(2021, 1, 4),
        "date",
        "EVAL §1: contracts started in 2021 (first Monday of 2021)",
        "Date of the first simulated week (a Monday keeps weeks aligned).",
    )
    weeks: int = P(
        520, "weeks", "DESIGN: default horizon 10 years", "Default number of weeks of a run.",
        ge=1, le=5200,
    )


class BuildingParams(_Group):
    """The complex: dwellings, floors and who lives there at the start."""

    dwellings: int = P(
        250, "dwellings", "EVAL §4 lesson 5: complexes of 200-300 dwellings",
        "Number of dwellings in the complex (the tie matrix grows with its square).",
        ge=10, le=1000,
    )
    floors: int = P(
        10, "floors", ASSUMPTION, "Number of floors; dwellings are spread evenly over them.",
        ge=1, le=60,
    )
    initial_occupancy: float = P(
        0.97, "share of dwellings", ASSUMPTION,
        "Share of dwellings occupied at the start.", ge=0.0, le=1.0,
    )
    couple_share: float = P(
        0.15, "share of households", ASSUMPTION,
        "Share of households at the start that are couples sharing a dwelling.",
        ge=0.0, le=0.8,
    )

    @model_validator(mode="after")
    def _floors_fit(self) -> BuildingParams:
        if self.floors > self.dwellings:
            raise ValueError(
                f"building.floors = {self.floors} exceeds building.dwellings = "
                f"{self.dwellings}; allowed: floors <= dwellings"
            )
        return self


class DemographyParams(_Group):
    """Age, sex, mortality and moves out of the complex."""

    initial_age_mean: float = P(
        78.0, "years", ASSUMPTION + " (senior complexes house mostly 70-85 year olds)",
        "Mean age of residents at the start.", ge=55, le=100,
    )
    initial_age_sd: float = P(
        7.0, "years", ASSUMPTION, "Standard deviation of age at the start.", ge=0, le=20,
    )
    min_age: float = P(
        55.0, "years", ASSUMPTION + " (usual entry age of senior housing)",
        "Youngest possible resident; age draws are truncated here.", ge=40, le=80,
    )
    max_age: float = P(
        104.0, "years", ASSUMPTION, "Oldest age drawn at the start or at entry.", ge=80, le=115,
    )
    female_share: float = P(
        0.65, "share", ASSUMPTION + " (women outlive men; CBS population 75+ about 60% women)",
        "Share of women among single residents.", ge=0, le=1,
    )
    mortality_male_80: float = P(
        0.05, "per year", "CBS life tables (approximate), parameters.md: age 80, men 0.05",
        "Yearly death probability of a man aged 80 at reference vitality.", ge=0, le=0.5,
    )
    mortality_female_80: float = P(
        0.035, "per year", "CBS life tables (approximate), parameters.md: age 80, women 0.035",
        "Yearly death probability of a woman aged 80 at reference vitality.", ge=0, le=0.5,
    )
    mortality_age_slope: float = P(
        0.14, "log hazard per year of age",
        "derived from CBS life tables in parameters.md (men 0.05 at 80 to 0.19 at 90)",
        "Gompertz slope: hazard multiplies by exp(slope) per year of age.", ge=0, le=0.3,
    )
    mortality_vitality_log_hr: float = P(
        2.5, "log hazard per unit vitality", ASSUMPTION
        + " (frail residents die 2-3x as often; TILDA frail->death 31% per wave)",
        "Log hazard ratio per unit of vitality below the reference.", ge=0, le=8,
    )
    vitality_reference: float = P(
        0.5, "vitality (0-1)", ASSUMPTION,
        "Vitality at which the age-specific life-table rates apply.", ge=0, le=1,
    )
    move_out_rate: float = P(
        0.02, "per year", ASSUMPTION + " (moves to family or other housing)",
        "Yearly probability of moving out for other reasons than death or nursing home.",
        ge=0, le=0.5,
    )


class VitalityParams(_Group):
    """Vitality (1 = fully vital, 0 = completely frail), acute events and dementia."""

    initial_beta_a: float = P(
        3.5, "-", ASSUMPTION + " (chosen so ~25% of 75+ are frail, GGD TFI figures)",
        "Shape a of the Beta distribution of vitality at age 78.", gt=0, le=50,
    )
    initial_beta_b: float = P(
        3.0, "-", ASSUMPTION, "Shape b of the Beta distribution of vitality at age 78.",
        gt=0, le=50,
    )
    initial_age_gradient: float = P(
        0.012, "vitality per year of age", ASSUMPTION
        + " (frailty 13% at 65-74, 25% 75+, 45% 85+, GGD)",
        "Vitality lost per year of age above 78 at the start and at entry.", ge=0, le=0.1,
    )
    frail_threshold: float = P(
        0.35, "vitality (0-1)", ASSUMPTION + " (maps vitality onto the TFI frail/not frail cut)",
        "Residents below this vitality count as frail.", ge=0, le=1,
    )
    decline_at_80: float = P(
        0.018, "vitality per year", ASSUMPTION
        + " (Kojima 2019: 29% worsen, 14% improve over 3.9 years)",
        "Mean yearly vitality decline at age 80 without loneliness or inactivity effects.",
        ge=0, le=0.5,
    )
    decline_age_slope: float = P(
        0.05, "log per year of age", ASSUMPTION, "Decline multiplies by exp(slope) per year.",
        ge=0, le=0.3,
    )
    noise_sd: float = P(
        0.035, "vitality per sqrt(year)", ASSUMPTION
        + " (lets some residents improve, TILDA prefrail->nonfrail 32% per wave)",
        "Random week-to-week variation of vitality.", ge=0, le=0.5,
    )
    loneliness_decline_effect: float = P(
        0.6, "relative extra decline", "Meisters et al. 2021: +40-50% costs of severe "
        "loneliness, mostly through poorer health; size is an assumption",
        "Extra relative decline at maximal loneliness (scaled linearly from score 3 to 11).",
        ge=0, le=5,
    )
    inactivity_decline_effect: float = P(
        0.3, "relative extra decline", ASSUMPTION,
        "Extra relative decline of a resident who takes part in no activity at all.",
        ge=0, le=5,
    )
    unmet_care_decline_effect: float = P(
        0.5, "relative extra decline", ASSUMPTION + " (care that does not come harms health)",
        "Extra relative decline of a resident whose formal care was entirely unmet last week "
        "(scaled by the unmet share).", ge=0, le=5,
    )
    dementia_decline_effect: float = P(
        0.8, "relative extra decline", ASSUMPTION,
        "Extra relative decline of a resident with dementia.", ge=0, le=5,
    )
    fall_probability: float = P(
        0.30, "per year", "VeiligheidNL: ~30% of 65+ fall each year",
        "Yearly probability of at least one fall at reference vitality (turned into a rate).",
        ge=0, le=0.99,
    )
    fall_frailty_log_rr: float = P(
        2.0, "log rate ratio per unit vitality", ASSUMPTION,
        "Falls rise with frailty: log rate ratio per unit vitality below the reference.",
        ge=0, le=8,
    )
    fall_gp_share: float = P(
        0.5, "share of falls", "HvA: 71% of fallers need medical care (share of falls lower)",
        "Share of falls followed by a GP contact.", ge=0, le=1,
    )
    fall_ed_share: float = P(
        0.10, "share of falls", "VeiligheidNL: 119,000 ED visits after a fall, ~10% of falls",
        "Share of falls leading to an emergency-department visit.", ge=0, le=1,
    )
    fall_admission_share: float = P(
        0.35, "share of ED visits", ASSUMPTION + " (hip fractures and other injuries)",
        "Share of fall-related ED visits followed by hospital admission.", ge=0, le=1,
    )
    fall_vitality_loss: float = P(
        0.02, "vitality", ASSUMPTION, "Vitality lost after a fall.", ge=0, le=0.5,
    )
    fall_physio_sessions: float = P(
        6.0, "sessions", ASSUMPTION, "Physiotherapy sessions after an ED-treated fall.",
        ge=0, le=50,
    )
    hospital_rate: float = P(
        0.12, "per year", ASSUMPTION + " (non-fall admissions of community-dwelling 75+)",
        "Yearly rate of non-fall hospital admissions at reference vitality.", ge=0, le=3,
    )
    hospital_frailty_log_rr: float = P(
        2.5, "log rate ratio per unit vitality", ASSUMPTION,
        "Admissions rise with frailty: log rate ratio per unit vitality below the reference.",
        ge=0, le=8,
    )
    hospital_days: float = P(
        6.0, "days per admission", ASSUMPTION + " (mean length of stay of older patients)",
        "Hospital days per admission.", ge=0, le=60,
    )
    hospital_ed_share: float = P(
        0.6, "share of admissions", ASSUMPTION,
        "Share of non-fall admissions that enter through the emergency department.",
        ge=0, le=1,
    )
    hospital_vitality_loss: float = P(
        0.06, "vitality", ASSUMPTION + " (hospital-associated disability)",
        "Vitality lost after a hospital admission.", ge=0, le=0.5,
    )
    dementia_incidence_80: float = P(
        0.025, "per year", "Ott et al. 1998 (Rotterdam Study): rising steeply with age, "
        "97 per 1,000 person-years in the oldest",
        "Yearly dementia incidence at age 80.", ge=0, le=0.5,
    )
    dementia_age_slope: float = P(
        0.11, "log per year of age", "Ott et al. 1998 (doubling every ~6 years)",
        "Dementia incidence multiplies by exp(slope) per year of age.", ge=0, le=0.3,
    )
    dementia_initial_share: float = P(
        0.06, "share of residents", ASSUMPTION + " (prevalence of dementia among 75-85)",
        "Share of residents with dementia at the start and among newcomers.", ge=0, le=1,
    )


class LonelinessParams(_Group):
    """Loneliness on the De Jong Gierveld scale (0-11) and the social network."""

    base_mean: float = P(
        3.8, "DJG points", "vzinfo.nl 2020, 75+: 56% lonely (>=3), 12% severely (>=9); "
        "mean and sd chosen to match at default network and health",
        "Mean of each resident's personal loneliness level (before network and health).",
        ge=0, le=11,
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
        3.0, "DJG points", ASSUMPTION
        + " (ties in the building lower loneliness; Fontanari 2021: shrinks in company)",
        "Loneliness target difference between a saturated network and no network.",
        ge=0, le=11,
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
        0.3, "per week", ASSUMPTION, "Probability that a resident is out on the floor in a week.",
        ge=0, le=1,
    )
    attendance_base: float = P(
        0.08, "per week", ASSUMPTION + " (a room without a programme is little used)",
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


class CareParams(_Group):
    """Care needs, indications and use per law and care type."""

    hh_threshold_mean: float = P(
        0.42, "vitality (0-1)", ASSUMPTION + " (set so ~35% of residents hold a Wmo "
        "indication: EVAL §3, not every complex had 100 clients)",
        "Mean vitality below which household help (Wmo) is indicated.", ge=0, le=1,
    )
    hh_threshold_sd: float = P(
        0.08, "vitality (0-1)", ASSUMPTION, "Spread of the household-help threshold.",
        ge=0, le=0.5,
    )
    hh_hours_base: float = P(
        1.8, "hours per week", "EVAL §2: €85 per client per week ≈ 2.6 h household help on "
        "average (parameters.md, derived); the base is set so the client mean comes near",
        "Household-help hours of a client just below the threshold.", ge=0, le=40,
    )
    hh_hours_slope: float = P(
        2.0, "hours per week per unit need", ASSUMPTION,
        "Extra household-help hours per unit of need below the threshold.", ge=0, le=40,
    )
    begeleiding_dementia_prob: float = P(
        0.4, "share", ASSUMPTION + " (EVAL §3: begeleiding is a small share of clients)",
        "Share of clients with dementia who get begeleiding (guidance).", ge=0, le=1,
    )
    begeleiding_hours: float = P(
        1.5, "hours per week", ASSUMPTION, "Begeleiding hours per client.", ge=0, le=40,
    )
    dn_threshold: float = P(
        0.30, "vitality (0-1)", ASSUMPTION,
        "Vitality below which district nursing (Zvw) is needed.", ge=0, le=1,
    )
    dn_hours_base: float = P(
        1.0, "hours per week", "Vektis: ≈ €6,000 per district-nursing client per year "
        "(≈ 1.7 h/week at €66/h on average; the base is for a client just in need)",
        "District-nursing hours of a client just below the threshold.", ge=0, le=40,
    )
    dn_hours_slope: float = P(
        6.0, "hours per week per unit need", ASSUMPTION,
        "Extra district-nursing hours per unit of need below the threshold.", ge=0, le=40,
    )
    post_discharge_dn_weeks: float = P(
        4.0, "weeks", ASSUMPTION + " (transitional care after a hospital stay)",
        "Weeks of district nursing after a hospital discharge.", ge=0, le=52,
    )
    post_discharge_dn_hours: float = P(
        3.0, "hours per week", ASSUMPTION, "District-nursing hours a week after discharge.",
        ge=0, le=40,
    )
    gp_contacts_base: float = P(
        5.0, "contacts per year", ASSUMPTION + " (NIVEL: 75+ see the GP ~5-7 times a year)",
        "GP contacts of a vital resident.", ge=0, le=60,
    )
    gp_contacts_frailty: float = P(
        8.0, "contacts per year per unit vitality", ASSUMPTION,
        "Extra GP contacts per unit of vitality below 1.", ge=0, le=60,
    )
    gp_loneliness_effect: float = P(
        0.005, "relative", "Meisters et al. 2021: direct effect of loneliness on GP use +0.5%",
        "Direct relative extra GP use of the severely lonely.", ge=0, le=1,
    )
    physio_sessions_frailty: float = P(
        6.0, "sessions per year per unit vitality", ASSUMPTION,
        "Physiotherapy sessions per year per unit vitality below 1 (besides falls).",
        ge=0, le=100,
    )
    wlz_threshold: float = P(
        0.10, "vitality (0-1)", ASSUMPTION + " (Wlz indication when 24-hour care is needed)",
        "Vitality below which a Wlz indication is granted.", ge=0, le=1,
    )
    wlz_dementia_threshold: float = P(
        0.22, "vitality (0-1)", ASSUMPTION,
        "Vitality below which a resident with dementia gets a Wlz indication.", ge=0, le=1,
    )
    wlz_indication_rate: float = P(
        4.0, "per year", ASSUMPTION + " (assessment takes ~3 months)",
        "Yearly rate at which an eligible resident receives the Wlz indication.", ge=0, le=52,
    )
    wlz_home_share: float = P(
        0.3, "share of indications", ASSUMPTION + " (EVAL §5: a small share has a Wlz "
        "indication at home, mpt or vpt)",
        "Share of new Wlz indications taken as care at home (vpt/mpt) instead of admission.",
        ge=0, le=1,
    )
    wlz_home_admission_rate: float = P(
        0.3, "per year", ASSUMPTION,
        "Yearly rate at which a Wlz client at home is admitted to a nursing home.",
        ge=0, le=52,
    )
    nh_mortality: float = P(
        0.35, "per year", ASSUMPTION + " (median survival in a Dutch nursing home ~2 years)",
        "Yearly mortality of former residents in the nursing home.", ge=0, le=1,
    )


class InformalCareParams(_Group):
    """Informal carers: who has one, hours, burden, sick leave and breakdown."""

    has_carer_prob: float = P(
        0.75, "probability", "CBS 2019: 23.7% of 75+ receive informal care; "
        "SCP/PBL: 5 potential carers per 75+ (share is an assumption)",
        "Probability that a resident has someone who can become their carer (a lifelong "
        "trait); the carer steps in at new_carer_rate once the resident needs help.",
        ge=0, le=1,
    )
    need_threshold: float = P(
        0.5, "vitality (0-1)", ASSUMPTION,
        "Vitality below which a resident needs informal help.", ge=0, le=1,
    )
    hours_base: float = P(
        4.0, "hours per week", ASSUMPTION, "Informal hours asked by a resident just in need.",
        ge=0, le=80,
    )
    hours_slope: float = P(
        20.0, "hours per week per unit need", "CBS 2019: 75+ receive ~18 h/week; CBS 2024 "
        "carers give 12 h/week on average",
        "Extra informal hours asked per unit of need.", ge=0, le=80,
    )
    capacity_mean: float = P(
        14.0, "hours per week", "CBS 2024: carers give 12 h/week on average; 36% give >= 8 h",
        "Mean hours a carer can give without strain.", gt=0, le=80,
    )
    capacity_sd: float = P(
        5.0, "hours per week", ASSUMPTION, "Spread of carer capacity.", ge=0, le=40,
    )
    burden_rate: float = P(
        0.03, "burden per week at full load", ASSUMPTION,
        "Burden growth per week when hours equal capacity.", ge=0, le=1,
    )
    recovery_rate: float = P(
        0.03, "per week", ASSUMPTION, "Share of burden that recovers each week.", ge=0, le=1,
    )
    overburden_threshold: float = P(
        1.0, "burden", ASSUMPTION + " (set so ~19% of carers are heavily burdened, CBS 2024)",
        "Burden above which a carer counts as overburdened.", gt=0, le=10,
    )
    employed_share: float = P(
        0.55, "share of carers", ASSUMPTION + " (children of 80+ are mostly 50-65)",
        "Share of carers with a paid job.", ge=0, le=1,
    )
    work_hours: float = P(
        32.0, "hours per week", ASSUMPTION, "Contract hours of an employed carer.", ge=0, le=60,
    )
    sick_leave_prob_normal: float = P(
        0.10, "per year", "SCP: 10% of non-carers sick >= 2 weeks a year",
        "Yearly probability of a sick-leave episode of a carer who is not overburdened.",
        ge=0, le=0.99,
    )
    sick_leave_prob_overburdened: float = P(
        0.25, "per year", "SCP: 25% of long-term carers sick >= 2 weeks a year",
        "Yearly probability of a sick-leave episode of an overburdened carer.", ge=0, le=0.99,
    )
    sick_leave_weeks: float = P(
        2.0, "weeks", "SCP: episodes of at least 2 weeks", "Length of a sick-leave episode.",
        ge=0, le=52,
    )
    breakdown_rate: float = P(
        0.3, "per year", ASSUMPTION, "Yearly rate at which an overburdened carer stops caring.",
        ge=0, le=10,
    )
    new_carer_rate: float = P(
        0.5, "per year", ASSUMPTION,
        "Yearly rate at which a resident in need without a carer finds one.", ge=0, le=52,
    )
    formal_substitution: float = P(
        0.15, "formal hours per informal hour", ASSUMPTION,
        "Extra household-help hours for each informal hour asked but not given (only for "
        "residents receiving household help that week).",
        ge=0, le=2,
    )


class StaffingParams(_Group):
    """Care providers and their household-help workers and district nurses."""

    other_providers: int = P(
        5, "providers", "ART: many providers doing the same work in one building "
        "(number is an assumption)",
        "Number of providers besides the preferred one.", ge=1, le=30,
    )
    preferred_initial_share: float = P(
        0.1, "share of clients", "EVAL §3: providers started with very few clients",
        "Share of existing Wmo and district-nursing clients with the (later) preferred "
        "provider at the start.",
        ge=0, le=1,
    )
    preferred_new_client_share: float = P(
        0.15, "share of new clients", ASSUMPTION + " (free choice among providers)",
        "Share of new Wmo clients who choose the preferred provider without a Thuisplusflat.",
        ge=0, le=1,
    )
    worker_hours: float = P(
        20.0, "hours per week", "AZW: average contract 0.56 FTE in home care (× 36 h)",
        "Contract hours per worker (at least 1: below it the staff pool grows without "
        "bound in memory).", ge=1, le=40,
    )
    sickness_absence: float = P(
        0.08, "share of hours", "ActiZ: 7.1% (2019), 9.0% (2021)",
        "Share of contract hours lost to sickness.", ge=0, le=0.5,
    )
    turnover_payroll: float = P(
        0.196, "per year", "ActiZ 2021: outflow 19.6% per year in nursing and home care",
        "Yearly probability that a payroll worker leaves.", ge=0, le=1,
    )
    turnover_pnil: float = P(
        0.6, "per year", ASSUMPTION + " (agency and freelance staff rotate quickly)",
        "Yearly probability that a PNIL worker leaves the building's rota.", ge=0, le=1,
    )
    vacancy_fill_weeks: float = P(
        20.0, "weeks", ASSUMPTION + " (tight labour market)",
        "Mean weeks to fill a vacancy with a payroll worker.", ge=1, le=104,
    )
    pnil_cover_prob: float = P(
        0.5, "per week", ASSUMPTION + " (tuned to a PNIL share near 7%, SZW: 6.8% nationally)",
        "Weekly probability that an open vacancy is covered by a PNIL worker meanwhile.",
        ge=0, le=1,
    )
    target_utilisation: float = P(
        0.85, "share of available hours", ASSUMPTION,
        "Planned share of available hours filled; providers hire to this level (at least "
        "0.05: below it the staff pool, one worker per 5% of needed hours, grows without "
        "bound in memory).", ge=0.05, le=1,
    )
    travel_share_max: float = P(
        0.35, "share of working time", ASSUMPTION + " (not found; parameters.md: wide range)",
        "Travel share of a provider with a single client in the building.", ge=0, le=0.9,
    )
    travel_share_min: float = P(
        0.10, "share of working time", "ING Research 2022: clustered home care up to 50% "
        "more efficient (bounds the saving)",
        "Travel share of a provider whose clients are all clustered in the building.",
        ge=0, le=0.9,
    )
    travel_halfsat_clients: float = P(
        15.0, "clients", ASSUMPTION,
        "Clients beyond the first at which a provider's travel share is halfway down.",
        gt=0, le=500,
    )
    attachment_rate: float = P(
        0.02, "per week", ASSUMPTION + " (EVAL §3: attachment to the own worker)",
        "Weekly growth of a client's attachment to their regular worker.", ge=0, le=1,
    )

    @model_validator(mode="after")
    def _travel_order(self) -> StaffingParams:
        if self.travel_share_min > self.travel_share_max:
            raise ValueError(
                f"staffing.travel_share_min = {self.travel_share_min} exceeds "
                f"staffing.travel_share_max = {self.travel_share_max}; allowed: min <= max"
            )
        return self


class InflowParams(_Group):
    """Vacancies and newcomers."""

    vacancy_weeks: float = P(
        8.0, "weeks", ASSUMPTION + " (EVAL §4 lesson 3: senior complexes have high turnover)",
        "Mean weeks a vacated dwelling stays empty.", ge=1, le=520,
    )
    age_mean: float = P(
        76.0, "years", ASSUMPTION, "Mean age of newcomers.", ge=55, le=100,
    )
    age_sd: float = P(6.0, "years", ASSUMPTION, "Spread of newcomers' ages.", ge=0, le=20)
    vital_share: float = P(
        0.6, "share of newcomers", ASSUMPTION + " (EVAL §4 lesson 3: mix of vital and "
        "less vital residents)",
        "Share of newcomers who are vital.", ge=0, le=1,
    )
    vital_beta_a: float = P(
        7.0, "-", ASSUMPTION, "Beta shape a of a vital newcomer's vitality.", gt=0, le=50,
    )
    vital_beta_b: float = P(
        2.5, "-", ASSUMPTION, "Beta shape b of a vital newcomer's vitality.", gt=0, le=50,
    )
    less_vital_beta_a: float = P(
        3.0, "-", ASSUMPTION, "Beta shape a of a less vital newcomer's vitality.", gt=0, le=50,
    )
    less_vital_beta_b: float = P(
        3.5, "-", ASSUMPTION, "Beta shape b of a less vital newcomer's vitality.", gt=0, le=50,
    )
    couple_share: float = P(
        0.10, "share of new households", ASSUMPTION,
        "Share of new households that are couples.", ge=0, le=0.8,
    )


class CostParams(_Group):
    """Unit costs (price level of ``price_year``) and yearly indexation."""

    price_year: int = P(
        2022, "year", "Kostenhandleiding 2024 reference prices are at price level 2022",
        "Price level of the unit costs below.", ge=2000, le=2100,
    )
    indexation: float = P(
        0.03, "per year", ASSUMPTION + " (NZa/OVA indexation of care tariffs 2021-2024 ~3-5%)",
        "Yearly price indexation applied to all unit costs from the price year.",
        ge=-0.05, le=0.2,
    )
    household_help: float = P(
        32.76, "€ per hour", "Kostenhandleiding 2024 (2022 prices): household help at home",
        "Wmo household help.", ge=0, le=500,
    )
    begeleiding: float = P(
        64.00, "€ per hour", "Kostenhandleiding 2024 (2022 prices): guidance at home",
        "Wmo begeleiding.", ge=0, le=500,
    )
    district_nursing: float = P(
        66.29, "€ per hour", "Kostenhandleiding 2024 (2022 prices): mean of personal care "
        "57.58 and nursing 75.00",
        "Zvw district nursing.", ge=0, le=500,
    )
    gp_contact: float = P(
        30.87, "€ per contact", "Kostenhandleiding 2024 (2022 prices): GP consult",
        "Zvw GP contact.", ge=0, le=500,
    )
    physio_session: float = P(
        38.89, "€ per session", "Kostenhandleiding 2024 (2022 prices)",
        "Zvw physiotherapy session.", ge=0, le=500,
    )
    ed_visit: float = P(
        258.0, "€ per visit", "Kostenhandleiding 2024 (2022 prices)",
        "Zvw emergency-department visit.", ge=0, le=5000,
    )
    hospital_day: float = P(
        644.0, "€ per day", "Kostenhandleiding 2024 (2022 prices): hospital day incl. staff",
        "Zvw hospital day.", ge=0, le=5000,
    )
    nursing_home_day: float = P(
        290.0, "€ per day", "Kostenhandleiding 2024 (2022 prices): nursing home incl. day "
        "activities",
        "Wlz nursing-home day.", ge=0, le=2000,
    )
    wlz_home_cost_ratio: float = P(
        0.8, "ratio", "EVAL §5 expects home cheaper; Zorginstituut: home can cost up to +25% "
        "(range spans both)",
        "Cost of a week of Wlz care at home (vpt/mpt) relative to a week in a nursing home.",
        ge=0.3, le=1.5,
    )


class MoneyParams(_Group):
    """The contract's money (EVAL §2) and the cost of the Thuisplusflat team."""

    contract_year: int = P(
        2021, "year", "EVAL §2: the 2021-2023 contract", "Price year of the contract "
        "amounts below.", ge=2000, le=2100,
    )
    start_amount: float = P(
        35_000.0, "€ once per flat", "EVAL §2: one-time start amount €35,000",
        "One-time start amount paid by the municipality.", ge=0, le=1e7,
    )
    plus_per_client_week: float = P(
        15.0, "€ per Wmo client per week", "EVAL §2: plus €15 per resident with a Wmo "
        "indication per week", "The contract's plus, per Wmo client of the preferred "
        "provider.", ge=0, le=1000,
    )
    wmo_per_client_week: float = P(
        85.0, "€ per Wmo client per week", "EVAL §2: average Wmo support funding €85",
        "Regular Wmo funding per client per week.", ge=0, le=5000,
    )
    weeks_per_year: int = P(
        52, "weeks", "EVAL §2: 100 × 52 × €15 = €78,000", "Weeks per year in the contract "
        "arithmetic.", ge=1, le=53,
    )
    indexation: float = P(
        0.03, "per year", "EVAL §2: the plus is indexed yearly (rate an assumption, as "
        "costs.indexation)", "Yearly indexation of the contract amounts after the "
        "contract year.", ge=-0.05, le=0.2,
    )
    coordinator_fte: float = P(
        0.1, "FTE", "EVAL §2: 0.1 FTE coordinator (hbo)", "Coordinator in the team the plus "
        "was sized for.", ge=0, le=10,
    )
    activities_fte: float = P(
        0.5, "FTE", "EVAL §2: 0.5 FTE daytime-activities worker (mbo)", "Activities worker "
        "in the team the plus was sized for.", ge=0, le=10,
    )
    salary_hbo_per_fte: float = P(
        85_195.0, "€ per FTE per year", "Berenschot: employer cost €45.51/h (nurse aged 42) "
        "× 36 h × 52 weeks", "Employer cost of a higher-vocational (hbo) worker.",
        ge=0, le=500_000,
    )
    salary_mbo_per_fte: float = P(
        73_176.0, "€ per FTE per year", "Berenschot: employer cost €39.09/h (nurse aged 28) "
        "× 36 h × 52 weeks", "Employer cost of a vocational (mbo) worker.", ge=0,
        le=500_000,
    )
    salary_year: int = P(
        2023, "year", "Berenschot 2023", "Price year of the salaries.", ge=2000, le=2100,
    )
    discount_rate: float = P(
        0.0225, "per year", "Werkgroep discontovoet 2020: general MKBA guideline 2.25% real",
        "Discount rate of the social business case.", ge=0, le=0.15,
    )
    staff_hour_cost: float = P(
        42.30, "€ per hour", "Berenschot: employer cost €39.09-45.51 per hour (mean)",
        "Employer cost of a care worker's hour (values saved travel and PNIL premiums).",
        ge=0, le=500,
    )
    pnil_premium: float = P(
        0.4, "relative", "Berenschot 2023; parameters.md: PNIL 1.3-1.5x payroll cost per hour",
        "Extra cost of a PNIL hour over a payroll hour.", ge=0, le=3,
    )
    replacement_cost: float = P(
        8_000.0, "€ per leaver", ASSUMPTION + " (recruitment, induction, lost productivity)",
        "Cost to the provider of replacing a worker who leaves.", ge=0, le=100_000,
    )
    productivity_cost_per_hour: float = P(
        39.88, "€ per hour", "Zorginstituut 2022: productivity cost of a paid worker",
        "Value of a work hour lost to a carer's sick leave (borne by the employer).",
        ge=0, le=500,
    )
    welfare_hour_cost: float = P(
        60.0, "€ per hour", ASSUMPTION + " (community builder, welfare organisation tariff)",
        "Cost of a community-builder hour, paid by the municipality.", ge=0, le=500,
    )
    ehealth_cost_per_client_year: float = P(
        150.0, "€ per client per year", ASSUMPTION, "Cost of e-health at full intensity per "
        "Wmo client of the preferred provider, borne by the provider.", ge=0, le=10_000,
    )
    common_room_cost_per_year: float = P(
        6_000.0, "€ per year", ASSUMPTION + " (ART: paid from rent and service charges)",
        "Extra yearly cost of a common room in daily use, borne by the housing corporation "
        "and its residents.", ge=0, le=1e6,
    )


def _thuisplus_params() -> type[Group]:
    """The ``thuisplus`` group: ``enabled`` and one group per registered intervention."""
    fields: dict[str, Any] = {"enabled": (bool, P(
        True, "-", "EVAL §1", "Whether the complex is a Thuisplusflat (false: the baseline, "
        "fragmented providers, no room programme, no support).",
    ))}
    for name, cls in REGISTRY.items():
        fields[name] = (cls.Params, Field(default_factory=cls.Params))
    return create_model(
        "ThuisplusParams", __base__=Group, __module__=__name__,
        __doc__="The Thuisplusflat: the contract levers and the registered interventions "
                "(sim.interventions); off = the baseline.", **fields)


ThuisplusParams = _thuisplus_params()


class Parameters(_Group):
    """The complete parameter tree of one Thuisplusflat complex."""

    simulation: SimulationParams = Field(default_factory=SimulationParams)
    building: BuildingParams = Field(default_factory=BuildingParams)
    demography: DemographyParams = Field(default_factory=DemographyParams)
    vitality: VitalityParams = Field(default_factory=VitalityParams)
    loneliness: LonelinessParams = Field(default_factory=LonelinessParams)
    care: CareParams = Field(default_factory=CareParams)
    informal_care: InformalCareParams = Field(default_factory=InformalCareParams)
    staffing: StaffingParams = Field(default_factory=StaffingParams)
    inflow: InflowParams = Field(default_factory=InflowParams)
    costs: CostParams = Field(default_factory=CostParams)
    money: MoneyParams = Field(default_factory=MoneyParams)
    thuisplus: ThuisplusParams = Field(default_factory=ThuisplusParams)

    @model_validator(mode="after")
    def _consistent(self) -> Parameters:
        c = self.thuisplus.contract
        if c.start_date < self.simulation.start_date:
            raise ValueError(
                f"thuisplus.contract.start_date = {c.start_date} is before "
                f"simulation.start_date = {self.simulation.start_date}; allowed: on or after")
        share = self.inflow.vital_share + c.vital_share_shift
        if not 0.0 <= share <= 1.0:
            raise ValueError(
                f"inflow.vital_share + thuisplus.contract.vital_share_shift = {share:g}; "
                "allowed: between 0 and 1")
        return self

    def baseline(self) -> Parameters:
        """The same complex without a Thuisplusflat (the counterfactual arm of a pair)."""
        return self.with_overrides({"thuisplus.enabled": False}, origin="baseline")

    # --- construction from data, with errors that name the dotted key -----------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str = "parameters") -> Parameters:
        """Validate a nested mapping; raise :class:`ParameterError` naming each bad key."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise ParameterError.from_validation(exc, origin=origin, data=data) from None

    def with_overrides(self, overrides: Mapping[str, Any], *, origin: str = "overrides"
                       ) -> Parameters:
        """Return a copy with dotted-key overrides applied (``{"care.hh_hours_base": 3}``)."""
        data = self.model_dump()
        for key, value in overrides.items():
            _set_dotted(data, key, value, origin=origin)
        return Parameters.from_dict(data, origin=origin)

    def get(self, dotted: str) -> Any:
        """Value at a dotted key such as ``"care.hh_hours_base"``."""
        obj: Any = self
        for part in dotted.split("."):
            if not isinstance(obj, BaseModel) or part not in type(obj).model_fields:
                raise ParameterError([(dotted, None, _unknown_key_help(dotted))])
            obj = getattr(obj, part)
        return obj


class ParameterError(ValueError):
    """Bad parameter input; each problem is (dotted key, value, what is allowed)."""

    def __init__(self, problems: list[tuple[str, Any, str]], origin: str = "parameters"):
        self.problems = problems
        self.origin = origin
        super().__init__(self.format())

    def format(self) -> str:
        """Human-readable message, one line per problem."""
        lines = [f"invalid {self.origin}:"]
        for key, value, allowed in self.problems:
            if value is _MISSING:
                lines.append(f"  {key}: {allowed}")
            else:
                lines.append(f"  {key} = {value!r}: {allowed}")
        return "\n".join(lines)

    @classmethod
    def from_validation(cls, exc: ValidationError, *, origin: str, data: Any = None
                        ) -> ParameterError:
        """Translate pydantic errors into dotted-key problems with the allowed range."""
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            key = ".".join(loc)
            value = err.get("input", _MISSING)
            if err["type"] == "extra_forbidden":
                problems.append((key, value, _unknown_key_help(key)))
            elif err["type"] == "value_error" and not loc:
                problems.append(("(combination)", _MISSING, str(err["ctx"]["error"])))
            elif err["type"] == "value_error":
                problems.append((key, _MISSING, str(err["ctx"]["error"])))
            elif err["type"] in ("model_type", "model_attributes_type", "dict_type"):
                problems.append((key, value, f"expected a table [{key}] of parameters"))
            else:
                problems.append((key, value, _allowed_text(key, err["msg"])))
        return cls(problems, origin=origin)


_MISSING = object()


def _field_info(dotted: str):
    """The pydantic FieldInfo at a dotted key, or None."""
    model: Any = Parameters
    info = None
    for part in dotted.split("."):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = info.annotation
    return info


def _range_text(info) -> str:
    """'must be >= 0 and <= 1 (per year)' from a field's constraints and unit."""
    parts = []
    for meta in info.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(meta, attr, None)
            if v is not None:
                parts.append(f"{sym} {v}")
    unit = (info.json_schema_extra or {}).get("unit", "")
    choices = _literal_choices(info.annotation)
    if choices is not None:
        listed = ", ".join(repr(c) for c in choices)
        many = typing.get_origin(info.annotation) is list
        return f"allowed: {'a list of' if many else 'one of'} {listed}"
    typ = getattr(info.annotation, "__name__", str(info.annotation))
    typ = {"date": "date (YYYY-MM-DD)", "float": "number", "int": "integer"}.get(typ, typ)
    rng = (" " + " and ".join(parts)) if parts else ""
    return f"allowed: {typ}{rng}" + (f" ({unit})" if unit and unit not in ("-", "date") else "")


def _literal_choices(annotation: Any) -> tuple | None:
    """The allowed values of a Literal (or list of Literal) annotation, else None."""
    if typing.get_origin(annotation) is list:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    return None


def _allowed_text(dotted: str, msg: str) -> str:
    info = _field_info(dotted)
    if info is None:
        return msg
    return f"{msg}; {_range_text(info)}"


def _unknown_key_help(dotted: str) -> str:
    parent, _, name = dotted.rpartition(".")
    model: Any = Parameters
    if parent:
        info = _field_info(parent)
        model = info.annotation if info is not None else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return "unknown key"
    known = list(model.model_fields)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{(parent + '.') if parent else ''}{close[0]}'? " if close else ""
    where = f"in [{parent}]" if parent else "at the top level"
    return f"unknown key; {hint}allowed {where}: {', '.join(known)}"


def _set_dotted(data: dict, key: str, value: Any, *, origin: str) -> None:
    parts = key.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node.get(part), dict):
            raise ParameterError([(key, value, _unknown_key_help(".".join(parts[: i + 1])))],
                                 origin=origin)
        node = node[part]
    if parts[-1] not in node:
        raise ParameterError([(key, value, _unknown_key_help(key))], origin=origin)
    node[parts[-1]] = value


def iter_fields(model: type[BaseModel] = Parameters, prefix: str = ""
                ) -> Iterator[tuple[str, Any]]:
    """Yield (dotted key, FieldInfo) for every leaf parameter of the tree."""
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from iter_fields(ann, prefix + name + ".")
        else:
            yield prefix + name, info


def parameter_table(params: Parameters | None = None) -> list[dict[str, str]]:
    """Rows (key, value, unit, range, source, description) for every parameter."""
    params = params or Parameters()
    rows = []
    for key, info in iter_fields():
        extra = info.json_schema_extra or {}
        rows.append({
            "key": key,
            "value": str(params.get(key)),
            "unit": extra.get("unit", ""),
            "range": _range_text(info).removeprefix("allowed: "),
            "source": extra.get("source", ""),
            "description": info.description or "",
        })
    return rows


def load_parameters(path: str | Path, base: Parameters | None = None) -> Parameters:
    """Read a TOML parameter file; keys it leaves out keep their defaults (or ``base``).

    A top-level ``[posterior]`` table (a sample of parameter sets that a calibration
    writes into ``posterior.toml``) is skipped here: the file's values are the point
    estimate. Experiments read the sample (``experiments.posterior``).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParameterError([("(file)", str(path), f"cannot read: {exc.strerror}")],
                             origin=f"parameter file {path}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError([("(file)", str(path), f"not valid TOML: {exc}")],
                             origin=f"parameter file {path}") from None
    data.pop("posterior", None)
    merged = _deep_merge((base or Parameters()).model_dump(), data)
    return Parameters.from_dict(merged, origin=f"parameter file {path}")


def _deep_merge(base: dict, extra: Mapping) -> dict:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def save_parameters(params: Parameters, path: str | Path) -> None:
    """Write the full tree as TOML, each value preceded by its description, range and source."""
    lines = ["# Thuisplusflat simulator parameters. Edit values; unknown keys are errors.", ""]
    _write_group(params, "", lines)
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def _write_group(group: BaseModel, prefix: str, lines: list[str]) -> None:
    leaves = {}
    subgroups = {}
    for name, info in type(group).model_fields.items():
        value = getattr(group, name)
        (subgroups if isinstance(value, BaseModel) else leaves)[name] = (info, value)
    if leaves:
        lines.append(f"[{prefix}]")
        for name, (info, value) in leaves.items():
            extra = info.json_schema_extra or {}
            lines.append(f"# {info.description} Allowed: "
                         f"{_range_text(info).removeprefix('allowed: ')}.")
            lines.append(f"# Source: {extra.get('source', '')}")
            lines.append(tomli_w.dumps({name: value}).strip())
        lines.append("")
    for name, (_info, value) in subgroups.items():
        _write_group(value, f"{prefix}.{name}" if prefix else name, lines)
