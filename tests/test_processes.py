"""Each process moves its outcomes in the documented direction (over several seeds)."""

import itertools
import math

import numpy as np
import pytest

from tests.conftest import small_params
from thuisplus.sim import ThuisplusModel
from thuisplus.sim.care import CARE_TYPES, LAW_MATRIX, PriceBook
from thuisplus.sim.params import CostParams
from thuisplus.sim.processes import demography, staffing

SEEDS = range(4)


def mean_over_seeds(overrides, column, weeks=260, agg="mean"):
    vals = []
    for s in SEEDS:
        df = ThuisplusModel(small_params(**overrides), seed=s).run(weeks).weekly()
        vals.append(getattr(df[column], agg)())
    return float(np.mean(vals))


def _one_year_deaths(where, vitality, age0, female=True, n=200_000):
    """Share of n people of one age, sex and vitality who die within 52 weeks."""
    rng = np.random.default_rng(1)
    p = small_params().demography
    c = demography.coefficients(small_params())
    alive = np.ones(n, bool)
    for _ in range(52):
        age = np.full(n, age0 - 1 / 52)  # kept at one age to isolate the anchor
        out = np.zeros(n, np.int8)
        demography._age_and_die(np.arange(n), alive.copy(), np.full(n, where, np.int8),
                                np.full(n, where == 0), np.arange(n, dtype=np.int32), age,
                                np.full(n, female), np.full(n, vitality), rng.random(n),
                                np.ones(n), out, c)
        alive &= out == 0
    return 1 - alive.mean(), p


@pytest.mark.parametrize("flat_from", [87.3, 120.0])
def test_the_at_home_factor_stops_falling_at_flat_from(flat_from):
    """Past ``home_mortality_factor_flat_from`` the hazard at home rises at the
    population's slope (the at-home slope + the factor's decline), continuously; 120 is
    the factor falling at every age (the model before 2026-12-04). The kernel's weekly
    death probability is checked at its cut point: a uniform just below it dies, just
    above it lives."""
    p = small_params(**{"demography.home_mortality_factor_flat_from": flat_from})
    c, d = demography.coefficients(p), p.demography
    v = 0.4

    def weekly(age: float) -> float:  # the hazard written out, independently of the kernel
        a = age - 80.0
        slope = d.home_mortality_age_slope_female
        pop = slope + d.home_mortality_factor_decline
        log_h = (math.log(-math.log(1 - d.home_mortality_female_80))
                 + slope * min(a, flat_from - 80.0) + pop * max(a - (flat_from - 80.0), 0.0)
                 + d.mortality_vitality_log_hr * (d.mortality_reference_vitality_80
                                                  + d.mortality_reference_vitality_slope * a
                                                  - v))
        return -math.expm1(-math.exp(log_h) / 52.0)

    ages = np.array([80.0, 87.0, 87.29, 87.31, 95.0, 101.0])
    for rel, dies in ((1 - 1e-9, True), (1 + 1e-9, False)):
        n = len(ages)
        u = np.array([weekly(a) for a in ages]) * rel
        out = np.zeros(n, np.int8)
        demography._age_and_die(np.arange(n), np.ones(n, bool), np.zeros(n, np.int8),
                                np.ones(n, bool), np.arange(n, dtype=np.int32),
                                ages - 1 / 52, np.ones(n, bool), np.full(n, v), u,
                                np.ones(n), out, c)
        assert ((out != 0) == dies).all(), (rel, out)
    # continuous at the flat point, and 5 years past it the population's slope
    assert weekly(87.31) / weekly(87.29) == pytest.approx(1.0, abs=0.01)
    if flat_from < 90:
        late = math.log(weekly(101.0) / weekly(95.0)) / 6.0  # log hazard per year, roughly
        early = math.log(weekly(87.0) / weekly(80.0)) / 7.0
        # (the reference vitality's change with age adds the same to both)
        assert late - early == pytest.approx(d.home_mortality_factor_decline, abs=0.01)


def test_mortality_matches_life_table_at_reference():
    """A woman of 80 at home at the reference vitality of her age dies with the at-home
    probability of the life table (docs/base_rates.md)."""
    p = small_params().demography
    died, _ = _one_year_deaths(0, p.mortality_reference_vitality_80, 80.0)
    q = p.home_mortality_female_80
    assert abs(died - q) < 4 * math.sqrt(q * (1 - q) / 200_000)


def test_nursing_home_hazard_is_the_persons_own_times_the_ratio():
    """The same woman of 85 at vitality 0.1 dies in a nursing home at nh_hazard_ratio times
    her at-home hazard (stays follow age, sex and frailty)."""
    home, p = _one_year_deaths(0, 0.1, 85.0)
    nh, _ = _one_year_deaths(2, 0.1, 85.0)
    ratio = math.log1p(-nh) / math.log1p(-home)
    assert abs(ratio - p.nh_hazard_ratio) < 0.05 * p.nh_hazard_ratio
    young, _ = _one_year_deaths(2, 0.1, 70.0)
    assert young < nh


def test_frailer_residents_die_sooner():
    low = mean_over_seeds({"vitality.initial_beta_a": 1.5}, "deaths", 104, "sum")
    high = mean_over_seeds({"vitality.initial_beta_a": 8.0}, "deaths", 104, "sum")
    assert low > high


def test_loneliness_slows_health_through_vitality():
    lonely = mean_over_seeds({"loneliness.base_mean": 10.0}, "mean_vitality")
    social = mean_over_seeds({"loneliness.base_mean": 0.0}, "mean_vitality")
    assert lonely < social
    # and the lonely complex uses more district nursing, through health
    assert (mean_over_seeds({"loneliness.base_mean": 10.0}, "use_district_nursing")
            > mean_over_seeds({"loneliness.base_mean": 0.0}, "use_district_nursing"))


def test_meeting_builds_ties_and_lowers_loneliness():
    busy = {"loneliness.attendance_base": 0.6}
    quiet = {"loneliness.attendance_base": 0.0, "loneliness.floor_meeting_prob": 0.0}
    assert mean_over_seeds(busy, "mean_tie_strength") > mean_over_seeds(
        quiet, "mean_tie_strength") + 0.5
    assert mean_over_seeds(busy, "mean_loneliness") < mean_over_seeds(quiet, "mean_loneliness")


def test_carer_burden_drives_overburden_sick_leave_and_breakdown():
    heavy = {"informal_care.burden_rate": 0.1}
    light = {"informal_care.burden_rate": 0.01}
    assert mean_over_seeds(heavy, "carers_overburdened") > mean_over_seeds(
        light, "carers_overburdened")
    assert mean_over_seeds(heavy, "carer_breakdowns", agg="sum") > mean_over_seeds(
        light, "carer_breakdowns", agg="sum")
    assert mean_over_seeds(heavy, "carer_sick_leave_hours", agg="sum") > mean_over_seeds(
        light, "carer_sick_leave_hours", agg="sum")


def test_unfilled_vacancies_leave_care_unmet():
    tight = {"staffing.vacancy_fill_weeks": 104.0, "staffing.pnil_cover_prob": 0.0,
             "staffing.turnover_payroll": 0.6}
    easy = {"staffing.vacancy_fill_weeks": 1.0}
    assert mean_over_seeds(tight, "unmet_care_hours") > 2 * mean_over_seeds(
        easy, "unmet_care_hours")
    assert mean_over_seeds(tight, "continuity") < mean_over_seeds(easy, "continuity")


def test_pnil_covers_vacancies():
    assert mean_over_seeds({"staffing.pnil_cover_prob": 1.0}, "staff_pnil") > mean_over_seeds(
        {"staffing.pnil_cover_prob": 0.0}, "staff_pnil")
    assert mean_over_seeds({"staffing.pnil_cover_prob": 0.0}, "staff_pnil") == 0.0


def test_travel_share_falls_with_clustered_clients():
    m = ThuisplusModel(small_params(), seed=1)
    sp = m.p.staffing
    shares = []
    for n in (1, 5, 20, 100):
        travel = np.zeros(2)
        required = np.zeros(2, np.int64)
        demand = np.zeros(m.n_seats)
        demand[:n] = 2.0
        staffing._plan(np.arange(n), np.ones(m.n_seats, bool), np.arange(m.n_seats, dtype=np.int32),
                       demand, np.zeros(m.n_seats, np.int16), np.zeros(m.n_seats), 1.0, 2,
                       np.ones(2), np.ones(2), travel, np.zeros(m.n_seats), required,
                       m.coef.staff)
        shares.append(travel[0])
    assert shares[0] == pytest.approx(sp.travel_share_max)
    assert all(a > b for a, b in itertools.pairwise(shares))
    assert shares[-1] >= sp.travel_share_min


def test_wlz_at_home_instead_of_admission():
    home = {"care.wlz_home_share": 1.0, "care.wlz_home_admission_rate": 0.0}
    assert mean_over_seeds(home, "admissions", agg="sum") == 0.0
    for form in ("use_vpt", "use_mpt"):
        assert mean_over_seeds(home, form, agg="sum") > mean_over_seeds(
            {"care.wlz_home_share": 0.0}, form, agg="sum")


def test_vpt_or_mpt_is_the_persons_own_trait():
    # the form of care at home follows wlz_vpt_share and is a trait of the person: every
    # person at home in both arms of a pair takes the same form
    from thuisplus.sim.processes.care_needs import home_form
    from thuisplus.sim.processes.common import WLZ_MPT, WLZ_VPT
    e64 = np.uint64(12345)
    forms = np.array([home_form(e64, k, 0.3) for k in range(4000)])
    assert set(forms.tolist()) == {WLZ_VPT, WLZ_MPT}
    assert (forms == WLZ_VPT).mean() == pytest.approx(0.3, abs=0.03)
    # a larger share only turns mpt into vpt, never the reverse (monotone coupling)
    more = np.array([home_form(e64, k, 0.6) for k in range(4000)])
    assert ((forms == WLZ_VPT) <= (more == WLZ_VPT)).all()
    assert mean_over_seeds({"care.wlz_vpt_share": 0.0}, "use_vpt", agg="sum") == 0.0
    assert mean_over_seeds({"care.wlz_vpt_share": 1.0}, "use_mpt", agg="sum") == 0.0


def test_price_book_constant_prices_arithmetic():
    # constant prices (issue #12): every year priced alike, at the analysis price year
    pb = PriceBook(CostParams(price_year=2022))
    i = [c.name for c in CARE_TYPES].index("household_help")
    assert pb.unit_costs(2022)[i] == pytest.approx(32.76)
    assert pb.unit_costs(2024)[i] == pb.unit_costs(2021)[i] == pb.unit_costs(2022)[i]
    later = PriceBook(CostParams(price_year=2025))
    assert later.unit_costs(2021)[i] == pytest.approx(32.76 * 134.56 / 121.43)
    names = [c.name for c in CARE_TYPES]
    vpt, mpt = names.index("vpt"), names.index("mpt")
    costs = CostParams(price_year=2022)
    assert pb.unit_costs(2022)[vpt] == pytest.approx(costs.vpt_cost_ratio * 290 * 7)
    assert pb.unit_costs(2022)[mpt] == pytest.approx(costs.mpt_cost_ratio * 290 * 7)
    assert pb.unit_costs(2022)[mpt] < pb.unit_costs(2022)[vpt]
    use = np.zeros(len(CARE_TYPES))
    use[i] = 10.0
    _per_type, per_law = pb.cost(use, 2022)
    assert per_law.tolist() == pytest.approx([327.6, 0.0, 0.0])
    assert LAW_MATRIX.sum(axis=0).tolist() == [1.0] * len(CARE_TYPES)
