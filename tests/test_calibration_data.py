"""Evaluation data and indicators: shipped files load, every validation rule names its
line and column, indicators give finite values of the right size on a real run."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thuisplus.calibration import indicators as ind_mod
from thuisplus.calibration.data import (
    ALL,
    EVALUATION_COLUMNS,
    SHIPPED_COMPLEXES,
    SHIPPED_EVALUATION,
    Z90,
    DataError,
    derive_sigma,
    load_complexes,
    load_evaluation,
    load_shipped,
)
from thuisplus.calibration.indicators import INDICATORS, compute, register, weeks_needed
from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.summary import yearly

HEADER = ",".join(EVALUATION_COLUMNS)
CHEADER = "complex,dwellings,residents_with_wmo_indication,start_date"
GOOD = "mortality_per_100_per_year,2021-01-04,all,4.2,3,7,,CBS"


@pytest.fixture(scope="module")
def weekly() -> pd.DataFrame:
    """A short real run: 60 weeks of the default Thuisplusflat (small complex)."""
    p = Parameters().with_overrides({"building.dwellings": 120, "building.floors": 6})
    return ThuisplusModel(p, seed=3).run(60).weekly()


def write(tmp_path: Path, text: str, name: str = "eval.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def complexes(tmp_path: Path) -> Path:
    return write(tmp_path, f"{CHEADER}\nA,100,,2021-01-04\nB,200,40,2021-01-04\n", "cx.csv")


# ----------------------------------------------------------------------------- shipped
def test_shipped_files_load_with_sources_and_intervals():
    d = load_shipped()
    obs = d.observations
    assert list(obs.columns[:8]) == list(EVALUATION_COLUMNS)
    assert (obs["source"].str.len() > 10).all()
    assert set(obs["indicator"]) >= {
        "wmo_clients_preferred", "severely_lonely_share",
        "nh_admissions_per_100_residents_per_year", "mortality_per_100_per_year",
        "share_receiving_informal_care", "carers_heavily_burdened_share",
        "staff_outflow_per_year", "wmo_cost_per_client_week"}
    assert np.isfinite(obs["sigma"]).all() and (obs["sigma"] > 0).all()
    assert obs["date"].dtype.kind == "M" and obs["exact"].dtype == bool
    assert obs["exact"].any() and not obs["exact"].all()
    # EVAL §3: four of six complexes near 40 preferred clients on 2023-01-01.
    near40 = obs[(obs["indicator"] == "wmo_clients_preferred")
                 & (obs["date"] == pd.Timestamp("2023-01-01"))]
    assert len(near40) == 4 and (near40["value"] == 40).all()
    assert (near40["lower"] < 40).all() and (near40["upper"] > 40).all()
    assert len(d.complexes) == 6 and d.complex_names[0] == "complex_1"
    assert (d.complexes["dwellings"] == Parameters().building.dwellings).all()


def test_every_shipped_row_is_producible_by_the_default_model():
    d = load_shipped()
    start = Parameters().simulation.start_date
    weeks = max(weeks_needed(start, o.indicator, o.date) for o in d.observations.itertuples())
    assert weeks <= 520  # well within the default 10-year run
    # four seeds: a yearly rate of one complex counts a handful of events (admissions in
    # 2021: 0.4-3.2 per 100 across seeds)
    ws = [ThuisplusModel(Parameters(), seed=s).run(weeks).weekly() for s in range(4)]
    for o in d.observations.itertuples():
        xs = [compute(w, o.indicator, o.date) for w in ws]
        assert all(math.isfinite(x) for x in xs), (o.line, o.indicator)
        x = sum(xs) / len(xs)
        # Same order of magnitude as the data (the fit itself is the calibration's job).
        assert o.value / 4 <= x <= o.value * 4, (o.line, o.indicator, x, o.value)


# ----------------------------------------------------------------------------- sigma rule
def test_sigma_rule():
    assert derive_sigma("mortality_per_100_per_year", 4.2, 3, 7) == pytest.approx(4 / (2 * Z90))
    assert derive_sigma("wmo_cost_per_client_week", 85) == pytest.approx(8.5)
    assert derive_sigma("severely_lonely_share", 0.2, n=100) == pytest.approx(0.04)
    # n only counts for shares; the floor keeps a zero from infinite weight.
    assert derive_sigma("wmo_clients", 40, n=100) == pytest.approx(4.0)
    assert derive_sigma("wmo_clients", 0) == INDICATORS["wmo_clients"].min_sigma
    assert derive_sigma("severely_lonely_share", 0.1, 0.1, 0.1) == 0.005


def test_loaded_sigma_and_exact(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n"
                 "severely_lonely_share,2021-01-04,,0.2,,,100,GGD\n")
    obs = load_evaluation(path).observations
    assert obs["sigma"].tolist() == pytest.approx([4 / (2 * Z90), 0.04])
    assert obs["exact"].tolist() == [False, True]
    assert obs["complex"].tolist() == [ALL, ALL]
    assert obs["line"].tolist() == [2, 3]
    assert obs["n"].isna().tolist() == [True, False]


# ----------------------------------------------------------------------------- validation
BAD_ROWS = [
    # (row, line, column, words in the message)
    ("mortalty,2021-01-04,all,4.2,,,,CBS", 3, "indicator", "did you mean"),
    ("mortality_per_100_per_year,2021-13-04,all,4.2,,,,CBS", 3, "date", "bad date"),
    ("mortality_per_100_per_year,04-01-2021,all,4.2,,,,CBS", 3, "date", "YYYY-MM-DD"),
    ("mortality_per_100_per_year,,all,4.2,,,,CBS", 3, "date", "missing date"),
    ("mortality_per_100_per_year,2021-01-04,all,four,,,,CBS", 3, "value", "not a number"),
    ("mortality_per_100_per_year,2021-01-04,all,,,,,CBS", 3, "value", "missing value"),
    ("mortality_per_100_per_year,2021-01-04,all,nan,,,,CBS", 3, "value", "finite"),
    ("mortality_per_100_per_year,2021-01-04,all,4.2,x,7,,CBS", 3, "lower", "not a number"),
    ("mortality_per_100_per_year,2021-01-04,all,4.2,8,3,,CBS", 3, "lower", "above upper"),
    ("mortality_per_100_per_year,2021-01-04,all,9,3,7,,CBS", 3, "value", "outside [lower"),
    ("mortality_per_100_per_year,2021-01-04,all,4.2,3,,,CBS", 3, "upper", "both"),
    ("mortality_per_100_per_year,2021-01-04,all,4.2,,,1.5,CBS", 3, "n", "whole number"),
    ("mortality_per_100_per_year,2021-01-04,all,4.2,,,0,CBS", 3, "n", "below 1"),
    ("mortality_per_100_per_year,2021-01-04,all,4.2,,,,", 3, "source", "missing source"),
    ("mortality_per_100_per_year,2021-01-04,all,4.2,,,,  ", 3, "source", "missing source"),
    ("severely_lonely_share,2021-01-04,all,1.2,,,,GGD", 3, "value", "possible values"),
    ("severely_lonely_share,2021-01-04,all,0.2,0.1,1.5,,GGD", 3, "upper", "possible values"),
    ("mortality_per_100_per_year,2021-01-04,,5,,,,CBS", 3, "indicator/date/complex",
     "duplicate of line 2"),
    ("mortality_per_100_per_year,2021-01-04,all,4.2,,,CBS", 3, None, "expected 8 fields"),
]


@pytest.mark.parametrize(("row", "line", "column", "words"), BAD_ROWS)
def test_bad_row_names_file_line_and_column(tmp_path, row, line, column, words):
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n{row}\n")
    with pytest.raises(DataError) as e:
        load_evaluation(path)
    err = e.value
    assert (err.line, err.column) == (line, column)
    assert words in str(err)
    assert str(path) in str(err) and f"line {line}" in str(err)
    if column:
        assert f"column {column}" in str(err)


def test_complex_not_in_table(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{GOOD}\n"
                 "wmo_clients_preferred,2023-01-01,Aa,40,30,50,,EVAL\n")
    with pytest.raises(DataError, match="not in the complex table") as e:
        load_evaluation(path, complexes(tmp_path))
    assert (e.value.line, e.value.column) == (3, "complex")
    # Without a table, complex names are free labels.
    assert load_evaluation(path).complex_names == ["Aa"]
    # A named complex and "all" are different scopes, not duplicates.
    ok = write(tmp_path, f"{HEADER}\n{GOOD}\nmortality_per_100_per_year,2021-01-04,A,4,,,,x\n")
    assert len(load_evaluation(ok, complexes(tmp_path)).observations) == 2


def test_blank_lines_and_quoted_multiline_keep_file_line_numbers(tmp_path):
    path = write(tmp_path, f'{HEADER}\n\n{GOOD[:-3]}"CBS\nsecond line"\n\n'
                 "mortalty,2022-01-03,all,4,,,,x\n")
    with pytest.raises(DataError) as e:
        load_evaluation(path)
    assert e.value.line == 6


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ("", 1, None, "empty file"),
    ("\n\n", 1, None, "empty file"),
    (f"{HEADER}\n", 2, None, "no data rows"),
    ("indicator,date,complex,value,lower,upper,n\n" + GOOD[:-4] + "\n", 1, "source",
     "missing column"),
    (f"{HEADER},note\n{GOOD},x\n", 1, "note", "unknown column"),
    (HEADER.replace("source", "sorce") + f"\n{GOOD}\n", 1, "sorce", "did you mean 'source'"),
    (f"{HEADER},value\n{GOOD},1\n", 1, "value", "twice"),
])
def test_bad_file_shape(tmp_path, text, line, column, words):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as e:
        load_evaluation(path)
    assert (e.value.line, e.value.column) == (line, column)
    assert words in str(e.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        load_evaluation(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="cannot read"):
        load_evaluation(tmp_path)  # a directory
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(f"{HEADER}\n{GOOD} \xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="cannot read"):
        load_evaluation(bad)
    for text in (f'{HEADER}\n{GOOD}\n{GOOD[:-3]}"CBS\n', f'{HEADER}\n{GOOD[:-3]}"CBS"x\n'):
        with pytest.raises(DataError, match="not valid CSV") as e:
            load_evaluation(write(tmp_path, text))
        assert e.value.line == text.count("\n")


@pytest.mark.parametrize(("row", "line", "column", "words"), [
    ("C,ten,,2021-01-04", 4, "dwellings", "whole number"),
    ("C,5,,2021-01-04", 4, "dwellings", "greater than or equal to 10"),
    ("C,,,2021-01-04", 4, "dwellings", "missing"),
    ("A,100,,2021-01-04", 4, "complex", "duplicate complex 'A' (first on line 2)"),
    ("C,100,,2021-02-30", 4, "start_date", "bad date"),
    ("C,100,,soon", 4, "start_date", "YYYY-MM-DD"),
    ("C,100,201,2021-01-04", 4, "residents_with_wmo_indication", "do not fit"),
    ("C,100,-1,2021-01-04", 4, "residents_with_wmo_indication", "below 0"),
    ("all,100,,2021-01-04", 4, "complex", "reserved"),
    (",100,,2021-01-04", 4, "complex", "missing complex"),
])
def test_bad_complex_table(tmp_path, row, line, column, words):
    path = write(tmp_path, f"{CHEADER}\nA,100,,2021-01-04\nB,200,40,2021-01-04\n{row}\n",
                 "cx.csv")
    with pytest.raises(DataError) as e:
        load_complexes(path)
    assert (e.value.line, e.value.column) == (line, column)
    assert words in str(e.value) and "cx.csv" in str(e.value)
    # load_evaluation reports the complex table's error too.
    ev = write(tmp_path, f"{HEADER}\n{GOOD}\n")
    with pytest.raises(DataError, match=r"cx\.csv"):
        load_evaluation(ev, path)


def test_complex_table_types(tmp_path):
    table = load_complexes(complexes(tmp_path))
    assert table["dwellings"].tolist() == [100, 200]
    assert table["residents_with_wmo_indication"].isna().tolist() == [True, False]
    assert table["start_date"].iloc[0] == pd.Timestamp("2021-01-04")


# ----------------------------------------------------------------------------- indicators
MAGNITUDE = {  # plausible ranges in a short run of a small complex
    "wmo_clients_preferred": (0, 150),
    "wmo_clients": (5, 200),
    "residents": (50, 260),
    "severely_lonely_share": (0.0, 0.4),
    "nh_admissions_per_100_residents_per_year": (0.0, 20.0),
    "mortality_per_100_per_year": (0.0, 25.0),
    "share_receiving_informal_care": (0.05, 0.7),
    "carers_heavily_burdened_share": (0.0, 0.6),
    "staff_outflow_per_year": (0.0, 1.0),
    "wmo_cost_per_client_week": (40.0, 200.0),
    "mortality_75_84_per_100_per_year": (0.0, 25.0),
    "mortality_85plus_per_100_per_year": (0.0, 60.0),
    "nh_admissions_75_84_per_100_per_year": (0.0, 20.0),
    "nh_admissions_85plus_per_100_per_year": (0.0, 40.0),
    "household_help_share_75_84": (0.0, 1.0),
    "household_help_share_85plus": (0.0, 1.0),
}


@pytest.mark.parametrize("name", sorted(INDICATORS))
def test_indicator_finite_and_of_the_right_size(weekly, name):
    lo, hi = MAGNITUDE[name]
    for date in ("2021-01-04", "2021-01-10", "2021-03-01"):
        x = compute(weekly, name, date)
        assert math.isfinite(x) and lo <= x <= hi, (name, date, x)
        ind = INDICATORS[name]
        assert ind.bounds[0] <= x <= ind.bounds[1]
        assert ind.description and ind.unit and ind.source_note


def test_indicators_agree_with_summary_yearly():
    w = ThuisplusModel(Parameters().with_overrides(
        {"building.dwellings": 80, "building.floors": 4}), seed=5).run(104).weekly()
    # The year 2022 starts in week 52 (2022-01-03): the window of 2022-01-03 is that year.
    y = yearly(w).loc[2022]
    for name, col in [("mortality_per_100_per_year", "mortality_per_100_per_year"),
                      ("nh_admissions_per_100_residents_per_year",
                       "nh_admissions_per_100_per_year"),
                      ("wmo_cost_per_client_week", "wmo_cost_per_client_week"),
                      ("carers_heavily_burdened_share", "carers_overburdened_share"),
                      ("staff_outflow_per_year", "staff_outflow_per_year")]:
        assert compute(w, name, "2022-01-03") == pytest.approx(y[col]), name


def test_windows(weekly):
    # A stock reads the week containing the date: 2021-01-10 (Sunday) is week 0.
    assert compute(weekly, "residents", "2021-01-10") == weekly["residents"].iloc[0]
    assert compute(weekly, "residents", "2021-01-11") == weekly["residents"].iloc[1]
    # A rate reads 52 weeks from that week.
    w = weekly.iloc[2:54]
    expected = 100 * w["deaths"].sum() / (w["residents"].sum() / 52)
    assert compute(weekly, "mortality_per_100_per_year", "2021-01-20") == pytest.approx(expected)
    assert weeks_needed("2021-01-04", "residents", "2021-01-20") == 3
    assert weeks_needed("2021-01-04", "mortality_per_100_per_year", "2021-01-20") == 54


def test_dates_outside_the_run_are_clear_errors(weekly):
    with pytest.raises(ValueError, match="outside the simulated weeks"):
        compute(weekly, "wmo_clients", "2021-01-03")
    with pytest.raises(ValueError, match="outside the simulated weeks"):
        compute(weekly, "wmo_clients", "2022-03-01")
    assert math.isfinite(compute(weekly, "mortality_per_100_per_year", "2021-03-01"))
    with pytest.raises(ValueError, match="run 61 weeks or more"):
        compute(weekly, "mortality_per_100_per_year", "2021-03-08")
    with pytest.raises(ValueError, match="did you mean 'mortality_per_100_per_year'"):
        compute(weekly, "mortality", "2021-01-04")
    with pytest.raises(ValueError, match="bad date"):
        compute(weekly, "wmo_clients", "not a date")


def test_zero_denominator_is_nan(weekly):
    w = weekly.copy()
    w["carers_active"] = 0.0
    w["carers_overburdened"] = 0.0
    assert math.isnan(compute(w, "carers_heavily_burdened_share", "2021-01-04"))


def test_register_a_new_indicator(weekly, tmp_path):
    try:
        @register("falls_per_resident_per_year", unit="falls per resident-year", kind="rate",
                  description="Falls per resident-year.", source_note="VeiligheidNL")
        def _falls(w: pd.DataFrame) -> float:
            return w["falls"].sum() / (w["residents"].sum() / 52)

        x = compute(weekly, "falls_per_resident_per_year", "2021-01-04")
        w = weekly.iloc[:52]
        assert x == pytest.approx(w["falls"].sum() / (w["residents"].sum() / 52))
        assert 0 < x < 3
        path = write(tmp_path, f"{HEADER}\nfalls_per_resident_per_year,2022-01-01,,0.4,,,,"
                     "VeiligheidNL\n")
        obs = load_evaluation(path).observations
        assert obs["kind"].iloc[0] == "rate"
        assert obs["sigma"].iloc[0] == pytest.approx(0.1)  # max(10% of 0.4, rate floor 0.1)
        with pytest.raises(ValueError, match="already registered"):
            register("falls_per_resident_per_year", unit="x", kind="rate",
                     description="x")(_falls)
        with pytest.raises(ValueError, match="kind"):
            register("other", unit="x", kind="flow", description="x")  # type: ignore[arg-type]
    finally:
        ind_mod.INDICATORS.pop("falls_per_resident_per_year", None)


# ----------------------------------------------------------------------------- round trip
_row = st.fixed_dictionaries({
    "indicator": st.sampled_from(sorted(INDICATORS)),
    "date": st.dates(min_value=pd.Timestamp("2000-01-01").date(),
                     max_value=pd.Timestamp("2060-12-31").date()),
    "complex": st.sampled_from(["", "all", "A", "B"]),
    "u": st.floats(0, 1), "lo": st.floats(0, 1), "hi": st.floats(0, 1),
    "interval": st.booleans(),
    "n": st.one_of(st.none(), st.integers(1, 10_000)),
    "source": st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                      min_size=1, max_size=40).filter(lambda s: s.strip() != ""),
})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, min_size=1, max_size=8,
                     unique_by=lambda r: (r["indicator"], r["date"], r["complex"] or "all")))
def test_valid_rows_round_trip(tmp_path, rows):
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(EVALUATION_COLUMNS)
    expected = []
    for r in rows:
        top = 1.0 if INDICATORS[r["indicator"]].kind == "share" else 500.0
        lo, hi = sorted((r["lo"] * top, r["hi"] * top))
        value = lo + r["u"] * (hi - lo) if r["interval"] else r["u"] * top
        cells = [r["indicator"], r["date"].isoformat(), r["complex"], repr(value),
                 repr(lo) if r["interval"] else "", repr(hi) if r["interval"] else "",
                 "" if r["n"] is None else r["n"], r["source"]]
        out.writerow(cells)
        expected.append((r["indicator"], pd.Timestamp(r["date"]), r["complex"] or ALL, value,
                         r["source"].strip(), not r["interval"]))
    path = write(tmp_path, buf.getvalue(), "rt.csv")
    obs = load_evaluation(path).observations
    got = list(zip(obs["indicator"], obs["date"], obs["complex"], obs["value"], obs["source"],
                   obs["exact"], strict=True))
    assert got == expected
    assert (obs["sigma"] > 0).all() and np.isfinite(obs["sigma"]).all()
    assert obs["line"].tolist() == list(range(2, len(rows) + 2))


def test_shipped_paths_exist():
    assert SHIPPED_EVALUATION.is_file() and SHIPPED_COMPLEXES.is_file()


def test_age_band_columns_count_the_right_residents():
    # the age-band columns are parts of their totals, and the last week's stocks are the
    # final state's residents by age (independently counted from the arrays)
    m = ThuisplusModel(Parameters().with_overrides(
        {"building.dwellings": 80, "building.floors": 4}), seed=3).run(156)
    w = m.weekly()
    for total, parts in (("deaths", ("deaths_75_84", "deaths_85plus")),
                         ("admissions", ("admissions_75_84", "admissions_85plus")),
                         ("residents", ("residents_75_84", "residents_85plus"))):
        assert (w[list(parts)].sum(axis=1) <= w[total]).all(), total
        assert w[list(parts)].to_numpy().sum() > 0, total
    assert (w["hh_clients_75_84"] <= w["residents_75_84"]).all()
    res = m.res
    home = res.home[: res.high]
    age = res.age[: res.high][home]
    last = w.iloc[-1]
    assert last["residents_75_84"] == ((age >= 75) & (age < 85)).sum()
    assert last["residents_85plus"] == (age >= 85).sum()
    assert last["residents"] == home.sum()
