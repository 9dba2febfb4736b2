"""One evaluation of a parameter set: simulate every complex, compute the observed indicators.

:class:`Simulator` is what the executors ship to worker processes. For a parameter set θ
it runs the Thuisplusflat arm of each complex in the complex table (its size and
contract start from the table, the behaviour parameters shared) ``replications`` times,
averages the indicators over replications and returns one simulated value per
observation. The seed of an evaluation is a hash of θ and the config seed: the same θ
gives the same numbers on any executor, and a different θ fresh noise.

Every finished evaluation is appended to a journal in the output folder (one JSON line,
one file per worker process), so an interrupted fit loses no finished simulation: on
resume the deterministic samplers propose the same θ again and find them there.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thuisplus.experiments.store import journal_line, read_journal
from thuisplus.sim.model import ThuisplusModel
from thuisplus.sim.params import Parameters

__all__ = ["Observation", "Simulator", "distance"]

_CACHE: dict[str, dict[str, dict[str, float]]] = {}  # per process: cache dir → key → stats


@dataclass(frozen=True)
class Observation:
    """One row of evaluation data the fit uses."""

    key: str          # unique id, e.g. "wmo_clients_preferred|2023-01-01|A"
    indicator: str
    date: str         # ISO date
    complex: str      # a complex of the table, or "all": compared with the mean of all
    value: float
    sigma: float
    weight: float


@dataclass
class Simulator:
    """Picklable: θ (dict of free parameters) → simulated value per observation."""

    base: dict[str, Any]
    complexes: list[dict[str, Any]]        # name + parameter overrides per complex
    observations: list[Observation]
    weeks: int
    replications: int = 1
    seed: int = 1
    cache_dir: str | None = None
    _params: Parameters | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_params"] = None
        return state

    def key(self, theta: dict[str, Any]) -> str:
        """Cache key of an evaluation: θ (exact floats) and the seed."""
        text = json.dumps({"theta": {k: repr(v) for k, v in sorted(theta.items())},
                           "seed": self.seed, "reps": self.replications}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def seed_of(self, theta: dict[str, Any]) -> int:
        """The evaluation's seed, derived from θ and the config seed."""
        return int(self.key(theta)[:12], 16)

    def __call__(self, theta: dict[str, Any]) -> dict[str, float]:
        """Simulated value of every observation at θ (NaN where a run could not give one)."""
        key = self.key(theta)
        cache = self._cache()
        if cache is not None and key in cache:
            return dict(cache[key])
        stats = self._simulate(theta)
        if cache is not None:
            cache[key] = stats
            assert self.cache_dir is not None
            path = Path(self.cache_dir) / f"sims-{os.getpid()}.jsonl"
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(journal_line({"key": key, "theta": theta, "stats": stats}))
        return stats

    def _cache(self) -> dict[str, dict[str, float]] | None:
        if not self.cache_dir:
            return None
        if self.cache_dir not in _CACHE:
            _CACHE[self.cache_dir] = load_journal(self.cache_dir)
        return _CACHE[self.cache_dir]

    def _simulate(self, theta: dict[str, Any]) -> dict[str, float]:
        from thuisplus.calibration.indicators import compute

        if self._params is None:
            self._params = Parameters.from_dict(self.base, origin="calibration base")
        seed = self.seed_of(theta)
        values: dict[str, list[float]] = {o.key: [] for o in self.observations}
        for ci, cx in enumerate(self.complexes):
            params = self._params.with_overrides({**cx["overrides"], **theta},
                                                 origin=f"complex {cx['name']}")
            mine = [o for o in self.observations if o.complex in (cx["name"], "all")]
            if not mine:
                continue
            for r in range(self.replications):
                ss = np.random.SeedSequence(seed, spawn_key=(ci, r))
                weekly = ThuisplusModel(params, seed=int(ss.generate_state(1)[0])).run(
                    self.weeks).weekly()
                for o in mine:
                    try:
                        v = float(compute(weekly, o.indicator, pd.Timestamp(o.date)))
                    except ValueError:
                        v = math.nan
                    values[o.key].append(v)
        return {k: (float(np.mean(v)) if v else math.nan) for k, v in values.items()}


def _journal_records(cache_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Records of every journal file in ``cache_dir``, each checked.

    A damaged line costs only its own evaluation (computed again when proposed again),
    never the lines after it (:func:`thuisplus.experiments.store.read_journal`).
    """
    for path in sorted(Path(cache_dir).glob("sims-*.jsonl")):
        yield from read_journal(path, required=("key", "stats"))


def load_journal(cache_dir: str | Path) -> dict[str, dict[str, float]]:
    """All journaled evaluations in ``cache_dir``: key → simulated values."""
    return {rec["key"]: rec["stats"] for rec in _journal_records(cache_dir)}


def journal_table(cache_dir: str | Path) -> pd.DataFrame:
    """Every journaled evaluation: θ columns and simulated indicator columns."""
    rows = [{"key": rec["key"], **rec["theta"],
             **{f"sim:{k}": v for k, v in rec["stats"].items()}}
            for rec in _journal_records(cache_dir)]
    return pd.DataFrame(rows).drop_duplicates("key") if rows else pd.DataFrame()


def distance(stats: dict[str, float], observations: list[Observation]) -> float:
    """Weighted root-mean-square of standardised errors (sim − data) / σ; ∞ if any is NaN."""
    num = den = 0.0
    for o in observations:
        if o.weight <= 0:
            continue
        s = stats.get(o.key, math.nan)
        if not math.isfinite(s):
            return math.inf
        num += o.weight * ((s - o.value) / o.sigma) ** 2
        den += o.weight
    return math.sqrt(num / den)
