"""The dashboard's figures as SVG text, drawn by the browser.

The page drew its figures with matplotlib on the server (0.4-0.7 s per recompute); the
functions here write the SVG directly (a few ms each), so the browser draws them and they
scale with the page. Every figure's ``viewBox`` is 640 units wide with ``width="100%"``:
on a 360 px phone a unit is 0.56 px, so the 19-unit text shows at about 11 px. Texts go
through :func:`~thuisplus.dashboard.i18n.tr` (English literals here, Dutch from its
table), numbers through :func:`~thuisplus.dashboard.i18n.number`.

Each outcome figure compares two options when asked: ``o`` is the current setting (B),
``other`` the pinned option A. Elements carry classes for tests and browser tests:
``series-b`` (the current setting, also when there is no A), ``series-a`` (the pinned
option), ``band`` (a 5-95 % band or whisker over the runs), ``net`` (a stakeholder's net),
``run`` (one run's result), ``mean``, ``share``, ``zero``, ``grid``, ``tick-x``,
``tick-y``, ``legend-item``, ``dwelling``; more specific ones (``arm-thuisplus``,
``law-wmo``, ``funding-per_client``, ``pays``, ``gains``) say which series it is. Styles
are attributes, not CSS, so the figure looks the same when the page's "PNG" button copies
it into an image.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from thuisplus.dashboard.compute import (
    BUILDING_VIEWS,
    CLIENT_MARKS,
    LAW_NAMES,
    STAKEHOLDER_NAMES,
    Outcome,
    Snapshot,
    cumulative_avoided,
    law_series,
    share_series,
)
from thuisplus.dashboard.i18n import number, percent, tr
from thuisplus.sim.business_case import STAKEHOLDERS
from thuisplus.sim.care import LAWS

__all__ = [
    "FIGURES",
    "building",
    "care_per_law",
    "cumulative",
    "draw",
    "npv_distribution",
    "provider_books",
    "stakeholders",
    "wellbeing",
]

WIDTH = 640.0  # viewBox width of every figure
FONT = 19.0  # tick labels, legends, axis titles: ~11 px on a 360 px wide page
TITLE = 21.0  # panel titles and row labels
SMALL = 17.0  # secondary labels (client marks, A/B letters, floor numbers)
GLYPH = 0.56  # mean width of a sans-serif glyph in font sizes (for layout only)
MARGIN = 12.0  # left edge of texts
LEFT = 78.0  # left edge of plots with y tick labels
RIGHT = WIDTH - 32.0  # right edge of plots (room for half a tick label)
MAX_COLUMNS = 30  # dwellings side by side in the building; a longer floor wraps

WITH, WITHOUT = "#1b7837", "#878787"  # Thuisplusflat arm, baseline arm (as views.py)
LAW_COLOURS = {"wmo": "#2166ac", "zvw": "#b2182b", "wlz": "#e08214", "total": "#000000"}
FUNDING_COLOURS = {"per_client": "#2166ac", "lump_sum": "#e08214"}
PAYS, GAINS = "#d6604d", "#4393c3"
BLACK, MUTED, GRID, PINNED = "#000000", "#666666", "#e3e3e3", "#333333"
DASH = "9 5"  # option A's lines, and the funding form not chosen
PINNED_DASH = "12 5 3 5"  # option A's provider curve (dash-dot)
_QUOTES = {'"': "&quot;"}


# --------------------------------------------------------------------------------------
# SVG elements
# --------------------------------------------------------------------------------------

def _num(v: float) -> str:
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _attrs(attrs: dict[str, object]) -> str | None:
    """Attributes as SVG text (``font_size`` → ``font-size``; None left out).

    None if a number is not finite: the element is then left out, never drawn at NaN.
    """
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, numbers.Real):
            if not math.isfinite(value):
                return None
            value = _num(float(value))
        out.append(f' {key.rstrip("_").replace("_", "-")}="{escape(str(value), _QUOTES)}"')
    return "".join(out)


def _el(tag: str, text: str | None = None, /, **attrs: object) -> str:
    """One element with escaped ``text``; "" if one of its coordinates is not finite."""
    a = _attrs(attrs)
    if a is None:
        return ""
    return f"<{tag}{a}/>" if text is None else f"<{tag}{a}>{escape(text)}</{tag}>"


def _g(parts: Iterable[str], /, **attrs: object) -> str:
    return f"<g{_attrs(attrs) or ''}>{''.join(parts)}</g>"


def _text(x: float, y: float, s: str, *, size: float = FONT, anchor: str | None = None,
          cls: str | None = None, **more: object) -> str:
    return _el("text", s, x=x, y=y, font_size=size, text_anchor=anchor, class_=cls, **more)


def _d(points: Iterable[tuple[float, float]]) -> str:
    """Path data through ``points`` (all finite)."""
    return "M" + " L".join(f"{_num(x)},{_num(y)}" for x, y in points)


def _finite(*data: object) -> np.ndarray:
    """The finite values of some arrays, as one flat float array."""
    arrays = [np.ravel(np.asarray(d, dtype=float)) for d in data]
    v = np.concatenate(arrays) if arrays else np.array([])
    return v[np.isfinite(v)]


def _mean(values: object) -> float:
    v = _finite(values)
    return float(v.mean()) if v.size else math.nan


def _runs(ok: np.ndarray) -> list[np.ndarray]:
    """Index runs where ``ok`` holds (a line breaks where a point is left out)."""
    idx = np.flatnonzero(ok)
    return np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1) if idx.size else []


def _dot(cx: float, cy: float, r: float, colour: str, hollow: bool = False,
         cls: str | None = None) -> str:
    if hollow:
        return _el("circle", cx=cx, cy=cy, r=r, fill="#ffffff", stroke=colour,
                   stroke_width=2.2, class_=cls)
    return _el("circle", cx=cx, cy=cy, r=r, fill=colour, fill_opacity=0.85, class_=cls)


def _diamond(cx: float, cy: float, r: float, colour: str, hollow: bool = False,
             cls: str | None = None) -> str:
    if not (math.isfinite(cx) and math.isfinite(cy)):
        return ""
    points = " ".join(f"{_num(x)},{_num(y)}"
                      for x, y in ((cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)))
    return _el("polygon", points=points, fill="#ffffff" if hollow else colour, stroke=colour,
               stroke_width=2.2, class_=cls)


def _whisker(x1: float, x2: float, cy: float, colour: str, cls: str | None = None) -> str:
    if not all(math.isfinite(v) for v in (x1, x2, cy)):
        return ""
    line = {"stroke": colour, "stroke_width": 1.8}
    return _g([_el("line", x1=x1, x2=x2, y1=cy, y2=cy, **line),
               _el("line", x1=x1, x2=x1, y1=cy - 6, y2=cy + 6, **line),
               _el("line", x1=x2, x2=x2, y1=cy - 6, y2=cy + 6, **line)], class_=cls)


# --------------------------------------------------------------------------------------
# Scales, axes, series, legends
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Scale:
    """A linear map of data values ``lo``..``hi`` onto pixels ``a``..``b``, with ticks."""

    lo: float
    hi: float
    step: float
    a: float
    b: float
    years: bool = False

    def __call__(self, v):  # float or array → the same
        return self.a + (v - self.lo) * ((self.b - self.a) / (self.hi - self.lo))

    @property
    def ticks(self) -> list[float]:
        k0 = math.ceil(self.lo / self.step - 1e-9)
        k1 = math.floor(self.hi / self.step + 1e-9)
        return [k * self.step for k in range(k0, k1 + 1)]

    def label(self, v: float, lang: str) -> str:
        """A tick's text: a year as it is, a number with the language's separators."""
        if self.years:
            return f"{v:.0f}"
        return number(v, lang, max(0, -math.floor(math.log10(self.step) + 1e-9)))


def _scale(data: Iterable[object], a: float, b: float, *, zero: bool = False,
           count: int = 5, years: bool = False) -> _Scale:
    """A scale of ``data`` (arrays; NaN and inf ignored) onto pixels ``a``..``b``.

    Ticks are 1, 2 or 5 × 10^k, about ``count`` intervals; the domain ends at ticks (for
    years: at the data's ends, ticks whole years). Data all equal (one year, all zero)
    get a domain around them, never one of zero width.
    """
    v = _finite(*data)
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        pad = 1.0 if (years or zero) else max(0.1 * abs(lo), 1.0)
        lo, hi = (0.0, pad) if zero and lo == 0 else (lo - pad, hi + pad)
    raw = (hi - lo) / count
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))
    if years:
        return _Scale(lo, hi, max(step, 1.0), a, b, years=True)
    return _Scale(min(lo, math.floor(lo / step + 1e-9) * step),
                  max(hi, math.ceil(hi / step - 1e-9) * step), step, a, b)


def _xgrid(x: _Scale, top: float, bottom: float) -> list[str]:
    """Vertical grid lines at the ticks of ``x``, and the zero line if in range."""
    parts = [_el("line", x1=x(t), x2=x(t), y1=top, y2=bottom, stroke=GRID, class_="grid")
             for t in x.ticks]
    if not x.years and x.lo <= 0 <= x.hi:
        parts.append(_el("line", x1=x(0.0), x2=x(0.0), y1=top, y2=bottom, stroke=BLACK,
                         stroke_width=1.2, class_="zero"))
    return parts


def _xticks(x: _Scale, y: float, lang: str) -> list[str]:
    """Tick labels of ``x`` below the line ``y``."""
    return [_text(x(t), y + FONT + 4, x.label(t, lang), anchor="middle", cls="tick-x")
            for t in x.ticks]


def _ygrid(y: _Scale, left: float, right: float, lang: str) -> list[str]:
    """Horizontal grid lines with tick labels on the left, and the zero line."""
    parts = []
    for t in y.ticks:
        parts.append(_el("line", x1=left, x2=right, y1=y(t), y2=y(t), stroke=GRID,
                         class_="grid"))
        parts.append(_text(left - 8, y(t) + FONT * 0.35, y.label(t, lang), anchor="end",
                           cls="tick-y"))
    if y.lo <= 0 <= y.hi:
        parts.append(_el("line", x1=left, x2=right, y1=y(0.0), y2=y(0.0), stroke=BLACK,
                         stroke_width=1.2, class_="zero"))
    return parts


@dataclass(frozen=True)
class _Axes:
    """A plot area: an x and a y scale onto its pixels (y's ``a`` is the bottom)."""

    x: _Scale
    y: _Scale


@dataclass(frozen=True)
class _Series:
    """One line: x and mean per point, and low and high per point for a band."""

    x: np.ndarray
    mean: np.ndarray
    colour: str
    cls: str
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    dash: str | None = None
    width: float = 2.5
    marker: bool = True


def _series(d: pd.DataFrame, factor: float, colour: str, cls: str, *, band: bool,
            dash: str | None = None) -> _Series:
    """A series of a table with columns year, mean, low and high (band: low-high)."""
    def col(name: str) -> np.ndarray:
        return d[name].to_numpy(dtype=float) * factor

    return _Series(d["year"].to_numpy(dtype=float), col("mean"), colour, cls,
                   col("low") if band else None, col("high") if band else None, dash)


def _line(ax: _Axes, s: _Series) -> str:
    """The line of ``s`` (broken where a point is not finite), with its points marked."""
    px, py = ax.x(s.x), ax.y(s.mean)
    ok = np.isfinite(px) & np.isfinite(py)
    parts = [_el("path", d=_d(zip(px[r], py[r], strict=True)), fill="none", stroke=s.colour,
                 stroke_width=s.width, stroke_dasharray=s.dash, stroke_linejoin="round")
             for r in _runs(ok) if r.size > 1]
    if s.marker:
        parts += [_dot(cx, cy, 3.5, s.colour, hollow=s.dash is not None)
                  for cx, cy in zip(px[ok], py[ok], strict=True)]
    return _g(parts, class_=s.cls)


def _band(ax: _Axes, s: _Series) -> str:
    """The shaded band of ``s`` from low to high (a narrow bar for a single point)."""
    px, lo, hi = ax.x(s.x), ax.y(s.low), ax.y(s.high)
    paths = []
    for r in _runs(np.isfinite(px) & np.isfinite(lo) & np.isfinite(hi)):
        xs, top, bottom = px[r], hi[r], lo[r]
        if r.size == 1:
            xs, top, bottom = xs + np.array([-3.0, 3.0]), np.repeat(top, 2), np.repeat(bottom, 2)
        points = [*zip(xs, top, strict=True), *zip(xs[::-1], bottom[::-1], strict=True)]
        paths.append(_d(points) + " Z")
    if not paths:
        return ""
    return _el("path", d=" ".join(paths), fill=s.colour, fill_opacity=0.18,
               class_=f"band {s.cls}")


@dataclass(frozen=True)
class _Key:
    """One legend entry: a swatch (line, rect, band, dot, diamond, whisker) and a text."""

    label: str
    colour: str
    kind: str = "line"
    dash: str | None = None
    hollow: bool = False
    width: float = 2.5


def _swatch(k: _Key, x: float, cy: float) -> str:
    if k.kind in ("rect", "band"):
        return _el("rect", x=x, y=cy - 8, width=28, height=16, fill=k.colour,
                   fill_opacity=0.18 if k.kind == "band" else None)
    if k.kind == "dot":
        return _dot(x + 14, cy, 6, k.colour, k.hollow)
    if k.kind == "diamond":
        return _diamond(x + 14, cy, 7, k.colour, k.hollow)
    if k.kind == "whisker":
        return _whisker(x + 2, x + 26, cy, k.colour)
    return _el("path", d=_d([(x, cy), (x + 28, cy)]), stroke=k.colour, stroke_width=k.width,
               stroke_dasharray=k.dash, fill="none")


class _Canvas:
    """One figure laid out from the top down: its parts and the next free ``y``."""

    def __init__(self, title: str):
        self.title = title
        self.parts: list[str] = []
        self.y = 8.0

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def line(self, text: str, *, size: float = FONT, x: float = MARGIN,
             anchor: str | None = None, cls: str | None = None, bold: bool = False) -> None:
        """One line of text."""
        self.add(_text(x, self.y + size, text, size=size, anchor=anchor, cls=cls,
                       font_weight="bold" if bold else None))
        self.y += size * 1.45

    def legend(self, keys: Sequence[_Key]) -> None:
        """The keys flowing in lines across the figure."""
        pitch, x, top = FONT * 1.55, MARGIN, self.y
        for k in keys:
            w = 36 + len(k.label) * FONT * GLYPH + 20
            if x > MARGIN and x + w > WIDTH - MARGIN:
                x, self.y = MARGIN, self.y + pitch
            cy = self.y + pitch / 2
            self.add(_g([_swatch(k, x, cy), _text(x + 36, cy + FONT * 0.35, k.label)],
                        class_="legend-item"))
            x += w
        self.y = top if not keys else self.y + pitch + 6

    def panel(self, x: _Scale, series: Sequence[_Series], lang: str, *, height: float,
              xticks: bool = True, title: str | None = None) -> _Axes:
        """A plot of ``series`` on ``x`` with a y scale from zero, bands under the lines."""
        if title:
            self.line(title, size=TITLE, cls="panel-title", bold=True)
        top = self.y + 10
        data = [v for s in series for v in (s.mean, s.low, s.high) if v is not None]
        ax = _Axes(x, _scale(data, top + height, top, zero=True))
        self.add(*_xgrid(x, top, top + height), *_ygrid(ax.y, x.a, x.b, lang))
        self.add(*(_band(ax, s) for s in series if s.low is not None))
        self.add(*(_line(ax, s) for s in series))
        if xticks:
            self.add(*_xticks(x, top + height, lang))
        self.y = top + height + (FONT + 18 if xticks else 24)
        return ax

    def svg(self) -> str:
        """The figure: an SVG that scales to the page's width, titled for screen readers."""
        head = _attrs({"xmlns": "http://www.w3.org/2000/svg",
                       "viewBox": f"0 0 {_num(WIDTH)} {_num(self.y + 8)}", "width": "100%",
                       "preserveAspectRatio": "xMidYMid meet", "role": "img",
                       "font_family": "sans-serif", "fill": "#222222"})
        return f"<svg{head}>{_el('title', self.title)}{''.join(self.parts)}</svg>"


# --------------------------------------------------------------------------------------
# Options A and B
# --------------------------------------------------------------------------------------

def _options(o: Outcome, other: Outcome | None) -> list[tuple[str, Outcome, str]]:
    """(letter, outcome, class) of each option drawn: B alone, or A (pinned) then B."""
    return [("", o, "series-b")] if other is None else [("A", other, "series-a"),
                                                         ("B", o, "series-b")]


def _ab(lang: str) -> tuple[str, str]:
    return tr(lang, "A (pinned)"), tr(lang, "B (now)")


def _of(option: str | None, text: str) -> str:
    """A legend text of one option ("B (now): ...") or, without options, as it is."""
    return f"{option}: {text}" if option else text


def _bands(o: Outcome) -> bool:
    return len(o.results) > 1


def _band_key(lang: str, kind: str = "band") -> _Key:
    return _Key(tr(lang, "the middle 90% of the runs"), "#555555", kind)


def _years(*tables: pd.DataFrame) -> _Scale:
    return _scale([t["year"] for t in tables], LEFT, RIGHT, count=6, years=True)


# --------------------------------------------------------------------------------------
# The figures
# --------------------------------------------------------------------------------------

def stakeholders(o: Outcome, lang: str, other: Outcome | None = None) -> str:
    """Who pays, who gains: per stakeholder what it pays, gains and nets (€ thousand, PV).

    Pays is a red bar left of zero, gains a blue bar right, the net a black diamond with
    a whisker over the middle 90 % of the runs (2+ runs). The mean can lie outside that
    band (few runs, a net the same in every run); both are drawn where they are. With
    ``other`` (option A), each stakeholder has a row A (faint bars, hollow diamond) above
    its row B.
    """
    a_label, b_label = _ab(lang)
    cols = ["pays", "gains", "net", "net_low", "net_high"]
    rows = [(letter, cls, opt.stakeholder_table().set_index("stakeholder")[cols]
             .reindex(list(STAKEHOLDERS)) / 1e3, _bands(opt))
            for letter, opt, cls in _options(o, other)]
    keys = [_Key(tr(lang, "pays"), PAYS, "rect"), _Key(tr(lang, "gains"), GAINS, "rect")]
    if other is None:
        keys.append(_Key(tr(lang, "net"), BLACK, "diamond"))
    else:
        keys += [_Key(_of(a_label, tr(lang, "net")), BLACK, "diamond", hollow=True),
                 _Key(_of(b_label, tr(lang, "net")), BLACK, "diamond")]
    if any(bands for *_, bands in rows):
        keys.append(_band_key(lang, "whisker"))
    c = _Canvas(tr(lang, "Who pays, who gains: discounted costs and gains per stakeholder"))
    c.legend(keys)
    data = [v for _, _, t, bands in rows
            for v in (-t["pays"], t["gains"], t["net"],
                      *((t["net_low"], t["net_high"]) if bands else ()))]
    x = _scale(data, 48.0, RIGHT, zero=True, count=6)
    bar = 22.0 if other is None else 16.0
    for s in STAKEHOLDERS:
        row = [_text(MARGIN, c.y + TITLE, tr(lang, STAKEHOLDER_NAMES[s]), size=TITLE,
                     cls="row-label")]
        top = c.y + TITLE * 1.35
        row += _xgrid(x, top, top + len(rows) * (bar + 4))
        for i, (letter, cls, t, bands) in enumerate(rows):
            cy = top + i * (bar + 4) + bar / 2
            row += _stakeholder_bars(x, t.loc[s], cy, bar, letter, cls, bands)
        c.add(_g(row, class_="row", data_stakeholder=s))
        c.y = top + len(rows) * (bar + 4) + 10
    c.add(*_xticks(x, c.y - 6, lang))
    c.y += FONT + 10
    c.line(tr(lang, "€ thousand over the whole period, in today's money"),
           x=(x.a + x.b) / 2, anchor="middle", cls="axis-title")
    return c.svg()


def _stakeholder_bars(x: _Scale, r: pd.Series, cy: float, h: float, letter: str, cls: str,
                      bands: bool) -> list[str]:
    """One option's row of a stakeholder: pays and gains bars, whisker and net diamond."""
    def bar(v: float, colour: str, what: str) -> str:
        x0, x1 = sorted((x(0.0), x(v)))
        return _el("rect", x=x0, y=cy - h / 2, width=x1 - x0, height=h, fill=colour,
                   fill_opacity=0.45 if letter == "A" else None, class_=f"{what} {cls}")

    parts = [_text(x.a - 14, cy + SMALL * 0.35, letter, size=SMALL, anchor="end",
                   fill=MUTED, cls=f"letter {cls}")] if letter else []
    parts += [bar(-r["pays"], PAYS, "pays"), bar(r["gains"], GAINS, "gains")]
    if bands:
        parts.append(_whisker(x(r["net_low"]), x(r["net_high"]), cy, BLACK,
                              f"band whisker {cls}"))
    parts.append(_diamond(x(r["net"]), cy, 8, BLACK, letter == "A", f"net {cls}"))
    return parts


def provider_books(o: Outcome, lang: str, other: Outcome | None = None) -> str:
    """The provider's yearly Thuisplusflat books against its number of Wmo clients.

    Profit (€ thousand a year) for both funding forms, the chosen one solid and thick;
    dotted lines at the volumes of :data:`CLIENT_MARKS`, a dot at the mean number of
    clients at the end. With ``other``, option A's chosen curve (dark grey, dash-dot) and
    its dot (hollow).
    """
    a_label, b_label = _ab(lang)
    names = {"per_client": tr(lang, "funded per client"),
             "lump_sum": tr(lang, "funded as a lump sum")}
    b_option = b_label if other is not None else None

    def curve(opt: Outcome, funding: str) -> tuple[np.ndarray, np.ndarray]:
        d = opt.pnl[opt.pnl["funding"] == funding].sort_values("clients")
        return d["clients"].to_numpy(dtype=float), d["profit"].to_numpy(dtype=float) / 1e3

    chosen = o.params.thuisplus.contract.funding
    series, keys = [], []
    for funding, colour in FUNDING_COLOURS.items():
        here = funding == chosen
        label = names[funding] + (" " + tr(lang, "(chosen)") if here else "")
        keys.append(_Key(_of(b_option, label), colour, dash=None if here else DASH,
                         width=4.5 if here else 2.0))
        series.append(_Series(*curve(o, funding), colour,
                              f"series-b funding-{funding}" + (" chosen" if here else ""),
                              dash=None if here else DASH, width=4.5 if here else 2.0,
                              marker=False))
    series.sort(key=lambda s: "chosen" in s.cls)  # the chosen form on top
    ends = []
    for letter, opt, cls in _options(o, other):
        funding = opt.params.thuisplus.contract.funding
        xs, ys = curve(opt, funding)
        n = _mean(opt.clients["clients_end"])
        at = float(np.interp(n, xs, ys)) if xs.size and math.isfinite(n) else math.nan
        ends.append((n, at, letter == "A", cls))
        text = tr(lang, "simulated, at the end ({n})", n=number(n, lang))
        if letter == "A":
            series.append(_Series(xs, ys, PINNED, f"series-a funding-{funding} chosen",
                                  dash=PINNED_DASH, marker=False))
            keys.append(_Key(_of(a_label, names[funding]), PINNED, dash=PINNED_DASH))
        keys.append(_Key(_of(a_label if letter == "A" else b_option, text), BLACK, "dot",
                         hollow=letter == "A"))
    c = _Canvas(tr(lang, "The provider's yearly Thuisplusflat books against its Wmo clients"))
    c.legend(keys)
    c.line(tr(lang, "profit, € thousand per year"), cls="axis-title")
    x = _scale([s.x for s in series] + [[n for n, *_ in ends]], LEFT, RIGHT, zero=True)
    ax = c.panel(x, series, lang, height=280)
    for mark in CLIENT_MARKS:
        if x.lo <= mark <= x.hi:
            px = x(float(mark))
            c.add(_el("line", x1=px, x2=px, y1=ax.y.b, y2=ax.y.a, stroke=MUTED,
                      stroke_width=1.5, stroke_dasharray="2 4", class_="mark"),
                  _text(px + 5, ax.y.b + SMALL, tr(lang, "{n} clients", n=number(mark, lang)),
                        size=SMALL, fill=MUTED, cls="mark-label"))
    c.add(*(_dot(x(n), ax.y(at), 7, BLACK, hollow, f"end {cls}") for n, at, hollow, cls in ends))
    c.line(tr(lang, "Wmo clients of the flat's provider"), x=(x.a + x.b) / 2,
           anchor="middle", cls="axis-title")
    return c.svg()


def _arms_figure(title: str, ytitle: str, panels: Sequence[tuple[str, pd.DataFrame,
                 pd.DataFrame | None]], factor: float, lang: str, bands: bool) -> str:
    """Stacked panels of a yearly table per arm (B's with and without, A's with dashed)."""
    a_label, b_label = _ab(lang)
    ab = any(a is not None for *_, a in panels)
    b_option = b_label if ab else None
    with_text, without_text = tr(lang, "with the Thuisplusflat"), tr(lang, "without")
    keys = [_Key(_of(b_option, with_text), WITH), _Key(_of(b_option, without_text), WITHOUT)]
    if ab:
        keys.append(_Key(_of(a_label, with_text), WITH, dash=DASH))
    if bands:
        keys.append(_band_key(lang))
    c = _Canvas(title)
    c.legend(keys)
    c.line(ytitle, cls="axis-title")
    x = _years(*(t for _, b, a in panels for t in (b, a) if t is not None))
    for i, (name, b, a) in enumerate(panels):
        series = [_series(b[b["arm"] == arm], factor, colour, f"series-b arm-{arm}", band=bands)
                  for arm, colour in (("baseline", WITHOUT), ("thuisplus", WITH))]
        if a is not None:
            series.append(_series(a[a["arm"] == "thuisplus"], factor, WITH,
                                  "series-a arm-thuisplus", band=False, dash=DASH))
        c.panel(x, series, lang, height=170, title=name, xticks=i == len(panels) - 1)
    return c.svg()


def care_per_law(o: Outcome, lang: str, other: Outcome | None = None) -> str:
    """Care cost per law and year, with and without the flat (€ thousand): where it moves.

    One panel per law (Wmo, Zvw, Wlz), bands over the runs (2+ runs). With ``other``,
    option A's cost with the flat as a dashed green line.
    """
    panels = [(tr(lang, LAW_NAMES[law]), law_series(o, law),
               law_series(other, law) if other is not None else None) for law in LAWS]
    return _arms_figure(
        tr(lang, "Care cost per law and year, with and without the Thuisplusflat"),
        tr(lang, "€ thousand per year"), panels, 1e-3, lang, _bands(o))


def wellbeing(o: Outcome, lang: str, other: Outcome | None = None) -> str:
    """Shares of severely lonely residents and overburdened carers (%), with and without.

    What the flat does for people rather than budgets; bands over the runs (2+ runs).
    With ``other``, option A's shares with the flat as dashed green lines.
    """
    panels = [(tr(lang, "Severely lonely residents"), "severely_lonely_share"),
              (tr(lang, "Overburdened informal carers"), "carers_overburdened_share")]
    return _arms_figure(
        tr(lang, "Severely lonely residents and overburdened carers, with and without"),
        tr(lang, "% of them"),
        [(name, share_series(o, col), share_series(other, col) if other is not None else None)
         for name, col in panels], 100.0, lang, _bands(o))


def cumulative(o: Outcome, lang: str, other: Outcome | None = None) -> str:
    """Cumulative avoided care cost per law and in all (€ thousand, undiscounted).

    When the avoided care adds up, and in whose budget. With ``other``, option A's total
    as a dashed black line.
    """
    a_label, b_label = _ab(lang)
    table, bands = cumulative_avoided(o), _bands(o)
    total = tr(lang, "all three laws")
    series = [_series(table[table["law"] == law], 1e-3, LAW_COLOURS[law],
                      f"series-b law-{law}", band=bands) for law in (*LAWS, "total")]
    keys = [_Key(tr(lang, LAW_NAMES[law]), LAW_COLOURS[law]) for law in LAWS]
    keys.append(_Key(_of(b_label if other is not None else None, total), BLACK))
    tables = [table]
    if other is not None:
        a = cumulative_avoided(other)
        tables.append(a)
        series.append(_series(a[a["law"] == "total"], 1e-3, BLACK, "series-a law-total",
                              band=False, dash=DASH))
        keys.append(_Key(_of(a_label, total), BLACK, dash=DASH))
    if bands:
        keys.append(_band_key(lang))
    c = _Canvas(tr(lang, "Cumulative avoided care cost per law"))
    c.legend(keys)
    c.line(tr(lang, "€ thousand avoided, cumulative"), cls="axis-title")
    c.panel(_years(*tables), series, lang, height=300)
    return c.svg()


def _verdict_values(o: Outcome, measure: str) -> np.ndarray:
    """Per run, € thousand: society's NPV or the municipality's net."""
    if measure == "society":
        v = np.array([r["npv"] for r in o.results], dtype=float)
    else:
        v = np.asarray(o.stakeholder("municipality", "net"), dtype=float)
    return v / 1e3


def npv_distribution(o: Outcome, lang: str, other: Outcome | None = None) -> str:
    """The verdict run by run: one dot per run of society's NPV and the municipality's net.

    Blue above zero, red below, a black tick at the mean, the share of runs above zero at
    the right of each row: the chance behind the page's verdict, made visible. With
    ``other``, a row for option A (hollow dots) above B's for each.
    """
    a_label, b_label = _ab(lang)
    options = _options(o, other)
    measures = (("society", tr(lang, "Society: net present value")),
                ("municipality", tr(lang, "Municipality: its own net")))
    values = {(m, cls): _verdict_values(opt, m) for m, _ in measures for _, opt, cls in options}
    keys = [_Key(tr(lang, "one run, above zero"), GAINS, "dot"),
            _Key(tr(lang, "one run, zero or below"), PAYS, "dot"),
            _Key(tr(lang, "mean over the runs"), BLACK, width=3.0)]
    if other is not None:
        keys += [_Key(a_label, MUTED, "dot", hollow=True), _Key(b_label, MUTED, "dot")]
    c = _Canvas(tr(lang, "The verdict run by run: net present value for society and the "
                   "municipality"))
    c.legend(keys)
    x = _scale(values.values(), 40.0, RIGHT, zero=True, count=6)
    strip = 40.0
    for m, name in measures:
        block = []
        if other is not None:
            block.append(_text(MARGIN, c.y + TITLE, name, size=TITLE, font_weight="bold"))
            c.y += TITLE * 1.4
        for letter, _, cls in options:
            v = values[(m, cls)]
            finite = v[np.isfinite(v)]
            share = tr(lang, "{p} above zero",
                       p=percent(float((finite > 0).mean()) if finite.size else math.nan, lang))
            label, size = ((name, TITLE) if not letter else
                           (a_label if letter == "A" else b_label, FONT))
            block += [_text(MARGIN, c.y + size, label, size=size,
                            font_weight=None if letter else "bold"),
                      _text(WIDTH - MARGIN, c.y + size, share, size=size, anchor="end",
                            cls=f"share {cls}")]
            top = c.y + size * 1.4
            cy = top + strip / 2
            block += _xgrid(x, top, top + strip)
            block += [_dot(x(val), cy + ((i * 0.618034) % 1 - 0.5) * (strip - 14),
                           6 if v.size <= 30 else 4.5, GAINS if val > 0 else PAYS,
                           letter == "A", f"run {cls}")
                      for i, val in enumerate(v)]
            mean = _mean(v)
            block.append(_el("line", x1=x(mean), x2=x(mean), y1=top + 2, y2=top + strip - 2,
                             stroke=BLACK, stroke_width=3, class_=f"mean {cls}"))
            c.y = top + strip + 8
        c.add(_g(block, class_="measure", data_measure=m))
    c.add(*_xticks(x, c.y - 4, lang))
    c.y += FONT + 12
    c.line(tr(lang, "€ thousand over the whole period, in today's money"),
           x=(x.a + x.b) / 2, anchor="middle", cls="axis-title")
    return c.svg()


def building(snap: Snapshot, mode: str, lang: str) -> str:
    """The building at the end of a run: one square per dwelling, floor 1 at the bottom.

    Coloured by the category of ``mode`` (:data:`BUILDING_VIEWS`), with the count per
    category in the legend. A floor longer than 30 dwellings wraps onto more lines, and
    a tall building gets smaller squares, so 20 to 600 dwellings stay readable.
    """
    view = BUILDING_VIEWS[mode]
    counts = snap.counts(mode)
    c = _Canvas(tr(lang, "The building: one square per dwelling, by floor"))
    c.line(tr(lang, "dwellings"), bold=True, cls="legend-title")
    c.legend([_Key(f"{tr(lang, label)} ({number(counts[label], lang)})", colour, "rect")
              for label, colour in view])
    c.line(tr(lang, "floor"), size=SMALL, cls="axis-title")
    per = max(snap.per_floor, 1)
    floors = max(snap.floors, -(-snap.dwellings // per), 1)
    cols = min(per, MAX_COLUMNS)
    lines = -(-per // cols)
    left = 52.0
    pitch = min(28.0, (WIDTH - MARGIN - left) / cols, max(12.0, 960.0 / (floors * lines)))
    side, floor_h = pitch * 0.84, lines * pitch + pitch * 0.4
    top = c.y + 4
    every = math.ceil(SMALL * 1.2 / floor_h)
    for f in range(0, floors, every):
        y = top + (floors - 1 - f) * floor_h + (lines * pitch - pitch * 0.16) / 2
        c.add(_text(left - 10, y + SMALL * 0.35, str(f + 1), size=SMALL, anchor="end",
                    fill=MUTED, cls="floor-label"))
    codes = snap.categories[mode]
    for d in range(snap.dwellings):
        f, p = divmod(d, per)
        line, col = divmod(p, cols)
        code = int(codes[d])
        c.add(_el("rect", x=left + col * pitch, y=top + (floors - 1 - f) * floor_h + line * pitch,
                  width=side, height=side, fill=view[code][1], stroke="#9e9e9e",
                  stroke_width=0.5, class_=f"dwelling cat-{code}", data_floor=f))
    bottom = top + floors * floor_h - pitch * 0.3
    c.add(_el("line", x1=left - 4, x2=left + cols * pitch, y1=bottom, y2=bottom,
              stroke=MUTED, stroke_width=2, class_="ground"))
    c.y = bottom + 6
    return c.svg()


#: The outcome figures in the order of the page (the building is drawn per snapshot).
FIGURES = ("npv_distribution", "stakeholders", "provider_books", "care_per_law",
           "cumulative", "wellbeing")
_DRAW: dict[str, Callable[[Outcome, str, Outcome | None], str]] = {
    "npv_distribution": npv_distribution, "stakeholders": stakeholders,
    "provider_books": provider_books, "care_per_law": care_per_law,
    "cumulative": cumulative, "wellbeing": wellbeing}


def draw(name: str, o: Outcome, lang: str, other: Outcome | None = None) -> str:
    """The figure ``name`` of :data:`FIGURES` as SVG (``other``: the pinned option A)."""
    if name not in _DRAW:
        raise ValueError(f"no figure {name!r}: one of {', '.join(FIGURES)}")
    return _DRAW[name](o, lang, other)
