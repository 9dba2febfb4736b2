"""The dashboard's downloads: the parameter file, the report, the workbook, file names."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from thuisplus import __version__
from thuisplus.dashboard import charts, export
from thuisplus.dashboard.compute import (
    KEY_FIGURES,
    Outcome,
    comparison_table,
    compute,
    headline,
    key_figures,
)
from thuisplus.sim.business_case import STAKEHOLDERS
from thuisplus.sim.params import Parameters, load_parameters

SMALL = {"building.dwellings": 60, "building.floors": 3, "simulation.weeks": 3 * 52,
         "simulation.follow_up_years": 5}
SLIDER = "thuisplus.prevention.intensity"
LABEL = "preset contract-2021 & <friends>"
VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr", "source", "area", "base"}


@pytest.fixture(scope="module")
def small() -> Parameters:
    return Parameters().with_overrides(SMALL)


@pytest.fixture(scope="module")
def outcome(small: Parameters) -> Outcome:
    return compute(small, replications=3, seed=1, uncertain=True)


@pytest.fixture(scope="module")
def other(small: Parameters) -> Outcome:
    """Option A: the same runs (seeds, draws) with another contract."""
    return compute(small.with_overrides({"thuisplus.contract.funding": "lump_sum"}),
                   replications=3, seed=1, uncertain=True)


@pytest.fixture(scope="module")
def report(outcome: Outcome) -> str:
    return export.report_html(outcome, "en", label=LABEL)


@pytest.fixture(scope="module")
def report_ab(outcome: Outcome, other: Outcome) -> str:
    return export.report_html(outcome, "en", other=other, label=LABEL)


# --- the parameter file ---------------------------------------------------------------------
def _load(text: str, tmp_path: Path) -> Parameters:
    path = tmp_path / "exported.toml"
    path.write_text(text, encoding="utf-8")
    return load_parameters(path)


def test_the_parameter_file_round_trips(small: Parameters, tmp_path: Path):
    text = export.parameters_toml(small, label=LABEL)
    assert _load(text, tmp_path).model_dump() == small.model_dump()
    assert _load(text, tmp_path).model_dump() != Parameters().model_dump()


def test_the_parameter_file_round_trips_a_slider(small: Parameters, tmp_path: Path):
    moved = small.with_overrides({SLIDER: 0.35})
    back = _load(export.parameters_toml(moved), tmp_path)
    assert back.model_dump() == moved.model_dump()
    assert back.get(SLIDER) == 0.35


def test_a_changed_value_in_the_file_is_loaded(small: Parameters, tmp_path: Path):
    text = export.parameters_toml(small)
    section = text.index("[thuisplus.prevention]\n")
    line = re.compile(r"^intensity = .*$", re.MULTILINE).search(text, section)
    assert line is not None
    edited = text[:line.start()] + "intensity = 0.8" + text[line.end():]
    back = _load(edited, tmp_path)
    assert back.get(SLIDER) == 0.8
    assert back.model_dump() == small.with_overrides({SLIDER: 0.8}).model_dump()


def test_the_parameter_file_says_where_it_came_from(small: Parameters, tmp_path: Path):
    text = export.parameters_toml(small, label="contract-2021\n[building]\ndwellings = 3")
    header = text.split("\n\n", 1)[0].splitlines()
    assert len(header) == 4
    assert header[0].startswith("# Exported from the Thuisplusflat dashboard on ")
    assert all(line.startswith("#") for line in header)
    assert f"# thuisplus version: {__version__}" in header
    # the label stays one comment line: it cannot set a value
    assert "# Starting point: contract-2021 [building] dwellings = 3" in header
    assert _load(text, tmp_path).model_dump() == small.model_dump()


# --- the report -----------------------------------------------------------------------------
class _Nesting(HTMLParser):
    """Checks that every element is closed, in order (void elements excepted)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)


def test_the_report_is_well_formed(report: str):
    assert report.startswith("<!DOCTYPE html>")
    parser = _Nesting()
    parser.feed(report)
    parser.close()
    assert not parser.errors
    assert not parser.open
    for svg in _svgs(report):
        assert ET.fromstring(svg).tag.endswith("svg")


def test_the_report_has_one_svg_per_figure(report: str):
    assert len(charts.FIGURES) > 0
    assert len(_svgs(report)) == len(charts.FIGURES)
    assert report.count("<figcaption>") == len(charts.FIGURES)  # the SVG's title, shown
    for name in charts.FIGURES:
        assert f'class="fig-{name}"' in report


def test_the_report_carries_the_answer_and_key_figures(report: str, outcome: Outcome):
    bold = re.search(r"\*\*(.+?)\*\*", headline(outcome, "en"))
    assert bold is not None
    assert f"<strong>{html.escape(bold[1])}</strong>" in report
    assert "**" not in report
    figures = key_figures(outcome, "en")
    assert len(figures) == len(KEY_FIGURES)
    for label, value in figures.items():
        assert html.escape(label) in report
        assert f'<div class="value">{html.escape(value)}</div>' in report
    assert html.escape(LABEL) in report and LABEL not in report  # escaped
    assert __version__ in report


def test_the_report_states_its_assumptions(small: Parameters, outcome: Outcome):
    page = export.report_html(compute(small.with_overrides({SLIDER: 0.35}), replications=1,
                                      seed=1), "en")
    assert "Runs: 1." in page
    assert "the runs differ by chance only" in page
    assert f"<td>{SLIDER}</td><td>0.35</td><td>1</td>" in page
    assert "<td>building.dwellings</td><td>60</td><td>250</td>" in page
    assert "Discounting: 2.25% a year for euros" in page


def test_the_report_is_self_contained(report: str, report_ab: str):
    for page in (report, report_ab):
        outside = re.sub(r'\sxmlns(:\w+)?="[^"]*"', "", page)
        assert "http://" not in outside and "https://" not in outside
        assert "<script" not in page.lower()
        assert "<link" not in page.lower() and "@import" not in page
        assert "<style>" in page


def test_the_report_compares_options_a_and_b(report: str, report_ab: str, outcome: Outcome,
                                             other: Outcome):
    table = comparison_table(other, outcome, "en")
    assert "<table>" in report_ab and 'class="keys"' not in report_ab
    assert "Option A (pinned) and option B (the sliders now)" in report_ab
    for column in table.columns:
        assert f"<th>{html.escape(column)}</th>" in report_ab
    for row in table.itertuples(index=False):
        assert "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" in report_ab
    assert "Option A (pinned)" not in report
    assert len(_svgs(report_ab)) == len(charts.FIGURES)


def test_the_report_speaks_the_language(report: str, outcome: Outcome):
    dutch = export.report_html(outcome, "nl", label=LABEL)
    assert '<html lang="en">' in report
    assert '<html lang="nl">' in dutch and '<html lang="en">' not in dutch


def test_a_figure_that_cannot_be_drawn_is_replaced_by_a_sentence(outcome: Outcome,
                                                                 monkeypatch):
    real = charts.draw
    broken = charts.FIGURES[0]

    def draw(name: str, *args, **kwargs) -> str:
        if name == broken:
            raise ZeroDivisionError("no runs")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(charts, "draw", draw)
    page = export.report_html(outcome, "en")
    assert ("This figure could not be drawn for this setting: ZeroDivisionError"
            in page)
    assert len(_svgs(page)) == len(charts.FIGURES) - 1
    assert f'<figure class="fig-{broken}"><p class="error">' in page
    assert page.rstrip().endswith("</html>")


def test_markdown_becomes_html():
    text = "**Bold** and *italic* <b>&</b>\n\n*Another* paragraph"
    assert export.markdown_html(text) == (
        "<p><strong>Bold</strong> and <em>italic</em> &lt;b&gt;&amp;&lt;/b&gt;</p>\n"
        "<p><em>Another</em> paragraph</p>")


# --- the workbook ---------------------------------------------------------------------------
def _rows(ws) -> tuple[list[str], list[tuple]]:
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def _column(ws, name: str) -> list:
    header, rows = _rows(ws)
    j = header.index(name)
    return [r[j] for r in rows]


def test_the_workbook_holds_the_business_case(outcome: Outcome):
    wb = load_workbook(io.BytesIO(export.workbook_bytes(outcome, "en", label=LABEL)))
    assert wb.sheetnames == ["Read me", "Key figures", "Per run", "Stakeholders",
                             "Cash flows", "Care use", "Settings"]
    runs = wb["Per run"]
    assert _column(runs, "seed") == outcome.seeds
    np.testing.assert_allclose(_column(runs, "npv"), outcome.values("npv"), rtol=1e-12)
    for s in STAKEHOLDERS:
        np.testing.assert_allclose(_column(runs, f"net_{s}"), outcome.stakeholder(s, "net"),
                                   rtol=1e-12)
    drawn = outcome.draws.columns[0]
    np.testing.assert_allclose(_column(runs, drawn), outcome.draws[drawn], rtol=1e-12)
    assert len(_rows(wb["Cash flows"])[1]) == len(outcome.flows)
    assert len(_rows(wb["Care use"])[1]) == len(outcome.yearly)
    assert len(_rows(wb["Stakeholders"])[1]) == len(STAKEHOLDERS)
    assert _column(wb["Key figures"], "as shown") == list(key_figures(outcome, "en").values())
    settings = dict(zip(_column(wb["Settings"], "parameter"), _column(wb["Settings"], "value"),
                        strict=True))
    assert settings["building.dwellings"] == 60
    readme = [v for row in wb["Read me"].iter_rows(values_only=True) for v in row if v]
    assert LABEL in readme and __version__ in readme


def test_the_dutch_workbook_names_its_sheets_in_dutch(outcome: Outcome, other: Outcome):
    wb = load_workbook(io.BytesIO(export.workbook_bytes(outcome, "nl", other=other)))
    assert wb.sheetnames == ["Lees mij", "Kerncijfers", "Opties A en B", "Per run", "Partijen",
                             "Geldstromen", "Zorggebruik", "Instellingen"]
    front = [v for row in wb["Lees mij"].iter_rows(values_only=True) for v in row if v]
    assert "Tabblad" in front and "Wat erin staat" in front and "Zorggebruik" in front
    assert any("tabblad Opties A en B" in str(v) for v in front)
    assert _column(wb["Per run"], "seed") == outcome.seeds  # the headers stay the model's


def test_the_workbook_compares_options_a_and_b(outcome: Outcome, other: Outcome):
    wb = load_workbook(io.BytesIO(export.workbook_bytes(outcome, "en", other=other)))
    assert "Options A and B" in wb.sheetnames
    ab = wb["Options A and B"]
    a, b, diff = (_column(ab, c) for c in ("A (pinned)", "B (now)", "B − A"))
    assert len(a) == len(KEY_FIGURES) + 1  # and the share of runs in which B beats A
    np.testing.assert_allclose(np.array(b[:-1]) - np.array(a[:-1]), diff[:-1], atol=1e-6)
    assert 0 <= diff[-1] <= 1


def test_every_key_figure_has_a_unit():
    assert set(export.KEY_FIGURE_UNITS) == set(KEY_FIGURES)


# --- file names -----------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "lang", "name"), [
    ("settings", "en", "thuisplusflat_2026-12-04_settings.toml"),
    ("settings", "nl", "thuisplusflat_2026-12-04_instellingen.toml"),
    ("report", "en", "thuisplusflat_2026-12-04_report.html"),
    ("report", "nl", "thuisplusflat_2026-12-04_rapport.html"),
    ("business-case", "en", "thuisplusflat_2026-12-04_business-case.xlsx"),
    ("business-case", "nl", "thuisplusflat_2026-12-04_business-case.xlsx"),
    ("results", "nl", "thuisplusflat_2026-12-04_resultaten.csv"),
    ("npv_distribution", "nl", "thuisplusflat_2026-12-04_npv-distribution.png"),
    ("building", "en", "thuisplusflat_2026-12-04_building.png"),
])
def test_file_names(kind: str, lang: str, name: str):
    assert export.file_name(kind, lang, dt.date(2026, 12, 4)) == name
    assert export.file_name(kind, lang, dt.datetime(2026, 12, 4, 23, 59)) == name


def test_file_names_of_figures_and_today():
    for figure in charts.FIGURES:
        assert export.file_name(figure, "nl").endswith(".png")
    assert export.file_name("report", "en").startswith(
        f"thuisplusflat_{dt.date.today().isoformat()}_")
    with pytest.raises(ValueError, match="kind"):
        export.file_name("../report", "en")


def test_report_and_workbook_say_the_calibrated_figures_came_from_the_fit(small: Parameters):
    """Drawn from the posterior, they are not 'from the ranges of the evidence review'."""
    from thuisplus.dashboard.compute import shipped_posterior

    fitted = compute(small, replications=2, seed=1, uncertain=True,
                     posterior=shipped_posterior())
    assert fitted.fitted
    sentence = f"The {len(fitted.fitted)} figures fitted to the 2021-2023 evaluation data"
    assumptions = export.report_html(fitted, "en").split("<h2>Assumptions</h2>")[1]
    assert sentence in assumptions.split("</ul>")[0]
    wb = load_workbook(io.BytesIO(export.workbook_bytes(fitted, "en")))
    readme = " ".join(str(v) for row in wb["Read me"].iter_rows(values_only=True)
                      for v in row if v)
    assert sentence in readme
    plain = compute(small, replications=2, seed=1, uncertain=True)
    assert "fitted to the 2021-2023" not in export.report_html(plain, "en")
