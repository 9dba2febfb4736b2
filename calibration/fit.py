"""Fit a calibration config to evaluation data and write its outputs.

``run_calibration`` builds the :class:`~thuisplus.calibration.simulate.Simulator` (one
simulation per complex of the complex table, shared behavioural parameters, complex-specific
sizes and start dates), runs ABC-SMC (pyabc) or an Optuna TPE search through the experiments'
executors, and writes into ``out``:

- ``posterior.parquet``: the final ABC population (free parameters, ``weight``);
  ``populations.parquet`` and ``generations.parquet``: every generation (for convergence);
- ``trials.parquet`` (Optuna): every trial with its distance;
- ``simulations.parquet``: every evaluation (θ and the simulated value per observation);
- ``calibrated.toml``: a complete parameter file at the point estimate (ABC: the weighted
  posterior mean; Optuna: the best trial), loadable wherever ``--params`` is accepted;
- ``posterior.toml`` (ABC): the same plus the posterior sample, so experiments draw one
  parameter set per replication;
- ``manifest.json``: config, data files and their hashes, code version, state;
- the fit report (``thuisplus.calibration.report``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thuisplus.calibration.config import CalibrationConfig
from thuisplus.calibration.data import ALL, EvaluationData
from thuisplus.calibration.indicators import INDICATORS, weeks_needed
from thuisplus.calibration.simulate import Observation, Simulator, journal_table
from thuisplus.experiments.executors import Executor, make_executor
from thuisplus.experiments.posterior import Posterior, write_posterior
from thuisplus.experiments.progress import Progress
from thuisplus.experiments.spec import SpecError
from thuisplus.experiments.store import FolderLock, code_version
from thuisplus.sim.params import save_parameters

__all__ = ["FitResult", "build_simulator", "data_fingerprint", "run_calibration"]


@dataclass
class FitResult:
    """What a fit produced (also on disk in ``out``)."""

    out: Path
    method: str
    point: dict[str, float]
    posterior: pd.DataFrame | None
    generations: pd.DataFrame | None
    trials: pd.DataFrame | None
    simulations: int
    seconds: float


def data_fingerprint(data: EvaluationData) -> str:
    """Hash of the evaluation (and complex) file contents."""
    h = hashlib.sha256(Path(data.path).read_bytes())
    if data.complexes_path is not None:
        h.update(Path(data.complexes_path).read_bytes())
    return h.hexdigest()[:16]


def observations(cfg: CalibrationConfig, data: EvaluationData) -> list[Observation]:
    """The observations the fit uses, with their weights (config) and σ (data)."""
    weights = cfg.check_indicators(sorted(INDICATORS), data.indicators)
    obs = []
    for r in data.observations.itertuples():
        w = weights.get(r.indicator, 0.0)
        if w <= 0:
            continue
        date = pd.Timestamp(r.date).strftime("%Y-%m-%d")
        obs.append(Observation(key=f"{r.indicator}|{date}|{r.complex}", indicator=r.indicator,
                               date=date, complex=r.complex, value=float(r.value),
                               sigma=float(r.sigma), weight=float(w)))
    return obs


def build_simulator(cfg: CalibrationConfig, data: EvaluationData,
                    cache_dir: Path | None = None) -> Simulator:
    """The simulator of a config and data: complexes, observations, horizon."""
    obs = observations(cfg, data)
    base = cfg.base_params
    start = pd.Timestamp(base.simulation.start_date)
    complexes = []
    if data.complexes is not None:
        floors = base.building.floors
        for r in data.complexes.itertuples():
            over: dict[str, Any] = {"building.dwellings": int(r.dwellings),
                                    "building.floors": min(floors, int(r.dwellings))}
            if pd.notna(r.start_date):
                sd = pd.Timestamp(r.start_date).date()
                over["thuisplus.contract.start_date"] = sd
                if sd > base.thuisplus.contract.transfer_start:
                    over["thuisplus.contract.transfer_start"] = sd
            complexes.append({"name": str(r.complex), "overrides": over})
    else:
        names = [c for c in dict.fromkeys(o.complex for o in obs) if c != ALL] or ["complex"]
        complexes = [{"name": n, "overrides": {}} for n in names]
    for o in obs:
        if o.complex != ALL and o.complex not in {c["name"] for c in complexes}:
            raise SpecError(str(data.path), o.key, f"complex {o.complex!r} is not simulated")
        if pd.Timestamp(o.date) < start:
            raise SpecError(str(data.path), o.key, f"date {o.date} is before the "
                            f"simulation start {start.date()} (simulation.start_date)")
    weeks = max(weeks_needed(start, o.indicator, o.date) for o in obs)
    return Simulator(base=base.model_dump(mode="json"), complexes=complexes, observations=obs,
                     weeks=weeks, replications=cfg.model.replications, seed=cfg.model.seed,
                     cache_dir=str(cache_dir) if cache_dir else None)


def _manifest(out: Path, cfg: CalibrationConfig, data: EvaluationData, state: str,
              extra: dict[str, Any]) -> None:
    m = {"name": cfg.name, "state": state, "method": cfg.model.method,
         "fingerprint": cfg.fingerprint(data_fingerprint(data)),
         "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
         "config": cfg.model.model_dump(mode="json"), "config_source": cfg.source,
         "data": str(data.path), "complexes": str(data.complexes_path or ""),
         "code": code_version(), **extra}
    tmp = out / ".manifest.json.tmp"
    tmp.write_text(json.dumps(m, indent=1, default=str), encoding="utf-8")
    tmp.replace(out / "manifest.json")


def _open_folder(out: Path, cfg: CalibrationConfig, data: EvaluationData, resume: bool) -> None:
    manifest = out / "manifest.json"
    if manifest.exists():
        old = json.loads(manifest.read_text(encoding="utf-8"))
        if not resume:
            raise SpecError(str(out), "", f"already holds calibration {old.get('name')!r}; "
                            "use --resume to continue it or choose another --out")
        if old.get("fingerprint") != cfg.fingerprint(data_fingerprint(data)):
            raise SpecError(str(out), "", "holds a fit of another config or data; --resume "
                            "needs the same config, data and method (the budget may change)")
    elif out.exists() and any(f.name != FolderLock.NAME for f in out.iterdir()):
        raise SpecError(str(out), "", "exists and is not empty; choose another --out")
    (out / "simulations").mkdir(parents=True, exist_ok=True)


def point_estimate(cfg: CalibrationConfig, posterior: pd.DataFrame) -> dict[str, float]:
    """Weighted posterior mean of each free parameter (rounded for integer ones)."""
    w = posterior["weight"].to_numpy(float)
    w = w / w.sum()
    return {k: cfg.cast(k, float(np.sum(posterior[k].to_numpy(float) * w))) for k in cfg.free}


def run_calibration(cfg: CalibrationConfig, data: EvaluationData, out: str | Path, *,
                    executor: str | Executor = "local", workers: int | None = None,
                    scheduler: str | None = None, resume: bool = False,
                    budget: int | None = None, report: bool = True,
                    progress: Progress | None = None) -> FitResult:
    """Fit ``cfg`` to ``data``; write posterior, calibrated parameters and report to ``out``.

    ``progress`` is called as ``progress(stage, done, total, failed)``
    (:mod:`thuisplus.experiments.progress`; stages ``"generations"``, ``"prior sample"``,
    ``"particles"``, ``"evaluations"`` of ABC-SMC, ``"trials"`` of Optuna, ``"report"``).
    """
    import time

    from thuisplus.extras import require_calibration

    require_calibration(cfg.model.method)  # pyabc or optuna: say which extra is missing
    out = Path(out)
    t0 = time.perf_counter()
    budget = budget or cfg.model.budget
    lock = FolderLock(out).acquire()  # one fit per folder, for the fit's lifetime
    try:
        return _run_locked(cfg, data, out, executor, workers, scheduler, resume, budget,
                           report, progress, t0)
    finally:
        lock.release()


def _run_locked(cfg: CalibrationConfig, data: EvaluationData, out: Path,
                executor: str | Executor, workers: int | None, scheduler: str | None,
                resume: bool, budget: int, report: bool,
                progress: Progress | None, t0: float) -> FitResult:
    """:func:`run_calibration` while holding the folder's lock."""
    _open_folder(out, cfg, data, resume)
    sim = build_simulator(cfg, data, out / "simulations")
    _manifest(out, cfg, data, "running", {"budget": budget})
    own = not isinstance(executor, Executor)
    ex = make_executor(executor, workers, scheduler) if own else executor
    try:
        result = _fit(cfg, data, out, sim, ex, resume, budget, progress, t0)
        if report:
            from thuisplus.calibration.report import write_fit_report

            if progress:
                progress("report", 0, 1, 0)
            write_fit_report(result, cfg, data, sim, ex)
            if progress:
                progress("report", 1, 1, 0)
    except BaseException as exc:
        state = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["state"]
        if state != "complete":
            failed = type(exc).__name__ == "FitFailed"
            _manifest(out, cfg, data, "failed" if failed else "interrupted",
                      {"budget": budget})
        raise
    finally:
        if own:
            ex.close()
    return result


def _fit(cfg: CalibrationConfig, data: EvaluationData, out: Path, sim: Simulator,
         ex: Executor, resume: bool, budget: int, progress: Progress | None,
         t0: float) -> FitResult:
    import time

    posterior = generations = trials = None
    if cfg.model.method == "abc":
        from thuisplus.calibration.abc import run_abc

        res = run_abc(cfg, sim, ex, out, resume=resume, budget=budget, progress=progress)
        posterior, generations = res["posterior"], res["generations"]
        res["populations"].to_parquet(out / "populations.parquet", index=False)
        generations.to_parquet(out / "generations.parquet", index=False)
        posterior.to_parquet(out / "posterior.parquet", index=False)
        point = point_estimate(cfg, posterior)
        n_sims = res["simulations"]
    else:
        from thuisplus.calibration.optimize import run_optuna

        trials, best = run_optuna(cfg, sim, ex, out, budget=budget, progress=progress)
        trials.to_parquet(out / "trials.parquet", index=False)
        point = {k: cfg.cast(k, v) for k, v in best.items()}
        n_sims = len(trials)
    sims = journal_table(out / "simulations")
    if not sims.empty:
        sims.to_parquet(out / "simulations.parquet", index=False)
    calibrated = cfg.base_params.with_overrides(point, origin="calibration point estimate")
    save_parameters(calibrated, out / "calibrated.toml")
    header = (f"# Calibrated parameters: {cfg.name} ({cfg.model.method}), "
              f"{'weighted posterior mean' if posterior is not None else 'best trial'} of "
              f"{', '.join(cfg.free)}; data {data.path}.\n")
    text = (out / "calibrated.toml").read_text(encoding="utf-8")
    (out / "calibrated.toml").write_text(header + text, encoding="utf-8")
    if posterior is not None:
        post = Posterior(tuple(cfg.free), posterior[cfg.free].to_numpy(float),
                         posterior["weight"].to_numpy(float) / posterior["weight"].sum(),
                         f"calibration {cfg.name} (abc) in {out}")
        write_posterior(out / "posterior.toml", header + text, post)
    seconds = time.perf_counter() - t0
    _manifest(out, cfg, data, "complete", {"budget": budget, "simulations": n_sims,
                                           "point": point, "seconds": round(seconds, 1)})
    return FitResult(out, cfg.model.method, point, posterior, generations, trials, n_sims,
                     seconds)
