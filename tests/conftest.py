"""Shared fixtures: small, fast runs reused across tests."""

from __future__ import annotations

import functools

import pytest

from sim import Parameters, ThuisplusModel


@functools.cache
def default_run(seed: int, weeks: int = 520) -> ThuisplusModel:
    """A cached default run (tests must not mutate it)."""
    return ThuisplusModel(Parameters(), rng=seed).run(weeks)


@pytest.fixture(scope="session")
def default_runs() -> list[ThuisplusModel]:
    """Eight 10-year runs of the default complex."""
    return [default_run(seed) for seed in range(8)]


def small_params(**overrides) -> Parameters:
    """A small complex for fast tests, with dotted-key overrides."""
    base = {"building.dwellings": 60, "building.floors": 4}
    base.update(overrides)
    return Parameters().with_overrides(base)
