"""A fast point estimate: Optuna's TPE sampler, resumable from its SQLite storage.

Trials are asked in batches of the executor's size and evaluated in parallel; the
distance is the same as ABC's. The study lives in ``OUT/optuna.db``: a resumed fit
continues the study. It equals the uninterrupted fit: the sampler of trial *n* is seeded
from (seed, *n*), so a proposal depends only on the history and the trial's number, and
trials a killed process left running are evaluated again (their simulations come back
from the journal) rather than marked failed, so the history is the same.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thuisplus.calibration.config import CalibrationConfig
from thuisplus.calibration.simulate import Simulator, distance
from thuisplus.experiments.executors import Executor
from thuisplus.experiments.progress import Progress

__all__ = ["FitFailed", "run_optuna"]

#: The distance told to Optuna for a simulation that failed.
FAILED_DISTANCE = 1e12


class FitFailed(RuntimeError):
    """Every evaluation of a fit failed: there is no estimate to write."""


class _Objective:
    """Picklable: θ → distance (inf when a simulation fails)."""

    def __init__(self, simulator: Simulator):
        self.simulator = simulator

    def __call__(self, theta: dict[str, Any]) -> float:
        try:
            return distance(self.simulator(theta), self.simulator.observations)
        except Exception:  # a parameter set the model cannot run is a bad fit, not a crash
            return math.inf


def _sampler(cfg: CalibrationConfig, number: int) -> Any:
    """The TPE sampler of trial ``number``, seeded from (the config's seed, number)."""
    import optuna

    seed = int(np.random.SeedSequence([cfg.model.seed, number]).generate_state(1)[0])
    return optuna.samplers.TPESampler(seed=seed,
                                      n_startup_trials=cfg.model.optuna.startup_trials)


def _ask(study: Any, cfg: CalibrationConfig) -> tuple[Any, dict[str, Any]]:
    """A new trial and its θ, drawn by the study's sampler within the priors."""
    trial = study.ask()
    theta: dict[str, Any] = {}
    for key, prior in cfg.priors.items():
        if isinstance(cfg.cast(key, 1.0), int):
            theta[key] = trial.suggest_int(key, math.ceil(prior.lower),
                                           math.floor(prior.upper))
        else:
            theta[key] = trial.suggest_float(key, prior.lower, prior.upper)
    return trial, theta


def run_optuna(cfg: CalibrationConfig, simulator: Simulator, executor: Executor, out: Path,
               *, budget: int, progress: Progress | None = None
               ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Run (or continue) the TPE search; return all trials and the best θ.

    ``progress`` (:mod:`thuisplus.experiments.progress`) hears ``"trials"``: trials finished (those
    whose model run failed apart) of ``min(trials, budget)``, before each batch and at the end.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optuna").setLevel(logging.WARNING)
    storage = f"sqlite:///{out / 'optuna.db'}"
    study = optuna.create_study(study_name=cfg.name, storage=storage,
                                sampler=_sampler(cfg, 0), direction="minimize",
                                load_if_exists=True)
    objective = _Objective(simulator)
    # Trials a killed process left running: evaluate them again (same θ, from the journal)
    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    complete = [t for t in running if set(t.params) == set(cfg.priors)]
    for t in running:
        if t not in complete:  # killed while its θ was being drawn
            study.tell(t.number, state=optuna.trial.TrialState.FAIL)
    if complete:
        for t, d in zip(complete, executor.map(objective, [dict(t.params) for t in complete]),
                        strict=True):
            study.tell(t.number, d if math.isfinite(d) else FAILED_DISTANCE)
    total = min(cfg.model.optuna.trials, budget)
    batch = max(1, executor.workers)
    while True:
        finished = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        done = len(finished)
        if progress:
            failed = sum(t.value is not None and t.value >= FAILED_DISTANCE for t in finished)
            progress("trials", done - failed, total, failed)
        if done >= total:
            break
        trials, thetas = [], []
        for _ in range(min(batch, total - done)):
            study.sampler = _sampler(cfg, len(study.get_trials(deepcopy=False)))
            trial, theta = _ask(study, cfg)
            trials.append(trial)
            thetas.append(theta)
        for trial, d in zip(trials, executor.map(objective, thetas), strict=True):
            study.tell(trial, d if math.isfinite(d) else FAILED_DISTANCE)
    rows = []
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        rows.append({"trial": t.number, **t.params, "distance": t.value})
    df = pd.DataFrame(rows)
    if df.empty or (df["distance"] >= FAILED_DISTANCE).all():
        raise FitFailed(f"every one of the {len(df)} evaluations failed (the model could not "
                        "run any proposed parameter set): no estimate is written; see the "
                        "simulations' journal in " + str(out / "simulations"))
    return df, dict(study.best_params)
