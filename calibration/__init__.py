"""Calibration against evaluation data: data format, indicators, configs, ABC-SMC and Optuna.

From Python::

    from thuisplus.calibration import CalibrationConfig, load_evaluation, run_calibration
    cfg = CalibrationConfig.from_toml("contract-2021")   # a shipped config by name, or a path
    data = load_evaluation("calibration/data/evaluation.csv", "calibration/data/complexes.csv")
    result = run_calibration(cfg, data, "results/calib", workers=2)
    result.posterior        # final ABC population: free parameters and weights
    result.point            # the point estimate written to results/calib/calibrated.toml

Fitting needs the ``[calibrate]`` extra (pyabc for ABC-SMC, optuna for Optuna); this package
imports without it, and :func:`run_calibration` says which to install when it is missing.
The names below are imported from their modules when first used (PEP 562).
"""

if __name__ != "thuisplus.calibration":  # the folder imported by its path, not as the package
    raise ImportError(f"the folder calibration/ is the package thuisplus.calibration; import "
                      f"it as 'from thuisplus import calibration' (here: {__name__!r})")

from typing import TYPE_CHECKING

from thuisplus._lazy import lazy_exports

if TYPE_CHECKING:
    from thuisplus.calibration.config import CalibrationConfig
    from thuisplus.calibration.data import DataError, EvaluationData, load_evaluation
    from thuisplus.calibration.fit import FitResult, run_calibration
    from thuisplus.calibration.indicators import INDICATORS, compute, register

#: Each public name and the module (of this package) that defines it.
_EXPORTS: dict[str, str] = {
    "INDICATORS": "indicators",
    "CalibrationConfig": "config",
    "DataError": "data",
    "EvaluationData": "data",
    "FitResult": "fit",
    "compute": "indicators",
    "load_evaluation": "data",
    "register": "indicators",
    "run_calibration": "fit",
}

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


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
