"""Parameter uncertainty carried into experiments: a posterior sample in a parameter file.

A calibration writes ``posterior.toml``: a complete parameter file (the point estimate)
plus a ``[posterior]`` table with the free parameters, a sample of parameter sets and
their weights::

    [posterior]
    source = "calibration contract-2021 (abc), results/calib"
    parameters = ["thuisplus.contract.transfer_acceptance", "..."]
    samples = [[0.41, ...], [0.37, ...]]
    weights = [0.012, 0.009]

Everywhere ``--params`` is accepted the file gives its point estimate; an experiment whose
``params`` is such a file draws one parameter set per replication (weighted, seeded from
the experiment seed), so replications carry the calibration's uncertainty forward.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Posterior", "read_posterior", "write_posterior"]


@dataclass(frozen=True)
class Posterior:
    """A weighted sample of parameter sets."""

    keys: tuple[str, ...]
    samples: np.ndarray  # n × k
    weights: np.ndarray  # n, sums to 1
    source: str = ""

    def draw(self, entropy: int, key: tuple[int, ...]) -> dict[str, Any]:
        """One parameter set, drawn by weight with a generator seeded from (entropy, key)."""
        rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=key))
        i = int(rng.choice(len(self.weights), p=self.weights))
        return {k: float(v) for k, v in zip(self.keys, self.samples[i], strict=True)}

    def as_data(self) -> dict[str, Any]:
        """The ``[posterior]`` table as plain data."""
        return {"source": self.source, "parameters": list(self.keys),
                "samples": self.samples.tolist(), "weights": self.weights.tolist()}


def read_posterior(path: str | Path) -> Posterior | None:
    """The ``[posterior]`` table of a parameter file, or None if it has none.

    Raises ValueError naming the problem when the table is malformed.
    """
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    table = data.get("posterior")
    if table is None:
        return None
    where = f"{path} [posterior]"
    try:
        keys = tuple(str(k) for k in table["parameters"])
        samples = np.asarray(table["samples"], dtype=float)
        weights = np.asarray(table.get("weights", [1.0] * len(samples)), dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{where}: needs parameters = [...], samples = [[...], ...] and "
                         f"weights = [...] ({exc})") from None
    if samples.ndim != 2 or samples.shape[1] != len(keys) or len(samples) == 0:
        raise ValueError(f"{where}: samples must be a non-empty list of rows of "
                         f"{len(keys)} values (one per parameter)")
    if len(weights) != len(samples) or not np.isfinite(weights).all() or (weights < 0).any() \
            or weights.sum() <= 0:
        raise ValueError(f"{where}: weights must be {len(samples)} numbers >= 0, not all 0")
    return Posterior(keys, samples, weights / weights.sum(), str(table.get("source", "")))


def write_posterior(path: str | Path, params_text: str, posterior: Posterior) -> None:
    """Write a parameter file (``params_text``, from ``save_parameters``) plus the sample."""
    import tomli_w

    table = tomli_w.dumps({"posterior": posterior.as_data()})
    text = params_text.rstrip() + "\n\n# Posterior sample: experiments draw one parameter set " \
        "per replication from it.\n" + table
    Path(path).write_text(text, encoding="utf-8")
