"""The dashboard's two languages: every text has a Dutch translation, numbers in each format."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thuisplus.dashboard import i18n
from thuisplus.dashboard.i18n import NL, euro, number, percent, tr

DASHBOARD = Path(i18n.__file__).parent


def literals_passed_to_tr() -> dict[str, str]:
    """Every literal text passed to ``tr`` in the dashboard's modules → where it is."""
    found = {}
    for path in sorted(DASHBOARD.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr"
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)):
                found[node.args[1].value] = f"{path.name}:{node.lineno}"
    return found


def dynamic_texts() -> set[str]:
    """Texts the page passes to ``tr`` from tables rather than as literals."""
    from thuisplus.dashboard import app
    from thuisplus.dashboard.compute import (
        BUILDING_VIEWS,
        KEY_FIGURES,
        LAW_NAMES,
        LIKELIHOOD,
        STAKEHOLDER_NAMES,
    )
    from thuisplus.dashboard.controls import CONTROLS, SECTIONS
    from thuisplus.sim.presets import list_presets

    texts = {*SECTIONS, *STAKEHOLDER_NAMES.values(), *LAW_NAMES.values(), *KEY_FIGURES,
             *(word for _, word in LIKELIHOOD), *app.MODE_LABELS.values(), app.AS_STARTED,
             app.DEFAULT_LABEL,
             *list_presets().values()}
    texts |= {label for view in BUILDING_VIEWS.values() for label, _ in view}
    for c in CONTROLS:
        texts |= {c.label, c.help, *(label for _, label in c.options)}
        if c.unit and c.unit != "%":
            texts.add(c.unit)
    return texts


def test_every_literal_passed_to_tr_has_a_dutch_translation():
    missing = {text: where for text, where in literals_passed_to_tr().items()
               if text not in NL}
    assert not missing, f"no Dutch for: {missing}"


def test_every_text_from_the_tables_has_a_dutch_translation():
    missing = sorted(t for t in dynamic_texts() if t not in NL)
    assert not missing, f"no Dutch for: {missing}"


@pytest.mark.parametrize("english", sorted(NL))
def test_a_translation_keeps_the_placeholders(english):
    names = {f for _, f, _, _ in string.Formatter().parse(english) if f}
    dutch = {f for _, f, _, _ in string.Formatter().parse(NL[english]) if f}
    assert names == dutch, f"{english!r} → {NL[english]!r}"


def test_tr_fills_in_and_records_what_is_missing():
    i18n.MISSING.discard("no such text {n}")
    assert tr("en", "no such text {n}", n=3) == "no such text 3"
    assert tr("nl", "no such text {n}", n=3) == "no such text 3"
    assert "no such text {n}" in i18n.MISSING
    i18n.MISSING.discard("no such text {n}")


def test_number_formats():
    assert number(1234567.891, "en", 2) == "1,234,567.89"
    assert number(1234567.891, "nl", 2) == "1.234.567,89"
    assert number(-5, "nl") == "−5"
    assert number(-0.3, "en") == "0" and number(-0.004, "nl", 2) == "0,00"
    assert number(float("nan"), "nl") == "—"
    assert euro(3_600_000, "en") == "€3.6 million"
    assert euro(3_600_000, "nl") == "€ 3,6 miljoen"
    assert euro(-278_400, "nl") == "−€ 278.000"
    assert euro(950, "en") == "€950"
    assert euro(15, "en") == "€20" and euro(15, "en", exact=True) == "€15"
    assert euro(22.5, "nl", exact=True) == "€ 22,50"
    assert percent(0.724, "nl") == "72 %" and percent(0.724, "en") == "72%"


@given(st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 3))
def test_dutch_is_english_with_the_separators_swapped(x, decimals):
    en, nl = number(x, "en", decimals), number(x, "nl", decimals)
    assert nl.replace(".", "").replace(",", ".") == en.replace(",", "")
