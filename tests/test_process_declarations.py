"""What each process declares (parameters, random stream, recorded events) is what it does."""

from __future__ import annotations

import inspect
import re

import pytest

from sim import Parameters, engine
from sim.interventions import REGISTRY
from sim.model import COLUMNS
from sim.param_base import Group
from sim.processes import common
from sim.rng import STREAMS

_EV_NAME = {getattr(common, k): k[3:].lower() for k in dir(common) if k.startswith("EV_")}


def _recorded(source: str) -> set[str]:
    """Events a piece of compiled source adds to: ``ev[EV_X] +=`` or ``leave(..., EV_X)``."""
    slots = re.findall(r"ev\[(EV_\w+)\]\s*\+=", source)
    slots += re.findall(r"nonliteral\((EV_\w+)\)", source)
    return {s[3:].lower() for s in slots}


@pytest.mark.parametrize("process", engine.PROCESSES, ids=lambda m: m.__name__)
def test_each_process_owns_its_parameter_group(process):
    assert issubclass(process.PARAMS, Group)
    assert process.PARAMS.__module__ == process.__name__  # defined with the process
    assert Parameters.model_fields[process.GROUP].annotation is process.PARAMS
    assert isinstance(getattr(Parameters(), process.GROUP), process.PARAMS)


@pytest.mark.parametrize("process", engine.PROCESSES, ids=lambda m: m.__name__)
def test_each_process_records_exactly_the_events_it_declares(process):
    assert _recorded(inspect.getsource(process)) == set(process.RECORDS)


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
