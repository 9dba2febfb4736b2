"""Calibration against evaluation data: data format, indicators, configs, ABC-SMC and Optuna.

From Python::

    from calibration import CalibrationConfig, load_evaluation, run_calibration
    cfg = CalibrationConfig.from_toml("contract-2021")   # a shipped config by name, or a path
    data = load_evaluation("calibration/data/evaluation.csv", "calibration/data/complexes.csv")
    result = run_calibration(cfg, data, "results/calib", workers=2)
    result.posterior        # final ABC population: free parameters and weights
    result.point            # the point estimate written to results/calib/calibrated.toml
"""

from calibration.config import CalibrationConfig
from calibration.data import DataError, EvaluationData, load_evaluation
from calibration.fit import FitResult, run_calibration
from calibration.indicators import INDICATORS, compute, register

__all__ = [
    "INDICATORS",
    "CalibrationConfig",
    "DataError",
    "EvaluationData",
    "FitResult",
    "compute",
    "load_evaluation",
    "register",
    "run_calibration",
]
