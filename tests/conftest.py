"""Shared fixtures: small, fast runs reused across tests."""

from __future__ import annotations

import functools

import pytest

from thuisplus.sim import Parameters, ThuisplusModel, interventions


@functools.cache
def default_run(seed: int, weeks: int = 520) -> ThuisplusModel:
    """A cached default run of the baseline complex (tests must not mutate it)."""
    return ThuisplusModel(Parameters().baseline(), seed=seed).run(weeks)


@pytest.fixture(scope="session")
def default_runs() -> list[ThuisplusModel]:
    """Eight 10-year runs of the default complex without a Thuisplusflat (the status quo
    that public figures describe)."""
    return [default_run(seed) for seed in range(8)]


def small_params(thuisplus: bool = False, **overrides) -> Parameters:
    """A small complex for fast tests (baseline unless ``thuisplus``), dotted overrides."""
    base = {"building.dwellings": 60, "building.floors": 4, "thuisplus.enabled": thuisplus}
    base.update(overrides)
    return Parameters().with_overrides(base)


# The registered interventions with an intensity (the contract levers have none).
INTERVENTIONS = tuple(name for name, cls in interventions.REGISTRY.items()
                      if "intensity" in cls.Params.model_fields)


def all_off(**overrides) -> Parameters:
    """A Thuisplusflat whose interventions and levers are all off (from the registry)."""
    base = interventions.all_off()
    base.update(overrides)
    return Parameters().with_overrides(base)
