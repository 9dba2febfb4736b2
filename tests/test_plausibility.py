"""Plausibility of the default complex against public figures (each band cites its source).

Bands are on the mean over eight 10-year runs, so they test the model, not one seed's luck.
"""

import numpy as np
import pytest

from sim.summary import summarise, yearly


@pytest.fixture(scope="module")
def summaries(default_runs):
    return [summarise(m.weekly()) for m in default_runs]


@pytest.fixture(scope="module")
def first_years(default_runs):
    return [yearly(m.weekly()).loc[2021] for m in default_runs]


def mean(xs, key):
    return float(np.mean([x[key] for x in xs]))


def test_share_with_wmo_indication(summaries):
    # EVAL §3: not every complex had 100 residents with a Wmo indication (250 dwellings,
    # ~280 residents): a share of roughly a quarter to under half.
    assert 0.25 <= mean(summaries, "wmo_share") <= 0.45


def test_wmo_cost_per_client_week_near_eval(first_years):
    # EVAL §2: average Wmo funding €85 per client per week (2021 contract estimate).
    assert 70 <= mean(first_years, "wmo_cost_per_client_week") <= 105


def test_severe_loneliness_near_twelve_percent(summaries):
    # vzinfo.nl 2020: 12% of 75+ severely lonely (DJG >= 9); GGD regions 10.8-21.2%.
    assert 0.08 <= mean(summaries, "severely_lonely_share") <= 0.16


def test_yearly_mortality(summaries):
    # CBS life tables: 4.2% at 80 (5% men, 3.5% women), rising to 15-19% at 90; the
    # complex's mix of ages 60-100 and frailty puts the crude rate above the rate at 80.
    assert 3.5 <= mean(summaries, "mortality_per_100_per_year") <= 9.5


def test_nursing_home_admission(summaries):
    # Alders et al. 2017: ~1.5%/year among 65-89; BMC Geriatrics 2022: 1.4% at 1 year for
    # community-dwelling 65+; a senior complex is older and frailer: up to ~6%.
    assert 1.0 <= mean(summaries, "nh_admissions_per_100_per_year") <= 6.0


def test_frailty_and_informal_care(summaries, default_runs):
    # GGD: ~25% of 75+ frail (TFI); CBS 2024: 19% of carers heavily burdened;
    # CBS 2019: 23.7% of 75+ receive informal care.
    assert 0.15 <= mean(summaries, "frail_share") <= 0.40
    assert 0.10 <= mean(summaries, "carers_overburdened_share") <= 0.30
    receiving = np.mean([(m.weekly()["residents_with_carer"] / m.weekly()["residents"]).mean()
                         for m in default_runs])
    assert 0.15 <= receiving <= 0.35


def test_staff_outflow_and_pnil(default_runs):
    # ActiZ 2021: outflow 19.6% a year; SZW: PNIL 6.8% nationally (12-13% in some regions).
    ys = [yearly(m.weekly()) for m in default_runs]
    outflow = np.mean([y["staff_outflow_per_year"].mean() for y in ys])
    assert 0.12 <= outflow <= 0.40
    pnil = np.mean([m.weekly()["pnil_hours"].sum() / m.weekly()["staff_hours"].sum()
                    for m in default_runs])
    assert 0.005 <= pnil <= 0.15
