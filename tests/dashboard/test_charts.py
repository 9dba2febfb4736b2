"""The dashboard's SVG figures (thuisplus.dashboard.charts): what they draw, in both
languages and for options A and B, and that odd numbers never cost a figure."""

from __future__ import annotations

import ast
import copy
import dataclasses
import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from thuisplus.dashboard import charts, i18n
from thuisplus.dashboard.compute import (
    BUILDING_VIEWS,
    LAW_NAMES,
    STAKEHOLDER_NAMES,
    Outcome,
    Snapshot,
    compute,
)
from thuisplus.sim import Parameters
from thuisplus.sim.business_case import STAKEHOLDERS

SVG = "{http://www.w3.org/2000/svg}"
COORDINATES = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height",
               "points", "d", "viewBox"}
BANDED = ("stakeholders", "care_per_law", "cumulative", "wellbeing")


def small(**overrides) -> Parameters:
    base = {"building.dwellings": 60, "building.floors": 3, "simulation.weeks": 3 * 52,
            "simulation.follow_up_years": 5}
    return Parameters().with_overrides({**base, **overrides})


@pytest.fixture(scope="module")
def three() -> Outcome:
    return compute(small(), replications=3, seed=1)


@pytest.fixture(scope="module")
def one() -> Outcome:
    return compute(small(), replications=1, seed=1)


@pytest.fixture(scope="module")
def pinned() -> Outcome:
    """Option A: the same complex funded as a lump sum."""
    return compute(small(**{"thuisplus.contract.funding": "lump_sum"}), replications=3,
                   seed=1)


# ------------------------------------------------------------------------------- helpers

def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def with_class(root: ET.Element, cls: str, tag: str | None = None) -> list[ET.Element]:
    return [e for e in root.iter() if cls in e.get("class", "").split()
            and (tag is None or e.tag == SVG + tag)]


def plotted(root: ET.Element, cls: str) -> list[ET.Element]:
    """Elements of class ``cls`` outside the legend."""
    legend = {id(e) for item in with_class(root, "legend-item") for e in item.iter()}
    return [e for e in with_class(root, cls) if id(e) not in legend]


def text_of(root: ET.Element, cls: str) -> list[str]:
    return [e.text or "" for e in with_class(root, cls, "text")]


def legend_texts(root: ET.Element) -> list[str]:
    return [t.text for item in with_class(root, "legend-item")
            for t in item.iter(SVG + "text")]


def english_number(s: str) -> float:
    return float(s.replace("−", "-").replace(",", ""))


def x_of_value(root: ET.Element):
    """The figure's value → x map, read off its first and last x tick labels."""
    ticks = [(float(e.get("x")), english_number(e.text)) for e in with_class(root, "tick-x")]
    (p0, v0), (p1, v1) = ticks[0], ticks[-1]
    return lambda v: p0 + (v - v0) * (p1 - p0) / (v1 - v0)


def centre_x(polygon: ET.Element) -> float:
    xs = [float(p.split(",")[0]) for p in polygon.get("points").split()]
    return (min(xs) + max(xs)) / 2


def row(root: ET.Element, stakeholder: str) -> ET.Element:
    (r,) = [g for g in with_class(root, "row") if g.get("data-stakeholder") == stakeholder]
    return r


def assert_well_formed(svg: str) -> ET.Element:
    root = parse(svg)
    box = [float(v) for v in root.get("viewBox").split()]
    assert box[:3] == [0, 0, 640] and math.isfinite(box[3]) and box[3] > 100
    assert root.get("width") == "100%"
    assert root.get("preserveAspectRatio") == "xMidYMid meet"
    assert root.get("role") == "img"
    assert root.get("font-family") == "sans-serif"
    assert root[0].tag == SVG + "title" and root[0].text.strip()
    for e in root.iter():
        for name, value in e.attrib.items():
            if name in COORDINATES:
                assert not re.search(r"nan|inf", value, re.IGNORECASE), (e.tag, name, value)
    return root


# ------------------------------------------------------------------------------- figures

@pytest.mark.parametrize("name", charts.FIGURES)
@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("ab", [False, True], ids=["B", "A/B"])
def test_every_figure_is_scalable_svg_with_finite_coordinates(three, pinned, name, lang, ab):
    other = pinned if ab else None
    svg = charts.draw(name, three, lang, other)
    assert svg == getattr(charts, name)(three, lang, other)
    assert_well_formed(svg)


def test_draw_refuses_an_unknown_figure(three):
    with pytest.raises(ValueError, match="no figure 'building'"):
        charts.draw("building", three, "en")


@pytest.mark.parametrize("name", BANDED)
def test_bands_only_with_several_runs(one, three, name):
    assert not with_class(parse(charts.draw(name, one, "en")), "band")
    assert plotted(parse(charts.draw(name, three, "en")), "band")


@pytest.mark.parametrize("name", charts.FIGURES)
def test_options_a_and_b_are_both_drawn_and_labelled(three, pinned, name):
    alone = parse(charts.draw(name, three, "en"))
    assert plotted(alone, "series-b") and not plotted(alone, "series-a")
    root = parse(charts.draw(name, three, "en", pinned))
    assert plotted(root, "series-a") and plotted(root, "series-b")
    texts = " ".join(t for t in root.itertext())
    assert "A (pinned)" in texts and "B (now)" in texts


def test_stakeholders_in_order_with_a_row_per_option(three, pinned):
    root = parse(charts.stakeholders(three, "en", pinned))
    rows = with_class(root, "row")
    assert [r.get("data-stakeholder") for r in rows] == list(STAKEHOLDERS)
    assert text_of(root, "row-label") == [STAKEHOLDER_NAMES[s] for s in STAKEHOLDERS]
    for r in rows:
        a, b = with_class(r, "series-a", "polygon"), with_class(r, "series-b", "polygon")
        assert len(a) == len(b) == 1
        assert a[0].get("fill") == "#ffffff" and b[0].get("fill") != "#ffffff"  # A hollow


def test_stakeholder_diamonds_sit_at_the_mean_net(three):
    root = parse(charts.stakeholders(three, "en"))
    x = x_of_value(root)
    table = three.stakeholder_table().set_index("stakeholder")
    for s in STAKEHOLDERS:
        (diamond,) = with_class(row(root, s), "net", "polygon")
        assert centre_x(diamond) == pytest.approx(x(table.loc[s, "net"] / 1e3), abs=0.3)
    # a larger net lies further right
    order = sorted(STAKEHOLDERS, key=lambda s: table.loc[s, "net"])
    xs = [centre_x(with_class(row(root, s), "net", "polygon")[0]) for s in order]
    assert xs == sorted(xs)


def test_a_mean_net_outside_its_band_is_drawn_where_it_is(three):
    """29 runs with a municipal net of 0 and one of €3 million: the mean (€100,000) lies
    above the 5-95 % band (0 to 0); the diamond is at the mean, the whisker at 0."""
    results = [copy.deepcopy(three.results[0]) for _ in range(30)]
    for k, r in enumerate(results):
        r["stakeholders"]["municipality"]["net"] = 3e6 if k == 29 else 0.0
    o = dataclasses.replace(three, results=results)
    mean, low, high = o.stakeholder_table().set_index("stakeholder").loc[
        "municipality", ["net", "net_low", "net_high"]]
    assert not low <= mean <= high
    root = assert_well_formed(charts.stakeholders(o, "en"))
    x = x_of_value(root)
    r = row(root, "municipality")
    (diamond,) = with_class(r, "net", "polygon")
    assert centre_x(diamond) == pytest.approx(x(mean / 1e3), abs=0.3)
    (whisker,) = with_class(r, "whisker")
    line = whisker.find(SVG + "line")
    assert float(line.get("x1")) == pytest.approx(x(low / 1e3), abs=0.3)
    assert float(line.get("x2")) == pytest.approx(x(high / 1e3), abs=0.3)


def test_a_band_an_ulp_off_its_mean_still_draws(three, monkeypatch):
    """The case that cost the matplotlib figure: a constant net whose band lies an ulp
    beside its mean."""
    table = three.stakeholder_table()
    table["net_low"] = table["net_high"] = np.nextafter(table["net"], np.inf)
    monkeypatch.setattr(type(three), "stakeholder_table", lambda self: table.copy())
    root = assert_well_formed(charts.stakeholders(three, "en"))
    assert len(plotted(root, "net")) == len(plotted(root, "whisker")) == len(STAKEHOLDERS)


def test_the_chosen_funding_is_solid_and_thick(three, pinned):
    for o, chosen, other in ((three, "per_client", "lump_sum"),
                             (pinned, "lump_sum", "per_client")):
        root = parse(charts.provider_books(o, "en"))
        solid = with_class(root, f"funding-{chosen}", "g")[0].find(SVG + "path")
        dashed = with_class(root, f"funding-{other}", "g")[0].find(SVG + "path")
        assert solid.get("stroke-dasharray") is None and dashed.get("stroke-dasharray")
        assert float(solid.get("stroke-width")) > float(dashed.get("stroke-width"))
        assert len(plotted(root, "end")) == 1
        assert text_of(root, "mark-label") == ["40 clients", "100 clients"]


def test_verdict_dots_one_per_run_in_order_of_their_value(three, pinned):
    root = parse(charts.npv_distribution(three, "en", pinned))
    (society,) = [g for g in with_class(root, "measure") if g.get("data-measure") == "society"]
    x = x_of_value(root)
    for o, cls in ((three, "series-b"), (pinned, "series-a")):
        npv = np.array([r["npv"] for r in o.results]) / 1e3
        dots = with_class(society, cls, "circle")
        assert len(dots) == len(npv)
        cx = np.array([float(d.get("cx")) for d in dots])
        assert np.allclose(cx, [x(v) for v in npv], atol=0.3)
        assert list(np.argsort(cx)) == list(np.argsort(npv))
        share = float((npv > 0).mean())
        assert f"{i18n.percent(share, 'en')} above zero" in text_of(society, "share")


def test_dutch_and_english_tick_labels_differ_in_separators(three, monkeypatch):
    table = three.stakeholder_table()
    cols = ["pays", "gains", "net", "net_low", "net_high"]
    table[cols] = table[cols] * 1000  # € billions: ticks in the hundred thousands
    monkeypatch.setattr(type(three), "stakeholder_table", lambda self: table.copy())
    en = text_of(parse(charts.stakeholders(three, "en")), "tick-x")
    nl = text_of(parse(charts.stakeholders(three, "nl")), "tick-x")
    assert any("," in t for t in en) and not any("." in t for t in en)
    assert nl == [t.replace(",", ".") for t in en]


def test_tick_labels_of_small_steps_keep_their_decimals():
    s = charts._scale([[0.0, 1.1]], 0, 100)
    assert [s.label(t, "en") for t in s.ticks] == ["0.0", "0.5", "1.0", "1.5"]
    assert s.label(0.5, "nl") == "0,5"
    big = charts._scale([[-2500.0, 0.0]], 0, 100)
    assert big.label(-2000.0, "en") == "−2,000" and big.label(-2000.0, "nl") == "−2.000"


@pytest.mark.parametrize("data", [
    [0.0, 1.0], [-2500.0, 180.0], [3e-4, 7e-4], [12.0, 12.0], [0.0, 0.0], [-1e9, 5e8],
    [np.nan, 4.0, np.inf, -3.0], [], [np.nan]])
@pytest.mark.parametrize("zero", [False, True])
def test_scales_have_nice_ticks_cover_the_data_and_keep_order(data, zero):
    s = charts._scale([data], 50.0, 600.0, zero=zero)
    finite = [v for v in data if math.isfinite(v)]
    assert s.lo < s.hi and all(s.lo <= v <= s.hi for v in finite)
    assert not zero or s.lo <= 0 <= s.hi
    mantissa = s.step / 10 ** math.floor(math.log10(s.step))
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
    assert s.ticks[0] == pytest.approx(s.lo) and s.ticks[-1] == pytest.approx(s.hi)
    assert 3 <= len(s.ticks) <= 12
    values = np.linspace(s.lo, s.hi, 7)
    assert np.all(np.diff(s(values)) > 0)  # a larger value maps to a larger x
    down = charts._scale([data], 400.0, 20.0, zero=zero)  # a y axis: larger is higher
    assert np.all(np.diff(down(values)) < 0)


def test_year_axes_end_at_the_data_and_tick_whole_years():
    s = charts._scale([[2021, 2033]], 0, 500, count=6, years=True)
    assert (s.lo, s.hi) == (2021, 2033)
    assert all(t == int(t) for t in s.ticks) and s.label(s.ticks[0], "nl") == "2022"
    single = charts._scale([[2021]], 0, 500, years=True)
    assert single.ticks == [2020, 2021, 2022]


def _one_year(o: Outcome) -> Outcome:
    first = o.yearly["year"].min()
    return dataclasses.replace(o, yearly=o.yearly[o.yearly["year"] == first],
                               avoided=o.avoided[o.avoided["year"] == first])


def _all_zero(o: Outcome) -> Outcome:
    yearly = o.yearly.copy()
    numeric = [c for c in yearly.columns if c not in ("seed", "arm", "year")]
    yearly[numeric] = 0.0
    avoided = o.avoided.copy()
    avoided[["wmo", "zvw", "wlz", "total"]] = 0.0
    results = copy.deepcopy(o.results)
    for r in results:
        r["npv"] = 0.0
        for s in r["stakeholders"].values():
            s.update(pays=0.0, gains=0.0, net=0.0)
    return dataclasses.replace(o, yearly=yearly, avoided=avoided, results=results,
                               pnl=o.pnl.assign(profit=0.0),
                               clients=o.clients.assign(clients_end=0.0))


def _not_finite(o: Outcome) -> Outcome:
    yearly = o.yearly.copy()
    yearly.loc[yearly.index[::3], "cost_wmo"] = np.nan
    yearly.loc[yearly.index[1], "severely_lonely_share"] = np.inf
    avoided = o.avoided.copy()
    avoided.loc[avoided.index[2], "zvw"] = -np.inf
    results = copy.deepcopy(o.results)
    results[0]["npv"] = np.nan
    results[-1]["stakeholders"]["municipality"]["net"] = np.inf
    return dataclasses.replace(o, yearly=yearly, avoided=avoided, results=results,
                               clients=o.clients.assign(clients_end=np.nan))


def _negative(o: Outcome) -> Outcome:
    avoided = o.avoided.copy()
    avoided[["wmo", "zvw", "wlz", "total"]] *= -1
    return dataclasses.replace(o, avoided=avoided)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # compute
@pytest.mark.parametrize("odd", [_one_year, _all_zero, _not_finite, _negative])
@pytest.mark.parametrize("runs", ["one", "three"])
def test_odd_numbers_still_draw_every_figure(request, pinned, odd, runs):
    o = odd(request.getfixturevalue(runs))
    for name in charts.FIGURES:
        for other in (None, pinned):
            assert_well_formed(charts.draw(name, o, "nl", other))


def test_a_point_that_is_not_finite_is_left_out(three):
    o = _not_finite(three)
    root = parse(charts.npv_distribution(o, "en"))
    (society,) = [g for g in with_class(root, "measure") if g.get("data-measure") == "society"]
    assert len(with_class(society, "run", "circle")) == len(o.results) - 1
    npv = np.array([r["npv"] for r in o.results[1:]])
    assert text_of(society, "share") == [f"{i18n.percent((npv > 0).mean(), 'en')} above zero"]
    books = parse(charts.provider_books(o, "en"))  # no mean number of clients: no dot
    assert not plotted(books, "end")


def test_texts_are_escaped(three, monkeypatch):
    monkeypatch.setitem(STAKEHOLDER_NAMES, "municipality", 'Tom & "Jerry" <Wmo>')
    root = parse(charts.stakeholders(three, "en"))
    assert 'Tom & "Jerry" <Wmo>' in text_of(root, "row-label")


def _tr_literals() -> set[str]:
    tree = ast.parse(Path(charts.__file__).read_text(encoding="utf-8"))
    return {node.args[1].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr"
            and isinstance(node.args[1], ast.Constant)}


def test_every_text_is_a_literal_the_translator_can_find(three, pinned, monkeypatch):
    """Drawn in Dutch, the figures ask ``tr`` only for literals of charts.py and names
    from compute.py's tables, and for every literal of charts.py."""
    asked: set[str] = set()
    monkeypatch.setattr(i18n, "MISSING", asked)
    monkeypatch.setattr(i18n, "NL", {})  # every text asked for is then recorded
    for name in charts.FIGURES:
        for other in (None, pinned):
            charts.draw(name, three, "nl", other)
    for mode in BUILDING_VIEWS:
        charts.building(three.building["thuisplus"], mode, "nl")
    tables = ({*STAKEHOLDER_NAMES.values(), *LAW_NAMES.values()}
              | {label for view in BUILDING_VIEWS.values() for label, _ in view})
    literals = _tr_literals()
    assert asked - tables <= literals
    assert literals <= asked


# ------------------------------------------------------------------------------ building

def _squares(root: ET.Element) -> list[ET.Element]:
    return with_class(root, "dwelling", "rect")


@pytest.mark.parametrize("mode", list(BUILDING_VIEWS))
def test_building_has_a_square_per_dwelling_and_counts_them(three, mode):
    snap = three.building["thuisplus"]
    root = assert_well_formed(charts.building(snap, mode, "en"))
    squares = _squares(root)
    assert len(squares) == snap.dwellings
    colours = dict(BUILDING_VIEWS[mode])
    counts = [int(re.search(r"\((\d+)\)$", t).group(1)) for t in legend_texts(root)]
    assert sum(counts) == snap.dwellings and len(counts) == len(colours)
    for sq, code in zip(squares, snap.categories[mode], strict=True):
        assert sq.get("fill") == BUILDING_VIEWS[mode][code][1]
    y = {f: float(sq.get("y")) for sq in squares for f in [int(sq.get("data-floor"))]}
    assert y[0] > y[snap.floors - 1]  # the ground floor at the bottom
    assert text_of(root, "floor-label") == [str(f + 1) for f in range(snap.floors)]


@pytest.mark.parametrize(("dwellings", "floors"), [(20, 2), (250, 10), (600, 3), (600, 60)])
def test_building_stays_readable_from_20_to_600_dwellings(dwellings, floors):
    per_floor = -(-dwellings // floors)
    codes = np.arange(dwellings) % 4
    snap = Snapshot(floors, per_floor, dwellings, {m: codes for m in BUILDING_VIEWS},
                    dt.date(2031, 1, 1))
    root = assert_well_formed(charts.building(snap, "vitality", "nl"))
    squares = _squares(root)
    assert len(squares) == dwellings
    height = float(root.get("viewBox").split()[3])
    assert height < 1700
    sides = {float(s.get("width")) for s in squares}
    assert min(sides) >= 10  # at least 5.6 px on a 360 px wide phone
    assert all(0 <= float(s.get("x")) and float(s.get("x")) + float(s.get("width")) <= 640
               and float(s.get("y")) + float(s.get("height")) <= height for s in squares)
    labels = text_of(root, "floor-label")
    assert labels[0] == "1" and len(labels) >= min(floors, 20)
