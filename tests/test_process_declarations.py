"""What each process declares (parameters, random stream, recorded events) is what it does."""

from __future__ import annotations

import ast
import inspect
import math
import re
import sys

import pytest

from thuisplus.sim import Parameters, engine
from thuisplus.sim.interventions import REGISTRY
from thuisplus.sim.model import COLUMNS
from thuisplus.sim.param_base import PROB_YEAR, RATE_YEAR, Group
from thuisplus.sim.params import iter_fields
from thuisplus.sim.population import InformalCarerRows, ResidentRows, StaffMemberRows
from thuisplus.sim.processes import common
from thuisplus.sim.rng import STREAMS

_EV_NAME = {getattr(common, k): k[3:].lower() for k in dir(common) if k.startswith("EV_")}


def _recorded(source: str) -> set[str]:
    """Events a piece of compiled source adds to: ``ev[EV_X] +=`` or ``leave(..., EV_X)``."""
    slots = re.findall(r"ev\[(EV_\w+)\]\s*\+=", source)
    slots += re.findall(r"nonliteral\((EV_\w+)\)", source)
    names = {s[3:].lower() for s in slots}
    for name in list(names):  # leave() counts these also by age band
        names.update(common.AGE_BAND_EVENTS.get(name, ()))
    return names


@pytest.mark.parametrize("process", engine.PROCESSES, ids=lambda m: m.__name__)
def test_each_process_owns_its_parameter_group(process):
    assert issubclass(process.PARAMS, Group)
    assert process.PARAMS.__module__ == process.__name__  # defined with the process
    assert Parameters.model_fields[process.GROUP].annotation is process.PARAMS
    assert isinstance(getattr(Parameters(), process.GROUP), process.PARAMS)


@pytest.mark.parametrize("process", engine.PROCESSES, ids=lambda m: m.__name__)
def test_each_process_records_exactly_the_events_it_declares(process):
    assert _recorded(inspect.getsource(process)) == set(process.RECORDS)


@pytest.mark.parametrize("process", engine.PROCESSES, ids=lambda m: m.__name__)
def test_each_process_works_on_exactly_the_state_it_declares(process):
    src = inspect.getsource(process)
    populations = {f"{a}.{b}" for a, b in re.findall(r"\b(res|car|staff)\.([a-z_]+)\b", src)}
    populations -= {f"{p}.{m}" for p in ("res", "car", "staff") for m in ("meta", "blocks")}
    assert populations == set(process.STATE)
    others = set(engine.State._fields) - {"res", "car", "staff", "eff", "ev", "cnt"}
    assert {b for b in re.findall(r"\bS\.([a-z_]+)\b", src)} & others == set(process.SCRATCH)
    fields = {"res": ResidentRows, "car": InformalCarerRows, "staff": StaffMemberRows}
    for item in process.STATE:
        pop, name = item.split(".")
        assert name in fields[pop]._fields, item


def test_every_event_is_recorded_by_one_process_or_intervention_and_has_a_slot():
    owners: dict[str, list[str]] = {}
    for m in engine.PROCESSES:
        for e in m.RECORDS:
            owners.setdefault(e, []).append(m.__name__)
    for cls in REGISTRY.values():
        assert _recorded(inspect.getsource(cls.kernel.py_func)) == set(cls.records), cls.name
        for e in cls.records:
            owners.setdefault(e, []).append(cls.name)
    assert set(owners) == set(common.EVENTS) == set(_EV_NAME.values())
    assert all(len(o) == 1 for o in owners.values()), owners
    # the weekly table's event columns are the events of the declared processes
    assert {c.name for c in COLUMNS if c.kind == "event"} <= set(owners)


def test_the_streams_passed_to_the_week_are_the_processes_streams_in_order():
    assert engine.GENERATORS == (*(m.STREAM for m in engine.PROCESSES), "interventions")
    assert set(engine.GENERATORS) <= set(STREAMS)
    assert engine.GENERATORS[engine.G_VITALITY] == "vitality"
    assert engine.GENERATORS[engine.G_INFLOW] == engine.moves.STREAM


# --- yearly figures: each kind has one conversion ---------------------------------------
_CONVERSIONS = {"yearly_to_weekly": PROB_YEAR, "yearly_hazard": PROB_YEAR,
                "rate_to_weekly": RATE_YEAR}
# Yearly rates the compiled week scales by a hazard ratio before turning them weekly
# (``-expm1(-rate * hr / 52)``), so no conversion call names them.
_RATES_USED_AS_HAZARDS = {"hospital_rate", "dementia_incidence_80"}


def _conversions(module) -> list[tuple[str, str]]:
    """(conversion, parameter-like attribute) for each conversion call in ``module``."""
    found = []
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in _CONVERSIONS:
            found += [(node.func.id, a.attr) for a in ast.walk(node.args[0])
                      if isinstance(a, ast.Attribute)]
    return found


def test_each_conversion_gets_yearly_figures_of_its_kind():
    units: dict[str, set[str]] = {}
    for key, info in iter_fields():
        units.setdefault(key.rsplit(".", 1)[1], set()).add(info.json_schema_extra["unit"])
    modules = [*engine.PROCESSES, *{sys.modules[c.__module__] for c in REGISTRY.values()}]
    converted = set()
    for module in modules:
        for fn, attr in _conversions(module):
            if attr in units:
                assert units[attr] == {_CONVERSIONS[fn]}, (module.__name__, fn, attr, units[attr])
                converted.add(attr)
    yearly = {k.rsplit(".", 1)[1] for k, info in iter_fields()
              if info.json_schema_extra["unit"] in (PROB_YEAR, RATE_YEAR)}
    assert yearly - converted == _RATES_USED_AS_HAZARDS


def test_the_conversions_do_what_their_kind_says():
    assert common.yearly_to_weekly(0.4) == pytest.approx(1 - 0.6 ** (1 / 52), rel=1e-12)
    assert common.rate_to_weekly(0.4) == pytest.approx(1 - math.exp(-0.4 / 52), rel=1e-12)
    assert common.yearly_hazard(0.4) == pytest.approx(-math.log(0.6), rel=1e-12)
    # a yearly probability of p is the constant hazard -log(1 - p)
    assert common.rate_to_weekly(common.yearly_hazard(0.4)) == pytest.approx(
        common.yearly_to_weekly(0.4), rel=1e-12)
