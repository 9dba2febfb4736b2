"""Analytic models for checking the batch machinery: known answers, known failures.

An experiment spec can name any ``module:function`` as its ``model``; the function gets
the run's design values as a dict and the run's seed and returns a dict of outcomes.
These ones have answers known in closed form (Ishigami) or fail on purpose, so the
runner, the executors and the sensitivity analysis can be tested through the same code
path the Thuisplusflat model takes.
"""

from __future__ import annotations

import math
import os
import signal
import time
from typing import Any

import numpy as np

__all__ = ["ISHIGAMI_INDICES", "crash_above", "fail_above", "ishigami", "noisy_linear"]

_A, _B = 7.0, 0.1
_V = _A**2 / 8 + _B * math.pi**4 / 5 + _B**2 * math.pi**8 / 18 + 0.5
_V1 = 0.5 * (1 + _B * math.pi**4 / 5) ** 2
_V2 = _A**2 / 8
_V13 = _B**2 * math.pi**8 * (1 / 18 - 1 / 50)

#: Exact Sobol indices of the Ishigami function (a=7, b=0.1; Saltelli et al. 2008).
ISHIGAMI_INDICES = {
    "S1": {"x1": _V1 / _V, "x2": _V2 / _V, "x3": 0.0},
    "ST": {"x1": (_V1 + _V13) / _V, "x2": _V2 / _V, "x3": _V13 / _V},
}


def ishigami(x: dict[str, Any], seed: int) -> dict[str, float]:
    """Ishigami test function of x1, x2, x3 ∈ [−π, π] (deterministic; seed unused)."""
    x1, x2, x3 = float(x["x1"]), float(x["x2"]), float(x["x3"])
    return {"y": math.sin(x1) + _A * math.sin(x2) ** 2 + _B * x3**4 * math.sin(x1)}


def noisy_linear(x: dict[str, Any], seed: int) -> dict[str, float]:
    """``y = 2·a + b + noise(seed)``: a stochastic model whose result depends on the seed.

    Sleeps ``sleep`` seconds first (default 0), to stand in for a slow model.
    """
    if x.get("sleep"):
        time.sleep(float(x["sleep"]))
    noise = np.random.default_rng(seed).normal(0.0, 0.1)
    return {"y": 2.0 * float(x.get("a", 0.0)) + float(x.get("b", 0.0)) + float(noise)}


def fail_above(x: dict[str, Any], seed: int) -> dict[str, float]:
    """Like :func:`noisy_linear`, but raises when ``a`` > ``threshold`` (default 0.5)."""
    if float(x.get("a", 0.0)) > float(x.get("threshold", 0.5)):
        raise ValueError(f"a = {x['a']} is above the threshold (a test of failure records)")
    return noisy_linear(x, seed)


def crash_above(x: dict[str, Any], seed: int) -> dict[str, float]:
    """Like :func:`noisy_linear`, but kills its own process when ``a`` > ``threshold``.

    Stands in for a segfault or an out-of-memory kill of a worker.
    """
    if float(x.get("a", 0.0)) > float(x.get("threshold", 0.5)):
        os.kill(os.getpid(), signal.SIGKILL)
    return noisy_linear(x, seed)
