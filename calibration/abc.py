"""ABC-SMC with pyabc, on our executors, reproducible and resumable.

pyabc's :class:`~pyabc.sampler.MappingSampler` maps "sample until one particle is
accepted" over a ``map``; we give it the executor's ordered ``map`` (local processes or
Dask). Its stock version reseeds every mapped call from the operating system; ours seeds
call *i* of generation *t* from (config seed, t, i), so a fit is reproducible, does not
depend on the executor, and a resumed generation proposes the very parameter sets it
proposed before — which the simulation journal then returns without simulating again.
"""

from __future__ import annotations

import functools
import logging
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler import MappingSampler

from thuisplus.calibration.config import CalibrationConfig
from thuisplus.calibration.optimize import FAILED_DISTANCE, FitFailed
from thuisplus.calibration.simulate import Observation, Simulator, distance
from thuisplus.experiments.executors import Executor
from thuisplus.experiments.progress import Progress

__all__ = ["run_abc"]

PYABC_LOGGERS = ("ABC", "Sampler", "Epsilon", "History", "Distance", "Acceptor",
                 "Transitions", "Adaptation")

#: Simulations in a row that failed (the model could not run the proposed parameter set,
#: or gave no value for an observation: distance :data:`FAILED_DISTANCE`) after which a
#: particle gives up and the fit fails, instead of proposing for ever.
MAX_FAILED_IN_A_ROW = 200


class SeededMappingSampler(MappingSampler):
    """MappingSampler whose mapped calls are seeded from (seed, generation, index).

    ``progress`` (:mod:`thuisplus.experiments.progress`) hears the stages ``"generations"`` (of
    ``generations``), ``"prior sample"`` or ``"particles"`` (accepted, of the population)
    and ``"evaluations"`` (from ``evaluations``, of ``budget``).
    """

    def __init__(self, map_: Callable, seed: int, progress: Progress | None = None, *,
                 generations: int = 0, budget: int = 0, evaluations: int = 0):
        super().__init__(map_=map_)
        self.seed = seed
        self.progress = progress
        self.generations, self.budget, self.evaluations = generations, budget, evaluations

    def __getstate__(self):
        return (self.pickle, self.unpickle, self.nr_evaluations_, self.sample_factory,
                self.seed)

    def __setstate__(self, state):
        (self.pickle, self.unpickle, self.nr_evaluations_, self.sample_factory,
         self.seed) = state
        self.progress = None
        self.generations = self.budget = self.evaluations = 0

    def seeded_call(self, simulate_one, item):
        seed = int(np.random.SeedSequence(item).generate_state(1)[0])
        # pyabc's priors and perturbation kernels draw from the legacy global generators
        np.random.seed(seed)  # noqa: NPY002
        random.seed(seed)
        simulate_one = self.unpickle(simulate_one)
        n = failed = 0
        sample = self._create_empty_sample()
        while True:
            new = simulate_one()
            n += 1
            sample.append(new)
            if new.accepted:
                break
            failed = failed + 1 if new.distance >= FAILED_DISTANCE else 0
            if failed >= MAX_FAILED_IN_A_ROW:
                raise FitFailed(
                    f"{failed} simulations in a row failed (for every parameter set "
                    "proposed the model raised an error or gave no value for an "
                    "observation): no estimate is written; narrow the priors to where the "
                    "model runs")
        return sample, n

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        fn = functools.partial(self.seeded_call, cloudpickle.dumps(simulate_one))
        items = [(self.seed, t + 1, i) for i in range(n)]  # t = -1 is the calibration
        if self.progress:
            results = self.map_(fn, items, on_result=self._reporter(self.progress, t, n))
        else:
            results = self.map_(fn, items)
        sample = self._create_empty_sample()
        evals = 0
        for s, k in results:
            sample += s
            evals += k
        self.nr_evaluations_ = evals
        return sample

    def _reporter(self, progress: Progress, t: int, n: int
                  ) -> Callable[[tuple[Any, int]], None]:
        """Report generation ``t``'s start; return the per-particle progress callback."""
        stage = "prior sample" if t < 0 else "particles"
        progress("generations", max(t, 0), self.generations, 0)
        progress(stage, 0, n, 0)
        accepted = 0

        def on_result(result: tuple[Any, int]) -> None:
            nonlocal accepted
            accepted += 1
            self.evaluations += result[1]
            progress("evaluations", self.evaluations, self.budget, 0)
            progress(stage, accepted, n, 0)
        return on_result


class _Space:
    """Where pyabc samples: bounded uniform priors on the logit scale, others as they are.

    pyabc perturbs particles with a Gaussian kernel and rejects proposals outside the
    prior's support without renormalising the kernel, which over-weights particles near
    the bounds of a uniform prior (seen here: one particle with a quarter of the weight).
    θ ~ U(a, b) is the same as z = logit((θ − a)/(b − a)) ~ Logistic(0, 1), and z has no
    bounds: ABC runs on z and the model and the outputs see θ.
    """

    def __init__(self, cfg: CalibrationConfig):
        self.names = {f"p{i}": key for i, key in enumerate(cfg.free)}
        self.priors = {key: cfg.priors[key] for key in cfg.free}
        self.is_int = {k: isinstance(cfg.cast(k, 1.0), int) for k in cfg.free}

    def to_theta(self, safe: str, z: np.ndarray | float) -> np.ndarray | float:
        """θ of a sampled value."""
        p = self.priors[self.names[safe]]
        if p.prior != "uniform":
            return z
        return p.lower + (p.upper - p.lower) / (1.0 + np.exp(-np.asarray(z, dtype=float)))

    def prior(self):
        """The pyabc prior on the sampling scale."""
        from pyabc import RV, Distribution

        rvs = {}
        for safe, key in self.names.items():
            p = self.priors[key]
            if p.prior == "uniform":
                rvs[safe] = RV("logistic", 0.0, 1.0)
            else:
                a, b = (p.lower - p.loc) / p.scale, (p.upper - p.loc) / p.scale
                rvs[safe] = RV("truncnorm", a, b, p.loc, p.scale)
        return Distribution(**rvs)


class _Model:
    """pyabc model: sampled values → θ → simulated values of the observations.

    A parameter set the model cannot run (it raises) is a bad fit, not a crash: its values
    are NaN, so its distance is :data:`FAILED_DISTANCE` and it is rejected (as a failed
    Optuna trial is).
    """

    def __init__(self, simulator: Simulator, space: _Space):
        self.simulator, self.space = simulator, space

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        theta = {}
        for safe, key in self.space.names.items():
            v = float(self.space.to_theta(safe, float(pars[safe])))
            theta[key] = round(v) if self.space.is_int[key] else v
        try:
            return self.simulator(theta)
        except Exception:
            return {o.key: math.nan for o in self.simulator.observations}


class _Distance:
    def __init__(self, observations: list[Observation]):
        self.observations = observations

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        d = distance(x, self.observations)
        return d if math.isfinite(d) else FAILED_DISTANCE


def run_abc(cfg: CalibrationConfig, simulator: Simulator, executor: Executor, out: Path, *,
            resume: bool, budget: int, progress: Progress | None = None) -> dict[str, Any]:
    """Run (or continue) ABC-SMC; return the populations, the final posterior and history.

    ``progress``: :mod:`thuisplus.experiments.progress` (stages ``"generations"``, ``"prior
    sample"``, ``"particles"``, ``"evaluations"``).
    """
    for name in PYABC_LOGGERS:  # our progress bar says what pyabc's INFO lines would
        logging.getLogger(name).setLevel(logging.WARNING)
    space = _Space(cfg)
    np.random.seed(cfg.model.seed)  # noqa: NPY002  (pyabc uses the legacy global state)
    random.seed(cfg.model.seed)
    sampler = SeededMappingSampler(executor.map, cfg.model.seed, progress,
                                   generations=cfg.model.abc.generations, budget=budget)
    abc = pyabc.ABCSMC(_Model(simulator, space), space.prior(),
                       _Distance(simulator.observations),
                       population_size=cfg.model.abc.population, sampler=sampler)
    db = out / "abc.db"
    url = f"sqlite:///{db}"
    if resume and db.exists():
        abc.load(url, 1)
    else:
        if db.exists():
            db.unlink()
        abc.new(url, {o.key: o.value for o in simulator.observations})
    history = abc.history
    done_gens = history.max_t + 1
    remaining = cfg.model.abc.generations - done_gens
    used = int(history.total_nr_simulations) if done_gens > 0 else 0
    sampler.evaluations = used
    if remaining > 0 and used < budget:
        history = abc.run(minimum_epsilon=cfg.model.abc.min_epsilon,
                          max_nr_populations=remaining,
                          min_acceptance_rate=cfg.model.abc.min_acceptance_rate,
                          max_total_nr_simulations=budget)
    if progress:
        progress("generations", int(history.max_t) + 1, cfg.model.abc.generations, 0)
    _check_no_failed_particles(history)
    return collect(history, space)


def _check_no_failed_particles(history) -> None:
    """Refuse a posterior holding parameter sets the model could not run.

    Failed simulations are rejected once the tolerance is finite; when at least half of a
    generation failed, the median tolerance is the failure's distance itself and they
    would be accepted. Then no estimate is written (:class:`FitFailed`).
    """
    if history.max_t < 0:
        return
    d = history.get_weighted_distances(t=history.max_t)["distance"].to_numpy(float)
    bad = int((d >= FAILED_DISTANCE).sum())
    if bad:
        raise FitFailed(f"{bad} of the {len(d)} particles of the last generation are "
                        "parameter sets the model could not run (at least half of a "
                        "generation failed): no estimate is written; narrow the priors to "
                        "where the model runs")


def collect(history, space: _Space) -> dict[str, Any]:
    """Populations of every generation (in θ) and the per-generation diagnostics."""
    frames = []
    for t in range(history.max_t + 1):
        df, w = history.get_distribution(m=0, t=t)
        df = df[list(space.names)].copy()
        for safe in space.names:
            df[safe] = space.to_theta(safe, df[safe].to_numpy(float))
        df = df.rename(columns=space.names)
        df.columns.name = None
        df["weight"] = w
        df["generation"] = t
        frames.append(df.reset_index(drop=True))
    pops = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    info = history.get_all_populations()
    info = info[info["t"] >= 0].rename(columns={"t": "generation"})
    ess = []
    for t in info["generation"]:
        w = pops.loc[pops["generation"] == t, "weight"].to_numpy()
        ess.append(float(w.sum() ** 2 / (w**2).sum()) if len(w) else math.nan)
    info = info.assign(ess=ess)
    final = pops[pops["generation"] == history.max_t].drop(columns="generation")
    return {"populations": pops, "posterior": final.reset_index(drop=True),
            "generations": info[["generation", "epsilon", "samples", "particles", "ess"]]
            .reset_index(drop=True),
            "simulations": int(history.total_nr_simulations)}
