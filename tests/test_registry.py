"""The intervention registry: what a registered intervention must declare, and what is made
from the registry (parameter tree, presets' defaults, dashboard sliders, all-off helper)."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from thuisplus.dashboard.controls import CONTROLS
from thuisplus.sim import Parameters, engine
from thuisplus.sim.effects import SCALARS
from thuisplus.sim.interventions import EFFECTS, REGISTRY, Intervention, all_off, register
from thuisplus.sim.param_base import Group, P
from thuisplus.sim.presets import list_presets, load_preset
from thuisplus.sim.processes import common
from thuisplus.sim.processes._jit import glue

REPO = Path(__file__).resolve().parent.parent
PROCESSES = tuple(m.__name__.rsplit(".", 1)[1] for m in engine.PROCESSES)

_EF_NAME = {getattr(common, k): k for k in dir(common) if k.startswith("EF_")}


def _pattern(effect: str) -> str:
    """How compiled code touches an effect modifier: its EF_ slot, or the array of the
    effects (``e``, ``eff`` or ``S.eff`` by convention)."""
    if effect in SCALARS:
        return r"\b" + _EF_NAME[SCALARS[effect][0]] + r"\b"
    return r"\b(?:e|eff|S\.eff)\." + effect + r"\b"


def _touched(source: str) -> set[str]:
    """The effect modifiers a piece of source code touches."""
    return {e for e in EFFECTS if re.search(_pattern(e), source)}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_each_intervention_writes_exactly_what_it_declares(name):
    cls = REGISTRY[name]
    src = inspect.getsource(cls.kernel.py_func)
    assert _touched(src) == set(cls.writes)


@pytest.mark.parametrize("module", PROCESSES)
def test_each_process_reads_exactly_what_it_declares(module):
    mod = importlib.import_module(f"thuisplus.sim.processes.{module}")
    declared = set(mod.READS) | set(getattr(mod, "RESETS", ()))
    assert _touched(inspect.getsource(mod)) == declared


def test_every_effect_an_intervention_writes_is_read_by_a_process():
    read = set()
    for module in PROCESSES:
        read |= set(importlib.import_module(f"thuisplus.sim.processes.{module}").READS)
    for cls in REGISTRY.values():
        assert set(cls.writes) <= read, cls.name


def test_parameter_tree_sliders_and_all_off_come_from_the_registry():
    t = Parameters().thuisplus
    slider_keys = {c.key for c in CONTROLS}
    off = Parameters().with_overrides(all_off())
    for name, cls in REGISTRY.items():
        assert isinstance(getattr(t, name), cls.Params)
        if "intensity" in cls.Params.model_fields:
            assert getattr(off.thuisplus, name).intensity == 0.0
            assert (f"thuisplus.{name}.intensity" in slider_keys) == bool(cls.label)
            # on by default exactly when it says so; every preset but the baseline keeps it
            assert (getattr(t, name).intensity > 0) == cls.default_on
            for preset in list_presets():
                p = load_preset(preset)
                if p.thuisplus.enabled:
                    assert getattr(p.thuisplus, name).intensity == getattr(t, name).intensity
    assert off.thuisplus.contract.transfer_indications == []


def _toy(**attrs):
    class ToyParams(Group):
        intensity: float = P(attrs.pop("default", 0.0), "0-1", "test", "toy", ge=0, le=1)

    class ToyCoef(NamedTuple):
        intensity: float

    @glue
    def toy_kernel(S, k, f, week, g):
        return

    body = {"name": "toy", "Params": ToyParams, "Coef": ToyCoef, "kernel": toy_kernel}
    body.update(attrs)
    return type("Toy", (Intervention,), body)


@pytest.mark.parametrize(("attrs", "needle"), [
    ({"default": 1.0}, "off unless switched on"),
    ({"default": 0.0, "default_on": True}, "off unless switched on"),
    ({"name": "prevention"}, "taken"),
    ({"name": "enabled"}, "taken"),
    ({"writes": ("decline", "happiness")}, "happiness"),
    ({"kernel": lambda S, k, f, week, g: None}, "compiled"),
    ({"Params": dict}, "Group"),
])
def test_register_refuses_an_incomplete_or_unannounced_intervention(attrs, needle):
    before = dict(REGISTRY)
    with pytest.raises(TypeError, match=needle):
        register(_toy(**attrs))
    assert REGISTRY == before


def test_register_needs_every_part():
    class C(NamedTuple):
        x: float

    class NoKernel(Intervention):
        name = "no_kernel"
        Params = Group
        Coef = C

    with pytest.raises(TypeError, match="kernel"):
        register(NoKernel)


def test_a_bad_plugin_name_is_named(tmp_path):
    env = {**os.environ, "THUISPLUS_INTERVENTIONS": "tests.plugins.no_such_module"}
    r = subprocess.run([sys.executable, "-c", "import thuisplus.sim"], cwd=REPO, env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "THUISPLUS_INTERVENTIONS" in r.stderr and "no_such_module" in r.stderr


def _with_plugin(*args: str) -> subprocess.CompletedProcess:
    """``python ARGS`` with the worked example registered as a plugin."""
    env = {**os.environ, "THUISPLUS_INTERVENTIONS": "tests.plugins.home_visits"}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True)


def test_the_worked_example_plugin_joins_the_tree_and_the_sliders():
    code = ("from thuisplus.sim import Parameters\n"
            "from thuisplus.dashboard.controls import CONTROLS\n"
            "from thuisplus.sim.interventions import REGISTRY, all_off\n"
            "p = Parameters()\n"
            "assert list(REGISTRY)[-1] == 'home_visits'\n"
            "assert p.thuisplus.home_visits.intensity == 0.0\n"
            "assert 'thuisplus.home_visits.intensity' in {c.key for c in CONTROLS}\n"
            "assert all_off()['thuisplus.home_visits.intensity'] == 0.0\n"
            "p.with_overrides({'thuisplus.home_visits.intensity': 0.5})\n"
            "print('ok')\n")
    r = _with_plugin("-c", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


@pytest.mark.slow
def test_a_registered_intervention_at_its_default_changes_no_preset():
    """The whole golden baseline (every preset) with the worked example registered: bit for
    bit the same. Compiles the engine anew for the plugin (minutes)."""
    r = _with_plugin("-m", "tests.golden.record")
    assert r.returncode == 0, r.stdout + r.stderr
    # ... and switched on, it acts: frail residents who stop declining are admitted less
    # (the mean vitality of the building would mislead: they stay, frail, in it)
    code = ("from thuisplus.sim import Parameters, ThuisplusModel\n"
            "def admissions(i):\n"
            "    p = Parameters().with_overrides({'building.dwellings': 60,\n"
            "        'building.floors': 4, 'thuisplus.home_visits.intensity': i,\n"
            "        'thuisplus.home_visits.decline_cut': 1.0})\n"
            "    return sum(ThuisplusModel(p, seed=s).run(156).weekly()['admissions'].sum()\n"
            "               for s in range(4))\n"
            "assert admissions(1.0) < admissions(0.0), (admissions(1.0), admissions(0.0))\n")
    r = _with_plugin("-c", code)
    assert r.returncode == 0, r.stderr
