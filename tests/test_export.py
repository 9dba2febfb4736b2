"""Issue 16, item 6: CSVs a Dutch-locale Excel opens, and workbooks for policy staff."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from thuisplus.experiments import Experiment, load_results, run_experiment
from thuisplus.experiments.business_case_report import run_business_case, write_report
from thuisplus.experiments.export import (
    CSV_DIALECTS,
    EURO_CENTS_FORMAT,
    EURO_FORMAT,
    PERCENT_FORMAT,
    CsvDialectError,
    csv_dialect,
    read_csv,
    sheet_title,
    workbook_path,
    write_csv,
    write_workbook,
)
from thuisplus.experiments.psa import analyse_psa
from thuisplus.experiments.report import write_report as write_experiment_report
from thuisplus.sim import Parameters
from thuisplus.sim.business_case import STAKEHOLDERS
from thuisplus.sim.params import parameter_table

BOM = b"\xef\xbb\xbf"
SMALL = {"building.dwellings": 40, "building.floors": 4, "simulation.follow_up_years": 0}


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "stakeholder": ["gemeente", "zorgverzekeraar; Zvw", "cliënt € 5"],
        "year": [2021, 2022, 2023],
        "amount": [-1234.5678, 0.1 + 0.2, 1e-7],
        "share": [0.25, np.nan, 1.0],
        "start": pd.to_datetime(["2021-01-04", "2022-01-03", "2023-01-02"]),
    })


def sheet(wb: openpyxl.Workbook, name: str) -> pd.DataFrame:
    rows = list(wb[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def readme(wb: openpyxl.Workbook) -> dict[str, object]:
    return {r[0]: r[1] for r in wb["Read me"].iter_rows(values_only=True) if r[0]}


# --- CSV dialects -----------------------------------------------------------------------------
def test_the_nl_dialect_reads_back_in_a_dutch_excel_s_terms(tmp_path):
    df = frame()
    path = write_csv(df, tmp_path / "t.csv", "nl")
    raw = path.read_bytes()
    assert raw.startswith(BOM)  # Excel reads € and ë as UTF-8
    text = raw[len(BOM):].decode("utf-8")
    assert text.splitlines()[0] == "stakeholder;year;amount;share;start"
    assert "-1234,5678" in text and "2021-01-04" in text  # decimal comma, ISO dates
    assert '"zorgverzekeraar; Zvw"' in text  # a separator inside a field is quoted
    back = pd.read_csv(path, sep=";", decimal=",", parse_dates=["start"])
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    pd.testing.assert_frame_equal(read_csv(path, "nl", parse_dates=["start"]), df,
                                  check_dtype=False)


def test_the_default_dialect_is_byte_identical_to_pandas(tmp_path):
    df = frame()
    for dialect in ((), ("international",)):
        path = write_csv(df, tmp_path / "t.csv", *dialect)
        assert path.read_bytes() == df.to_csv(index=False).encode("utf-8")
    excel = write_csv(df, tmp_path / "e.csv", "international-excel").read_bytes()
    assert excel == BOM + df.to_csv(index=False).encode("utf-8")


@pytest.mark.parametrize("bad, meant", [("NL ", "nl"), ("dutch", "nl"), ("nl_NL", "nl"),
                                        ("internationl", "international"),
                                        ("Excel", "international-excel")])
def test_an_unknown_dialect_is_named_with_the_allowed_ones_and_the_closest(tmp_path, bad,
                                                                           meant):
    with pytest.raises(CsvDialectError) as err:
        write_csv(frame(), tmp_path / "t.csv", bad)
    assert isinstance(err.value, ValueError)
    msg = str(err.value)
    assert repr(bad) in msg and "allowed: " + ", ".join(CSV_DIALECTS) in msg
    assert f"did you mean {meant!r}?" in msg and err.value.suggestion == meant
    assert not (tmp_path / "t.csv").exists()
    assert csv_dialect("nl").sep == ";" and csv_dialect("nl").decimal == ","


# --- workbooks --------------------------------------------------------------------------------
def test_a_workbook_stores_numbers_as_numbers_with_formats(tmp_path):
    long = "a sheet name much longer than thirty-one characters: [x]"
    df = frame().assign(**{"net (€ PV)": [-1234567.8, 12.5, 3.0], "P(> 0)": [0.2, 0.5, 1.0],
                           "unit": ["€", "years", "€"], "mean": [1234.5, 7.25, 8.5],
                           "note": ["=SUM(A1:A2)", "", None]})
    path = write_workbook(tmp_path / "w.xlsx", {"Table": df, long: df, long + "2": df,
                                                "Prices": df},
                          notes={"Table": "the frame"}, readme=[("what", "a test")],
                          cents=["Prices"])
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    assert names[0] == "Read me" and names[1] == "Table"
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 5
    assert not any(c in n for n in names for c in "[]:*?/\\")
    ws = wb["Table"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold and ws.auto_filter.ref
    cols = {c.value: c.column_letter for c in ws[1]}
    assert ws[f"{cols['amount']}2"].data_type == "n" and ws[f"{cols['year']}2"].value == 2021
    assert ws[f"{cols['net (€ PV)']}2"].value == -1234567.8
    assert ws[f"{cols['net (€ PV)']}2"].number_format == EURO_FORMAT
    assert ws[f"{cols['net (€ PV)']}3"].number_format == EURO_FORMAT
    assert wb["Prices"][f"{cols['net (€ PV)']}3"].number_format == EURO_CENTS_FORMAT
    assert ws[f"{cols['P(> 0)']}2"].number_format == PERCENT_FORMAT
    # a row in € gets the euro format; a row in years keeps the general one
    assert ws[f"{cols['mean']}2"].number_format == EURO_FORMAT
    assert "€" not in ws[f"{cols['mean']}3"].number_format
    assert ws[f"{cols['share']}3"].value is None  # NaN: an empty cell
    assert ws[f"{cols['start']}2"].value == dt.datetime(2021, 1, 4)
    assert ws[f"{cols['note']}2"].value == "=SUM(A1:A2)"
    assert ws[f"{cols['note']}2"].data_type == "s"  # text, never a formula
    assert ws.column_dimensions[cols["stakeholder"]].width >= len("zorgverzekeraar; Zvw")
    front = readme(wb)
    assert front["what"] == "a test" and front["Table"] == "the frame"
    with pytest.raises(ValueError, match=r"must end in \.xlsx"):
        write_workbook(tmp_path / "w.csv", {"Table": df})


def test_sheet_titles_and_workbook_paths(tmp_path):
    assert sheet_title("a/b:c") == "a-b-c"
    assert sheet_title("Read me", ["read me"]) == "Read me (2)"
    assert workbook_path(None, tmp_path / "x.xlsx") is None
    assert workbook_path(False, tmp_path / "x.xlsx") is None
    assert workbook_path(True, tmp_path / "x.xlsx") == tmp_path / "x.xlsx"
    assert workbook_path(tmp_path, Path("y/x.xlsx")) == tmp_path / "x.xlsx"
    with pytest.raises(ValueError, match=r"\.xlsx"):
        workbook_path(tmp_path / "book.xls", tmp_path / "x.xlsx")


# --- the business case --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def business_case():
    small = Parameters().with_overrides({"building.dwellings": 40, "building.floors": 4,
                                         "simulation.weeks": 104,
                                         "simulation.follow_up_years": 1})
    return run_business_case(small, 2, seed=3)


def test_the_business_case_workbook_for_policy_staff(business_case, tmp_path):
    bc = business_case
    paths = write_report(bc, tmp_path, "small complex", xlsx=True)
    assert paths["workbook"] == tmp_path / "business_case.xlsx"
    assert "business_case.xlsx" in paths["report"].read_text()
    wb = openpyxl.load_workbook(paths["workbook"])
    assert wb.sheetnames == ["Read me", "Stakeholders", "Outcomes", "Nursing-home views",
                             "Cash flows", "Net per year", "Provider books", "Assumptions"]
    front = readme(wb)
    for name in wb.sheetnames[1:]:
        assert front[name], f"the Read me says what {name} holds"
    assert front["price year"] == bc.params.costs.price_year
    assert front["replications"] == 2 and front["parameters"] == "small complex"
    assert front["thuisplus version"]
    # who pays, who gains: numbers, and the stakeholders' nets add up to society's
    st = sheet(wb, "Stakeholders").set_index("stakeholder")
    assert list(st.index) == [s.replace("_", " ") for s in STAKEHOLDERS] + ["society (total)"]
    cell = wb["Stakeholders"]["D2"]
    assert cell.data_type == "n" and "€" in cell.number_format
    soc = bc.stakeholders().set_index(["stakeholder", "measure"]).loc[("society", "npv"), "mean"]
    assert st.loc["society (total)", "net (€ PV)"] == pytest.approx(soc)
    assert st["net (€ PV)"].iloc[:-1].sum() == pytest.approx(soc, rel=1e-9, abs=0.01)
    assert np.allclose(st["net (€ PV)"], st["gains (€ PV)"] - st["pays (€ PV)"])
    # cash flows per year: the mean over the replications of every flow
    cash = sheet(wb, "Cash flows")
    flows = bc.cashflows()
    wmo = flows[(flows["item"] == "avoided Wmo care") & (flows["year"] == 2022)]
    row = cash[cash["item"] == "avoided Wmo care"].iloc[0]
    assert row["2022"] == pytest.approx(wmo["amount"].mean())
    per_year = sheet(wb, "Net per year")
    assert per_year["society, cumulative PV (€)"].iloc[-1] == pytest.approx(soc)
    assert np.allclose(per_year["society (€)"],
                       per_year.iloc[:, 1:1 + len(STAKEHOLDERS)].sum(axis=1))
    # the assumptions: every parameter, changed ones first, with its source
    assum = sheet(wb, "Assumptions").set_index("parameter")
    assert len(assum) == len(parameter_table())
    source = {r["key"]: r["source"] for r in parameter_table()}
    assert assum.loc["building.dwellings", "source"] == source["building.dwellings"]
    assert assum.loc["building.dwellings", "value"] == 40
    assert assum.loc["building.dwellings", "default"] == 250
    row = 2 + list(assum.index).index("costs.household_help")
    price = wb["Assumptions"][f"B{row}"]
    assert price.value == bc.params.costs.household_help
    assert price.number_format == EURO_CENTS_FORMAT  # € 32,76 an hour
    changed = assum["changed"].tolist()
    assert changed == sorted(changed, reverse=True) and sum(changed) >= 4


def test_the_business_case_writes_what_it_wrote_before_unless_asked(business_case, tmp_path):
    bc = business_case
    plain = write_report(bc, tmp_path / "plain", "small")
    assert "workbook" not in plain
    assert sorted(p.name for p in (tmp_path / "plain").iterdir()) == sorted(
        Path(p).name for p in plain.values())
    assert not list((tmp_path / "plain").glob("*.xlsx"))
    assert "xlsx" not in plain["report"].read_text()
    st = bc.stakeholders()
    assert plain["stakeholders"].read_bytes() == st.to_csv(index=False).encode()
    nl = write_report(bc, tmp_path / "nl", "small", csv_dialect="nl")
    assert "workbook" not in nl and nl["cashflows"].read_bytes().startswith(BOM)
    back = pd.read_csv(nl["stakeholders"], sep=";", decimal=",")
    pd.testing.assert_frame_equal(back, st)
    with pytest.raises(CsvDialectError, match="did you mean 'nl'"):
        write_report(bc, tmp_path / "bad", "small", csv_dialect="dutch")
    assert not (tmp_path / "bad").exists()  # refused before anything is written


# --- the main job (a probabilistic analysis) ----------------------------------------------------
def psa_spec() -> dict:
    return {"name": "psa-export", "preset": "contract-2021", "seed": 11, "replications": 2,
            "weeks": 52, "set": SMALL,
            "scenarios": {"contract-2021": {}, "lump-sum": {"thuisplus.contract.funding":
                                                           "lump_sum"}},
            "design": {"method": "prior", "samples": 4}}


@pytest.fixture(scope="module")
def psa_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "psa"
    assert run_experiment(Experiment.from_dict(psa_spec()), out, executor="serial").complete
    return out


def test_the_main_job_s_workbook_has_the_psa(psa_folder):
    paths = write_experiment_report(psa_folder, xlsx=True, csv_dialect="nl")
    assert paths["workbook"] == psa_folder / "report.xlsx"
    wb = openpyxl.load_workbook(paths["workbook"])
    for name in ("Read me", "PSA", "PSA decision", "Headline", "Stakeholders", "Cash flows",
                 "Scenarios", "Assumptions"):
        assert name in wb.sheetnames, name
    df = load_results(psa_folder)
    res = analyse_psa(df, options=["contract-2021", "lump-sum"], voi=False)
    psa = sheet(wb, "PSA").set_index(["option", "code"])
    npv = res.summary.set_index(["option", "outcome"]).loc[("contract-2021", "npv")]
    assert psa.loc[("contract-2021", "npv"), "P(> 0)"] == pytest.approx(npv["p_positive"])
    assert psa.loc[("contract-2021", "npv"), "mean"] == pytest.approx(npv["mean"])
    assert wb["PSA"]["G2"].number_format == PERCENT_FORMAT
    front = readme(wb)
    assert f"{npv['p_positive']:.0%}" in front["chance it pays off"]
    assert front["seed"] == 11 and front["replications (seeds) per point"] == 2
    base = Experiment.from_dict(psa_spec()).base_params
    assert front["price year"] == base.costs.price_year
    assert front["discount rate (euros)"] == pytest.approx(base.money.discount_rate)
    assert front["programme"].startswith("52 weeks from 2021-01-04")
    for name in wb.sheetnames[1:]:
        assert front[name], name
    st = sheet(wb, "Stakeholders")
    for scenario, g in st.groupby("scenario"):
        total = g.set_index("stakeholder").loc["society (total)", "net (€ PV)"]
        assert total == pytest.approx(df.loc[df["scenario"] == scenario, "npv"].mean())
        assert g["net (€ PV)"].iloc[:-1].sum() == pytest.approx(total, rel=1e-9, abs=0.01)
    scen = sheet(wb, "Scenarios")
    assert "lump_sum" in set(scen["value"])
    assert scen["value"].str.startswith("drawn from").sum() >= 10
    # the tables in the Dutch dialect read back as the analysis's
    back = pd.read_csv(psa_folder / "tables" / "psa_summary.csv", sep=";", decimal=",")
    assert back["p_positive"].tolist() == pytest.approx(
        analyse_psa(df, options=["contract-2021", "lump-sum"]).summary["p_positive"].tolist())


def test_the_main_job_s_report_is_unchanged_without_options(psa_folder, tmp_path):
    for f in psa_folder.glob("report.xlsx"):
        f.unlink()
    paths = write_experiment_report(psa_folder)
    assert "workbook" not in paths and not (psa_folder / "report.xlsx").exists()
    assert "xlsx" not in (psa_folder / "report.md").read_text()
    runs = load_results(psa_folder)
    assert (psa_folder / "tables" / "runs.csv").read_bytes() == runs.to_csv(index=False).encode()
    res = analyse_psa(runs, options=["contract-2021", "lump-sum"])
    assert (psa_folder / "tables" / "psa_summary.csv").read_bytes() == res.summary.to_csv(
        index=False).encode()


def test_an_experiment_of_another_model_gets_a_workbook_too(tmp_path):
    pi = float(np.pi)
    exp = Experiment.from_dict({
        "name": "morris", "model": "thuisplus.experiments.testfunctions:ishigami",
        "design": {"method": "morris", "samples": 4, "levels": 4, "parameters": {
            f"x{i}": {"range": [-pi, pi]} for i in (1, 2, 3)}}, "outcomes": ["y"]})
    run_experiment(exp, tmp_path / "m", executor="serial")
    paths = write_experiment_report(tmp_path / "m", xlsx=tmp_path / "books" / "m.xlsx")
    wb = openpyxl.load_workbook(paths["workbook"])
    assert wb.sheetnames == ["Read me", "Sensitivity", "All outcomes", "Scenarios"]
    assert "ishigami" in readme(wb)["what"] and "Thuisplusflat on" not in readme(wb)["what"]
    ind = sheet(wb, "Sensitivity")
    assert set(ind["parameter"]) == {"x1", "x2", "x3"}
    assert wb["Sensitivity"]["D2"].data_type == "n"


def test_the_dialects_are_known_without_loading_pandas():
    """The command line builds its options from CSV_DIALECTS; ``--help`` stays light."""
    import subprocess
    import sys

    code = ("import sys\nfrom thuisplus.experiments.export import CSV_DIALECTS\n"
            "print(sorted(CSV_DIALECTS), sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('pandas', 'numpy', 'openpyxl')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['international', 'international-excel', 'nl'] []"
