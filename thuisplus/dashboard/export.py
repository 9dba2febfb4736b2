"""The dashboard's downloads: the setting as a parameter file, a report, a spreadsheet.

- :func:`parameters_toml`: the current setting as a full parameter file (the format of
  :func:`thuisplus.sim.params.save_parameters`, which ``thuisplus pair --params FILE``
  reads), with a header saying where and when it was exported;
- :func:`report_html`: a one-page HTML report (inline CSS and SVG, no script, no link
  off the page) a policy advisor can print or mail: the answer in words, the key
  figures (options A and B side by side when one is pinned), the assumptions behind them
  and the figures of :mod:`thuisplus.dashboard.charts`;
- :func:`workbook_bytes`: the business case as an ``.xlsx`` workbook
  (:func:`thuisplus.experiments.export.write_workbook`): key figures, per run, stakeholders,
  yearly cash flows and care use, and the settings;
- :func:`file_name`: the download's file name, dated, in the page's language.

Everything here is free of Solara: the page wires these to its download buttons.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from thuisplus import __version__
from thuisplus.dashboard import charts
from thuisplus.dashboard.compute import (
    KEY_FIGURES,
    Outcome,
    chance,
    comparison_table,
    difference,
    fitted_sentence,
    headline,
    key_figures,
    key_values,
)
from thuisplus.dashboard.i18n import number, percent, tr
from thuisplus.experiments.export import EURO_FORMAT, parameter_sheet, write_workbook
from thuisplus.sim.business_case import STAKEHOLDERS, discount_rates
from thuisplus.sim.params import save_parameters

if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters

__all__ = ["FILE_KINDS", "KEY_FIGURE_UNITS", "file_name", "html_table", "markdown_html",
           "parameters_toml", "report_html", "workbook_bytes"]

#: Downloads other than a figure: kind → (English name, Dutch name, extension).
FILE_KINDS: dict[str, tuple[str, str, str]] = {
    "settings": ("settings", "instellingen", "toml"),
    "report": ("report", "rapport", "html"),
    "business-case": ("business-case", "business-case", "xlsx"),
    "results": ("results", "resultaten", "csv"),
}
_FILE_PREFIX = "thuisplusflat"
_FIGURE_NAME = re.compile(r"[A-Za-z0-9_-]+")

#: The unit of each key figure (:data:`thuisplus.dashboard.compute.KEY_FIGURES`) in a sheet.
KEY_FIGURE_UNITS: dict[str, str] = {
    "Chance it pays off for society": "share of the runs",
    "Chance it pays off for the municipality": "share of the runs",
    "Care cost avoided (all laws)": "€, undiscounted",
    "Net for society (discounted)": "€ PV",
    "Flat's provider: Wmo clients at the end": "clients",
    "Provider's books at 40 clients": "€ a year",
}
_MONEY_PER_RUN = ("npv", "pv_benefits", "pv_costs", *(f"net_{s}" for s in STAKEHOLDERS))


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _one_line(text: str) -> str:
    """``text`` on one line, without control characters (a label in a comment or title)."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


# --- the parameter file -------------------------------------------------------------------
def parameters_toml(params: Parameters, label: str = "") -> str:
    """``params`` as a full parameter file (TOML), with a header on where it came from.

    The body is :func:`thuisplus.sim.params.save_parameters`'s, so
    :func:`~thuisplus.sim.params.load_parameters` reads back exactly ``params``.
    """
    with tempfile.TemporaryDirectory(prefix="thuisplus-export-") as folder:
        path = Path(folder) / "parameters.toml"
        save_parameters(params, path)
        body = path.read_text(encoding="utf-8")
    header = [
        f"# Exported from the Thuisplusflat dashboard on {_now():%Y-%m-%d %H:%M %z}.",
        f"# thuisplus version: {__version__}",
        f"# Starting point: {_one_line(label) or '—'}",
        "# Load it with: thuisplus pair --params FILE (or thuisplus dashboard --params FILE)",
    ]
    return "\n".join(header) + "\n\n" + body


# --- the report ---------------------------------------------------------------------------
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"\*(.+?)\*", re.DOTALL)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_SVG_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)

_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: "Segoe UI", Roboto, Helvetica, Arial, sans-serif; font-size: 9.5pt;
       line-height: 1.3; color: #222; max-width: 186mm; margin: 0 auto; padding: 6mm; }
h1 { font-size: 16pt; margin: 0 0 1mm; }
h2 { font-size: 11.5pt; margin: 4mm 0 1.5mm; border-bottom: 1px solid #ccc; }
p { margin: 0 0 1.5mm; }
.meta { color: #555; margin-bottom: 2mm; }
.keys { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1.5mm; }
.key { border: 1px solid #ddd; border-radius: 1.5mm; padding: 1mm 2mm; break-inside: avoid; }
.key .value { font-size: 12pt; font-weight: 600; }
.key .label { font-size: 8pt; color: #555; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #ddd; padding: 0.6mm 2mm; text-align: left;
         vertical-align: top; }
th { border-bottom: 1.5px solid #999; }
.plots { column-count: 2; column-gap: 5mm; }
figure { margin: 0 0 3mm; break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-weight: 600; font-size: 8.5pt; margin-bottom: 1mm; }
.error { color: #a00; font-style: italic; }
ul { margin: 0 0 1.5mm; padding-left: 5mm; }
footer { margin-top: 4mm; padding-top: 1.5mm; font-size: 7.5pt; color: #666;
         border-top: 1px solid #ccc; }
@media print {
  body { padding: 0; }
  h2 { break-after: avoid; }
  .figures { break-before: page; }
  .plots { width: 76%; margin: 0 auto; }
}
"""


def markdown_html(text: str) -> str:
    """The headline's Markdown as HTML: **bold**, *italic* and paragraphs; the rest escaped."""
    out = []
    for para in _PARAGRAPHS.split(text.strip()):
        s = _BOLD.sub(r"<strong>\1</strong>", html.escape(para.strip()))
        s = _ITALIC.sub(r"<em>\1</em>", s)
        out.append(f"<p>{s}</p>")
    return "\n".join(out)


def _e(value: object) -> str:
    return html.escape(str(value))


def html_table(df: pd.DataFrame) -> str:
    """``df`` as an HTML table, every cell escaped (the report's and the page's A/B)."""
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(name: str, outcome: Outcome, lang: str, other: Outcome | None) -> str:
    """One figure as inline SVG under its title, or the sentence that it could not be drawn."""
    try:
        svg = charts.draw(name, outcome, lang, other=other).strip()
    except Exception as exc:  # a figure that cannot be drawn must not stop the report
        error = tr(lang, "This figure could not be drawn for this setting: {error}",
                   error=type(exc).__name__)
        return f'<figure class="fig-{_e(name)}"><p class="error">{_e(error)}</p></figure>'
    title = _SVG_TITLE.search(svg)  # the figure's title, for screen readers in the SVG
    caption = (f"<figcaption>{_e(html.unescape(title[1]))}</figcaption>" if title else "")
    return f'<figure class="fig-{_e(name)}">{caption}{svg}</figure>'


def _years(outcome: Outcome, lang: str) -> str:
    return number(outcome.years, lang, 0 if outcome.years.is_integer() else 1)


def _shown(value: object) -> str:
    return format(value, ".6g") if isinstance(value, float) else str(value)


def _assumptions(outcome: Outcome, lang: str) -> str:
    """The assumptions behind the figures: runs, uncertainties, money, changed parameters."""
    p = outcome.params
    n = len(outcome.seeds)
    runs = (tr(lang, "Runs: {n}.", n=n) if outcome.complete else
            tr(lang, "Runs: {n} of {asked} (the report was made before all had finished).",
               n=n, asked=outcome.asked))
    if outcome.uncertain:
        drawn = tr(lang, "Uncertain effects: drawn from the ranges of the evidence review in "
                   "each run, so each run is one possible world; {k} of them kept at this "
                   "setting's value.", k=len(outcome.held))
        if outcome.fitted:
            drawn += " " + fitted_sentence(outcome, lang)
    else:
        drawn = tr(lang, "Uncertain effects: kept at this setting's values in every run; "
                   "the runs differ by chance only.")
    rate, effect = discount_rates(p)
    items = [
        runs, drawn,
        tr(lang, "Discounting: {rate} a year for euros and {effect} for person-years "
           "(scheme {scheme}), to {year}; euros in constant {prices} prices.",
           rate=percent(rate, lang, 2), effect=percent(effect, lang, 2),
           scheme=p.money.discounting, year=p.simulation.start_date.year,
           prices=p.costs.price_year),
        tr(lang, "Programme: {years} years from {start}; everyone who lived in the complex "
           "is followed {follow} more years.", years=_years(outcome, lang),
           start=p.simulation.start_date.isoformat(), follow=p.simulation.follow_up_years),
        tr(lang, "Complex: {n} dwellings.", n=number(p.building.dwellings, lang)),
    ]
    out = "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"
    sheet = parameter_sheet(p)
    changed = sheet[sheet["changed"].astype(bool)]
    if changed.empty:
        return out + f"<p>{_e(tr(lang, 'No parameter is changed from the model defaults.'))}</p>"
    table = pd.DataFrame({
        tr(lang, "parameter"): changed["parameter"],
        tr(lang, "value"): [_shown(v) for v in changed["value"]],
        tr(lang, "model default"): [_shown(v) for v in changed["default"]],
        tr(lang, "unit"): changed["unit"]})
    return (out + f"<p>{_e(tr(lang, 'Changed from the model defaults:'))}</p>"
            + html_table(table))


def report_html(outcome: Outcome, lang: str, other: Outcome | None = None,
                label: str = "") -> str:
    """A one-page HTML report of ``outcome`` (option B when ``other``, option A, is pinned).

    Self-contained (inline CSS and SVG, no script, no link off the page): title, date and
    setting, the answer in words, the key figures (or A and B side by side), the
    assumptions, the figures and the package's version. Printed, two A4 pages: the text,
    then the figures.
    """
    title = tr(lang, "Thuisplusflat: does it pay off?")
    meta = [tr(lang, "Made on {date} with the Thuisplusflat dashboard.",
               date=f"{_now():%Y-%m-%d %H:%M}"),
            tr(lang, "Setting: {label}", label=_one_line(label) or "—")]
    parts = [f"<h1>{_e(title)}</h1>",
             '<div class="meta">' + "<br>".join(_e(m) for m in meta) + "</div>",
             f"<h2>{_e(tr(lang, 'The answer'))}</h2>", markdown_html(headline(outcome, lang))]
    if other is None:
        keys = "".join(f'<div class="key"><div class="value">{_e(v)}</div>'
                       f'<div class="label">{_e(k)}</div></div>'
                       for k, v in key_figures(outcome, lang).items())
        parts += [f"<h2>{_e(tr(lang, 'Key figures'))}</h2>", f'<div class="keys">{keys}</div>']
    else:
        parts += [f"<h2>{_e(tr(lang, 'Option A (pinned) and option B (the sliders now)'))}</h2>",
                  html_table(comparison_table(other, outcome, lang))]
    parts += [f"<h2>{_e(tr(lang, 'Assumptions'))}</h2>", _assumptions(outcome, lang)]
    plots = "".join(_figure(name, outcome, lang, other) for name in charts.FIGURES)
    parts.append(f'<section class="figures"><h2>{_e(tr(lang, "Figures"))}</h2>'
                 f'<div class="plots">{plots}</div></section>')
    footer = tr(lang, "Made with thuisplus {version}, a simulation of one complex with and "
                "without a Thuisplusflat on the same chance events. The figures are model "
                "results under the assumptions above, not a forecast.", version=__version__)
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="{"nl" if lang == "nl" else "en"}">\n<head>\n'
            f'<meta charset="utf-8">\n<title>{_e(title)}</title>\n<style>{_CSS}</style>\n'
            f"</head>\n<body>\n{body}\n<footer>{_e(footer)}</footer>\n</body>\n</html>\n")


# --- the workbook -------------------------------------------------------------------------
def _key_figure_sheets(outcome: Outcome, lang: str, other: Outcome | None
                       ) -> dict[str, pd.DataFrame]:
    values = key_values(outcome)
    shown = key_figures(outcome, lang)
    sheets = {"Key figures": pd.DataFrame({
        "figure": list(shown), "unit": [KEY_FIGURE_UNITS[k] for k in KEY_FIGURES],
        "value": [values[k] for k in KEY_FIGURES], "as shown": list(shown.values())})}
    if other is not None:
        a = key_values(other)
        rows = [{"figure": tr(lang, k), "unit": KEY_FIGURE_UNITS[k], "A (pinned)": a[k],
                 "B (now)": values[k], "B − A": values[k] - a[k]} for k in KEY_FIGURES]
        paired = difference(other, outcome, "npv")
        if paired.size:
            rows.append({"figure": tr(lang, "Runs in which B beats A for society"),
                         "unit": "share of the runs", "B − A": chance(paired).p})
        sheets["Options A and B"] = pd.DataFrame(rows)
    return sheets


def _per_run(outcome: Outcome) -> pd.DataFrame:
    runs = pd.DataFrame({"seed": outcome.seeds})
    if outcome.uncertain:
        runs = pd.concat([runs, outcome.draws.reset_index(drop=True)], axis=1)
    for key in _MONEY_PER_RUN:
        runs[key] = outcome.values(key)
    return runs


def _readme(outcome: Outcome, lang: str, other: Outcome | None, label: str
            ) -> list[tuple[str, Any]]:
    p = outcome.params
    rate, effect = discount_rates(p)
    rows: list[tuple[str, Any]] = [
        (tr(lang, "what"), tr(lang, "The social business case of a Thuisplusflat as the "
                              "dashboard computed it: who pays and who gains, from paired "
                              "simulations of one complex without and with the Thuisplusflat "
                              "on the same chance events.")),
        (tr(lang, "setting"), _one_line(label) or "—"),
    ]
    if other is not None:
        rows.append((tr(lang, "compared with"), tr(
            lang, "option A, the pinned setting (sheet Options A and B); the other sheets "
            "are option B, the setting now")))
    rows += [
        (tr(lang, "runs"), len(outcome.seeds)),
        (tr(lang, "uncertain effects"),
         tr(lang, "drawn in each run; {k} kept at this setting's value",
            k=len(outcome.held)) + (f". {fitted_sentence(outcome, lang)}" if outcome.fitted
                                    else "") if outcome.uncertain else
         tr(lang, "kept at this setting's values (the runs differ by chance only)")),
        (tr(lang, "programme"), tr(lang, "{weeks} weeks from {start}; everyone followed "
                                   "{follow} more years", weeks=p.simulation.weeks,
                                   start=p.simulation.start_date.isoformat(),
                                   follow=p.simulation.follow_up_years)),
        (tr(lang, "complex"), tr(lang, "{n} dwellings", n=p.building.dwellings)),
        (tr(lang, "money"), tr(lang, "€ in constant {prices} prices; present values (PV) "
                               "discounted to {year}", prices=p.costs.price_year,
                               year=p.simulation.start_date.year)),
        (tr(lang, "discounting"), tr(lang, "{rate} a year for euros, {effect} for "
                                     "person-years (scheme {scheme})",
                                     rate=percent(rate, lang, 2), effect=percent(effect, lang, 2),
                                     scheme=p.money.discounting)),
        (tr(lang, "written"), f"{_now():%Y-%m-%d %H:%M %z}"),
        (tr(lang, "thuisplus version"), __version__),
        (tr(lang, "numbers"), tr(lang, "Numbers are stored as numbers: your spreadsheet shows "
                                 "them with its own decimal mark and thousands separator. An "
                                 "empty cell is a figure that is not defined.")),
    ]
    return rows


def _notes(lang: str) -> dict[str, str]:
    return {
        "Key figures": tr(lang, "The numbers above the dashboard's plots: value (a share, "
                          "euros or clients) and as the page shows it."),
        "Options A and B": tr(lang, "Each key figure for option A (pinned) and option B (the "
                              "setting now) and the difference; with the same runs, the "
                              "share of paired runs in which B beats A for society."),
        "Per run": tr(lang, "One row per run (seed): the uncertainties it drew, if any, "
                      "society's net present value (npv), the present values of benefits "
                      "and costs, and each stakeholder's net (€ PV)."),
        "Stakeholders": tr(lang, "Who pays, who gains: per stakeholder the mean present "
                           "value of what it pays and gains, its net and the net's 5-95% "
                           "range over the runs."),
        "Cash flows": tr(lang, "Every yearly flow per run, stakeholder and item, "
                         "undiscounted in constant prices; kind: cost, benefit, transfer "
                         "in or out, or a non-monetary outcome (unit: person-years)."),
        "Care use": tr(lang, "Per run, arm (baseline: without, thuisplus: with the flat) "
                       "and year: the residents' care use, costs per law and wellbeing."),
        "Settings": tr(lang, "Every parameter of the setting: value, model default, whether "
                       "it is changed (changed ones first), unit, range, kind, prior, source "
                       "and description."),
    }


def workbook_bytes(outcome: Outcome, lang: str, other: Outcome | None = None,
                   label: str = "") -> bytes:
    """The business case of ``outcome`` as an ``.xlsx`` workbook (the file's bytes).

    Sheets: a read-me, the key figures (and options A and B when ``other`` is pinned),
    per run, stakeholders, yearly cash flows, yearly care use and the settings.
    """
    stakeholders = outcome.stakeholder_table().rename(columns={
        "pays": "pays (€ PV)", "gains": "gains (€ PV)", "net": "net (€ PV)",
        "net_low": "net, 5% (€ PV)", "net_high": "net, 95% (€ PV)"})
    flows = outcome.flows[["seed", *(c for c in outcome.flows.columns if c != "seed")]]
    sheets = {**_key_figure_sheets(outcome, lang, other), "Per run": _per_run(outcome),
              "Stakeholders": stakeholders, "Cash flows": flows, "Care use": outcome.yearly,
              "Settings": parameter_sheet(outcome.params)}
    name = {k: tr(lang, k) for k in _notes("en")}  # the sheets' names in the language
    with tempfile.TemporaryDirectory(prefix="thuisplus-export-") as folder:
        path = write_workbook(
            Path(folder) / "business-case.xlsx", {name[k]: v for k, v in sheets.items()},
            notes={name[k]: v for k, v in _notes(lang).items()},
            readme=_readme(outcome, lang, other, label),
            title=tr(lang, "Thuisplusflat business case: {label}",
                     label=_one_line(label) or "—"),
            formats={name["Per run"]: dict.fromkeys(_MONEY_PER_RUN, EURO_FORMAT)},
            cents=(name["Settings"],),
            readme_labels=(tr(lang, "Read me"), tr(lang, "Sheet"), tr(lang, "What it holds")))
        return path.read_bytes()


# --- file names ---------------------------------------------------------------------------
def file_name(kind: str, lang: str, when: dt.date | None = None) -> str:
    """A download's name: ``thuisplusflat_<date>_<what>.<ext>``.

    ``kind``: ``settings``, ``report``, ``business-case``, ``results`` (named in ``lang``)
    or a figure's name (a PNG, ``_`` in the name written as ``-``). ``when``: the date
    (default today).
    """
    day = f"{when if when is not None else _now():%Y-%m-%d}"
    if kind in FILE_KINDS:
        en, nl, ext = FILE_KINDS[kind]
        return f"{_FILE_PREFIX}_{day}_{nl if lang == 'nl' else en}.{ext}"
    if not _FIGURE_NAME.fullmatch(kind):
        raise ValueError(f"file_name: kind {kind!r}: allowed: {', '.join(FILE_KINDS)} or a "
                         "figure's name (letters, digits, '_' and '-')")
    return f"{_FILE_PREFIX}_{day}_{kind.replace('_', '-')}.png"
