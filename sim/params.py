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
import math
import tomllib
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import tomli_w
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from thuisplus.sim.interventions import REGISTRY
from thuisplus.sim.param_base import ASSUMPTION, NO_EVIDENCE, Group, N, P, Prior, U
from thuisplus.sim.prices import PRICE_YEARS, cpi_table, cpi_years
from thuisplus.sim.processes.care_needs import CareParams
from thuisplus.sim.processes.demography import DemographyParams
from thuisplus.sim.processes.informal_care import InformalCareParams
from thuisplus.sim.processes.loneliness import LonelinessParams
from thuisplus.sim.processes.moves import InflowParams
from thuisplus.sim.processes.staffing import StaffingParams
from thuisplus.sim.processes.vitality import VitalityParams

__all__ = [
    "PRICE_YEARS",
    "P",
    "ParameterError",
    "Parameters",
    "Prior",
    "declared_prior",
    "from_sampler",
    "iter_fields",
    "load_parameters",
    "parameter_bounds",
    "parameter_group",
    "parameter_kind",
    "parameters_markdown",
    "save_parameters",
    "uncertainties",
    "uncertainty_groups",
]


_Group = Group
_NO_EVIDENCE = NO_EVIDENCE + ": no public figure found"


class SimulationParams(_Group):
    """Calendar, the programme and the follow-up of the persons it reached."""

    start_date: dt.date = P(
        dt.date(2021, 1, 4),
        "date",
        "EVAL §1: contracts started in 2021 (first Monday of 2021)",
        "Date of the first simulated week (a Monday keeps weeks aligned).",
    )
    weeks: int = P(
        520, "weeks", "DESIGN: default programme of 10 years (contract years)",
        "Weeks of the programme: the Thuisplusflat runs in them, and households apply for "
        "a dwelling in them.", ge=1, le=5200,
    )
    follow_up_years: int = P(
        45, "years", "Dutch guidelines for economic evaluation (Zorginstituut 2024): a "
        "lifetime horizon when effects outlast the intervention; 45 years after the "
        "programme leaves nearly nobody alive (the youngest applicant is 55)",
        "Years the persons are followed after the programme (a run's default length is "
        "the programme plus these). Persons still alive then are reported.", ge=0, le=80,
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


_CPI_FIRST, _CPI_LAST = cpi_years()
_PRICE_YEAR_TEXT = (f"Must have a CBS consumer price index in sim/data/cpi_nl.csv "
                    f"({_CPI_FIRST}-{_CPI_LAST}).")


def _price_year(default: int, source: str, description: str) -> Any:
    """A price year: a year the CPI table covers (its bounds come from the table)."""
    return P(default, "year", source, f"{description} {_PRICE_YEAR_TEXT}",
             ge=_CPI_FIRST, le=_CPI_LAST)


def _has_cpi(value: Any) -> Any:
    """A price year without a consumer price index is an error that says so."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in cpi_table():
        raise PydanticCustomError(
            "price_year", "no consumer price index for {year} in sim/data/cpi_nl.csv (CBS "
            "CPI); a price year needs one", {"year": value})
    return value


class CostParams(_Group):
    """The analysis price year and unit costs (at ``unit_cost_year`` prices)."""

    _price_years = field_validator("price_year", "unit_cost_year", mode="before")(_has_cpi)

    price_year: int = _price_year(
        2022, "Kostenhandleiding 2024 reference prices are at price level 2022; MKBA "
        "guidance: constant prices of one year",
        "Price year of the whole analysis (constant prices): every euro amount of the model "
        "(unit costs, contract, salaries, estimates) is converted to this year's prices by "
        "the CPI; nothing is indexed inside the business case.",
    )
    unit_cost_year: int = _price_year(
        2022, "Kostenhandleiding 2024 reference prices are at price level 2022",
        "Price year of the unit costs of this group.",
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
        "Wlz nursing-home day (what the care office pays for a place).", ge=0, le=2000,
    )
    vpt_cost_ratio: float = P(
        0.42,
        "ratio",
        "derived (docs/base_rates.md, Wlz at home): the Wlz budget line "
        "'volledig pakket thuis' EUR 527.4m in 2020 (VWS, staatvenz.nl) over 14,380 vpt users "
        "(Monitor Langdurige Zorg, Nov 2020) = ~EUR 100 a day, against ~EUR 237 a day of "
        "institutional VV care (Zorginstituut: EUR 10.79bn, 2020, over 124,985 VV residents, "
        "2019); all Wlz sectors, years mixed; the range reaches the tariff-based 75-85% "
        "guess (parameters.md, estimate)",
        "Cost of a week of Wlz care at home as a full package (vpt) relative to a week in a "
        "nursing home.",
        ge=0.1,
        le=1.5,
        group="Wlz at home",
        evidence="budget over users",
        prior=N(0.42, 0.10, 0.2, 0.85),
    )
    mpt_cost_ratio: float = P(
        0.20,
        "ratio",
        "derived (docs/base_rates.md, Wlz at home): the Wlz budget line "
        "'extramurale zorg' EUR 667.8m in 2020 (VWS; mostly mpt, an assumption) over "
        "34,290-44,000 mpt users (Monitor Langdurige Zorg 2020) = EUR 42-53 a day, 0.18-0.23 "
        "of the institutional VV day; a personal budget is priced alike (both capped at 1.25x "
        "the institutional cost, Zorginstituut)",
        "Cost of a week of Wlz care at home as modules (mpt) relative to a week in a "
        "nursing home.",
        ge=0.05,
        le=1.5,
        group="Wlz at home",
        evidence="budget over users",
        prior=N(0.20, 0.05, 0.1, 0.4),
    )
    informal_care_hour: float = P(
        18.80, "€ per hour", "Kostenhandleiding 2024 (2022 prices): informal care, "
        "replacement (shadow) price",
        "Shadow price of an hour of informal care; extra hours given in the Thuisplusflat "
        "are a cost borne by informal carers.", ge=0, le=200,
    )
    bridging_care_day: float = P(
        145.0,
        "€ per day",
        _NO_EVIDENCE + ": no public cost per day of bridging care "
        "(overbruggingszorg) found; ActiZ Oct 2023: ~94% of the ~22,000 people waiting for a "
        "nursing home get some, from a few hours of home care to a full package at home "
        "(vpt ≈ 75-85% of the intramural price); half the nursing-home day price, plausible "
        "range 60-230",
        "Wlz cost per day of bridging care of a person waiting for a nursing-home place; "
        "under the capacity view a place freed by an avoided nursing-home day is refilled "
        "from the waiting list and the care office saves this, not the place's price.",
        ge=0,
        le=2000,
        group="prices",
        evidence="none",
        prior=U(60.0, 230.0),
    )


class MoneyParams(_Group):
    """The contract's money (EVAL §2), the team, discounting and the nursing-home view."""

    _price_years = field_validator("contract_year", "salary_year", "estimate_year",
                                   mode="before")(_has_cpi)

    contract_year: int = _price_year(
        2021, "EVAL §2: the 2021-2023 contract", "Price year of the contract amounts below "
        "(and the first year of the nominal contract arithmetic).",
    )
    start_amount: float = P(
        35_000.0,
        "€ once per flat",
        "EVAL §2: one-time start amount €35,000",
        "One-time start amount paid by the municipality.",
        ge=0,
        le=1e7,
        kind="lever",
    )
    plus_per_client_week: float = P(
        15.0,
        "€ per Wmo client per week",
        "EVAL §2: plus €15 per resident with a Wmo "
        "indication per week",
        "The contract's plus, per Wmo client of the preferred "
        "provider.",
        ge=0,
        le=1000,
        kind="lever",
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
        0.03,
        "per year",
        "EVAL §2: the plus is indexed yearly (rate an assumption)",
        "Yearly nominal indexation of the contract amounts after the contract year, for the "
        "nominal contract arithmetic and the provider's books only (`thuisplus contract`); "
        "the business case is in constant prices and does not read it.",
        ge=-0.05,
        le=0.2,
        kind="lever",
    )
    coordinator_fte: float = P(
        0.1,
        "FTE",
        "EVAL §2: 0.1 FTE coordinator (hbo)",
        "Coordinator in the team the plus "
        "was sized for.",
        ge=0,
        le=10,
        kind="lever",
    )
    activities_fte: float = P(
        0.5,
        "FTE",
        "EVAL §2: 0.5 FTE daytime-activities worker (mbo)",
        "Activities worker "
        "in the team the plus was sized for.",
        ge=0,
        le=10,
        kind="lever",
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
    salary_year: int = _price_year(
        2023, "Berenschot 2023", "Price year of the salaries and the staff hour cost.",
    )
    estimate_year: int = _price_year(
        2022, ASSUMPTION + " (our estimates are made at the costing manual's price level)",
        "Price year of the amounts marked as assumptions (replacement cost, community "
        "builder, e-health, common room, delivery costs) and of the productivity cost "
        "(Zorginstituut 2022).",
    )
    discounting: Literal["mkba_2020", "zorginstituut"] = P(
        "mkba_2020", "-", "Werkgroep discontovoet 2020 (general MKBA guideline); "
        "Zorginstituut guideline for economic evaluations in health care",
        "Discounting scheme: 'mkba_2020' (money.discount_rate for costs and effects) or "
        "'zorginstituut' (money.zorginstituut_cost_rate for euros, "
        "money.zorginstituut_effect_rate for non-monetary outcomes).",
    )
    discount_rate: float = P(
        0.0225, "per year", "Werkgroep discontovoet 2020: general MKBA guideline 2.25% real",
        "Real discount rate of the 'mkba_2020' scheme (costs and effects).", ge=0, le=0.15,
    )
    zorginstituut_cost_rate: float = P(
        0.04, "per year", "Zorginstituut guideline for economic evaluations: costs 4% "
        "(parameters.md; the 2024 costing manual lists 3%: set 0.03 to follow it)",
        "Discount rate of euros under the 'zorginstituut' scheme.", ge=0, le=0.15,
    )
    zorginstituut_effect_rate: float = P(
        0.015, "per year", "Zorginstituut guideline for economic evaluations: effects 1.5%",
        "Discount rate of non-monetary outcomes (person-years) under the 'zorginstituut' "
        "scheme.", ge=0, le=0.15,
    )
    nursing_home_view: Literal["budget", "capacity"] = P(
        "capacity", "-", "ActiZ Oct 2023: ~22,000 people waiting for a nursing-home place, "
        "capacity not expanded (a freed place is refilled)",
        "How the headline values an avoided nursing-home day: 'budget' (the care office "
        "saves the day's price, costs.nursing_home_day) or 'capacity' (the freed place is "
        "refilled from the waiting list; the care office saves that person's bridging "
        "care, costs.bridging_care_day). Reports show both.",
    )
    staff_hour_cost: float = P(
        42.30, "€ per hour", "Berenschot: employer cost €39.09-45.51 per hour (mean)",
        "Employer cost of a care worker's hour (values saved travel, PNIL premiums and the "
        "staff hours of delivery).", ge=0, le=500,
    )
    hh_hour_cost: float = P(
        28.0,
        "€ per hour",
        ASSUMPTION + " (range €22-35: household help is paid on lower "
        "CAO VVT scales than the €39.09 of Berenschot's 28-year-old nurse, and the Wmo "
        "tariff of €32.40-32.76 an hour has to cover it with travel and overhead)",
        "Employer cost of a household-help worker's hour (values the household-help role's "
        "working hours, travel included, and PNIL premiums in the providers' books).",
        ge=0,
        le=500,
        group="prices",
        evidence="CAO range",
        prior=U(22.0, 34.0),
    )
    pnil_premium: float = P(
        0.4,
        "relative",
        "Berenschot 2023; parameters.md: PNIL 1.3-1.5x payroll cost per hour",
        "Extra cost of a PNIL hour over a payroll hour.",
        ge=0,
        le=3,
        group="prices",
        evidence="range of one source",
        prior=U(0.3, 0.5),
    )
    replacement_cost: float = P(
        8_000.0,
        "€ per leaver",
        _NO_EVIDENCE + " (recruitment, induction, lost productivity)",
        "Cost to the provider of replacing a worker who leaves.",
        ge=0,
        le=100_000,
        group="prices",
        evidence="none",
        prior=U(4000.0, 12000.0),
    )
    productivity_cost_per_hour: float = P(
        39.88, "€ per hour", "Zorginstituut 2022: productivity cost of a paid worker",
        "Value of a work hour lost to a carer's sick leave (borne by the employer).",
        ge=0, le=500,
    )
    welfare_hour_cost: float = P(
        60.0,
        "€ per hour",
        _NO_EVIDENCE + " (community builder, welfare organisation tariff)",
        "Cost of a community-builder hour, paid by the municipality.",
        ge=0,
        le=500,
        group="prices",
        evidence="none",
        prior=U(45.0, 75.0),
    )
    ehealth_cost_per_client_year: float = P(
        150.0,
        "€ per client per year",
        _NO_EVIDENCE,
        "Cost of e-health at full intensity per "
        "Wmo client of the preferred provider, borne by the provider.",
        ge=0,
        le=10_000,
        group="delivery costs",
        evidence="none",
        prior=U(50.0, 250.0),
    )
    common_room_cost_per_year: float = P(
        6_000.0,
        "€ per year",
        _NO_EVIDENCE + " (ART: paid from rent and service charges)",
        "Extra yearly cost of a common room in daily use (the room programme of prevention "
        "and loneliness reduction, at the larger of their intensities), borne by the housing "
        "corporation and its residents.",
        ge=0,
        le=1e6,
        group="delivery costs",
        evidence="none",
        prior=U(3000.0, 9000.0),
    )




class DeliveryParams(_Group):
    """What delivering each mechanism costs, beyond the team (docs/business_case.md).

    Each cost scales with the intensity of the intervention it delivers and is zero when
    that intervention is off; hours are valued at ``money.staff_hour_cost``.
    """

    signal_training_hours: float = P(
        60.0,
        "hours per year",
        _NO_EVIDENCE + " for the signal training of EVAL §6 "
        "(dementia, malnutrition, loneliness); ~8 fixed workers × one day a year, plausible "
        "range 20-150",
        "Prevention: staff hours a year spent on training the fixed team to detect health "
        "signals (paid by the provider, × prevention intensity).",
        ge=0,
        le=2000,
        group="delivery costs",
        evidence="none",
        prior=U(30.0, 90.0),
    )
    signal_followup_hours_per_client: float = P(
        2.0,
        "hours per client per year",
        _NO_EVIDENCE + "; early follow-up of detected "
        "signals (consultation with GP and district nurse, a talk with family), plausible "
        "range 0.5-6",
        "Prevention: staff hours a year per Wmo client of the preferred provider spent "
        "following up signals early (paid by the provider, × prevention intensity).",
        ge=0,
        le=100,
        group="delivery costs",
        evidence="none",
        prior=U(1.0, 3.0),
    )
    outreach_hours_per_week: float = P(
        2.0,
        "hours per week",
        _NO_EVIDENCE + "; the provider's own welfare work behind the "
        "front door (ART) that gives loneliness.outreach_base_reach, plausible range 0.5-6",
        "Loneliness reduction: staff hours a week of the provider's own outreach (paid by "
        "the provider, × loneliness intensity; community-builder hours are costed apart).",
        ge=0,
        le=80,
        group="delivery costs",
        evidence="none",
        prior=U(1.0, 3.0),
    )
    employership_per_year: float = P(
        6_000.0,
        "€ per year",
        _NO_EVIDENCE + "; team coaching, self-scheduling and training "
        "of a fixed team of ~8 FTE (≈1% of its payroll), plausible range 2,000-20,000",
        "Good employership: yearly cost of the measures that keep the fixed team (paid by "
        "the provider, × employership intensity).",
        ge=0,
        le=1e6,
        group="delivery costs",
        evidence="none",
        prior=U(3000.0, 9000.0),
    )
    transfer_cost_per_client: float = P(
        150.0,
        "€ per switched client",
        _NO_EVIDENCE + "; approach, administration and a new "
        "intake (~2 hours), plausible range 50-400",
        "Contract: cost of moving one Wmo client to the preferred provider in the client "
        "transfer (paid by the municipality, which ran the transfer, EVAL §3).",
        ge=0,
        le=10_000,
        group="delivery costs",
        evidence="none",
        prior=U(75.0, 225.0),
    )
    contract_management_per_year: float = P(
        3_000.0,
        "€ per year",
        _NO_EVIDENCE + "; ~40 hours a year of a municipal contract "
        "manager per flat, plausible range 1,000-10,000",
        "Contract: the municipality's yearly cost of managing the flat's contract while the "
        "Thuisplusflat delivers anything.",
        ge=0,
        le=1e6,
        group="delivery costs",
        evidence="none",
        prior=U(1500.0, 4500.0),
    )
    open_room_per_year: float = P(
        2_000.0,
        "€ per year",
        _NO_EVIDENCE + "; supervision and cleaning of a room open to "
        "the neighbourhood (ART: costs are in the service charges), plausible range "
        "0-6,000",
        "Contract: extra yearly cost of a fully open common room (× "
        "thuisplus.contract.open_room; paid by the housing corporation).",
        ge=0,
        le=1e6,
        group="delivery costs",
        evidence="none",
        prior=U(1000.0, 3000.0),
    )




def _thuisplus_params() -> type[Group]:
    """The ``thuisplus`` group: ``enabled`` and one group per registered intervention."""
    fields: dict[str, Any] = {"enabled": (bool, P(
        True, "-", "EVAL §1", "Whether the complex is a Thuisplusflat (false: the baseline, "
        "fragmented providers, no room programme, no support).", kind="lever",
    ))}
    for name, cls in REGISTRY.items():
        fields[name] = (cls.Params, Field(default_factory=cls.Params))
    return create_model(
        "ThuisplusParams", __base__=Group, __module__=__name__,
        __doc__="The Thuisplusflat: the contract levers and the registered interventions "
                "(thuisplus.sim.interventions); off = the baseline.", **fields)


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
    delivery: DeliveryParams = Field(default_factory=DeliveryParams)
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


#: Keys that once existed, and what took their place: an old parameter file or spec gets
#: told where its setting went instead of only "unknown key".
REMOVED_KEYS: dict[str, str] = {
    "costs.wlz_home_cost_ratio": "split into costs.vpt_cost_ratio and costs.mpt_cost_ratio "
    "(Wlz at home as a full package or as modules), with care.wlz_vpt_share choosing between "
    "them",
    "care.nh_mortality": "replaced by demography.nh_hazard_ratio (the person's own hazard at "
    "home times this ratio)",
    "demography.mortality_male_80": "replaced by demography.home_mortality_male_80 (mortality "
    "of persons living at home)",
    "demography.mortality_female_80": "replaced by demography.home_mortality_female_80",
    "demography.mortality_age_slope": "replaced by demography.home_mortality_age_slope_male "
    "and demography.home_mortality_age_slope_female",
    "demography.home_mortality_age_slope": "replaced by "
    "demography.home_mortality_age_slope_male and demography.home_mortality_age_slope_female",
    "costs.indexation": "removed: prices are constant (costs.price_year); "
    "money.indexation drives only the contract's nominal amounts",
}


def _unknown_key_help(dotted: str) -> str:
    if dotted in REMOVED_KEYS:
        return f"no longer a parameter: {REMOVED_KEYS[dotted]}"
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


def from_sampler(key: str, value: Any) -> Any:
    """A value from an outside sampler in its parameter's type, as the designs cast it.

    numpy scalars become Python numbers, and an integer parameter given as a float
    (``building.dwellings = 119.6`` from a Latin hypercube) is rounded, as the project's own
    experiment designs do. Anything else is passed on for validation unchanged, so a
    float for an integer parameter that is not finite, or a string, is still an error.
    """
    if isinstance(value, np.generic):
        value = value.item()
    info = _field_info(key)
    if (info is not None and info.annotation is int and isinstance(value, float)
            and math.isfinite(value)):
        return round(value)
    return value


def declared_prior(key: str) -> Prior | None:
    """The prior declared for a parameter (an ``uncertainty``), or None."""
    info = _field_info(key)
    if info is None:
        raise KeyError(key)
    raw = (info.json_schema_extra or {}).get("prior")
    return Prior(**raw) if raw is not None else None


def parameter_kind(key: str) -> str:
    """``uncertainty``, ``lever`` or ``constant`` (:data:`thuisplus.sim.param_base.Kind`)."""
    info = _field_info(key)
    if info is None:
        raise KeyError(key)
    return (info.json_schema_extra or {}).get("kind", "constant")


def parameter_group(key: str) -> str | None:
    """The value-of-information group of an uncertainty (docs/evidence.md §10), or None."""
    info = _field_info(key)
    if info is None:
        raise KeyError(key)
    return (info.json_schema_extra or {}).get("group")


def parameter_bounds(key: str) -> tuple[float | None, float | None]:
    """The lowest and highest value a parameter accepts (None: unbounded on that side).

    Validation bounds (``ge``/``gt``, ``le``/``lt``), not a plausible range: an
    uncertainty's plausible range is its prior (:func:`declared_prior`).
    """
    info = _field_info(key)
    if info is None:
        raise KeyError(key)
    lo = hi = None
    for meta in info.metadata:
        for attr in ("ge", "gt"):
            if getattr(meta, attr, None) is not None:
                lo = getattr(meta, attr)
        for attr in ("le", "lt"):
            if getattr(meta, attr, None) is not None:
                hi = getattr(meta, attr)
    return lo, hi


def uncertainty_groups() -> list[str]:
    """The names of the value-of-information groups, sorted."""
    return sorted({g for _, info in iter_fields()
                   if (g := (info.json_schema_extra or {}).get("group"))})


def uncertainties(group: str | None = None) -> dict[str, Prior]:
    """Every ``uncertainty`` and its prior, in tree order (optionally of one VOI group)."""
    out = {}
    for key, info in iter_fields():
        extra = info.json_schema_extra or {}
        if extra.get("kind") == "uncertainty" and (group is None or extra.get("group") == group):
            out[key] = Prior(**extra["prior"])
    return out


def parameter_table(params: Parameters | None = None) -> list[dict[str, Any]]:
    """Rows (key, value, unit, range, kind, prior, group, evidence, source, description).

    ``prior`` is the short notation ('U(a, b)', 'N(m, s) on [a, b]'); ``prior_spec`` the
    machine-readable prior (a dict, or None) with its 90% interval.
    """
    params = params or Parameters()
    rows = []
    for key, info in iter_fields():
        extra = info.json_schema_extra or {}
        prior = Prior(**extra["prior"]) if "prior" in extra else None
        spec = None
        if prior is not None:
            lo, hi = prior.interval(0.9)
            spec = {**prior.model_dump(exclude_none=True), "p05": lo, "p95": hi,
                    "expected": prior.expected()}
        rows.append({
            "key": key,
            "value": str(params.get(key)),
            "unit": extra.get("unit", ""),
            "range": _range_text(info).removeprefix("allowed: "),
            "kind": extra.get("kind", "constant"),
            "prior": prior.text() if prior is not None else "",
            "prior_spec": spec,
            "group": extra.get("group", ""),
            "evidence": extra.get("evidence", ""),
            "source": extra.get("source", ""),
            "description": info.description or "",
        })
    return rows


def load_parameters(path: str | Path, base: Parameters | None = None) -> Parameters:
    """Read a TOML parameter file; keys it leaves out keep their defaults (or ``base``).

    A top-level ``[posterior]`` table (a sample of parameter sets that a calibration
    writes into ``posterior.toml``) is skipped here: the file's values are the point
    estimate. Experiments read the sample (``thuisplus.experiments.posterior``).
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


def parameters_markdown(params: Parameters | None = None) -> str:
    """The parameter reference as Markdown, one table per group."""
    lines = ["# Parameter reference", "",
             "Generated by `thuisplus params --markdown docs/parameters.md`; do not edit by "
             "hand. Each parameter has a **kind** (docs/evidence.md, \"Kinds of parameter\"): "
             "an *uncertainty* has a prior, drawn by the probabilistic analysis (U(a, b) "
             "uniform; N(m, s) on [a, b] a normal truncated to [a, b]; its default is the "
             "prior's mean, except for calibrated ones, whose default is the fit); a *lever* "
             "is a choice of the contract or policy; a *constant* is held fixed (a "
             "definition, a normative price of the costing manual, a public figure taken as "
             "known, or a structural assumption the calibration conditions on). Sources "
             "tagged *assumption* are our own estimates; *no evidence* marks an effect no "
             "study measured.", ""]
    group = None
    for row in parameter_table(params):
        g, _, name = row["key"].partition(".")
        if g != group:
            group = g
            lines += ["", f"## `{g}`", "", "| parameter | default | unit | range | kind | "
                      "prior (90% interval) | description | source |",
                      "|---|---|---|---|---|---|---|---|"]
        kind = row["kind"]
        prior = ""
        if row["prior_spec"]:
            sp = row["prior_spec"]
            prior = f"{row['prior']} ({sp['p05']:.3g} to {sp['p95']:.3g}); {row['group']}"
        cells = [f"`{name}`", row["value"], row["unit"], row["range"], kind, prior,
                 row["description"], row["source"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
