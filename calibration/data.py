"""Evaluation data: a tidy CSV of observed indicators, validated on load.

The evaluation file has one observation per line::

    indicator,date,complex,value,lower,upper,n,source
    wmo_clients_preferred,2023-01-01,complex_1,40,30,50,,EVAL §3: about 40 Wmo clients ...

- ``indicator``: a key of :data:`thuisplus.calibration.indicators.INDICATORS`;
- ``date``: ``YYYY-MM-DD``; a stock is read in the week containing it, a rate or share
  over the 52 weeks starting with that week;
- ``complex``: a complex of the complex table, or empty / ``all``: a figure that holds for
  every complex, compared with the mean of the simulated complexes (stored as ``all``);
- ``value``: the observed number (in the indicator's unit);
- ``lower``, ``upper``: a 90% interval around an approximate value (both or neither);
  empty for a value taken exactly as its source states it;
- ``n``: optional number of units behind the figure (residents, carers, ...); used for the
  standard deviation of a share without an interval;
- ``source``: where the figure comes from (required).

The optional complex table has one complex per line: ``complex, dwellings,
residents_with_wmo_indication, start_date`` (the third may be empty: not known).

The standard deviation a distance uses for each observation, column ``sigma``:

1. with an interval: ``(upper - lower) / (2 × 1.645)`` (the interval read as 90%);
2. otherwise, a share with ``n``: the binomial ``sqrt(value × (1 - value) / n)``;
3. otherwise: ``DEFAULT_RELATIVE_SIGMA × |value|`` (10%);

and never below the indicator's ``min_sigma``. Column ``exact`` is true for rows without
an interval.

Every problem is a :class:`DataError` naming the file, the line (as in the file; the header
is line 1) and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from thuisplus.calibration.indicators import INDICATORS, did_you_mean, get_indicator
from thuisplus.sim.params import BuildingParams

__all__ = [
    "ALL",
    "COMPLEX_COLUMNS",
    "DATA_DIR",
    "DEFAULT_RELATIVE_SIGMA",
    "EVALUATION_COLUMNS",
    "SHIPPED_COMPLEXES",
    "SHIPPED_EVALUATION",
    "Z90",
    "DataError",
    "EvaluationData",
    "derive_sigma",
    "load_complexes",
    "load_evaluation",
    "load_shipped",
]

EVALUATION_COLUMNS: tuple[str, ...] = (
    "indicator", "date", "complex", "value", "lower", "upper", "n", "source")
COMPLEX_COLUMNS: tuple[str, ...] = (
    "complex", "dwellings", "residents_with_wmo_indication", "start_date")
ALL = "all"  # the complex label of a figure that holds for every complex
Z90 = 1.6448536269514722  # standard normal quantile of 95%: a 90% interval is ±Z90 sigma
DEFAULT_RELATIVE_SIGMA = 0.10  # sigma of an exact value without n, relative to the value
DATA_DIR = Path(__file__).parent / "data"
SHIPPED_EVALUATION = DATA_DIR / "evaluation.csv"
SHIPPED_COMPLEXES = DATA_DIR / "complexes.csv"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_Fail = Callable[[str], "DataError"]  # builds the located error for a reason


class DataError(ValueError):
    """A problem in an evaluation or complex file, located by file, line and column.

    Attributes:
        path: the file.
        line: line number as in the file (header = 1), or None for the whole file.
        column: the column name(s), or None.
        reason: the problem, without the location.

    """

    def __init__(self, path: Path | str, reason: str, line: int | None = None,
                 column: str | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.reason = reason
        where = str(self.path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class EvaluationData:
    """Validated evaluation data.

    Attributes:
        observations: one row per observation, columns ``indicator`` (str), ``date``
            (Timestamp), ``complex`` (str; ``"all"`` for every complex), ``value``,
            ``lower``, ``upper`` (float; NaN when empty), ``n`` (Int64, <NA> when empty),
            ``source`` (str), ``kind``, ``unit`` (str, from the indicator), ``sigma``
            (float, the standard deviation the distance uses), ``exact`` (bool: no interval
            given) and ``line`` (int, the row's line in the file).
        complexes: the complex table (columns ``complex``, ``dwellings`` (int),
            ``residents_with_wmo_indication`` (Int64), ``start_date`` (Timestamp), ``line``
            (int)) or None.
        path: the evaluation file.
        complexes_path: the complex file, or None.

    """

    observations: pd.DataFrame
    complexes: pd.DataFrame | None
    path: Path
    complexes_path: Path | None = None

    @property
    def indicators(self) -> list[str]:
        """The indicators observed, in order of first appearance."""
        return list(dict.fromkeys(self.observations["indicator"]))

    @property
    def complex_names(self) -> list[str]:
        """Complexes of the complex table, or else those named in the observations."""
        if self.complexes is not None:
            return list(self.complexes["complex"])
        return [c for c in dict.fromkeys(self.observations["complex"]) if c != ALL]


def derive_sigma(indicator: str, value: float, lower: float | None = None,
                 upper: float | None = None, n: int | None = None) -> float:
    """Standard deviation of an observation (the rule in the module docstring).

    Args:
        indicator: a registered indicator (its kind and ``min_sigma`` are used).
        value: the observed value.
        lower: lower end of a 90% interval, or None / NaN.
        upper: upper end of a 90% interval, or None / NaN.
        n: units behind the figure, or None; used for shares without an interval.

    Returns:
        The standard deviation, at least the indicator's ``min_sigma``.

    """
    ind = get_indicator(indicator)
    if _given(lower) and _given(upper):
        sigma = (float(upper) - float(lower)) / (2 * Z90)  # type: ignore[arg-type]
    elif ind.kind == "share" and _given(n) and n:
        p = min(max(float(value), 0.0), 1.0)
        sigma = math.sqrt(p * (1 - p) / int(n))  # type: ignore[arg-type]
    else:
        sigma = DEFAULT_RELATIVE_SIGMA * abs(float(value))
    return max(sigma, ind.min_sigma)


def load_evaluation(path: Path | str, complexes: Path | str | None = None) -> EvaluationData:
    """Read and validate an evaluation file (and optionally its complex table).

    Args:
        path: the evaluation CSV.
        complexes: the complex CSV, or None (then complex names are free labels).

    Raises:
        DataError: any problem, naming file, line and column.

    """
    path = Path(path)
    table = load_complexes(complexes) if complexes is not None else None
    known = set(table["complex"]) if table is not None else None
    rows = _records(path, EVALUATION_COLUMNS)
    out: list[dict[str, object]] = []
    seen: dict[tuple[str, pd.Timestamp, str], int] = {}
    for line, rec in rows:
        def err(column: str | None, reason: str, line: int = line) -> DataError:
            return DataError(path, reason, line, column)

        name = rec["indicator"]
        if name not in INDICATORS:
            hint = did_you_mean(name, INDICATORS)
            raise err("indicator", f"unknown indicator {name!r}{hint}; known: "
                      + ", ".join(sorted(INDICATORS)))
        ind = INDICATORS[name]
        date = _date(rec["date"], lambda r: err("date", r))
        cplx = rec["complex"] or ALL
        if cplx.lower() == ALL:
            cplx = ALL
        elif known is not None and cplx not in known:
            raise err("complex", f"complex {cplx!r} is not in the complex table "
                      f"{complexes}{did_you_mean(cplx, sorted(known))}; known: "
                      + ", ".join(sorted(known)))
        value = _number(rec["value"], "value", lambda r: err("value", r), required=True)
        lower = _number(rec["lower"], "lower", lambda r: err("lower", r))
        upper = _number(rec["upper"], "upper", lambda r: err("upper", r))
        n = _count(rec["n"], lambda r: err("n", r), minimum=1)
        source = rec["source"]
        if not source:
            raise err("source", "missing source: every row needs one (a document, table "
                      "or 'assumption: ...')")
        if math.isnan(lower) != math.isnan(upper):
            col = "upper" if math.isnan(upper) else "lower"
            raise err(col, "give both lower and upper (a 90% interval) or neither")
        if not math.isnan(lower):
            if lower > upper:
                raise err("lower", f"lower = {lower:g} is above upper = {upper:g}")
            if not lower <= value <= upper:
                raise err("value", f"value = {value:g} is outside [lower, upper] = "
                          f"[{lower:g}, {upper:g}]")
        lo, hi = ind.bounds
        for col, x in (("value", value), ("lower", lower), ("upper", upper)):
            if not math.isnan(x) and not lo <= x <= hi:
                raise err(col, f"{col} = {x:g} is outside the possible values "
                          f"[{lo:g}, {hi:g}] of {name} ({ind.unit})")
        key = (name, date, cplx)
        if key in seen:
            raise err("indicator/date/complex", f"duplicate of line {seen[key]}: same "
                      f"indicator, date and complex ({name}, {date.date()}, {cplx})")
        seen[key] = line
        out.append({
            "line": line, "indicator": name, "date": date, "complex": cplx, "value": value,
            "lower": lower, "upper": upper, "n": n, "source": source, "kind": ind.kind,
            "unit": ind.unit, "sigma": derive_sigma(name, value, lower, upper, n),
            "exact": math.isnan(lower),
        })
    obs = pd.DataFrame(out)[[*EVALUATION_COLUMNS, "kind", "unit", "sigma", "exact", "line"]]
    obs = obs.astype({"line": "int64", "indicator": object, "complex": object,
                      "value": float, "lower": float, "upper": float, "n": "Int64",
                      "source": object, "kind": object, "unit": object, "sigma": float,
                      "exact": bool})
    obs["date"] = pd.to_datetime(obs["date"]).astype("datetime64[ns]")
    return EvaluationData(obs, table, path, Path(complexes) if complexes is not None else None)


def load_complexes(path: Path | str) -> pd.DataFrame:
    """Read and validate a complex table.

    Returns:
        Columns ``complex`` (str), ``dwellings`` (int), ``residents_with_wmo_indication``
        (Int64, <NA> when not known), ``start_date`` (Timestamp) and ``line`` (int).

    Raises:
        DataError: any problem, naming file, line and column.

    """
    path = Path(path)
    out: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for line, rec in _records(path, COMPLEX_COLUMNS):
        def err(column: str | None, reason: str, line: int = line) -> DataError:
            return DataError(path, reason, line, column)

        name = rec["complex"]
        if not name:
            raise err("complex", "missing complex name")
        if name.lower() == ALL:
            raise err("complex", f"{name!r} is reserved for figures that hold for every "
                      "complex; choose another name")
        if name in seen:
            raise err("complex", f"duplicate complex {name!r} (first on line {seen[name]})")
        seen[name] = line
        dwellings = _count(rec["dwellings"], lambda r: err("dwellings", r), minimum=None,
                           required=True)
        try:
            BuildingParams(dwellings=dwellings, floors=1)
        except ValidationError as e:
            msg = e.errors()[0]["msg"]
            raise err("dwellings", f"dwellings = {dwellings}: {msg} (building.dwellings)") \
                from None
        wmo = _count(rec["residents_with_wmo_indication"],
                     lambda r: err("residents_with_wmo_indication", r), minimum=0)
        if wmo is not None and wmo > 2 * dwellings:  # type: ignore[operator]
            raise err("residents_with_wmo_indication",
                      f"{wmo} residents with a Wmo indication do not fit in {dwellings} "
                      f"dwellings (at most 2 residents each)")
        start = _date(rec["start_date"], lambda r: err("start_date", r))
        out.append({"line": line, "complex": name, "dwellings": dwellings,
                    "residents_with_wmo_indication": wmo, "start_date": start})
    df = pd.DataFrame(out)[[*COMPLEX_COLUMNS, "line"]].astype(
        {"line": "int64", "complex": object, "dwellings": "int64",
         "residents_with_wmo_indication": "Int64"})
    df["start_date"] = pd.to_datetime(df["start_date"]).astype("datetime64[ns]")
    return df


def load_shipped() -> EvaluationData:
    """The shipped evaluation data with its complex table (``calibration/data``)."""
    return load_evaluation(SHIPPED_EVALUATION, SHIPPED_COMPLEXES)


# --------------------------------------------------------------------------- parsing
def _records(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line, {column: stripped text}) for every data row; header and shape checked."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(path, f"cannot read the file: {e}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    last = 0  # line number where the previous record ended
    try:
        for rec in reader:
            line, last = last + 1, reader.line_num
            if not rec or all(not f.strip() for f in rec):
                continue
            fields = [f.strip() for f in rec]
            if header is None:
                header = _check_header(path, line, fields, columns)
                continue
            if len(fields) != len(header):
                raise DataError(path, f"expected {len(header)} fields ({', '.join(header)}), "
                                f"found {len(fields)}", line)
            rows.append((line, dict(zip(header, fields, strict=True))))
    except csv.Error as e:
        raise DataError(path, f"not valid CSV in the record starting here: {e}",
                        last + 1) from None
    if header is None:
        raise DataError(path, "empty file; expected a header line: " + ",".join(columns), 1)
    if not rows:
        raise DataError(path, "no data rows after the header", last + 1)
    return rows


def _check_header(path: Path, line: int, fields: list[str],
                  columns: Sequence[str]) -> list[str]:
    for i, f in enumerate(fields):
        if f in fields[:i]:
            raise DataError(path, f"column {f!r} appears twice in the header", line, f)
    for f in fields:
        if f not in columns:
            raise DataError(path, f"unknown column {f!r}{did_you_mean(f, columns)}; "
                            f"expected: {','.join(columns)}", line, f or "(empty)")
    for c in columns:
        if c not in fields:
            raise DataError(path, f"missing column {c!r}; expected: {','.join(columns)}",
                            line, c)
    return fields


def _given(x: object) -> bool:
    if x is None or x is pd.NA:
        return False
    try:
        return not math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _number(text: str, column: str, fail: _Fail, *, required: bool = False) -> float:
    if not text:
        if required:
            raise fail(f"missing {column}")
        return math.nan
    try:
        x = float(text)
    except ValueError:
        raise fail(f"{column} = {text!r} is not a number") from None
    if not math.isfinite(x):
        raise fail(f"{column} = {text!r} is not a finite number")
    return x


def _count(text: str, fail: _Fail, *, minimum: int | None,
           required: bool = False) -> int | None:
    if not text:
        if required:
            raise fail("missing value; expected a whole number")
        return None
    try:
        x = float(text)
    except ValueError:
        raise fail(f"{text!r} is not a whole number") from None
    if not math.isfinite(x) or x != int(x):
        raise fail(f"{text!r} is not a whole number")
    if minimum is not None and x < minimum:
        raise fail(f"{text!r} is below {minimum}")
    return int(x)


def _date(text: str, fail: _Fail) -> pd.Timestamp:
    if not text:
        raise fail("missing date; expected YYYY-MM-DD")
    if not _ISO_DATE.match(text):
        raise fail(f"bad date {text!r}; expected YYYY-MM-DD")
    try:
        return pd.Timestamp(dt.date.fromisoformat(text))
    except ValueError as e:
        raise fail(f"bad date {text!r}: {e}") from None
