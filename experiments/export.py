"""Tables for spreadsheets: CSV dialects and Excel workbooks for policy staff (issue 16, 6).

The reports write comma-separated CSVs with a decimal point, which a Dutch-locale Excel
opens as one column (it expects ``;`` between fields and ``,`` as decimal mark). Here:

- :data:`CSV_DIALECTS`: how a CSV is written, by name (:func:`write_csv`);

  ``international`` (the default)
      ``,`` between fields, ``.`` as decimal mark, UTF-8 without a byte-order mark: what
      pandas, R, DuckDB and an English-locale spreadsheet read; byte-identical to
      ``df.to_csv(path, index=False)``, the files the reports always wrote.
  ``international-excel``
      the same with a UTF-8 byte-order mark, so that an English-locale Excel shows € and
      accents (without it Excel reads the file as Windows-1252).
  ``nl``
      ``;`` between fields, ``,`` as decimal mark and the byte-order mark: what a
      Dutch-locale Excel (and a German, French, ... one) opens by double-click. Read back
      with ``pd.read_csv(path, sep=";", decimal=",")`` (or :func:`read_csv`).

  Dates are ISO (``2021-01-04``) in every dialect; no thousands separators.
- :func:`write_workbook`: DataFrames as the sheets of an ``.xlsx`` workbook (openpyxl):
  header row bold and frozen, a filter on it, fitted column widths, numbers stored as
  numbers (never text) and euro amounts with a euro number format. A workbook stores
  numbers without a locale: every Excel shows them with its own separators.
- :func:`business_case_workbook` (``thuisplus business-case``) and
  :func:`experiment_workbook` (``thuisplus run``, the main job, and any experiment): the
  sheets policy staff need, with a *Read me* sheet (what the file is, the run, the money's
  price year and discounting, what each sheet holds) and the *Assumptions* (every
  parameter: value, default, unit, source, description; changed ones first).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import numbers
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas and numpy are imported where used: the CLI imports this module
    import pandas as pd

    from thuisplus.experiments.business_case_report import BusinessCase
    from thuisplus.experiments.psa import PSAResult
    from thuisplus.experiments.spec import Experiment
    from thuisplus.sim.params import Parameters

__all__ = ["CSV_DIALECTS", "DEFAULT_DIALECT", "EURO_CENTS_FORMAT", "EURO_FORMAT",
           "PERCENT_FORMAT", "CsvDialect", "CsvDialectError", "business_case_sheets",
           "business_case_workbook", "csv_dialect", "experiment_sheets", "experiment_workbook",
           "parameter_sheet", "read_csv", "sheet_title", "workbook_path", "write_csv",
           "write_workbook"]


# --- CSV dialects ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: field separator, decimal mark, encoding."""

    name: str
    sep: str
    decimal: str
    encoding: str
    description: str


#: The CSV dialects by name (see the module's docstring).
CSV_DIALECTS: dict[str, CsvDialect] = {d.name: d for d in (
    CsvDialect("international", ",", ".", "utf-8",
               "',' between fields, '.' as decimal mark, UTF-8 (pandas, R, DuckDB; the "
               "default)"),
    CsvDialect("international-excel", ",", ".", "utf-8-sig",
               "',' and '.', UTF-8 with a byte-order mark (an English-locale Excel)"),
    CsvDialect("nl", ";", ",", "utf-8-sig",
               "';' between fields, ',' as decimal mark, UTF-8 with a byte-order mark "
               "(a Dutch-locale Excel)"),
)}
DEFAULT_DIALECT = "international"
#: Words people use for a dialect: only to suggest its name in an error, never accepted.
_DIALECT_ALIASES = {
    "dutch": "nl", "nederlands": "nl", "netherlands": "nl", "nl-nl": "nl", "nl_nl": "nl",
    "semicolon": "nl", "excel-nl": "nl", "european": "nl", "eu": "nl", "de": "nl",
    "german": "nl", "be": "nl", "belgian": "nl",
    "default": "international", "comma": "international", "en": "international",
    "english": "international", "us": "international", "en-us": "international",
    "en-gb": "international", "intl": "international", "csv": "international",
    "excel": "international-excel", "excel-en": "international-excel",
    "international_excel": "international-excel", "bom": "international-excel",
}


class CsvDialectError(ValueError):
    """An unknown CSV dialect name; the message lists the allowed ones and the closest."""

    def __init__(self, value: object):
        self.value = value
        self.suggestion = _closest_dialect(value)
        allowed = ", ".join(CSV_DIALECTS)
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        super().__init__(f"unknown CSV dialect {value!r}; allowed: {allowed}{hint}")


def _closest_dialect(value: object) -> str | None:
    word = str(value).strip().lower()
    if word in CSV_DIALECTS:
        return word
    if word in _DIALECT_ALIASES:
        return _DIALECT_ALIASES[word]
    match = difflib.get_close_matches(word, [*CSV_DIALECTS, *_DIALECT_ALIASES], n=1,
                                      cutoff=0.6)
    return _DIALECT_ALIASES.get(match[0], match[0]) if match else None


def csv_dialect(dialect: str | CsvDialect) -> CsvDialect:
    """The dialect called ``dialect`` (:data:`CSV_DIALECTS`); :class:`CsvDialectError` if none.

    Names are exact: ``"NL "`` or ``"dutch"`` are refused, with the name meant suggested.
    """
    if isinstance(dialect, CsvDialect):
        return dialect
    if isinstance(dialect, str) and dialect in CSV_DIALECTS:
        return CSV_DIALECTS[dialect]
    raise CsvDialectError(dialect)


def write_csv(df: pd.DataFrame, path: str | Path, dialect: str | CsvDialect = DEFAULT_DIALECT,
              *, index: bool = False) -> Path:
    """Write ``df`` as a CSV in ``dialect``; return the path.

    The default is byte-identical to ``df.to_csv(path, index=False)``.
    """
    d = csv_dialect(dialect)
    path = Path(path)
    if d.name == DEFAULT_DIALECT:
        df.to_csv(path, index=index)
    else:
        df.to_csv(path, index=index, sep=d.sep, decimal=d.decimal, encoding=d.encoding)
    return path


def read_csv(path: str | Path, dialect: str | CsvDialect = DEFAULT_DIALECT,
             **kwargs: Any) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv` in ``dialect`` (``kwargs`` to pandas)."""
    import pandas as pd

    d = csv_dialect(dialect)
    return pd.read_csv(path, sep=d.sep, decimal=d.decimal, encoding=d.encoding, **kwargs)


# --- workbooks -------------------------------------------------------------------------------
#: Whole euros (results: present values, yearly amounts) ...
EURO_FORMAT = '"€" #,##0;"€" -#,##0'
#: ... and euros with cents (prices: the assumptions' € per hour).
EURO_CENTS_FORMAT = '"€" #,##0.00;"€" -#,##0.00'
#: Probabilities and shares (0.42 shows as 42%).
PERCENT_FORMAT = "0%"
README = "Read me"
_WRAP_WIDTH = 80
_MAX_CELL = 32_767  # Excel's limit on a cell's text
_BAD_SHEET_CHARS = str.maketrans({c: "-" for c in "[]:*?/\\"})


def _is_euro(text: object) -> bool:
    return isinstance(text, str) and "€" in text


def _is_percent(header: str) -> bool:
    h = header.strip().lower()
    return h.startswith(("p(", "probability", "share"))


def _cell(v: Any) -> Any:
    """A value openpyxl stores as itself: numbers as numbers, NaN and ∞ as empty cells."""
    import numpy as np
    import pandas as pd

    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        x = float(v)
        return x if math.isfinite(x) else None
    if isinstance(v, pd.Timestamp):
        v = v.tz_convert(None) if v.tzinfo is not None else v
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        v = v.replace(tzinfo=None) if v.tzinfo is not None else v
        return v.date() if v.time() == dt.time() else v
    if isinstance(v, dt.date):
        return v
    if isinstance(v, list | tuple | set):
        v = ", ".join(str(x) for x in v)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(v))[:_MAX_CELL]


def _shown(v: Any, fmt: str | None) -> str:
    """About what a cell shows, to fit its column's width."""
    if isinstance(v, bool):
        return "FALSE"
    if isinstance(v, float):
        if fmt in (EURO_FORMAT, EURO_CENTS_FORMAT):
            return f"€ -{abs(v):,.{2 if fmt == EURO_CENTS_FORMAT else 0}f}"
        if fmt == PERCENT_FORMAT:
            return f"{100 * v:.0f}%"
        return f"{v:.10g}"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    return "" if v is None else str(v)


def sheet_title(name: str, taken: Sequence[str] = ()) -> str:
    """``name`` as a valid sheet name: ≤ 31 characters, no ``[]:*?/`` or backslash, unique."""
    base = str(name).translate(_BAD_SHEET_CHARS).strip().strip("'") or "Sheet"
    used = {t.lower() for t in taken}
    title, k = base[:31], 1
    while title.lower() in used:
        k += 1
        tail = f" ({k})"
        title = base[:31 - len(tail)] + tail
    return title


def _table(ws: Any, df: pd.DataFrame, formats: Mapping[str, str], euro: str) -> None:
    """``df`` into the empty sheet ``ws`` with a bold, frozen, filtered header."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    headers = [str(c) for c in df.columns]
    bold = Font(bold=True)
    widths = [len(h) + 3 for h in headers]  # room for the filter's button
    for j, h in enumerate(headers, start=1):
        ws.cell(row=1, column=j, value=h).font = bold
    units = (df["unit"].tolist() if "unit" in df.columns and df["unit"].ndim == 1
             else [None] * len(df))
    columns = [df.iloc[:, j].tolist() for j in range(df.shape[1])]
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, (h, values) in enumerate(zip(headers, columns, strict=True), start=1):
        fixed = formats.get(h)
        if fixed is None and _is_euro(h):
            fixed = euro
        elif fixed is None and _is_percent(h):
            fixed = PERCENT_FORMAT
        for i, raw in enumerate(values, start=2):
            v = _cell(raw)
            c = ws.cell(row=i, column=j, value=v)
            fmt = None
            if isinstance(v, str):
                if v.startswith("="):
                    c.data_type = "s"  # text, not a formula
                if len(v) > _WRAP_WIDTH:
                    c.alignment = wrap
            elif isinstance(v, int | float) and not isinstance(v, bool):
                fmt = fixed
                if fmt is None and isinstance(v, float) and _is_euro(units[i - 2]):
                    fmt = euro
                if fmt is not None:
                    c.number_format = fmt
            widths[j - 1] = max(widths[j - 1], len(_shown(v, fmt)) + 2)
    for j, w in enumerate(widths, start=1):  # long text wraps at _WRAP_WIDTH
        ws.column_dimensions[get_column_letter(j)].width = min(max(w, 6), _WRAP_WIDTH)
    ws.freeze_panes = "A2"
    if len(headers):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(df) + 1, 1)}"


def _readme(ws: Any, title: str | None, readme: Sequence[tuple[str, Any]],
            notes: Sequence[tuple[str, str]], headers: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    if title:
        ws.cell(row=row, column=1, value=_cell(title)).font = Font(bold=True, size=14)
        row += 2
    for key, value in readme:
        ws.cell(row=row, column=1, value=_cell(key)).font = bold
        c = ws.cell(row=row, column=2, value=_cell(value))
        c.alignment = wrap
        row += 1
    if notes:
        row += 1
        ws.cell(row=row, column=1, value=headers[0]).font = bold
        ws.cell(row=row, column=2, value=headers[1]).font = bold
        for name, note in notes:
            row += 1
            ws.cell(row=row, column=1, value=_cell(name))
            ws.cell(row=row, column=2, value=_cell(note)).alignment = wrap
    keys = [len(str(k)) for k, _ in readme] + [len(n) for n, _ in notes] + [12]
    ws.column_dimensions["A"].width = min(max(keys) + 2, 40)
    ws.column_dimensions["B"].width = 100


def write_workbook(path: str | Path, sheets: Mapping[str, pd.DataFrame], *,
                   notes: Mapping[str, str] | None = None,
                   readme: Sequence[tuple[str, Any]] | None = None,
                   title: str | None = None,
                   formats: Mapping[str, Mapping[str, str]] | None = None,
                   cents: Collection[str] = (),
                   readme_labels: Sequence[str] = (README, "Sheet", "What it holds")) -> Path:
    """Write each DataFrame of ``sheets`` as one sheet of the workbook ``path`` (.xlsx).

    Sheet names are made valid (≤ 31 characters, :func:`sheet_title`). Each sheet: the
    header row bold, frozen and with a filter; column widths fitted (long text wrapped);
    numbers stored as numbers, NaN and ∞ as empty cells. Number formats, per cell: the
    column's in ``formats[sheet][column]`` if given, else a euro format when the column's
    header names "€", a percentage when it starts with "P(", "probability" or "share", or
    a euro format for a fractional number in a row whose ``unit`` column names "€". Euros
    are whole (:data:`EURO_FORMAT`) but in the sheets named in ``cents`` (prices,
    :data:`EURO_CENTS_FORMAT`); a cell keeps its full value either way. With ``title``,
    ``readme`` (rows of (what, value)) or ``notes`` (sheet name → what it holds), a first
    sheet "Read me" shows them, one line per sheet (``readme_labels``: that sheet's name
    and the headers of its list of sheets, for a workbook in another language).
    """
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path}: a workbook's file name must end in .xlsx")
    formats = formats or {}
    notes = dict(notes or {})
    wb = Workbook()
    wb.remove(wb.active)
    taken: list[str] = []
    with_readme = bool(title or readme or notes)
    if with_readme:
        taken.append(readme_labels[0])
        front = wb.create_sheet(readme_labels[0])
    listed: list[tuple[str, str]] = []
    for name, df in sheets.items():
        t = sheet_title(name, taken)
        taken.append(t)
        _table(wb.create_sheet(t), df, formats.get(name, formats.get(t, {})),
               EURO_CENTS_FORMAT if name in cents else EURO_FORMAT)
        listed.append((t, notes.get(name, "")))
    if with_readme:
        _readme(front, title, list(readme or ()), listed, readme_labels[1:])
    wb.properties.creator = f"thuisplus {_version()}"
    if title:
        wb.properties.title = title
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def workbook_path(xlsx: str | Path | bool | None, default: Path) -> Path | None:
    """Where to write a workbook: None for ``None``/``False``, ``default`` for ``True``.

    A folder gives ``default``'s file name in it; another path must end in ``.xlsx``.
    """
    if xlsx is None or xlsx is False:
        return None
    if xlsx is True:
        return Path(default)
    path = Path(xlsx)
    if path.is_dir():
        return path / Path(default).name
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path}: a workbook's file name must end in .xlsx")
    return path


# --- what policy staff need ------------------------------------------------------------------
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("thuisplus")
    except PackageNotFoundError:
        return "unknown"


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _value(v: Any) -> Any:
    """A parameter's value for a sheet: numbers, booleans and dates as themselves."""
    if isinstance(v, bool | int | float | dt.date | str) or v is None:
        return v
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v)
    return str(v)


def parameter_sheet(params: Parameters, defaults: Parameters | None = None) -> pd.DataFrame:
    """Every parameter (:func:`~thuisplus.sim.params.parameter_table`): changed ones first.

    Columns: parameter (the dotted key), value, default, changed (from ``defaults``, the
    model's defaults if not given), unit, range, kind, prior, source, description.
    """
    import pandas as pd

    from thuisplus.sim.params import Parameters, parameter_table

    defaults = defaults if defaults is not None else Parameters()
    rows = []
    for r in parameter_table(params):
        value, default = params.get(r["key"]), defaults.get(r["key"])
        rows.append({"parameter": r["key"], "value": _value(value),
                     "default": _value(default), "changed": bool(value != default),
                     "unit": r["unit"], "range": r["range"], "kind": r["kind"],
                     "prior": r["prior"], "source": r["source"],
                     "description": r["description"]})
    df = pd.DataFrame(rows, dtype=object)
    changed = df["changed"].astype(bool)
    return pd.concat([df[changed], df[~changed]], ignore_index=True)


def _money_rows(params: Parameters) -> list[tuple[str, Any]]:
    from thuisplus.sim.business_case import discount_rates

    m = params.money
    rate, effect = discount_rates(params)
    return [
        ("money", f"€ in constant {params.costs.price_year} prices (CBS consumer price "
                  f"index); present values (PV) discounted to "
                  f"{params.simulation.start_date.year}"),
        ("price year", params.costs.price_year),
        ("discounting", f"'{m.discounting}': {rate:.2%} a year for euros, {effect:.2%} for "
                        "person-years"),
        ("discount rate (euros)", rate),
        ("discount rate (person-years)", effect),
        ("freed nursing-home places", f"the headline values them in the '{m.nursing_home_view}'"
                                      " view (budget: the care office saves the day's price; "
                                      "capacity: the place is refilled from the waiting list "
                                      "and the care office saves that person's bridging "
                                      "care)"),
    ]


_COMMON_NOTES = {
    "Assumptions": "Every parameter of the run: its value, the model's default, whether "
                   "the run changed it (changed ones first), unit, allowed range, kind "
                   "(constant, lever, uncertainty, calibrated), prior, source and "
                   "description.",
}
_LOCALE_NOTE = ("Numbers are stored as numbers: your spreadsheet shows them with its own "
                "decimal mark and thousands separator. An empty cell is a figure that is "
                "not defined (e.g. a ratio with nothing to divide by).")


def _net_signed(cash: pd.DataFrame) -> pd.Series:
    sign = cash["kind"].map({"benefit": 1.0, "transfer_in": 1.0, "cost": -1.0,
                             "transfer_out": -1.0}).fillna(0.0)
    return cash["amount"] * sign


def business_case_sheets(bc: BusinessCase) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The business case's sheets (name → table) and what each holds."""
    import pandas as pd

    from thuisplus.experiments.business_case_report import provider_table
    from thuisplus.sim.business_case import STAKEHOLDERS

    st = bc.stakeholders()
    rows = []
    for s in STAKEHOLDERS:
        sub = st[st["stakeholder"] == s].set_index("measure")
        rows.append({"stakeholder": s.replace("_", " "), "pays (€ PV)": sub.loc["pays", "mean"],
                     "gains (€ PV)": sub.loc["gains", "mean"],
                     "net (€ PV)": sub.loc["net", "mean"],
                     "net, 5% (€ PV)": sub.loc["net", "p5"],
                     "net, 95% (€ PV)": sub.loc["net", "p95"]})
    soc = st[st["stakeholder"] == "society"].set_index("measure")
    rows.append({"stakeholder": "society (total)", "pays (€ PV)": soc.loc["pv_costs", "mean"],
                 "gains (€ PV)": soc.loc["pv_benefits", "mean"],
                 "net (€ PV)": soc.loc["npv", "mean"], "net, 5% (€ PV)": soc.loc["npv", "p5"],
                 "net, 95% (€ PV)": soc.loc["npv", "p95"]})
    stakeholders = pd.DataFrame(rows)
    ratio = soc.loc["benefit_cost_ratio"]
    outcomes = (st[st["stakeholder"] == "residents and carers"]
                .rename(columns={"measure": "outcome", "p5": "5%", "p95": "95%"})
                .assign(unit="person-years, discounted")
                [["outcome", "unit", "mean", "5%", "95%"]].reset_index(drop=True))
    outcomes = pd.concat([outcomes, pd.DataFrame([{
        "outcome": "society: benefit-cost ratio", "unit": "ratio", "mean": ratio["mean"],
        "5%": ratio["p5"], "95%": ratio["p95"]}])], ignore_index=True)
    views = pd.DataFrame([{"view": v, "headline": v == bc.view, "society NPV (€ PV)": r["npv"],
                           "benefit-cost ratio": r["benefit_cost_ratio"],
                           "care office net (€ PV)": r["net_care_office"]}
                          for v, r in bc.views().items()])
    cash = bc.cashflows()
    n = len(bc.seeds)
    keys = ["stakeholder", "item", "kind", "unit"]
    wide = (cash.groupby([*keys, "year"], sort=False)["amount"].sum().div(n)
            .unstack("year", fill_value=0.0).reset_index())  # no flow that year: 0
    years = [c for c in wide.columns if c not in keys]
    wide = wide[[*keys, *sorted(years)]]
    wide.insert(len(keys), "total", wide[sorted(years)].sum(axis=1))
    wide["stakeholder"] = wide["stakeholder"].str.replace("_", " ")
    wide.columns = [str(c) for c in wide.columns]
    money = cash[cash["unit"] == "€"].assign(net=lambda d: _net_signed(d))
    per_year = (money.groupby(["year", "stakeholder"])["net"].sum().div(n)
                .unstack("stakeholder").reindex(columns=list(STAKEHOLDERS)).fillna(0.0))
    per_year.columns = [f"{s.replace('_', ' ')} (€)" for s in per_year.columns]
    per_year["society (€)"] = per_year.sum(axis=1)
    per_year = per_year.reset_index()
    cum = bc.cumulative().set_index("year")
    per_year["society, cumulative PV (€)"] = per_year["year"].map(cum["mean"])
    per_year["cumulative PV, 5% (€)"] = per_year["year"].map(cum["p5"])
    per_year["cumulative PV, 95% (€)"] = per_year["year"].map(cum["p95"])
    provider = provider_table(bc.params).rename(columns={
        "income": "income (€ a year)", "team_cost": "team cost (€ a year)",
        "ehealth_cost": "eHealth cost (€ a year)", "profit": "result (€ a year)",
        "clients": "Wmo clients"})
    sheets = {"Stakeholders": stakeholders, "Outcomes": outcomes,
              "Nursing-home views": views, "Cash flows": wide, "Net per year": per_year,
              "Provider books": provider, "Assumptions": parameter_sheet(bc.params)}
    reps = f"the {n} replications"
    notes = {
        "Stakeholders": f"Who pays, who gains: per stakeholder the present value (PV) of what "
                        f"it pays (costs, transfers out) and gains (benefits, transfers in) "
                        f"and its net = gains − pays, mean over {reps}, with the 5–95% of "
                        "the net over them. The stakeholders' nets add up to society's "
                        "(last row): transfers cancel out.",
        "Outcomes": f"Non-monetary outcomes (mean and 5–95% over {reps}; not converted to "
                    "euros) and society's benefit-cost ratio.",
        "Nursing-home views": "The two ways to value a freed nursing-home place side by "
                              "side (budget, capacity); 'headline' marks the one used in "
                              "the other sheets.",
        "Cash flows": f"Every flow per stakeholder and item (avoided care per law: Wmo, "
                      f"Zvw, Wlz), per year: undiscounted, constant prices, mean over "
                      f"{reps}; 'kind': cost, benefit, transfer in or out, or a "
                      "non-monetary outcome (unit: person-years).",
        "Net per year": f"Per year each stakeholder's net (gains − pays, undiscounted, mean "
                        f"over {reps}), society's (their sum) and society's cumulative "
                        "discounted net (mean and 5–95%).",
        "Provider books": "The preferred provider's Thuisplusflat books at 0–150 Wmo clients, "
                          "per year and funding form (per client, lump sum): the contract's "
                          f"nominal money at {bc.params.money.contract_year} prices, not the "
                          "business case's constant prices.",
        **_COMMON_NOTES,
    }
    return sheets, notes


def business_case_workbook(bc: BusinessCase, path: str | Path, *,
                           title: str = "custom parameters") -> Path:
    """Write the business case ``bc`` as a workbook for policy staff; return its path.

    ``title``: the preset or parameters it ran (as the report's title).
    """
    p = bc.params
    seeds = ", ".join(str(s) for s in bc.seeds[:20]) + (" …" if len(bc.seeds) > 20 else "")
    readme: list[tuple[str, Any]] = [
        ("what", "The social business case (MKBA) of a Thuisplusflat: who pays and who "
                 "gains, per stakeholder, from paired simulations of one complex without "
                 "and with the Thuisplusflat on the same random numbers "
                 "(`thuisplus business-case`)."),
        ("parameters", title),
        ("replications", len(bc.seeds)),
        ("seeds of the replications", seeds),
        ("programme", f"{p.simulation.weeks} weeks from {p.simulation.start_date}, every "
                      f"person followed {p.simulation.follow_up_years} more years"),
        ("complex", f"{p.building.dwellings} dwellings"),
        *_money_rows(p),
        ("written", _now()),
        ("thuisplus version", _version()),
        ("numbers", _LOCALE_NOTE),
    ]
    sheets, notes = business_case_sheets(bc)
    return write_workbook(path, sheets, notes=notes, readme=readme,
                          title=f"Thuisplusflat social business case — {title}",
                          cents=("Assumptions",))


_YEARLY_NAMES = {"avoided_total": "avoided, all laws (€)",
                 "cumulative_net": "society, cumulative net PV (€)"}


def _yearly_name(col: str) -> str:
    if col in _YEARLY_NAMES:
        return _YEARLY_NAMES[col]
    what, law, *arm = col.split("_")
    law = law.capitalize()
    if what == "avoided":
        return f"avoided {law} (€)"
    return f"{law} cost, {'Thuisplusflat' if arm == ['thuisplus'] else 'baseline'} (€)"


def _outcome_unit(outcome: str) -> str:
    from thuisplus.sim.outcomes import OUTCOMES

    text = OUTCOMES.get(outcome, "")
    if text.startswith("€ PV") or outcome.startswith(("npv", "net_", "pays_", "gains_",
                                                        "pv_")):
        return "€ PV"
    if text.startswith("€"):
        return "€"
    return "ratio" if text.startswith("ratio") else ""


def experiment_sheets(exp: Experiment, runs: pd.DataFrame, *,
                      headline: pd.DataFrame | None = None,
                      yearly: pd.DataFrame | None = None,
                      summary: pd.DataFrame | None = None,
                      psa: PSAResult | None = None,
                      sensitivity: pd.DataFrame | None = None,
                      ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """An experiment's sheets (name → table) and what each holds (:func:`experiment_workbook`)."""
    import numpy as np
    import pandas as pd

    from thuisplus.experiments.psa import CITY_FLATS, HEADLINE_OUTCOMES, NOTHING, eur
    from thuisplus.sim.business_case import STAKEHOLDERS
    from thuisplus.sim.outcomes import OUTCOMES

    sheets: dict[str, pd.DataFrame] = {}
    notes: dict[str, str] = {}
    if psa is not None:
        s = psa.summary
        share = s["var_parameters"] / (s["var_parameters"] + s["var_stochastic"])
        sheets["PSA"] = pd.DataFrame({
            "option": s["option"],
            "outcome": [HEADLINE_OUTCOMES.get(o, o) for o in s["outcome"]],
            "unit": ["€ PV" if "€" in HEADLINE_OUTCOMES.get(o, "") else "" for o in s["outcome"]],
            "mean": s["mean"], "5%": s["p05"], "95%": s["p95"], "P(> 0)": s["p_positive"],
            "share of the variance: what we do not know": share.where(np.isfinite(share)),
            "code": s["outcome"]})
        main = psa.options[0]
        npv = s[(s["option"] == main) & (s["outcome"] == "npv")]
        pays = (f" For the first option ({main}) the chance that the Thuisplusflat pays off "
                f"for society (P(> 0) of its society NPV) is {npv['p_positive'].iloc[0]:.0%}."
                if len(npv) else "")
        notes["PSA"] = (f"How sure are we? Per option and outcome over {psa.draws} draws of "
                        f"the uncertainties × {psa.replications} seed(s), each run one "
                        "possible complex: mean, 5–95%, P(> 0) = the chance the figure is "
                        "positive (for a stakeholder: it gains), and the share of the "
                        "variance due to what we do not know (the rest is chance)." + pays)
        d = psa.decision
        sheets["PSA decision"] = pd.DataFrame({
            "option": d["option"], "expected society NPV (€ PV)": d["expected"],
            "P(best option)": d["p_best"],
            "P(NPV > 0)": d["p_positive"].where(d["option"] != NOTHING)})
        notes["PSA decision"] = ("Per option and doing nothing: the expected society NPV, the "
                                 "chance it is the best of the options and the chance it pays "
                                 "off (NPV > 0).")
        if not psa.ceac.empty:
            cols = {"wtp": "value of a severely lonely person-year avoided (€)"}
            cols.update({c: f"P({c} best)" for c in [*psa.options, NOTHING]})
            cols.update({f"P({o} > 0)": f"P({o}: net benefit > 0)" for o in psa.options})
            sheets["PSA acceptability"] = psa.ceac.rename(columns=cols)
            notes["PSA acceptability"] = ("The acceptability curve: at each value of a "
                                          "severely lonely person-year avoided, the chance "
                                          "that each option (or nothing) has the highest net "
                                          "benefit.")
        if not psa.voi.empty:
            v = psa.voi
            sheets["Value of information"] = pd.DataFrame({
                "uncertainty": v["name"], "kind": v["kind"],
                "EVPPI per complex (€)": v["evppi"], "noise floor (€)": v["floor"],
                "resolved": v["resolved"].astype(bool),
                f"for the city's {CITY_FLATS} flats (€)": v["city"],
                "share of EVPI": v["share_of_evpi"]})
            notes["Value of information"] = (
                f"Which evidence gap is worth closing first: the expected value of knowing "
                f"a group of uncertainties (or one) before choosing (EVPPI), per complex and "
                f"for the city's {CITY_FLATS} flats; 'resolved': above its noise floor. "
                f"Knowing everything (EVPI) is worth {eur(psa.evpi)} per complex.")
    if headline is not None and not headline.empty:
        h = headline.rename(columns={"ci_low": "90% CI, low", "ci_high": "90% CI, high",
                                     "p5": "5%", "p95": "95%", "over": "figures span"})
        sheets["Headline"] = h[[c for c in ("scenario", "measure", "unit", "mean",
                                            "90% CI, low", "90% CI, high", "5%", "95%", "n",
                                            "figures span", "outcome") if c in h.columns]]
        notes["Headline"] = ("The headline per scenario: avoided care per law, society's net "
                             "present value and benefit-cost ratio, per stakeholder, both "
                             "nursing-home views, clients and non-monetary outcomes; "
                             "'figures span' says over what the mean and intervals are "
                             "(replications, design points, or parameter draws and seeds).")
    if not runs.empty and all(f"net_{s}" in runs for s in STAKEHOLDERS):
        rows = []
        for scenario, g in runs.groupby("scenario", sort=False):
            for s in (*STAKEHOLDERS, None):
                net = g[f"net_{s}"] if s else g["npv"]
                rows.append({
                    "scenario": scenario,
                    "stakeholder": s.replace("_", " ") if s else "society (total)",
                    "pays (€ PV)": g[f"pays_{s}" if s else "pv_costs"].mean(),
                    "gains (€ PV)": g[f"gains_{s}" if s else "pv_benefits"].mean(),
                    "net (€ PV)": net.mean(), "net, 5% (€ PV)": net.quantile(0.05),
                    "net, 95% (€ PV)": net.quantile(0.95), "P(net > 0)": (net > 0).mean()})
        sheets["Stakeholders"] = pd.DataFrame(rows)
        notes["Stakeholders"] = ("Who pays, who gains, per scenario: the mean present value of "
                                 "what each stakeholder pays and gains and its net (5–95% "
                                 "and the share of runs with a positive net over all runs). "
                                 "The stakeholders' nets add up to society's (transfers "
                                 "cancel out).")
    if yearly is not None and not yearly.empty:
        cols = [c for c in yearly.columns if c.startswith(("avoided_", "cost_"))
                or c == "cumulative_net"]
        y = yearly.groupby(["scenario", "year"], sort=False)[cols].mean().reset_index()
        sheets["Cash flows"] = y.rename(columns={c: _yearly_name(c) for c in cols})
        notes["Cash flows"] = ("Per scenario and year, mean over the runs: the care costs per "
                               "law (Wmo, Zvw, Wlz) without (baseline) and with the "
                               "Thuisplusflat and the avoided care (baseline − Thuisplusflat), "
                               "undiscounted in constant prices, and society's cumulative "
                               "discounted net.")
    if sensitivity is not None and not sensitivity.empty:
        sheets["Sensitivity"] = sensitivity
        notes["Sensitivity"] = (f"{exp.spec.design.method.capitalize()} sensitivity indices "
                                "per scenario, outcome and parameter.")
    if summary is not None and not summary.empty:
        s = summary.copy()
        at = list(s.columns).index("outcome") + 1
        s.insert(at, "description", [OUTCOMES.get(o, "") for o in s["outcome"]])
        s.insert(at + 1, "unit", [_outcome_unit(o) for o in s["outcome"]])
        sheets["All outcomes"] = s.rename(columns={"over": "figures span"})
        notes["All outcomes"] = ("Every outcome per scenario (and design point where it has "
                                 "replications): n, mean, sd, 90% CI of the mean, 5% and 95% "
                                 "(tables/summary.csv).")
    changes = [{"scenario": name, "parameter": k, "value": _value(v)}
               for name, over in exp.scenarios.items() for k, v in over.items()]
    if exp.design_keys:
        from thuisplus.sim.params import declared_prior

        def drawn(key: str) -> Any:
            try:
                return declared_prior(key) if exp.spec.design.method == "prior" else None
            except KeyError:  # not a parameter of the tree (another model's input)
                return None

        for k in exp.design_keys:
            p = drawn(k)
            changes.append({"scenario": "(design)", "parameter": k,
                            "value": f"drawn from {p.text()}" if p is not None else
                            f"varied by the design ({exp.spec.design.method})"})
    if changes:
        sheets["Scenarios"] = pd.DataFrame(changes)
        notes["Scenarios"] = ("What each scenario (option) changes on top of the run's "
                              "parameters, and the parameters the design varies (a "
                              "probabilistic analysis draws them from their prior).")
    if exp.base_params is not None:
        sheets["Assumptions"] = parameter_sheet(exp.base_params)
        notes["Assumptions"] = _COMMON_NOTES["Assumptions"] + (
            " In a probabilistic analysis the uncertainties (kind 'uncertainty', and "
            "'calibrated' ones from a posterior) are drawn from their prior per draw; the "
            "value is the point value." if exp.spec.design.method == "prior" else "")
    return sheets, notes


def experiment_workbook(path: str | Path, exp: Experiment, manifest: Mapping[str, Any],
                        runs: pd.DataFrame, *, headline: pd.DataFrame | None = None,
                        yearly: pd.DataFrame | None = None,
                        summary: pd.DataFrame | None = None,
                        psa: PSAResult | None = None,
                        sensitivity: pd.DataFrame | None = None) -> Path:
    """Write an experiment's results (the main job: its PSA) as a workbook; return its path.

    ``exp``, ``manifest`` and ``runs`` as :func:`thuisplus.experiments.report.write_report`
    reads them; the tables it computed: ``headline``, ``yearly`` (the runs × years),
    ``summary`` (every outcome), ``psa`` (:class:`~thuisplus.experiments.psa.PSAResult`)
    and ``sensitivity`` (indices). A sheet whose table is missing or empty is left out.
    """
    from thuisplus.experiments.report import interval_note

    spec = exp.spec
    counts = manifest.get("counts", {})
    code = manifest.get("code", {})
    main = spec.name == "main" and spec.design.method == "prior"
    what = ("The main job (`thuisplus run`)" if main else f"The experiment `{spec.name}`")
    readme: list[tuple[str, Any]] = [
        ("what", what + (f": {spec.description}" if spec.description else "") + "."
         + (" Each run is a pair: the complex without and with the Thuisplusflat on the "
            "same random numbers; avoided care = baseline − Thuisplusflat."
            if exp.is_thuisplus else f" The model: {spec.model}.")),
        ("experiment", spec.name),
        ("preset", spec.preset or "—"),
        ("parameter file", spec.params or "—"),
        ("scenarios (options)", ", ".join(exp.scenarios)),
        ("design", spec.design.method + (f", {len(exp.points)} draws of the uncertainties"
                                         if spec.design.method == "prior" else
                                         f", {len(exp.points)} design point(s)")),
        ("replications (seeds) per point", spec.replications),
        ("seed", spec.seed),
        ("runs", f"{counts.get('done', len(runs))} of {counts.get('runs', '?')} finished"
                 + (f", {counts['failed']} failed" if counts.get("failed") else "")),
        ("intervals", interval_note(spec.design.method, len(exp.points), spec.replications)
         .replace("*", "")),  # markdown emphasis
    ]
    if exp.base_params is not None:
        p = exp.base_params
        readme.append(("programme", f"{spec.weeks or p.simulation.weeks} weeks from "
                                    f"{p.simulation.start_date}, every person followed "
                                    f"{p.simulation.follow_up_years} more years"))
        readme.append(("complex", f"{p.building.dwellings} dwellings"))
        readme += _money_rows(p)
    elif spec.weeks is not None:
        readme.append(("programme", f"{spec.weeks} weeks"))
    if psa is not None:
        npv = psa.summary[(psa.summary["option"] == psa.options[0])
                          & (psa.summary["outcome"] == "npv")]
        if len(npv):
            readme.append(("chance it pays off", f"{npv['p_positive'].iloc[0]:.0%}: the "
                           f"chance that the Thuisplusflat ({psa.options[0]}) pays off for "
                           "society, for one complex (sheet PSA)"))
    readme += [
        ("results updated", manifest.get("updated", "?")),
        ("code of the runs", code.get("package", "?")
         + (f" at {code['commit'][:10]}" if code.get("commit") else "")
         + (" (with local changes)" if code.get("dirty") else "")),
        ("written", _now()),
        ("thuisplus version", _version()),
        ("numbers", _LOCALE_NOTE),
    ]
    if runs.empty:
        readme.insert(1, ("results", "No finished runs yet."))
    sheets, notes = experiment_sheets(exp, runs, headline=headline, yearly=yearly,
                                      summary=summary, psa=psa, sensitivity=sensitivity)
    name = "main job" if main else f"experiment {spec.name}"
    return write_workbook(path, sheets, notes=notes, readme=readme,
                          title=f"Thuisplusflat — {name}", cents=("Assumptions",))
