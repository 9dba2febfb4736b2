"""Draws of the model's uncertainties from their declared priors (docs/evidence.md).

Each parameter of kind ``uncertainty`` declares a prior in the parameter tree
(:func:`thuisplus.sim.params.uncertainties`). A draw is reproducible by seed, and each parameter has
its own random stream keyed by its name, so adding, removing or reordering other
uncertainties never changes a parameter's draws (the same idea as the keyed person traits
of :mod:`thuisplus.sim.rng`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from thuisplus.sim.param_base import Prior
from thuisplus.sim.params import uncertainties

__all__ = ["draw_priors", "uniforms"]


def uniforms(key: str, n: int, seed: int) -> np.ndarray:
    """``n`` uniforms on (0, 1) for parameter ``key``: its own stream for this seed."""
    if n < 0:
        raise ValueError(f"n = {n}: the number of draws cannot be negative")
    rng = np.random.default_rng([int(seed), zlib.crc32(key.encode("utf-8"))])
    return rng.random(n)


def draw_priors(n: int, seed: int, keys: Iterable[str] | None = None,
                priors: dict[str, Prior] | None = None) -> pd.DataFrame:
    """``n`` joint draws (rows) of the uncertainties (columns), independent by parameter.

    ``keys`` limits the draw to these parameters (default: every uncertainty of the tree);
    ``priors`` replaces the declared priors (e.g. a calibration config's). Integer
    parameters are not rounded here: the experiment casts them as its designs do.
    """
    declared = uncertainties() if priors is None else dict(priors)
    if keys is not None:
        keys = list(keys)
        unknown = [k for k in keys if k not in declared]
        if unknown:
            raise KeyError(f"{unknown[0]}: not an uncertainty with a prior; uncertainties: "
                           f"{', '.join(declared)}")
        declared = {k: declared[k] for k in keys}
    return pd.DataFrame({k: p.ppf(uniforms(k, n, seed)) for k, p in declared.items()},
                        index=pd.RangeIndex(n, name="draw"))
