"""A fast point estimate: Optuna's TPE sampler, resumable from its SQLite storage.

Trials are asked in batches of the executor's size and evaluated in parallel; the
distance is the same as ABC's. The study lives in ``OUT/optuna.db``: a resumed fit
continues the study (trials a killed process left running are marked failed and their
simulations come back from the journal when TPE proposes them again).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from calibration.config import CalibrationConfig
from calibration.simulate import Simulator, distance
from experiments.executors import Executor

__all__ = ["run_optuna"]


class _Objective:
    """Picklable: θ → distance (inf when a simulation fails)."""

    def __init__(self, simulator: Simulator):
        self.simulator = simulator

    def __call__(self, theta: dict[str, Any]) -> float:
        try:
            return distance(self.simulator(theta), self.simulator.observations)
        except Exception:  # a parameter set the model cannot run is a bad fit, not a crash
            return math.inf


def run_optuna(cfg: CalibrationConfig, simulator: Simulator, executor: Executor, out: Path,
               *, budget: int, progress: Callable[..., None] | None = None
               ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Run (or continue) the TPE search; return all trials and the best θ."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optuna").setLevel(logging.WARNING)
    storage = f"sqlite:///{out / 'optuna.db'}"
    sampler = optuna.samplers.TPESampler(seed=cfg.model.seed,
                                         n_startup_trials=cfg.model.optuna.startup_trials)
    study = optuna.create_study(study_name=cfg.name, storage=storage, sampler=sampler,
                                direction="minimize", load_if_exists=True)
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)
    total = min(cfg.model.optuna.trials, budget)
    objective = _Objective(simulator)
    batch = max(1, executor.workers)
    while True:
        done = len(study.get_trials(deepcopy=False,
                                    states=(optuna.trial.TrialState.COMPLETE,)))
        if progress:
            progress("trials", done=done, total=total)
        if done >= total:
            break
        trials, thetas = [], []
        for _ in range(min(batch, total - done)):
            trial = study.ask()
            theta = {}
            for key, prior in cfg.priors.items():
                if isinstance(cfg.cast(key, 1.0), int):
                    theta[key] = trial.suggest_int(key, math.ceil(prior.lower),
                                                   math.floor(prior.upper))
                else:
                    theta[key] = trial.suggest_float(key, prior.lower, prior.upper)
            trials.append(trial)
            thetas.append(theta)
        for trial, d in zip(trials, executor.map(objective, thetas), strict=True):
            study.tell(trial, d if math.isfinite(d) else 1e12)
    rows = []
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        rows.append({"trial": t.number, **t.params, "distance": t.value})
    df = pd.DataFrame(rows)
    return df, dict(study.best_params)
